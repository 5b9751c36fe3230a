"""Networks the built-in audits share, loaded once per device."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

_CACHE: dict[tuple[str, str], object] = {}


def eval_net(device: torch.device):
    """The shipped evaluation network (eval, frozen), cached per device."""
    from rlgan_bench.models.digit_nets import load_eval_net

    key = ("digit-eval-net", str(device))
    if key not in _CACHE:
        _CACHE[key] = load_eval_net(device)
    return _CACHE[key]


def clip_scorer(name: str, device: torch.device):
    """A CLIP scorer (:func:`rlgan_bench.metrics.clip_score.load_scorer`), cached per device."""
    from rlgan_bench.metrics.clip_score import load_scorer

    key = (name, str(device))
    if key not in _CACHE:
        _CACHE[key] = load_scorer(name, device)
    return _CACHE[key]


@torch.no_grad()
def batched(
    fn: Callable[[Tensor], Tensor], images: Tensor, device: torch.device, size: int = 250
) -> Tensor:
    """``fn`` over ``images`` in batches on ``device``; the results concatenated on the CPU."""
    return torch.cat(
        [
            fn(images[i : i + size].to(device).float()).float().cpu()
            for i in range(0, len(images), size)
        ]
    )
