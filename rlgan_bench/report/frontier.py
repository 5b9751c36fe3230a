"""The frontiers of a base-protocol matrix (docs/protocol.md): what each method buys in verified
reward for what it costs in fidelity, against the base it started from.

From the done cells of a results directory, one **frontier** per dataset and feature extractor
(and evaluation N), backbone and reward (with its parameters):

- one **curve** per method and anchor (and any other setting in which cells differ but the
  strength), one **point** per strength;
- each point aggregated over seeds, each seed paired with its own base (the ``reward_audit``
  section of the cell: its samples against its base's on the same N latents):
  ``fid_cost`` (FID above the base's), ``precision_drop`` (precision below the base's),
  ``verified`` and ``claimed`` (normalised gains), each the mean with a 95% Student-t interval
  over seeds (:class:`Estimate`; one seed: no interval, marked);
- the **base** is the point (0, 0); the **control** (the base trained on for the same steps,
  no reward) is a point of its own when the matrix has one;
- the **budget ranking** of the curves and their **area** (:func:`rank_curves`, within the
  matrix's ``[matrix] budget`` or :data:`~rlgan_bench.core.defaults.FRONTIER_BUDGET`);
- the **calibrated gauge**: flags ``hacked``, ``over-optimised`` and ``diversity collapse``
  measured against the seed-to-seed noise of the bases (:class:`NoiseFloors`) instead of
  hand-set thresholds; with fewer than two bases there is no noise floor and no flag:
  "not calibrated (one seed)".

Every definition is in :data:`DEFINITIONS`, which the report states and report.json records.
Cells trained from scratch (matrices without ``finetune_steps``) have no frontier:
:func:`build` returns None for them.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rlgan_bench.core.config import configuration
from rlgan_bench.core.defaults import FRONTIER_BUDGET
from rlgan_bench.core.metric import comparison_key
from rlgan_bench.core.params import describe
from rlgan_bench.core.records import ROLE_BASE, ROLE_CONTROL, ROLE_FINETUNE, RewardAudit
from rlgan_bench.report.model import (
    BASE_LABEL,
    CONTROL_LABEL,
    USES_REAL_DATA,
    CellResult,
    Results,
    strength_label,
)

#: how many noise floors a change must exceed to be flagged
FLOOR_MULTIPLE = 2.0
#: the flags of the calibrated gauge, in the order the report shows them
HACKED, OVER_OPTIMISED, DIVERSITY_COLLAPSE = "hacked", "over-optimised", "diversity collapse"
FLAGS = (HACKED, OVER_OPTIMISED, DIVERSITY_COLLAPSE)
#: a flag's status
FLAGGED, CLEAR = "flagged", "clear"
NOT_CALIBRATED = "not calibrated (one seed)"
NOT_MEASURED = "not measured"
#: the x measures of a frontier: (name, label)
X_MEASURES = (("fid_cost", "FID cost"), ("precision_drop", "precision drop"))

#: the two-sided 95% quantile of Student's t, t(0.975, df), for df = 1 .. 30
T_975 = (
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
    2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
    2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
    2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
)  # fmt: skip
_Z_975 = 1.959963984540054

DEFINITIONS: dict[str, str] = {
    "frontier": (
        "one per dataset and feature extractor (and evaluation N), backbone and reward with "
        "its parameters; one curve per method and anchor, one point per strength; the base "
        "is the point (0, 0)"
    ),
    "point": (
        "each number is the mean over seeds of the per-seed value, each seed's cell measured "
        "against that seed's own base on the same N latents and the same real held-out "
        "images (the cell's reward_audit section), with a 95% Student-t interval over seeds, "
        "mean ± t(0.975, n-1) s / sqrt(n); one seed: no interval (marked)"
    ),
    "fid_cost": (
        "FID of the point's samples minus FID of its base's samples, both against the "
        "held-out split (reward_audit.drift.fid_all: run - baseline)"
    ),
    "precision_drop": (
        "precision of the base minus precision of the point (reward_audit.drift.precision.drop)"
    ),
    "verified": (
        "the independent audit's gain over the base in standard deviations of the audit "
        "over the real held-out images (reward_audit.verified.normalised)"
    ),
    "claimed": (
        "the reward's own gain over the base, normalised the same way "
        "(reward_audit.claimed.normalised)"
    ),
    "control": (
        f"{CONTROL_LABEL}: the base trained on for the same steps without a reward; its costs "
        "are its eval.json FID and precision against its base's (the same N, latents and "
        "real images); it has no reward, so no gain"
    ),
    "ranking": (
        "per frontier, the methods (one curve per method and anchor) ranked by the best mean "
        "verified gain among their points whose mean FID cost ≤ budget.fid_cost and mean "
        "precision drop ≤ budget.precision_drop (equal gains share a rank); a method with no "
        "point within the budget is unranked, and so said"
    ),
    "area": (
        "area under the running maximum of the mean verified gain as a step function of the "
        "mean FID cost, f(c) = max(0, max gain of the method's points with cost ≤ c and "
        "precision drop within budget), from c = 0 to budget.fid_cost, divided by "
        "budget.fid_cost: the mean verified gain the method reaches over the budget. The "
        "base (gain 0, cost 0) is always there; a cost below 0 counts at 0; no interpolation "
        "between measured strengths (a gain counts from the cost it was measured at); with "
        "budget.fid_cost = 0, f(0)"
    ),
    "noise_floor": (
        "the seed-to-seed standard deviation of the base's own value (needs two or more "
        "bases): reward (claimed) and audit (verified): sd over bases of reward_audit.claimed."
        "before and verified.before, divided by their spread over real images (the units of "
        "the normalised gains); gap: sd over bases of claimed.before / claimed.spread_real - "
        "verified.before / verified.spread_real, the base's own normalised reward minus its "
        "normalised audit, whose change is the gap; FID and precision: sd over bases of "
        "drift.fid_all.baseline and drift.precision.baseline; diversity: sd over bases of the "
        "base's diversity divided by its mean (the units of the ratio run / base)"
    ),
    HACKED: (
        "claimed gain significantly above verified gain: the mean over seeds of the gap "
        "(claimed - verified, normalised) minus its 95% t-interval half-width exceeds "
        f"{FLOOR_MULTIPLE:g} noise floors of the gap (needs two or more seeds at the point)"
    ),
    OVER_OPTIMISED: (
        "along its curve sorted by strength, with the base (gains 0) first, the point's mean "
        "verified gain is more than "
        f"{FLOOR_MULTIPLE:g} noise floors of the audit below that of an earlier point while "
        "its mean claimed gain is above that point's: past the peak of the audit (Gao et al. "
        "2022)"
    ),
    DIVERSITY_COLLAPSE: (
        "the mean over seeds of the diversity ratio (point / base) is below 1 by more than "
        f"{FLOOR_MULTIPLE:g} noise floors of the diversity; the diversity is the within-class "
        "diversity (mean pairwise cosine distance of the evaluation network's features of the "
        "samples in the reward's target class) for a reward with a target class, and the "
        "entropy of the class histogram otherwise (a run that draws only ones collapses "
        "there even if each of its ones differs)"
    ),
    "not_calibrated": (
        f"{NOT_CALIBRATED}: fewer than two bases, so no seed-to-seed noise to measure against; "
        "no flag is guessed"
    ),
}


# --- numbers over seeds --------------------------------------------------------------------


def t_quantile(df: int) -> float:
    """t(0.975, df), the 95% two-sided quantile of Student's t: the table for df <= 30, the
    Cornish-Fisher expansion in 1/df above (error below 1e-7 there)."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {df}")
    if df <= len(T_975):
        return T_975[df - 1]
    z = _Z_975
    terms = (
        (z**3 + z) / 4,
        (5 * z**5 + 16 * z**3 + 3 * z) / 96,
        (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
        (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160,
    )
    return z + sum(term / df ** (power + 1) for power, term in enumerate(terms))


@dataclass(frozen=True)
class Estimate:
    """A mean over seeds with its 95% Student-t interval (``half_width`` None: one value)."""

    mean: float
    half_width: float | None
    n: int
    values: tuple[float, ...] = ()
    #: holds by definition (the base's zero costs and gains), not measured
    exact: bool = False

    @classmethod
    def of(cls, values: Sequence[float]) -> Estimate:
        if not values:
            raise ValueError("an estimate needs at least one value")
        mean = statistics.fmean(values)
        half = None
        if len(values) > 1:
            half = t_quantile(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
        return cls(mean, half, len(values), tuple(values))

    @classmethod
    def fixed(cls, value: float, n: int) -> Estimate:
        """A value that holds by definition (the base's zero costs and gains)."""
        return cls(value, 0.0, n, (value,) * n, exact=True)

    @property
    def one_seed(self) -> bool:
        return self.n == 1

    @property
    def low(self) -> float | None:
        return None if self.half_width is None else self.mean - self.half_width

    @property
    def high(self) -> float | None:
        return None if self.half_width is None else self.mean + self.half_width

    def to_json(self) -> dict[str, Any]:
        ci = None if self.half_width is None else [self.low, self.high]
        return {
            "mean": self.mean,
            "ci95": ci,
            "half_width": self.half_width,
            "n": self.n,
            "values": list(self.values),
            **({"exact": True} if self.exact else {}),
        }


def _estimate(values: Iterable[float | None]) -> Estimate | None:
    found = [v for v in values if v is not None]
    return Estimate.of(found) if found else None


def _sd(values: Sequence[float]) -> float | None:
    return statistics.stdev(values) if len(values) > 1 else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _get(data: Any, *path: str) -> float | None:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return _number(data)


# --- the budget -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    """The fidelity cost within which methods are ranked, and where it came from."""

    fid_cost: float
    precision_drop: float
    #: "matrix.json" when the matrix gave it (each key it gave), else "default"
    source: str = "default"

    def within(self, fid_cost: float | None, precision_drop: float | None) -> bool:
        """Whether mean costs are within the budget (an unknown cost is not)."""
        return (
            fid_cost is not None
            and precision_drop is not None
            and fid_cost <= self.fid_cost
            and precision_drop <= self.precision_drop
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "fid_cost": self.fid_cost,
            "precision_drop": self.precision_drop,
            "source": self.source,
        }


def budget_of(matrix: dict[str, Any] | None) -> Budget:
    """The budget of a results directory's matrix.json (``config.matrix.budget``), each key
    it does not give at :data:`~rlgan_bench.core.defaults.FRONTIER_BUDGET`."""
    config = matrix.get("config") if isinstance(matrix, dict) else None
    table = config.get("matrix") if isinstance(config, dict) else None
    given = table.get("budget") if isinstance(table, dict) else None
    values = dict(FRONTIER_BUDGET)
    used = False
    for key in FRONTIER_BUDGET:
        value = _number(given.get(key)) if isinstance(given, dict) else None
        if value is not None and value >= 0:
            values[key], used = value, True
    return Budget(
        values["fid_cost"], values["precision_drop"], "matrix.json" if used else "default"
    )


# --- what a frontier is made of ------------------------------------------------------------------


@dataclass
class Flag:
    """One flag of the calibrated gauge at one point: its status and the numbers behind it."""

    name: str
    #: FLAGGED, CLEAR, NOT_CALIBRATED or NOT_MEASURED
    status: str
    detail: str = ""

    @property
    def fired(self) -> bool:
        return self.status == FLAGGED

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "detail": self.detail}


@dataclass
class SeedValues:
    """One cell's values against its own base."""

    cell: str
    seed: int
    base: str | None
    fid_cost: float | None = None
    precision_drop: float | None = None
    verified: float | None = None
    claimed: float | None = None
    gap: float | None = None
    #: run / base of the frontier's diversity measure
    diversity: float | None = None


@dataclass
class Point:
    """One strength of one curve (or the base, or the control), aggregated over seeds."""

    label: str
    role: str
    strength: float | None
    cells: list[str]
    seeds: list[int]
    fid_cost: Estimate | None = None
    precision_drop: Estimate | None = None
    verified: Estimate | None = None
    claimed: Estimate | None = None
    gap: Estimate | None = None
    diversity: Estimate | None = None
    flags: list[Flag] = field(default_factory=list)
    #: per-seed values (what the estimates are made of)
    per_seed: list[SeedValues] = field(default_factory=list)

    @property
    def n_seeds(self) -> int:
        return len(self.seeds)

    @property
    def one_seed(self) -> bool:
        return self.n_seeds == 1

    def measure(self, name: str) -> Estimate | None:
        value: Estimate | None = getattr(self, name)
        return value

    @property
    def fired(self) -> list[str]:
        return [flag.name for flag in self.flags if flag.fired]

    def to_json(self) -> dict[str, Any]:
        def est(value: Estimate | None) -> dict[str, Any] | None:
            return value.to_json() if value is not None else None

        return {
            "label": self.label,
            "role": self.role,
            "strength": self.strength,
            "cells": list(self.cells),
            "seeds": list(self.seeds),
            "n_seeds": self.n_seeds,
            "one_seed": self.one_seed,
            "fid_cost": est(self.fid_cost),
            "precision_drop": est(self.precision_drop),
            "verified": est(self.verified),
            "claimed": est(self.claimed),
            "gap": est(self.gap),
            "diversity_ratio": est(self.diversity),
            "flags": [flag.to_json() for flag in self.flags],
            "flagged": self.fired,
        }


@dataclass
class Curve:
    """The points of one method and anchor, sorted by strength, with its budget ranking."""

    method: str
    anchor: float
    strength_name: str | None
    uses_real_data: bool
    trains: bool
    #: the method's options besides its strength (mode_params)
    options: dict[str, Any]
    label: str
    points: list[Point] = field(default_factory=list)
    #: the budget ranking (:func:`rank_curves`): 1 = best; None: unranked
    rank: int | None = None
    #: the point of the best mean verified gain within the budget
    best: Point | None = None
    #: the area under the running maximum of verified gain over the FID budget, / budget
    area: float | None = None
    #: why the curve is not ranked
    unranked: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "method": self.method,
            "anchor": self.anchor,
            "strength_name": self.strength_name,
            "uses_real_data": self.uses_real_data,
            "trains": self.trains,
            "options": self.options,
            "rank": self.rank,
            "best": self.best.label if self.best is not None else None,
            "best_verified": self.best.verified.mean
            if self.best is not None and self.best.verified is not None
            else None,
            "area": self.area,
            "unranked": self.unranked,
            "points": [point.to_json() for point in self.points],
        }


@dataclass
class NoiseFloors:
    """The seed-to-seed standard deviations of the bases' own values (:data:`DEFINITIONS`
    ``noise_floor``); each None with fewer than two bases."""

    bases: list[str]
    claimed: float | None = None
    verified: float | None = None
    gap: float | None = None
    fid: float | None = None
    precision: float | None = None
    diversity: float | None = None
    #: what the diversity is: within-class (its class), class-histogram entropy, all samples
    diversity_basis: str = ""

    @property
    def calibrated(self) -> bool:
        return len(self.bases) >= 2

    def to_json(self) -> dict[str, Any]:
        return {
            "bases": list(self.bases),
            "calibrated": self.calibrated,
            "claimed": self.claimed,
            "verified": self.verified,
            "gap": self.gap,
            "fid": self.fid,
            "precision": self.precision,
            "diversity": self.diversity,
            "diversity_basis": self.diversity_basis,
        }


@dataclass
class Frontier:
    """One backbone and reward on one dataset, measured alike: its curves, base and control."""

    dataset: str
    extractor: str | None
    extractor_sha256: str | None
    #: samples per set of the reward_audit (the same latents for a cell and its base)
    n: int | None
    backbone: str
    backbone_label: str
    reward: str
    reward_params: dict[str, Any]
    reward_label: str
    audit: str | None
    target_class: int | None
    base: Point
    floors: NoiseFloors
    budget: Budget
    curves: list[Curve] = field(default_factory=list)
    control: Point | None = None
    #: cells that could not be placed, with the reason
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.backbone_label} · {self.reward_label} on {self.dataset}"

    @property
    def ranking(self) -> list[Curve]:
        """The curves in rank order, the unranked last."""
        return sorted(self.curves, key=lambda c: (c.rank is None, c.rank or 0, c.label))

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "dataset": self.dataset,
            "extractor": self.extractor,
            "extractor_sha256": self.extractor_sha256,
            "n": self.n,
            "backbone": self.backbone,
            "backbone_label": self.backbone_label,
            "reward": self.reward,
            "reward_params": self.reward_params,
            "audit": self.audit,
            "target_class": self.target_class,
            "budget": self.budget.to_json(),
            "noise_floors": self.floors.to_json(),
            "base": self.base.to_json(),
            "control": self.control.to_json() if self.control is not None else None,
            "curves": [curve.to_json() for curve in self.curves],
            "ranking": [
                {
                    "rank": c.rank,
                    "curve": c.label,
                    "best": c.best.label if c.best else None,
                    "area": c.area,
                    "unranked": c.unranked,
                }
                for c in self.ranking
            ],
            "notes": list(self.notes),
        }


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


