"""The leaderboard as Markdown: what ``rlgan-bench report`` prints and ``report.md`` holds."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rlgan_bench.analysis.definitions import DEFINITIONS
from rlgan_bench.analysis.frontier import Frontier, Point
from rlgan_bench.analysis.frontier_report import FrontierReport
from rlgan_bench.analysis.results import Board, CellResult, Column, Leaderboard, Results, Row
from rlgan_bench.report.compute import base_cost_text
from rlgan_bench.report.formatting import (
    CONTROLS_HEADER,
    control_texts,
    describe_scope,
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


def md_escape(value: object) -> str:
    """A user-controlled string made inert in a Markdown table cell: no column breaks, no
    raw HTML, no line breaks, no emphasis or links."""
    text = " ".join(str(value).split())
    for char in "\\`[]|":
        text = text.replace(char, "\\" + char)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def row_cells(row: Row, protocol: bool = False) -> list[str]:
    """The identity cells of a row: backbone, reward, mode, lambda, seeds; on a board of a
    base-protocol matrix (``protocol``) method and strength instead of mode and lambda, and
    one-seed rows marked."""
    if protocol:
        return [
            md_escape(row.backbone_label),
            md_escape(row.reward_label),
            md_escape(row.method_label if row.protocol else (row.mode or "–")),
            md_escape(row.strength_label if row.protocol else _lam(row)),
            md_escape(seeds_text(row.n_seeds, len(row.failed), mark_one=True)),
        ]
    return [
        md_escape(row.backbone_label),
        md_escape(row.reward_label),
        md_escape(row.mode or "–"),
        "–" if row.lam is None else f"{row.lam:g}",
        str(row.n_seeds) + (f" (+{len(row.failed)} failed)" if row.failed else ""),
    ]


def _lam(row: Row) -> str:
    return "–" if row.lam is None else f"λ={row.lam:g}"


def _value(board: Board, column: Column, row: Row) -> str:
    text = format_stat(column, row.stats.get(column.name))
    if not column.keyed_by_row and len(board.scopes(column)) > 1 and column.name in row.stats:
        text += f" [{mark(board.key_index(column, row))}]"
    return text


def board_lines(board: Board, columns: Sequence[Column], index: int, total: int) -> list[str]:
    sort = board.sort
    if board.ranked:
        title = f"Leaderboard {index + 1} of {total}: {board.dataset}, ranked by {sort.label}"
        title += " (higher is better)" if sort.higher_is_better else " (lower is better)"
    else:
        title = f"Not ranked: rows without a {sort.label} score ({board.dataset})"
    lines = [f"## {md_escape(title)}", "", f"- dataset: {md_escape(board.dataset)}"]
    for labels, described in header_lines(board, columns):
        if len(described) == 1:
            lines.append(f"- {md_escape(labels)}: {md_escape(described[0])}")
        else:
            lines.append(
                f"- {md_escape(labels)}: measured differently across rows, compare "
                f"only rows with the same mark:"
            )
            lines += [f"  - [{mark(i)}] {md_escape(d)}" for i, d in enumerate(described)]
    for column in columns:
        if column.keyed_by_row and board.scopes(column):
            lines.append(f"- {md_escape(column.label)}: {md_escape(column.description)}")
    protocol = protocol_board(board)
    header = ["rank", "backbone", "reward"]
    header += ["method", "strength"] if protocol else ["mode", "λ"]
    header += ["seeds", *(f"{c.label} {c.arrow}" for c in columns)]
    body = [
        [str(row.rank) if row.rank else "–", *row_cells(row, protocol)]
        + [_value(board, c, row) for c in columns]
        for row in board.rows
    ]
    return [*lines, "", *_table(header, body), ""]


# --- the frontier ------------------------------------------------------------------------------


def point_cells(point: Point, method: str, anchor: str, against_control: bool = False) -> list[str]:
    """A frontier table's row of one point (± the 95% interval over seeds)."""
    return [
        md_escape(method),
        anchor,
        md_escape(point.label if point.strength is not None else "–"),
        md_escape(seeds_text(point.n_seeds, mark_one=True)),
        *(md_escape(text) for text in point_texts(point, against_control)),
    ]


