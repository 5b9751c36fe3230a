"""Two image-statistics rewards: mirror symmetry and sharpness.

Both are differentiable, so they work with ``--method backprop`` (the gradient of the reward flows
through the images into the generator). Images arrive as (N, C, H, W) in [-1, 1].
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from rlgan_bench.api import ConfigError, Reward
from torch import Tensor

#: mirror axis -> the tensor dimension that the mirror flips
AXES = {"vertical": (-1,), "horizontal": (-2,), "both": (-2, -1)}
METRICS = ("correlation", "l1")


class Symmetry(Reward):
    """Mirror symmetry of each image; 1 means perfectly symmetric.

    ``axis`` is the mirror line: ``vertical`` compares left with right (a face, a digit 0 or 8),
    ``horizontal`` top with bottom, ``both`` averages the two.

    ``metric="correlation"`` (the default) scores the Pearson correlation between the image and
    its mirror image, in [-1, 1]. It does not depend on brightness or contrast and gives a flat
    image 0, not 1: a plain L1 distance is smallest for a blank image, which a generator quickly
    learns to produce. ``eps`` damps images whose pixel variance is below it towards 0, so near
    flat images win nothing and the gradient stays finite. ``metric="l1"`` is
    ``1 - mean|x - mirror(x)| / 2`` in [0, 1], for when the blank-image shortcut is acceptable.
    """

    name = "symmetry"
    differentiable = True
    params = {"axis": "vertical", "metric": "correlation", "eps": 1e-3}
    description = "mirror symmetry of the image (left-right by default)"
    default_method = "backprop"
    default_lambda = 0.1

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        _check_choice(self.name, "axis", self.config["axis"], tuple(AXES))
        _check_choice(self.name, "metric", self.config["metric"], METRICS)
        if self.config["eps"] <= 0:
            raise ConfigError(f"reward 'symmetry' parameter eps={self.config['eps']} is not > 0")

    def score(self, images: Tensor) -> Tensor:
        dims = AXES[self.config["axis"]]
        per_axis = [self._score_one(images, images.flip(dim)) for dim in dims]
        return torch.stack(per_axis).mean(dim=0)

    def _score_one(self, images: Tensor, mirrored: Tensor) -> Tensor:
        x, m = images.flatten(1), mirrored.flatten(1)
        if self.config["metric"] == "l1":
            return 1 - (x - m).abs().mean(dim=1) / 2
        # a mirror only permutes pixels: mean and variance of x and m are the same
        xc, mc = x - x.mean(dim=1, keepdim=True), m - m.mean(dim=1, keepdim=True)
        return (xc * mc).mean(dim=1) / (xc.pow(2).mean(dim=1) + self.config["eps"])


class Sharpness(Reward):
    """Variance of the Laplacian of the grey-level image: high for crisp edges, low for blur.

    The classic focus measure (Pech-Pacheco et al., ICPR 2000). With ``log_scale`` (default) the
    score is ``log(variance + 1e-4)``, which keeps the gradient of very sharp and very blurry
    images on one scale. Noise is "sharp" too: use it with the adversarial loss and a small
    lambda, and look at the samples.
    """

    name = "sharpness"
    differentiable = True
    params = {"log_scale": True}
    description = "variance of the Laplacian (edge contrast)"
    default_method = "backprop"
    default_lambda = 0.05

    def score(self, images: Tensor) -> Tensor:
        grey = images.mean(dim=1, keepdim=True)
        kernel = grey.new_tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
        laplacian = F.conv2d(grey, kernel.view(1, 1, 3, 3))  # valid: no made-up border edges
        variance = laplacian.flatten(1).var(dim=1)
        return torch.log(variance + 1e-4) if self.config["log_scale"] else variance


def _check_choice(reward: str, key: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(
            f"reward {reward!r} parameter {key}={value!r} is not one of: {', '.join(choices)}"
        )
