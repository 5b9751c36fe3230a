"""The report as one self-contained HTML page: the leaderboards, a reward-vs-FID trade-off plot
per reward with its Pareto front, the reward-hacking gauge (claimed against verified gains, the
reward and its audit over training, the grids of flagged cells beside their lambda = 0 grids),
training curves, one sample grid per cell, and the environment and configuration that produced
the results.

The page works offline and runs nothing: the plots are inline SVG drawn here, the pictures are
``data:`` URIs, the styles are inline, and a Content-Security-Policy forbids scripts and every
external load. Every string that comes from the results (names, parameters, prompts, errors,
plugin-supplied text) goes through :func:`html.escape`.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlgan_bench.report.rows import (
    Board,
    CellResult,
    Column,
    Leaderboard,
    Row,
    format_stat,
    header_lines,
    mark,
    pareto_front,
)

#: sample grids larger than this are not embedded (the page would not open comfortably)
MAX_IMAGE_BYTES = 16 * 1024 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
FRONT_COLOR = "#d62728"
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)

STYLE = """
:root { --fg: #1d2330; --muted: #5f6b7a; --line: #d8dee6; --bg: #ffffff; --band: #f4f6f9;
  --accent: #1f5fae; --bad: #b42318; --good: #1a7f37; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
header.top { padding: 20px 32px 12px; border-bottom: 1px solid var(--line);
  background: var(--band); }
header.top h1 { margin: 0 0 4px; font-size: 22px; }
header.top p { margin: 2px 0; color: var(--muted); }
nav { margin-top: 8px; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
main { padding: 8px 32px 40px; max-width: 1500px; }
section { margin-top: 26px; }
h2 { font-size: 18px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
ul.scope { margin: 4px 0 10px; padding-left: 18px; color: var(--muted); }
table { border-collapse: collapse; margin: 6px 0 12px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 4px 9px; text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; }
td.good { color: var(--good); }
td.bad { color: var(--bad); }
tr.first td { background: #eef6ee; }
td.err { color: var(--bad); font-size: 12px;
  font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.muted { color: var(--muted); }
.warn { color: var(--bad); font-weight: 600; }
.good-text { color: var(--good); }
figure.hacked { border-color: var(--bad); }
.figs { display: flex; flex-wrap: wrap; gap: 18px; }
figure { margin: 0; padding: 8px; border: 1px solid var(--line); border-radius: 6px;
  background: #fff; }
figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; max-width: 560px;
  overflow-wrap: anywhere; }
figure.samples { width: 318px; }
figure.samples img { display: block; width: 300px; height: auto; background: #000; }
.scroll { overflow-x: auto; max-width: 100%; }
svg.plot { display: block; font: 11px system-ui, -apple-system, "DejaVu Sans", sans-serif; }
pre { background: var(--band); padding: 8px 10px; overflow-x: auto; font-size: 12px;
  border: 1px solid var(--line); border-radius: 4px; max-height: 420px; }
details { margin: 4px 0; }
summary { cursor: pointer; }
"""


def e(value: Any) -> str:
    """Escape any value for HTML text and attribute values."""
    return html.escape(str(value), quote=True)


# --- SVG plots -------------------------------------------------------------------------------


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = start
    while value <= high + step * 1e-6:
        ticks.append(0.0 if abs(value) < step * 1e-9 else value)
        value += step
    return ticks


def _span(values: Sequence[float], pad: float = 0.06) -> tuple[float, float]:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    low, high = min(finite), max(finite)
    if high - low < 1e-12:
        width = abs(high) * 0.1 or 1.0
        return low - width, high + width
    margin = (high - low) * pad
    return low - margin, high + margin


def _tick_label(value: float) -> str:
    return f"{value:.4g}"


@dataclass
class Frame:
    """A plotting area: data ranges mapped onto a pixel box inside an SVG."""

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    left: float
    top: float
    width: float
    height: float

    def x(self, value: float) -> float:
        low, high = self.x_range
        return self.left + (value - low) / (high - low) * self.width

    def y(self, value: float) -> float:
        low, high = self.y_range
        return self.top + self.height - (value - low) / (high - low) * self.height

    def axes(self, xlabel: str, ylabel: str) -> list[str]:
        parts = [
            f'<rect x="{self.left:.1f}" y="{self.top:.1f}" width="{self.width:.1f}" '
            f'height="{self.height:.1f}" fill="#fbfcfd" stroke="#9aa5b1"/>'
        ]
        bottom = self.top + self.height
        for tick in nice_ticks(*self.x_range):
            if not self.x_range[0] <= tick <= self.x_range[1]:
                continue
            px = self.x(tick)
            parts.append(
                f'<line x1="{px:.1f}" y1="{self.top:.1f}" x2="{px:.1f}" y2="{bottom:.1f}" '
                f'stroke="#e6eaef"/><text x="{px:.1f}" y="{bottom + 14:.1f}" '
                f'text-anchor="middle" fill="#5f6b7a">{e(_tick_label(tick))}</text>'
            )
        for tick in nice_ticks(*self.y_range):
            if not self.y_range[0] <= tick <= self.y_range[1]:
                continue
            py = self.y(tick)
            parts.append(
                f'<line x1="{self.left:.1f}" y1="{py:.1f}" x2="{self.left + self.width:.1f}" '
                f'y2="{py:.1f}" stroke="#e6eaef"/><text x="{self.left - 5:.1f}" '
                f'y="{py + 3.5:.1f}" text-anchor="end" fill="#5f6b7a">{e(_tick_label(tick))}</text>'
            )
        parts.append(
            f'<text x="{self.left + self.width / 2:.1f}" y="{bottom + 30:.1f}" '
            f'text-anchor="middle" fill="#1d2330">{e(xlabel)}</text>'
        )
        cy = self.top + self.height / 2
        parts.append(
            f'<text x="12" y="{cy:.1f}" transform="rotate(-90 12 {cy:.1f})" '
            f'text-anchor="middle" fill="#1d2330">{e(ylabel)}</text>'
        )
        return parts


def _svg(width: int, height: int, title: str, body: Sequence[str], css_class: str) -> str:
    return (
        f'<svg class="plot {css_class}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{e(title)}">'
        f"<title>{e(title)}</title>"
        f'<text x="{width / 2:.1f}" y="15" text-anchor="middle" font-weight="600" '
        f'fill="#1d2330">{e(title)}</text>' + "".join(body) + "</svg>"
    )


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
) -> str:
    """Lines (one per series) over a shared x axis, with a legend above the plot."""
    legend: list[tuple[str, str, str]] = []
    for item in series:
        entry = (item.label, item.color, item.dash)
        if entry not in legend:
            legend.append(entry)
    rows = max(1, math.ceil(len(legend) / 3))
    top = 24 + 15 * rows
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points]
    ys += [v for s in series for _, lo, hi in (s.band or []) for v in (lo, hi)]
    frame = Frame(_span(xs, 0.0), _span(ys), 54, top, width - 66, height - top - 40)
    body = frame.axes(xlabel, ylabel)
    for index, (label, color, pattern) in enumerate(legend):
        lx, ly = 56 + (index % 3) * ((width - 60) / 3), 30 + 15 * (index // 3)
        dash = f' stroke-dasharray="{pattern}"' if pattern else ""
        body.append(
            f'<line x1="{lx:.1f}" y1="{ly - 4:.1f}" x2="{lx + 18:.1f}" y2="{ly - 4:.1f}" '
            f'stroke="{color}" stroke-width="2"{dash}/><text x="{lx + 22:.1f}" y="{ly:.1f}" '
            f'fill="#1d2330">{e(label)}</text>'
        )
    for item in series:
        if item.band:
            upper = [f"{frame.x(x):.1f},{frame.y(hi):.1f}" for x, _, hi in item.band]
            lower = [f"{frame.x(x):.1f},{frame.y(lo):.1f}" for x, lo, _ in reversed(item.band)]
            body.append(
                f'<polygon class="band" points="{" ".join(upper + lower)}" '
                f'fill="{item.color}" fill-opacity="0.15" stroke="none"/>'
            )
        points = " ".join(f"{frame.x(x):.1f},{frame.y(y):.1f}" for x, y in item.points)
        dash = f' stroke-dasharray="{item.dash}"' if item.dash else ""
        if len(item.points) == 1:
            ((x, y),) = item.points
            body.append(
                f'<circle cx="{frame.x(x):.1f}" cy="{frame.y(y):.1f}" r="3" fill="{item.color}"/>'
            )
        elif item.points:
            body.append(
                f'<polyline class="series" points="{points}" fill="none" '
                f'stroke="{item.color}" stroke-width="1.8"{dash}><title>{e(item.label)}</title>'
                f"</polyline>"
            )
    if not any(item.points for item in series):
        body.append(
            f'<text x="{width / 2:.1f}" y="{top + frame.height / 2:.1f}" text-anchor="middle" '
            f'fill="#5f6b7a">nothing logged</text>'
        )
    return _svg(width, height, title, body, "curve")


@dataclass
class Point:
    label: str
    x: float
    y: float
    x_std: float | None = None
    y_std: float | None = None


def tradeoff_chart(
    points: Sequence[Point],
    baselines: Sequence[tuple[str, float]],
    title: str,
    xlabel: str,
    ylabel: str,
    width: int = 560,
    height: int = 360,
) -> str:
    """A scatter of (reward, FID) with error bars, the Pareto front (high reward, low FID)
    drawn as a line through its points, and the no-reward baselines as dashed levels."""
    front = pareto_front([(p.x, p.y) for p in points])
    xs = [v for p in points for v in (p.x - (p.x_std or 0), p.x + (p.x_std or 0))]
    ys = [v for p in points for v in (p.y - (p.y_std or 0), p.y + (p.y_std or 0))]
    ys += [value for _, value in baselines]
    top = 40
    frame = Frame(_span(xs, 0.12), _span(ys, 0.1), 60, top, width - 80, height - top - 44)
    body = frame.axes(xlabel, ylabel)
    body.append(
        f'<circle cx="66" cy="30" r="4.5" fill="{FRONT_COLOR}"/><text x="75" y="34" '
        f'fill="#1d2330">Pareto front</text><circle cx="170" cy="30" r="4.5" fill="#fff" '
        f'stroke="#5f6b7a" stroke-width="1.5"/><text x="179" y="34" fill="#1d2330">dominated'
        f'</text><line x1="262" y1="30" x2="282" y2="30" stroke="#7f7f7f" stroke-width="1.5" '
        f'stroke-dasharray="5 3"/><text x="287" y="34" fill="#1d2330">no reward</text>'
        f'<text x="{width - 12}" y="34" text-anchor="end" fill="#1a7f37">better: → and ↓</text>'
    )
    right = frame.left + frame.width
    for label, value in baselines:
        py = frame.y(value)
        body.append(
            f'<line class="baseline" x1="{frame.left:.1f}" y1="{py:.1f}" x2="{right:.1f}" '
            f'y2="{py:.1f}" stroke="#7f7f7f" stroke-width="1.5" stroke-dasharray="5 3">'
            f"<title>{e(label)}: {e(_tick_label(value))}</title></line>"
            f'<text x="{right - 4:.1f}" y="{py - 4:.1f}" text-anchor="end" fill="#5f6b7a">'
            f"{e(label)}</text>"
        )
    on_front = sorted((p for p, f in zip(points, front) if f), key=lambda p: p.x)
    if len(on_front) > 1:
        path = " ".join(f"{frame.x(p.x):.1f},{frame.y(p.y):.1f}" for p in on_front)
        body.append(
            f'<polyline class="pareto" points="{path}" fill="none" stroke="{FRONT_COLOR}" '
            f'stroke-width="2" stroke-opacity="0.7"/>'
        )
    for point, is_front in zip(points, front):
        px, py = frame.x(point.x), frame.y(point.y)
        if point.x_std:
            body.append(
                f'<line x1="{frame.x(point.x - point.x_std):.1f}" y1="{py:.1f}" '
                f'x2="{frame.x(point.x + point.x_std):.1f}" y2="{py:.1f}" stroke="#9aa5b1"/>'
            )
        if point.y_std:
            body.append(
                f'<line x1="{px:.1f}" y1="{frame.y(point.y - point.y_std):.1f}" x2="{px:.1f}" '
                f'y2="{frame.y(point.y + point.y_std):.1f}" stroke="#9aa5b1"/>'
            )
        style = (
            f'fill="{FRONT_COLOR}" class="point front"'
            if is_front
            else 'fill="#ffffff" stroke="#5f6b7a" stroke-width="1.5" class="point"'
        )
        tip = f"{point.label}: {xlabel} {point.x:.4g}, {ylabel} {point.y:.4g}"
        anchor = "end" if px > frame.left + frame.width * 0.7 else "start"
        dx = -7 if anchor == "end" else 7
        body.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="5" {style}><title>{e(tip)}</title>'
            f'</circle><text x="{px + dx:.1f}" y="{py - 7:.1f}" text-anchor="{anchor}" '
            f'fill="#1d2330">{e(point.label)}</text>'
        )
    return _svg(width, height, title, body, "tradeoff")


# --- sections --------------------------------------------------------------------------------


def _stat_cell(board: Board, column: Column, row: Row) -> str:
    text = format_stat(column, row.stats.get(column.name))
    stat = row.stats.get(column.name)
    if not column.keyed_by_row and len(board.scopes(column)) > 1 and stat is not None:
        text += f" [{mark(board.key_index(column, row))}]"
    return f'<td class="num">{e(text)}</td>'


def board_html(board: Board, columns: Sequence[Column], index: int, total: int) -> str:
    sort = board.sort
    if board.ranked:
        direction = "higher is better" if sort.higher_is_better else "lower is better"
        title = (
            f"Leaderboard {index + 1} of {total}: {board.dataset}, "
            f"ranked by {sort.label} ({direction})"
        )
    else:
        title = f"Not ranked: rows without a {sort.label} score ({board.dataset})"
    scope = [f"<li>dataset: <b>{e(board.dataset)}</b></li>"]
    for labels, described in header_lines(board, columns):
        if len(described) == 1:
            scope.append(f"<li>{e(labels)}: {e(described[0])}</li>")
        else:
            inner = "".join(f"<li>[{mark(i)}] {e(d)}</li>" for i, d in enumerate(described))
            scope.append(
                f'<li><span class="warn">{e(labels)}: measured differently across rows</span>'
                f"; compare only rows with the same mark<ul>{inner}</ul></li>"
            )
    for column in columns:
        if column.keyed_by_row and board.scopes(column):
            scope.append(f"<li>{e(column.label)}: {e(column.description)}</li>")
    head = ["rank", "backbone", "reward", "mode", "λ", "seeds"]
    head += [f"{c.label} {c.arrow}" for c in columns] + ["status"]
    body = []
    for row in board.rows:
        seeds = str(row.n_seeds) + (f" (+{len(row.failed)} failed)" if row.failed else "")
        cells = [
            f'<td class="num">{e(row.rank or "–")}</td>',
            f"<td>{e(row.backbone_label)}</td>",
            f"<td>{e(row.reward_label)}</td>",
            f"<td>{e(row.mode or '–')}</td>",
            f'<td class="num">{e("–" if row.lam is None else f"{row.lam:g}")}</td>',
            f'<td class="num">{e(seeds)}</td>',
            *(_stat_cell(board, c, row) for c in columns),
            f"<td>{e(row.status)}</td>",
        ]
        css = ' class="first"' if row.rank == 1 else ""
        body.append(f"<tr{css}>{''.join(cells)}</tr>")
    return (
        f'<h3>{e(title)}</h3><ul class="scope">{"".join(scope)}</ul>'
        f'<div class="scroll"><table class="leaderboard"><thead><tr>'
        f"{''.join(f'<th>{e(h)}</th>' for h in head)}"
        f"</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def failed_html(cells: Sequence[CellResult]) -> str:
    if not cells:
        return ""
    body = "".join(
        f"<tr><td>{e(c.id)}</td><td>{e(c.status)}</td>"
        f'<td class="err">{e(c.error or "(no error recorded)")}</td></tr>'
        for c in cells
    )
    return (
        f'<section id="failed"><h2>Failed cells ({len(cells)})</h2>'
        f'<table class="failed"><thead><tr><th>cell</th><th>status</th><th>error</th></tr>'
        f"</thead><tbody>{body}</tbody></table></section>"
    )


def _point_label(row: Row) -> str:
    parts = [row.backbone_label]
    if row.mode:
        parts.append(row.mode)
    if row.lam is not None:
        parts.append(f"λ{row.lam:g}")
    return " ".join(parts)


def tradeoff_html(board: Leaderboard) -> str:
    """One reward-vs-FID plot per reward (each reward has its own scale) and way of measuring
    FID; the rows without a reward give the baseline FID levels."""
    names = {c.name for c in board.columns}
    intro = (
        '<p class="muted">x: the final training reward (mean over seeds, bars ± std), y: FID. '
        "One plot per reward and FID measurement. Red points are on the Pareto front: no other "
        "configuration has both a higher reward and a lower FID.</p>"
    )
    if not {"fid", "reward"} <= names:
        return (
            f'<section id="tradeoff"><h2>Reward vs FID</h2>{intro}<p class="muted">'
            "No configuration has both a reward and an FID score.</p></section>"
        )
    rows = [r for r in board.rows if "fid" in r.stats]
    groups: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        if "reward" in row.stats:
            groups.setdefault((row.keys["fid"], row.keys["reward"]), []).append(row)
    figures = []
    for (fid_key, _), members in groups.items():
        points = [
            Point(
                _point_label(r),
                r.stats["reward"].mean,
                r.stats["fid"].mean,
                r.stats["reward"].std,
                r.stats["fid"].std,
            )
            for r in members
        ]
        baselines = [
            (f"{r.backbone_label}, no reward", r.stats["fid"].mean)
            for r in rows
            if r.reward == "none" and r.keys["fid"] == fid_key
        ]
        first = members[0]
        title = f"{first.reward_label} on {first.dataset}"
        svg = tradeoff_chart(points, baselines, title, f"{first.reward} reward ↑", "FID ↓")
        scope = first.scopes["fid"]
        caption = (
            f"{first.reward_label}: {len(points)} "
            f"configuration{'s' if len(points) > 1 else ''}; FID by "
            f"{scope.get('extractor')}, N = {scope.get('n_generated')}."
        )
        figures.append(
            f'<figure class="tradeoff">{svg}<figcaption>{e(caption)}</figcaption></figure>'
        )
    if not figures:
        figures.append('<p class="muted">No configuration has both a reward and an FID score.</p>')
    return (
        f'<section id="tradeoff"><h2>Reward vs FID</h2>{intro}'
        f'<div class="figs">{"".join(figures)}</div></section>'
    )


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


def curves_html(board: Leaderboard) -> str:
    figures = []
    for row in board.rows:
        cells = [cell for cell in row.cells + row.failed if cell.log()]
        if not cells:
            continue
        losses = line_chart(
            _curve(cells, LOSS_KEYS),
            "losses",
            "step",
            "loss",
        )
        parts = [losses]
        if row.reward != "none":
            parts.append(
                line_chart(
                    _curve(cells, REWARD_KEYS, band="reward_std"),
                    f"{row.reward} reward (± std in the batch)",
                    "step",
                    "reward",
                )
            )
        seeds = ", ".join(f"{c.seed}" + ("" if c.done else " (failed)") for c in cells)
        figures.append(
            f'<figure class="curves"><div class="figs">{"".join(parts)}</div>'
            f"<figcaption>{e(row.label)}: seed{'s' if len(cells) > 1 else ''} {e(seeds)}"
            "</figcaption></figure>"
        )
    if not figures:
        figures.append('<p class="muted">No run logged any step (metrics.jsonl).</p>')
    return (
        '<section id="curves"><h2>Training curves</h2><p class="muted">From each run\'s '
        "metrics.jsonl; the seeds of a configuration share the colors: the first solid, the "
        "second dashed, the third dotted."
        f'</p><div class="figs">{"".join(figures)}</div></section>'
    )


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


def audit_curves(cell: CellResult, section: dict[str, Any] | None) -> str | None:
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
    return (
        f'<div class="figs">{scaled}{fid}</div><p class="muted">{e(ranges)} (from audit.jsonl)</p>'
    )


def _grid_figure(cell: CellResult | None, caption: str) -> str:
    path = cell.samples_png if cell is not None else None
    uri = png_data_uri(path) if path is not None else None
    if uri is None:
        return (
            f'<figure class="samples"><p class="muted">no sample grid</p>'
            f"<figcaption>{e(caption)}</figcaption></figure>"
        )
    return (
        f'<figure class="samples"><img src="{uri}" alt="{e("samples: " + caption)}">'
        f"<figcaption>{e(caption)}</figcaption></figure>"
    )


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


def _audit_row(cell: CellResult, section: dict[str, Any]) -> str:
    label = f"{cell.id}"
    if section.get("status") != "ok":
        return (
            f"<tr><td>{e(label)}</td><td>{e(cell.reward)}</td>"
            f'<td colspan="6" class="muted">{e(section.get("status"))}: '
            f"{e(section.get('reason', ''))}</td><td>–</td></tr>"
        )
    claimed = section.get("claimed") or {}
    verified = section.get("verified") or {}
    drift = section.get("drift") or {}
    fid = drift.get("fid") or {}
    precision = drift.get("precision") or {}
    hacked = section.get("hacked")
    reasons = "; ".join(str(r) for r in section.get("reasons") or [])
    flag = (
        f'<span class="warn">HACKED</span> <span class="muted">{e(reasons)}</span>'
        if hacked
        else '<span class="good-text">no</span>'
    )
    return (
        f"<tr><td>{e(label)}</td><td>{e(cell.reward)}</td>"
        f'<td class="num">{e(_fmt(claimed.get("before"), "{:.4g}"))} → '
        f"{e(_fmt(claimed.get('after'), '{:.4g}'))}</td>"
        f'<td class="num">{e(_fmt(claimed.get("normalised")))}</td>'
        f"<td>{e(verified.get('audit', 'no audit'))}: "
        f"{e(_fmt(verified.get('before'), '{:.4g}'))} → "
        f"{e(_fmt(verified.get('after'), '{:.4g}'))}</td>"
        f'<td class="num">{e(_fmt(verified.get("normalised")))}</td>'
        f'<td class="num">{e(_fmt(section.get("gap")))}</td>'
        f'<td class="num" title="{e(fid.get("basis", ""))}">{e(_fmt(fid.get("ratio")))}'
        f" / {e(_fmt(precision.get('drop')))}</td>"
        f"<td>{flag}</td></tr>"
    )


def hacking_html(board: Leaderboard) -> str:
    """The reward-hacking gauge: a table of every audited cell, and for the flagged ones their
    curves over training and their sample grid beside the lambda = 0 grid."""
    cells = board.results.cells
    audited = [(c, c.reward_audit) for c in cells if c.done and c.reward_audit is not None]
    intro = (
        '<p class="muted">What each reward really bought, against the λ = 0 cell of the same '
        "backbone and seed on the same latents: <b>claimed</b> is the reward's own gain, "
        "<b>verified</b> the gain of an independent audit of what the reward claims to improve "
        "(another network, another model family, or the exact quantity), each in standard "
        "deviations of that quantity over the real held-out images; <b>gap</b> = claimed − "
        "verified. A cell is flagged when its claimed gain is large and its verified one small, "
        "or when its FID more than doubled (within the target class when the reward has one) or "
        "its precision dropped (thresholds in eval.json's reward_audit).</p>"
    )
    if not audited:
        return (
            f'<section id="hacking"><h2>Reward hacking</h2>{intro}<p class="muted">No cell has '
            "a reward_audit section: reward cells get one once the λ = 0 cell of their backbone "
            "and seed is done (or run <code>rlgan-bench audit RESULTS_DIR</code>).</p></section>"
        )
    head = [
        "cell",
        "reward",
        "reward before → after",
        "claimed",
        "audit before → after",
        "verified",
        "gap",
        "FID ratio / precision drop",
        "hacked",
    ]
    rows = "".join(_audit_row(cell, section) for cell, section in audited)
    table = (
        f'<div class="scroll"><table class="hacking"><thead><tr>'
        f"{''.join(f'<th>{e(h)}</th>' for h in head)}</tr></thead><tbody>{rows}</tbody>"
        "</table></div>"
    )
    figures = []
    quiet = []
    for cell, section in audited:
        curves = audit_curves(cell, section)
        if section.get("hacked"):
            baseline = _baseline_of(cells, section)
            grids = _grid_figure(cell, f"{cell.id} (flagged)") + _grid_figure(
                baseline, f"{baseline.id if baseline else 'λ = 0 cell'} (λ = 0)"
            )
            reasons = "; ".join(str(r) for r in section.get("reasons") or [])
            figures.append(
                f'<figure class="hacked">{curves or ""}<div class="figs">{grids}</div>'
                f"<figcaption>{e(cell.id)}: {e(reasons)}</figcaption></figure>"
            )
        elif curves:
            quiet.append(
                f"<details><summary>{e(cell.id)}: reward and audit over training (not "
                f"flagged)</summary>{curves}</details>"
            )
    flagged = (
        f'<h3>Flagged cells ({len(figures)})</h3><div class="figs">{"".join(figures)}</div>'
        if figures
        else '<p class="muted">No cell is flagged.</p>'
    )
    return (
        f'<section id="hacking"><h2>Reward hacking</h2>{intro}{table}{flagged}'
        f"{''.join(quiet)}</section>"
    )


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


def samples_html(board: Leaderboard) -> str:
    figures = []
    for row in board.rows:
        for cell in row.cells + row.failed:
            path = cell.samples_png
            if path is None:
                continue
            uri = png_data_uri(path)
            fid = row.values.get(cell.id, {}).get("fid")
            caption = f"{cell.id} (seed {cell.seed})"
            if fid is not None:
                caption += f", FID {fid:.2f}"
            if not cell.done:
                caption += ", failed"
            if uri is None:
                figures.append(
                    f'<figure class="samples"><p class="warn">samples.png is not a PNG file or '
                    f"is too large to embed</p><figcaption>{e(caption)}</figcaption></figure>"
                )
                continue
            figures.append(
                f'<figure class="samples"><img src="{uri}" alt="{e("samples of " + cell.id)}">'
                f"<figcaption>{e(caption)}</figcaption></figure>"
            )
    if not figures:
        figures.append('<p class="muted">No run has a samples.png.</p>')
    return (
        '<section id="samples"><h2>Samples</h2><p class="muted">One grid per cell: the fixed '
        "latent batch through the final (EMA) generator, the run's samples.png.</p>"
        f'<div class="figs">{"".join(figures)}</div></section>'
    )


def _counted(values: Sequence[Any]) -> str:
    counts = Counter(json.dumps(v, sort_keys=True, default=str) for v in values)
    if not counts:
        return "–"
    parts = []
    for text, n in counts.most_common():
        value = json.loads(text)
        shown = value if isinstance(value, str) else "–" if value is None else text
        parts.append(
            e(shown) + (f' <span class="muted">({n} cells)</span>' if len(counts) > 1 else "")
        )
    css = ' class="warn"' if len(counts) > 1 else ""
    return f"<span{css}>{'; '.join(parts)}</span>" if len(counts) > 1 else parts[0]


def _pretty(data: Any) -> str:
    return e(json.dumps(data, indent=2, sort_keys=True, default=str))


def environment_html(board: Leaderboard) -> str:
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
    rows.append(("plugins", e("; ".join(sorted(plugins)) or "–")))
    evals = [(c.record.get("config") or {}).get("eval") for c in cells]
    rows.append(("eval settings", _counted([v for v in evals if v is not None])))
    total = sum(
        t.get("total") or 0.0
        for c in cells
        if isinstance(t := c.record.get("timing_s"), dict) and isinstance(t.get("total"), float)
    )
    table = "".join(f"<tr><th>{e(key)}</th><td>{value}</td></tr>" for key, value in rows)
    matrix = board.results.matrix
    matrix_html = ""
    if matrix is not None:
        matrix_html = (
            f"<h3>Matrix</h3><p>source: <code>{e(matrix.get('source', '?'))}</code></p>"
            f"<pre>{_pretty(matrix.get('config', {}))}</pre>"
        )
    details = "".join(
        f'<details><summary>{e(cell.id)} <span class="muted">({e(cell.status)}, config hash '
        f"{e(cell.record.get('config_hash', '?'))})</span></summary>"
        f"<pre>{_pretty(cell.record.get('config', {}))}</pre></details>"
        for cell in cells
    )
    return (
        '<section id="environment"><h2>Environment and configuration</h2>'
        f'<p class="muted">Cell time in total: {total:.0f} s. Values that differ between '
        "cells are listed with their counts.</p>"
        f'<table class="environment"><tbody>{table}</tbody></table>{matrix_html}'
        f"<h3>Cells ({len(cells)})</h3>{details}</section>"
    )


def _page(title: str, subtitle: str, nav: Sequence[tuple[str, str]], body: str) -> str:
    links = "".join(f'<a href="#{e(anchor)}">{e(label)}</a>' for anchor, label in nav)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{e(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{STYLE}</style></head><body>"
        f'<header class="top"><h1>{e(title)}</h1><p>{subtitle}</p><nav>{links}</nav></header>'
        f"<main>{body}</main></body></html>\n"
    )


def render(board: Leaderboard) -> str:
    """The whole report as one HTML page."""
    results = board.results
    done, failed = board.done_cells, board.failed_cells
    ranked = [b for b in board.boards if b.ranked]
    boards = "".join(
        board_html(item, board.columns, i, len(ranked)) for i, item in enumerate(board.boards)
    )
    notes = ""
    if results.pending:
        notes += (
            f'<details class="muted"><summary>{len(results.pending)} cells not run yet'
            f"</summary>{e(', '.join(results.pending))}</details>"
        )
    for problem in results.problems:
        notes += f'<p class="warn">Skipped: {e(problem)}</p>'
    subtitle = (
        f"<code>{e(results.folder)}</code> · {len(results.cells)} cells: {len(done)} done, "
        f"{len(failed)} failed"
        + (f", {len(results.pending)} not run yet" if results.pending else "")
        + " · mean ± std over seeds"
    )
    body = (
        '<section id="leaderboard"><h2>Leaderboard</h2><p class="muted">Rows measured '
        "differently (feature extractor, its weights, N, split, dataset) are never ranked "
        f"together.</p>{boards or '<p>No cell finished.</p>'}{notes}</section>"
        + failed_html(failed)
        + tradeoff_html(board)
        + hacking_html(board)
        + curves_html(board)
        + samples_html(board)
        + environment_html(board)
    )
    nav = [("leaderboard", "Leaderboard")]
    if failed:
        nav.append(("failed", "Failed cells"))
    nav += [
        ("tradeoff", "Reward vs FID"),
        ("hacking", "Reward hacking"),
        ("curves", "Training curves"),
        ("samples", "Samples"),
        ("environment", "Environment"),
    ]
    return _page("rlgan-bench report", subtitle, nav, body)


__all__ = [
    "audit_curves",
    "e",
    "hacking_html",
    "line_chart",
    "nice_ticks",
    "png_data_uri",
    "render",
    "tradeoff_chart",
]
