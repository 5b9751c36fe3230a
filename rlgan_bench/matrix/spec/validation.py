"""A parsed matrix file (and the command line's overrides) checked, table by table, into a
:class:`MatrixSpec`: what the expansion into cells needs, every problem found reported into
one :class:`Problems` rather than stopping at the first."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.core.identity import NO_REWARD
from rlgan_bench.host import PluginHost
from rlgan_bench.matrix.cell import EvalSettings
from rlgan_bench.matrix.spec.backbone_entries import (
    BackboneEntry,
    backbone_entries,
    check_dataset,
)
from rlgan_bench.matrix.spec.dialect import current_names
from rlgan_bench.matrix.spec.eval_table import eval_settings
from rlgan_bench.matrix.spec.keys import (
    BUDGET_KEYS,
    EVAL_KEYS,
    MATRIX_KEYS,
    RUN_KEYS,
    SECTIONS,
    listed,
)
from rlgan_bench.matrix.spec.problems import Problems, is_non_negative, positive_int
from rlgan_bench.matrix.spec.reward_entries import Variant, reward_variants

#: the command-line options of ``rlgan-bench run`` that replace a matrix's keys
OVERRIDE_FLAGS = {"steps": "--steps", "seeds": "--seeds"}


@dataclass(frozen=True)
class MatrixSpec:
    """A matrix file as its cells will be built from it."""

    #: [run]'s keys (with the command line's --steps), the settings every cell starts from
    run: dict[str, Any]
    #: the command line's overrides, which beat the backbone tables too
    run_overrides: dict[str, Any]
    eval: EvalSettings
    backbones: list[BackboneEntry]
    seeds: list[int]
    #: every reward entry's variants, in the file's order
    variants: list[Variant]
    #: the base protocol's fine-tuning steps; None: every cell trains from scratch
    finetune_steps: int | None
    #: whether each base also has a control (the base trained on without a reward)
    control: bool


def validate(
    raw: dict[str, Any], host: PluginHost, overrides: dict[str, Any], problems: Problems
) -> MatrixSpec:
    """``raw`` (a parsed TOML matrix, not modified) checked into a spec; a wrong value is
    reported into ``problems`` and left out, so that the rest is checked too."""
    raw = current_names(json.loads(json.dumps(raw)), problems)  # a deep copy it may edit
    overrides = _checked_overrides(overrides, problems)
    for section in sorted(set(raw) - set(SECTIONS)):
        problems.add(f"[{section}]", f"unknown section (sections: {', '.join(SECTIONS)})")
    run = dict(raw.get("run", {}))
    evaluation = dict(raw.get("eval", {}))
    matrix = dict(raw.get("matrix", {}))
    for key, value in overrides.items():
        if key == "seeds":
            matrix["seeds"] = value
        else:
            run[key] = value

    for key in sorted(set(run) - RUN_KEYS):
        problems.add(f"run.{key}", f"unknown key (keys: {listed(RUN_KEYS)})")
    for key in sorted(set(evaluation) - EVAL_KEYS):
        problems.add(f"eval.{key}", f"unknown key (keys: {', '.join(sorted(EVAL_KEYS))})")
    for key in sorted(set(matrix) - MATRIX_KEYS):
        problems.add(f"matrix.{key}", f"unknown key (keys: {', '.join(sorted(MATRIX_KEYS))})")

    base = {k: v for k, v in run.items() if k in RUN_KEYS}
    # command-line overrides beat the backbone tables; mode options merge [run] < backbone < reward
    run_overrides = {k: v for k, v in overrides.items() if k != "seeds"}
    try:
        TrainConfig.from_dict(base).validate()
        run_valid = True
    except (ConfigError, TypeError) as exc:
        problems.add("run", str(exc))
        run_valid = False
    check_dataset(base, "run", host, problems, root=False)  # the root: for each backbone

    settings = eval_settings(evaluation, host, problems)
    backbones = backbone_entries(matrix, host, problems, base, run_overrides if run_valid else None)
    seeds = matrix.get("seeds", [0])
    if not isinstance(seeds, list) or not all(isinstance(s, int) and s >= 0 for s in seeds):
        problems.add("matrix.seeds", f"must be a list of non-negative integers, got {seeds!r}")
        seeds = []
    rewards = matrix.get("rewards", [{"name": NO_REWARD}])
    if not isinstance(rewards, list) or not all(isinstance(r, dict) for r in rewards):
        problems.add("matrix.rewards", "must be an array of tables ([[matrix.rewards]])")
        rewards = []
    finetune_steps = positive_int(matrix, "finetune_steps", problems)
    protocol = finetune_steps is not None
    control = matrix.get("control", False)
    if not isinstance(control, bool):
        problems.add("matrix.control", f"must be true or false, got {control!r}")
    elif control and not protocol:
        problems.add("matrix.control", "needs finetune_steps (a control continues a base)")
    _check_budget(matrix, problems)
    variants = [
        variant
        for index, entry in enumerate(rewards)
        for variant in reward_variants(entry, index, matrix, host, problems, protocol)
    ]
    return MatrixSpec(
        base, run_overrides, settings, backbones, seeds, variants, finetune_steps, control is True
    )


def _checked_overrides(overrides: dict[str, Any], problems: Problems) -> dict[str, Any]:
    """The command-line overrides that are valid; each other one is reported by its flag
    (it is the command line, not the file, that has it wrong) and left out."""
    valid = dict(overrides)
    if "steps" in valid:
        try:
            TrainConfig(steps=valid["steps"]).validate(names=OVERRIDE_FLAGS)
        except ConfigError as exc:
            problems.add_line(str(exc))
            del valid["steps"]
    if "seeds" in valid and not _is_seed_list(valid["seeds"]):
        problems.add_line(f"--seeds must be non-negative integers, got {valid.pop('seeds')!r}")
    for key in sorted(set(valid) - set(OVERRIDE_FLAGS)):
        problems.add_line(f"unknown override {key!r} (overrides: {', '.join(OVERRIDE_FLAGS)})")
        del valid[key]
    return valid


def _is_seed_list(seeds: Any) -> bool:
    return isinstance(seeds, list) and all(
        isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds
    )


def _check_budget(matrix: dict[str, Any], problems: Problems) -> None:
    """``budget = { fid_cost = 10, precision_drop = 0.1 }``: the fidelity cost within which
    the report ranks methods (docs/protocol.md)."""
    budget = matrix.get("budget", {})
    if not isinstance(budget, dict):
        problems.add("matrix.budget", f"must be a table, got {budget!r}")
        return
    for key in sorted(set(budget) - set(BUDGET_KEYS)):
        problems.add(f"matrix.budget.{key}", f"unknown key (keys: {', '.join(BUDGET_KEYS)})")
    for key in sorted(set(budget) & set(BUDGET_KEYS)):
        value = budget[key]
        if not is_non_negative(value):
            problems.add(f"matrix.budget.{key}", f"must be a finite number >= 0, got {value!r}")
