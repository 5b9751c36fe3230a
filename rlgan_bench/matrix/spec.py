"""Benchmark matrices: a TOML file -> a validated list of cells (train + evaluate each).

A matrix is backbones x rewards (each with its parameters, modes and lambdas) x seeds::

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
    modes = ["backprop"]
    lambdas = [1.0]

Every problem is reported with its TOML key before anything trains.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

from rlgan_bench.core.backbone import ModelShape
from rlgan_bench.core.config import MACHINE_FIELDS, TrainConfig
from rlgan_bench.core.defaults import EVAL_DEFAULTS, MATRIX_EVAL_SAMPLES
from rlgan_bench.core.errors import ConfigError, RlganError
from rlgan_bench.host import PluginHost

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

NO_REWARD = "none"
MIN_EVAL_SAMPLES = 20
DEFAULT_METRICS: tuple[str, ...] = tuple(EVAL_DEFAULTS["metrics"])
# TrainConfig keys a matrix sets per cell rather than in [run]
CELL_KEYS = {"backbone", "reward", "reward_params", "mode", "reward_weight", "seed"}
RUN_KEYS = {f.name for f in fields(TrainConfig)} - CELL_KEYS - set(MACHINE_FIELDS)
EVAL_KEYS = {"samples", "metrics", "prompts", "batch_size"}
REWARD_KEYS = {"name", "params", "modes", "mode", "lambdas", "lambda", "mode_params"}


@dataclass(frozen=True)
class EvalSettings:
    """A matrix's [eval]: the evaluation options of core/defaults.py, with fewer samples."""

    samples: int = MATRIX_EVAL_SAMPLES
    metrics: tuple[str, ...] = DEFAULT_METRICS
    prompts: tuple[str, ...] = tuple(EVAL_DEFAULTS["prompts"])
    batch_size: int = EVAL_DEFAULTS["batch_size"]


@dataclass(frozen=True)
class Cell:
    """One backbone x reward x mode x lambda x seed: what a worker trains and scores."""

    train: TrainConfig
    eval: EvalSettings

    @property
    def reward_label(self) -> str:
        return self.train.reward or NO_REWARD

    @property
    def id(self) -> str:
        t = self.train
        parts = [backbone_label(t.backbone, t.backbone_params), self.reward_label]
        if t.reward:
            parts += [t.mode or "default", f"lam{t.reward_weight:g}"]
            if t.mode_params:
                parts.append(_short_hash({"reward": t.reward_params, "mode": t.mode_params}))
            elif t.reward_params:
                parts.append(_short_hash(t.reward_params))
        parts.append(f"seed{t.seed}")
        return "__".join(parts)

    def digest(self) -> str:
        return _short_hash({"train": self.train.identity(), "eval": self.eval.__dict__})

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "train": self.train.to_dict(), "eval": self.eval.__dict__}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cell:
        settings = dict(data["eval"])
        settings["metrics"] = tuple(settings["metrics"])
        settings["prompts"] = tuple(settings["prompts"])
        return cls(TrainConfig.from_dict(data["train"]), EvalSettings(**settings))


@dataclass
class Matrix:
    cells: list[Cell]
    source: str
    raw: dict[str, Any] = field(default_factory=dict)


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


def backbone_label(name: str, params: dict[str, Any] | None) -> str:
    """A backbone in cell ids: its name, with a hash of its hyperparameters when a run sets
    them (``wgan-gp-1a2b3c4d``), so that two settings of one backbone are two cells."""
    return f"{name}-{_short_hash(params)}" if params else name


def _short_hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:8]


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
    raw = json.loads(json.dumps(raw))  # a deep copy we may edit
    overrides = overrides or {}
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
        problems.append(f"run.{key}: unknown key (keys: {', '.join(sorted(RUN_KEYS))})")
    for key in set(evaluation) - EVAL_KEYS:
        problems.append(f"eval.{key}: unknown key (keys: {', '.join(sorted(EVAL_KEYS))})")
    for key in set(matrix) - {"backbones", "rewards", "seeds", "modes", "lambdas"}:
        problems.append(
            f"matrix.{key}: unknown key (keys: backbones, rewards, seeds, modes, lambdas)"
        )

    base = {k: v for k, v in run.items() if k in RUN_KEYS}
    try:
        TrainConfig.from_dict(base).validate()
    except (ConfigError, TypeError) as exc:
        problems.append(f"run: {exc}")
    dataset = base.get("dataset", TrainConfig.dataset)
    if dataset not in host.components("datasets"):
        problems.append(
            f"run.dataset: unknown dataset {dataset!r} "
            f"(available: {', '.join(sorted(host.components('datasets')))})"
        )

    settings = _eval_settings(evaluation, host, problems)
    backbones = _backbones(matrix, host, problems, base)
    seeds = matrix.get("seeds", [0])
    if not isinstance(seeds, list) or not all(isinstance(s, int) and s >= 0 for s in seeds):
        problems.append(f"matrix.seeds: must be a list of non-negative integers, got {seeds!r}")
        seeds = []
    rewards = matrix.get("rewards", [{"name": NO_REWARD}])
    if not isinstance(rewards, list) or not all(isinstance(r, dict) for r in rewards):
        problems.append("matrix.rewards: must be an array of tables ([[matrix.rewards]])")
        rewards = []
    variants = [
        variant
        for index, entry in enumerate(rewards)
        for variant in _reward_variants(entry, index, matrix, host, problems)
    ]

    # command-line overrides beat the backbone tables; mode options merge [run] < backbone < reward
    run_overrides = {k: v for k, v in overrides.items() if k != "seeds"}
    cells = [
        Cell(
            TrainConfig(
                **{
                    **base,
                    **backbone_keys,
                    **run_overrides,
                    "seed": seed,
                    **variant,
                    "mode_params": {
                        **_table(base, "mode_params"),
                        **_table(backbone_keys, "mode_params"),
                        **_table(variant, "mode_params"),
                    },
                    "backbone_params": backbone_keys["backbone_params"],
                }
            ),
            settings,
        )
        for backbone_keys in backbones
        for variant in variants
        for seed in seeds
    ]
    for cell in cells if not problems else []:
        try:
            cell.train.validate()
        except ConfigError as exc:
            problems.append(f"cell {cell.id}: {exc}")
    if not problems and not cells:
        problems.append("matrix: empty (no backbone, reward or seed)")
    ids = [cell.id for cell in cells]
    if len(set(ids)) != len(ids):
        problems.append("matrix: the same cell appears twice (duplicate reward entries?)")
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))
    return Matrix(cells, source, raw)


