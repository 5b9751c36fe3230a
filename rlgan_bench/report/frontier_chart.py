"""The chart of a base-protocol frontier: verified gain against a fidelity cost (or a compute),
one curve per method from the base at the origin through its strengths, with the intervals of
both means, the claimed gain dashed, flagged points ringed, the control and the budget."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from rlgan_bench.report.chart_kit import (
    FRONT_COLOR,
    MUTED_COLOR,
    TEXT_COLOR,
    Frame,
    Labels,
    empty_note,
    legend_columns,
    legend_entry,
    padded_span,
    polyline_points,
    svg,
    tick_label,
)
from rlgan_bench.report.chart_text import text_width, title_space


@dataclass
class FrontierMark:
    """One point of a frontier curve: its mean cost and gains, each with the half-width of
    its interval (None: one seed, no bar), a label and what its tooltip adds."""

    label: str
    x: float
    y: float
    x_half: float | None = None
    y_half: float | None = None
    #: the claimed gain at the same cost (drawn dashed); None: not measured
    claimed: float | None = None
    #: flagged by the calibrated gauge: drawn with a red ring, the flags in the tooltip
    flags: str = ""


@dataclass
class FrontierSeries:
    """One method's curve: its points in strength order (the base, the origin, comes first)."""

    label: str
    color: str
    marks: list[FrontierMark]


