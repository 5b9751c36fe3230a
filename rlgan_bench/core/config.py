"""The configuration of one training run, validated before anything trains."""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Mapping
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
    "log_to": [],
    "init_from": None,
}
#: the built-in experiment trackers ``log_to`` may name (optional extras of the package)
TRACKERS = ("tensorboard", "wandb")
#: the settings whose field keeps its 0.1 name, by the name users give them (flags, matrix
#: keys, ``rlgan_bench.train``): renaming a field would change the digest of every recorded
#: configuration (config.json, result.json, cell ids' folders), so the records keep ``mode``
#: and ``mode_params`` and everything a user reads or writes says method
STORED_AS = {"method": "mode", "method_params": "mode_params"}
#: how :meth:`TrainConfig.validate` names a setting by default (else by its field name)
FIELD_LABELS = {
    "reward_weight": "lambda (reward_weight)",
    **{stored: name for name, stored in STORED_AS.items()},
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
    # the method (its user-facing name; see STORED_AS): None, the reward's default_method
    mode: str | None = None
    mode_params: dict[str, Any] = field(default_factory=dict)  # the method's options
    reward_weight: float | None = None  # lambda; None: the reward's default
    # None in reward_warmup, reward_start and reward_anchor: the reward's own (Reward.schedule)
    reward_warmup: int | None = None  # steps over which lambda ramps up linearly from 0
    reward_start: int | None = None  # first step at which the reward term is used
    # weight of 0.5 * ||G(z) - G_ref(z)||^2, G_ref the generator when the reward starts: the KL
    # between the two Gaussian policies, which keeps the generator near the GAN it was
    # (as RLHF keeps a policy near its reference model)
    reward_anchor: float | None = None
    # β of the reward-tilted critic (real batches drawn with weights exp(β R(x)) once the
    # reward starts): the strength of the method reward-weighted, and only of a method whose
    # strength it is (the trainer refuses it > 0 with any other); None or 0: uniform batches
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
    # experiment trackers that also get the run's losses, rewards, audits, grids and final
    # metrics (see TRACKERS); they never change the result, so they are not in the digest
    log_to: list[str] = field(default_factory=list)
    # a run folder or a checkpoint file whose generator and critic weights the run starts from
    # (fine-tuning a base); part of the digest, so a run from another base is another run
    init_from: str | None = None

    def validate(self, names: Mapping[str, str] | None = None) -> TrainConfig:
        """Check every setting; raise one ConfigError listing each problem.

        ``names``: how the message names a setting where it was given, e.g. its command-line
        flag (``{"steps": "--steps"}``); a setting not in it is named by its field (its key in a
        matrix's ``[run]``)."""

        def name(key: str) -> str:
            return setting_name(key, names)

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
                problems.append(f"{name(key)} must be a positive integer, got {value!r}")
        for key in ("reward_warmup", "reward_start", "seed"):
            value = getattr(self, key)
            if key != "seed" and value is None:
                continue
            if not isinstance(value, int) or value < 0:
                problems.append(f"{name(key)} must be a non-negative integer, got {value!r}")
        if self.image_size not in (32, 64):
            problems.append(f"{name('image_size')} must be 32 or 64, got {self.image_size!r}")
        if self.channels not in (None, 1, 3):
            problems.append(f"{name('channels')} must be 1 or 3, got {self.channels!r}")
        if not _finite_number(self.ema_decay) or not 0.0 <= self.ema_decay < 1.0:
            problems.append(
                f"{name('ema_decay')} must be a number in [0, 1), got {self.ema_decay!r}"
            )
        for key in ("reward_tilt", "reward_anchor", "reward_weight"):
            value = getattr(self, key)
            # NaN passes `< 0` and would reach config.json (not JSON) and the loss
            if value is not None and (not _finite_number(value) or value < 0):
                problems.append(f"{name(key)} must be a finite number >= 0, got {value!r}")
        for key in ("backbone_params", "reward_params", "mode_params"):
            if not isinstance(getattr(self, key), dict):
                problems.append(f"{name(key)} must be a table, got {getattr(self, key)!r}")
        if self.reward is None and (self.reward_weight or self.reward_params):
            problems.append(
                f"{name('reward_weight')} or {name('reward_params')} given without {name('reward')}"
            )
        audit_every = self.audit_every
        if not isinstance(audit_every, int) or isinstance(audit_every, bool) or audit_every < 0:
            problems.append(f"{name('audit_every')} must be an integer >= 0, got {audit_every!r}")
        if (
            not isinstance(self.audit_samples, int)
            or isinstance(self.audit_samples, bool)
            or self.audit_samples < 2
        ):
            problems.append(
                f"{name('audit_samples')} must be an integer >= 2, got {self.audit_samples!r}"
            )
        if self.keep_best not in KEEP_BEST:
            problems.append(f"{name('keep_best')} must be audit or reward, got {self.keep_best!r}")
        elif self.keep_best is not None and not self.audit_every:
            problems.append(
                f"{name('keep_best')} needs audits during training: set {name('audit_every')} > 0"
            )
        if self.device not in ("auto", "cpu") and not self.device.startswith("cuda"):
            problems.append(f"{name('device')} must be auto, cpu or cuda[:N], got {self.device!r}")
        if not isinstance(self.log_to, (list, tuple)) or not all(
            tracker in TRACKERS for tracker in self.log_to
        ):
            problems.append(
                f"{name('log_to')} must be a list of trackers from {', '.join(TRACKERS)}, "
                f"got {self.log_to!r}"
            )
        if self.init_from is not None and (
            not isinstance(self.init_from, str) or not self.init_from.strip()
        ):
            problems.append(
                f"{name('init_from')} must be the path of a run folder or a checkpoint file, "
                f"got {self.init_from!r}"
            )
        if problems:
            raise ConfigError("; ".join(problems))
        return self

    @property
    def method(self) -> str | None:
        """The method that turns the reward into training (stored as ``mode``)."""
        return self.mode

    @property
    def method_params(self) -> dict[str, Any]:
        """The method's options (stored as ``mode_params``)."""
        return self.mode_params

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
        data = {k: v for k, v in self.identity().items() if k not in NOT_IN_DIGEST}
        blob = json.dumps(data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"unknown training keys: {', '.join(sorted(unknown))}")
        return cls(**data)


def setting_name(key: str, names: Mapping[str, str] | None = None) -> str:
    """How a message names setting ``key``: as ``names`` says where it was given (its flag,
    ``{"steps": "--steps"}``), else by :data:`FIELD_LABELS` or its field's name."""
    return (names or {}).get(key, FIELD_LABELS.get(key, key))


def _finite_number(value: Any) -> bool:
    """An int or a float that is neither NaN nor infinite (a bool is not a number here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# --- a run's identity: which settings make two runs different ----------------------------------
# The one definition read by the digest, the matrix (cell digests, a reward cell's lambda = 0
# baseline), the gauge (its warnings) and the report (rows and --compare).

#: where a run runs, never what it is: given on the command line, not in a matrix file
MACHINE_FIELDS: tuple[str, ...] = ("device",)
#: settings that never change what a run learns (where it runs, how often it logs or is
#: audited, which trackers watch it): left out of :meth:`TrainConfig.digest`
NOT_IN_DIGEST: tuple[str, ...] = (
    *MACHINE_FIELDS,
    "log_every",
    "audit_every",
    "audit_samples",
    "log_to",
)
#: what the seeds of one configuration differ in: cells equal in everything else make one row
NOT_CONFIGURATION: tuple[str, ...] = ("seed", *MACHINE_FIELDS)
#: the reward's settings, which a lambda = 0 run does not use
REWARD_FIELDS: tuple[str, ...] = (
    "reward",
    "reward_params",
    "mode",
    "mode_params",
    "reward_weight",
    "reward_warmup",
    "reward_start",
    "reward_anchor",
    "reward_tilt",
)
#: what a reward run and its lambda = 0 baseline may differ in: the reward's settings, and
#: those that change when states are saved, sampled and kept but not the generator compared
NOT_BASELINE: tuple[str, ...] = (
    *REWARD_FIELDS,
    *NOT_IN_DIGEST,
    "sample_every",
    "checkpoint_every",
    "keep_best",
)


def recorded_settings(train: dict[str, Any]) -> dict[str, Any]:
    """A recorded training config (config.json's, result.json's) with the settings it was
    recorded before at their defaults (:data:`LATER_DEFAULTS`)."""
    return {**copy.deepcopy(LATER_DEFAULTS), **train}


def configuration(train: dict[str, Any]) -> dict[str, Any]:
    """What names a configuration: every setting but :data:`NOT_CONFIGURATION`. Cells with
    equal configurations are seeds of one."""
    return {k: v for k, v in recorded_settings(train).items() if k not in NOT_CONFIGURATION}


def baseline_differences(run: dict[str, Any], baseline: dict[str, Any]) -> dict[str, list[Any]]:
    """The settings (key -> [run's, baseline's]) in which ``baseline`` differs from ``run``
    beyond :data:`NOT_BASELINE`; empty when it is a lambda = 0 baseline of ``run``. A setting
    a record lacks counts at its default."""
    defaults = TrainConfig().to_dict()
    settings = [{**defaults, **recorded_settings(train)} for train in (run, baseline)]
    keys = sorted((set(settings[0]) | set(settings[1])) - set(NOT_BASELINE))
    return {
        key: [settings[0].get(key), settings[1].get(key)]
        for key in keys
        if settings[0].get(key) != settings[1].get(key)
    }
