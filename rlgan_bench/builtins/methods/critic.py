"""``critic``: a differentiable surrogate of a black-box reward, fitted online.

A small CNN ``S(x)`` is regressed (MSE, on standardised rewards) onto the reward of the
generator's perturbed samples, kept in a replay buffer of recent samples; the generator then
climbs ``S(G(z))`` by backpropagation, as DDPG's actor climbs its learned Q for a
deterministic policy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rlgan_bench.api import RewardMode, hookimpl, perturbation


class Surrogate(nn.Module):
    def __init__(self, channels: int, width: int = 32) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, width, 3, 1, 1),
            nn.SiLU(),
            nn.Conv2d(width, width, 4, 2, 1),
            nn.SiLU(),
            nn.Conv2d(width, 2 * width, 4, 2, 1),
            nn.SiLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(2 * width, 1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).view(-1)


class Critic(RewardMode):
    name = "critic"
    summary = "a differentiable surrogate of R fitted online, climbed by backprop"
    options = {
        "sigma": 0.1,
        "noise_scale": 4,
        "group": 2,
        "buffer": 2048,
        "fit_steps": 2,
        "fit_batch": 128,
        "lr": 1e-3,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.surrogate: Surrogate | None = None
        self.optimizer: torch.optim.Optimizer | None = None
        self.images: Tensor | None = None
        self.rewards: Tensor | None = None
        self.count = 0
        self.stats = torch.zeros(2)  # running mean and std of the rewards, to standardise

    def _lazy_init(self, fake: Tensor) -> None:
        if self.surrogate is None:
            self.surrogate = Surrogate(fake.shape[1]).to(fake.device)
            self.optimizer = torch.optim.Adam(self.surrogate.parameters(), lr=self.config["lr"])
            size = self.config["buffer"]
            self.images = fake.new_zeros((size, *fake.shape[1:]))
            self.rewards = fake.new_zeros(size)
            self.stats = self.stats.to(fake.device)

    def _remember(self, images: Tensor, rewards: Tensor) -> None:
        assert self.images is not None and self.rewards is not None
        size = self.images.shape[0]
        index = (self.count + torch.arange(images.shape[0], device=images.device)) % size
        self.images[index] = images
        self.rewards[index] = rewards
        self.count += images.shape[0]

    def _fit(self) -> None:
        assert self.surrogate is not None and self.optimizer is not None
        assert self.images is not None and self.rewards is not None
        filled = min(self.count, self.images.shape[0])
        seen = self.rewards[:filled]
        self.stats = torch.stack([seen.mean(), seen.std().clamp_min(1e-6)])
        for _ in range(self.config["fit_steps"]):
            index = torch.randint(filled, (self.config["fit_batch"],), device=seen.device)
            target = (self.rewards[index] - self.stats[0]) / self.stats[1]
            loss = F.mse_loss(self.surrogate(self.images[index]), target)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()

    def reward_loss(
        self, generator: nn.Module, z: Tensor, fake: Tensor, generate: Callable[[Tensor], Tensor]
    ) -> tuple[Tensor, Tensor]:
        self._lazy_init(fake)
        cfg = self.config
        mean = fake.detach()
        eps = perturbation(mean, cfg["sigma"], cfg["noise_scale"], cfg["group"])
        samples = torch.cat([mean, (mean.unsqueeze(0) + cfg["sigma"] * eps).flatten(0, 1)])
        samples = samples.clamp(-1, 1)
        with torch.no_grad():
            rewards = self.score(samples).float()
        self._remember(samples, rewards)
        with torch.enable_grad():
            self._fit()
        assert self.surrogate is not None
        self.surrogate.requires_grad_(False)
        predicted = self.surrogate(fake)
        self.surrogate.requires_grad_(True)
        return -predicted.mean(), rewards[: fake.shape[0]]

    def state_dict(self) -> dict[str, Any]:
        if self.surrogate is None or self.optimizer is None:
            return {}
        return {
            "surrogate": self.surrogate.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "images": self.images,
            "rewards": self.rewards,
            "count": self.count,
            "stats": self.stats,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if not state:
            return
        self._lazy_init(state["images"][:1])
        assert self.surrogate is not None and self.optimizer is not None
        self.surrogate.load_state_dict(state["surrogate"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.images, self.rewards = state["images"], state["rewards"]
        self.count, self.stats = int(state["count"]), state["stats"]


@hookimpl
def register_methods(register):
    register(Critic)
