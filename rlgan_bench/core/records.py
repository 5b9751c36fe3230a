"""Typed records of the files a run and a matrix write, read and written through one schema:

- :class:`EvalRecord`: a run's ``eval.json`` (:func:`read_eval`, :func:`write_eval`);
- :class:`RewardAudit`: its ``reward_audit`` section, the reward-hacking gauge;
- :class:`ResultRecord`: a matrix cell's ``cells/<id>/result.json`` (:func:`read_result`,
  :func:`write_result`), whose ``eval`` is the run's eval.json.

The JSON shape is the one docs/results.md documents; each of the three carries
``schema_version`` (:data:`SCHEMA_VERSION`). A file written before the field existed is
version 1, and what an older record lacks is filled with its default. Keys a record does not
know (a newer writer's, a plugin's) are kept in ``extra`` and written back unchanged, so that
rewriting a record loses nothing. A file that is not JSON, not an object, lacks a required key
or holds a value of the wrong type is a one-line :class:`RecordError` naming the file and the
key.

Nested sections whose content belongs to plugins (a metric's ``values`` and ``record``, the
gauge's ``drift``) stay plain JSON objects.
"""

from __future__ import annotations

import json
import types
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, TypeVar, Union, get_args, get_origin, get_type_hints

from rlgan_bench.core.atomic import write_json
from rlgan_bench.core.config import TrainConfig, recorded_settings
from rlgan_bench.core.errors import RlganError

#: the version of the three schemas this rlgan-bench writes (and the newest it reads)
SCHEMA_VERSION = 1
#: a result record's status
STATUS_DONE, STATUS_FAILED = "done", "failed"
#: a reward_audit section's status: measured, or why not
AUDIT_STATUSES = ("ok", "no-baseline", "not-applicable", "failed")

_RecordT = TypeVar("_RecordT", bound="Record")


class RecordError(RlganError):
    """A result.json or eval.json that is corrupt, or is not one (another tool's, a newer
    rlgan-bench's)."""


@dataclass(kw_only=True)
class Record:
    """A JSON object with typed fields. Subclasses list in ``_OPTIONAL`` the fields that are
    written only when set (a key that some records lack, rather than one that is ``null``)."""

    #: the keys this schema does not know, as read: written back unchanged
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    _OPTIONAL: ClassVar[frozenset[str]] = frozenset()
    #: what the record is, for errors: "is not <KIND>"
    KIND: ClassVar[str] = "a record"

    def _optional(self) -> frozenset[str]:
        return self._OPTIONAL

    def to_json(self) -> dict[str, Any]:
        """The record as the JSON object it is written as."""
        data = {key: _dump(value) for key, value in self.extra.items()}
        optional = self._optional()
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "extra" or (value is None and item.name in optional):
                continue
            data[item.name] = _dump(value)
        return data

    @classmethod
    def from_json(cls: type[_RecordT], data: Any, source: str = "the record") -> _RecordT:
        """The record of a JSON object; ``source`` (a path) names it in errors."""
        return cls._read(data, source, "")

    @classmethod
    def _read(cls: type[_RecordT], data: Any, source: str, where: str) -> _RecordT:
        if not isinstance(data, dict):
            what = f"{where.rstrip('.')} must be a JSON object" if where else f"is not {cls.KIND}"
            raise RecordError(f"{source}: {what}, got {_kind(data)}")
        hints = _hints(cls)
        values: dict[str, Any] = {}
        for item in fields(cls):
            if item.name == "extra":
                continue
            if item.name in data:
                values[item.name] = _convert(
                    data[item.name], hints[item.name], source, where + item.name
                )
            elif item.default is MISSING and item.default_factory is MISSING:
                if where:
                    raise RecordError(f"{source}: {where.rstrip('.')} has no {item.name!r}")
                raise RecordError(f"{source} is not {cls.KIND}: it has no {item.name!r}")
        known = {item.name for item in fields(cls)} - {"extra"}
        record = cls(**values, extra={k: v for k, v in data.items() if k not in known})
        record._check(source, where)
        return record

    def _check(self, source: str, where: str) -> None:
        """What the field types do not say (a version, a status); raises :class:`RecordError`."""


