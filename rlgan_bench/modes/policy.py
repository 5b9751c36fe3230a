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

import torch
import torch.nn.functional as F
from torch import Tensor


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

    Per pixel, PPO's likelihood ratio is the geometric mean of the pixels' ratios, which stays
    in a usable range for 1,024-pixel images (the full ratio is its D-th power). The losses
    multiply by D again so that their gradient is ``A * eps / sigma``, the policy gradient of
    the standardised reward."""
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
