"""The conformance of a reward: one finite score per image, deterministic, batch-invariant
(unless it declares otherwise), differentiable exactly when it declares it, and scoring real
images when it declares it can. Checked on embedded digits and noise images at 32x32, grey."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from rlgan_bench.core.reward import Reward
from rlgan_bench.testing import inputs
from rlgan_bench.testing.findings import Findings

#: scores of the same images may differ by this much (relative to the largest score, plus an
#: absolute floor) between calls and between batches: float32 sums in another order
TOLERANCE = 1e-4


def reward_findings(
    reward: type[Reward], params: Mapping[str, Any] | None = None, device: str = "cpu"
) -> Findings:
    """Check ``reward`` made with ``params`` (default: its defaults)."""
    found = Findings("reward", reward.name or reward.__name__)
    where = torch.device(device)
    made: list[Reward] = []

    def set_up() -> None:
        instance = reward(**dict(params or {}))
        instance.setup(where, inputs.SIZE, inputs.CHANNELS)
        made.append(instance)

    if not found.check("set-up", set_up):
        return found
    instance = made[0]
    images = inputs.mixed_images(where, with_real=reward.scores_real_data)
    shown = "real digits and noise images" if reward.scores_real_data else "noise images"
    if not found.check("one finite score per image", lambda: _one_score_each(instance, images)):
        return found  # the other properties compare scores one per image
    deterministic = found.check("deterministic", lambda: _deterministic(instance, images))
    if not reward.batch_invariant:
        found.notes.append("declares batch_invariant = False: batch invariance not checked")
    elif deterministic:  # random scores differ between batches anyway: one line is enough
        found.check("batch-invariant", lambda: _batch_invariant(instance, images, shown))
    found.check("differentiable as declared", lambda: _differentiable(instance, images))
    if reward.scores_real_data:
        found.check("scores real images", lambda: _scores_real(instance, where))
    else:
        found.notes.append("declares scores_real_data = False: real images not scored")
    return found


@torch.no_grad()
def _score(reward: Reward, images: Tensor) -> Tensor:
    return reward(images).detach().float()


def _one_score_each(reward: Reward, images: Tensor) -> str | None:
    for batch in (images, images[:1]):
        with torch.no_grad():
            scores = reward(batch)
        n = batch.shape[0]
        if not isinstance(scores, Tensor):
            return f"returned {type(scores).__name__} for {n} images, not a tensor of {n} scores"
        if tuple(scores.shape) != (n,):
            return (
                f"returned shape {tuple(scores.shape)} for {n} image{'s' if n > 1 else ''}; "
                f"return one score per image, shape ({n},)"
            )
        bad = int((~torch.isfinite(scores.float())).sum())
        if bad:
            return f"{bad} of its {n} scores are NaN or inf"
    return None


def _deterministic(reward: Reward, images: Tensor) -> str | None:
    first, second = _score(reward, images), _score(reward, images)
    difference = float((first - second).abs().max())
    if difference > _allowed(first):
        return (
            f"two calls on the same {images.shape[0]} images differ by up to "
            f"{difference:.3g}; a score must depend on the image alone (seed any randomness "
            f"it needs from the images)"
        )
    return None


def _batch_invariant(reward: Reward, images: Tensor, shown: str) -> str | None:
    whole = _score(reward, images)
    half = images.shape[0] // 2
    others = {
        "its halves": torch.cat([_score(reward, images[:half]), _score(reward, images[half:])]),
        "its reverse order": _score(reward, images.flip(0)).flip(0),
        "one image at a time": torch.cat([_score(reward, image[None]) for image in images]),
    }
    for how, scores in others.items():
        difference = float((whole - scores).abs().max())
        if difference > _allowed(whole):
            return (
                f"a sample's score depends on the other samples of its batch: up to "
                f"{difference:.3g} apart between a batch of {images.shape[0]} {shown} and "
                f"{how}; score each image alone (networks in eval mode), or declare "
                f"batch_invariant = False"
            )
    return None


def _differentiable(reward: Reward, images: Tensor) -> str | None:
    pixels = images.clone().requires_grad_(True)
    with torch.enable_grad():
        scores = reward(pixels)
        gradient = None
        if isinstance(scores, Tensor) and scores.requires_grad:
            # unequal weights: a plain sum of scores centred on their batch mean is constant
            weights = torch.linspace(1.0, 2.0, scores.shape[0], device=scores.device)
            (gradient,) = torch.autograd.grad(
                (scores.float() * weights).sum(), pixels, allow_unused=True
            )
    reaches = gradient is not None and bool(gradient.abs().sum() > 0)
    if not reward.differentiable:
        if reaches:
            return (
                "declares differentiable = False, but its scores carry gradients to the "
                "images; declare differentiable = True (backprop can then use it), or detach "
                "the scores"
            )
        return None
    if gradient is None:
        return (
            "declares differentiable = True, but its scores carry no gradient to the images "
            "(a .detach(), .item(), torch.no_grad() or NumPy round trip); keep the graph, or "
            "declare differentiable = False"
        )
    if not bool(torch.isfinite(gradient).all()):
        return "its gradient with respect to the images holds NaN or inf"
    if not reaches:
        return (
            f"declares differentiable = True, but its gradient with respect to the images is "
            f"0 on all {images.shape[0]} images"
        )
    return None


def _scores_real(reward: Reward, device: torch.device) -> str | None:
    real = inputs.real_images(inputs.BATCH, device)
    with torch.no_grad():
        scores = reward(real)
    if not isinstance(scores, Tensor) or tuple(scores.shape) != (real.shape[0],):
        shape = tuple(scores.shape) if isinstance(scores, Tensor) else type(scores).__name__
        return f"returned {shape} for {real.shape[0]} real digits, not one score each"
    if not bool(torch.isfinite(scores.float()).all()):
        return f"its scores of {real.shape[0]} real digits hold NaN or inf"
    return None


def _allowed(scores: Tensor) -> float:
    return TOLERANCE * (1.0 + float(scores.abs().max()))
