"""Typed records of the files a run and a matrix write, read and written through one schema:

- :class:`EvalRecord`: a run's ``eval.json`` (:func:`read_eval`, :func:`write_eval`);
- :class:`RewardAudit`: its ``reward_audit`` section, the reward-hacking gauge;
- :class:`ResultRecord`: a matrix cell's ``cells/<id>/result.json`` (:func:`read_result`,
  :func:`write_result`), whose ``eval`` is the run's eval.json.

The JSON shape is the one docs/results.md documents; each of the three carries
``schema_version`` (:data:`~rlgan_bench.core.record_schema.SCHEMA_VERSION`). A file written
before the field existed is version 1, and what an older record lacks is filled with its
default. Keys a record does not know (a newer writer's, a plugin's) are kept in ``extra`` and
written back unchanged, so that rewriting a record loses nothing. A file that is not JSON, not
an object, lacks a required key or holds a value of the wrong type is a one-line
:class:`~rlgan_bench.core.record_schema.RecordError` naming the file and the key. How a record
is read and written, and checked, is :mod:`rlgan_bench.core.record_schema`.

Nested sections whose content belongs to plugins (a metric's ``values`` and ``record``, the
gauge's ``drift``) stay plain JSON objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from rlgan_bench.core.config import TrainConfig, recorded_settings
from rlgan_bench.core.record_schema import (
    Record,
    RecordError,
    VersionedRecord,
    field_types,
    read_record,
    read_value,
    write_record,
)

#: a result record's status
STATUS_DONE, STATUS_FAILED = "done", "failed"
#: a reward_audit section's status: measured, or why not
AUDIT_STATUSES = ("ok", "no-baseline", "not-applicable", "failed")


# --- eval.json ---------------------------------------------------------------------------------


@dataclass(kw_only=True)
class MetricEntry(Record):
    """One metric of eval.json's ``metrics``: ``ok`` with its ``values`` and the ``record`` of
    how it was measured (extractor, its sha256, N, split), or ``unavailable``, ``skipped``,
    ``failed`` with the ``reason`` (and a ``fix``, kept in ``extra``)."""

    status: str
    values: dict[str, Any] | None = None
    record: dict[str, Any] | None = None
    reason: str | None = None

    _OPTIONAL = frozenset({"values", "record", "reason"})
    KIND = "a metric entry"

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.values is not None


@dataclass(kw_only=True)
class ClassHistogram(Record):
    """eval.json's ``class_histogram``: the classes of the samples by the digit evaluation
    network (``classes``, ``counts``, ``fractions``... are kept in ``extra``)."""

    status: str
    n: int | None = None
    classifier: str | None = None
    classifier_sha256: str | None = None
    modes_covered: int | None = None
    target: int | None = None
    target_fraction: float | None = None
    reason: str | None = None

    _OPTIONAL = frozenset(
        {"n", "classifier", "classifier_sha256", "modes_covered", "target", "target_fraction"}
        | {"reason"}
    )
    KIND = "a class histogram"


@dataclass(kw_only=True)
class Gain(Record):
    """A quantity before (the lambda = 0 run) and after (the reward run), on the same latents,
    and its gain in standard deviations of the quantity over the real held-out images."""

    before: float | None = None
    after: float | None = None
    gain: float | None = None
    spread_real: float | None = None
    #: gain / spread_real; None when the spread is 0 or unknown
    normalised: float | None = None
    #: claimed: what the reward is ("reward classifier")
    quantity: str | None = None
    #: verified: the audit's name
    audit: str | None = None
    description: str | None = None
    exact: bool | None = None

    _OPTIONAL = frozenset({"quantity", "audit", "description", "exact"})
    KIND = "a gain"


@dataclass(kw_only=True)
class ControlGains(Record):
    """A fine-tuning cell's gains against its base's control (the base trained on for the same
    steps without a reward) instead of the base: ``before`` is the control's value on the same
    latents, the spread the same as the gains against the base. Continued training alone moves
    some rewards (measured: jpeg +0.38 sd in 100 steps of a DCGAN on the digits)."""

    #: the control cell's id
    cell: str
    claimed: Gain
    verified: Gain | None = None

    KIND = "a reward_audit section's gains against the control"


@dataclass(kw_only=True)
class Memorisation(Record):
    """A reward_audit section's ``memorisation`` (:mod:`rlgan_bench.evaluation.memorisation`):
    the share of the run's samples nearer to a training image than held-out real images are,
    against the base's share on the same latents. ``unavailable`` with the ``reason`` where
    it is not measured (a dataset whose classes are not the digits)."""

    status: str
    #: the run's share, its binomial standard error and N
    share: float | None = None
    stderr: float | None = None
    n: int | None = None
    #: the base's, on the same latents
    base_share: float | None = None
    base_stderr: float | None = None
    n_base: int | None = None
    #: the held-out images' quantile that is the threshold, the threshold, and their own share
    reference_quantile: float | None = None
    threshold: float | None = None
    reference_share: float | None = None
    n_reference: int | None = None
    n_train: int | None = None
    #: share - base_share, its one-sided two-proportion z, and the flag's rule
    difference: float | None = None
    z: float | None = None
    z_critical: float | None = None
    min_effect: float | None = None
    #: the share rose above the base's by more than noise; None when not measured
    flagged: bool | None = None
    distance: str | None = None
    extractor: str | None = None
    extractor_sha256: str | None = None
    definition: str | None = None
    reason: str | None = None

    _NUMBERS: ClassVar[frozenset[str]] = frozenset(
        {"share", "stderr", "n", "base_share", "base_stderr", "n_base", "reference_quantile"}
        | {"threshold", "reference_share", "n_reference", "n_train", "difference", "z"}
        | {"z_critical", "min_effect", "flagged", "distance", "extractor", "extractor_sha256"}
    )
    KIND = "a memorisation record"

    def _optional(self) -> frozenset[str]:
        # measured: every number written, null included; not measured: only the reason
        return frozenset({"reason"}) if self.status == "ok" else self._NUMBERS


@dataclass(kw_only=True)
class RewardAudit(VersionedRecord):
    """The ``reward_audit`` section of a reward run's eval.json: the reward-hacking gauge
    (:mod:`rlgan_bench.evaluation.gauge`). Measured (status ``ok``) or not, with the reason."""

    status: str
    #: None unless measured: never a made-up verdict
    hacked: bool | None = None
    thresholds: dict[str, float] = field(default_factory=dict)
    #: why it was not measured
    reason: str | None = None
    reward: str | None = None
    reward_params: dict[str, Any] | None = None
    # measured sections (status ok) only: written there even when null
    definition: str | None = None
    target_class: int | None = None
    #: run_dir, step, checkpoint of the reward run and of the baseline (and its matrix cell)
    run: dict[str, Any] | None = None
    baseline: dict[str, Any] | None = None
    n: int | None = None
    seed: int | None = None
    n_real: int | None = None
    split: str | None = None
    claimed: Gain | None = None
    verified: Gain | None = None
    audits: dict[str, Gain] | None = None
    audits_not_applicable: dict[str, str] | None = None
    gap: float | None = None
    drift: dict[str, Any] | None = None
    reasons: list[str] | None = None
    # measured or not, written when set
    note: str | None = None
    warnings: list[str] | None = None
    over_training: dict[str, Any] | None = None
    #: the memorisation share of the run against its base's (sections written before it
    #: existed have none: None)
    memorisation: Memorisation | None = None
    #: the reward and its verified audit of each image (``real``: the held-out images;
    #: ``base``, ``run``: the samples of the same latents), which the hacking verdict of
    #: rlgan_bench.analysis bootstraps over and the report's histograms bin; ``audit`` absent
    #: where the audit is exact or has no per-image values (None: written before that)
    per_sample: dict[str, dict[str, list[float]]] | None = None
    #: the positive control of the base and reward: the base's samples pushed up the reward's
    #: gradient within a small pixel budget (a known hack), scored like ``per_sample``
    positive_control: dict[str, Any] | None = None
    #: the claimed and verified gains against the control of the cell's base (None: a matrix
    #: without a control, or a section written before 0.2)
    against_control: ControlGains | None = None

    _ALWAYS_OPTIONAL: ClassVar[frozenset[str]] = frozenset(
        {"reason", "reward", "reward_params", "note", "warnings", "over_training"}
        | {"memorisation", "per_sample", "positive_control", "against_control"}
    )
    _MEASURED: ClassVar[frozenset[str]] = frozenset(
        {"definition", "target_class", "run", "baseline", "n", "seed", "n_real", "split"}
        | {"claimed", "verified", "audits", "audits_not_applicable", "gap", "drift", "reasons"}
    )
    KIND = "a reward_audit section"

    @property
    def measured(self) -> bool:
        return self.status == "ok"

    def _optional(self) -> frozenset[str]:
        return self._ALWAYS_OPTIONAL | (frozenset() if self.measured else self._MEASURED)

    def _check(self, source: str, where: str) -> None:
        super()._check(source, where)
        if self.status not in AUDIT_STATUSES:
            raise RecordError(
                f"{source}: {where}status must be one of {', '.join(AUDIT_STATUSES)}, "
                f"got {self.status!r}"
            )


@dataclass(kw_only=True)
class Compute(Record):
    """What making samples cost (docs/results.md): the images the reward scored
    (``reward_calls``), the images the generator made (``generator_calls``) and the wall
    ``seconds``; ``samples``: the samples they produced (an evaluation's); a cell's total has
    its ``parts``, ``train`` and ``sampling``. Records written before it have none."""

    reward_calls: int
    generator_calls: int
    seconds: float
    samples: int | None = None
    parts: dict[str, Compute] | None = None

    _OPTIONAL = frozenset({"samples", "parts"})
    KIND = "a compute record"


@dataclass(kw_only=True)
class EvalRecord(VersionedRecord):
    """A run's ``eval.json``: what was scored (the run, its step and weights, N, the split) and
    the scores. Keys an older evaluation did not write are None (``checkpoint``: the
    checkpoint.pt every evaluation loaded before best.pt existed)."""

    metrics: dict[str, MetricEntry]
    class_histogram: ClassHistogram | None = None
    run_dir: str | None = None
    step: int | None = None
    backbone: str | None = None
    backbone_params: dict[str, Any] | None = None
    #: "ema" or "raw"
    generator: str | None = None
    checkpoint: str = "checkpoint.pt"
    samples: int | None = None
    samples_default: int | None = None
    seed: int | None = None
    dataset: str | None = None
    split: str | None = None
    split_info: dict[str, Any] | None = None
    n_real: int | None = None
    device: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, Any] = field(default_factory=dict)
    wall_time_s: float | None = None
    #: the class the run's reward asks for, and the share of the samples in it
    target: int | None = None
    target_fraction: float | None = None
    keep_best: str | None = None
    note: str | None = None
    samples_dir: str | None = None
    reward_audit: RewardAudit | None = None
    #: what drawing the samples cost (best-of-n: N reward and generator calls per sample)
    sampling: Compute | None = None

    _OPTIONAL = frozenset(
        {"target", "target_fraction", "keep_best", "note", "samples_dir", "reward_audit"}
        | {"sampling"}
    )
    KIND = "an rlgan-bench eval.json"

    def metric(self, name: str) -> MetricEntry | None:
        """The entry of metric ``name`` when it was measured (status ok)."""
        entry = self.metrics.get(name)
        return entry if entry is not None and entry.ok else None


# --- result.json -------------------------------------------------------------------------------

#: the TrainConfig keys and their types, which a recorded ``train`` is checked against
_TRAIN_FIELDS = frozenset(TrainConfig.__dataclass_fields__)


#: a cell's role in a matrix of the base protocol (see :class:`Protocol`)
ROLE_BASE, ROLE_FINETUNE, ROLE_CONTROL = "base", "finetune", "control"
ROLES = (ROLE_BASE, ROLE_FINETUNE, ROLE_CONTROL)


@dataclass(kw_only=True)
class Protocol(Record):
    """Where a cell of a base-protocol matrix stands (docs/protocol.md): a ``base`` (one per
    backbone x seed, no reward), a ``finetune`` cell (one method at one strength, started from
    its base's weights) or a ``control`` (the base trained on for the same steps, no reward).
    Cells of a matrix without ``finetune_steps`` (trained from scratch) have no protocol."""

    role: str
    #: the id and digest of the base cell a finetune or control cell starts from
    base: str | None = None
    base_digest: str | None = None
    #: the method (a registered ``methods`` component) and the value of its one strength knob
    method: str | None = None
    strength: float | None = None
    #: the strength's name (Method.strength_name): "lambda" (the reward term's weight), "beta"
    #: (reward-weighted resampling's temperature), "n" (best-of-n's draws), or a plugin's own
    strength_name: str | None = None
    #: weight of the KL-style anchor toward the base generator (reward_anchor); 0: none
    anchor: float = 0.0
    #: the method scores real data with the reward (reward-weighted resampling)
    uses_real_data: bool = False
    #: the method updates the generator (False: best-of-n, which only selects samples)
    trains: bool = True
    #: the id of the cell a method that does not train selects from: the control where the
    #: matrix has one, so that every point has had the same training (None: the base)
    selects_from: str | None = None

    _OPTIONAL = frozenset(
        {"base", "base_digest", "method", "strength", "strength_name", "selects_from"}
    )
    KIND = "a cell's protocol"

    def _check(self, source: str, where: str) -> None:
        if self.role not in ROLES:
            raise RecordError(
                f"{source}: {where}role is {self.role!r}, not one of {', '.join(ROLES)}"
            )


@dataclass(kw_only=True)
class CellConfig(Record):
    """A result record's ``config``: the cell as matrix.json lists it."""

    id: str | None = None
    #: every TrainConfig key as recorded (keys this version does not know included)
    train: dict[str, Any]
    #: the cell's evaluation settings: samples, metrics, prompts, batch_size
    eval: dict[str, Any] | None = None
    #: the cell's place in a base-protocol matrix; None: trained from scratch
    protocol: Protocol | None = None

    _OPTIONAL = frozenset({"id", "eval", "protocol"})
    KIND = "a cell config"

    @property
    def settings(self) -> TrainConfig:
        """``train`` as a TrainConfig: settings recorded before they existed at their
        defaults, keys this version does not know left out."""
        recorded = recorded_settings(self.train)
        return TrainConfig(**{k: v for k, v in recorded.items() if k in _TRAIN_FIELDS})

    def _check(self, source: str, where: str) -> None:
        hints = field_types(TrainConfig)
        for key in sorted(set(self.train) & _TRAIN_FIELDS):
            read_value(self.train[key], hints[key], source, f"{where}train.{key}")


@dataclass(kw_only=True)
class ResultRecord(VersionedRecord):
    """A matrix cell's ``result.json``, its commit point: written once, atomically, when the
    cell is done (with its ``eval``) or failed (with its ``error``)."""

    cell: str
    status: str
    config: CellConfig
    #: None, or the first line of the error, ``Type: message``
    error: str | None = None
    #: a failure that is not one of rlgan-bench's one-line errors: the Python traceback
    traceback: str | None = None
    #: hash of the cell's train and eval settings; a rerun skips the cell when it matches
    cell_digest: str | None = None
    #: the training configuration's digest (config.json's config_digest)
    config_hash: str | None = None
    seed: int | None = None
    device: str | None = None
    #: the distributions that provided the backbone and the reward
    plugins: dict[str, Any] | None = None
    versions: dict[str, Any] | None = None
    #: seconds: train, eval, audit, total
    timing_s: dict[str, float] = field(default_factory=dict)
    eval: EvalRecord | None = None
    #: what the cell cost beyond its base: its training's and its evaluation samples' calls
    compute: Compute | None = None

    _OPTIONAL = frozenset(
        {"traceback", "cell_digest", "config_hash", "device", "plugins", "versions", "eval"}
        | {"compute"}
    )
    KIND = "an rlgan-bench result.json"

    @property
    def done(self) -> bool:
        """Trained and scored: status done, with an evaluation."""
        return self.status == STATUS_DONE and self.eval is not None

    @property
    def train(self) -> dict[str, Any]:
        return self.config.train

    def _check(self, source: str, where: str) -> None:
        super()._check(source, where)
        if self.status not in (STATUS_DONE, STATUS_FAILED):
            raise RecordError(
                f"{source}: {where}status must be {STATUS_DONE} or {STATUS_FAILED}, "
                f"got {self.status!r}"
            )


# --- files -------------------------------------------------------------------------------------


def read_result(path: str | Path) -> ResultRecord:
    """A cell's result.json; :class:`RecordError` when it cannot be read or is not one."""
    return read_record(ResultRecord, path)


def write_result(path: str | Path, record: ResultRecord) -> None:
    """Write a cell's result.json atomically (a record the reader would refuse is refused
    here, and nothing is written)."""
    write_record(path, record)


def read_eval(path: str | Path) -> EvalRecord:
    """A run's eval.json; :class:`RecordError` when it cannot be read or is not one."""
    return read_record(EvalRecord, path)


def write_eval(path: str | Path, record: EvalRecord) -> None:
    """Write a run's eval.json atomically (a record the reader would refuse is refused here,
    and nothing is written)."""
    write_record(path, record)


__all__ = [
    "AUDIT_STATUSES",
    "ROLES",
    "ROLE_BASE",
    "ROLE_CONTROL",
    "ROLE_FINETUNE",
    "STATUS_DONE",
    "STATUS_FAILED",
    "CellConfig",
    "ClassHistogram",
    "Compute",
    "ControlGains",
    "EvalRecord",
    "Gain",
    "Memorisation",
    "MetricEntry",
    "Protocol",
    "ResultRecord",
    "RewardAudit",
    "read_eval",
    "read_result",
    "write_eval",
    "write_result",
]