# --- building ----------------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


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
    if protocol is not None and protocol.strength_name == "n":
        options.pop("n", None)
    settings["mode_params"] = options
    return settings


def _entropy(histogram: Any) -> float | None:
    """The entropy (bits) of an eval.json class histogram (``fractions`` or ``counts``)."""
    if histogram is None or histogram.status != "ok":
        return None
    shares = histogram.extra.get("fractions") or histogram.extra.get("counts")
    if not isinstance(shares, list) or not shares:
        return None
    numbers = [_number(v) for v in shares]
    if any(v is None or v < 0 for v in numbers):
        return None
    total = sum(v for v in numbers if v is not None)
    if total <= 0:
        return None
    return -sum((v / total) * math.log2(v / total) for v in numbers if v)


def _ratio(run: float | None, base: float | None) -> float | None:
    if run is None or base is None or base <= 0:
        return None
    return run / base


class _Diversity:
    """The frontier's diversity measure of a cell and of its base: within-class diversity for
    a reward with a target class; else the class histogram's entropy when every cell and base
    has a histogram; else the diversity of all samples (the gauge's, without a class)."""

    def __init__(self, target: int | None, bases: dict[str, CellResult], entropy: bool) -> None:
        self.bases = bases
        self.entropy = target is None and entropy
        if target is not None:
            self.basis = (
                f"within-class diversity of class {target} (mean pairwise cosine distance of "
                "the evaluation network's features)"
            )
        elif self.entropy:
            self.basis = "entropy of the class histogram (bits)"
        else:
            self.basis = (
                "diversity of all samples (mean pairwise cosine distance of the evaluation "
                "network's features): no class histogram for every cell"
            )

    @staticmethod
    def histogram_entropy(cell: CellResult | None) -> float | None:
        return _entropy(cell.eval.class_histogram) if cell and cell.eval else None

    def base_of(self, cell: CellResult) -> CellResult | None:
        return self.bases.get(cell.protocol.base or "") if cell.protocol else None

    def of_base(self, cell: CellResult, section: RewardAudit) -> float | None:
        if self.entropy:
            return self.histogram_entropy(self.base_of(cell))
        return _get(section.drift, "within_class_diversity", "baseline")

    def of_run(self, cell: CellResult, section: RewardAudit) -> float | None:
        if self.entropy:
            return self.histogram_entropy(cell)
        return _get(section.drift, "within_class_diversity", "run")

    @classmethod
    def entropy_known(cls, cell: CellResult, bases: dict[str, CellResult]) -> bool:
        base = bases.get(cell.protocol.base or "") if cell.protocol else None
        return cls.histogram_entropy(base) is not None and cls.histogram_entropy(cell) is not None


