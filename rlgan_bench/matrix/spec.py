"""Benchmark matrices: a TOML file -> a validated list of cells (train + evaluate each).

A matrix is backbones x rewards (each with its parameters, and its methods, each at its
strengths) x seeds::

    [run]                      # training settings shared by every cell (TrainConfig keys)
    dataset = "digits"
    steps = 600

    [eval]
    samples = 1000
    metrics = ["fid", "is", "kid", "prc", "clip"]

    [matrix]
    backbones = ["dcgan", "wgan-gp"]
    seeds = [0]

    [[matrix.rewards]]
    name = "none"              # the lambda = 0 baseline

    [[matrix.rewards]]
    name = "classifier"
    params = { target = 7 }
    methods = { backprop = [0.3, 1.0] }

Every problem is reported with its TOML key before anything trains. The 0.1 dialect,
``modes`` x ``lambdas`` and ``mode_params``, is read as ``methods`` and ``method_params``
with a deprecation warning (:func:`_translated`, :func:`_current_names`).
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

from rlgan_bench.core import deprecations
from rlgan_bench.core.backbone import ModelShape
from rlgan_bench.core.config import MACHINE_FIELDS, TrainConfig
from rlgan_bench.core.defaults import (
    EVAL_DEFAULTS,
    EXTRACTOR_CHOICES,
    FID_RESIZE_CHOICES,
    MATRIX_EVAL_SAMPLES,
    OPTION_READERS,
    resolve,
)
from rlgan_bench.core.errors import ConfigError, RlganError
from rlgan_bench.core.identity import (
    NO_REWARD,
    canonical_json,
    cell_id,
    short_hash,
)
from rlgan_bench.core.method import RANGES
from rlgan_bench.core.records import ROLE_BASE, ROLE_CONTROL, ROLE_FINETUNE, Protocol
from rlgan_bench.evaluation.audits import applicable
from rlgan_bench.host import PluginHost
from rlgan_bench.training import init_from

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MIN_EVAL_SAMPLES = 20
DEFAULT_METRICS: tuple[str, ...] = tuple(EVAL_DEFAULTS["metrics"])
# TrainConfig keys a matrix sets per cell rather than in [run]
CELL_KEYS = {"backbone", "reward", "reward_params", "mode", "reward_weight", "seed"}
RUN_KEYS = {f.name for f in fields(TrainConfig)} - CELL_KEYS - set(MACHINE_FIELDS)
EVAL_KEYS = {"samples", "metrics", "prompts", "batch_size", "extractor", "fid_resize"}
REWARD_KEYS = {
    "name",
    "params",
    "modes",
    "mode",
    "lambdas",
    "lambda",
    "mode_params",
    "method_params",
    "methods",
    "anchor",
    "anchors",
}
#: the 0.1 dialect: read (as methods, method_params), not listed among the keys to use
OLD_REWARD_KEYS = ("modes", "mode", "lambdas", "lambda")
OLD_KEYS = {*OLD_REWARD_KEYS, "mode_params"}
MATRIX_KEYS = {
    "backbones",
    "rewards",
    "seeds",
    "modes",
    "lambdas",
    "finetune_steps",
    "control",
    "budget",
}
BUDGET_KEYS = ("fid_cost", "precision_drop", "recall_drop")


#: [eval] settings added after cells were first recorded, with their defaults
EVAL_LATER_DEFAULTS: dict[str, Any] = {
    "extractor": EVAL_DEFAULTS["extractor"],
    "fid_resize": EVAL_DEFAULTS["fid_resize"],
}


@dataclass(frozen=True)
class EvalSettings:
    """A matrix's [eval]: the evaluation options of core/defaults.py, with fewer samples."""

    samples: int = MATRIX_EVAL_SAMPLES
    metrics: tuple[str, ...] = DEFAULT_METRICS
    prompts: tuple[str, ...] = tuple(EVAL_DEFAULTS["prompts"])
    batch_size: int = EVAL_DEFAULTS["batch_size"]
    extractor: str = EVAL_DEFAULTS["extractor"]
    fid_resize: str = EVAL_DEFAULTS["fid_resize"]


@dataclass(frozen=True)
class Cell:
    """What a worker trains (or, for a method that does not train, assembles) and scores: in
    a matrix trained from scratch one backbone x reward x mode x lambda x seed; in a
    base-protocol matrix a base, a control, or one method at one strength on one base."""

    train: TrainConfig
    eval: EvalSettings
    #: the cell's place in a base-protocol matrix; None: trained from scratch
    protocol: Protocol | None = None

    @property
    def reward_label(self) -> str:
        return self.train.reward or NO_REWARD

    @property
    def base(self) -> str | None:
        """The id of the base cell this cell starts from, if any."""
        return self.protocol.base if self.protocol else None

    @property
    def id(self) -> str:
        return cell_id(self.train, self.protocol)

    def digest(self) -> str:
        # eval settings added later count only when set, so recorded cells keep their digests
        settings = {
            k: v
            for k, v in self.eval.__dict__.items()
            if not (k in EVAL_LATER_DEFAULTS and v == EVAL_LATER_DEFAULTS[k])
        }
        data: dict[str, Any] = {"train": self.train.identity(), "eval": settings}
        if self.protocol is not None:  # a cell from another base is another cell
            data["protocol"] = self.protocol.to_json()
        return short_hash(data)

    def to_dict(self) -> dict[str, Any]:
        data = {"id": self.id, "train": self.train.to_dict(), "eval": self.eval.__dict__}
        if self.protocol is not None:
            data["protocol"] = self.protocol.to_json()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cell:
        settings = dict(data["eval"])
        settings["metrics"] = tuple(settings["metrics"])
        settings["prompts"] = tuple(settings["prompts"])
        protocol = data.get("protocol")
        return cls(
            TrainConfig.from_dict(data["train"]),
            EvalSettings(**settings),
            Protocol.from_json(protocol, "a cell") if protocol is not None else None,
        )


