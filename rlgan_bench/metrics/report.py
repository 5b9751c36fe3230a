"""Deprecated 0.1 import path; removed in 0.3.

``rlgan_bench.metrics.report`` was a module of rlgan-bench 0.1. Its names are internal now (see
the warning of each); each of its old names still works here with a DeprecationWarning naming
its new import (the table: ``rlgan_bench.core.deprecations.SHIMS``).
"""

from rlgan_bench.core import deprecations as _deprecations


def __getattr__(name: str) -> object:
    return _deprecations.shim_getattr(__name__, name)


def __dir__() -> list[str]:
    return _deprecations.shim_dir(__name__)
