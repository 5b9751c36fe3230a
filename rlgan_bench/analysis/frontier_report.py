"""The frontier report of a results directory: its done protocol cells grouped into frontiers
(one per dataset and feature extractor, N, backbone and reward with its parameters; what a
frontier is: :mod:`rlgan_bench.analysis.frontier`), each with its curves, base and control, their
flags, the budget ranking and the hacked verdict's controls, and the definitions the report
states. Cells trained from scratch (matrices without ``finetune_steps``) have no frontier:
:func:`build` returns None for them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rlgan_bench.analysis.budget import Budget, budget_of, rank_curves
from rlgan_bench.analysis.compute import attach_compute
from rlgan_bench.analysis.definitions import DEFINITIONS
from rlgan_bench.analysis.frontier import Curve, Frontier, Point, SeedValues
from rlgan_bench.analysis.histograms import attach_histograms
from rlgan_bench.analysis.noise_floors import noise_floors
from rlgan_bench.analysis.results import BASE_LABEL, USES_REAL_DATA, CellResult, Results
from rlgan_bench.analysis.seed_values import (
    Diversity,
    against_control,
    control_point,
    seed_values,
)
from rlgan_bench.analysis.stats import Estimate
from rlgan_bench.analysis.verdict_controls import control_points
from rlgan_bench.analysis.verdicts import flag_points
from rlgan_bench.core.config import configuration
from rlgan_bench.core.identity import canonical_json, strength_label
from rlgan_bench.core.params import describe
from rlgan_bench.core.records import ROLE_BASE, ROLE_CONTROL, ROLE_FINETUNE, RewardAudit


@dataclass
class FrontierReport:
    """Every frontier of a results directory, the budget and the definitions."""

    frontiers: list[Frontier]
    budget: Budget
    definitions: dict[str, str] = field(default_factory=lambda: dict(DEFINITIONS))
    #: protocol cells that are on no frontier, with the reason
    skipped: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "budget": self.budget.to_json(),
            "definitions": dict(self.definitions),
            "frontiers": [frontier.to_json() for frontier in self.frontiers],
            "skipped": list(self.skipped),
        }


#: settings that carry a method's strength, and those that follow from the base
_STRENGTH_FIELDS = ("reward_weight", "reward_tilt")
_NOT_CURVE = ("init_from",)


def _curve_settings(cell: CellResult) -> dict[str, Any]:
    """What a cell's curve is named by: its settings without the strength and the seed."""
    protocol = cell.protocol
    settings = {
        k: v
        for k, v in configuration(cell.train).items()
        if k not in _STRENGTH_FIELDS and k not in _NOT_CURVE
    }
    options = dict(settings.get("mode_params") or {})
    if protocol is not None and protocol.strength_name:  # a strength that is an option (N, q)
        options.pop(protocol.strength_name, None)
    settings["mode_params"] = options
    return settings


def _curve_label(method: str, anchor: float, uses_real_data: bool, options: dict[str, Any]) -> str:
    text = describe(method, options)
    if anchor:
        text += f", anchor {anchor:g}"
    if uses_real_data:
        text += f" ({USES_REAL_DATA})"
    return text


def _frontier_key(cell: CellResult, section: RewardAudit) -> tuple[Any, ...]:
    drift = section.drift or {}
    return (
        cell.dataset,
        drift.get("extractor"),
        drift.get("extractor_sha256"),
        section.n,
        section.split,
        section.n_real,
        cell.backbone,
        canonical_json(cell.backbone_params),
        cell.reward,
        canonical_json(cell.reward_params),
    )


def build(results: Results, budget: Budget | None = None) -> FrontierReport | None:
    """The frontiers of ``results``; None when no cell has a protocol (a matrix trained from
    scratch). ``budget``: default the matrix's (:func:`~rlgan_bench.analysis.budget.budget_of`)."""
    done = [cell for cell in results.cells if cell.done and cell.protocol is not None]
    if not any(cell.protocol is not None for cell in results.cells):
        return None
    budget = budget or budget_of(results.matrix)
    bases = {c.id: c for c in done if c.protocol and c.protocol.role == ROLE_BASE}
    controls = [c for c in done if c.protocol and c.protocol.role == ROLE_CONTROL]
    skipped: list[str] = []
    groups: dict[tuple[Any, ...], list[tuple[CellResult, RewardAudit]]] = {}
    for cell in done:
        protocol = cell.protocol
        if protocol is None or protocol.role != ROLE_FINETUNE:
            continue
        section = cell.audit
        if section is None or not section.measured:
            reason = section.reason if section is not None else "no reward_audit section"
            status = section.status if section is not None else "missing"
            skipped.append(f"{cell.id}: reward_audit {status} ({reason})")
            continue
        wanted = protocol.base
        against = (section.baseline or {}).get("cell")
        if wanted and against and against != wanted:
            skipped.append(
                f"{cell.id}: its reward_audit is against {against}, not its base {wanted}"
            )
            continue
        groups.setdefault(_frontier_key(cell, section), []).append((cell, section))
    frontiers = [
        _frontier(members, bases, controls, budget)
        for _, members in sorted(groups.items(), key=lambda kv: canonical_json(kv[0]))
    ]
    frontiers.sort(key=lambda f: (f.dataset, f.backbone_label, f.reward_label, str(f.n)))
    by_id = {cell.id: cell for cell in done}
    for item in frontiers:  # beside the means: what each point cost, its rewards binned
        attach_compute(item, by_id)
        attach_histograms(item, by_id)
    return FrontierReport(frontiers, budget, dict(DEFINITIONS), skipped)


