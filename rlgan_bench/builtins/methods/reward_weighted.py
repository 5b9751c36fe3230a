"""``reward-weighted``: no reward term in the generator's loss; the critic's real batches are
drawn with weights ``softmax(beta * R(x))`` over the training images, so the GAN learns the
reward-tilted data distribution ``p(x) exp(beta R(x)) / Z``, as reward-weighted regression and
RAFT fine-tune on reward-ranked data.

It acts only on the critic's real data, through :meth:`Method.real_weights`. Its strength is
``beta``, which it keeps in the run's ``reward_tilt`` (``strength_sets``). It needs the reward
on *real* images, which the other built-in methods never compute: a reward that cannot score
real data (``scores_real_data = False``) cannot use it, and every table labels it. The
effective number of training images the weights leave (Kish's ``1 / sum w^2``) is recorded in
the run's config.json (``resolved.tilt_effective_images``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from rlgan_bench.api import Method, MethodContext, hookimpl


class RewardWeighted(Method):
    name = "reward-weighted"
    strength_name = "beta"
    strength_sets = "reward_tilt"
    uses_real_data = True
    summary = "the critic's real data resampled by exp(beta * R(x)); uses R on real data"

    def real_weights(self, images: Tensor, context: MethodContext) -> Tensor | None:
        """``softmax(beta * R(x))`` over the training images (scored once, in chunks);
        uniform batches (None) at beta = 0."""
        if context.strength <= 0:
            return None
        return torch.softmax(context.strength * self.score_real(images, context.device), dim=0)

    def reward_loss(
        self, generator: nn.Module, z: Tensor, fake: Tensor, generate: Callable[[Tensor], Tensor]
    ) -> tuple[Tensor, Tensor]:
        # the reward acts through the real batches only; its weight in the loss is 0 in a
        # sweep, so the trainer does not call this, but a run that gives a lambda gets no
        # reward gradient from it
        with torch.no_grad():
            scores = self.score(fake.detach())
        return fake.sum() * 0.0, scores


@hookimpl
def register_methods(register):
    register(RewardWeighted)
