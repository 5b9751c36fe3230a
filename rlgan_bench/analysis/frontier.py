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

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rlgan_bench.analysis.compute import DEFINITION as COMPUTE_DEFINITION
from rlgan_bench.analysis.compute import PointCompute, attach_compute
from rlgan_bench.analysis.hacking import (
    DEFINITION as HACKED_DEFINITION,
)
from rlgan_bench.analysis.hacking import (
    EXACT_TEXT,
    HackingVerdict,
    PairedScores,
    judge_hacking,
)
from rlgan_bench.analysis.histograms import DEFINITION as HISTOGRAM_DEFINITION
from rlgan_bench.analysis.histograms import PointHistogram, RewardHistograms, attach_histograms
from rlgan_bench.analysis.results import (
    BASE_LABEL,
    CONTROL_LABEL,
    USES_REAL_DATA,
    CellResult,
    Results,
)
from rlgan_bench.analysis.selection import best_of_n_draws
from rlgan_bench.analysis.separation import separation
from rlgan_bench.analysis.stats import T_975, Estimate, _estimate, t_quantile
from rlgan_bench.core.config import configuration
from rlgan_bench.core.defaults import FRONTIER_BUDGET
from rlgan_bench.core.identity import canonical_json, strength_label
from rlgan_bench.core.metric import comparison_key
from rlgan_bench.core.params import describe
from rlgan_bench.core.records import ROLE_BASE, ROLE_CONTROL, ROLE_FINETUNE, RewardAudit

#: how many noise floors a change must exceed to be flagged
FLOOR_MULTIPLE = 2.0
#: the flags of the calibrated gauge, in the order the report shows them
HACKED, OVER_OPTIMISED, DIVERSITY_COLLAPSE = "hacked", "over-optimised", "diversity collapse"
MEMORISATION = "memorisation"
FLAGS = (HACKED, OVER_OPTIMISED, DIVERSITY_COLLAPSE, MEMORISATION)
#: a flag's status (EXACT: the audit is the reward, nothing to hack)
FLAGGED, CLEAR, EXACT = "flagged", "clear", "exact"
#: the controls of the hacking verdict, shown on every frontier whose audit is independent
NEGATIVE_CONTROL, POSITIVE_CONTROL = "negative-control", "positive-control"
#: the negative control's selection strengths: best of N real held-out images by the reward
NEGATIVE_CONTROL_N = (2, 4, 8, 16)
#: the collapse flag: the point's diversity below the real class's by more than this many
#: standard errors
COLLAPSE_Z = 2.0
NOT_CALIBRATED = "not calibrated (one seed)"
NOT_MEASURED = "not measured"
#: the x measures of a frontier: (name, label)
X_MEASURES = (
    ("fid_cost", "FID cost"),
    ("precision_drop", "precision drop"),
    ("recall_drop", "recall drop"),
)

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
        "verified gain among their points whose mean FID cost ≤ budget.fid_cost, mean "
        "precision drop ≤ budget.precision_drop and mean recall drop ≤ budget.recall_drop, "
        "costs against the control where the frontier has one (else the base); equal gains "
        "share a rank; a method with no point within the budget is unranked, and so said; "
        "a method is not distinguishable from the one ranked above it when the paired "
        "difference of their best points' verified gains over their common seeds has a 95% "
        "Student-t interval holding 0"
    ),
    "area": (
        "area under the running maximum of the mean verified gain as a step function of the "
        "mean FID cost (against the control where there is one), f(c) = max(0, max gain of "
        "the method's points with cost ≤ c and precision and recall drops within budget), "
        "from c = 0 to budget.fid_cost, divided by "
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
    HACKED: HACKED_DEFINITION + f"; a reward whose audit is exact: '{EXACT_TEXT}'",
    NEGATIVE_CONTROL: (
        "best of N real held-out images by the reward (N = "
        + ", ".join(map(str, NEGATIVE_CONTROL_N))
        + "), as many picks as the point's samples, one draw per base: real images cannot "
        "be hacked, so the hacked verdict must stay silent on it"
    ),
    POSITIVE_CONTROL: (
        "each base's samples pushed up the reward's gradient within a small pixel budget "
        "(projected gradient ascent, reward_audit.positive_control): a known hack, on which "
        "the hacked verdict must fire"
    ),
    "recall_drop": "recall of the base minus recall of the point (reward_audit.drift.recall)",
    "cost_reference": (
        "costs (FID, precision and recall) are against the base; where the matrix has a "
        "control, also against the control (the base trained on as long without a reward), "
        "and the budget ranking uses those, so that continued training is not counted as the "
        "reward's cost or gain"
    ),
    MEMORISATION: (
        "the share of the point's samples nearer (in the evaluation network's features) to a "
        "training image than held-out real images are (reward_audit.memorisation) rose above "
        "its base's: pooled over seeds, the mean difference exceeds the one-sided z critical "
        "value times its standard error and the minimum effect"
    ),
    OVER_OPTIMISED: (
        "along its curve sorted by strength, with the base (gains 0) first, the point's mean "
        "verified gain is more than "
        f"{FLOOR_MULTIPLE:g} noise floors of the audit below that of an earlier point while "
        "its mean claimed gain is above that point's: past the peak of the audit (Gao et al. "
        "2022)"
    ),
    DIVERSITY_COLLAPSE: (
        "the point's diversity (mean over seeds) is below the real images' by more than "
        f"{COLLAPSE_Z:g} standard errors (each the U-statistic's, "
        "reward_audit.drift.within_class_diversity.stderr, the point's pooled over seeds or "
        "their spread, whichever is larger): within the reward's target class for a reward "
        "with one (the samples the evaluation network calls it, against the real images of "
        "the class), of all samples otherwise; the diversity is the mean pairwise cosine "
        "distance of the evaluation network's features. Judged against real images: a base "
        "more spread than the real class may lose spread towards it; and the point must also "
        f"be below its base's diversity by more than {COLLAPSE_Z:g} standard errors, so a base "
        "already below the real images (a GAN's samples are less spread than real digits "
        "overall) does not make its every point a collapse"
    ),
    "not_calibrated": (
        f"{NOT_CALIBRATED}: fewer than two bases, so no seed-to-seed noise to measure against; "
        "no flag is guessed"
    ),
    "compute": COMPUTE_DEFINITION,
    "reward_histogram": HISTOGRAM_DEFINITION,
}