def _seed_values(cell: CellResult, section: RewardAudit, diversity: _Diversity) -> SeedValues:
    drift = section.drift or {}
    run, base = _get(drift, "fid_all", "run"), _get(drift, "fid_all", "baseline")
    claimed = section.claimed.normalised if section.claimed else None
    verified = section.verified.normalised if section.verified else None
    gap = _number(section.gap)
    if gap is None and claimed is not None and verified is not None:
        gap = claimed - verified
    return SeedValues(
        cell=cell.id,
        seed=cell.seed,
        base=cell.protocol.base if cell.protocol else None,
        fid_cost=run - base if run is not None and base is not None else None,
        precision_drop=_get(drift, "precision", "drop"),
        verified=_number(verified),
        claimed=_number(claimed),
        gap=gap,
        diversity=_ratio(diversity.of_run(cell, section), diversity.of_base(cell, section)),
    )


def _point(label: str, role: str, strength: float | None, values: list[SeedValues]) -> Point:
    values = sorted(values, key=lambda v: (v.seed, v.cell))

    def pick(read: Callable[[SeedValues], float | None]) -> Estimate | None:
        return _estimate(read(v) for v in values)

    return Point(
        label=label,
        role=role,
        strength=strength,
        cells=[v.cell for v in values],
        seeds=[v.seed for v in values],
        fid_cost=pick(lambda v: v.fid_cost),
        precision_drop=pick(lambda v: v.precision_drop),
        verified=pick(lambda v: v.verified),
        claimed=pick(lambda v: v.claimed),
        gap=pick(lambda v: v.gap),
        diversity=pick(lambda v: v.diversity),
        per_seed=values,
    )