@dataclass(kw_only=True)
class VersionedRecord(Record):
    """A record that is a file or a section of its own: it says which schema it follows."""

    #: missing in files written before it existed: they are version 1
    schema_version: int = SCHEMA_VERSION

    def _check(self, source: str, where: str) -> None:
        if self.schema_version > SCHEMA_VERSION:
            raise RecordError(
                f"{source}: {where}schema_version {self.schema_version} was written by a newer "
                f"rlgan-bench (this one reads up to {SCHEMA_VERSION}); upgrade rlgan-bench"
            )
        if self.schema_version < 1:
            raise RecordError(
                f"{source}: {where}schema_version must be >= 1, got {self.schema_version}"
            )


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
        hints = _hints(TrainConfig)
        for key in sorted(set(self.train) & _TRAIN_FIELDS):
            _convert(self.train[key], hints[key], source, f"{where}train.{key}")


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
    return ResultRecord.from_json(_read_object(Path(path)), str(path))


def write_result(path: str | Path, record: ResultRecord) -> None:
    """Write a cell's result.json atomically (a record the reader would refuse is refused
    here, and nothing is written)."""
    _write(Path(path), record)


def read_eval(path: str | Path) -> EvalRecord:
    """A run's eval.json; :class:`RecordError` when it cannot be read or is not one."""
    return EvalRecord.from_json(_read_object(Path(path)), str(path))


def write_eval(path: str | Path, record: EvalRecord) -> None:
    """Write a run's eval.json atomically (a record the reader would refuse is refused here,
    and nothing is written)."""
    _write(Path(path), record)


def _write(path: Path, record: VersionedRecord) -> None:
    data = record.to_json()
    type(record).from_json(data, f"cannot write {path}")
    write_json(path, data)


def _read_object(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecordError(f"cannot read {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordError(f"cannot read {path} ({type(exc).__name__})") from None
    except ValueError as exc:  # json.JSONDecodeError
        raise RecordError(f"{path} is not JSON (corrupt: {exc})") from None


# --- the schema's type checks --------------------------------------------------------------------


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """The field types of a record class (or TrainConfig), resolved once."""
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


def _convert(value: Any, hint: Any, source: str, where: str) -> Any:
    """``value`` checked against the type ``hint`` (records read from their JSON objects)."""
    if hint is Any:
        return value
    origin = get_origin(hint)
    if origin is Union or origin is types.UnionType:
        options = get_args(hint)
        if value is None and type(None) in options:
            return None
        problem: RecordError | None = None
        for option in options:
            if option is type(None):
                continue
            try:
                return _convert(value, option, source, where)
            except RecordError as exc:
                problem = exc
        assert problem is not None  # a union of None alone is not a field type
        raise problem
    if isinstance(hint, type) and issubclass(hint, Record):
        return hint._read(value, source, where + ".")
    if origin is dict:
        if not isinstance(value, dict):
            raise _wrong(source, where, "a JSON object", value)
        item = get_args(hint)[1] if get_args(hint) else Any
        if item is Any:
            return value
        return {key: _convert(v, item, source, f"{where}.{key}") for key, v in value.items()}
    if origin is list:
        if not isinstance(value, list):
            raise _wrong(source, where, "a list", value)
        item = get_args(hint)[0] if get_args(hint) else Any
        return [_convert(v, item, source, f"{where}[{i}]") for i, v in enumerate(value)]
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong(source, where, "a number", value)
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong(source, where, "an integer", value)
        return value
    if hint in (str, bool):
        if not isinstance(value, hint):
            raise _wrong(source, where, "a string" if hint is str else "true or false", value)
        return value
    raise TypeError(f"records cannot hold {hint!r} ({where})")  # a schema bug, not input


def _wrong(source: str, where: str, expected: str, value: Any) -> RecordError:
    return RecordError(f"{source}: {where} must be {expected}, got {_kind(value)}")


def _kind(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _dump(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_json()
    if isinstance(value, dict):
        return {key: _dump(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_dump(item) for item in value]
    return value


__all__ = [
    "AUDIT_STATUSES",
    "SCHEMA_VERSION",
    "STATUS_DONE",
    "STATUS_FAILED",
    "CellConfig",
    "ClassHistogram",
    "Compute",
    "EvalRecord",
    "Gain",
    "ControlGains",
    "Memorisation",
    "MetricEntry",
    "Record",
    "RecordError",
    "ResultRecord",
    "RewardAudit",
    "VersionedRecord",
    "read_eval",
    "read_result",
    "write_eval",
    "write_result",
]
