"""What a cell checks when it starts, checked for every cell of a matrix before anything
trains, by the same code: its settings as a whole, its reward's checks of its parameters, its
method's of its options, and ``keep_best = "audit"`` against the audits that apply."""

from __future__ import annotations

import json
from typing import Any

from rlgan_bench.core.errors import ConfigError
from rlgan_bench.core.identity import canonical_json
from rlgan_bench.evaluation.audit_lookup import applicable
from rlgan_bench.host import PluginHost
from rlgan_bench.matrix.cell import Cell
from rlgan_bench.matrix.spec.expansion import Origin
from rlgan_bench.matrix.spec.problems import Problems, sub_table


def check_cells(
    cells: list[tuple[Cell, Origin]], run: dict[str, Any], host: PluginHost, problems: Problems
) -> None:
    """Each cell's settings, then (when they are all valid) its components; ``run``: [run]'s
    keys, to name the table a refused option came from."""
    if problems:  # a cell of a matrix with problems would repeat them
        return
    for cell, _ in cells:
        try:
            cell.train.validate()
        except ConfigError as exc:
            problems.add(f"cell {cell.id}", str(exc))
    if not problems:
        _check_components(cells, run, host, problems)


def _check_components(
    cells: list[tuple[Cell, Origin]], run: dict[str, Any], host: PluginHost, problems: Problems
) -> None:
    """What the trainer checks when a reward cell starts, checked for each cell now, by the
    same code: the reward's own checks of its parameters (``Reward.setup``, on the CPU), the
    method's of its options (the method constructed with the cell's merged ``mode_params``),
    and ``keep_best = "audit"`` against the audits that apply. A problem names the TOML key
    that set the value. Cells these checks cannot tell apart (another seed, another λ) are
    checked once."""
    seen: set[str] = set()
    setups: dict[str, str | None] = {}
    for cell, origin in cells:
        t = cell.train
        if not t.reward:
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
    origin: Origin,
    run: dict[str, Any],
    host: PluginHost,
    setups: dict[str, str | None],
) -> list[str]:
    """One reward cell's problems; ``setups``: each reward setup's error (None: none), so
    that a reward is set up once for all the cells that share it."""
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
    origin: Origin,
    run: dict[str, Any],
    cell: str,
    exc: ConfigError,
) -> str:
    """The key of the ``mode_params`` table whose options the method refuses: [run]'s, the
    backbone table's or the reward entry's, each tried alone in the order they merge."""
    for where, given in (
        ("run", sub_table(run, "mode_params")),
        (origin.backbone, sub_table(origin.backbone_keys, "mode_params")),
        (origin.entry or cell, sub_table(origin.entry_fields, "mode_params")),
    ):
        if not given:
            continue
        try:
            mode_cls(reward, provider, **given)
        except ConfigError as alone:
            return f"{where}.method_params: {alone}"
    return f"{cell}: {exc}"
