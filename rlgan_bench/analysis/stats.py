"""Means over seeds with their 95% Student-t intervals: the one ± convention of every board
(frontier, leaderboard, comparisons)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

#: the two-sided 95% quantile of Student's t, t(0.975, df), for df = 1 .. 30
T_975 = (
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
    2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
    2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
    2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
)  # fmt: skip
_Z_975 = 1.959963984540054


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
