"""``backprop``: the gradient of the reward flows through R into the generator."""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor, nn

from rlgan_bench.api import Method, hookimpl


class Backprop(Method):
    name = "backprop"
    summary = "the gradient of R(G(z)) through the reward network (as DRaFT, ReFL)"
    needs_differentiable_reward = True

    def reward_loss(
        self, generator: nn.Module, z: Tensor, fake: Tensor, generate: Callable[[Tensor], Tensor]
    ) -> tuple[Tensor, Tensor]:
        scores = self.score(fake)
        return -scores.mean(), scores.detach()


@hookimpl
def register_methods(register):
    register(Backprop)
