"""The configuration of one training run, validated before anything trains."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from rlgan_bench.core.errors import ConfigError

KEEP_BEST = (None, "audit", "reward")
#: settings added after results were first recorded, with their defaults (see identity())
LATER_DEFAULTS: dict[str, Any] = {
    "audit_every": 0,
    "audit_samples": 256,
    "keep_best": None,
    "backbone_params": {},
}


@dataclass
class TrainConfig:
    backbone: str = "dcgan"
    # hyperparameters of the backbone that differ from its paper's (see Backbone.configure)
    backbone_params: dict[str, Any] = field(default_factory=dict)
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
    # every audit_every steps and at the last (0: never; runs with a reward only) a cheap
    # evaluation of the EMA generator on audit_samples fixed latents: reward, audit and FID,
    # one line of audit.jsonl
    audit_every: int = 0
    audit_samples: int = 256
    # "audit" or "reward": also keep best.pt, the state whose audited score was best (from
    # the reward's start on); evaluation then scores it. None: the last state only
    keep_best: str | None = None

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
        for key in ("backbone_params", "reward_params", "mode_params"):
            if not isinstance(getattr(self, key), dict):
                problems.append(f"{key} must be a table, got {getattr(self, key)!r}")
        if self.reward is None and (self.reward_weight or self.reward_params):
            problems.append("a reward weight or reward parameters were given without --reward")
        audit_every = self.audit_every
        if not isinstance(audit_every, int) or isinstance(audit_every, bool) or audit_every < 0:
            problems.append(f"audit_every must be an integer >= 0, got {audit_every!r}")
        if (
            not isinstance(self.audit_samples, int)
            or isinstance(self.audit_samples, bool)
            or self.audit_samples < 2
        ):
            problems.append(f"audit_samples must be an integer >= 2, got {self.audit_samples!r}")
        if self.keep_best not in KEEP_BEST:
            problems.append(f"keep_best must be audit or reward, got {self.keep_best!r}")
        elif self.keep_best is not None and not self.audit_every:
            problems.append(
                "keep_best needs audits during training: set audit_every > 0 (--audit-every K)"
            )
        if self.device not in ("auto", "cpu") and not self.device.startswith("cuda"):
            problems.append(f"device must be auto, cpu or cuda[:N], got {self.device!r}")
        if problems:
            raise ConfigError("; ".join(problems))
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def identity(self) -> dict[str, Any]:
        """:meth:`to_dict` without the settings added after a key's introduction that are at
        their defaults, so that configurations (and cells) recorded before those settings
        existed keep their digests."""
        return {
            k: v
            for k, v in self.to_dict().items()
            if not (k in LATER_DEFAULTS and v == LATER_DEFAULTS[k])
        }

    def digest(self) -> str:
        """A hash of everything that changes the result (the device is not part of it, nor
        the training-time audits, which never touch the training's random streams)."""
        skip = ("device", "log_every", "audit_every", "audit_samples")
        data = {k: v for k, v in self.identity().items() if k not in skip}
        blob = json.dumps(data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"unknown training keys: {', '.join(sorted(unknown))}")
        return cls(**data)