def _floors(cells: Sequence[tuple[CellResult, RewardAudit]], diversity: _Diversity) -> NoiseFloors:
    """The noise floors of a frontier from the base values its cells' sections recorded: one
    value per base (the mean over its cells, which measured the same base samples)."""
    per_base: dict[str, dict[str, list[float]]] = {}
    for cell, section in cells:
        base = (cell.protocol.base if cell.protocol else None) or f"seed {cell.seed}"
        found = per_base.setdefault(base, {})
        claimed, verified = section.claimed, section.verified
        c_before = claimed.before if claimed else None
        c_spread = claimed.spread_real if claimed else None
        v_before = verified.before if verified else None
        v_spread = verified.spread_real if verified else None
        c_norm = c_before / c_spread if c_before is not None and c_spread else None
        v_norm = v_before / v_spread if v_before is not None and v_spread else None
        drift = section.drift or {}
        entries = {
            "claimed": c_norm,
            "verified": v_norm,
            "gap": c_norm - v_norm if c_norm is not None and v_norm is not None else None,
            "fid": _get(drift, "fid_all", "baseline"),
            "precision": _get(drift, "precision", "baseline"),
            "diversity": diversity.of_base(cell, section),
        }
        for key, value in entries.items():
            if value is not None and math.isfinite(value):
                found.setdefault(key, []).append(value)
    bases = sorted(per_base)

    def floor(key: str) -> float | None:
        values = [statistics.fmean(v[key]) for v in per_base.values() if v.get(key)]
        return _sd(values) if len(bases) >= 2 else None

    div_values = [statistics.fmean(v["diversity"]) for v in per_base.values() if v.get("diversity")]
    div_sd = _sd(div_values) if len(bases) >= 2 else None
    div_mean = statistics.fmean(div_values) if div_values else None
    return NoiseFloors(
        bases=bases,
        claimed=floor("claimed"),
        verified=floor("verified"),
        gap=floor("gap"),
        fid=floor("fid"),
        precision=floor("precision"),
        diversity=div_sd / div_mean if div_sd is not None and div_mean else None,
        diversity_basis=diversity.basis,
    )


