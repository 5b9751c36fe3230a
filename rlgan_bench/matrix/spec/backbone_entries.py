"""``matrix.backbones``: each backbone of a matrix with the [run] keys its table sets for its
cells only, checked as its cells will use them (its hyperparameters typed by the backbone
itself, its dataset registered, its ``init_from`` loadable)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rlgan_bench.core.backbone import ModelShape
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.errors import ConfigError, RlganError
from rlgan_bench.host import PluginHost
from rlgan_bench.matrix.spec.keys import RUN_KEYS, listed
from rlgan_bench.matrix.spec.problems import (
    Problems,
    positive_int,
    sub_table,
    unknown_component,
)
from rlgan_bench.training import init_from


@dataclass(frozen=True)
class BackboneEntry:
    """One entry of ``matrix.backbones``."""

    #: its TOML key, ``matrix.backbones[1]``, to name it in problems
    key: str
    #: the TrainConfig fields it sets over [run]'s: ``backbone``, the table's [run] keys and
    #: its ``backbone_params`` ([run]'s merged with the table's, typed by the backbone)
    fields: dict[str, Any]
    #: its own [matrix] finetune_steps; None: the matrix's
    finetune_steps: int | None = None


def backbone_entries(
    matrix: dict[str, Any],
    host: PluginHost,
    problems: Problems,
    run: dict[str, Any],
    run_overrides: dict[str, Any] | None,
) -> list[BackboneEntry]:
    """``backbones = ["dcgan", {name = "wgan-gp", steps = 200}]``: a name, or a table with a
    name and [run] keys that apply to that backbone only. ``run_overrides``: the command
    line's, which beat the tables; None when [run] itself is invalid (its problems are
    reported once, not again for each table)."""
    entries = matrix.get("backbones", ["dcgan"])
    if not isinstance(entries, list) or not entries:
        problems.add("matrix.backbones", f"must be a non-empty list, got {entries!r}")
        return []
    available = host.components("backbones")
    datasets = host.components("datasets")
    resolved: list[BackboneEntry] = []
    for index, entry in enumerate(entries):
        key = f"matrix.backbones[{index}]"
        table = {"name": entry} if isinstance(entry, str) else entry
        if not isinstance(table, dict) or not isinstance(table.get("name"), str):
            problems.add(key, "must be a backbone name or a table with a name")
            continue
        name = table["name"]
        if name not in available:
            problems.add(key, unknown_component("backbone", name, host))
        overrides = {k: v for k, v in table.items() if k != "name"}
        for unknown in sorted(set(overrides) - RUN_KEYS - {"finetune_steps"}):
            problems.add(f"{key}.{unknown}", f"unknown key (keys: name, {listed(RUN_KEYS)})")
        if not isinstance(overrides.get("backbone_params", {}), dict):
            problems.add(f"{key}.backbone_params", "must be a table")
        run_keys = {k: v for k, v in overrides.items() if k in RUN_KEYS - {"backbone_params"}}
        if run_keys and run_overrides is not None:  # the table's keys over [run]'s
            try:
                TrainConfig.from_dict({**run, **run_keys, **run_overrides}).validate()
            except (ConfigError, TypeError) as exc:
                problems.add(key, str(exc))
        # the table's dataset, and the folder each backbone's cells need (run's is checked once)
        if "dataset" in run_keys or run.get("dataset", TrainConfig.dataset) in datasets:
            where = key if "dataset" in run_keys or "data_root" in run_keys else "run"
            check_dataset({**run, **run_keys}, where, host, problems)
        params = _typed_params(key, name, run, overrides, host, problems)
        base_path = overrides.get("init_from", run.get("init_from"))
        if name in available and isinstance(base_path, str) and base_path.strip():
            where = f"{key}.init_from" if "init_from" in overrides else "run.init_from"
            shape = _shape_of(run, overrides, host)
            _check_base(base_path, name, params, shape, host, where, problems)
        resolved.append(
            BackboneEntry(
                key,
                {
                    "backbone": name,
                    **{k: v for k, v in overrides.items() if k in RUN_KEYS},
                    "backbone_params": params,
                },
                positive_int(table, "finetune_steps", problems, key),
            )
        )
    return resolved


def _typed_params(
    key: str,
    name: str,
    run: dict[str, Any],
    overrides: dict[str, Any],
    host: PluginHost,
    problems: Problems,
) -> dict[str, Any]:
    """[run]'s hyperparameters, then the table's; typed here as the trainer types them, so
    that `betas = [0, 0.9]` and `[0.0, 0.9]` are one cell with one digest."""
    params = {**sub_table(run, "backbone_params"), **sub_table(overrides, "backbone_params")}
    if name not in host.components("backbones") or not params:
        return params
    try:  # a backbone only reads its hyperparameters here: no network is built
        backbone = host.get("backbones", name).obj(_shape_of(run, overrides, host))
    except Exception as exc:  # a plugin's constructor: reported, not a traceback
        first = (str(exc).strip().splitlines() or [""])[0]
        problems.add(
            key,
            f"backbone {name!r} cannot be constructed ({type(exc).__name__}: {first}); fix or "
            f"disable its plugin",
        )
        return params
    # [run]'s values alone first, so that an error names the key it came from
    for where, given in (("run", sub_table(run, "backbone_params")), (key, params)):
        try:
            typed = backbone.configure(given)
        except ConfigError as exc:
            problems.add(f"{where}.backbone_params", str(exc))
            return params
    return {k: typed[k] for k in params}


def check_dataset(
    keys: dict[str, Any], where: str, host: PluginHost, problems: Problems, root: bool = True
) -> None:
    """The dataset of ``keys`` ([run]'s, or [run]'s with a backbone table's over them, reported
    at ``where``) is registered and, with ``root``, has the folder it needs
    (:attr:`DatasetSpec.needs_root`; whether the folder exists is checked when the data is
    loaded: a matrix may be planned on a machine without it)."""
    dataset = keys.get("dataset", TrainConfig.dataset)
    available = host.components("datasets")
    if dataset not in available:
        problems.add(f"{where}.dataset", unknown_component("dataset", dataset, host))
    elif root and available[dataset].obj.needs_root and not keys.get("data_root"):
        problems.add(
            f"{where}.data_root",
            f"required for dataset {dataset!r}, the folder that holds its files (nothing is "
            f"downloaded)",
        )


def _shape_of(run: dict[str, Any], overrides: dict[str, Any], host: PluginHost) -> ModelShape:
    """The model shape a backbone's cells will have, or the default shape when these keys are
    invalid (their validation reports them)."""
    keys = {**TrainConfig().to_dict(), **run, **overrides}
    try:
        channels = keys["channels"] or host.get("datasets", keys["dataset"]).obj.channels
        return ModelShape(keys["image_size"], channels, keys["latent_dim"], keys["width"])
    except (TypeError, ValueError, RlganError):
        return ModelShape()


def _check_base(
    given: str,
    name: str,
    params: dict[str, Any],
    shape: ModelShape,
    host: PluginHost,
    where: str,
    problems: Problems,
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
        problems.add(where, str(exc).removeprefix(f"init_from {given!r}: "))
    except Exception:  # a plugin's constructor: its own check reports it
        return
