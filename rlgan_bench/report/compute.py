"""A frontier point's compute in the report: the table column (reward calls · generator calls ·
seconds, beyond the base) and the chart of verified gain against reward calls or seconds
(``rlgan-bench report --x-axis``). The numbers are :mod:`rlgan_bench.analysis.compute`'s."""

from __future__ import annotations

import math

from markupsafe import Markup

from rlgan_bench.analysis.compute import COMPUTE_AXES, LABELS, PointCompute
from rlgan_bench.analysis.frontier import Frontier
from rlgan_bench.report.frontier_chart import FrontierMark, frontier_chart
from rlgan_bench.report.gain_series import gain_series

#: the frontier tables' compute column
COMPUTE_HEADER = "compute: reward · generator calls · s"


def count_text(value: float) -> str:
    """``96``, ``12.8k``, ``1.54M``: a count in three significant digits."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.0f}"


def seconds_text(value: float) -> str:
    """``0.25 s``, ``41 s``, ``12.5 min``."""
    if value >= 600:
        return f"{value / 60:.1f} min"
    return f"{value:.2g} s" if value < 10 else f"{value:.0f} s"


def compute_text(compute: PointCompute | None) -> str:
    """``12.8k · 25.6k · 41 s`` (means over seeds); ``–`` where it was not recorded."""
    if compute is None:
        return "–"
    return (
        f"{count_text(compute.reward_calls.mean)} · {count_text(compute.generator_calls.mean)}"
        f" · {seconds_text(compute.seconds.mean)}"
    )


def base_cost_text(item: Frontier) -> str:
    """The scope line on the bases' own cost, which no point's compute includes."""
    cost = item.base_cost
    if cost is None:
        return "compute: beyond the base (the bases' own training was not counted)"
    return (
        f"compute: beyond the base, training and drawing the evaluated samples; each base "
        f"itself cost {compute_text(cost)} (reward · generator calls · s)"
    )


def compute_chart(item: Frontier, axis: str) -> Markup:
    """Verified gain (against the control where the frontier has one) against ``axis``
    (``reward-calls`` or ``seconds``, beyond the base, which is the origin): a curve per method through its points with the seeds' intervals; the
    control, which has no gain, a dashed line at its compute."""
    name = COMPUTE_AXES[axis]
    label = LABELS[name]
    series = gain_series(
        item, lambda point: point.compute.measure(name) if point.compute is not None else None
    )
    controls = []
    if item.control is not None and item.control.compute is not None:
        cost = item.control.compute.measure(name)
        controls.append(FrontierMark(item.control.label, cost.mean, math.nan, cost.half_width))
    return frontier_chart(
        series,
        f"{item.title}: verified gain vs {label}",
        f"{label} beyond the base →",
        "verified gain (sd) ↑",
        controls,
    )


__all__ = [
    "COMPUTE_HEADER",
    "base_cost_text",
    "compute_chart",
    "compute_text",
    "count_text",
    "seconds_text",
]
