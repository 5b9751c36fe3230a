"""Datasets: in-memory uint8 image tensors with fixed, recorded splits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor

from rlgan_bench.core.images import to_float, to_uint8


@dataclass
class ImageData:
    """A split of a dataset, held in memory: uint8 images (N, C, H, W) and optional labels."""

    images: Tensor
    labels: Tensor | None
    split: str
    #: how the split was drawn, recorded in every run's config
    split_info: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def as_float(self) -> Tensor:
        """Images in [-1, 1], the range generators produce."""
        return to_float(self.images)


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset a plugin registers. ``load(split, root, image_size, channels)`` returns
    :class:`ImageData` for the split ``"train"`` (what the GAN learns) or ``"heldout"`` (what
    it is scored against); datasets may offer more splits, listed in ``splits``."""

    name: str
    load: Callable[[str, str | None, int, int], ImageData]
    channels: int
    num_classes: int = 0
    class_names: tuple[str, ...] = ()
    splits: tuple[str, ...] = ("train", "heldout")
    needs_root: bool = False
    description: str = ""


def resize_and_match_channels(images: Tensor, image_size: int, channels: int) -> Tensor:
    """float (N, C, h, w) in [0, 1] -> uint8 (N, channels, image_size, image_size)."""
    if images.shape[-1] != image_size or images.shape[-2] != image_size:
        images = torch.nn.functional.interpolate(
            images,
            size=(image_size, image_size),
            mode="bilinear",
            align_corners=False,
            antialias=images.shape[-1] > image_size,
        )
    if images.shape[1] != channels:
        if channels == 3 and images.shape[1] == 1:
            images = images.expand(-1, 3, -1, -1)
        elif channels == 1 and images.shape[1] == 3:
            # ITU-R 601 luma
            weights = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
            images = (images * weights).sum(1, keepdim=True)
    return images.clamp(0, 1).mul(255).round().to(torch.uint8).contiguous()


__all__ = ["DatasetSpec", "ImageData", "resize_and_match_channels", "to_float", "to_uint8"]