def _frontier(
    members: Sequence[tuple[CellResult, RewardAudit]],
    bases: dict[str, CellResult],
    controls: Sequence[CellResult],
    budget: Budget,
) -> Frontier:
    first, section = members[0]
    target = section.target_class
    entropy = all(Diversity.entropy_known(c, bases) for c, _ in members)
    diversity = Diversity(target, bases, entropy)
    drift = section.drift or {}
    notes: list[str] = []
    base_ids = {c.protocol.base for c, _ in members if c.protocol and c.protocol.base}
    control = control_point(
        controls,
        bases,
        base_ids,
        (drift.get("extractor"), drift.get("extractor_sha256"), section.n),
        notes,
    )
    control_of = {v.base: v for v in control.per_seed} if control is not None else {}
    by_curve: dict[str, list[tuple[CellResult, RewardAudit]]] = {}
    for cell, audit in members:
        by_curve.setdefault(canonical_json(_curve_settings(cell)), []).append((cell, audit))
    every_seed: list[SeedValues] = []
    curves = []
    for _, cells in sorted(by_curve.items()):
        protocol = cells[0][0].protocol
        assert protocol is not None
        options = dict(_curve_settings(cells[0][0])["mode_params"])
        curve = Curve(
            method=protocol.method or cells[0][0].mode or "?",
            anchor=float(protocol.anchor or 0.0),
            strength_name=protocol.strength_name,
            uses_real_data=protocol.uses_real_data,
            trains=protocol.trains,
            options=options,
            label=_curve_label(
                protocol.method or "?", protocol.anchor, protocol.uses_real_data, options
            ),
        )
        by_strength: dict[float | None, list[SeedValues]] = {}
        for cell, audit in cells:
            strength = cell.protocol.strength if cell.protocol else None
            value = seed_values(cell, audit, diversity)
            against_control(value, control_of.get(value.base))
            every_seed.append(value)
            by_strength.setdefault(strength, []).append(value)
        ordered = sorted(by_strength.items(), key=lambda kv: (kv[0] is None, kv[0] or 0.0))
        curve.points = [
            Point.of_seeds(strength_label(protocol.strength_name, s), ROLE_FINETUNE, s, values)
            for s, values in ordered
        ]
        curves.append(curve)
    _distinct_labels(curves)
    floors = noise_floors(members, diversity)
    n_bases = len(floors.bases)
    zero = Estimate.fixed(0.0, n_bases)
    base = Point(
        BASE_LABEL,
        ROLE_BASE,
        None,
        sorted(base_ids),
        sorted({c.seed for c, _ in members}),
        fid_cost=zero,
        precision_drop=zero,
        verified=zero,
        claimed=zero,
        gap=zero,
        diversity=Estimate.fixed(1.0, n_bases),
        recall_drop=zero,
    )
    if control is not None:
        # against the control, the control is at 0 and the base at minus its costs
        for name in ("fid_cost", "precision_drop", "recall_drop"):
            measured = control.measure(name)
            if measured is not None:
                setattr(control, f"{name}_vs_control", Estimate.fixed(0.0, measured.n))
                setattr(base, f"{name}_vs_control", Estimate.of([-v for v in measured.values]))
        # the control's own gains against the base, read off any point of the same base
        # (its gain against the base minus its gain against the control, same latents)
        for name in ("verified", "claimed"):
            of_base: dict[str | None, float] = {}
            for value in every_seed:
                mine, theirs = getattr(value, name), getattr(value, f"{name}_vs_control")
                if mine is not None and theirs is not None:
                    of_base.setdefault(value.base, mine - theirs)
            if of_base:
                gains = list(of_base.values())
                setattr(control, name, Estimate.of(gains))
                setattr(control, f"{name}_vs_control", Estimate.fixed(0.0, len(gains)))
                setattr(base, f"{name}_vs_control", Estimate.of([-g for g in gains]))
    # the base is the first point of every curve: gains 0 at strength 0 (N = 1)
    for curve in curves:
        flag_points(curve, floors, base)
    rank_curves(curves, budget, against_control=control is not None)
    return Frontier(
        dataset=first.dataset,
        extractor=drift.get("extractor"),
        extractor_sha256=drift.get("extractor_sha256"),
        n=section.n,
        backbone=first.backbone,
        backbone_label=describe(first.backbone, first.backbone_params),
        reward=first.reward,
        reward_params=first.reward_params,
        reward_label=describe(first.reward, first.reward_params),
        audit=section.verified.audit if section.verified else None,
        target_class=target,
        base=base,
        floors=floors,
        budget=budget,
        curves=curves,
        control=control,
        controls=control_points(every_seed, section.n),
        notes=notes,
    )


def _distinct_labels(curves: list[Curve]) -> None:
    """Curves that differ in a setting the label does not show get a number."""
    seen: dict[str, int] = {}
    for curve in curves:
        seen[curve.label] = seen.get(curve.label, 0) + 1
    counts: dict[str, int] = {}
    for curve in curves:
        if seen[curve.label] > 1:
            counts[curve.label] = counts.get(curve.label, 0) + 1
            curve.label += f" [settings {counts[curve.label]}]"


__all__ = ["FrontierReport", "build"]
