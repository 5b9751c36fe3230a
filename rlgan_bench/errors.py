"""Deprecated 0.1 import path; removed in 0.3.

``rlgan_bench.errors`` was a module of rlgan-bench 0.1. Use ``from rlgan_bench.api import
ConfigError, MissingFileError, PluginError, RlganError`` instead; each of its old names still
works here with a DeprecationWarning naming its new import (the table:
``rlgan_bench.core.deprecations.SHIMS``).
"""

from rlgan_bench.core import deprecations as _deprecations


def __getattr__(name: str) -> object:
    return _deprecations.shim_getattr(__name__, name)


def __dir__() -> list[str]:
    return _deprecations.shim_dir(__name__)
