"""SN-GAN (Miyato, Kataoka, Koyama and Yoshida, ICLR 2018, arXiv:1802.05957), standard CNN.

Architecture, after the paper's "standard CNN" (appendix B, table 3) for 32x32 images:

- generator: z -> dense -> 4x4 x (8 w) -> BN, ReLU -> [4x4 stride-2 deconv, BN, ReLU] x 3
  (4 w, 2 w, w channels) -> 3x3 conv -> tanh, with w = ``width`` (64 in the paper, giving
  512-256-128-64);
- critic: [3x3 conv, 4x4 stride-2 conv] x 3 (w, 2 w, 4 w channels) -> 3x3 conv (8 w) ->
  dense -> 1, LeakyReLU(0.1) after every convolution, spectral normalisation on every
  convolution and on the dense layer, no BatchNorm.

64x64 images get one more up-sampling block in the generator and one more down-sampling block
in the critic. Weights start from N(0, 0.02) as in the authors' Chainer code.

Loss: the hinge loss (Lim and Ye 2017; Tran et al. 2017), one of the two losses the paper
trains SN-GANs with: critic ``E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]``, generator
``-E[D(G(z))]``.

Optimiser: the paper tunes the standard CNN over six Adam settings (table 1, A-F). We use
setting C, the DCGAN one: lr 2e-4, betas (0.5, 0.999), one critic step per generator step,
which is also what the authors' chainer-gan-lib uses for SN-DCGAN (``example.sh``). Adam
betas (0.0, 0.9) with five critic steps belong to the paper's ResNet models (and to the
authors' sngan_projection configs), not to this CNN. Set ``lr``, ``betas`` and ``critic_steps``
per run (``--backbone-param betas=0,0.9``, ``backbone_params`` in a matrix) to try the others.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from rlgan_bench.api import Backbone, ModelShape
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm

LEAK = 0.1  # the paper's LeakyReLU slope


def _normal_init(layer: nn.Module) -> nn.Module:
    """N(0, 0.02) weights and zero bias, the initialisation of the authors' Chainer code."""
    nn.init.normal_(layer.weight, 0.0, 0.02)  # type: ignore[arg-type]
    if getattr(layer, "bias", None) is not None:
        nn.init.zeros_(layer.bias)  # type: ignore[arg-type]
    return layer


def _sn(layer: nn.Module) -> nn.Module:
    """Initialise, then spectrally normalise: the critic sees ``W / sigma(W)``."""
    return spectral_norm(_normal_init(layer))


class Generator(nn.Module):
    """z (N, latent_dim) -> image (N, C, S, S) in [-1, 1]."""

    def __init__(self, shape: ModelShape) -> None:
        super().__init__()
        channels = shape.width * 2**shape.n_upsamplings  # 8 w at 32 px, 16 w at 64 px
        layers: list[nn.Module] = [
            _normal_init(nn.Linear(shape.latent_dim, 4 * 4 * channels)),
            nn.BatchNorm1d(4 * 4 * channels),  # over the dense output, as the authors' code
            nn.ReLU(),
            nn.Unflatten(1, (channels, 4, 4)),
        ]
        for _ in range(shape.n_upsamplings):
            layers += [
                _normal_init(nn.ConvTranspose2d(channels, channels // 2, 4, 2, 1)),
                nn.BatchNorm2d(channels // 2),
                nn.ReLU(),
            ]
            channels //= 2
        layers += [_normal_init(nn.Conv2d(channels, shape.channels, 3, 1, 1)), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.main(z)


class Critic(nn.Module):
    """image -> one unbounded score per image, 1-Lipschitz per layer by spectral norm."""

    def __init__(self, shape: ModelShape) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        in_channels, channels = shape.channels, shape.width
        for _ in range(shape.n_upsamplings):  # 32 -> 16 -> 8 -> 4 (or from 64)
            layers += [
                _sn(nn.Conv2d(in_channels, channels, 3, 1, 1)),
                nn.LeakyReLU(LEAK),
                _sn(nn.Conv2d(channels, channels, 4, 2, 1)),
                nn.LeakyReLU(LEAK),
            ]
            in_channels, channels = channels, channels * 2
        layers += [
            _sn(nn.Conv2d(in_channels, channels, 3, 1, 1)),
            nn.LeakyReLU(LEAK),
            nn.Flatten(),
            _sn(nn.Linear(4 * 4 * channels, 1)),
            nn.Flatten(0),
        ]
        self.main = nn.Sequential(*layers)

    def forward(self, image: Tensor) -> Tensor:
        return self.main(image)


class SNGAN(Backbone):
    """Spectrally normalised critic, hinge loss, DCGAN-like generator (see the module doc)."""

    name = "sngan"
    critic_steps = 1
    reference = "Miyato et al. 2018, arXiv:1802.05957 (standard CNN, hinge loss, setting C)"
    hyperparameters = ("lr", "betas", "critic_steps")
    lr = 2e-4
    betas = (0.5, 0.999)

    def build_generator(self) -> nn.Module:
        return Generator(self.shape)

    def build_critic(self) -> nn.Module:
        return Critic(self.shape)

    def critic_loss(self, critic: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
        return F.relu(1.0 - critic(real)).mean() + F.relu(1.0 + critic(fake)).mean()

    def generator_loss(self, critic: nn.Module, fake: Tensor) -> Tensor:
        return -critic(fake).mean()

    def optimizers(
        self, generator: nn.Module, critic: nn.Module
    ) -> tuple[torch.optim.Optimizer, torch.optim.Optimizer]:
        return (
            torch.optim.Adam(generator.parameters(), lr=self.lr, betas=self.betas),
            torch.optim.Adam(critic.parameters(), lr=self.lr, betas=self.betas),
        )
