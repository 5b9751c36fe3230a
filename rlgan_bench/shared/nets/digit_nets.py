"""Small CNN digit classifiers shipped with the package (trained by
``scripts/train_digit_nets.py``).

Two instances with different architectures, trained on disjoint halves of the digits
``train`` split, so that a generator optimised against one cannot have learned to fool the
other:

- the *reward classifier* (``reward-net`` split, augmentation plus PGD adversarial
  training): its log-probabilities are the differentiable ``classifier`` reward;
- the *eval net* (``eval-net`` split, augmentation): its features feed FID/KID/precision-
  recall and its logits the Inception Score and class histograms.

A third, the *plain classifier* (``reward-net`` split, shifts and rotations only: no noise,
no adversarial training, 30 epochs), is the naive reward model of the reward-hacking
gauge (``classifier`` reward with ``net=plain``): at a large lambda (300 on the embedded
digits) its gradients lead the generator to patterns that fool it and that neither the eval
net nor the robust reward classifier sees.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rlgan_bench.shared.nets import load_into
from rlgan_bench.shared.nets.grey import grey_at

INPUT_SIZE = 32
NUM_CLASSES = 10


@dataclass(frozen=True)
class DigitNetConfig:
    #: output channels of each stage; every stage halves the resolution (32 -> 16 -> 8 -> 4)
    widths: tuple[int, ...]
    #: 3x3 convolutions per stage
    convs_per_stage: int
    #: size of the penultimate features
    feature_dim: int


REWARD_NET = DigitNetConfig(widths=(24, 48, 96), convs_per_stage=2, feature_dim=128)
EVAL_NET = DigitNetConfig(widths=(32, 64, 128), convs_per_stage=1, feature_dim=64)
PLAIN_NET = DigitNetConfig(widths=(16, 32, 64), convs_per_stage=1, feature_dim=64)


def to_grey_32(images: Tensor) -> Tensor:
    """(N, 1 or 3, S, S) in [-1, 1] -> (N, 1, 32, 32), differentiably."""
    return grey_at(images, INPUT_SIZE)


class DigitNet(nn.Module):
    """Images (N, C, H, W) in [-1, 1] with C in {1, 3} and H = W in {32, 64} -> 10 logits."""

    def __init__(self, config: DigitNetConfig) -> None:
        super().__init__()
        self.config = config
        layers: list[nn.Module] = []
        channels = 1
        for width in config.widths:
            for _ in range(config.convs_per_stage):
                layers += [
                    nn.Conv2d(channels, width, 3, padding=1, bias=False),
                    nn.BatchNorm2d(width),
                    nn.ReLU(inplace=True),
                ]
                channels = width
            layers.append(nn.MaxPool2d(2))
        self.body = nn.Sequential(*layers)
        self.embed = nn.Sequential(
            nn.Flatten(), nn.Linear(channels, config.feature_dim), nn.ReLU(inplace=True)
        )
        self.head = nn.Linear(config.feature_dim, NUM_CLASSES)

    def features(self, images: Tensor) -> Tensor:
        """Penultimate features (N, feature_dim)."""
        maps = self.body(to_grey_32(images))
        return self.embed(maps.mean(dim=(2, 3), keepdim=True))

    def forward(self, images: Tensor) -> Tensor:
        return self.head(self.features(images))


def augment(
    images: Tensor,
    generator: torch.Generator,
    shift: float = 2.0,
    degrees: float = 10.0,
    scale: float = 0.1,
    noise: float = 0.15,
) -> Tensor:
    """Training augmentation of (N, 1, 32, 32) images in [-1, 1]: a random shift (pixels),
    rotation and scale per image, then Gaussian noise of a random strength up to ``noise``."""
    n = images.shape[0]

    def uniform(low: float, high: float) -> Tensor:
        return torch.rand(n, generator=generator) * (high - low) + low

    angle = uniform(-degrees, degrees).deg2rad()
    zoom = uniform(1 - scale, 1 + scale)
    shift_xy = uniform(-shift, shift), uniform(-shift, shift)
    cos, sin = angle.cos() / zoom, angle.sin() / zoom
    # affine_grid works in [-1, 1] coordinates, where one pixel is 2 / size
    theta = torch.stack(
        [
            torch.stack([cos, -sin, shift_xy[0] * 2 / images.shape[-1]], 1),
            torch.stack([sin, cos, shift_xy[1] * 2 / images.shape[-2]], 1),
        ],
        1,
    )
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    # sample images + 1 so that the zero padding is the black (-1) background
    moved = F.grid_sample(images + 1, grid, align_corners=False) - 1
    sigma = torch.rand(n, 1, 1, 1, generator=generator) * noise
    noisy = moved + sigma * torch.randn(moved.shape, generator=generator)
    return noisy.clamp(-1, 1)


def _load(name: str, config: DigitNetConfig, device: torch.device | str) -> DigitNet:
    net = DigitNet(config)
    load_into(net, name)
    net.to(device).eval().requires_grad_(False)
    return net


def load_reward_classifier(device: torch.device | str = "cpu") -> DigitNet:
    """The adversarially trained classifier behind the ``classifier`` reward (eval, frozen)."""
    return _load("digit-reward-classifier", REWARD_NET, device)


def load_plain_classifier(device: torch.device | str = "cpu") -> DigitNet:
    """The plain (not adversarially trained) classifier of ``classifier`` with ``net=plain``:
    the naive reward model that gets hacked (eval, frozen)."""
    return _load("digit-plain-classifier", PLAIN_NET, device)


def load_eval_net(device: torch.device | str = "cpu") -> DigitNet:
    """The evaluation network: features for FID/KID/PR, logits for IS (eval, frozen)."""
    return _load("digit-eval-net", EVAL_NET, device)


__all__ = [
    "EVAL_NET",
    "PLAIN_NET",
    "REWARD_NET",
    "augment",
    "DigitNet",
    "DigitNetConfig",
    "load_eval_net",
    "load_plain_classifier",
    "load_reward_classifier",
    "to_grey_32",
]
