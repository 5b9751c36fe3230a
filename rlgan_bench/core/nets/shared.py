"""The shipped networks, loaded once per device and process, for plugins that score many
batches (the built-in audits)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from rlgan_bench.core.nets.clip import load_scorer
from rlgan_bench.core.nets.digit_nets import load_eval_net

_CACHE: dict[tuple[str, str], object] = {}


def cached_eval_net(device: torch.device):
    """The shipped evaluation network (eval, frozen), cached per device."""
    key = ("digit-eval-net", str(device))
    if key not in _CACHE:
        _CACHE[key] = load_eval_net(device)
    return _CACHE[key]


def cached_clip_scorer(name: str, device: torch.device):
    """A CLIP scorer (:func:`rlgan_bench.core.nets.clip.load_scorer`), cached per device."""
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
