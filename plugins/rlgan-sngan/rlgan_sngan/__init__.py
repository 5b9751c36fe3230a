"""rlgan-sngan: an example third-party backbone plugin for rlgan-bench (SN-GAN, Miyato et al.
2018).

rlgan-bench imports this module through the ``rlgan_bench`` entry point in ``pyproject.toml``
and calls the ``@hookimpl`` function below. ``RLGAN_BENCH_API`` states which plugin API this
package was written for; rlgan-bench reports the plugin as broken (instead of failing at run
time) when its own API version falls outside the range.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rlgan_bench.api import hookimpl

from rlgan_sngan.backbone import SNGAN, Critic, Generator

RLGAN_BENCH_API = ">=1,<2"

__all__ = ["RLGAN_BENCH_API", "SNGAN", "Critic", "Generator", "register_backbones"]


@hookimpl
def register_backbones(register: Callable[[Any], None]) -> None:
    """Make ``--backbone sngan`` available."""
    register(SNGAN)
