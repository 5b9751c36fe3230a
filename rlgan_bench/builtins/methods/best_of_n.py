"""``best-of-n``: no training. Each sample is the highest-reward one of ``n`` drawn from the
base generator: the first from the latent asked for, the other ``n - 1`` from latents of the
method's own random stream. The standard baseline of reward-model over-optimisation studies
(Gao et al. 2022, "Scaling laws for reward model overoptimization"): what selection alone buys,
at the price of ``n`` generator and reward calls per sample, and (for a whole ``n``) of the KL
``log n - (n - 1) / n`` from the base. ``n = 1`` is the base itself.

A fractional ``n`` is the randomised mixture of its two whole neighbours: each sample is the
best of ``ceil(n)`` draws with probability ``n - floor(n)``, else of ``floor(n)``, so it costs
``n`` calls per sample on average and fills the frontier between whole ``n`` (best-of-2 and
best-of-3 are far apart in FID and recall on small models).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn

from rlgan_bench.api import Method, hookimpl


class BestOfN(Method):
    name = "best-of-n"
    strength_name = "n"
    trains = False
    options = {"n": 4.0}
    option_ranges = {"n": ">= 1"}
    summary = "no training: each sample the best of n draws of the base, by the reward"

    @classmethod
    def strength_option(cls, strength: float) -> float | int:
        # a whole n stays an int, so whole-n cells keep their ids and digests; a fractional
        # n is the mixture of its whole neighbours
        return int(strength) if float(strength).is_integer() else float(strength)

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
        n = float(self.config["n"])
        if not n >= 1:  # also NaN
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
        n: float,
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
        if self.n != math.floor(self.n):
            return self._best_of_mixture(z, images)
        n, batch = int(self.n), z.shape[0]
        extra = self.sample_latent((n - 1) * batch, self.rng).to(z.device)
        candidates = torch.cat([images, self.generator(extra)])  # draw k of sample i: k*B + i
        with torch.no_grad():
            scores = self.score(candidates.float()).view(n, batch)
        best = scores.argmax(0)  # the first of equal scores: the asked-for latent's sample
        return candidates.view(n, batch, *images.shape[1:])[best, torch.arange(batch)]

    def _best_of_mixture(self, z: Tensor, images: Tensor) -> Tensor:
        """Sample i the best of ``draws[i]`` draws, ``floor(n)`` or ``ceil(n)`` at random;
        only the draws a sample has are generated and scored, so the calls are counted true."""
        batch, low = z.shape[0], math.floor(self.n)
        draws = low + (torch.rand(batch, generator=self.rng) < self.n - low).long()
        more = draws - 1  # draws beyond the asked-for latent's
        if int(more.sum()) == 0:
            return images
        owner = torch.repeat_interleave(torch.arange(batch), more)  # the sample of each extra
        slot = torch.cat([torch.arange(1, k + 1) for k in more.tolist()])
        extra = self.generator(self.sample_latent(len(owner), self.rng).to(z.device))
        with torch.no_grad():
            scores = self.score(torch.cat([images, extra]).float()).cpu()
        table = torch.full((int(draws.max()), batch), -math.inf)
        table[0] = scores[:batch]
        table[slot, owner] = scores[batch:]
        best = table.argmax(0)  # the first of equal scores: the asked-for latent's sample
        position = torch.full_like(table, -1, dtype=torch.long)
        position[slot, owner] = torch.arange(len(owner))
        chosen = torch.nonzero(best > 0).flatten()
        out = images.clone()
        out[chosen.to(images.device)] = extra[position[best[chosen], chosen].to(images.device)]
        return out


@hookimpl
def register_methods(register):
    register(BestOfN)
