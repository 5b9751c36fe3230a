"""The configuration of one training run, validated before anything trains."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from rlgan_bench.errors import ConfigError


@dataclass
class TrainConfig:
    backbone: str = "dcgan"
    dataset: str = "digits"
    data_root: str | None = None
    image_size: int = 32
    channels: int | None = None  # None: the dataset's own
    latent_dim: int = 64
    width: int = 64
    steps: int = 1500
    batch_size: int = 64
    seed: int = 0
    device: str = "auto"
    reward: str | None = None
    reward_params: dict[str, Any] = field(default_factory=dict)
    mode: str | None = None  # None: the reward's default mode
    mode_params: dict[str, Any] = field(default_factory=dict)
    reward_weight: float | None = None  # lambda; None: the reward's default
    # None in the four reward_* settings below: the reward's own default (Reward.schedule)
    reward_warmup: int | None = None  # steps over which lambda ramps up linearly from 0
    reward_start: int | None = None  # first step at which the reward term is used
    # weight of 0.5 * ||G(z) - G_ref(z)||^2, G_ref the generator when the reward starts: the KL
    # between the two Gaussian policies, which keeps the generator near the GAN it was
    # (as RLHF keeps a policy near its reference model)
    reward_anchor: float | None = None
    # > 0: the critic's real batches are drawn with weights exp(reward_tilt * R(x)) once the
    # reward starts (see Trainer._tilt_weights); 0: plain uniform batches
    reward_tilt: float | None = None
    ema_decay: float = 0.999
    log_every: int = 25
    sample_every: int = 250
    checkpoint_every: int = 250
    amp: bool = True  # mixed precision on CUDA

    def validate(self) -> TrainConfig:
        problems = []
        for key in (
            "steps",
            "batch_size",
            "latent_dim",
            "width",
            "log_every",
            "sample_every",
            "checkpoint_every",
        ):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                problems.append(f"{key} must be a positive integer, got {value!r}")
        for key in ("reward_warmup", "reward_start", "seed"):
            value = getattr(self, key)
            if key != "seed" and value is None:
                continue
            if not isinstance(value, int) or value < 0:
                problems.append(f"{key} must be a non-negative integer, got {value!r}")
        if self.image_size not in (32, 64):
            problems.append(f"image_size must be 32 or 64, got {self.image_size!r}")
        if self.channels not in (None, 1, 3):
            problems.append(f"channels must be 1 or 3, got {self.channels!r}")
        if not 0.0 <= self.ema_decay < 1.0:
            problems.append(f"ema_decay must be in [0, 1), got {self.ema_decay!r}")
        for key in ("reward_tilt", "reward_anchor"):
            value = getattr(self, key)
            if value is not None and (not isinstance(value, (int, float)) or value < 0):
                problems.append(f"{key} must be a number >= 0, got {value!r}")
        if self.reward_weight is not None and self.reward_weight < 0:
            problems.append(f"lambda (reward_weight) must be >= 0, got {self.reward_weight!r}")
        if self.reward is None and (self.reward_weight or self.reward_params):
            problems.append("a reward weight or reward parameters were given without --reward")
        if self.device not in ("auto", "cpu") and not self.device.startswith("cuda"):
            problems.append(f"device must be auto, cpu or cuda[:N], got {self.device!r}")
        if problems:
            raise ConfigError("; ".join(problems))
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def digest(self) -> str:
        """A hash of everything that changes the result (the device is not part of it)."""
        data = {k: v for k, v in self.to_dict().items() if k not in ("device", "log_every")}
        blob = json.dumps(data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"unknown training keys: {', '.join(sorted(unknown))}")
        return cls(**data)
