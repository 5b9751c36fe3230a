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
def generate_in_eval_mode(generator: nn.Module, z: Tensor) -> Tensor:
    """``generator(z)`` in eval mode, as evaluation generates: the images show the model that is
    scored (BatchNorm with its running statistics), and the forward pass leaves those statistics,
    which the next checkpoint saves, untouched."""
    was_training = generator.training
    generator.eval()
    try:
        return generator(z).float()
    finally:
        generator.train(was_training)


def grid_image(images: Tensor, nrow: int = 8) -> Tensor:
    """[-1, 1] images (N, C, H, W) -> one uint8 grid (3, H', W'), as the sample PNGs show it."""
    return make_grid(to_uint8(images.cpu()), nrow=nrow, padding=2, pad_value=128)


def save_grid(generator: nn.Module, z: Tensor, path: Path, nrow: int = 8) -> None:
    """Generate from a fixed latent batch (in eval mode) and save an image grid atomically."""
    save_images_grid(generate_in_eval_mode(generator, z), path, nrow)


def save_images_grid(images: Tensor, path: Path, nrow: int = 8) -> None:
    grid = grid_image(images, nrow)
    picture = Image.fromarray(grid.permute(1, 2, 0).squeeze(-1).numpy())
    with atomic_path(path) as tmp:
        picture.save(tmp, format="PNG")
