"""What a GAN backbone is: a generator, a critic, their adversarial losses and optimisers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from rlgan_bench.core.errors import ConfigError
from rlgan_bench.core.params import resolve_params


@dataclass(frozen=True)
class ModelShape:
    """The image and latent geometry every backbone must support."""

    image_size: int = 32  # 32 or 64
    channels: int = 1  # 1 or 3
    latent_dim: int = 64
    width: int = 64  # base number of feature maps (ngf = ndf in pytorch/examples)

    def __post_init__(self) -> None:
        if self.image_size not in (32, 64):
            raise ValueError(f"image_size must be 32 or 64, got {self.image_size}")
        if self.channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {self.channels}")
        if self.latent_dim < 1 or self.width < 1:
            raise ValueError("latent_dim and width must be positive")

    @property
    def n_upsamplings(self) -> int:
        """Stride-2 layers between the 4x4 seed and the output (3 for 32x32, 4 for 64x64)."""
        return {32: 3, 64: 4}[self.image_size]


class Backbone:
    """Base class of GAN backbones. Subclasses set ``name`` and override what differs.

    The trainer calls, per generator step: ``critic_steps`` times ``critic_loss`` (then
    ``after_critic_step``), then ``generator_loss`` on a fake batch: a fresh one when there are
    several critic steps, the last critic step's when there is one (as pytorch/examples does).
    """

    name: ClassVar[str] = ""
    #: critic updates per generator update
    critic_steps: ClassVar[int] = 1
    #: the paper it follows, for people reading the code and the docs
    reference: ClassVar[str] = ""
    #: the class attributes a run may set (``backbone_params``, ``--backbone-param``), each
    #: read as the type of the class's value; the class's values are the paper's
    hyperparameters: ClassVar[tuple[str, ...]] = ("critic_steps",)

    def __init__(self, shape: ModelShape) -> None:
        self.shape = shape

    def configure(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Set this run's hyperparameters on the instance (the class keeps the paper's); returns
        all of them as resolved, for the run's record. Raises ConfigError on an unknown name, a
        wrong type, a negative or infinite value, ``critic_steps`` < 1 or Adam ``betas``
        outside [0, 1)."""
        defaults = {name: getattr(type(self), name) for name in self.hyperparameters}
        resolved = resolve_params(  # the range check below also refuses NaN and infinity
            f"backbone {self.name!r}", "hyperparameter", params, defaults, finite=False
        )
        for key, value in resolved.items():
            numbers = value if isinstance(value, tuple) else (value,)
            if any(isinstance(n, (int, float)) and not 0 <= n < math.inf for n in numbers):
                raise ConfigError(
                    f"backbone {self.name!r} hyperparameter {key}={value!r} must be a finite "
                    f"number >= 0"
                )
        if resolved.get("critic_steps", 1) < 1:
            raise ConfigError(f"backbone {self.name!r} needs critic_steps >= 1")
        # every backbone with betas hands them to Adam, which takes each in [0, 1)
        if any(beta >= 1 for beta in resolved.get("betas", ())):
            raise ConfigError(
                f"backbone {self.name!r} hyperparameter betas={resolved['betas']!r}: each must "
                f"be in [0, 1)"
            )
        for key in params:  # only those given: a plugin's class values stay as they are
            setattr(self, key, resolved[key])
        return resolved

    def build_generator(self) -> nn.Module:
        raise NotImplementedError

    def build_critic(self) -> nn.Module:
        raise NotImplementedError

    def critic_loss(self, critic: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
        raise NotImplementedError

    def generator_loss(self, critic: nn.Module, fake: Tensor) -> Tensor:
        raise NotImplementedError

    def optimizers(
        self, generator: nn.Module, critic: nn.Module
    ) -> tuple[torch.optim.Optimizer, torch.optim.Optimizer]:
        raise NotImplementedError

    def after_critic_step(self, critic: nn.Module) -> None:
        """Hook for constraints applied after each critic update (e.g. weight clipping)."""

    def sample_latent(
        self, n: int, device: torch.device | str, generator: torch.Generator | None = None
    ) -> Tensor:
        return torch.randn(n, self.shape.latent_dim, device=device, generator=generator)


def adam_optimizers(
    generator: nn.Module, critic: nn.Module, lr: float, betas: tuple[float, float]
) -> tuple[torch.optim.Optimizer, torch.optim.Optimizer]:
    """One Adam per network with the same settings, as DCGAN and WGAN-GP train them."""
    return (
        torch.optim.Adam(generator.parameters(), lr=lr, betas=betas),
        torch.optim.Adam(critic.parameters(), lr=lr, betas=betas),
    )
