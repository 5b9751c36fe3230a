"""The leaderboard as Markdown: what ``rlgan-bench report`` prints and ``report.md`` holds."""

from __future__ import annotations

from collections.abc import Sequence

from rlgan_bench.report.formatting import format_stat, header_lines, mark
from rlgan_bench.report.model import Board, CellResult, Column, Leaderboard, Row


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


def row_cells(row: Row) -> list[str]:
    """The identity cells of a row: backbone, reward, mode, lambda, seeds."""
    return [
        md_escape(row.backbone_label),
        md_escape(row.reward_label),
        md_escape(row.mode or "–"),
        "–" if row.lam is None else f"{row.lam:g}",
        str(row.n_seeds) + (f" (+{len(row.failed)} failed)" if row.failed else ""),
    ]


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
    header = ["rank", "backbone", "reward", "mode", "λ", "seeds"]
    header += [f"{c.label} {c.arrow}" for c in columns]
    body = [
        [str(row.rank) if row.rank else "–", *row_cells(row)]
        + [_value(board, c, row) for c in columns]
        for row in board.rows
    ]
    return [*lines, "", *_table(header, body), ""]


def failed_lines(cells: Sequence[CellResult]) -> list[str]:
    if not cells:
        return []
    body = [
        [md_escape(cell.id), md_escape(cell.status), md_escape(cell.error or "(no error recorded)")]
        for cell in cells
    ]
    return [f"## Failed cells ({len(cells)})", "", *_table(["cell", "status", "error"], body), ""]


def render(board: Leaderboard) -> str:
    """The whole report as Markdown text."""
    results = board.results
    done, failed = board.done_cells, board.failed_cells
    lines = [
        f"# rlgan-bench report: {md_escape(results.folder)}",
        "",
        f"{len(results.cells)} cells: {len(done)} done, {len(failed)} failed"
        + (f", {len(results.pending)} not run yet" if results.pending else "")
        + ". Each score is the mean ± standard deviation over the seeds of a configuration "
        "(no ± with one seed); rows measured differently are never ranked together.",
        "",
    ]
    ranked = [b for b in board.boards if b.ranked]
    for index, item in enumerate(board.boards):
        lines += board_lines(item, board.columns, index, len(ranked))
    lines += failed_lines(failed)
    if results.pending:
        lines += [f"Not run yet: {', '.join(md_escape(p) for p in results.pending)}", ""]
    for problem in results.problems:
        lines += [f"Skipped: {md_escape(problem)}", ""]
    return "\n".join(lines).rstrip() + "\n"


__all__ = ["md_escape", "render"]
