"""pytorch/examples' DCGAN as an rlgan-bench backbone, module for module.

The networks are those of ``dcgan/main.py`` in https://github.com/pytorch/examples (commit
cc8e404cbcbf3a3c326789260deed89ee04b3408): the same layers in the same ``nn.Sequential`` called
``main``, so the state dicts that script saves (``netG_epoch_N.pth``, ``netD_epoch_N.pth``:
``main.0.weight``, ``main.1.running_mean``, ...) load here without renaming. Its command-line
sizes map onto rlgan-bench's ``ModelShape``: ``--nz`` is ``latent_dim``, ``--ngf`` = ``--ndf``
is ``width`` (one width for both networks), ``nc`` is ``channels`` (3, or 1 for MNIST).

Supported shapes: ``image_size`` 64 only (main.py's networks have four stride-2 layers and
do not adapt to ``--imageSize``), ``channels`` 1 or 3, any ``latent_dim`` and ``width``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from rlgan_bench.api import Backbone, ConfigError, ModelShape
from torch import Tensor, nn

SOURCE = "pytorch/examples dcgan/main.py @ cc8e404cbcbf3a3c326789260deed89ee04b3408"
IMAGE_SIZE = 64


def weights_init(m: nn.Module) -> None:
    """main.py's ``weights_init``: N(0, 0.02) convolutions, N(1, 0.02) BatchNorm scales and
    zero BatchNorm shifts (the convolutions have no bias)."""
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight, 0.0, 0.02)  # type: ignore[arg-type]
    elif classname.find("BatchNorm") != -1:
        nn.init.normal_(m.weight, 1.0, 0.02)  # type: ignore[arg-type]
        nn.init.zeros_(m.bias)  # type: ignore[arg-type]


class Generator(nn.Module):
    """main.py's ``Generator``: z (N, nz) or (N, nz, 1, 1) -> image (N, nc, 64, 64) in [-1, 1]."""

    def __init__(self, shape: ModelShape) -> None:
        super().__init__()
        nz, ngf, nc = shape.latent_dim, shape.width, shape.channels
        self.main = nn.Sequential(
            # input is Z, going into a convolution
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 8),
            nn.ReLU(True),
            # state size. (ngf*8) x 4 x 4
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            # state size. (ngf*4) x 8 x 8
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            # state size. (ngf*2) x 16 x 16
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            # state size. (ngf) x 32 x 32
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh(),
            # state size. (nc) x 64 x 64
        )

    def forward(self, z: Tensor) -> Tensor:
        # rlgan-bench's latents are (N, nz); main.py's are (N, nz, 1, 1)
        return self.main(z.reshape(z.shape[0], -1, 1, 1))


class Discriminator(nn.Module):
    """main.py's ``Discriminator``: image (N, nc, 64, 64) -> one logit per image, (N,).

    ``main`` holds every module of main.py's, its final ``nn.Sigmoid`` included (it has no
    weights, so the state dict is the same either way). ``forward`` stops before it and returns
    the logit: the losses below apply the sigmoid inside ``binary_cross_entropy_with_logits``,
    which is main.py's Sigmoid + ``BCELoss`` computed stably (and allowed under autocast, where
    ``BCELoss`` is not). ``torch.sigmoid(critic(x))`` is main.py's ``netD(x)``.
    """

    def __init__(self, shape: ModelShape) -> None:
        super().__init__()
        ndf, nc = shape.width, shape.channels
        self.main = nn.Sequential(
            # input is (nc) x 64 x 64
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf) x 32 x 32
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*2) x 16 x 16
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 4),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*4) x 8 x 8
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 8),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*8) x 4 x 4
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, image: Tensor) -> Tensor:
        return self.main[:-1](image).view(-1)  # all but the Sigmoid: the logit


class PytorchDCGAN(Backbone):
    """DCGAN exactly as pytorch/examples trains it: its networks and initialisation, the
    non-saturating BCE losses (one critic step, the critic's fake batch reused for the generator
    step, as main.py does) and Adam(lr=2e-4, betas=(0.5, 0.999)) for both networks."""

    name = "pytorch-dcgan"
    critic_steps = 1
    reference = f"Radford et al. 2016, arXiv:1511.06434; {SOURCE}"
    lr = 2e-4  # main.py --lr
    betas = (0.5, 0.999)  # main.py --beta1, and Adam's default beta2
    hyperparameters = ("lr", "betas", "critic_steps")

    def __init__(self, shape: ModelShape) -> None:
        if shape.image_size != IMAGE_SIZE:
            raise ConfigError(
                f"backbone {self.name!r} is pytorch/examples' DCGAN, which makes 64x64 images "
                f"only (got image_size {shape.image_size}); pass --image-size 64, or use "
                f"--backbone dcgan for {shape.image_size}x{shape.image_size}"
            )
        super().__init__(shape)

    def build_generator(self) -> nn.Module:
        return Generator(self.shape).apply(weights_init)

    def build_critic(self) -> nn.Module:
        return Discriminator(self.shape).apply(weights_init)

    def critic_loss(self, critic: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
        # main.py: errD = BCE(D(real), 1) + BCE(D(G(z)), 0), real and fake in separate passes
        real_logits, fake_logits = critic(real), critic(fake)
        return F.binary_cross_entropy_with_logits(
            real_logits, torch.ones_like(real_logits)
        ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))

    def generator_loss(self, critic: nn.Module, fake: Tensor) -> Tensor:
        logits = critic(fake)  # main.py: errG = BCE(D(G(z)), 1)
        return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))

    def optimizers(
        self, generator: nn.Module, critic: nn.Module
    ) -> tuple[torch.optim.Optimizer, torch.optim.Optimizer]:
        return (
            torch.optim.Adam(generator.parameters(), lr=self.lr, betas=self.betas),
            torch.optim.Adam(critic.parameters(), lr=self.lr, betas=self.betas),
        )
