"""The controls of the hacked verdict, shown on every frontier whose audit is independent: the
best of N real held-out images by the reward (real images cannot be hacked, so the verdict must
stay silent on it) and each base's samples pushed up the reward's gradient (a known hack, on
which it must fire). What each is: :data:`~rlgan_bench.analysis.verdicts.VERDICT_DEFINITIONS`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rlgan_bench.analysis.frontier import Point, SeedValues
from rlgan_bench.analysis.hacking import PairedScores, judge_hacking
from rlgan_bench.analysis.selection import best_of_n_draws
from rlgan_bench.analysis.verdicts import (
    CLEAR,
    FLAGGED,
    HACKED,
    NEGATIVE_CONTROL,
    NEGATIVE_CONTROL_N,
    POSITIVE_CONTROL,
    Flag,
)


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
    point = Point.of_seeds(label, role, strength, values)
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


__all__ = ["control_points"]
