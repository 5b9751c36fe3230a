"""The installed distribution's version, read once."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rlgan-bench")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