@dataclass
class Matrix:
    cells: list[Cell]
    source: str
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def bases(self) -> list[Cell]:
        """The cells that start from no other cell (all of them in a from-scratch matrix)."""
        return [cell for cell in self.cells if cell.base is None]


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    """``data[key]`` when it is a table (a wrong type is reported by validation), else {}."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _shape_of(run: dict[str, Any], overrides: dict[str, Any], host: PluginHost) -> ModelShape:
    """The model shape a backbone's cells will have, or the default shape when these keys are
    invalid (their validation reports them)."""
    keys = {**TrainConfig().to_dict(), **run, **overrides}
    try:
        channels = keys["channels"] or host.get("datasets", keys["dataset"]).obj.channels
        return ModelShape(keys["image_size"], channels, keys["latent_dim"], keys["width"])
    except (TypeError, ValueError, RlganError):
        return ModelShape()


#: how a run of the shipped default matrix names its source in matrix.json and reports
DEFAULT_MATRIX_NAME = "rlgan_bench/default_matrix.toml"


def default_matrix_path() -> Path:
    return Path(str(resources.files("rlgan_bench").joinpath("default_matrix.toml")))


def load_toml(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config {str(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {str(path)!r} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config {str(path)!r}: {exc}") from None


def build_matrix(
    raw: dict[str, Any],
    host: PluginHost,
    overrides: dict[str, Any] | None = None,
    source: str = "<config>",
) -> Matrix:
    """Validate a parsed TOML matrix and expand it; raise one ConfigError listing every problem
    with its key."""
    problems: list[str] = []
    given = json.loads(json.dumps(raw))  # what the matrix records (matrix.json): the file
    raw = _current_names(json.loads(json.dumps(raw)), problems)  # a deep copy we may edit
    overrides = _checked_overrides(overrides or {}, problems)
    for section in set(raw) - {"run", "eval", "matrix"}:
        problems.append(f"[{section}]: unknown section (sections: run, eval, matrix)")
    run = dict(raw.get("run", {}))
    evaluation = dict(raw.get("eval", {}))
    matrix = dict(raw.get("matrix", {}))
    for key, value in overrides.items():
        if key == "seeds":
            matrix["seeds"] = value
        else:
            run[key] = value

    for key in set(run) - RUN_KEYS:
        problems.append(f"run.{key}: unknown key (keys: {_listed(RUN_KEYS)})")
    for key in set(evaluation) - EVAL_KEYS:
        problems.append(f"eval.{key}: unknown key (keys: {', '.join(sorted(EVAL_KEYS))})")
    for key in set(matrix) - MATRIX_KEYS:
        problems.append(f"matrix.{key}: unknown key (keys: {', '.join(sorted(MATRIX_KEYS))})")

    base = {k: v for k, v in run.items() if k in RUN_KEYS}
    # command-line overrides beat the backbone tables; mode options merge [run] < backbone < reward
    run_overrides = {k: v for k, v in overrides.items() if k != "seeds"}
    try:
        TrainConfig.from_dict(base).validate()
        run_valid = True
    except (ConfigError, TypeError) as exc:
        problems.append(f"run: {exc}")
        run_valid = False
    _check_dataset(base, "run", host, problems, root=False)  # the root: for each backbone

    settings = _eval_settings(evaluation, host, problems)
    backbones = _backbones(matrix, host, problems, base, run_overrides if run_valid else None)
    seeds = matrix.get("seeds", [0])
    if not isinstance(seeds, list) or not all(isinstance(s, int) and s >= 0 for s in seeds):
        problems.append(f"matrix.seeds: must be a list of non-negative integers, got {seeds!r}")
        seeds = []
    rewards = matrix.get("rewards", [{"name": NO_REWARD}])
    if not isinstance(rewards, list) or not all(isinstance(r, dict) for r in rewards):
        problems.append("matrix.rewards: must be an array of tables ([[matrix.rewards]])")
        rewards = []
    finetune_steps = _positive_int(matrix, "finetune_steps", problems)
    protocol = finetune_steps is not None
    control = matrix.get("control", False)
    if not isinstance(control, bool):
        problems.append(f"matrix.control: must be true or false, got {control!r}")
    elif control and not protocol:
        problems.append("matrix.control: needs finetune_steps (a control continues a base)")
    _budget(matrix, problems)
    variants = [
        variant
        for index, entry in enumerate(rewards)
        for variant in _reward_variants(entry, index, matrix, host, problems, protocol)
    ]

    #: where each cell's settings came from (by its TrainConfig's id), for messages
    origins: dict[int, _Origin] = {}

    def train(backbone_keys: dict[str, Any], seed: int, variant: dict[str, Any]) -> TrainConfig:
        keys = {k: v for k, v in backbone_keys.items() if k not in ("finetune_steps", "key")}
        fields = {k: v for k, v in variant.items() if k != "key"}
        config = TrainConfig(
            **{
                **base,
                **keys,
                **run_overrides,
                "seed": seed,
                **fields,
                "mode_params": {
                    **_table(base, "mode_params"),
                    **_table(keys, "mode_params"),
                    **_table(fields, "mode_params"),
                },
                "backbone_params": keys["backbone_params"],
            }
        )
        origins[id(config)] = _Origin(backbone_keys["key"], keys, variant.get("key"), fields)
        return config

    if finetune_steps is not None:
        cells = _protocol_cells(
            backbones, seeds, variants, settings, train, finetune_steps, control is True
        )
    else:
        cells = [
            Cell(train(backbone_keys, seed, variant), settings)
            for backbone_keys in backbones
            for variant in variants
            for seed in seeds
        ]
    for cell in cells if not problems else []:
        try:
            cell.train.validate()
        except ConfigError as exc:
            problems.append(f"cell {cell.id}: {exc}")
    if not problems:  # what a cell checks when it starts, checked for every cell now
        _check_components(cells, origins, base, host, problems)
    if not problems and not cells:
        problems.append("matrix: empty (no backbone, reward or seed)")
    ids = [cell.id for cell in cells]
    if len(set(ids)) != len(ids):
        problems.append("matrix: the same cell appears twice (duplicate reward entries?)")
    if problems:  # one line per problem, however many cells share it
        raise ConfigError(f"{source}: " + "; ".join(dict.fromkeys(problems)))
    return Matrix(cells, source, given)


def _listed(keys: set[str]) -> str:
    """The keys to write, for "unknown key" messages: the option tables as ``method_params``
    (stored as ``mode_params``, core/config.STORED_AS), the 0.1 dialect left out."""
    return ", ".join(
        sorted({"method_params" if k == "mode_params" else k for k in keys} - OLD_KEYS)
    )


def _current_names(raw: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """``raw`` with each option table under its stored name: ``method_params`` in [run], a
    backbone table or a reward entry becomes ``mode_params`` (the field's name), and a
    ``mode_params`` written there (its 0.1 name) is read with a deprecation warning. A tilt of
    the critic's real data set for every cell (``reward_tilt`` > 0 in [run] or a backbone
    table) is refused: only the method reward-weighted tilts, at its strengths."""
    matrix = _table(raw, "matrix")
    backbones = matrix.get("backbones")
    rewards = matrix.get("rewards")
    backbones = backbones if isinstance(backbones, list) else []
    rewards = rewards if isinstance(rewards, list) else []
    tables: list[tuple[str, Any]] = [("run", raw.get("run"))]
    tables += [(f"matrix.backbones[{i}]", t) for i, t in enumerate(backbones)]
    tables += [(f"matrix.rewards[{i}]", t) for i, t in enumerate(rewards)]
    for where, table in tables:
        if not isinstance(table, dict):
            continue  # reported by validation
        if "mode_params" in table:
            old = f"{where}.mode_params"
            deprecations.warn(deprecations.renamed(old, f"{where}.method_params"))
            if "method_params" in table:
                problems.append(f"{old}: the old name of method_params; give method_params only")
        elif "method_params" in table:
            table["mode_params"] = table.pop("method_params")
        tilt = table.get("reward_tilt", 0) if not where.startswith("matrix.rewards") else 0
        if _non_negative(tilt) and tilt > 0:
            problems.append(
                f"{where}.reward_tilt: {tilt:g} would resample the critic's real data by the "
                f"reward in every reward cell, under other methods' names; the tilt is the "
                f"strength of the method reward-weighted: give methods = {{ reward-weighted = "
                f"[{tilt:g}] }} in a reward entry (with [matrix] finetune_steps) and remove "
                f"reward_tilt"
            )
    return raw


#: the command-line options of ``rlgan-bench run`` that replace a matrix's keys
OVERRIDE_FLAGS = {"steps": "--steps", "seeds": "--seeds"}


def _checked_overrides(overrides: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """The command-line overrides that are valid; each other one is reported by its flag
    (it is the command line, not the file, that has it wrong) and left out."""
    valid = dict(overrides)
    if "steps" in valid:
        try:
            TrainConfig(steps=valid["steps"]).validate(names=OVERRIDE_FLAGS)
        except ConfigError as exc:
            problems.append(str(exc))
            del valid["steps"]
    if "seeds" in valid and not _seed_list(valid["seeds"]):
        problems.append(f"--seeds must be non-negative integers, got {valid.pop('seeds')!r}")
    for key in set(valid) - set(OVERRIDE_FLAGS):
        problems.append(f"unknown override {key!r} (overrides: {', '.join(OVERRIDE_FLAGS)})")
        del valid[key]
    return valid


def _seed_list(seeds: Any) -> bool:
    return isinstance(seeds, list) and all(
        isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds
    )


def _check_dataset(
    keys: dict[str, Any], where: str, host: PluginHost, problems: list[str], root: bool = True
) -> None:
    """The dataset of ``keys`` ([run]'s, or [run]'s with a backbone table's over them, reported
    at ``where``) is registered and, with ``root``, has the folder it needs
    (:attr:`DatasetSpec.needs_root`; whether the folder exists is checked when the data is
    loaded: a matrix may be planned on a machine without it)."""
    dataset = keys.get("dataset", TrainConfig.dataset)
    available = host.components("datasets")
    if dataset not in available:
        problems.append(f"{where}.dataset: {_unknown('dataset', dataset, host)}")
    elif root and available[dataset].obj.needs_root and not keys.get("data_root"):
        problems.append(
            f"{where}.data_root: required for dataset {dataset!r}, the folder that holds its "
            f"files (nothing is downloaded)"
        )


@dataclass(frozen=True)
class _Origin:
    """Where a cell's settings came from: its backbone table (key and run keys) and its
    reward entry (key and fields), to name the TOML key of a problem."""

    backbone: str
    backbone_keys: dict[str, Any]
    entry: str | None
    entry_fields: dict[str, Any]


def _check_components(
    cells: list[Cell],
    origins: dict[int, _Origin],
    run: dict[str, Any],
    host: PluginHost,
    problems: list[str],
) -> None:
    """What the trainer checks when a reward cell starts, checked for each cell now, by the
    same code: the reward's own checks of its parameters (``Reward.setup``, on the CPU), the
    method's of its options (the method constructed with the cell's merged ``mode_params``),
    and ``keep_best = "audit"`` against the audits that apply. A problem names the TOML key
    that set the value."""
    seen: set[str] = set()
    setups: dict[str, str | None] = {}
    for cell in cells:
        t = cell.train
        origin = origins.get(id(t))
        if not t.reward or origin is None:
            continue
        signature = canonical_json(
            [origin.backbone, origin.entry, t.reward, t.reward_params, t.mode, t.mode_params]
            + [t.keep_best, t.audit_every, t.dataset, t.image_size, t.channels]
        )
        if signature in seen:
            continue
        seen.add(signature)
        problems.extend(_cell_problems(cell, origin, run, host, setups))


def _cell_problems(
    cell: Cell,
    origin: _Origin,
    run: dict[str, Any],
    host: PluginHost,
    setups: dict[str, str | None],
) -> list[str]:
    import torch  # the CLI's --help does not need it

    t = cell.train
    entry = origin.entry or f"cell {cell.id}"
    component = host.get("rewards", t.reward or "")
    reward_cls = component.obj
    provider = f"{component.provider.name} {component.provider.version}"
    try:
        reward = reward_cls(**t.reward_params)
    except ConfigError:
        return []  # reported with the entry's params
    found = []
    channels = t.channels or host.get("datasets", t.dataset).obj.channels
    key = json.dumps([t.reward, t.reward_params, t.image_size, channels], default=str)
    if key not in setups:
        setups[key] = None
        try:  # the reward's range checks (the classifier's digit, its cap, ...)
            reward.setup(torch.device("cpu"), t.image_size, channels)
        except ConfigError as exc:
            setups[key] = str(exc)
        except Exception:  # missing weights or a plugin's own failure: the cell reports it
            pass
    if setups[key] is not None:
        found.append(f"{entry}.params: {setups[key]}")
    mode_cls = host.get("methods", t.mode or reward_cls.default_method).obj
    try:
        mode_cls(reward, provider, **t.mode_params)
    except ConfigError as exc:
        found.append(_mode_problem(mode_cls, reward, provider, origin, run, f"cell {cell.id}", exc))
    if t.keep_best == "audit" and t.audit_every:
        audits, skipped = applicable(host, t.reward or "", reward.config, t.dataset)
        if not audits:
            why = "; ".join(f"{k}: {v}" for k, v in skipped.items()) or "none is registered"
            where = origin.backbone if "keep_best" in origin.backbone_keys else "run"
            found.append(
                f'{where}.keep_best: "audit" needs an audit that applies to reward '
                f'{t.reward!r} ({entry}), and none does ({why}); use "reward" or register an '
                f"audit (the register_audits hook)"
            )
    return found


def _mode_problem(
    mode_cls: Any,
    reward: Any,
    provider: str,
    origin: _Origin,
    run: dict[str, Any],
    cell: str,
    exc: ConfigError,
) -> str:
    """The key of the ``mode_params`` table whose options the method refuses: [run]'s, the
    backbone table's or the reward entry's, each tried alone in the order they merge."""
    for where, given in (
        ("run", _table(run, "mode_params")),
        (origin.backbone, _table(origin.backbone_keys, "mode_params")),
        (origin.entry or cell, _table(origin.entry_fields, "mode_params")),
    ):
        if not given:
            continue
        try:
            mode_cls(reward, provider, **given)
        except ConfigError as alone:
            return f"{where}.method_params: {alone}"
    return f"{cell}: {exc}"


def _backbones(
    matrix: dict[str, Any],
    host: PluginHost,
    problems: list[str],
    run: dict[str, Any],
    run_overrides: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """``backbones = ["dcgan", {name = "wgan-gp", steps = 200}]``: a name, or a table with a
    name and [run] keys that apply to that backbone only. ``run_overrides``: the command
    line's, which beat the tables; None when [run] itself is invalid (its problems are
    reported once, not again for each table)."""
    entries = matrix.get("backbones", ["dcgan"])
    if not isinstance(entries, list) or not entries:
        problems.append(f"matrix.backbones: must be a non-empty list, got {entries!r}")
        return []
    available = host.components("backbones")
    datasets = host.components("datasets")
    resolved = []
    for index, entry in enumerate(entries):
        key = f"matrix.backbones[{index}]"
        table = {"name": entry} if isinstance(entry, str) else entry
        if not isinstance(table, dict) or not isinstance(table.get("name"), str):
            problems.append(f"{key}: must be a backbone name or a table with a name")
            continue
        name = table["name"]
        if name not in available:
            problems.append(f"{key}: {_unknown('backbone', name, host)}")
        overrides = {k: v for k, v in table.items() if k != "name"}
        for unknown in set(overrides) - RUN_KEYS - {"finetune_steps"}:
            problems.append(f"{key}.{unknown}: unknown key (keys: name, {_listed(RUN_KEYS)})")
        if not isinstance(overrides.get("backbone_params", {}), dict):
            problems.append(f"{key}.backbone_params: must be a table")
        run_keys = {k: v for k, v in overrides.items() if k in RUN_KEYS - {"backbone_params"}}
        if run_keys and run_overrides is not None:  # the table's keys over [run]'s
            try:
                TrainConfig.from_dict({**run, **run_keys, **run_overrides}).validate()
            except (ConfigError, TypeError) as exc:
                problems.append(f"{key}: {exc}")
        # the table's dataset, and the folder each backbone's cells need (run's is checked once)
        if "dataset" in run_keys or run.get("dataset", TrainConfig.dataset) in datasets:
            where = key if "dataset" in run_keys or "data_root" in run_keys else "run"
            _check_dataset({**run, **run_keys}, where, host, problems)
        # [run]'s hyperparameters, then the table's; typed here as the trainer types them, so
        # that `betas = [0, 0.9]` and `[0.0, 0.9]` are one cell with one digest
        params = {**_table(run, "backbone_params"), **_table(overrides, "backbone_params")}
        if name in available and params:
            try:  # a backbone only reads its hyperparameters here: no network is built
                backbone = host.get("backbones", name).obj(_shape_of(run, overrides, host))
            except Exception as exc:  # a plugin's constructor: reported, not a traceback
                first = (str(exc).strip().splitlines() or [""])[0]
                problems.append(
                    f"{key}: backbone {name!r} cannot be constructed ({type(exc).__name__}: "
                    f"{first}); fix or disable its plugin"
                )
            else:
                # [run]'s values alone first, so that an error names the key it came from
                for where, given in (("run", _table(run, "backbone_params")), (key, params)):
                    try:
                        typed = backbone.configure(given)
                    except ConfigError as exc:
                        problems.append(f"{where}.backbone_params: {exc}")
                        break
                else:
                    params = {k: typed[k] for k in params}
        base_path = overrides.get("init_from", run.get("init_from"))
        if name in available and isinstance(base_path, str) and base_path.strip():
            where = f"{key}.init_from" if "init_from" in overrides else "run.init_from"
            shape = _shape_of(run, overrides, host)
            _check_base(base_path, name, params, shape, host, where, problems)
        steps = _positive_int(table, "finetune_steps", problems, key)
        resolved.append(
            {
                "key": key,
                "backbone": name,
                **{k: v for k, v in overrides.items() if k in RUN_KEYS},
                "backbone_params": params,
                **({"finetune_steps": steps} if steps is not None else {}),
            }
        )
    return resolved


def _check_base(
    given: str,
    name: str,
    params: dict[str, Any],
    shape: ModelShape,
    host: PluginHost,
    where: str,
    problems: list[str],
) -> None:
    """An ``init_from`` that does not exist or does not fit the backbone: reported with the
    matrix's other problems, before anything trains."""
    try:
        backbone = host.get("backbones", name).obj(shape)
        backbone.configure(params)
        label = f"backbone {name!r} as configured (image_size {shape.image_size}, channels "
        label += f"{shape.channels}, latent_dim {shape.latent_dim}, width {shape.width})"
        init_from.load_base(given, backbone, label)
    except ConfigError as exc:
        problems.append(f"{where}: {str(exc).removeprefix(f'init_from {given!r}: ')}")
    except Exception:  # a plugin's constructor: its own check reports it
        return


