"""The critic's real batches: drawn by index from the training images, kept as uint8 on the
training device when they fit, so a batch is a gather and no host round trip."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from rlgan_bench.core.dataset import to_float

SCORE_CHUNK = 256


class RealBatches:
    """Uniform batches, or, from ``tilt_from`` on, batches drawn with ``tilt`` weights (the
    reward-tilted critic, see :func:`tilt_weights`)."""

    def __init__(
        self,
        images: Tensor,
        batch_size: int,
        device: torch.device,
        rng: torch.Generator,
        tilt: Tensor | None = None,
        tilt_from: int = 0,
    ) -> None:
        self.images = images.to(device) if fits_on(device, images) else images
        self.batch_size = batch_size
        self.device = device
        self.rng = rng
        self.tilt = tilt
        self.tilt_from = tilt_from

    def draw(self, step: int) -> Tensor:
        if self.tilt is not None and step >= self.tilt_from:
            index = torch.multinomial(
                self.tilt, self.batch_size, replacement=True, generator=self.rng
            )
        else:
            index = torch.randint(
                self.images.shape[0], (self.batch_size,), device=self.device, generator=self.rng
            )
        batch = self.images[index.to(self.images.device)]
        return to_float(batch.to(self.device, non_blocking=True))


@torch.no_grad()
def tilt_weights(
    images: Tensor, score: Callable[[Tensor], Tensor], tilt: float, device: torch.device
) -> Tensor:
    """Sampling weights of the real images for a reward-tilted critic.

    The distribution that maximises ``E[R] - KL(p || p_data) / tilt`` is
    ``p_data(x) * exp(tilt * R(x)) / Z``. Drawing the critic's real batches from it makes
    the adversarial loss pull the generator towards that distribution instead of back to
    p_data, so the critic and the reward stop fighting: the generator is asked for real
    images that the reward likes, with the variety they have in the data."""
    scores = torch.cat(
        [
            score(to_float(images[i : i + SCORE_CHUNK].to(device))).float()
            for i in range(0, images.shape[0], SCORE_CHUNK)
        ]
    )
    return torch.softmax(tilt * scores, dim=0)


def effective_images(weights: Tensor) -> float:
    """How many real images a critic drawing with these weights still learns from."""
    return float(1 / (weights**2).sum())


def fits_on(device: torch.device, images: Tensor) -> bool:
    if device.type != "cuda":
        return True
    free, _ = torch.cuda.mem_get_info(device)
    return images.numel() * images.element_size() < free // 4