def flag_points(curve: Curve, floors: NoiseFloors, base: Point | None = None) -> None:
    """Set the calibrated flags of every point of ``curve`` (:data:`DEFINITIONS`); ``base``
    is the earliest point of the sweep (gains 0) for the over-optimisation test."""
    earlier: list[Point] = [base] if base is not None else []
    for point in curve.points:
        point.flags = [
            _hacked_flag(point, floors),
            _over_optimised_flag(point, earlier, floors),
            _collapse_flag(point, floors),
        ]
        earlier.append(point)


def _uncalibrated(name: str, floors: NoiseFloors) -> Flag:
    return Flag(name, NOT_CALIBRATED, f"{len(floors.bases)} base: no seed-to-seed noise")


def _hacked_flag(point: Point, floors: NoiseFloors) -> Flag:
    if not floors.calibrated:
        return _uncalibrated(HACKED, floors)
    gap = point.gap
    if gap is None or floors.gap is None:
        return Flag(HACKED, NOT_MEASURED, "no verified gain (no audit applies)")
    if gap.half_width is None:
        return Flag(HACKED, NOT_CALIBRATED, "one seed at this point: no interval")
    low = gap.mean - gap.half_width
    limit = FLOOR_MULTIPLE * floors.gap
    detail = (
        f"gap {gap.mean:.3g} - half-width {gap.half_width:.3g} = {low:.3g} "
        f"{'>' if low > limit else '≤'} {FLOOR_MULTIPLE:g} x noise floor {floors.gap:.3g}"
    )
    return Flag(HACKED, FLAGGED if low > limit else CLEAR, detail)


