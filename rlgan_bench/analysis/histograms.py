"""The reward of each frontier point's samples binned, beside its base's and the real held-out
images', on bins the whole frontier shares: a mean that moved because a few samples moved far
shows as a tail, which no mean and interval shows (DDPO's users read their reward histograms
for exactly that).

The values are those the reward-hacking gauge records per image (``reward_audit.per_sample
.reward``: ``run``, ``base``, ``real``); a point's are pooled over its seeds, its base's over
the same seeds' bases (the same latents). report.json keeps the counts, not the values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rlgan_bench.analysis.results import CellResult

if TYPE_CHECKING:  # the frontier holds what this module computes
    from rlgan_bench.analysis.frontier import Frontier, Point

#: equal-width bins between the lowest and the highest reward of the frontier
BINS = 30
#: what the report.json definitions and the reports say of the histograms
DEFINITION = (
    f"the reward of each point's samples (pooled over its seeds) counted in {BINS} equal-width "
    "bins shared by the whole frontier, from its lowest to its highest reward, beside its "
    "bases' samples of the same latents and the real held-out images "
    "(reward_audit.per_sample.reward); a mean that moved by a few far samples shows as a tail"
)


@dataclass(frozen=True)
class Histogram:
    """Counts per bin; ``n`` is their sum (non-finite values are left out and counted in
    ``left_out``); ``mean``: of the values binned (None: none)."""

    counts: tuple[int, ...]
    left_out: int = 0
    mean: float | None = None

    @property
    def n(self) -> int:
        return sum(self.counts)

    def shares(self) -> list[float]:
        """Each bin's share of the values (all 0 for no value)."""
        total = self.n
        return [count / total if total else 0.0 for count in self.counts]

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "counts": list(self.counts),
            "left_out": self.left_out,
            "mean": self.mean,
        }


@dataclass(frozen=True)
class PointHistogram:
    """A point's samples (``run``, over its seeds) and its bases' samples of the same latents."""

    run: Histogram
    base: Histogram

    def to_json(self) -> dict[str, Any]:
        return {**self.run.to_json(), "base": self.base.to_json()}


@dataclass(frozen=True)
class RewardHistograms:
    """A frontier's shared bins (``edges``, one more than the counts), its bases' samples
    pooled and the real held-out images."""

    edges: tuple[float, ...]
    base: Histogram
    real: Histogram | None

    def to_json(self) -> dict[str, Any]:
        return {
            "bins": len(self.edges) - 1,
            "edges": list(self.edges),
            "base": self.base.to_json(),
            "real": self.real.to_json() if self.real is not None else None,
        }


def _rewards(cell: CellResult, kind: str) -> list[float] | None:
    """The per-image reward of ``kind`` (``run``, ``base``, ``real``) the cell's gauge
    recorded; None where it recorded none."""
    section = cell.audit
    per_sample = (section.per_sample or {}) if section is not None else {}
    values = (per_sample.get("reward") or {}).get(kind)
    return list(values) if values is not None else None


def _finite(values: Sequence[Any]) -> list[float]:
    return [float(v) for v in values if isinstance(v, (int, float)) and math.isfinite(v)]


def binned(values: Sequence[Any], edges: np.ndarray) -> Histogram:
    """``values`` counted in the bins of ``edges`` (the last bin holds its upper edge)."""
    kept = _finite(values)
    counts, _ = np.histogram(np.asarray(kept, dtype=np.float64), bins=edges)
    mean = float(np.mean(kept)) if kept else None
    return Histogram(tuple(int(c) for c in counts), len(values) - len(kept), mean)


def shared_edges(groups: Iterable[Sequence[Any]], bins: int = BINS) -> np.ndarray | None:
    """``bins`` equal-width bins from the lowest to the highest finite value of all ``groups``
    (a single value: a bin of width 1 around it); None without any value."""
    values = [v for group in groups for v in _finite(group)]
    if not values:
        return None
    low, high = min(values), max(values)
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, bins + 1)


def attach_histograms(frontier: Frontier, cells: Mapping[str, CellResult]) -> None:
    """Give each point of ``frontier`` whose cells recorded per-image rewards its histogram
    (``Point.reward_histogram``) and the frontier its bins, bases and real images
    (``reward_histograms``); nothing where no cell recorded them."""
    points: list[tuple[Point, list[float], list[float]]] = []
    bases: dict[str, list[float]] = {}
    real: list[float] | None = None
    for curve in frontier.curves:
        for point in curve.points:
            members = [cells[cell] for cell in point.cells if cell in cells]
            found = [
                (cell, run, base)
                for cell in members
                if (run := _rewards(cell, "run")) is not None
                and (base := _rewards(cell, "base")) is not None
            ]
            if not members or len(found) < len(point.cells):
                continue
            points.append(
                (point, [v for _, run, _ in found for v in run], [v for *_, b in found for v in b])
            )
            for cell, _, base in found:
                key = cell.protocol.base if cell.protocol and cell.protocol.base else cell.id
                bases.setdefault(key, base)
                real = real if real is not None else _rewards(cell, "real")
    if not points:
        return
    edges = shared_edges([*(v for item in points for v in item[1:]), real or []])
    if edges is None:
        return
    for point, samples, of_bases in points:
        point.reward_histogram = PointHistogram(binned(samples, edges), binned(of_bases, edges))
    frontier.reward_histograms = RewardHistograms(
        tuple(float(edge) for edge in edges),
        binned([v for values in bases.values() for v in values], edges),
        binned(real, edges) if real is not None else None,
    )


__all__ = [
    "BINS",
    "DEFINITION",
    "Histogram",
    "PointHistogram",
    "RewardHistograms",
    "attach_histograms",
    "binned",
    "shared_edges",
]
