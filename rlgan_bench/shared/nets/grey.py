"""Images as the shipped digit networks see them: one grey channel at their input size."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

#: ITU-R 601 luma weights, as the datasets use; they sum to 1, so the conversion commutes with
#: any affine map of the pixel range ([0, 1] <-> [-1, 1])
LUMA = (0.299, 0.587, 0.114)


def grey_at(images: Tensor, size: int) -> Tensor:
    """(N, 1 or 3, H, W) -> (N, 1, size, size), differentiably: colour images by their luma
    (the networks only saw grey digits, so colour is a direction a generator could exploit),
    resized bilinearly (antialiased when shrinking)."""
    if images.dim() != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"expected images (N, 1 or 3, H, W), got shape {tuple(images.shape)}")
    if images.shape[1] == 3:
        images = (images * images.new_tensor(LUMA).view(1, 3, 1, 1)).sum(1, keepdim=True)
    if images.shape[-2:] != (size, size):
        images = F.interpolate(
            images,
            size=(size, size),
            mode="bilinear",
            align_corners=False,
            antialias=images.shape[-1] > size,
        )
    return images
