"""``critic``: a differentiable surrogate of a black-box reward, fitted online.

A small CNN ``S(x)`` is regressed (MSE, on standardised rewards) onto the reward of the
generator's perturbed samples, kept in a replay buffer of recent samples; the generator then
climbs ``S(G(z))`` by backpropagation, as DDPG's actor climbs its learned Q for a
deterministic policy.

Before its first steering gradient the surrogate is warmed up: at the first step the reward
acts, before the generator gets any gradient from it, ``warmup_steps`` fit steps run on the
base's samples and their perturbations, with a fresh batch of them before each step until the
buffer is full (new latents: each coordinate of the step's latents shuffled across the batch,
draws from the product of the batch's marginals, which is the prior for a latent of
independent coordinates). Without it the surrogate starts from random weights and its first
gradients are noise: on a DCGAN base of the digits its correlation with the reward on fresh
samples is -0.09 (classifier) and -0.29 (jpeg) on average over three seeds, of either sign;
after the default 100 warm-up steps 0.58 and 0.81 (docs/rewards.md).

Logged per step (metrics.jsonl ``critic_fit``): the correlation of ``S`` with the reward on
the step's new samples (``G(z)`` and its perturbations), measured before the surrogate is
fitted on them, so on samples it has not seen. At the first step it is the warm-up's result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rlgan_bench.api import Method, hookimpl, perturbation

#: fit steps on the base's samples before the surrogate first steers (docs/rewards.md)
WARMUP_STEPS = 100


def shuffled_latents(z: Tensor) -> Tensor:
    """New latents from a batch: each coordinate permuted across the batch independently."""
    flat = z.flatten(1)
    order = torch.rand(flat.shape, device=z.device).argsort(dim=0)
    return flat.gather(0, order).view_as(z)


def correlation(a: Tensor, b: Tensor) -> Tensor:
    """Pearson correlation of two 1-d tensors (0 when either is constant), on the device."""
    a, b = a - a.mean(), b - b.mean()
    return (a * b).sum() / (a.norm() * b.norm()).clamp_min(1e-12)


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


class Critic(Method):
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
        "warmup_steps": WARMUP_STEPS,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.surrogate: Surrogate | None = None
        self.optimizer: torch.optim.Optimizer | None = None
        self.images: Tensor | None = None
        self.rewards: Tensor | None = None
        self.count = 0
        self.stats = torch.zeros(2)  # running mean and std of the rewards, to standardise
        self._values: dict[str, Tensor] = {}

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

    def _fit(self, steps: int) -> None:
        assert self.surrogate is not None and self.optimizer is not None
        assert self.images is not None and self.rewards is not None
        filled = min(self.count, self.images.shape[0])
        seen = self.rewards[:filled]
        self.stats = torch.stack([seen.mean(), seen.std().clamp_min(1e-6)])
        for _ in range(steps):
            index = torch.randint(filled, (self.config["fit_batch"],), device=seen.device)
            target = (self.rewards[index] - self.stats[0]) / self.stats[1]
            loss = F.mse_loss(self.surrogate(self.images[index]), target)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()

    def _draw(self, mean: Tensor) -> tuple[Tensor, Tensor]:
        """``mean`` and ``group`` perturbations of each of its images, clamped to [-1, 1], and
        their rewards."""
        cfg = self.config
        eps = perturbation(mean, cfg["sigma"], cfg["noise_scale"], cfg["group"])
        samples = torch.cat([mean, (mean.unsqueeze(0) + cfg["sigma"] * eps).flatten(0, 1)])
        samples = samples.clamp(-1, 1)
        with torch.no_grad():
            rewards = self.score(samples).float()
        return samples, rewards

    def _learn(self, samples: Tensor, rewards: Tensor) -> None:
        self._remember(samples, rewards)
        with torch.enable_grad():
            self._fit(self.config["fit_steps"])

    def warm_up(
        self, generator: nn.Module | None, z: Tensor, generate: Callable[[Tensor], Tensor]
    ) -> None:
        """``warmup_steps`` fit steps on samples of the generator as it is (the base) and their
        perturbations: before each, while the buffer is not full, a fresh batch of them. The
        generator's buffers (batch-norm statistics) are swapped for copies meanwhile: left as
        they were, and not modified in place, which the backward pass of this step's own
        samples would refuse."""
        swapped = [
            (module, name, buffer)
            for module in (generator.modules() if generator is not None else ())
            for name, buffer in module.named_buffers(recurse=False)
            if buffer is not None
        ]
        for module, name, buffer in swapped:
            setattr(module, name, buffer.clone())
        try:
            assert self.images is not None
            for _ in range(self.config["warmup_steps"]):
                if self.count < self.images.shape[0]:
                    with torch.no_grad():
                        mean = generate(shuffled_latents(z)).float()
                    self._remember(*self._draw(mean))
                with torch.enable_grad():
                    self._fit(1)
        finally:
            for module, name, buffer in swapped:
                setattr(module, name, buffer)

    def reward_loss(
        self, generator: nn.Module, z: Tensor, fake: Tensor, generate: Callable[[Tensor], Tensor]
    ) -> tuple[Tensor, Tensor]:
        if self.surrogate is None:
            self._lazy_init(fake)
            self.warm_up(generator, z, generate)
        assert self.surrogate is not None
        samples, rewards = self._draw(fake.detach())
        with torch.no_grad():  # the fit on samples the surrogate has not seen yet
            self._values = {"fit": correlation(self.surrogate(samples), rewards)}
        self._learn(samples, rewards)
        self.surrogate.requires_grad_(False)
        predicted = self.surrogate(fake)
        self.surrogate.requires_grad_(True)
        return -predicted.mean(), rewards[: fake.shape[0]]

    def log_values(self) -> dict[str, Tensor]:
        values, self._values = self._values, {}
        return values

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
