"""The critic's real batches: drawn by index from the training images, kept as uint8 on the
training device when they fit, so a batch is a gather and no host round trip."""

from __future__ import annotations

import torch
from torch import Tensor

from rlgan_bench.core.dataset import to_float
from rlgan_bench.core.errors import PluginError


class RealBatches:
    """Uniform batches, or, from ``weights_from`` on, batches drawn with replacement in
    proportion to ``weights`` (a method's :meth:`~rlgan_bench.core.method.Method.real_weights`:
    the reward-tilted critic, reward-weighted)."""

    def __init__(
        self,
        images: Tensor,
        batch_size: int,
        device: torch.device,
        rng: torch.Generator,
        weights: Tensor | None = None,
        weights_from: int = 0,
    ) -> None:
        self.images = images.to(device) if fits_on(device, images) else images
        self.batch_size = batch_size
        self.device = device
        self.rng = rng
        self.weights = weights.to(device) if weights is not None else None
        self.weights_from = weights_from

    def draw(self, step: int) -> Tensor:
        if self.weights is not None and step >= self.weights_from:
            index = torch.multinomial(
                self.weights, self.batch_size, replacement=True, generator=self.rng
            )
        else:
            index = torch.randint(
                self.images.shape[0], (self.batch_size,), device=self.device, generator=self.rng
            )
        batch = self.images[index.to(self.images.device)]
        return to_float(batch.to(self.device, non_blocking=True))


#: how far from 1 the sum of a method's sampling weights may be (float32 sums of many terms)
WEIGHTS_SUM_TOLERANCE = 1e-3


def checked_weights(weights: Tensor | None, count: int, method: str) -> Tensor | None:
    """A method's sampling weights of ``count`` training images (a distribution), as float32,
    or None; a one-line error naming the method when they are not one."""
    if weights is None:
        return None
    if not isinstance(weights, Tensor) or weights.shape != (count,):
        shape = tuple(weights.shape) if isinstance(weights, Tensor) else type(weights).__name__
        raise PluginError(
            f"method {method!r}: real_weights returned {shape}, not one weight per training "
            f"image ({count},); return a 1-d tensor of {count} weights or None"
        )
    weights = weights.detach().float()
    total = float(weights.sum())
    if not bool(torch.isfinite(weights).all()) or bool((weights < 0).any()):
        raise PluginError(
            f"method {method!r}: real_weights returned weights that are not all finite and "
            f">= 0; the critic's real batches cannot be drawn from them"
        )
    if abs(total - 1) > WEIGHTS_SUM_TOLERANCE:
        raise PluginError(
            f"method {method!r}: real_weights returned weights summing to {total:g}, not 1; "
            f"return a distribution (a softmax, or the weights divided by their sum)"
        )
    return weights


def effective_images(weights: Tensor) -> float:
    """How many real images a critic drawing with these weights (a distribution) still learns
    from: Kish's effective sample size, ``1 / sum w^2`` for weights that sum to 1."""
    return float(1 / (weights**2).sum())


def fits_on(device: torch.device, images: Tensor) -> bool:
    if device.type != "cuda":
        return True
    free, _ = torch.cuda.mem_get_info(device)
    return images.numel() * images.element_size() < free // 4
