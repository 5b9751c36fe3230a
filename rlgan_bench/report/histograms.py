"""The reward histograms of a frontier in the HTML report: small multiples, a row per method
and a panel per strength, every panel on the frontier's shared bins and one y scale, so panels
compare at a glance. Each shows the point's samples as bars in its method's colour, its bases'
samples of the same latents as a dark outline and the real held-out images as a grey dotted
outline, with the two means marked; the y axis is the share of samples on a square-root
scale, so that the few samples of a tail stay visible next to the bulk. The counts are
:mod:`rlgan_bench.analysis.histograms`'s."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from rlgan_bench.analysis.frontier import Frontier, Point
from rlgan_bench.analysis.histograms import Histogram, PointHistogram, RewardHistograms
from rlgan_bench.report.chart_kit import (
    MUTED_COLOR,
    PALETTE,
    TEXT_COLOR,
    Frame,
    nice_ticks,
    svg,
    tick_label,
)

#: the real images' outline
REAL_COLOR = "#9aa5b1"
LEGEND = (
    "bars: the point's samples (over its seeds); dark outline: its bases' samples of the same "
    "latents; grey dotted: the real held-out images; ticks under the axis: the means (dark: "
    "the bases'). y: share of the samples per bin on a square-root scale (a few far samples "
    "stay visible)."
)


@dataclass
class HistogramRow:
    label: str
    charts: list[Markup]


@dataclass
class HistogramView:
    """A frontier's histograms: what they show, and a row of panels per method."""

    note: str
    rows: list[HistogramRow]


def _step_path(frame: Frame, edges: Sequence[float], heights: Sequence[float]) -> str:
    """An outline over the bins (heights in data units), from the axis to the axis."""
    points = [(edges[0], 0.0)]
    for left, right, height in zip(edges, edges[1:], heights):
        points += [(left, height), (right, height)]
    points.append((edges[-1], 0.0))
    return " ".join(f"{frame.x(x):.1f},{frame.y(y):.1f}" for x, y in points)


def histogram_chart(
    title: str,
    edges: Sequence[float],
    point: PointHistogram,
    real: Histogram | None,
    color: str,
    top: float,
    width: int = 200,
    height: int = 128,
) -> Markup:
    """One point's panel: its bars against its bases' and the real images' outlines on
    ``edges``; ``top`` is the largest share of the frontier (the shared y scale)."""
    scale = math.sqrt(max(top, 1e-12))
    frame = Frame((edges[0], edges[-1]), (0.0, 1.0), 10, 24, width - 20, height - 50)
    bottom = frame.top + frame.height
    body = [
        Markup(
            '<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="#fbfcfd" '
            'stroke="#c3cad3"/>'
        ).format(frame.left, frame.top, frame.width, frame.height)
    ]
    for tick in nice_ticks(edges[0], edges[-1], 3):
        if edges[0] <= tick <= edges[-1]:
            body.append(
                Markup(
                    '<text x="{:.1f}" y="{:.1f}" text-anchor="middle" fill="{}">{}</text>'
                ).format(frame.x(tick), bottom + 22, MUTED_COLOR, tick_label(tick))
            )
    run, base = point.run.shares(), point.base.shares()
    real_shares = real.shares() if real is not None else []
    for index, share in enumerate(run):
        left, right = frame.x(edges[index]), frame.x(edges[index + 1])
        py = frame.y(math.sqrt(share) / scale)
        tip = f"{edges[index]:.4g} to {edges[index + 1]:.4g}: {point.run.counts[index]} samples"
        tip += f" ({100 * share:.1f}%); bases {point.base.counts[index]} ({100 * base[index]:.1f}%)"
        if real is not None:
            tip += f"; real {real.counts[index]} ({100 * real_shares[index]:.1f}%)"
        body.append(
            Markup(
                '<rect class="bin" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" '
                'fill="#ffffff" fill-opacity="0"><title>{}</title></rect>'
            ).format(left, frame.top, max(right - left, 0.5), frame.height, tip)
        )
        if share > 0:
            body.append(
                Markup(
                    '<rect class="bar" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" '
                    'fill="{}" fill-opacity="0.7" pointer-events="none"/>'
                ).format(left + 0.3, py, max(right - left - 0.6, 0.5), bottom - py, color)
            )
    outlines = [(base, TEXT_COLOR, "", "base")]
    if real is not None:
        outlines.insert(0, (real_shares, REAL_COLOR, ' stroke-dasharray="2 2"', "real"))
    for shares, stroke, dash, css in outlines:
        heights = [math.sqrt(share) / scale for share in shares]
        body.append(
            Markup(
                '<polyline class="{}" points="{}" fill="none" stroke="{}" stroke-width="1.2"'
                '{} pointer-events="none"/>'
            ).format(css, _step_path(frame, edges, heights), stroke, Markup(dash))
        )
    for mean, stroke in ((point.base.mean, TEXT_COLOR), (point.run.mean, color)):
        if mean is None:
            continue
        px = frame.x(mean)
        body.append(
            Markup(
                '<line class="mean" x1="{px:.1f}" y1="{y1:.1f}" x2="{px:.1f}" y2="{y2:.1f}" '
                'stroke="{stroke}" stroke-width="2"><title>mean {mean:.4g}</title></line>'
            ).format(px=px, y1=bottom + 1, y2=bottom + 8, stroke=stroke, mean=mean)
        )
    return svg(width, height, title, body, "histogram")


def _largest_share(histograms: RewardHistograms, points: Sequence[PointHistogram]) -> float:
    found = [histograms.base, *(p for item in points for p in (item.run, item.base))]
    if histograms.real is not None:
        found.append(histograms.real)
    return max((share for h in found for share in h.shares()), default=0.0)


def histogram_view(item: Frontier) -> HistogramView | None:
    """The panels of ``item``'s points that have histograms; None when none has."""
    shared = item.reward_histograms
    if shared is None:
        return None
    drawn: list[tuple[str, str, list[Point]]] = []
    for index, curve in enumerate(item.curves):
        points = [point for point in curve.points if point.reward_histogram is not None]
        if points:
            drawn.append((curve.label, PALETTE[index % len(PALETTE)], points))
    every = [p.reward_histogram for _, _, points in drawn for p in points if p.reward_histogram]
    top = _largest_share(shared, every)
    rows = []
    for label, color, points in drawn:
        charts = []
        for point in points:
            assert point.reward_histogram is not None
            run = point.reward_histogram.run
            title = f"{point.label} (n = {run.n})"
            charts.append(
                histogram_chart(
                    title, shared.edges, point.reward_histogram, shared.real, color, top
                )
            )
        rows.append(HistogramRow(label, charts))
    bins = len(shared.edges) - 1
    note = (
        f"The reward {item.reward_label} of each point's samples, in {bins} bins from "
        f"{shared.edges[0]:.4g} to {shared.edges[-1]:.4g} shared by every panel. " + LEGEND
    )
    return HistogramView(note, rows)


__all__ = ["HistogramRow", "HistogramView", "histogram_chart", "histogram_view"]