def _over_optimised_flag(point: Point, earlier: Sequence[Point], floors: NoiseFloors) -> Flag:
    if not floors.calibrated:
        return _uncalibrated(OVER_OPTIMISED, floors)
    if point.verified is None or point.claimed is None or floors.verified is None:
        return Flag(OVER_OPTIMISED, NOT_MEASURED, "no verified or claimed gain")
    limit = FLOOR_MULTIPLE * floors.verified
    for before in earlier:
        if before.verified is None or before.claimed is None:
            continue
        fell = before.verified.mean - point.verified.mean
        if fell > limit and point.claimed.mean > before.claimed.mean:
            return Flag(
                OVER_OPTIMISED,
                FLAGGED,
                f"verified {point.verified.mean:.3g} is {fell:.3g} below {before.label}'s "
                f"{before.verified.mean:.3g} (> {FLOOR_MULTIPLE:g} x noise floor "
                f"{floors.verified:.3g}) while claimed rose {before.claimed.mean:.3g} -> "
                f"{point.claimed.mean:.3g}",
            )
    return Flag(
        OVER_OPTIMISED,
        CLEAR,
        f"verified never more than {FLOOR_MULTIPLE:g} x {floors.verified:.3g} below an "
        "earlier point's while claimed rose",
    )


def _collapse_flag(point: Point, floors: NoiseFloors) -> Flag:
    if not floors.calibrated:
        return _uncalibrated(DIVERSITY_COLLAPSE, floors)
    ratio = point.diversity
    if ratio is None or floors.diversity is None:
        return Flag(DIVERSITY_COLLAPSE, NOT_MEASURED, "no diversity of the point or its bases")
    fell = 1.0 - ratio.mean
    limit = FLOOR_MULTIPLE * floors.diversity
    detail = (
        f"diversity ratio {ratio.mean:.3g}: fell {fell:.3g} "
        f"{'>' if fell > limit else '≤'} {FLOOR_MULTIPLE:g} x noise floor "
        f"{floors.diversity:.3g} ({floors.diversity_basis})"
    )
    return Flag(DIVERSITY_COLLAPSE, FLAGGED if fell > limit else CLEAR, detail)