def _backbones(
    matrix: dict[str, Any], host: PluginHost, problems: list[str], run: dict[str, Any]
) -> list[dict[str, Any]]:
    """``backbones = ["dcgan", {name = "wgan-gp", steps = 200}]``: a name, or a table with a
    name and [run] keys that apply to that backbone only."""
    entries = matrix.get("backbones", ["dcgan"])
    if not isinstance(entries, list) or not entries:
        problems.append(f"matrix.backbones: must be a non-empty list, got {entries!r}")
        return []
    available = host.components("backbones")
    resolved = []
    for index, entry in enumerate(entries):
        key = f"matrix.backbones[{index}]"
        table = {"name": entry} if isinstance(entry, str) else entry
        if not isinstance(table, dict) or not isinstance(table.get("name"), str):
            problems.append(f"{key}: must be a backbone name or a table with a name")
            continue
        name = table["name"]
        if name not in available:
            problems.append(
                f"{key}: unknown backbone {name!r} (available: {', '.join(sorted(available))})"
            )
        overrides = {k: v for k, v in table.items() if k != "name"}
        for unknown in set(overrides) - RUN_KEYS:
            problems.append(
                f"{key}.{unknown}: unknown key (keys: name, {', '.join(sorted(RUN_KEYS))})"
            )
        if not isinstance(overrides.get("backbone_params", {}), dict):
            problems.append(f"{key}.backbone_params: must be a table")
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
        resolved.append(
            {
                "backbone": name,
                **{k: v for k, v in overrides.items() if k in RUN_KEYS},
                "backbone_params": params,
            }
        )
    return resolved


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
    return EvalSettings(samples, tuple(metrics), tuple(prompts), batch)


def _reward_variants(
    entry: dict[str, Any], index: int, matrix: dict[str, Any], host: PluginHost, problems: list[str]
) -> list[dict[str, Any]]:
    """One dict of TrainConfig fields per mode x lambda of a [[matrix.rewards]] entry."""
    key = f"matrix.rewards[{index}]"
    for unknown in set(entry) - REWARD_KEYS:
        problems.append(f"{key}.{unknown}: unknown key (keys: {', '.join(sorted(REWARD_KEYS))})")
    name = entry.get("name")
    if not isinstance(name, str):
        problems.append(f'{key}.name: required, the reward\'s name or "none"')
        return []
    if name == NO_REWARD:
        return [{"reward": None}]
    available = host.components("rewards")
    if name not in available:
        problems.append(
            f"{key}.name: unknown reward {name!r} (available: none, {', '.join(sorted(available))})"
        )
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
    modes = entry.get("modes", [entry["mode"]] if "mode" in entry else matrix.get("modes"))
    if modes is None:
        modes = [reward_cls.default_mode]
    if not isinstance(modes, list) or not all(isinstance(m, str) for m in modes):
        problems.append(f"{key}.modes: must be a list of strings, got {modes!r}")
        modes = []
    methods = {name: c.obj for name, c in host.components("methods").items()}
    for mode in modes:
        if mode not in methods:
            problems.append(
                f"{key}.modes: unknown mode {mode!r} (modes: {', '.join(sorted(methods))})"
            )
        elif methods[mode].needs_differentiable_reward and not reward_cls.differentiable:
            problems.append(f"{key}.modes: reward {name!r} is not differentiable, so not {mode!r}")
    if "lambdas" in entry:
        lambdas = _number_list(entry, "lambdas", problems, key)
    elif "lambda" in entry:
        lambdas = _number_list({"lambda": [entry["lambda"]]}, "lambda", problems, key)
    elif "lambdas" in matrix:
        lambdas = _number_list(matrix, "lambdas", problems, "matrix")
    else:
        lambdas = [reward_cls.default_lambda]
    mode_params = entry.get("mode_params", {})
    if not isinstance(mode_params, dict):
        problems.append(f"{key}.mode_params: must be a table, got {mode_params!r}")
        mode_params = {}
    for mode in modes:
        unknown_options = (
            set(mode_params) - set(methods[mode].options) if mode in methods else set()
        )
        if unknown_options:
            problems.append(
                f"{key}.mode_params: mode {mode!r} has no option "
                f"{', '.join(sorted(unknown_options))} (options: "
                f"{', '.join(sorted(methods[mode].options)) or 'none'})"
            )
    return [
        {
            "reward": name,
            "reward_params": params,
            "mode": mode,
            "reward_weight": lam,
            "mode_params": mode_params,
        }
        for mode in modes
        for lam in lambdas
    ]
