"""The leaderboards of the HTML report (``leaderboard.html.j2``): per board its title, the
scopes of its columns (what each was measured with) and its rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rlgan_bench.analysis.results import Board, Column, Row
from rlgan_bench.report.formatting import (
    format_stat,
    header_lines,
    mark,
    protocol_board,
    seeds_text,
)
from rlgan_bench.report.page.parts import TableCell


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


__all__ = ["BoardRow", "BoardView", "Scope", "board_view"]