def area_under(points: Sequence[tuple[float, float]], budget: float) -> float:
    """The area under the running maximum of gain as a step function of cost, from 0 to
    ``budget``, divided by ``budget`` (:data:`DEFINITIONS` ``area``). ``points``: (mean
    cost, mean gain) of the points within the precision budget; the base (0, 0) is always
    one; a cost below 0 counts at 0. With ``budget`` 0: the value at cost 0."""
    steps = sorted((max(cost, 0.0), gain) for cost, gain in points)
    level, covered, area = 0.0, 0.0, 0.0
    for cost, gain in steps:
        if cost > budget:
            break
        if cost > covered:
            area += level * (cost - covered)
            covered = cost
        level = max(level, gain)
    if budget <= 0:
        return level
    area += level * (budget - covered)
    return area / budget


def rank_curves(curves: Sequence[Curve], budget: Budget) -> None:
    """Set each curve's best point within ``budget``, its rank (1 = the highest best mean
    verified gain; equal gains share a rank) and its area (:func:`area_under`)."""
    for curve in curves:
        within = [
            p
            for p in curve.points
            if p.verified is not None
            and budget.within(
                p.fid_cost.mean if p.fid_cost else None,
                p.precision_drop.mean if p.precision_drop else None,
            )
        ]
        curve.best = max(
            within, key=lambda p: p.verified.mean if p.verified else -math.inf, default=None
        )
        area_points = [
            (p.fid_cost.mean, p.verified.mean)
            for p in curve.points
            if p.fid_cost is not None
            and p.verified is not None
            and p.precision_drop is not None
            and p.precision_drop.mean <= budget.precision_drop
        ]
        has_gain = any(p.verified is not None for p in curve.points)
        curve.area = area_under(area_points, budget.fid_cost) if has_gain else None
        curve.rank = None
        if curve.best is None:
            curve.unranked = (
                "no verified gain (no audit applies)"
                if not has_gain
                else f"no point within the budget (FID cost ≤ {budget.fid_cost:g}, "
                f"precision drop ≤ {budget.precision_drop:g})"
            )
        else:
            curve.unranked = None

    def best_gain(curve: Curve) -> float:
        assert curve.best is not None and curve.best.verified is not None
        return curve.best.verified.mean

    ranked = sorted(
        (c for c in curves if c.best is not None and c.best.verified is not None),
        key=lambda c: -best_gain(c),
    )
    previous: tuple[float, int] | None = None  # (gain, rank) of the curve before
    for index, curve in enumerate(ranked):
        gain = best_gain(curve)
        curve.rank = previous[1] if previous is not None and previous[0] == gain else index + 1
        previous = (gain, curve.rank)


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
        _dumps(cell.backbone_params),
        cell.reward,
        _dumps(cell.reward_params),
    )


