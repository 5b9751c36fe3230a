"""Whether two methods' best points within the budget are told apart by the seeds: the paired
difference of their verified gains over the seeds both measured (one base per seed, so the
seed's own luck cancels), with its 95% Student-t interval. Two methods whose interval holds 0
are *not distinguishable*: the ranking orders their means but the evidence does not."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from rlgan_bench.analysis.stats import t_quantile


@dataclass(frozen=True)
class Separation:
    """The paired difference ``upper − lower`` of verified gain over ``seeds`` common seeds."""

    difference: float
    #: the half-width of its 95% t interval; None with fewer than two common seeds
    half_width: float | None
    seeds: int

    @property
    def distinguishable(self) -> bool:
        """The interval excludes 0 (never with fewer than two common seeds)."""
        return self.half_width is not None and self.difference - self.half_width > 0

    def describe(self, other: str) -> str:
        """How the report says it, naming the method ranked above."""
        if self.half_width is None:
            return f"not distinguishable from {other} ({self.seeds} common seed)"
        return (
            f"not distinguishable from {other}: difference {self.difference:.2f} ± "
            f"{self.half_width:.2f} over {self.seeds} seeds"
        )


def separation(upper: Mapping[int, float], lower: Mapping[int, float]) -> Separation | None:
    """The paired difference of two points' per-seed verified gains (seed -> gain); None when
    they share no seed."""
    common = sorted(set(upper) & set(lower))
    if not common:
        return None
    differences = [upper[seed] - lower[seed] for seed in common]
    mean = statistics.fmean(differences)
    if len(differences) < 2:
        return Separation(mean, None, len(differences))
    half = (
        t_quantile(len(differences) - 1)
        * statistics.stdev(differences)
        / math.sqrt(len(differences))
    )
    return Separation(mean, half, len(differences))
