"""``brightness``: mean pixel intensity in [0, 1]. Cheap and differentiable: for smoke tests."""

from __future__ import annotations

from torch import Tensor

from rlgan_bench.api import Reward, hookimpl


class Brightness(Reward):
    name = "brightness"
    description = "mean pixel intensity (smoke tests)"
    params = {"target": -1.0}  # < 0: brighter is better; in [0, 1]: closeness to that level

    def score(self, images: Tensor) -> Tensor:
        level = (images.mean(dim=(1, 2, 3)) + 1) / 2
        target = self.config["target"]
        return level if target < 0 else -(level - target).abs()


@hookimpl
def register_rewards(register):
    register(Brightness)
