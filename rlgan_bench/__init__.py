"""rlgan-bench: benchmark reward-guided GAN training."""

import warnings
from importlib.metadata import PackageNotFoundError, version

# clip-anytorch imports pkg_resources, whose deprecation warning says nothing to our users
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)

try:
    __version__ = version("rlgan-bench")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
