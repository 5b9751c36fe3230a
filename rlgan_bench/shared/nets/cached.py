"""The shipped networks, loaded once per device and process, for plugins that score many
batches (the built-in audits)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from rlgan_bench.shared.nets.clip import ClipScorer, load_scorer
from rlgan_bench.shared.nets.digit_nets import DigitNet, load_eval_net

#: device -> the evaluation network on it
_EVAL_NETS: dict[str, DigitNet] = {}
#: (CLIP model choice, device) -> its scorer
_CLIP_SCORERS: dict[tuple[str, str], ClipScorer] = {}


def cached_eval_net(device: torch.device) -> DigitNet:
    """The shipped evaluation network (eval, frozen), cached per device."""
    key = str(device)
    if key not in _EVAL_NETS:
        _EVAL_NETS[key] = load_eval_net(device)
    return _EVAL_NETS[key]


def cached_clip_scorer(name: str, device: torch.device) -> ClipScorer:
    """A CLIP scorer (:func:`rlgan_bench.shared.nets.clip.load_scorer`), cached per device."""
    key = (name, str(device))
    if key not in _CLIP_SCORERS:
        _CLIP_SCORERS[key] = load_scorer(name, device)
    return _CLIP_SCORERS[key]


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
