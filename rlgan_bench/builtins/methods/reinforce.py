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

from torch import Tensor, nn

from rlgan_bench.api import GaussianPolicyMode, hookimpl, log_prob, pixels


class Reinforce(GaussianPolicyMode):
    name = "reinforce"
    summary = "score-function policy gradient with a baseline, for black-box rewards"

    def reward_loss(
        self, generator: nn.Module, z: Tensor, fake: Tensor, generate: Callable[[Tensor], Tensor]
    ) -> tuple[Tensor, Tensor]:
        samples, advantages, logged = self.rollout(fake)
        logp = log_prob(samples, fake.unsqueeze(0), self.config["sigma"])
        return -(advantages * logp).mean() * pixels(fake), logged


@hookimpl
def register_methods(register):
    register(Reinforce)
