"""Sample grids: what a person looks at to judge a generator."""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image
from torch import Tensor, nn
from torchvision.utils import make_grid

from rlgan_bench.core.atomic import atomic_path
from rlgan_bench.core.dataset import to_uint8


@torch.no_grad()
def save_grid(generator: nn.Module, z: Tensor, path: Path, nrow: int = 8) -> None:
    """Generate from a fixed latent batch and save an image grid (atomically).

    In eval mode, as evaluation generates: the grid shows the model that is scored (BatchNorm
    with its running statistics), and its forward pass leaves those statistics, which the next
    checkpoint saves, untouched."""
    was_training = generator.training
    generator.eval()
    try:
        images = generator(z).float()
    finally:
        generator.train(was_training)
    save_images_grid(images, path, nrow)


def save_images_grid(images: Tensor, path: Path, nrow: int = 8) -> None:
    grid = make_grid(to_uint8(images.cpu()), nrow=nrow, padding=2, pad_value=128)
    picture = Image.fromarray(grid.permute(1, 2, 0).squeeze(-1).numpy())
    with atomic_path(path) as tmp:
        picture.save(tmp, format="PNG")
