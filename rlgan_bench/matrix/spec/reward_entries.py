"""``[[matrix.rewards]]``: each reward entry as the variants of a cell it asks for, one per
method x strength (x anchor in the base protocol), each checked against the reward and the
method it names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rlgan_bench.core.errors import ConfigError
from rlgan_bench.core.identity import NO_REWARD
from rlgan_bench.core.method import RANGES
from rlgan_bench.host import PluginHost
from rlgan_bench.matrix.spec.dialect import translated
from rlgan_bench.matrix.spec.keys import OLD_REWARD_KEYS, REWARD_KEYS, listed
from rlgan_bench.matrix.spec.problems import Problems, number_list, unknown_component


@dataclass(frozen=True)
class Variant:
    """What one reward entry sets in a cell: one method at one strength (or no reward)."""

    #: the entry's TOML key, ``matrix.rewards[2]``, to name it in problems
    key: str
    #: the TrainConfig fields it sets: the reward, its params, the method, its strength
    fields: dict[str, Any]
    #: in a base-protocol matrix the cell's Protocol fields (method, strength, anchor, ...)
    protocol: dict[str, Any] | None = None

    @property
    def has_reward(self) -> bool:
        return self.fields["reward"] is not None


def reward_variants(
    entry: dict[str, Any],
    index: int,
    matrix: dict[str, Any],
    host: PluginHost,
    problems: Problems,
    protocol: bool = False,
) -> list[Variant]:
    """One variant per method x strength of a [[matrix.rewards]] entry; in the base protocol
    per (method, strength, anchor), with the cell's ``protocol`` fields."""
    key = f"matrix.rewards[{index}]"
    for unknown in sorted(set(entry) - REWARD_KEYS):
        problems.add(f"{key}.{unknown}", f"unknown key (keys: {listed(REWARD_KEYS)})")
    name = entry.get("name")
    if not isinstance(name, str):
        problems.add(f"{key}.name", 'required, the reward\'s name or "none"')
        return []
    if name == NO_REWARD:
        return [Variant(key, {"reward": None})]
    available = host.components("rewards")
    if name not in available:
        problems.add(f"{key}.name", unknown_component("reward", name, host, also=NO_REWARD))
        return []
    reward_cls = available[name].obj
    params = entry.get("params", {})
    if not isinstance(params, dict):
        problems.add(f"{key}.params", f"must be a table, got {params!r}")
        params = {}
    try:
        reward_cls(**params)  # checks names and types of the parameters
    except ConfigError as exc:
        problems.add(f"{key}.params", str(exc))
    methods = {method: c.obj for method, c in host.components("methods").items()}
    if not protocol:
        for only in ("anchor", "anchors"):
            if only in entry:
                problems.add(
                    f"{key}.{only}",
                    "needs [matrix] finetune_steps (an anchor pulls toward a base; "
                    "docs/protocol.md)",
                )
    sweep = _sweep(entry, key, matrix, reward_cls, host, problems, protocol)
    mode_params = entry.get("mode_params", {})  # written method_params (dialect.current_names)
    if not isinstance(mode_params, dict):
        problems.add(f"{key}.method_params", f"must be a table, got {mode_params!r}")
        mode_params = {}
    for mode in dict.fromkeys(mode for mode, _ in sweep):
        _check_options(methods[mode], mode, mode_params, key, problems, protocol)

    def cell_fields(mode: str, strength: float) -> dict[str, Any]:
        """The cell's fields: the reward, the method, and its strength's settings."""
        settings = methods[mode].strength_settings(strength)
        if not protocol:
            # from scratch: the seed's algorithm, the reward term of weight λ from the
            # reward's own reward_start, and nothing else acting (no tilt)
            settings.pop("reward_start", None)
        return {
            "reward": name,
            "reward_params": params,
            "mode": mode,
            **settings,
            "mode_params": {**mode_params, **settings.get("mode_params", {})},
        }

    if not protocol:
        return [Variant(key, cell_fields(mode, lam)) for mode, lam in sweep]
    anchors = _anchors(entry, key, problems)
    variants: list[Variant] = []
    for mode, strength in sweep:
        method = methods[mode]
        for anchor in anchors:
            link: dict[str, Any] = {
                "method": mode,
                "strength": strength,
                "strength_name": method.strength_name,
                "anchor": anchor,
                "uses_real_data": bool(method.uses_real_data),
                "trains": bool(method.trains),
            }
            variants.append(
                Variant(key, {**cell_fields(mode, strength), "reward_anchor": anchor}, link)
            )
    return variants


