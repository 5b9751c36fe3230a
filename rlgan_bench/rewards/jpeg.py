"""``jpeg``: compressibility, minus the JPEG size of each image in kB (DDPO's
jpeg_compressibility). A black box: optimise it with ``reinforce``, ``ppo`` or ``critic``."""

from __future__ import annotations

import io

import torch
from PIL import Image
from torch import Tensor

from rlgan_bench.data import to_uint8
from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.rewards.base import Reward


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


class JPEGCompressibility(Reward):
    name = "jpeg"
    differentiable = False
    description = "compressibility: minus the JPEG size (kB) at the given quality"
    params = {"quality": 95}
    default_mode = "reinforce"
    default_lambda = 0.01
    # JPEG sizes of real digits spread little (std 0.03 kB): tilt 30 keeps ~40 effective
    # images, mostly ones and thin digits, for the critic; the policy gradient is kept small,
    # as larger lambdas blank the images (measured in docs/rewards.md)
    schedule = {"reward_start": 0.5, "reward_warmup": 0.067, "reward_tilt": 30.0}

    def score(self, images: Tensor) -> Tensor:
        return -jpeg_kilobytes(images, self.config["quality"])


@hookimpl
def register_rewards(register):
    register(JPEGCompressibility)
