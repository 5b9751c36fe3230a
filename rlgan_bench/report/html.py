"""The report as one self-contained HTML page: the leaderboards, a reward-vs-FID trade-off plot
per reward with its Pareto front, the reward-hacking gauge (claimed against verified gains, the
reward and its audit over training, the grids of flagged cells beside their lambda = 0 grids),
training curves, one sample grid per cell, and the environment and configuration that produced
the results.

This module builds the context of the page from a :class:`~rlgan_bench.analysis.results.Leaderboard`
and renders ``templates/report.html.j2`` (the markup lives in ``templates/``; the plots come
from :mod:`rlgan_bench.report.charts`). The templates are rendered with autoescape on, so every
string from the results (names, parameters, prompts, errors, plugin-supplied text) is escaped
where it is placed; only the charts' SVG, built from escaped parts, goes in as markup.

The page works offline and runs nothing: the plots are inline SVG, the pictures are ``data:``
URIs, the styles are inline, and a Content-Security-Policy forbids scripts and every external
load.
"""

from __future__ import annotations

import base64
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from rlgan_bench.analysis.compute import COMPUTE_AXES, DEFAULT_X_AXIS
from rlgan_bench.analysis.frontier import DEFINITIONS, X_MEASURES, Frontier, FrontierReport, Point
from rlgan_bench.analysis.results import Board, CellResult, Column, Leaderboard, Row
from rlgan_bench.analysis.stats import Estimate
from rlgan_bench.core.identity import canonical_json
from rlgan_bench.report.charts import (
    PALETTE,
    FrontierMark,
    ScatterPoint,
    Series,
    frontier_chart,
    line_chart,
    tradeoff_chart,
)
from rlgan_bench.report.compute import base_cost_text, compute_chart
from rlgan_bench.report.formatting import (
    CONTROLS_HEADER,
    control_texts,
    floors_text,
    format_estimate,
    format_stat,
    frontier_header,
    header_lines,
    mark,
    point_texts,
    protocol_board,
    ranking_note,
    seeds_text,
)
from rlgan_bench.report.gain_series import gain_series
from rlgan_bench.report.histograms import HistogramView, histogram_view
from rlgan_bench.report.markdown import report_name, report_title
from rlgan_bench.report.ranking import pareto_front

#: sample grids larger than this are not embedded (the page would not open comfortably)
MAX_IMAGE_BYTES = 16 * 1024 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)

