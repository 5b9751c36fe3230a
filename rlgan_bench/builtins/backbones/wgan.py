"""WGAN (Arjovsky, Chintala and Bottou, 2017): a DCGAN-architecture critic without sigmoid,
the Wasserstein loss, weight clipping to [-0.01, 0.01], 5 critic steps per generator step and
RMSprop(lr=5e-5)."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor, nn

from rlgan_bench.api import (
    Backbone,
    DCGANDiscriminator,
    DCGANGenerator,
    dcgan_init_weights,
    hookimpl,
)


class WGAN(Backbone):
    """DCGAN's generator and critic, another game."""

    name = "wgan"
    critic_steps = 5
    reference = "Arjovsky et al. 2017, arXiv:1701.07875"
    hyperparameters: ClassVar[tuple[str, ...]] = ("lr", "clip_value", "critic_steps")
    lr = 5e-5
    clip_value = 0.01

    def build_generator(self) -> nn.Module:
        return DCGANGenerator(self.shape).apply(dcgan_init_weights)

    def build_critic(self) -> nn.Module:
        return DCGANDiscriminator(self.shape, norm="batch").apply(dcgan_init_weights)

    def critic_loss(self, critic: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
        return critic(fake).mean() - critic(real).mean()

    def generator_loss(self, critic: nn.Module, fake: Tensor) -> Tensor:
        return -critic(fake).mean()

    def optimizers(
        self, generator: nn.Module, critic: nn.Module
    ) -> tuple[torch.optim.Optimizer, torch.optim.Optimizer]:
        return (
            torch.optim.RMSprop(generator.parameters(), lr=self.lr),
            torch.optim.RMSprop(critic.parameters(), lr=self.lr),
        )

    def after_critic_step(self, critic: nn.Module) -> None:
        with torch.no_grad():
            for parameter in critic.parameters():
                parameter.clamp_(-self.clip_value, self.clip_value)


@hookimpl
def register_backbones(register):
    register(WGAN)
