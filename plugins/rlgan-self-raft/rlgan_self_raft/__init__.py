"""rlgan-self-raft: an example third-party method plugin for rlgan-bench.

rlgan-bench imports this module through the ``rlgan_bench`` entry point in ``pyproject.toml``
and calls the ``@hookimpl`` function below. ``RLGAN_BENCH_API`` states which plugin API this
package was written for: it acts through the method context and the critic's real batches,
which the API has since 1.2.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rlgan_bench.api import hookimpl

from rlgan_self_raft.method import SelfRaft

RLGAN_BENCH_API = ">=1.2,<2"

__all__ = ["RLGAN_BENCH_API", "SelfRaft", "register_methods"]


@hookimpl
def register_methods(register: Callable[[Any], None]) -> None:
    """Make ``methods = { self-raft = [...] }`` (and ``--mode self-raft``) available."""
    register(SelfRaft)
