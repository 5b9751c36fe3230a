"""The 0.1 dialect of a matrix file, read with a deprecation warning that shows what to write
instead: ``mode_params`` (now ``method_params``) and a reward entry's ``modes`` x ``lambdas``
(now ``methods = { backprop = [0.3, 1] }``)."""

from __future__ import annotations

from typing import Any

from rlgan_bench.core import deprecations
from rlgan_bench.matrix.spec.keys import OLD_REWARD_KEYS
from rlgan_bench.matrix.spec.problems import Problems, is_non_negative, number_list, sub_table


def current_names(raw: dict[str, Any], problems: Problems) -> dict[str, Any]:
    """``raw`` with each option table under its stored name: ``method_params`` in [run], a
    backbone table or a reward entry becomes ``mode_params`` (the field's name), and a
    ``mode_params`` written there (its 0.1 name) is read with a deprecation warning. A tilt of
    the critic's real data set for every cell (``reward_tilt`` > 0 in [run] or a backbone
    table) is refused: only the method reward-weighted tilts, at its strengths.

    ``raw`` is edited in place: give a copy."""
    matrix = sub_table(raw, "matrix")
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
                problems.add(old, "the old name of method_params; give method_params only")
        elif "method_params" in table:
            table["mode_params"] = table.pop("method_params")
        tilt = table.get("reward_tilt", 0) if not where.startswith("matrix.rewards") else 0
        if is_non_negative(tilt) and tilt > 0:
            problems.add(
                f"{where}.reward_tilt",
                f"{tilt:g} would resample the critic's real data by the reward in every "
                f"reward cell, under other methods' names; the tilt is the strength of the "
                f"method reward-weighted: give methods = {{ reward-weighted = [{tilt:g}] }} in "
                f"a reward entry (with [matrix] finetune_steps) and remove reward_tilt",
            )
    return raw


def translated(
    entry: dict[str, Any],
    key: str,
    matrix: dict[str, Any],
    reward_cls: Any,
    problems: Problems,
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
        problems.add(f"{key}.modes", f"must be a list of strings, got {modes!r}")
        return None
    if "lambdas" in entry:
        lambdas = number_list(entry, "lambdas", problems, key)
    elif "lambda" in entry:
        lambdas = number_list({"lambda": [entry["lambda"]]}, "lambda", problems, key)
    elif "lambdas" in matrix:
        lambdas = number_list(matrix, "lambdas", problems, "matrix")
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