def _positive_int(
    table: dict[str, Any], key: str, problems: list[str], prefix: str = "matrix"
) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        problems.append(f"{prefix}.{key}: must be a positive integer, got {value!r}")
        return None
    return value


def _budget(matrix: dict[str, Any], problems: list[str]) -> None:
    """``budget = { fid_cost = 10, precision_drop = 0.1 }``: the fidelity cost within which
    the report ranks methods (docs/protocol.md)."""
    budget = matrix.get("budget", {})
    if not isinstance(budget, dict):
        problems.append(f"matrix.budget: must be a table, got {budget!r}")
        return
    for key in set(budget) - set(BUDGET_KEYS):
        problems.append(f"matrix.budget.{key}: unknown key (keys: {', '.join(BUDGET_KEYS)})")
    for key in set(budget) & set(BUDGET_KEYS):
        value = budget[key]
        if not _non_negative(value):
            problems.append(f"matrix.budget.{key}: must be a finite number >= 0, got {value!r}")


def _non_negative(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)  # TOML has nan and inf
        and value >= 0
    )


def _protocol_cells(
    backbones: list[dict[str, Any]],
    seeds: list[int],
    variants: list[dict[str, Any]],
    settings: EvalSettings,
    train: Any,
    finetune_steps: int,
    control: bool,
) -> list[Cell]:
    """The base protocol: per backbone x seed one base (no reward, the matrix's steps), then
    each (method, strength, anchor) variant fine-tuned from it for ``finetune_steps`` (a
    backbone table may give its own), and the control when asked for."""
    cells = []
    for backbone_keys in backbones:
        steps = backbone_keys.get("finetune_steps", finetune_steps)
        for seed in seeds:
            base = Cell(
                train(backbone_keys, seed, {"reward": None}), settings, Protocol(role=ROLE_BASE)
            )
            cells.append(base)
            link: dict[str, Any] = {"base": base.id, "base_digest": base.digest()}
            selects_from: dict[str, Any] = {}
            if control:
                continued = train(backbone_keys, seed, {"reward": None, "steps": steps})
                cells.append(Cell(continued, settings, Protocol(role=ROLE_CONTROL, **link)))
                # selection starts where training methods end without a reward: the control
                selects_from = {"selects_from": cells[-1].id}
            for variant in variants:
                if variant["reward"] is None:
                    continue  # the base is the lambda = 0 row
                meta = variant["protocol"]
                keys = {k: v for k, v in variant.items() if k != "protocol"}
                config = train(backbone_keys, seed, {**keys, "steps": steps})
                source = selects_from if not meta.get("trains", True) else {}
                protocol = Protocol(role=ROLE_FINETUNE, **link, **meta, **source)
                cells.append(Cell(config, settings, protocol))
    return cells


