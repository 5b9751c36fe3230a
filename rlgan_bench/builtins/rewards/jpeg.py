"""``jpeg``: compressibility, minus the JPEG size of each image in kB (DDPO's
jpeg_compressibility). A black box: optimise it with ``reinforce``, ``ppo`` or ``critic``."""

from __future__ import annotations

from torch import Tensor

from rlgan_bench.api import Reward, hookimpl, jpeg_kilobytes


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
