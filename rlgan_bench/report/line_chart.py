"""Line charts (training curves, reward and audit over training): a line per series over a
shared x axis, each with an optional shaded band, and a legend above the plot."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from rlgan_bench.report.chart_kit import (
    Frame,
    dash_attribute,
    empty_note,
    legend_columns,
    legend_entry,
    padded_span,
    polyline_points,
    svg,
)
from rlgan_bench.report.chart_text import title_space


@dataclass
class Series:
    label: str
    points: list[tuple[float, float]]
    color: str
    #: stroke-dasharray ("" for a solid line)
    dash: str = ""
    #: (x, low, high): a shaded band (mean ± std)
    band: list[tuple[float, float, float]] | None = None


def line_chart(
    series: Sequence[Series],
    title: str,
    xlabel: str,
    ylabel: str,
    width: int = 420,
    height: int = 250,
) -> Markup:
    """Lines (one per series; a dot for a single point) over a shared x axis, each with its
    optional band, and a legend (one entry per label, color and dash) above the plot."""
    legend: list[tuple[str, str, str]] = []
    for item in series:
        entry = (item.label, item.color, item.dash)
        if entry not in legend:
            legend.append(entry)
    lift = title_space(title, width)
    height = int(height + lift)
    columns = legend_columns([label for label, _, _ in legend], width - 60)
    rows = max(1, math.ceil(len(legend) / columns))
    top = 24 + 15 * rows + lift
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points]
    ys += [v for s in series for _, lo, hi in (s.band or []) for v in (lo, hi)]
    frame = Frame(padded_span(xs, 0.0), padded_span(ys), 54, top, width - 66, height - top - 40)
    body = frame.axes(xlabel, ylabel)
    column = (width - 60) / columns
    for index, (label, color, pattern) in enumerate(legend):
        lx, ly = 56 + (index % columns) * column, 30 + lift + 15 * (index // columns)
        body.append(legend_entry(lx, ly, label, color, pattern, column - 6))
    for item in series:
        if item.band:
            upper = [(x, hi) for x, _, hi in item.band]
            lower = [(x, lo) for x, lo, _ in reversed(item.band)]
            body.append(
                Markup(
                    '<polygon class="band" points="{}" fill="{}" fill-opacity="0.15" '
                    'stroke="none"/>'
                ).format(polyline_points(frame, upper + lower), item.color)
            )
        if len(item.points) == 1:
            ((x, y),) = item.points
            body.append(
                Markup('<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="{}"/>').format(
                    frame.x(x), frame.y(y), item.color
                )
            )
        elif item.points:
            body.append(
                Markup(
                    '<polyline class="series" points="{}" fill="none" stroke="{}" '
                    'stroke-width="1.8"{}><title>{}</title></polyline>'
                ).format(
                    polyline_points(frame, item.points),
                    item.color,
                    dash_attribute(item.dash),
                    item.label,
                )
            )
    if not any(item.points for item in series):
        body.append(empty_note(frame, width, top, "nothing logged"))
    return svg(width, height, title, body, "curve")


__all__ = ["Series", "line_chart"]
