"""The budget ranking of a frontier's curves: the fidelity cost within which methods are
ranked (:class:`Budget`: the matrix's ``[matrix] budget``, each key it does not give at
:data:`~rlgan_bench.core.defaults.FRONTIER_BUDGET`), each curve's best point within it, its
rank, whether the seeds tell it from the curve ranked above it, and its area under the running
maximum of verified gain over the budget."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rlgan_bench.analysis.json_numbers import number
from rlgan_bench.analysis.separation import separation
from rlgan_bench.core.defaults import FRONTIER_BUDGET

if TYPE_CHECKING:  # the curves hold their ranking
    from rlgan_bench.analysis.frontier import Curve, Point

#: what the ranking and the area are (the report states them among
#: :data:`rlgan_bench.analysis.definitions.DEFINITIONS`)
BUDGET_DEFINITIONS: dict[str, str] = {
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
}


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
        value = number(given.get(key)) if isinstance(given, dict) else None
        if value is not None and value >= 0:
            values[key], used = value, True
    return Budget(
        values["fid_cost"],
        values["precision_drop"],
        "matrix.json" if used else "default",
        values["recall_drop"],
    )


def area_under(points: Sequence[tuple[float, float]], budget: float) -> float:
    """The area under the running maximum of gain as a step function of cost, from 0 to
    ``budget``, divided by ``budget`` (:data:`BUDGET_DEFINITIONS` ``area``). ``points``: (mean
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


__all__ = ["BUDGET_DEFINITIONS", "Budget", "area_under", "budget_of", "rank_curves"]
