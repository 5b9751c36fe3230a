"""The reward-vs-FID trade-off scatter of a from-scratch matrix: each configuration with its
error bars, the points on the Pareto front filled and joined, and the no-reward baselines as
labelled levels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from rlgan_bench.report.chart_kit import (
    FRONT_COLOR,
    MUTED_COLOR,
    TEXT_COLOR,
    Frame,
    Labels,
    padded_span,
    polyline_points,
    svg,
    tick_label,
)
from rlgan_bench.report.chart_text import title_space


@dataclass
class ScatterPoint:
    label: str
    x: float
    y: float
    x_std: float | None = None
    y_std: float | None = None
    #: no other point has both a higher x and a lower y (the caller decides)
    on_front: bool = False
    #: the point's name in its tooltip, when the label is a short form of it
    tip: str = ""


TRADEOFF_LEGEND = Markup(
    '<circle cx="66" cy="30" r="4.5" fill="{front}"/><text x="75" y="34" fill="{text}">Pareto '
    'front</text><circle cx="170" cy="30" r="4.5" fill="#fff" stroke="{muted}" '
    'stroke-width="1.5"/><text x="179" y="34" fill="{text}">dominated</text><line x1="262" '
    'y1="30" x2="282" y2="30" stroke="#7f7f7f" stroke-width="1.5" stroke-dasharray="5 3"/>'
    '<text x="287" y="34" fill="{text}">no reward</text>'
).format(front=FRONT_COLOR, text=TEXT_COLOR, muted=MUTED_COLOR)


def tradeoff_chart(
    points: Sequence[ScatterPoint],
    baselines: Sequence[tuple[str, float]],
    title: str,
    xlabel: str,
    ylabel: str,
    width: int = 560,
    height: int = 360,
) -> Markup:
    """A scatter of (reward, FID) with error bars, the points on the Pareto front filled and
    joined by a line in x order, and the no-reward baselines as labelled dashed levels."""
    xs = [v for p in points for v in (p.x - (p.x_std or 0), p.x + (p.x_std or 0))]
    ys = [v for p in points for v in (p.y - (p.y_std or 0), p.y + (p.y_std or 0))]
    ys += [value for _, value in baselines]
    lift = title_space(title, width)
    height = int(height + lift)
    top = 40 + lift
    frame = Frame(
        padded_span(xs, 0.12), padded_span(ys, 0.1), 60, top, width - 80, height - top - 44
    )
    body = frame.axes(xlabel, ylabel)
    body.append(
        Markup('<g transform="translate(0 {})">{}</g>').format(lift, TRADEOFF_LEGEND)
        if lift
        else TRADEOFF_LEGEND
    )
    body.append(
        Markup(
            '<text x="{}" y="{}" text-anchor="end" fill="#1a7f37">better: → and ↓</text>'
        ).format(width - 12, 34 + lift)
    )
    right = frame.left + frame.width
    # point and baseline labels stay inside the plot, off each other and off the markers
    labels = Labels((frame.left + 2, frame.top, right - 2, frame.top + frame.height))
    for point in points:
        labels.marker(frame.x(point.x), frame.y(point.y))
    for label, value in baselines:
        py = frame.y(value)
        body.append(
            Markup(
                '<line class="baseline" x1="{left:.1f}" y1="{py:.1f}" x2="{right:.1f}" '
                'y2="{py:.1f}" stroke="#7f7f7f" stroke-width="1.5" stroke-dasharray="5 3">'
                "<title>{label}: {value}</title></line>"
            ).format(left=frame.left, right=right, py=py, label=label, value=tick_label(value))
        )
        body.append(labels.place(right - 2, py, label, offset=4, fill=MUTED_COLOR))
    on_front = sorted((p for p in points if p.on_front), key=lambda p: p.x)
    if len(on_front) > 1:
        body.append(
            Markup(
                '<polyline class="pareto" points="{}" fill="none" stroke="{}" stroke-width="2" '
                'stroke-opacity="0.7"/>'
            ).format(polyline_points(frame, [(p.x, p.y) for p in on_front]), FRONT_COLOR)
        )
    for point in points:
        body += _scatter_point(frame, point, xlabel, ylabel)
    # the front's labels first: where labels compete for room, they are the ones to read
    for point in sorted(points, key=lambda p: not p.on_front):
        body.append(labels.place(frame.x(point.x), frame.y(point.y), point.label, offset=7))
    return svg(width, height, title, body, "tradeoff")


def _scatter_point(frame: Frame, point: ScatterPoint, xlabel: str, ylabel: str) -> list[Markup]:
    """A point's error bars, its marker (filled on the front) with a tooltip, and its label."""
    parts = []
    px, py = frame.x(point.x), frame.y(point.y)
    error_bar = Markup('<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#9aa5b1"/>')
    if point.x_std:
        low, high = frame.x(point.x - point.x_std), frame.x(point.x + point.x_std)
        parts.append(error_bar.format(low, py, high, py))
    if point.y_std:
        low, high = frame.y(point.y - point.y_std), frame.y(point.y + point.y_std)
        parts.append(error_bar.format(px, low, px, high))
    style = (
        Markup('fill="{}" class="point front"').format(FRONT_COLOR)
        if point.on_front
        else Markup('fill="#ffffff" stroke="{}" stroke-width="1.5" class="point"').format(
            MUTED_COLOR
        )
    )
    tip = f"{point.tip or point.label}: {xlabel} {point.x:.4g}, {ylabel} {point.y:.4g}"
    parts.append(
        Markup(
            '<circle cx="{px:.1f}" cy="{py:.1f}" r="5" {style}><title>{tip}</title></circle>'
        ).format(px=px, py=py, style=style, tip=tip)
    )
    return parts


__all__ = ["TRADEOFF_LEGEND", "ScatterPoint", "tradeoff_chart"]
