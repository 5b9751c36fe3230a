"""The per-image scores the hacking verdict rests on, and its positive control.

The verdict (:mod:`rlgan_bench.analysis.hacking`) is calibrated by selecting real images by
the reward (the negative control: real images cannot be hacked) and must fire on a known hack.
The known hack here is the oldest one: each base sample pushed up the reward's gradient within
a small pixel budget (projected gradient ascent, Madry et al. 2018), with the reward's
``hackable_params`` (the classifier's plain network and unclipped log-probability: an
adversarially trained network's gradients are shape gradients, and pushing up them is no
hack). What it gains, it gains by patterns the reward's network reads and an independent
network does not; it is measured once per base and reward (the gauge remembers it for every
cell of that base).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

#: the positive control's pixel budget (L-infinity, images in [-1, 1]) and its steps:
#: measured on the embedded digits to leave the evaluation network's reading nearly
#: unchanged while the reward's rises (docs/protocol.md, "Controls")
ADVERSARIAL_EPS = 0.05
ADVERSARIAL_STEPS = 10
#: digits kept of each per-image score in the records (a few kB per cell)
SIGNIFICANT = 6


def adversarial(
    reward: Any,
    images: Tensor,
    device: torch.device,
    batch: int,
    eps: float = ADVERSARIAL_EPS,
    steps: int = ADVERSARIAL_STEPS,
) -> Tensor:
    """``images`` (floats in [-1, 1], CPU) moved up the reward's gradient by signed steps of
    ``eps / 4`` and projected back into the ``eps`` box around each image."""
    out = []
    for start in range(0, len(images), batch):
        x0 = images[start : start + batch].to(device)
        x = x0.clone()
        for _ in range(steps):
            x.requires_grad_(True)
            with torch.enable_grad():
                (grad,) = torch.autograd.grad(reward(x).float().sum(), x)
            x = (x.detach() + eps / 4 * grad.sign()).clamp(x0 - eps, x0 + eps).clamp(-1, 1)
        out.append(x.detach().cpu())
    return torch.cat(out)


def rounded(values: Tensor) -> list[float]:
    """Per-image scores for a record: plain floats of :data:`SIGNIFICANT` digits."""
    return [float(f"{v:.{SIGNIFICANT}g}") for v in values.double().tolist()]


__all__ = ["ADVERSARIAL_EPS", "ADVERSARIAL_STEPS", "SIGNIFICANT", "adversarial", "rounded"]
