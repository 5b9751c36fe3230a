"""DCGAN (Radford, Metz and Chintala, 2016), as in pytorch/examples/dcgan.

Transposed-convolution generator with BatchNorm and ReLU and a tanh output; a strided
convolution discriminator with LeakyReLU(0.2); weights from N(0, 0.02); the non-saturating
BCE loss; Adam(lr=2e-4, betas=(0.5, 0.999)).
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rlgan_bench.api import (
    Backbone,
    DCGANDiscriminator,
    DCGANGenerator,
    adam_optimizers,
    dcgan_init_weights,
    hookimpl,
)


class DCGAN(Backbone):
    name = "dcgan"
    critic_steps = 1
    reference = "Radford et al. 2016, arXiv:1511.06434"
    hyperparameters: ClassVar[tuple[str, ...]] = ("lr", "betas", "critic_steps")
    lr = 2e-4
    betas = (0.5, 0.999)

    def build_generator(self) -> nn.Module:
        return DCGANGenerator(self.shape).apply(dcgan_init_weights)

    def build_critic(self) -> nn.Module:
        return DCGANDiscriminator(self.shape, norm="batch").apply(dcgan_init_weights)

    def critic_loss(self, critic: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
        # BCE on logits: the numerically stable form of pytorch/examples' Sigmoid + BCELoss.
        real_logits, fake_logits = critic(real), critic(fake)
        return F.binary_cross_entropy_with_logits(
            real_logits, torch.ones_like(real_logits)
        ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))

    def generator_loss(self, critic: nn.Module, fake: Tensor) -> Tensor:
        logits = critic(fake)  # non-saturating: maximise log D(G(z))
        return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))

    def optimizers(
        self, generator: nn.Module, critic: nn.Module
    ) -> tuple[torch.optim.Optimizer, torch.optim.Optimizer]:
        return adam_optimizers(generator, critic, self.lr, self.betas)


@hookimpl
def register_backbones(register):
    register(DCGAN)
