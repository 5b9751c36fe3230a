"""``ppo``: the REINFORCE policy with a clipped likelihood ratio and several inner epochs over
each batch of samples, as DDPO does for diffusion models.

The first epoch is the ordinary generator update (adversarial loss + lambda * clipped
surrogate); the trainer then calls :meth:`extra_updates` for the remaining ``epochs - 1``
updates on the same latents, samples and advantages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from rlgan_bench.api import GaussianPolicyMode, hookimpl, log_prob, pixels


class PPO(GaussianPolicyMode):
    name = "ppo"
    options = {**GaussianPolicyMode.options, "clip_range": 0.2, "epochs": 4}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._batch: tuple[Tensor, Tensor, Tensor, Tensor] | None = None

    def surrogate(
        self, mean: Tensor, samples: Tensor, old_logp: Tensor, advantages: Tensor
    ) -> Tensor:
        ratio = torch.exp(log_prob(samples, mean.unsqueeze(0), self.config["sigma"]) - old_logp)
        clip = self.config["clip_range"]
        clipped = torch.clamp(ratio, 1 - clip, 1 + clip)
        return -torch.minimum(ratio * advantages, clipped * advantages).mean() * pixels(mean)

    def reward_loss(
        self, generator: nn.Module, z: Tensor, fake: Tensor, generate: Callable[[Tensor], Tensor]
    ) -> tuple[Tensor, Tensor]:
        samples, advantages, logged = self.rollout(fake)
        old_logp = log_prob(samples, fake.detach().unsqueeze(0), self.config["sigma"])
        self._batch = (z.detach(), samples, old_logp, advantages)
        return self.surrogate(fake, samples, old_logp, advantages), logged

    def extra_updates(
        self,
        generate: Callable[[Tensor], Tensor],
        weight: float,
        step_generator: Callable[[Tensor], None],
    ) -> None:
        if self._batch is None:
            return
        z, samples, old_logp, advantages = self._batch
        for _ in range(self.config["epochs"] - 1):
            step_generator(weight * self.surrogate(generate(z), samples, old_logp, advantages))
        self._batch = None


@hookimpl
def register_methods(register):
    register(PPO)
