"""WGAN-GP (Gulrajani et al., 2017): the Wasserstein loss with a gradient penalty of weight 10
on random interpolates, 5 critic steps, Adam(lr=1e-4, betas=(0, 0.9)) and no BatchNorm in the
critic (the penalty is per sample)."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor, nn

from rlgan_bench.api import (
    DCGANDiscriminator,
    adam_optimizers,
    dcgan_init_weights,
    hookimpl,
)
from rlgan_bench.builtins.backbones.wgan import WGAN


def gradient_penalty(critic: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
    """E[(||grad_x D(x_hat)||_2 - 1)^2] on x_hat uniformly between real and fake samples."""
    alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device, dtype=real.dtype)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    # fp32 for the double backward: robust under autocast and loss scaling
    with torch.autocast(device_type=real.device.type, enabled=False):
        scores = critic(mixed.float())
        (grads,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    return ((grads.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


class WGANGP(WGAN):
    """WGAN's generator and generator loss; a BatchNorm-free critic, a gradient penalty instead
    of clipping, Adam instead of RMSprop."""

    name = "wgan-gp"
    critic_steps = 5
    reference = "Gulrajani et al. 2017, arXiv:1704.00028"
    hyperparameters: ClassVar[tuple[str, ...]] = ("lr", "betas", "critic_steps", "penalty_weight")
    lr = 1e-4
    betas = (0.0, 0.9)
    penalty_weight = 10.0

    def build_critic(self) -> nn.Module:
        return DCGANDiscriminator(self.shape, norm="none").apply(dcgan_init_weights)

    def critic_loss(self, critic: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
        wasserstein = critic(fake).mean() - critic(real).mean()
        return wasserstein + self.penalty_weight * gradient_penalty(critic, real, fake)

    def optimizers(
        self, generator: nn.Module, critic: nn.Module
    ) -> tuple[torch.optim.Optimizer, torch.optim.Optimizer]:
        return adam_optimizers(generator, critic, self.lr, self.betas)

    def after_critic_step(self, critic: nn.Module) -> None:
        """No weight clipping: the gradient penalty constrains the critic."""


@hookimpl
def register_backbones(register):
    register(WGANGP)
