"""The curves of a frontier chart: each method's points at (x, verified gain) with the seeds'
intervals on both axes and the claimed gain beside, whatever x is (a fidelity cost or a
compute measure). One place, so that every chart of a frontier reads the gains alike
(against the control where the frontier has one)."""

from __future__ import annotations

from collections.abc import Callable

from rlgan_bench.analysis.frontier import Frontier, Point
from rlgan_bench.analysis.stats import Estimate
from rlgan_bench.report.chart_kit import PALETTE
from rlgan_bench.report.frontier_chart import FrontierMark, FrontierSeries


def gain_series(item: Frontier, x_of: Callable[[Point], Estimate | None]) -> list[FrontierSeries]:
    """One series per curve of ``item``: its points with an x (``x_of``) and a verified gain."""
    series = []
    for index, curve in enumerate(item.curves):
        marks = []
        for point in curve.points:
            x, y = x_of(point), point.gain("verified", item.against_control)
            if x is None or y is None:
                continue
            fired = point.fired
            marks.append(
                FrontierMark(
                    point.label,
                    x.mean,
                    y.mean,
                    x.half_width,
                    y.half_width,
                    point.claimed.mean if point.claimed else None,
                    ("flagged: " + ", ".join(fired)) if fired else "",
                )
            )
        series.append(FrontierSeries(curve.label, PALETTE[index % len(PALETTE)], marks))
    return series
