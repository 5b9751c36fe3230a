"""``ppo``: the REINFORCE policy with a clipped likelihood ratio and several inner epochs over
each batch of samples, as DDPO does for diffusion models.

The likelihood ratio of a whole sample, one per latent and perturbation draw, is
``log rho = sum_pixels log pi_new(x | z) - sum_pixels log pi_old(x | z)``, as DDPO takes it for
a whole denoising step. The ratio that is clipped is its geometric mean over the D pixel
values, ``r = exp(log rho / D)``, as GSPO (Zheng et al. 2025) normalises a sequence's ratio by
its length: the whole sample's log ratio grows with D (its mean is ``-|mean move|^2 /
(2 sigma^2)``, a sum over the pixels), and one generator step of a GAN moves the policy so far
(at sigma 0.1 on the 32x32 digits, a median ``|log rho|`` of ~55 nats, a tenth of the samples
beyond ~170: docs/rewards.md) that the whole sample's ratio is e^+-50 and no clip range on it
is a trust region (clip 0.2 on it clipped 99.7% of the samples, and its importance weights
were dominated by single samples).
The surrogate is ``-D * mean(min(r * A, clip(r, 1 - clip_range, 1 + clip_range) * A))``: at
``r = 1`` its gradient is ``-mean(A * grad log rho)``, in the whole sample's log-density like
``reinforce``'s loss (which multiplies its per-pixel log-density by D), so lambda means the
same for both. The default clip range, 0.2 (``r`` in [0.8, 1.2], ``|log rho|`` up to about
0.2 D), was chosen from measurements: it clips a fifth to a quarter of the samples of a DCGAN
(width 32) fine-tuning on the digits with the classifier and jpeg rewards, 0.1 over half of
them (docs/rewards.md). How far a step moves the policy grows with the generator's width.

The first epoch is the ordinary generator update (adversarial loss + lambda * clipped
surrogate, ratio exactly 1); the trainer then calls :meth:`extra_updates` for the remaining
``epochs - 1`` updates of ``lambda * surrogate`` on the same latents, samples and advantages.
Those inner epochs (``inner_optimizer``) do not step the generator's optimiser: its momentum
would replay the adversarial gradient, and their gradients would enter the next adversarial
updates' moments. Nor an Adam of their own (as before 0.2): Adam's step ignores the gradient's
scale, so lambda did nothing and three inner steps per step at the full learning rate on the
surrogate alone knocked the generator off the data at every lambda (measured:
:mod:`rlgan_bench.training.inner_steps`). They take the step the generator's optimiser would
take for their gradient, scaled by its second moments, which they do not change; so lambda
weighs the reward against the adversarial loss in the inner epochs as in the first.

Logged per step (metrics.jsonl ``ppo_approx_kl``, ``ppo_clipfrac``): DDPO's statistics of the
clipped ratio ``r``, measured before each inner update and averaged over the inner epochs
(none when ``epochs = 1``): ``approx_kl = mean(0.5 * log(r)^2)`` (the whole sample's is D^2
times it) and ``clipfrac``, the share of samples with ``|r - 1| > clip_range``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import torch
from torch import Tensor, nn

from rlgan_bench.api import GaussianPolicyMode, hookimpl, pixels

#: the default clip range of the per-pixel ratio (measured: docs/rewards.md)
CLIP_RANGE = 0.2


class Rollout(NamedTuple):
    """What the inner epochs reuse: the latents, the perturbed samples (group, n, C, H, W),
    the mean they were drawn around (detached G(z), n, C, H, W) and their advantages
    (group, n)."""

    z: Tensor
    samples: Tensor
    old_mean: Tensor
    advantages: Tensor


class PPO(GaussianPolicyMode):
    name = "ppo"
    options = {**GaussianPolicyMode.options, "clip_range": CLIP_RANGE, "epochs": 4}
    inner_optimizer = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batch: Rollout | None = None  # this step's rollout, until the inner epochs end
        self._values: dict[str, Tensor] = {}

    def log_ratio(self, mean: Tensor) -> Tensor:
        """``log pi_new(x | z) - log pi_old(x | z)`` of each whole sample of the rollout, (group,
        n), for the policy around ``mean``. Written as ``sum (new - old)(2x - new - old) /
        (2 sigma^2)``, which equals the difference of the two sums of squares: exactly 0 while
        the mean has not moved, without cancelling two sums of D terms."""
        assert self.batch is not None
        new, old = mean.unsqueeze(0), self.batch.old_mean.unsqueeze(0)
        shift = (new - old) * (2 * self.batch.samples - new - old)
        return shift.flatten(2).sum(dim=2) / (2 * self.config["sigma"] ** 2)

    def pixel_log_ratio(self, mean: Tensor) -> Tensor:
        """``log r = log rho / D``, the log of the clipped ratio: the geometric mean of the
        pixels' ratios, (group, n). It cannot overflow exp(): it is largest, about 0.5, when
        the mean moved onto the sample."""
        return self.log_ratio(mean) / pixels(mean)

    def surrogate(self, mean: Tensor) -> tuple[Tensor, Tensor]:
        """The clipped surrogate loss for the policy around ``mean``, and ``log r``."""
        assert self.batch is not None
        log_r = self.pixel_log_ratio(mean)
        ratio = torch.exp(log_r)
        clip = self.config["clip_range"]
        advantages = self.batch.advantages
        clipped = torch.clamp(ratio, 1 - clip, 1 + clip)
        surrogate = torch.minimum(ratio * advantages, clipped * advantages).mean()
        return -pixels(mean) * surrogate, log_r

    def reward_loss(
        self, generator: nn.Module, z: Tensor, fake: Tensor, generate: Callable[[Tensor], Tensor]
    ) -> tuple[Tensor, Tensor]:
        samples, advantages, logged = self.rollout(fake)
        self.batch = Rollout(z.detach(), samples, fake.detach(), advantages)
        self._values = {}
        loss, _ = self.surrogate(fake)
        return loss, logged

    def extra_updates(
        self,
        generate: Callable[[Tensor], Tensor],
        weight: float,
        step_generator: Callable[[Tensor], None],
    ) -> None:
        if self.batch is None:
            return
        clip = self.config["clip_range"]
        kl: list[Tensor] = []
        clipped: list[Tensor] = []
        for _ in range(self.config["epochs"] - 1):
            loss, log_r = self.surrogate(generate(self.batch.z))
            with torch.no_grad():  # DDPO's statistics, before this epoch's update
                kl.append(0.5 * log_r.pow(2).mean())
                clipped.append(((log_r.exp() - 1).abs() > clip).float().mean())
            step_generator(weight * loss)
        if kl:  # means on the device: no host sync
            self._values = {
                "approx_kl": torch.stack(kl).mean(),
                "clipfrac": torch.stack(clipped).mean(),
            }
        self.batch = None

    def log_values(self) -> dict[str, Tensor]:
        values, self._values = self._values, {}
        return values


@hookimpl
def register_methods(register):
    register(PPO)
