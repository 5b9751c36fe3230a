"""What each frontier point cost beyond its base, from its cells' ``compute`` records
(docs/results.md): the images the reward scored (reward calls), the images the generator made
(generator calls) and the wall seconds, of the fine-tuning and of drawing the evaluated
samples (best-of-n pays all of it there: N of each per sample). So methods can be compared at
equal compute, not only at equal fidelity cost.

A point's numbers are means over its seeds with 95% Student-t intervals (:class:`Estimate`);
a point with a seed recorded before the counts existed has none (the report shows "–"). The
base is the origin, 0 beyond itself; its own training cost is the frontier's ``base_cost``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rlgan_bench.analysis.results import CellResult
from rlgan_bench.analysis.stats import Estimate

if TYPE_CHECKING:  # the frontier holds what this module computes
    from rlgan_bench.analysis.frontier import Frontier, Point

#: what a cell's ``compute`` counts, in the order the report shows them
QUANTITIES = ("reward_calls", "generator_calls", "seconds")
#: the x axes of a frontier chart (``rlgan-bench report --x-axis``): the fidelity costs (the
#: default), or a point's compute
DEFAULT_X_AXIS = "fid-cost"
COMPUTE_AXES = {"reward-calls": "reward_calls", "seconds": "seconds"}
X_AXES = (DEFAULT_X_AXIS, *COMPUTE_AXES)
#: what the report.json definitions and the reports say of the compute
DEFINITION = (
    "what a point cost beyond its base, mean over seeds: reward calls (images the reward "
    "scored), generator calls (images the generator made) and wall seconds, of its fine-tuning "
    "(steps x batch x the method's calls per step: perturbation groups, PPO's inner epochs, the "
    "critic's fits and warm-up, reward-weighted's scoring of the training images; the side "
    "jobs' grids and audits not counted) and of drawing its evaluated samples (best-of-n: N "
    "reward and generator calls per sample); counted where the calls happen (result.json "
    "compute); the base is 0, its own cost is stated apart; '–': not recorded"
)
#: how a quantity is named on an axis
LABELS = {
    "reward_calls": "reward calls (images scored)",
    "generator_calls": "generator calls (images made)",
    "seconds": "wall seconds",
}


@dataclass(frozen=True)
class PointCompute:
    """A point's compute beyond its base, over its seeds."""

    reward_calls: Estimate
    generator_calls: Estimate
    seconds: Estimate
    #: the mean of each quantity of its parts: ``train`` (fine-tuning) and ``sampling``
    #: (drawing the evaluated samples)
    parts: dict[str, dict[str, float]] = field(default_factory=dict)
    #: the samples each seed's evaluation drew
    samples: int | None = None

    def measure(self, name: str) -> Estimate:
        """``reward_calls``, ``generator_calls`` or ``seconds``."""
        value: Estimate = getattr(self, name)
        return value

    @classmethod
    def zero(cls, n: int) -> PointCompute:
        """The base's: the origin, nothing beyond itself (by definition)."""
        zero = Estimate.fixed(0.0, max(n, 1))
        return cls(zero, zero, zero)

    def to_json(self) -> dict[str, Any]:
        return {
            **{name: self.measure(name).to_json() for name in QUANTITIES},
            "parts": {part: dict(values) for part, values in self.parts.items()},
            "samples": self.samples,
        }


def point_compute(cells: Sequence[CellResult]) -> PointCompute | None:
    """The compute of the seeds ``cells`` of one point; None when any of them has none."""
    records = [cell.result.compute for cell in cells]
    if not records or any(record is None for record in records):
        return None
    found = [record for record in records if record is not None]
    parts: dict[str, dict[str, float]] = {}
    for name in sorted({part for record in found for part in record.parts or {}}):
        values = [(record.parts or {}).get(name) for record in found]
        if all(value is not None for value in values):
            parts[name] = {
                quantity: sum(float(getattr(v, quantity)) for v in values if v) / len(values)
                for quantity in QUANTITIES
            }
    samples = {record.samples for record in found}
    return PointCompute(
        Estimate.of([float(record.reward_calls) for record in found]),
        Estimate.of([float(record.generator_calls) for record in found]),
        Estimate.of([float(record.seconds) for record in found]),
        parts,
        samples.pop() if len(samples) == 1 else None,
    )


def attach_compute(frontier: Frontier, cells: Mapping[str, CellResult]) -> None:
    """Give each point of ``frontier`` its compute (``Point.compute``), the base 0, and the
    frontier the bases' own training cost (``base_cost``)."""

    def of(point: Point) -> PointCompute | None:
        found = [cells[cell] for cell in point.cells if cell in cells]
        return point_compute(found) if len(found) == len(point.cells) else None

    for curve in frontier.curves:
        for point in curve.points:
            point.compute = of(point)
    if frontier.control is not None:
        frontier.control.compute = of(frontier.control)
    frontier.base.compute = PointCompute.zero(len(frontier.base.cells))
    frontier.base_cost = of(frontier.base)


__all__ = [
    "COMPUTE_AXES",
    "DEFAULT_X_AXIS",
    "DEFINITION",
    "LABELS",
    "QUANTITIES",
    "X_AXES",
    "PointCompute",
    "attach_compute",
    "point_compute",
]