def _string_list(
    table: dict[str, Any], key: str, default: list[str], problems: list[str], prefix: str = "matrix"
) -> list[str]:
    value = table.get(key, default)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        problems.append(f"{prefix}.{key}: must be a non-empty list of strings, got {value!r}")
        return []
    return value


def _number_list(table: dict[str, Any], key: str, problems: list[str], prefix: str) -> list[float]:
    value = table[key]
    if (
        not isinstance(value, list)
        or not value
        or not all(
            isinstance(v, (int, float))
            and not isinstance(v, bool)
            and math.isfinite(v)  # TOML has nan and inf
            and v >= 0
            for v in value
        )
    ):
        problems.append(
            f"{prefix}.{key}: must be a non-empty list of finite numbers >= 0, got {value!r}"
        )
        return []
    return [float(v) for v in value]


def _eval_settings(
    evaluation: dict[str, Any], host: PluginHost, problems: list[str]
) -> EvalSettings:
    before = len(problems)
    samples = evaluation.get("samples", EvalSettings.samples)
    if not isinstance(samples, int) or samples < MIN_EVAL_SAMPLES:
        problems.append(
            f"eval.samples: must be an integer >= {MIN_EVAL_SAMPLES} (IS needs 10 splits of 2), "
            f"got {samples!r}"
        )
        samples = EvalSettings.samples
    metrics = _string_list(evaluation, "metrics", list(DEFAULT_METRICS), problems, "eval")
    known = set(host.components("metrics"))
    for name in metrics:
        if known and name not in known:
            problems.append(
                f"eval.metrics: unknown metric {name!r} (available: {', '.join(sorted(known))})"
            )
    prompts = evaluation.get("prompts", [])
    if not isinstance(prompts, list) or not all(isinstance(p, str) for p in prompts):
        problems.append(f"eval.prompts: must be a list of strings, got {prompts!r}")
        prompts = []
    batch = evaluation.get("batch_size", EvalSettings.batch_size)
    if not isinstance(batch, int) or batch < 1:
        problems.append(f"eval.batch_size: must be a positive integer, got {batch!r}")
        batch = EvalSettings.batch_size
    choices = {"extractor": EXTRACTOR_CHOICES, "fid_resize": FID_RESIZE_CHOICES}
    chosen = {}
    for key, allowed in choices.items():
        chosen[key] = evaluation.get(key, getattr(EvalSettings, key))
        if chosen[key] not in allowed:
            problems.append(f"eval.{key}: choose one of {', '.join(allowed)}, got {chosen[key]!r}")
            chosen[key] = getattr(EvalSettings, key)
    # as core/defaults.resolve: an option none of the (built-in) metrics reads is an error
    only_builtins = set(metrics) <= {name for names in OPTION_READERS.values() for name in names}
    for key in sorted(set(evaluation) & set(OPTION_READERS)):
        readers = OPTION_READERS[key]
        if evaluation[key] != [] and only_builtins and not set(metrics) & set(readers):
            which = (
                readers[0] if len(readers) == 1 else f"{', '.join(readers[:-1])} or {readers[-1]}"
            )
            metric = "metric" if len(readers) == 1 else "metrics"
            add = f'"{readers[0]}"' if len(readers) == 1 else "one of them"
            problems.append(
                f"eval.{key}: has no effect without the {which} {metric}; add {add} to "
                f"eval.metrics or remove {key}"
            )
    settings = EvalSettings(samples, tuple(metrics), tuple(prompts), batch, **chosen)
    if len(problems) == before:  # and every check evaluation makes when a cell is scored
        try:
            resolve(
                **{k: list(v) if isinstance(v, tuple) else v for k, v in settings.__dict__.items()}
            )
        except ConfigError as exc:
            problems.append(f"eval: {toml_names(str(exc))}")
    return settings


