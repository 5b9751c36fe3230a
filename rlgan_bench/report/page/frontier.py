"""The frontiers of a base-protocol matrix in the HTML report (``frontier.html.j2``): per
frontier what was measured, a table of its points, a chart per cost measure (and one against
compute), the hacked verdict's controls, the points' reward histograms and the budget ranking;
then the definitions."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial

from markupsafe import Markup

from rlgan_bench.analysis.compute import COMPUTE_AXES, DEFAULT_X_AXIS
from rlgan_bench.analysis.definitions import DEFINITIONS
from rlgan_bench.analysis.frontier import X_MEASURES, Frontier, Point
from rlgan_bench.analysis.frontier_report import FrontierReport
from rlgan_bench.analysis.stats import Estimate
from rlgan_bench.report.compute import base_cost_text, compute_chart
from rlgan_bench.report.formatting import (
    CONTROLS_HEADER,
    control_texts,
    floors_text,
    format_estimate,
    frontier_header,
    point_texts,
    ranking_note,
    seeds_text,
)
from rlgan_bench.report.frontier_chart import FrontierMark, frontier_chart
from rlgan_bench.report.gain_series import gain_series
from rlgan_bench.report.histograms import HistogramView, histogram_view
from rlgan_bench.report.page.parts import TableCell


@dataclass
class RankingRow:
    rank: str
    curve: str
    best: str
    gain: str
    area: str
    unranked: str


@dataclass
class FrontierView:
    title: str
    #: what was measured, the noise floors, the budget: one line each
    scope: list[str]
    head: list[str]
    rows: list[list[TableCell]]
    #: one chart per x measure (FID cost, precision drop)
    charts: list[Markup]
    ranking: list[RankingRow]
    area_label: str
    notes: list[str]
    #: the hacked verdict's controls: header and rows (empty when the audit is exact)
    controls_head: list[str] = field(default_factory=list)
    controls: list[list[TableCell]] = field(default_factory=list)
    #: the points' reward histograms (None: no cell recorded per-image rewards)
    histograms: HistogramView | None = None


@dataclass
class FrontierSection:
    frontiers: list[FrontierView]
    skipped: list[str]
    #: (term, definition)
    definitions: list[tuple[str, str]]


def _point_row(point: Point, method: str, anchor: str, against_control: bool) -> list[TableCell]:
    *numbers, flags = point_texts(point, against_control)
    return [
        TableCell(method),
        TableCell(anchor, "num"),
        TableCell(point.label if point.strength is not None else "–", "num"),
        TableCell(seeds_text(point.n_seeds, mark_one=True), "num"),
        *(TableCell(text, "num") for text in numbers),
        TableCell(flags, "warn" if point.fired else ""),
    ]


def _control_row(point: Point) -> list[TableCell]:
    *texts, hacked = control_texts(point)
    return [
        TableCell(texts[0]),
        *(TableCell(text, "num") for text in texts[1:]),
        TableCell(hacked, "warn" if point.fired else ""),
    ]


def _cost(point: Point, measure: str, ref: bool) -> Estimate | None:
    return point.cost(measure, ref)


def frontier_charts(item: Frontier) -> list[Markup]:
    """Per x measure (FID cost, precision drop, recall drop) verified gain against it: a
    polyline per curve from the reference through its strengths, interval bars on both axes,
    claimed dashed. The reference at the origin is the control where the frontier has one
    (the base is then a diamond at its cost against the control), else the base."""
    charts = []
    ref = item.against_control
    for measure, label in X_MEASURES:
        series = gain_series(item, partial(_cost, measure=measure, ref=ref))
        controls = []
        other = item.base if ref else item.control
        if other is not None and (cost := other.cost(measure, ref)) is not None:
            verified = other.gain("verified", ref)
            gain = verified.mean if verified is not None and ref else math.nan
            controls.append(FrontierMark(other.label, cost.mean, gain, cost.half_width))
        charts.append(
            frontier_chart(
                series,
                f"{item.title}: verified gain vs {label}",
                f"{label} (vs {'control' if ref else 'base'}) →",
                "verified gain (sd) ↑",
                controls,
                getattr(item.budget, measure),
            )
        )
    return charts


def frontier_view(
    item: Frontier, index: int, total: int, x_axis: str = DEFAULT_X_AXIS
) -> FrontierView:
    """``x_axis``: ``fid-cost`` (the charts of the fidelity costs), or ``reward-calls`` or
    ``seconds`` (the chart of verified gain against that compute first)."""
    budget = item.budget
    scope = [
        f"dataset {item.dataset}; FID and precision by {item.extractor or '?'}"
        + (f" (sha256 {item.extractor_sha256[:12]})" if item.extractor_sha256 else "")
        + f", N = {item.n} samples of each point and of its base, on the same latents",
        f"verified gain: audit {item.audit or 'none (no audit applies)'}; claimed gain: "
        f"reward {item.reward_label}",
        f"noise floors {floors_text(item.floors)}",
        f"budget ({budget.source}): FID cost ≤ {budget.fid_cost:g}, precision drop ≤ "
        f"{budget.precision_drop:g}, recall drop ≤ {budget.recall_drop:g}, against the "
        + ("control" if item.against_control else "base"),
        base_cost_text(item),
    ]
    ref = item.against_control
    rows = [_point_row(item.base, item.base.label, "–", ref)]
    for curve in item.curves:
        method = curve.label.split(", anchor")[0] if curve.anchor else curve.label
        rows += [_point_row(point, method, f"{curve.anchor:g}", ref) for point in curve.points]
    if item.control is not None:
        rows.append(_point_row(item.control, item.control.label, "–", ref))
    ranking = [
        RankingRow(
            str(curve.rank) if curve.rank else "–",
            curve.label,
            curve.best.label if curve.best else "–",
            format_estimate(curve.best_verified, "{:.2f}"),
            "–" if curve.area is None else f"{curve.area:.2f}",
            ranking_note(curve),
        )
        for curve in item.ranking
    ]
    return FrontierView(
        f"Frontier {index + 1} of {total}: {item.title}",
        scope,
        frontier_header(item),
        rows,
        ([compute_chart(item, x_axis)] if x_axis in COMPUTE_AXES else []) + frontier_charts(item),
        ranking,
        f"area (mean verified gain over FID cost 0–{budget.fid_cost:g})",
        list(item.notes),
        list(CONTROLS_HEADER) if item.controls else [],
        [_control_row(point) for point in item.controls],
        histogram_view(item),
    )


def frontier_section(
    report: FrontierReport | None, x_axis: str = DEFAULT_X_AXIS
) -> FrontierSection | None:
    if report is None:
        return None
    total = len(report.frontiers)
    return FrontierSection(
        [frontier_view(item, i, total, x_axis) for i, item in enumerate(report.frontiers)],
        list(report.skipped),
        list(DEFINITIONS.items()),
    )


__all__ = [
    "FrontierSection",
    "FrontierView",
    "RankingRow",
    "frontier_charts",
    "frontier_section",
    "frontier_view",
]