TEMPLATES = Environment(
    loader=PackageLoader("rlgan_bench.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,  # a misspelt name in a template fails instead of vanishing
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
TEMPLATES.globals["csp"] = CSP


def render_page(template: str, **context: Any) -> str:
    """Render one page of ``rlgan_bench/report/templates/`` (each extends ``page.html.j2``:
    the head with the Content-Security-Policy and the styles, the header and its links)."""
    return TEMPLATES.get_template(template).render(**context)


# --- the context: plain values the templates place ------------------------------------------


@dataclass
class TableCell:
    text: str
    #: the cell's CSS classes ("" for none), e.g. "num" for right-aligned numbers
    css: str = ""


@dataclass
class Scope:
    """Columns measured alike: their labels and, per way of measuring them, (mark, how)."""

    labels: str
    described: list[tuple[str, str]]


@dataclass
class BoardRow:
    cells: list[TableCell]
    first: bool


@dataclass
class BoardView:
    title: str
    dataset: str
    scopes: list[Scope]
    #: (label, description) of the columns whose scope is stated by each row
    notes: list[tuple[str, str]]
    head: list[str]
    rows: list[BoardRow]


@dataclass
class Figure:
    """A figure of one or more charts and its caption."""

    charts: list[Markup]
    caption: str


@dataclass
class SampleGrid:
    #: the grid as a data: URI; None when there is none or it cannot be embedded
    uri: str | None
    alt: str
    caption: str


@dataclass
class AuditCurves:
    scaled: Markup
    fid: Markup
    #: the range of each scaled curve and where they part, as text
    ranges: str


@dataclass
class AuditRow:
    cell: str
    reward: str
    #: "status: reason" when the section is not complete (its numbers are then not shown)
    problem: str | None = None
    claimed: str = ""
    claimed_normalised: str = ""
    verified: str = ""
    verified_normalised: str = ""
    gap: str = ""
    fid_basis: str = ""
    drift: str = ""
    hacked: bool = False
    reasons: str = ""
    #: the section gives no per-cell verdict: the frontier flags its point over seeds
    calibrated: bool = False


@dataclass
class FlaggedCell:
    cell: str
    curves: AuditCurves | None
    grids: tuple[SampleGrid, SampleGrid]
    reasons: str


@dataclass
class CellConfig:
    cell: str
    status: str
    config_hash: str
    config: str


@dataclass
class EnvironmentView:
    #: (what, its distinct values with their counts)
    rows: list[tuple[str, list[tuple[str, int]]]]
    total_s: float
    #: the matrix's source file and its parsed configuration as JSON; None without matrix.json
    matrix: tuple[str, str] | None
    cells: list[CellConfig]


@dataclass
class Hacking:
    rows: list[AuditRow] = field(default_factory=list)
    flagged: list[FlaggedCell] = field(default_factory=list)
    #: (cell id, curves) of the audited cells that are not flagged
    quiet: list[tuple[str, AuditCurves]] = field(default_factory=list)


# --- leaderboards ----------------------------------------------------------------------------


def _stat_cell(board: Board, column: Column, row: Row) -> TableCell:
    stat = row.stats.get(column.name)
    text = format_stat(column, stat)
    if not column.keyed_by_row and len(board.scopes(column)) > 1 and stat is not None:
        text += f" [{mark(board.key_index(column, row))}]"
    return TableCell(text, "num")


def board_view(board: Board, columns: Sequence[Column], index: int, total: int) -> BoardView:
    sort = board.sort
    if board.ranked:
        direction = "higher is better" if sort.higher_is_better else "lower is better"
        title = (
            f"Leaderboard {index + 1} of {total}: {board.dataset}, "
            f"ranked by {sort.label} ({direction})"
        )
    else:
        title = f"Not ranked: rows without a {sort.label} score ({board.dataset})"
    scopes = [
        Scope(labels, [(mark(i), text) for i, text in enumerate(described)])
        for labels, described in header_lines(board, columns)
    ]
    notes = [(c.label, c.description) for c in columns if c.keyed_by_row and board.scopes(c)]
    protocol = protocol_board(board)
    head = ["rank", "backbone", "reward"]
    head += ["method", "strength"] if protocol else ["mode", "λ"]
    head += ["seeds", *(f"{c.label} {c.arrow}" for c in columns), "status"]
    rows = []
    for row in board.rows:
        if protocol:
            seeds = seeds_text(row.n_seeds, len(row.failed), mark_one=True)
            identity = [
                TableCell(row.method_label if row.protocol else (row.mode or "–")),
                TableCell(
                    row.strength_label
                    if row.protocol
                    else ("–" if row.lam is None else f"λ={row.lam:g}"),
                    "num",
                ),
            ]
        else:
            seeds = str(row.n_seeds) + (f" (+{len(row.failed)} failed)" if row.failed else "")
            identity = [
                TableCell(row.mode or "–"),
                TableCell("–" if row.lam is None else f"{row.lam:g}", "num"),
            ]
        cells = [
            TableCell(str(row.rank or "–"), "num"),
            TableCell(row.backbone_label),
            TableCell(row.reward_label),
            *identity,
            TableCell(seeds, "num"),
            *(_stat_cell(board, c, row) for c in columns),
            TableCell(row.status),
        ]
        rows.append(BoardRow(cells, row.rank == 1))
    return BoardView(title, board.dataset, scopes, notes, head, rows)


# --- the frontier ----------------------------------------------------------------------------


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


# --- reward vs FID ---------------------------------------------------------------------------


def _point_label(row: Row, backbone: str | None = None) -> str:
    """``dcgan backprop λ1``: the row's backbone (``backbone``: a shorter name of it), method
    and strength (a base-protocol row's by its name: ``reward-weighted β=0.3``)."""
    parts = [backbone or row.backbone_label]
    if row.mode:
        parts.append(row.mode)
    if row.protocol is not None and row.protocol.strength is not None:
        parts.append(row.strength_label)
    elif row.lam is not None:
        parts.append(f"λ{row.lam:g}")
    return " ".join(parts)


def _backbone_names(rows: Sequence[Row]) -> dict[str, str]:
    """Each backbone label of ``rows`` -> the backbone's bare name where that is the only
    setting of it among them (``wgan-gp`` for ``wgan-gp (betas=0.5,0.9, ...)``), else the
    label itself: the names a chart's labels need to tell its points apart."""
    settings: dict[str, set[str]] = {}
    for row in rows:
        settings.setdefault(row.backbone, set()).add(row.backbone_label)
    return {
        label: name if len(labels) == 1 else label
        for name, labels in settings.items()
        for label in labels
    }


def tradeoff_figures(board: Leaderboard) -> list[Figure] | None:
    """One reward-vs-FID plot per reward (each reward has its own scale) and way of measuring
    FID; the rows without a reward give the baseline FID levels. None when the leaderboard
    has no reward or no FID column."""
    if not {"fid", "reward"} <= {c.name for c in board.columns}:
        return None
    rows = [r for r in board.rows if "fid" in r.stats]
    groups: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        if "reward" in row.stats:
            groups.setdefault((row.keys["fid"], row.keys["reward"]), []).append(row)
    figures = []
    for (fid_key, _), members in groups.items():
        scores = [(r.stats["reward"], r.stats["fid"]) for r in members]
        front = pareto_front([(reward.mean, fid.mean) for reward, fid in scores])
        unrewarded = [r for r in rows if r.reward == "none" and r.keys["fid"] == fid_key]
        # on the chart a backbone is its bare name where the chart has one setting of it; the
        # settings are in the caption, the whole label in each point's tooltip
        names = _backbone_names([*members, *unrewarded])
        points = [
            ScatterPoint(
                _point_label(r, names[r.backbone_label]),
                reward.mean,
                fid.mean,
                reward.std,
                fid.std,
                on_front,
                tip=_point_label(r),
            )
            for r, (reward, fid), on_front in zip(members, scores, front, strict=True)
        ]
        baselines = [
            (f"{names[r.backbone_label]}, no reward", r.stats["fid"].mean) for r in unrewarded
        ]
        first = members[0]
        title = f"{first.reward_label} on {first.dataset}"
        chart = tradeoff_chart(points, baselines, title, f"{first.reward} reward ↑", "FID ↓")
        scope = first.scopes["fid"]
        shortened = sorted(label for label, name in names.items() if name != label)
        caption = (
            f"{first.reward_label}: {len(points)} "
            f"configuration{'s' if len(points) > 1 else ''}; FID by "
            f"{scope.get('extractor')}, N = {scope.get('n_generated')}."
            + "".join(f" {label.replace(' (', ': ', 1).rstrip(')')}." for label in shortened)
        )
        figures.append(Figure([chart], caption))
    return figures


# --- training curves -------------------------------------------------------------------------

#: stroke-dasharray per seed of a configuration: solid, dashed, dotted, dash-dot
SEED_DASHES = ("", "5 3", "1.5 2.5", "7 3 1.5 3")
LOSS_KEYS = (("d_loss", "D loss", PALETTE[0]), ("g_loss", "G loss", PALETTE[1]))
REWARD_KEYS = (("reward_mean", "reward", PALETTE[2]),)


def _number(entry: dict[str, Any], key: str) -> float | None:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _curve(
    cells: Sequence[CellResult], keys: Sequence[tuple[str, str, str]], band: str | None = None
) -> list[Series]:
    """One series per cell (seed) and logged key; ``band``: the key of a ± spread."""
    series = []
    for index, cell in enumerate(cells):
        log = [entry for entry in cell.log() if _number(entry, "step") is not None]
        for key, label, color in keys:
            points, spread = [], []
            for entry in log:
                step, value = _number(entry, "step"), _number(entry, key)
                if step is None or value is None:
                    continue
                points.append((step, value))
                width = _number(entry, band) if band else None
                if width is not None:
                    spread.append((step, value - width, value + width))
            name = f"{label}, seed {cell.seed}" if len(cells) > 1 else label
            dash = SEED_DASHES[index % len(SEED_DASHES)]
            series.append(Series(name, points, color, dash, spread or None))
    return series


def curve_figures(board: Leaderboard) -> list[Figure]:
    """Per configuration with a metrics.jsonl: its losses and (reward rows) its reward."""
    figures = []
    for row in board.rows:
        cells = [cell for cell in row.cells + row.failed if cell.log()]
        if not cells:
            continue
        charts = [line_chart(_curve(cells, LOSS_KEYS), "losses", "step", "loss")]
        if row.reward != "none":
            charts.append(
                line_chart(
                    _curve(cells, REWARD_KEYS, band="reward_std"),
                    f"{row.reward} reward (± std in the batch)",
                    "step",
                    "reward",
                )
            )
        seeds = ", ".join(f"{c.seed}" + ("" if c.done else " (failed)") for c in cells)
        caption = f"{row.label}: seed{'s' if len(cells) > 1 else ''} {seeds}"
        figures.append(Figure(charts, caption))
    return figures


# --- reward hacking --------------------------------------------------------------------------


def _fmt(value: Any, fmt: str = "{:.2f}") -> str:
    number = _number({"v": value}, "v")
    return "–" if number is None else fmt.format(number)


def _scaled(points: Sequence[tuple[float, float]]) -> tuple[list[tuple[float, float]], str]:
    """Points with y mapped to [0, 1] over their range, and that range as text."""
    ys = [y for _, y in points]
    if not ys:
        return [], ""
    low, high = min(ys), max(ys)
    width = high - low
    scaled = [(x, 0.0 if width <= 0 else (y - low) / width) for x, y in points]
    return scaled, f"{low:.3g} … {high:.3g}"


def audit_curves(cell: CellResult, section: dict[str, Any] | None) -> AuditCurves | None:
    """Reward and audit against the steps (each scaled to its range, so that where they part
    shows) and the cheap FID, from the run's audit.jsonl; None without one."""
    log = [entry for entry in cell.audit_log() if _number(entry, "step") is not None]
    if not log:
        return None
    pick = {
        key: [
            (float(entry["step"]), value)
            for entry in log
            if (value := _number(entry, key)) is not None
        ]
        for key in ("reward", "audit", "fid")
    }
    audit_name = next((str(r["audit_name"]) for r in log if r.get("audit_name")), "none")
    n = log[-1].get("n")
    reward_points, reward_range = _scaled(pick["reward"])
    audit_points, audit_range = _scaled(pick["audit"])
    series = [Series("reward", reward_points, PALETTE[2])]
    if audit_points:
        series.append(Series("audit", audit_points, PALETTE[3], "5 3"))
    over = (section or {}).get("over_training") or {}
    parts = _number(over, "parts_at")
    if parts is not None:
        series.append(Series(f"part: {parts:g}", [(parts, 0.0), (parts, 1.0)], "#7f7f7f", "2 2"))
    scaled = line_chart(
        series, "reward and audit over training", "step", "each scaled to its range", 420, 260
    )
    fid = line_chart(
        [Series(f"FID, N = {n}", pick["fid"], PALETTE[0])],
        f"FID over training (cheap: N = {n})",
        "step",
        "FID",
        380,
        260,
    )
    ranges = f"reward {cell.reward}: {reward_range}"
    if audit_points:
        ranges += f"; audit {audit_name}: {audit_range}"
    if parts is not None:
        ranges += f"; they part at step {parts:g}"
    return AuditCurves(scaled, fid, ranges)


def _grid(cell: CellResult | None, caption: str) -> SampleGrid:
    path = cell.samples_png if cell is not None else None
    uri = png_data_uri(path) if path is not None else None
    return SampleGrid(uri, f"samples: {caption}", caption)


def _baseline_of(cells: Sequence[CellResult], section: dict[str, Any]) -> CellResult | None:
    found = section.get("baseline")
    baseline: dict[str, Any] = found if isinstance(found, dict) else {}
    wanted = baseline.get("cell")
    for cell in cells:
        if wanted is not None and cell.id == wanted:
            return cell
    run_dir = baseline.get("run_dir")
    for cell in cells:
        if run_dir is not None and str(cell.run_dir) == str(run_dir):
            return cell
    return None


def _reasons(section: dict[str, Any]) -> str:
    return "; ".join(str(r) for r in section.get("reasons") or [])


def _audit_row(cell: CellResult, section: dict[str, Any]) -> AuditRow:
    if section.get("status") != "ok":
        problem = f"{section.get('status')}: {section.get('reason', '')}"
        return AuditRow(cell.id, cell.reward, problem)
    claimed = section.get("claimed") or {}
    verified = section.get("verified") or {}
    drift = section.get("drift") or {}
    fid = drift.get("fid") or {}
    precision = drift.get("precision") or {}

    def before_after(values: dict[str, Any]) -> str:
        return f"{_fmt(values.get('before'), '{:.4g}')} → {_fmt(values.get('after'), '{:.4g}')}"

    return AuditRow(
        cell.id,
        cell.reward,
        claimed=before_after(claimed),
        claimed_normalised=_fmt(claimed.get("normalised")),
        verified=f"{verified.get('audit', 'no audit')}: {before_after(verified)}",
        verified_normalised=_fmt(verified.get("normalised")),
        gap=_fmt(section.get("gap")),
        fid_basis=str(fid.get("basis", "")),
        drift=f"{_fmt(fid.get('ratio'))} / {_fmt(precision.get('drop'))}",
        hacked=bool(section.get("hacked")),
        reasons=_reasons(section),
        calibrated=section.get("hacked") is None,
    )


def hacking(board: Leaderboard) -> Hacking | None:
    """The reward-hacking gauge: a row per audited cell, and for the flagged ones their curves
    over training and their sample grid beside the lambda = 0 grid; None when no cell has a
    reward_audit section."""
    cells = board.results.cells
    audited = [(c, c.reward_audit) for c in cells if c.done and c.reward_audit is not None]
    if not audited:
        return None
    gauge = Hacking(rows=[_audit_row(cell, section) for cell, section in audited])
    for cell, section in audited:
        curves = audit_curves(cell, section)
        if section.get("hacked"):
            baseline = _baseline_of(cells, section)
            grids = (
                _grid(cell, f"{cell.id} (flagged)"),
                _grid(baseline, f"{baseline.id if baseline else 'λ = 0 cell'} (λ = 0)"),
            )
            gauge.flagged.append(FlaggedCell(cell.id, curves, grids, _reasons(section)))
        elif curves:
            gauge.quiet.append((cell.id, curves))
    return gauge


# --- samples ---------------------------------------------------------------------------------


def png_data_uri(path: Path) -> str | None:
    """``data:image/png;base64,...`` of a PNG file, or None when it is not one (or too big)."""
    try:
        if path.stat().st_size > MAX_IMAGE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(PNG_MAGIC):
        return None
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def sample_grids(board: Leaderboard) -> list[SampleGrid]:
    """The samples.png of every cell that has one, captioned with its seed and FID."""
    grids = []
    for row in board.rows:
        for cell in row.cells + row.failed:
            path = cell.samples_png
            if path is None:
                continue
            fid = row.values.get(cell.id, {}).get("fid")
            caption = f"{cell.id} (seed {cell.seed})"
            if fid is not None:
                caption += f", FID {fid:.2f}"
            if not cell.done:
                caption += ", failed"
            grids.append(SampleGrid(png_data_uri(path), f"samples of {cell.id}", caption))
    return grids


# --- environment -----------------------------------------------------------------------------


def _counted(values: Sequence[Any]) -> list[tuple[str, int]]:
    """The distinct values, most common first, each as text with its count."""
    counts = Counter(canonical_json(v) for v in values)
    shown = []
    for text, n in counts.most_common():
        value = json.loads(text)
        shown.append((value if isinstance(value, str) else "–" if value is None else text, n))
    return shown


def _pretty(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, default=str)


def environment(board: Leaderboard) -> EnvironmentView:
    """Versions, devices, plugins and settings (each value with its count when cells differ),
    the matrix and every cell's configuration."""
    cells = board.results.cells
    versions = [c.record["versions"] for c in cells if isinstance(c.record.get("versions"), dict)]
    keys = list(dict.fromkeys(key for found in versions for key in found))
    rows = [(key, _counted([found.get(key) for found in versions])) for key in keys]
    rows.append(("device", _counted([c.record["device"] for c in cells if "device" in c.record])))
    plugins = set()
    for cell in cells:
        used = cell.record.get("plugins")
        for role, info in sorted(used.items() if isinstance(used, dict) else []):
            if isinstance(info, dict):
                builtin = " (built-in)" if info.get("builtin") else ""
                plugins.add(f"{role}: {info.get('name')} {info.get('version')}{builtin}")
    rows.append(("plugins", [("; ".join(sorted(plugins)) or "–", 1)]))
    evals = [(c.record.get("config") or {}).get("eval") for c in cells]
    rows.append(("eval settings", _counted([v for v in evals if v is not None])))
    total = sum(
        t.get("total") or 0.0
        for c in cells
        if isinstance(t := c.record.get("timing_s"), dict) and isinstance(t.get("total"), float)
    )
    matrix = board.results.matrix
    configs = [
        CellConfig(
            cell.id,
            cell.status,
            str(cell.record.get("config_hash", "?")),
            _pretty(cell.record.get("config", {})),
        )
        for cell in cells
    ]
    shown = None
    if matrix is not None:
        shown = (str(matrix.get("source", "?")), _pretty(matrix.get("config", {})))
    return EnvironmentView(rows, total, shown, configs)


# --- the page --------------------------------------------------------------------------------


def render(board: Leaderboard, name: str | None = None, x_axis: str = DEFAULT_X_AXIS) -> str:
    """The whole report as one HTML page, titled ``name`` (default: the results folder's name,
    :func:`~rlgan_bench.report.markdown.report_name`); ``x_axis``: see :func:`frontier_view`."""
    results = board.results
    total = sum(1 for b in board.boards if b.ranked)
    # a base-protocol board's verdicts are the frontier's: the from-scratch sections (reward
    # vs FID by λ, the per-cell gauge against a λ = 0 cell) would contradict them
    legacy = board.frontier is None
    return render_page(
        "report.html.j2",
        heading=report_title(report_name(results, name)),
        n_cells=len(results.cells),
        n_done=len(board.done_cells),
        pending=list(results.pending),
        problems=[str(p) for p in results.problems],
        boards=[board_view(b, board.columns, i, total) for i, b in enumerate(board.boards)],
        frontier=frontier_section(board.frontier, x_axis),
        failed=[(c.id, c.status, c.error or "(no error recorded)") for c in board.failed_cells],
        legacy=legacy,
        tradeoff=tradeoff_figures(board) if legacy else None,
        hacking=hacking(board) if legacy else None,
        curves=curve_figures(board),
        samples=sample_grids(board),
        environment=environment(board),
    )


__all__ = [
    "CSP",
    "audit_curves",
    "frontier_charts",
    "frontier_section",
    "png_data_uri",
    "render",
    "render_page",
]
