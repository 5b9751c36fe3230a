"""``jpeg``: compressibility, minus the JPEG size of each image in kB (DDPO's
jpeg_compressibility). A black box: optimise it with ``reinforce``, ``ppo``, ``critic``,
``reward-weighted`` or ``best-of-n``."""

from __future__ import annotations

from torch import Tensor

from rlgan_bench.api import Reward, hookimpl, jpeg_kilobytes


class JPEGCompressibility(Reward):
    name = "jpeg"
    differentiable = False
    description = "compressibility: minus the JPEG size (kB) at the given quality"
    params = {"quality": 95}
    default_method = "reinforce"
    # the policy gradient is kept small, as larger lambdas blank the images (docs/rewards.md)
    default_lambda = 0.01
    schedule = {"reward_start": 0.5, "reward_warmup": 0.067}

    def score(self, images: Tensor) -> Tensor:
        return -jpeg_kilobytes(images, self.config["quality"])


@hookimpl
def register_rewards(register):
    register(JPEGCompressibility)