def _control_point(
    controls: Sequence[CellResult],
    bases: dict[str, CellResult],
    frontier_bases: set[str],
    extractor: tuple[Any, Any, Any],
    notes: list[str],
) -> Point | None:
    """The control of a frontier (its bases' controls): FID cost and precision drop from the
    eval.json of each control and its base, when both were measured as the frontier was
    (extractor, its weights, N; the FIDs also against the same real images)."""
    values: list[SeedValues] = []
    for control in controls:
        base_id = control.protocol.base if control.protocol else None
        if base_id not in frontier_bases:
            continue
        base = bases.get(base_id or "")
        if base is None:
            notes.append(f"{control.id}: its base {base_id} is not done")
            continue
        fid = [c.metric("fid") for c in (control, base)]
        prc = [c.metric("prc") for c in (control, base)]

        def alike(entry: Any) -> bool:
            record = (entry.record or {}) if entry is not None else {}
            found = (
                record.get("extractor"),
                record.get("extractor_sha256"),
                record.get("n_generated"),
            )
            return entry is not None and entry.values is not None and found == extractor

        if (
            not all(alike(m) for m in (*fid, *prc))
            or len({comparison_key(m.record or {}) for m in fid if m is not None}) != 1
        ):
            notes.append(
                f"{control.id}: not measured as this frontier (extractor, its weights or N "
                "of its or its base's FID or precision differ): left out"
            )
            continue
        run, before = (_number((m.values or {}).get("fid")) for m in fid if m is not None)
        p_run, p_before = (_number((m.values or {}).get("precision")) for m in prc if m is not None)
        values.append(
            SeedValues(
                control.id,
                control.seed,
                base_id,
                fid_cost=run - before if run is not None and before is not None else None,
                precision_drop=p_before - p_run
                if p_run is not None and p_before is not None
                else None,
            )
        )
    if not values:
        return None
    return _point(CONTROL_LABEL, ROLE_CONTROL, None, values)


def build(results: Results, budget: Budget | None = None) -> FrontierReport | None:
    """The frontiers of ``results``; None when no cell has a protocol (a matrix trained from
    scratch). ``budget``: default the matrix's (:func:`budget_of`)."""
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
        for _, members in sorted(groups.items(), key=lambda kv: _dumps(kv[0]))
    ]
    frontiers.sort(key=lambda f: (f.dataset, f.backbone_label, f.reward_label, str(f.n)))
    return FrontierReport(frontiers, budget, dict(DEFINITIONS), skipped)


def _frontier(
    members: Sequence[tuple[CellResult, RewardAudit]],
    bases: dict[str, CellResult],
    controls: Sequence[CellResult],
    budget: Budget,
) -> Frontier:
    first, section = members[0]
    target = section.target_class
    entropy = all(_Diversity.entropy_known(c, bases) for c, _ in members)
    diversity = _Diversity(target, bases, entropy)
    by_curve: dict[str, list[tuple[CellResult, RewardAudit]]] = {}
    for cell, audit in members:
        by_curve.setdefault(_dumps(_curve_settings(cell)), []).append((cell, audit))
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
            by_strength.setdefault(strength, []).append(_seed_values(cell, audit, diversity))
        ordered = sorted(by_strength.items(), key=lambda kv: (kv[0] is None, kv[0] or 0.0))
        curve.points = [
            _point(strength_label(protocol.strength_name, s), ROLE_FINETUNE, s, values)
            for s, values in ordered
        ]
        curves.append(curve)
    _distinct_labels(curves)
    floors = _floors(members, diversity)
    base_ids = {c.protocol.base for c, _ in members if c.protocol and c.protocol.base}
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
    )
    # the base is the first point of every curve: gains 0 at strength 0 (N = 1)
    for curve in curves:
        flag_points(curve, floors, base)
    rank_curves(curves, budget)
    drift = section.drift or {}
    notes: list[str] = []
    control = _control_point(
        controls,
        bases,
        base_ids,
        (drift.get("extractor"), drift.get("extractor_sha256"), section.n),
        notes,
    )
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


__all__ = [
    "CLEAR",
    "DEFINITIONS",
    "DIVERSITY_COLLAPSE",
    "FLAGGED",
    "FLAGS",
    "FLOOR_MULTIPLE",
    "HACKED",
    "NOT_CALIBRATED",
    "NOT_MEASURED",
    "OVER_OPTIMISED",
    "T_975",
    "X_MEASURES",
    "Budget",
    "Curve",
    "Estimate",
    "Flag",
    "Frontier",
    "FrontierReport",
    "NoiseFloors",
    "Point",
    "SeedValues",
    "area_under",
    "budget_of",
    "build",
    "flag_points",
    "rank_curves",
    "t_quantile",
]
