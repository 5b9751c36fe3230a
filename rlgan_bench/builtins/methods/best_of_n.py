"""``best-of-n``: no training. Each sample is the highest-reward one of ``n`` drawn from the
base generator: the first from the latent asked for, the other ``n - 1`` from latents of the
method's own random stream. The standard baseline of reward-model over-optimisation studies
(Gao et al. 2022, "Scaling laws for reward model overoptimization"): what selection alone buys,
at the price of ``n`` generator and reward calls per sample, and of the KL
``log n - (n - 1) / n`` from the base. ``n = 1`` is the base itself.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from rlgan_bench.api import Method, hookimpl


class BestOfN(Method):
    name = "best-of-n"
    strength_name = "n"
    trains = False
    options = {"n": 4}
    option_ranges = {"n": ">= 1"}
    summary = "no training: each sample the best of n draws of the base, by the reward"

    def reward_loss(
        self, generator: nn.Module, z: Tensor, fake: Tensor, generate: Callable[[Tensor], Tensor]
    ) -> tuple[Tensor, Tensor]:
        raise NotImplementedError("best-of-n selects samples of a base; it does not train")

    def wrap_generator(
        self,
        generator: nn.Module,
        sample_latent: Callable[[int, torch.Generator], Tensor],
        seed: int,
    ) -> nn.Module:
        n = int(self.config["n"])
        if n < 1:
            raise ValueError(f"best-of-n needs n >= 1, got {n}")
        return BestOfNGenerator(generator, self.score, n, sample_latent, seed)


class BestOfNGenerator(nn.Module):
    """``generator`` sampling the best of ``n`` by ``score``; deterministic given the latents
    it is asked for and the order of the calls (its extra latents come from one seeded
    stream, drawn on the CPU as evaluation draws its latents)."""

    def __init__(
        self,
        generator: nn.Module,
        score: Callable[[Tensor], Tensor],
        n: int,
        sample_latent: Callable[[int, torch.Generator], Tensor],
        seed: int,
    ) -> None:
        super().__init__()
        self.generator = generator
        self.score = score
        self.n = n
        self.sample_latent = sample_latent
        self.rng = torch.Generator().manual_seed(seed)

    def forward(self, z: Tensor) -> Tensor:
        images = self.generator(z)
        if self.n == 1:
            return images
        batch = z.shape[0]
        extra = self.sample_latent((self.n - 1) * batch, self.rng).to(z.device)
        candidates = torch.cat([images, self.generator(extra)])  # draw k of sample i: k*B + i
        with torch.no_grad():
            scores = self.score(candidates.float()).view(self.n, batch)
        best = scores.argmax(0)  # the first of equal scores: the asked-for latent's sample
        return candidates.view(self.n, batch, *images.shape[1:])[best, torch.arange(batch)]


@hookimpl
def register_methods(register):
    register(BestOfN)