def frontier_lines(item: Frontier, index: int, total: int) -> list[str]:
    """One frontier: what it measured, its table of points and its budget ranking."""
    budget = item.budget
    scope = describe_scope({"extractor": item.extractor, "extractor_sha256": item.extractor_sha256})
    lines = [
        f"## Frontier {index + 1} of {total}: {md_escape(item.title)}",
        "",
        f"- dataset: {md_escape(item.dataset)}; FID and precision: {md_escape(scope)}, "
        f"N = {item.n} samples of each point and of its base, on the same latents",
        f"- verified gain: audit {md_escape(item.audit or 'none (no audit applies)')}; "
        f"claimed gain: reward {md_escape(item.reward_label)}",
        f"- noise floors {md_escape(floors_text(item.floors))}",
        f"- budget ({budget.source}): FID cost ≤ {budget.fid_cost:g}, precision drop ≤ "
        f"{budget.precision_drop:g}, recall drop ≤ {budget.recall_drop:g}, against the "
        + ("control" if item.against_control else "base"),
        f"- {md_escape(base_cost_text(item))}",
        "",
    ]
    ref = item.against_control
    body = [point_cells(item.base, item.base.label, "–", ref)]
    for curve in item.curves:
        anchor = f"{curve.anchor:g}"
        method = curve.label.split(", anchor")[0] if curve.anchor else curve.label
        body += [point_cells(point, method, anchor, ref) for point in curve.points]
    if item.control is not None:
        body.append(point_cells(item.control, item.control.label, "–", ref))
    lines += _table(frontier_header(item), body)
    if item.controls:
        lines += [
            "",
            f"Controls of the hacked verdict ({md_escape(item.title)}): it must stay silent on "
            "selection among real images and fire on the known hack.",
            "",
            *_table(
                CONTROLS_HEADER, [[md_escape(t) for t in control_texts(p)] for p in item.controls]
            ),
        ]
    ranking = [
        [
            str(curve.rank) if curve.rank else "–",
            md_escape(curve.label),
            md_escape(curve.best.label) if curve.best else "–",
            format_estimate(curve.best_verified, "{:.2f}"),
            "–" if curve.area is None else f"{curve.area:.2f}",
            md_escape(ranking_note(curve)),
        ]
        for curve in item.ranking
    ]
    lines += [
        "",
        f"### Budget ranking: {md_escape(item.title)}",
        "",
        *_table(
            [
                "rank",
                "method",
                "best point within budget",
                "verified gain there",
                f"area (mean verified gain over FID cost 0–{budget.fid_cost:g})",
                "note",
            ],
            ranking,
        ),
        "",
    ]
    lines += [f"- {md_escape(note)}" for note in item.notes]
    return lines + ([""] if item.notes else [])


def frontier_section(report: FrontierReport) -> list[str]:
    """Every frontier, then the cells on none and the definitions."""
    lines: list[str] = []
    total = len(report.frontiers)
    for index, item in enumerate(report.frontiers):
        lines += frontier_lines(item, index, total)
    if not report.frontiers:
        lines += ["## Frontier", "", "No fine-tuned cell has a measured reward_audit yet.", ""]
    if report.skipped:
        lines += ["Not on a frontier:", ""]
        lines += [f"- {md_escape(text)}" for text in report.skipped]
        lines.append("")
    lines += ["### How the frontier is measured", ""]
    lines += [f"- **{md_escape(key)}**: {md_escape(text)}" for key, text in DEFINITIONS.items()]
    return [*lines, ""]


def failed_lines(cells: Sequence[CellResult]) -> list[str]:
    if not cells:
        return []
    body = [
        [md_escape(cell.id), md_escape(cell.status), md_escape(cell.error or "(no error recorded)")]
        for cell in cells
    ]
    return [f"## Failed cells ({len(cells)})", "", *_table(["cell", "status", "error"], body), ""]


def report_name(results: Results, name: str | None = None) -> str:
    """What a report is titled: ``name`` (scripts/publish_leaderboard.py gives the board's),
    else the name of its results folder, never its path: a report is read where it is copied
    to, and a path names the machine and the (often temporary) folder it was written in."""
    return name or Path(results.folder).resolve().name or str(results.folder)


def report_title(name: str) -> str:
    """The title of the report named ``name``, in every format (and the one
    scripts/publish_leaderboard.py gives a published board)."""
    return f"rlgan-bench report: {name}"


def render(board: Leaderboard, name: str | None = None) -> str:
    """The whole report as Markdown text, titled ``name`` (default: see :func:`report_name`)."""
    results = board.results
    done, failed = board.done_cells, board.failed_cells
    lines = [
        f"# {md_escape(report_title(report_name(results, name)))}",
        "",
        f"{len(results.cells)} cells: {len(done)} done, {len(failed)} failed"
        + (f", {len(results.pending)} not run yet" if results.pending else "")
        + ". Each score is the mean over the seeds of a configuration ± the half-width of its 95% "
        "Student-t interval, as in the frontier (no ± with one seed); rows measured differently are never ranked together.",
        "",
    ]
    if board.frontier is not None:  # what a base-protocol benchmark is about comes first
        lines += frontier_section(board.frontier)
    ranked = [b for b in board.boards if b.ranked]
    for index, item in enumerate(board.boards):
        lines += board_lines(item, board.columns, index, len(ranked))
    lines += failed_lines(failed)
    if results.pending:
        lines += [f"Not run yet: {', '.join(md_escape(p) for p in results.pending)}", ""]
    for problem in results.problems:
        lines += [f"Skipped: {md_escape(problem)}", ""]
    return "\n".join(lines).rstrip() + "\n"


__all__ = [
    "frontier_lines",
    "frontier_section",
    "md_escape",
    "render",
    "report_name",
    "report_title",
    "row_cells",
]