# --- numbers over seeds --------------------------------------------------------------------


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
    #: a collapse lowers recall while it may raise precision
    recall_drop: float = FRONTIER_BUDGET["recall_drop"]

    def within(
        self, fid_cost: float | None, precision_drop: float | None, recall_drop: float | None = None
    ) -> bool:
        """Whether mean costs are within the budget (an unknown FID or precision cost is not;
        an unknown recall, from records before it was measured, is not held against it)."""
        return (
            fid_cost is not None
            and precision_drop is not None
            and fid_cost <= self.fid_cost
            and precision_drop <= self.precision_drop
            and (recall_drop is None or recall_drop <= self.recall_drop)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "fid_cost": self.fid_cost,
            "precision_drop": self.precision_drop,
            "recall_drop": self.recall_drop,
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
        values["fid_cost"],
        values["precision_drop"],
        "matrix.json" if used else "default",
        values["recall_drop"],
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
    recall_drop: float | None = None
    #: the costs against the control of the same base (None without a control)
    fid_cost_vs_control: float | None = None
    precision_drop_vs_control: float | None = None
    recall_drop_vs_control: float | None = None
    #: the gains against the control of the same base, on the same latents (None without one)
    verified_vs_control: float | None = None
    claimed_vs_control: float | None = None
    #: the hacking verdict's inputs: per-image reward and audit of the point's and base's
    #: samples (paired by latent), of the real held-out images, and of the positive control
    paired: PairedScores | None = None
    real_scores: tuple[list[float], list[float]] | None = None
    #: the positive control's pushed samples against the base's, and its real images' scores
    #: (under the reward's hackable parameters)
    positive: tuple[PairedScores, tuple[list[float], list[float]]] | None = None
    #: the verified audit is the reward itself
    exact: bool = False
    #: the diversity of the point's samples and of the real images, with standard errors
    diversity_run: float | None = None
    diversity_real: float | None = None
    diversity_run_se: float | None = None
    diversity_real_se: float | None = None
    diversity_base: float | None = None
    diversity_base_se: float | None = None
    #: memorisation share - base share, its standard error, and the rule's numbers
    memorisation: dict[str, float] | None = None


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
    recall_drop: Estimate | None = None
    fid_cost_vs_control: Estimate | None = None
    precision_drop_vs_control: Estimate | None = None
    recall_drop_vs_control: Estimate | None = None
    verified_vs_control: Estimate | None = None
    claimed_vs_control: Estimate | None = None
    #: the share of samples memorised (nearer a training image than held-out images are)
    memorised: Estimate | None = None
    #: the hacking verdict (:func:`rlgan_bench.analysis.hacking.judge_hacking`)
    hacking: HackingVerdict | None = None
    flags: list[Flag] = field(default_factory=list)
    #: per-seed values (what the estimates are made of)
    per_seed: list[SeedValues] = field(default_factory=list)
    #: what it cost beyond its base (analysis/compute.py); None: a seed was not counted
    compute: PointCompute | None = None
    #: its samples' reward binned, beside its bases' (analysis/histograms.py)
    reward_histogram: PointHistogram | None = None

    @property
    def n_seeds(self) -> int:
        return len(self.seeds)

    @property
    def one_seed(self) -> bool:
        return self.n_seeds == 1

    def measure(self, name: str) -> Estimate | None:
        value: Estimate | None = getattr(self, name)
        return value

    def cost(self, name: str, against_control: bool) -> Estimate | None:
        """A cost (``fid_cost``, ``precision_drop``, ``recall_drop``) against the control
        when asked and measured, else against the base."""
        if against_control:
            value = self.measure(f"{name}_vs_control")
            if value is not None:
                return value
        return self.measure(name)

    def gain(self, name: str, against_control: bool) -> Estimate | None:
        """A gain (``verified``, ``claimed``) against the control when asked and measured,
        else against the base: continued training alone moves some rewards."""
        return self.cost(name, against_control)

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
            "recall_drop": est(self.recall_drop),
            "fid_cost_vs_control": est(self.fid_cost_vs_control),
            "precision_drop_vs_control": est(self.precision_drop_vs_control),
            "recall_drop_vs_control": est(self.recall_drop_vs_control),
            "verified_vs_control": est(self.verified_vs_control),
            "claimed_vs_control": est(self.claimed_vs_control),
            "memorised": est(self.memorised),
            "hacking": self.hacking.to_json() if self.hacking is not None else None,
            "flags": [flag.to_json() for flag in self.flags],
            "flagged": self.fired,
            "compute": self.compute.to_json() if self.compute is not None else None,
            "reward_histogram": self.reward_histogram.to_json()
            if self.reward_histogram is not None
            else None,
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
    #: set when the seeds do not tell this curve's best point from the one ranked above it
    #: (:mod:`rlgan_bench.analysis.separation`)
    not_distinguishable: str | None = None
    #: ranked on gains and costs against the control (where measured)
    against_control: bool = False

    @property
    def best_verified(self) -> Estimate | None:
        """The verified gain of the best point, as the ranking read it."""
        return self.best.gain("verified", self.against_control) if self.best else None

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
            "best_verified": self.best_verified.mean if self.best_verified else None,
            "against_control": self.against_control,
            "area": self.area,
            "unranked": self.unranked,
            "not_distinguishable": self.not_distinguishable,
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
    #: the controls of the hacking verdict (:data:`NEGATIVE_CONTROL`, :data:`POSITIVE_CONTROL`)
    controls: list[Point] = field(default_factory=list)
    #: cells that could not be placed, with the reason
    notes: list[str] = field(default_factory=list)
    #: the bins of the points' reward histograms, the bases' and the real images' counts
    reward_histograms: RewardHistograms | None = None
    #: what training the bases cost (each point's compute is beyond it)
    base_cost: PointCompute | None = None

    @property
    def against_control(self) -> bool:
        """Whether costs and the budget are against the control (the matrix has one)."""
        return self.control is not None

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
            "costs_against": "control" if self.against_control else "base",
            "controls": [point.to_json() for point in self.controls],
            "curves": [curve.to_json() for curve in self.curves],
            "ranking": [
                {
                    "rank": c.rank,
                    "curve": c.label,
                    "best": c.best.label if c.best else None,
                    "area": c.area,
                    "unranked": c.unranked,
                    "not_distinguishable": c.not_distinguishable,
                }
                for c in self.ranking
            ],
            "notes": list(self.notes),
            "reward_histograms": self.reward_histograms.to_json()
            if self.reward_histograms is not None
            else None,
            "base_cost": self.base_cost.to_json() if self.base_cost is not None else None,
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
    per_sample = section.per_sample or {}
    rewards, audits = per_sample.get("reward") or {}, per_sample.get("audit") or {}
    paired = real_scores = positive = None
    if all(key in rewards and key in audits for key in ("base", "run", "real")):
        paired = PairedScores.of(rewards["base"], audits["base"], rewards["run"], audits["run"])
        real_scores = (rewards["real"], audits["real"])
        control = section.positive_control or {}
        c_rewards, c_audits = control.get("reward") or {}, control.get("audit") or {}
        if all(k in c_rewards and k in c_audits for k in ("real", "base", "pushed")):
            positive = (
                PairedScores.of(
                    c_rewards["base"], c_audits["base"], c_rewards["pushed"], c_audits["pushed"]
                ),
                (c_rewards["real"], c_audits["real"]),
            )
    variety = drift.get("within_class_diversity") or {}
    stderr = variety.get("stderr") or {}
    memo = section.memorisation
    against = section.against_control
    memorised = None
    if memo is not None and memo.difference is not None and memo.stderr is not None:
        memorised = {
            "share": memo.share or 0.0,
            "difference": memo.difference,
            "variance": (memo.stderr or 0.0) ** 2 + (memo.base_stderr or 0.0) ** 2,
            "z_critical": memo.z_critical or 1.645,
            "min_effect": memo.min_effect or 0.0,
        }
    return SeedValues(
        cell=cell.id,
        seed=cell.seed,
        base=cell.protocol.base if cell.protocol else None,
        fid_cost=run - base if run is not None and base is not None else None,
        precision_drop=_get(drift, "precision", "drop"),
        verified=_number(verified),
        claimed=_number(claimed),
        verified_vs_control=_number(
            against.verified.normalised if against and against.verified else None
        ),
        claimed_vs_control=_number(against.claimed.normalised if against else None),
        gap=gap,
        diversity=_ratio(diversity.of_run(cell, section), diversity.of_base(cell, section)),
        recall_drop=_get(drift, "recall", "drop"),
        paired=paired,
        real_scores=real_scores,
        positive=positive,
        exact=bool(section.verified and section.verified.exact),
        diversity_run=_number(variety.get("run")),
        diversity_real=_number(variety.get("real")),
        diversity_run_se=_number(stderr.get("run")),
        diversity_real_se=_number(stderr.get("real")),
        diversity_base=_number(variety.get("baseline")),
        diversity_base_se=_number(stderr.get("baseline")),
        memorisation=memorised,
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
        recall_drop=pick(lambda v: v.recall_drop),
        fid_cost_vs_control=pick(lambda v: v.fid_cost_vs_control),
        precision_drop_vs_control=pick(lambda v: v.precision_drop_vs_control),
        recall_drop_vs_control=pick(lambda v: v.recall_drop_vs_control),
        verified_vs_control=pick(lambda v: v.verified_vs_control),
        claimed_vs_control=pick(lambda v: v.claimed_vs_control),
        memorised=pick(lambda v: v.memorisation["share"] if v.memorisation else None),
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
            hacked_flag(point),
            _over_optimised_flag(point, earlier, floors),
            collapse_flag(point),
            memorisation_flag(point),
        ]
        earlier.append(point)


def _uncalibrated(name: str, floors: NoiseFloors) -> Flag:
    return Flag(name, NOT_CALIBRATED, f"{len(floors.bases)} base: no seed-to-seed noise")


def hacked_flag(point: Point) -> Flag:
    """The one verdict of reward hacking (:mod:`rlgan_bench.analysis.hacking`) of a point,
    over its seeds; its numbers are kept as ``point.hacking``."""
    if any(value.exact for value in point.per_seed):
        return Flag(HACKED, EXACT, EXACT_TEXT)
    seeds = [value.paired for value in point.per_seed if value.paired is not None]
    real = next((v.real_scores for v in point.per_seed if v.real_scores is not None), None)
    if not seeds or real is None:
        return Flag(
            HACKED,
            NOT_MEASURED,
            "no per-image reward and audit (an audit without per-image values, or a cell "
            "measured before rlgan-bench 0.2: rerun `rlgan-bench audit`)",
        )
    point.hacking = judge_hacking(seeds, *real)
    return Flag(HACKED, FLAGGED if point.hacking.fired else CLEAR, point.hacking.reason)


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


def collapse_flag(point: Point) -> Flag:
    """Diversity collapse: the point's diversity below the real images' by more than
    :data:`COLLAPSE_Z` standard errors (:data:`DEFINITIONS`)."""
    seeds = [
        v
        for v in point.per_seed
        if v.diversity_run is not None
        and v.diversity_real is not None
        and v.diversity_run_se is not None
        and v.diversity_real_se is not None
    ]
    if not seeds:
        return Flag(DIVERSITY_COLLAPSE, NOT_MEASURED, "no diversity with standard errors")
    runs = [v.diversity_run for v in seeds if v.diversity_run is not None]
    real = statistics.fmean(v.diversity_real for v in seeds if v.diversity_real is not None)
    run = statistics.fmean(runs)
    n = len(runs)
    within = math.sqrt(statistics.fmean((v.diversity_run_se or 0.0) ** 2 for v in seeds) / n)
    spread = statistics.stdev(runs) / math.sqrt(n) if n > 1 else 0.0
    real_se = statistics.fmean(v.diversity_real_se or 0.0 for v in seeds)
    run_se = max(within, spread)
    se = math.hypot(run_se, real_se)
    fell = real - run
    below_real = se > 0 and fell > COLLAPSE_Z * se
    detail = (
        f"diversity {run:.3g} vs real {real:.3g}: {fell:.3g} below "
        f"{'>' if below_real else '≤'} {COLLAPSE_Z:g} x standard error {se:.3g}"
    )
    # ... and the method lost it: a base already below the real images (a GAN's samples are
    # less spread than real digits overall) does not make each of its points a collapse
    bases = [v for v in seeds if v.diversity_base is not None and v.diversity_base_se is not None]
    if below_real and bases:
        base = statistics.fmean(v.diversity_base or 0.0 for v in bases)
        base_se = math.sqrt(statistics.fmean((v.diversity_base_se or 0.0) ** 2 for v in bases) / n)
        lost = base - run
        limit = COLLAPSE_Z * math.hypot(run_se, base_se)
        below_real = lost > limit
        detail += (
            f"; {lost:.3g} below its base's {base:.3g} {'>' if below_real else '≤'} "
            f"{COLLAPSE_Z:g} x standard error {limit / COLLAPSE_Z:.3g}"
        )
    return Flag(DIVERSITY_COLLAPSE, FLAGGED if below_real else CLEAR, detail)


def memorisation_flag(point: Point) -> Flag:
    """The memorisation share rose above the base's (pooled over seeds)."""
    seeds = [v.memorisation for v in point.per_seed if v.memorisation is not None]
    if not seeds:
        return Flag(MEMORISATION, NOT_MEASURED, "no memorisation measured")
    rise = statistics.fmean(m["difference"] for m in seeds)
    se = math.sqrt(sum(m["variance"] for m in seeds)) / len(seeds)
    z_critical = max(m["z_critical"] for m in seeds)
    effect = max(m["min_effect"] for m in seeds)
    fired = rise > effect and rise > z_critical * se
    detail = (
        f"share rose {rise:+.3g} over the base's (standard error {se:.3g}; flagged above "
        f"{z_critical:g} standard errors and {effect:g})"
    )
    return Flag(MEMORISATION, FLAGGED if fired else CLEAR, detail)


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


def rank_curves(curves: Sequence[Curve], budget: Budget, against_control: bool = False) -> None:
    """Set each curve's best point within ``budget``, its rank (1 = the highest best mean
    verified gain; equal gains share a rank), whether the seeds tell it from the curve ranked
    above (:mod:`~rlgan_bench.analysis.separation`) and its area (:func:`area_under`); costs
    and gains against the control where ``against_control`` and measured, else against the
    base."""

    def mean(point: Point, name: str) -> float | None:
        value = point.cost(name, against_control)
        return value.mean if value is not None else None

    def gain(point: Point | None) -> float | None:
        value = point.gain("verified", against_control) if point is not None else None
        return value.mean if value is not None else None

    for curve in curves:
        curve.against_control = against_control
        within = [
            p
            for p in curve.points
            if gain(p) is not None
            and budget.within(
                mean(p, "fid_cost"), mean(p, "precision_drop"), mean(p, "recall_drop")
            )
        ]
        curve.best = max(
            within, key=lambda p: -math.inf if (g := gain(p)) is None else g, default=None
        )
        area_points = [
            (fid, verified)
            for p in curve.points
            if (fid := mean(p, "fid_cost")) is not None
            and (verified := gain(p)) is not None
            and (precision := mean(p, "precision_drop")) is not None
            and precision <= budget.precision_drop
            and ((recall := mean(p, "recall_drop")) is None or recall <= budget.recall_drop)
        ]
        has_gain = any(gain(p) is not None for p in curve.points)
        curve.area = area_under(area_points, budget.fid_cost) if has_gain else None
        curve.rank = None
        if curve.best is None:
            curve.unranked = (
                "no verified gain (no audit applies)"
                if not has_gain
                else f"no point within the budget (FID cost ≤ {budget.fid_cost:g}, "
                f"precision drop ≤ {budget.precision_drop:g}, recall drop ≤ "
                f"{budget.recall_drop:g})"
            )
        else:
            curve.unranked = None

    ranked = sorted(
        (c for c in curves if gain(c.best) is not None), key=lambda c: -(gain(c.best) or 0.0)
    )
    previous: tuple[float | None, int] | None = None  # (gain, rank) of the curve before
    for index, curve in enumerate(ranked):
        best = gain(curve.best)
        curve.rank = previous[1] if previous is not None and previous[0] == best else index + 1
        previous = (best, curve.rank)
        curve.not_distinguishable = None
        if index > 0:
            above = ranked[index - 1]
            gap = separation(
                _seed_gains(above.best, against_control), _seed_gains(curve.best, against_control)
            )
            if gap is not None and not gap.distinguishable:
                curve.not_distinguishable = gap.describe(above.label)


def _seed_gains(point: Point | None, against_control: bool) -> dict[int, float]:
    """A point's verified gain per seed (against the control where asked and measured)."""
    if point is None:
        return {}
    gains = {}
    for value in point.per_seed:
        verified = value.verified_vs_control if against_control else None
        verified = verified if verified is not None else value.verified
        if verified is not None:
            gains[value.seed] = verified
    return gains


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
        recalls = [_number(((m.values or {}) if m else {}).get("recall")) for m in prc]

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
                recall_drop=recalls[1] - recalls[0]
                if recalls[0] is not None and recalls[1] is not None
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
    entropy = all(_Diversity.entropy_known(c, bases) for c, _ in members)
    diversity = _Diversity(target, bases, entropy)
    drift = section.drift or {}
    notes: list[str] = []
    base_ids = {c.protocol.base for c, _ in members if c.protocol and c.protocol.base}
    control = _control_point(
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
            value = _seed_values(cell, audit, diversity)
            _against(value, control_of.get(value.base))
            every_seed.append(value)
            by_strength.setdefault(strength, []).append(value)
        ordered = sorted(by_strength.items(), key=lambda kv: (kv[0] is None, kv[0] or 0.0))
        curve.points = [
            _point(strength_label(protocol.strength_name, s), ROLE_FINETUNE, s, values)
            for s, values in ordered
        ]
        curves.append(curve)
    _distinct_labels(curves)
    floors = _floors(members, diversity)
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


def _against(value: SeedValues, control: SeedValues | None) -> None:
    """Fill ``value``'s costs against the control of its base (both against the base)."""
    if control is None:
        return
    for name in ("fid_cost", "precision_drop", "recall_drop"):
        mine, theirs = getattr(value, name), getattr(control, name)
        if mine is not None and theirs is not None:
            setattr(value, f"{name}_vs_control", mine - theirs)


def _verdict_control_point(
    label: str,
    role: str,
    strength: float,
    seeds: list[PairedScores],
    bases: list[str],
    real: tuple[list[float], list[float]],
) -> Point:
    r, a = (np.asarray(x, dtype=np.float64) for x in real)
    sd_r, sd_a = float(r.std(ddof=1)), float(a.std(ddof=1))
    values = []
    for index, (seed, base) in enumerate(zip(seeds, bases)):
        claimed, verified = seed.gains()
        values.append(
            SeedValues(
                cell=f"{role}:{base}",
                seed=index,
                base=base,
                claimed=claimed / sd_r if sd_r > 0 else None,
                verified=verified / sd_a if sd_a > 0 else None,
            )
        )
    point = _point(label, role, strength, values)
    point.hacking = judge_hacking(seeds, r, a)
    point.flags = [Flag(HACKED, FLAGGED if point.hacking.fired else CLEAR, point.hacking.reason)]
    return point


def control_points(values: Sequence[SeedValues], n: int | None) -> list[Point]:
    """The hacking verdict's controls of a frontier, once per base (not per point): best of
    N real held-out images by the reward (:data:`NEGATIVE_CONTROL_N`; one draw of ``n`` picks
    per base, so that the control has as many seeds and samples as the points) and each
    base's positive control; none when no cell has per-image scores or the audit is exact."""
    per_base: dict[str, SeedValues] = {}
    for value in values:
        if value.real_scores is not None and not value.exact and value.base is not None:
            per_base.setdefault(value.base, value)
    if not per_base:
        return []
    bases = sorted(per_base)
    real = per_base[bases[0]].real_scores
    assert real is not None
    r, a = (np.asarray(x, dtype=np.float64) for x in real)
    picks = n or len(r)
    points = []
    for strength in NEGATIVE_CONTROL_N:
        seeds = []
        for index in range(len(bases)):
            first, chosen = best_of_n_draws(
                r, strength, picks, np.random.default_rng([strength, index])
            )
            seeds.append(PairedScores.of(r[first], a[first], r[chosen], a[chosen]))
        points.append(
            _verdict_control_point(
                f"best of {strength} real images", NEGATIVE_CONTROL, strength, seeds, bases, real
            )
        )
    positive = [(b, found) for b in bases if (found := per_base[b].positive) is not None]
    if positive:
        points.append(
            _verdict_control_point(
                "the reward's gradient pushed on the base's samples (a known hack)",
                POSITIVE_CONTROL,
                0.0,
                [paired for _, (paired, _) in positive],
                [b for b, _ in positive],
                positive[0][1][1],
            )
        )
    return points


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
    "MEMORISATION",
    "NEGATIVE_CONTROL",
    "NEGATIVE_CONTROL_N",
    "NOT_CALIBRATED",
    "POSITIVE_CONTROL",
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
    "collapse_flag",
    "control_points",
    "flag_points",
    "hacked_flag",
    "memorisation_flag",
    "rank_curves",
    "t_quantile",
]
