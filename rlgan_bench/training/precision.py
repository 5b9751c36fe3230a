"""Mixed precision: autocast and loss scaling on CUDA (bf16 where supported, else fp16 with a
GradScaler), plain fp32 elsewhere."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import torch
from torch import Tensor, nn


class MixedPrecision:
    def __init__(self, device: torch.device, enabled: bool) -> None:
        self.device = device
        self.dtype = _amp_dtype(device) if enabled else None
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.dtype is torch.float16)

    def autocast(self) -> AbstractContextManager[Any]:
        return torch.autocast(
            self.device.type, dtype=self.dtype or torch.float32, enabled=self.dtype is not None
        )

    def generate(self, model: nn.Module, z: Tensor) -> Tensor:
        """``model(z)`` under autocast, as float32 images."""
        with self.autocast():
            return model(z).float()

    def update(self, optimizer: torch.optim.Optimizer, loss: Tensor) -> None:
        """One optimiser step on ``loss`` (scaled when fp16 needs it)."""
        optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(optimizer)
        self.scaler.update()


def _amp_dtype(device: torch.device) -> torch.dtype | None:
    if device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