#: the ``rlgan-bench eval`` flags of the [eval] keys, to name the key in evaluation's messages
EVAL_FLAGS = {
    "--samples": "eval.samples",
    "--metrics": "eval.metrics",
    "--prompt": "eval.prompts",
    "--batch-size": "eval.batch_size",
    "--extractor": "eval.extractor",
    "--fid-resize": "eval.fid_resize",
}


def toml_names(message: str) -> str:
    """An evaluation message with each ``rlgan-bench eval`` flag replaced by its [eval] key."""
    for flag, key in EVAL_FLAGS.items():
        message = re.sub(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", key, message)
    return message


def _reward_variants(
    entry: dict[str, Any],
    index: int,
    matrix: dict[str, Any],
    host: PluginHost,
    problems: list[str],
    protocol: bool = False,
) -> list[dict[str, Any]]:
    """One dict of TrainConfig fields per mode x lambda of a [[matrix.rewards]] entry; in the
    base protocol per (method, strength, anchor), with the cell's ``protocol`` fields."""
    key = f"matrix.rewards[{index}]"
    for unknown in set(entry) - REWARD_KEYS:
        problems.append(f"{key}.{unknown}: unknown key (keys: {_listed(REWARD_KEYS)})")
    name = entry.get("name")
    if not isinstance(name, str):
        problems.append(f'{key}.name: required, the reward\'s name or "none"')
        return []
    if name == NO_REWARD:
        return [{"reward": None, "key": key}]
    available = host.components("rewards")
    if name not in available:
        problems.append(f"{key}.name: {_unknown('reward', name, host, also=NO_REWARD)}")
        return []
    reward_cls = available[name].obj
    params = entry.get("params", {})
    if not isinstance(params, dict):
        problems.append(f"{key}.params: must be a table, got {params!r}")
        params = {}
    try:
        reward_cls(**params)  # checks names and types of the parameters
    except ConfigError as exc:
        problems.append(f"{key}.params: {exc}")
    methods = {name: c.obj for name, c in host.components("methods").items()}
    if not protocol:
        for only in ("anchor", "anchors"):
            if only in entry:
                problems.append(
                    f"{key}.{only}: needs [matrix] finetune_steps (an anchor pulls toward a "
                    f"base; docs/protocol.md)"
                )
    sweep = _sweep(entry, key, matrix, reward_cls, host, problems, protocol)
    mode_params = entry.get("mode_params", {})  # written method_params (_current_names)
    if not isinstance(mode_params, dict):
        problems.append(f"{key}.method_params: must be a table, got {mode_params!r}")
        mode_params = {}
    for mode in dict.fromkeys(mode for mode, _ in sweep):
        method = methods[mode]
        strength_option = method.strength_setting() == "option" and protocol
        allowed = set(method.options) - ({method.strength_name} if strength_option else set())
        unknown_options = set(mode_params) - allowed
        if unknown_options:
            problems.append(
                f"{key}.method_params: method {mode!r} has no option "
                f"{', '.join(sorted(unknown_options))} (options: "
                f"{', '.join(sorted(allowed)) or 'none'})"
            )
    if not protocol:
        # from scratch: the seed's algorithm, the reward term of weight λ from the reward's
        # own reward_start, and nothing else acting (no tilt)
        scratch = []
        for mode, lam in sweep:
            fields = methods[mode].strength_settings(lam)
            fields.pop("reward_start", None)
            scratch.append(
                {
                    "key": key,
                    "reward": name,
                    "reward_params": params,
                    "mode": mode,
                    **fields,
                    "mode_params": {**mode_params, **fields.get("mode_params", {})},
                }
            )
        return scratch
    anchors = _anchors(entry, key, problems)
    variants = []
    for mode, strength in sweep:
        method = methods[mode]
        fields = method.strength_settings(strength)
        for anchor in anchors:
            variants.append(
                {
                    "key": key,
                    "reward": name,
                    "reward_params": params,
                    "mode": mode,
                    **fields,
                    "mode_params": {**mode_params, **fields.get("mode_params", {})},
                    "reward_anchor": anchor,
                    "protocol": {
                        "method": mode,
                        "strength": strength,
                        "strength_name": method.strength_name,
                        "anchor": anchor,
                        "uses_real_data": bool(method.uses_real_data),
                        "trains": bool(method.trains),
                    },
                }
            )
    return variants


def _sweep(
    entry: dict[str, Any],
    key: str,
    matrix: dict[str, Any],
    reward_cls: Any,
    host: PluginHost,
    problems: list[str],
    protocol: bool,
) -> list[tuple[str, float]]:
    """The (method, strength) pairs of a reward entry, ``methods = { backprop = [0.3, 1] }``;
    without ``methods`` its 0.1 dialect, ``modes`` x ``lambdas``, translated (:func:`_translated`).
    From scratch (no ``finetune_steps``) every cell trains with the reward term of weight λ, so
    only methods whose strength is λ apply."""
    methods = {name: c.obj for name, c in host.components("methods").items()}
    if "methods" in entry:
        if any(k in entry for k in OLD_REWARD_KEYS):
            problems.append(f"{key}: give methods, or modes and lambdas, not both")
        table, at = entry["methods"], f"{key}.methods"
    else:
        table, at = _translated(entry, key, matrix, reward_cls, problems), f"{key}.modes"
        if table is None:
            return []  # its problems are reported
    if not isinstance(table, dict) or not table:
        problems.append(f"{key}.methods: must be a table of method = [strengths], got {table!r}")
        return []
    pairs: list[tuple[str, float]] = []
    for mode, given in table.items():
        where = f"{at}.{mode}" if at.endswith(".methods") else at
        if not _applicable(mode, reward_cls, host, where, problems):
            continue
        method = methods[mode]
        if method.strength_setting() != "reward_weight" and (
            not protocol or "methods" not in entry
        ):
            problems.append(
                f"{where}: {mode!r}'s strength is {method.strength_name}, not lambda; give it "
                f"as methods = {{ {mode} = [...] }} with finetune_steps (a matrix without it "
                f"trains every cell from scratch with the reward term of weight lambda)"
            )
            continue
        values = given if isinstance(given, list) else [given]
        strengths = _number_list({mode: values}, mode, problems, f"{key}.methods")
        whole = isinstance(method.strength_option(1.5), int)  # an int option
        if whole and not all(v >= 1 and float(v).is_integer() for v in strengths):
            problems.append(
                f"{key}.methods.{mode}: {method.strength_name} must be whole numbers >= 1, "
                f"got {given!r}"
            )
            continue
        wanted = method.option_ranges.get(method.strength_name)
        if wanted is not None and not all(RANGES[wanted](v) for v in strengths):
            problems.append(
                f"{key}.methods.{mode}: {method.strength_name} must be {wanted}, got {given!r}"
            )
            continue
        pairs += [(mode, v) for v in strengths]
    return pairs


def _translated(
    entry: dict[str, Any],
    key: str,
    matrix: dict[str, Any],
    reward_cls: Any,
    problems: list[str],
) -> dict[str, list[float]] | None:
    """The ``methods`` table of an entry written in the 0.1 dialect: each of its ``modes``
    (``mode``, else ``matrix.modes``, else the reward's ``default_method``) at each of its
    ``lambdas`` (``lambda``, else ``matrix.lambdas``, else the reward's ``default_lambda``);
    the keys used are deprecated, with the table to write instead. None: a problem is
    reported."""
    modes = entry.get("modes", [entry["mode"]] if "mode" in entry else matrix.get("modes"))
    if modes is None:
        modes = [reward_cls.default_method]
    if not isinstance(modes, list) or not all(isinstance(m, str) for m in modes):
        problems.append(f"{key}.modes: must be a list of strings, got {modes!r}")
        return None
    if "lambdas" in entry:
        lambdas = _number_list(entry, "lambdas", problems, key)
    elif "lambda" in entry:
        lambdas = _number_list({"lambda": [entry["lambda"]]}, "lambda", problems, key)
    elif "lambdas" in matrix:
        lambdas = _number_list(matrix, "lambdas", problems, "matrix")
    else:
        lambdas = [float(reward_cls.default_lambda)]
    if not lambdas:
        return None
    table = {mode: lambdas for mode in modes}
    used = [f"{key}.{k}" for k in OLD_REWARD_KEYS if k in entry]
    used += [f"matrix.{k}" for k in ("modes", "lambdas") if k in matrix]
    if used:
        methods = ", ".join(f"{m} = [{', '.join(f'{v:g}' for v in s)}]" for m, s in table.items())
        deprecations.warn(
            deprecations.renamed(" and ".join(used), f"{key}.methods = {{ {methods} }}")
        )
    return table


def _applicable(
    mode: str, reward_cls: Any, host: PluginHost, key: str, problems: list[str]
) -> bool:
    methods = host.components("methods")
    if mode not in methods:
        problems.append(f"{key}: {_unknown('method', mode, host)}")
        return False
    reason = methods[mode].obj.not_applicable(reward_cls)
    if reason:
        problems.append(f"{key}: {reason}")
        return False
    return True


def _unknown(singular: str, name: str, host: PluginHost, also: str | None = None) -> str:
    """``unknown method 'x' (available: ...)``, or, when a broken plugin registered ``name``
    and was skipped (a name clash), the plugin and its error: the list alone would not say."""
    dropped = host.dropped_hint(f"{singular}s", name)
    if dropped:
        return f"unknown {singular} {name!r}: {dropped}"
    names = ", ".join(([also] if also else []) + sorted(host.components(f"{singular}s")))
    return f"unknown {singular} {name!r} (available: {names})"


def _anchors(entry: dict[str, Any], key: str, problems: list[str]) -> list[float]:
    """The KL-anchor weights toward the base (reward_anchor): one curve per anchor."""
    if "anchors" in entry:
        return _number_list(entry, "anchors", problems, key)
    if "anchor" in entry:
        return _number_list({"anchor": [entry["anchor"]]}, "anchor", problems, key)
    return [0.0]