def _sweep(
    entry: dict[str, Any],
    key: str,
    matrix: dict[str, Any],
    reward_cls: Any,
    host: PluginHost,
    problems: Problems,
    protocol: bool,
) -> list[tuple[str, float]]:
    """The (method, strength) pairs of a reward entry, ``methods = { backprop = [0.3, 1] }``;
    without ``methods`` its 0.1 dialect, ``modes`` x ``lambdas``, translated
    (:func:`dialect.translated`). From scratch (no ``finetune_steps``) every cell trains with
    the reward term of weight λ, so only methods whose strength is λ apply."""
    methods = {name: c.obj for name, c in host.components("methods").items()}
    if "methods" in entry:
        if any(k in entry for k in OLD_REWARD_KEYS):
            problems.add(key, "give methods, or modes and lambdas, not both")
        table, at = entry["methods"], f"{key}.methods"
    else:
        table, at = translated(entry, key, matrix, reward_cls, problems), f"{key}.modes"
        if table is None:
            return []  # its problems are reported
    if not isinstance(table, dict) or not table:
        problems.add(f"{key}.methods", f"must be a table of method = [strengths], got {table!r}")
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
            problems.add(
                where,
                f"{mode!r}'s strength is {method.strength_name}, not lambda; give it as "
                f"methods = {{ {mode} = [...] }} with finetune_steps (a matrix without it "
                f"trains every cell from scratch with the reward term of weight lambda)",
            )
            continue
        values = given if isinstance(given, list) else [given]
        strengths = number_list({mode: values}, mode, problems, f"{key}.methods")
        whole = isinstance(method.strength_option(1.5), int)  # an int option
        if whole and not all(v >= 1 and float(v).is_integer() for v in strengths):
            problems.add(
                f"{key}.methods.{mode}",
                f"{method.strength_name} must be whole numbers >= 1, got {given!r}",
            )
            continue
        wanted = method.option_ranges.get(method.strength_name)
        if wanted is not None and not all(RANGES[wanted](v) for v in strengths):
            problems.add(
                f"{key}.methods.{mode}", f"{method.strength_name} must be {wanted}, got {given!r}"
            )
            continue
        pairs += [(mode, v) for v in strengths]
    return pairs


def _check_options(
    method: Any,
    mode: str,
    mode_params: dict[str, Any],
    key: str,
    problems: Problems,
    protocol: bool,
) -> None:
    """The entry's ``method_params`` are options of ``method``; in the base protocol not the
    option that is its strength (the entry's ``methods`` table sweeps that)."""
    strength_option = method.strength_setting() == "option" and protocol
    allowed = set(method.options) - ({method.strength_name} if strength_option else set())
    unknown_options = set(mode_params) - allowed
    if unknown_options:
        problems.add(
            f"{key}.method_params",
            f"method {mode!r} has no option {', '.join(sorted(unknown_options))} "
            f"(options: {', '.join(sorted(allowed)) or 'none'})",
        )


def _applicable(mode: str, reward_cls: Any, host: PluginHost, key: str, problems: Problems) -> bool:
    methods = host.components("methods")
    if mode not in methods:
        problems.add(key, unknown_component("method", mode, host))
        return False
    reason = methods[mode].obj.not_applicable(reward_cls)
    if reason:
        problems.add(key, reason)
        return False
    return True


def _anchors(entry: dict[str, Any], key: str, problems: Problems) -> list[float]:
    """The KL-anchor weights toward the base (reward_anchor): one curve per anchor."""
    if "anchors" in entry:
        return number_list(entry, "anchors", problems, key)
    if "anchor" in entry:
        return number_list({"anchor": [entry["anchor"]]}, "anchor", problems, key)
    return [0.0]
