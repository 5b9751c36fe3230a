"""``reinforce``: score-function policy gradient for black-box rewards.

Loss term ``-mean(A * log pi(x | z))`` with ``x = G(z) + sigma * eps`` and normalised
advantages ``A`` (per-latent group baseline, or a running-mean baseline for one draw). Its
gradient with respect to ``G(z)`` is ``A * eps / sigma``. With white noise (``noise_scale=1``)
that is the score-function estimate of the gradient of the smoothed reward
``E_eps R(G(z) + sigma eps)``; with the default smooth noise (drawn coarse and upsampled) the
log-density is still the white-noise one, so the estimate is that gradient seen through the
noise's low-pass filter: biased towards smooth directions, which is the point.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from rlgan_bench.modes.base import RewardMode, register_mode
from rlgan_bench.modes.policy import group_advantages, log_prob, perturbation, pixels


@register_mode
class Reinforce(RewardMode):
    name = "reinforce"
    options = {"sigma": 0.1, "group": 2, "noise_scale": 4, "baseline_decay": 0.9}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.baseline: Tensor | None = None  # running mean reward, kept on the device

    def rollout(self, mean: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Perturbed samples (group, n, C, H, W), their advantages (group, n), and the reward
        of the unperturbed images (n,), which is what gets logged."""
        cfg = self.config
        eps = perturbation(mean, cfg["sigma"], cfg["noise_scale"], cfg["group"])
        samples = (mean.detach().unsqueeze(0) + cfg["sigma"] * eps).clamp(-1, 1)
        with torch.no_grad():
            rewards = self.score(samples.flatten(0, 1)).view(samples.shape[:2]).float()
            logged = self.score(mean.detach()).float()
        advantages = group_advantages(rewards, self.baseline)
        batch_mean = rewards.mean().detach()
        if self.baseline is None:
            self.baseline = batch_mean
        else:
            self.baseline = torch.lerp(batch_mean, self.baseline, cfg["baseline_decay"])
        return samples, advantages, logged

    def reward_loss(
        self, generator: nn.Module, z: Tensor, fake: Tensor, generate: Callable[[Tensor], Tensor]
    ) -> tuple[Tensor, Tensor]:
        samples, advantages, logged = self.rollout(fake)
        logp = log_prob(samples, fake.unsqueeze(0), self.config["sigma"])
        return -(advantages * logp).mean() * pixels(fake), logged

    def state_dict(self) -> dict[str, Any]:
        return {"baseline": self.baseline}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.baseline = state.get("baseline")
