"""rlgan-bench: benchmark reward-guided GAN training.

Two public surfaces: :mod:`rlgan_bench.api` for plugin code (base classes, hooks, helpers), and
the names below for driving runs from Python (notebooks, scripts, a plugin's tests); see
:mod:`rlgan_bench.workflows` for an example.
"""

import warnings

# clip-anytorch imports pkg_resources, whose deprecation warning says nothing to our users
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)

# the filter above must come first: these imports load clip-anytorch
from rlgan_bench.core.config import TrainConfig  # noqa: E402
from rlgan_bench.core.version import __version__  # noqa: E402
from rlgan_bench.evaluation.evaluate import load_run  # noqa: E402
from rlgan_bench.host import PluginHost, get_host  # noqa: E402
from rlgan_bench.training.trainer import Trainer  # noqa: E402
from rlgan_bench.workflows import (  # noqa: E402
    Generator,
    MatrixOutcome,
    TrainResult,
    evaluate,
    load_generator,
    run_matrix,
    train,
)

__all__ = [
    "Generator",
    "MatrixOutcome",
    "PluginHost",
    "TrainConfig",
    "TrainResult",
    "Trainer",
    "__version__",
    "evaluate",
    "get_host",
    "load_generator",
    "load_run",
    "run_matrix",
    "train",
]
