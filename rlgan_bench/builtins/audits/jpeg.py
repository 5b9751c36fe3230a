"""Audit of the ``jpeg`` reward: exact. The reward is the file size itself, so claimed and
verified agree by construction; the quality drift (FID, precision against the lambda = 0
run) is what can flag it (blank or degenerate images compress well)."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from rlgan_bench.api import Audit, hookimpl, jpeg_kilobytes


class JPEGAudit(Audit):
    name = "jpeg-size"
    reward = "jpeg"
    description = "exact: minus the JPEG size (kB) at the reward's quality, by Pillow"
    exact = True

    def scores(self, images: Tensor, reward_params: dict[str, Any], device: torch.device) -> Tensor:
        return -jpeg_kilobytes(images.cpu(), int(reward_params.get("quality", 95)))


@hookimpl
def register_audits(register):
    register(JPEGAudit)
