"""The Gaussian policy shared by the policy-gradient modes.

The generator's output is the mean of a Gaussian: ``x = G(z) + sigma * eps``. Perturbations
are drawn at a coarse resolution and upsampled, because a reward such as the JPEG size of a
32x32 image reacts to pixel noise far more than to the content the generator controls; a
smooth perturbation keeps the reward's response informative about content. ``noise_scale=1``
gives plain per-pixel noise. Each latent is perturbed ``group`` times (antithetic pairs when
group is even), and advantages are normalised within the group, as DDPO's per-prompt
statistics tracking does with its prompts.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from rlgan_bench.core.method import Method


def perturbation(
    mean: Tensor,
    sigma: float,
    noise_scale: int,
    group: int,
    generator: torch.Generator | None = None,
) -> Tensor:
    """eps with the shape of ``mean`` repeated ``group`` times, antithetic in pairs."""
    n, c, h, w = mean.shape
    draws = group // 2 if group % 2 == 0 else group
    coarse = torch.randn(
        n * draws,
        c,
        max(1, h // noise_scale),
        max(1, w // noise_scale),
        device=mean.device,
        generator=generator,
    )
    eps = F.interpolate(coarse, size=(h, w), mode="bilinear", align_corners=False)
    # upsampling shrinks the variance; rescale so each pixel has unit variance again
    eps = eps / eps.flatten(1).std(dim=1).clamp_min(1e-6).view(-1, 1, 1, 1)
    if group % 2 == 0:
        eps = torch.cat([eps, -eps])
    # order: [latent 0 draw 0, latent 1 draw 0, ...] per draw -> reshape to (group, n)
    return eps.view(group, n, c, h, w)


def log_prob(sample: Tensor, mean: Tensor, sigma: float) -> Tensor:
    """log N(sample; mean, sigma^2 I) per pixel (up to a constant): the log-density divided
    by the number of pixels D.

    The losses multiply by D again, so that they are in the whole sample's log-density and
    their gradient is ``A * eps / sigma``, the policy gradient of the standardised reward.
    PPO computes the likelihood ratio of the whole sample and clips its D-th root, the
    geometric mean of the pixels' ratios (docs/rewards.md, PPO's trust region)."""
    return -((sample - mean) ** 2).flatten(2).mean(dim=2) / (2 * sigma**2)


def pixels(images: Tensor) -> int:
    return int(images[0].numel())


def group_advantages(rewards: Tensor, baseline: Tensor | None) -> Tensor:
    """rewards (group, n) -> normalised advantages: minus the per-latent mean when the group has
    several draws (else minus the running-mean baseline), divided by the batch std."""
    if rewards.shape[0] > 1:
        centred = rewards - rewards.mean(dim=0, keepdim=True)
    else:
        centred = rewards - (baseline if baseline is not None else rewards.mean())
    return centred / (centred.std() + 1e-8)


class GaussianPolicyMode(Method):
    """A mode whose policy is the Gaussian around the generator's output: it draws the
    perturbed samples, scores them and turns the scores into advantages (``rollout``), and
    keeps the running-mean baseline across steps (saved with checkpoints)."""

    options = {"sigma": 0.1, "group": 2, "noise_scale": 4, "baseline_decay": 0.9}
    option_ranges = {
        "sigma": "> 0",
        "group": ">= 1",
        "noise_scale": ">= 1",
        "baseline_decay": "in [0, 1)",
    }

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

    def state_dict(self) -> dict[str, Any]:
        return {"baseline": self.baseline}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.baseline = state.get("baseline")
