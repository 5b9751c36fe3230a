"""Image conversions between what generators produce ([-1, 1] floats) and what image files,
torch-fidelity and compressors take (uint8)."""

from __future__ import annotations

import io

import torch
from PIL import Image
from torch import Tensor


def to_float(images: Tensor) -> Tensor:
    return images.float().div_(127.5).sub_(1.0)


def to_uint8(images: Tensor) -> Tensor:
    """[-1, 1] floats -> uint8 in [0, 255] (what torch-fidelity and image files take)."""
    return images.detach().float().add(1.0).mul(127.5).round_().clamp_(0, 255).to(torch.uint8)


def jpeg_kilobytes(images: Tensor, quality: int = 95) -> Tensor:
    """JPEG size in kB of each image in [-1, 1] (N, C, H, W), encoded by Pillow."""
    pixels = to_uint8(images).cpu()
    sizes = []
    for picture in pixels:
        array = (
            picture.squeeze(0).numpy()
            if picture.shape[0] == 1
            else picture.permute(1, 2, 0).numpy()
        )
        buffer = io.BytesIO()
        Image.fromarray(array).save(buffer, format="JPEG", quality=quality)
        sizes.append(buffer.tell() / 1000)
    return torch.tensor(sizes, device=images.device)