def frontier_chart(
    series: Sequence[FrontierSeries],
    title: str,
    xlabel: str,
    ylabel: str,
    controls: Sequence[FrontierMark] = (),
    budget: float | None = None,
    width: int = 560,
    height: int = 380,
) -> Markup:
    """Verified gain (y) against a cost (x): per series a solid polyline from the base at the
    origin through its points, error bars of both intervals, and its claimed gain as a
    dashed line of the same colour; flagged points ringed in red. ``controls``: points
    without a reward (the control), drawn as a diamond, or as a dashed vertical line at
    their cost when their gain is not measured (``y`` NaN). ``budget``: the cost up to which
    methods are ranked, a labelled vertical line."""
    legend = [(item.label, item.color, "") for item in series]
    legend += [("claimed gain", MUTED_COLOR, "5 3")]
    lift = title_space(title, width)
    height = int(height + lift)
    columns = legend_columns([label for label, _, _ in legend], width - 66)
    rows = max(1, math.ceil(len(legend) / columns))
    top = 24 + 15 * rows + lift
    xs, ys = [0.0], [0.0]
    if budget is not None and math.isfinite(budget):
        xs.append(budget)
    for item in series:
        for mark in item.marks:
            xs += [mark.x - (mark.x_half or 0), mark.x + (mark.x_half or 0)]
            ys += [mark.y - (mark.y_half or 0), mark.y + (mark.y_half or 0)]
            if mark.claimed is not None:
                ys.append(mark.claimed)
    for control in controls:
        xs.append(control.x)
        if math.isfinite(control.y):
            ys.append(control.y)
    frame = Frame(
        padded_span(xs, 0.08), padded_span(ys, 0.1), 60, top, width - 80, height - top - 44
    )
    body = frame.axes(xlabel, ylabel)
    column = (width - 66) / columns
    for index, (label, color, pattern) in enumerate(legend):
        lx = 62 + (index % columns) * column
        ly = 30 + lift + 15 * (index // columns)
        body.append(legend_entry(lx, ly, label, color, pattern, column - 6))
    labels = Labels(
        (frame.left + 2, frame.top, frame.left + frame.width - 2, frame.top + frame.height)
    )
    ox, oy = frame.x(0.0), frame.y(0.0)
    labels.block((ox - 4.5, oy - 4.5, ox + 4.5, oy + 4.5))
    for item in series:
        for mark in item.marks:
            labels.marker(frame.x(mark.x), frame.y(mark.y), 4.5)
    for value, horizontal in ((0.0, True), (0.0, False)):
        inside = frame.y_range if horizontal else frame.x_range
        if not inside[0] <= value <= inside[1]:
            continue
        if horizontal:
            ends = (frame.left, frame.y(value), frame.left + frame.width, frame.y(value))
        else:
            ends = (frame.x(value), frame.top, frame.x(value), frame.top + frame.height)
        body.append(
            Markup(
                '<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#c3cad3"/>'
            ).format(*ends)
        )
    bottom = frame.top + frame.height
    if budget is not None and math.isfinite(budget):
        px = frame.x(budget)
        body.append(
            Markup(
                '<line class="budget" x1="{px:.1f}" y1="{top:.1f}" x2="{px:.1f}" '
                'y2="{bottom:.1f}" stroke="{color}" stroke-width="1.2" stroke-dasharray="6 3" '
                'stroke-opacity="0.6"><title>budget: {xlabel} {value}</title></line>'
                '<text x="{tx:.1f}" y="{ty:.1f}" text-anchor="end" fill="{color}">budget</text>'
            ).format(
                px=px,
                top=frame.top,
                bottom=bottom,
                color=FRONT_COLOR,
                xlabel=xlabel,
                value=tick_label(budget),
                tx=px - 4,
                ty=bottom - 6,
            )
        )
        labels.block((px - 4 - text_width("budget"), bottom - 15, px - 4, bottom - 3))
    for control in controls:
        tip = f"{control.label}: {xlabel} {control.x:.4g}"
        if math.isfinite(control.y):
            px, py = frame.x(control.x), frame.y(control.y)
            body.append(
                Markup(
                    '<polygon class="control" points="{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} '
                    '{:.1f},{:.1f}" fill="{}"><title>{}, {} {:.4g}</title></polygon>'
                ).format(
                    px,
                    py - 6,
                    px + 6,
                    py,
                    px,
                    py + 6,
                    px - 6,
                    py,
                    MUTED_COLOR,
                    tip,
                    ylabel,
                    control.y,
                )
            )
            continue
        px = frame.x(control.x)
        body.append(
            Markup(
                '<line class="control" x1="{px:.1f}" y1="{top:.1f}" x2="{px:.1f}" '
                'y2="{bottom:.1f}" stroke="{muted}" stroke-width="1.5" stroke-dasharray="2 3">'
                "<title>{tip} (no reward: no gain)</title></line>"
            ).format(px=px, top=frame.top, bottom=bottom, muted=MUTED_COLOR, tip=tip)
        )
        body.append(labels.place(px, frame.top + 14, control.label, 4, MUTED_COLOR))
    bar = Markup(
        '<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="{}" stroke-opacity="0.55"/>'
    )
    for item in series:
        path = [(0.0, 0.0)] + [(m.x, m.y) for m in item.marks]
        body.append(
            Markup(
                '<polyline class="frontier" points="{}" fill="none" stroke="{}" '
                'stroke-width="2"><title>{}</title></polyline>'
            ).format(polyline_points(frame, path), item.color, item.label)
        )
        claimed = [(0.0, 0.0)] + [(m.x, m.claimed) for m in item.marks if m.claimed is not None]
        if len(claimed) > 1:
            body.append(
                Markup(
                    '<polyline class="claimed" points="{}" fill="none" stroke="{}" '
                    'stroke-width="1.5" stroke-dasharray="5 3"><title>{}: claimed gain</title>'
                    "</polyline>"
                ).format(polyline_points(frame, claimed), item.color, item.label)
            )
        for mark in item.marks:
            px, py = frame.x(mark.x), frame.y(mark.y)
            if mark.x_half:
                low, high = frame.x(mark.x - mark.x_half), frame.x(mark.x + mark.x_half)
                body.append(bar.format(low, py, high, py, item.color))
            if mark.y_half:
                low, high = frame.y(mark.y - mark.y_half), frame.y(mark.y + mark.y_half)
                body.append(bar.format(px, low, px, high, item.color))
            tip = f"{item.label} {mark.label}: {xlabel} {mark.x:.4g}, {ylabel} {mark.y:.4g}"
            if mark.claimed is not None:
                tip += f", claimed {mark.claimed:.4g}"
            if mark.flags:
                tip += f"; {mark.flags}"
            ring = (
                Markup(' stroke="{}" stroke-width="2.5"').format(FRONT_COLOR)
                if mark.flags
                else Markup(' stroke="#ffffff" stroke-width="1"')
            )
            body.append(
                Markup(
                    '<circle class="{css}" cx="{px:.1f}" cy="{py:.1f}" r="4.5" fill="{color}"'
                    "{ring}><title>{tip}</title></circle>"
                ).format(
                    css="point flagged" if mark.flags else "point",
                    px=px,
                    py=py,
                    color=item.color,
                    ring=ring,
                    tip=tip,
                )
            )
    body.append(
        Markup(
            '<rect class="base" x="{:.1f}" y="{:.1f}" width="9" height="9" fill="{}">'
            "<title>base: {} 0, {} 0</title></rect>"
        ).format(ox - 4.5, oy - 4.5, TEXT_COLOR, xlabel, ylabel)
    )
    body.append(labels.place(ox, oy, "base", 7, below=True))
    for item in series:
        for mark in item.marks:
            body.append(labels.place(frame.x(mark.x), frame.y(mark.y), mark.label))
    if not any(item.marks for item in series):
        body.append(empty_note(frame, width, top, "no point"))
    return svg(width, height, title, body, "frontier")


__all__ = ["FrontierMark", "FrontierSeries", "frontier_chart"]
