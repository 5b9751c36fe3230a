"""rlgan-symmetry: an example third-party reward plugin for rlgan-bench.

rlgan-bench imports this module through the ``rlgan_bench`` entry point in ``pyproject.toml``
and calls the ``@hookimpl`` functions below. ``RLGAN_BENCH_API`` states which plugin API this
package was written for; rlgan-bench reports the plugin as broken (instead of failing at run
time) when its own API version falls outside the range.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rlgan_bench.api import hookimpl

from rlgan_symmetry.rewards import Sharpness, Symmetry

RLGAN_BENCH_API = ">=1,<2"

__all__ = ["RLGAN_BENCH_API", "Sharpness", "Symmetry", "register_rewards"]


@hookimpl
def register_rewards(register: Callable[[Any], None]) -> None:
    """Make ``--reward symmetry`` and ``--reward sharpness`` available."""
    register(Symmetry)
    register(Sharpness)
