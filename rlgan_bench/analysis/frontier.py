"""The frontiers of a base-protocol matrix (docs/protocol.md): what each method buys in verified
reward for what it costs in fidelity, against the base it started from. This module is what a
frontier is made of; :mod:`rlgan_bench.analysis.frontier_report` builds them from a results
directory.

One **frontier** per dataset and feature extractor (and evaluation N), backbone and reward
(with its parameters):

- one **curve** per method and anchor (and any other setting in which cells differ but the
  strength), one **point** per strength;
- each point aggregated over seeds, each seed paired with its own base (the ``reward_audit``
  section of the cell: its samples against its base's on the same N latents;
  :mod:`rlgan_bench.analysis.seed_values`): ``fid_cost`` (FID above the base's),
  ``precision_drop`` (precision below the base's), ``verified`` and ``claimed`` (normalised
  gains), each the mean with a 95% Student-t interval over seeds (:class:`Estimate`; one seed:
  no interval, marked);
- the **base** is the point (0, 0); the **control** (the base trained on for the same steps,
  no reward) is a point of its own when the matrix has one;
- the **budget ranking** of the curves and their **area** (:mod:`rlgan_bench.analysis.budget`);
- the **calibrated gauge**: flags ``hacked``, ``over-optimised``, ``diversity collapse`` and
  ``memorisation`` (:mod:`rlgan_bench.analysis.verdicts`), measured against the seed-to-seed
  noise of the bases (:mod:`rlgan_bench.analysis.noise_floors`) instead of hand-set
  thresholds.

Every definition is in :data:`rlgan_bench.analysis.definitions.DEFINITIONS`, which the report
states and report.json records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rlgan_bench.analysis.budget import Budget
from rlgan_bench.analysis.compute import PointCompute
from rlgan_bench.analysis.hacking import HackingVerdict, PairedScores
from rlgan_bench.analysis.histograms import PointHistogram, RewardHistograms
from rlgan_bench.analysis.noise_floors import NoiseFloors
from rlgan_bench.analysis.stats import Estimate, _estimate
from rlgan_bench.analysis.verdicts import Flag

#: the x measures of a frontier: (name, label)
X_MEASURES = (
    ("fid_cost", "FID cost"),
    ("precision_drop", "precision drop"),
    ("recall_drop", "recall drop"),
)


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

    @classmethod
    def of_seeds(
        cls, label: str, role: str, strength: float | None, values: list[SeedValues]
    ) -> Point:
        """The point of ``values`` (one per seed): each measure's mean with its interval."""
        values = sorted(values, key=lambda v: (v.seed, v.cell))

        def pick(read: Callable[[SeedValues], float | None]) -> Estimate | None:
            return _estimate(read(v) for v in values)

        return cls(
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
    #: the budget ranking (:func:`~rlgan_bench.analysis.budget.rank_curves`): 1 = best; None: unranked
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
    #: the controls of the hacking verdict (:mod:`rlgan_bench.analysis.verdict_controls`)
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


__all__ = ["X_MEASURES", "Curve", "Frontier", "Point", "SeedValues"]
