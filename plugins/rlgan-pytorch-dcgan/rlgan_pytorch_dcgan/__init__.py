"""rlgan-pytorch-dcgan: an example rlgan-bench backbone plugin that imports checkpoints from
another codebase, pytorch/examples' DCGAN (``dcgan/main.py``).

``--backbone pytorch-dcgan`` has main.py's networks module for module, so the state dicts it
saves load without renaming; ``python -m rlgan_pytorch_dcgan.convert netG.pth netD.pth -o
base.pt`` joins its two files into the one ``rlgan-bench train --init-from`` reads.

rlgan-bench imports this module through the ``rlgan_bench`` entry point in ``pyproject.toml``
and calls the ``@hookimpl`` function below. ``RLGAN_BENCH_API`` states which plugin API this
package was written for; rlgan-bench reports the plugin as broken (instead of failing at run
time) when its own API version falls outside the range.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rlgan_bench.api import hookimpl

from rlgan_pytorch_dcgan.backbone import Discriminator, Generator, PytorchDCGAN, weights_init

RLGAN_BENCH_API = ">=1,<2"

__all__ = [
    "RLGAN_BENCH_API",
    "Discriminator",
    "Generator",
    "PytorchDCGAN",
    "register_backbones",
    "weights_init",
]


@hookimpl
def register_backbones(register: Callable[[Any], None]) -> None:
    """Make ``--backbone pytorch-dcgan`` available."""
    register(PytorchDCGAN)
