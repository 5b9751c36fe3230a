"""Cells -> rows -> ranked boards: seeds aggregated, rows ranked in the sort column's direction,
and rows scored differently kept apart.

Rows whose sort column was measured differently (another extractor or its weights, another N,
another split: :func:`rlgan_bench.core.metric.comparison_key`) or on another dataset are on
different boards, never ranked together. Cells of one configuration whose scores were
measured differently are not averaged together either: they make separate rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from rlgan_bench.analysis import frontier_report
from rlgan_bench.analysis.results import (
    Board,
    CellResult,
    Column,
    Leaderboard,
    Measure,
    Results,
    Row,
    Stat,
    load_results,
)
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.core.identity import canonical_json
from rlgan_bench.core.records import ROLES
from rlgan_bench.report.columns import COLUMNS, get_column


def group_rows(cells: Iterable[CellResult], columns: Sequence[Column]) -> list[Row]:
    """Cells -> rows: one per configuration and way of measuring; failed cells join a row of
    their configuration (or make a failed row)."""
    grouped: dict[tuple[Any, ...], Row] = {}
    measured: dict[str, dict[str, Measure]] = {}
    failed: list[CellResult] = []
    for cell in cells:
        if not cell.done:
            failed.append(cell)
            continue
        found = {c.name: m for c in columns if (m := c.measure(cell)) is not None}
        measured[cell.id] = found
        key = (cell.config_key, tuple(sorted((name, m.key) for name, m in found.items())))
        grouped.setdefault(key, Row([])).cells.append(cell)
    by_config: dict[str, Row] = {}
    for (config, _), row in grouped.items():
        by_config.setdefault(config, row)
    for cell in failed:
        if cell.config_key not in by_config:
            by_config[cell.config_key] = grouped[(cell.config_key, ("failed",))] = Row([])
        by_config[cell.config_key].failed.append(cell)
    rows = list(grouped.values())
    for row in rows:
        row.cells.sort(key=lambda c: str(c.seed))
        for cell in row.cells:
            row.values[cell.id] = {name: m.value for name, m in measured[cell.id].items()}
            for name, m in measured[cell.id].items():
                row.keys[name], row.scopes[name] = m.key, m.scope
        for column in columns:
            values = [v[column.name] for v in row.values.values() if column.name in v]
            if values:
                row.stats[column.name] = Stat.of(values)
    rows.sort(key=_row_order)
    return rows


def _row_order(row: Row) -> tuple[Any, ...]:
    protocol = row.protocol  # None for every row of a matrix trained from scratch
    role = ROLES.index(protocol.role) if protocol is not None else -1
    strength = protocol.strength if protocol and protocol.strength is not None else -1.0
    anchor = protocol.anchor if protocol is not None else -1.0
    return (
        row.backbone,
        canonical_json(row.backbone_params),
        row.reward != "none",
        role,
        row.reward,
        canonical_json(row.reward_params),
        row.mode or "",
        anchor,
        strength,
        row.lam if row.lam is not None else -1.0,
        row.first.config_key,
    )


def rank_rows(rows: Sequence[Row], sort: Column) -> list[Board]:
    """Boards of comparable rows, each ranked by ``sort`` in its direction (rows it does not
    score last, unranked). Sets each row's ``board`` and ``rank``."""
    boards: dict[tuple[Any, ...], Board] = {}
    for row in rows:
        if not row.cells:
            continue
        key = row.keys.get(sort.name)
        board_key = (row.dataset, key)
        if board_key not in boards:
            boards[board_key] = Board(row.dataset, sort, key, [])
        boards[board_key].rows.append(row)
    ordered = sorted(
        boards.values(), key=lambda b: (not b.ranked, b.dataset, -len(b.rows), str(b.key))
    )
    sign = -1.0 if sort.higher_is_better else 1.0
    for index, board in enumerate(ordered):
        if board.ranked:
            board.rows.sort(key=lambda r: sign * r.stats[sort.name].mean)
        for position, row in enumerate(board.rows):
            row.board = index
            row.rank = position + 1 if board.ranked else None
    return ordered


def default_sort(rows: Sequence[Row], columns: Sequence[Column]) -> Column:
    """The first column (FID before all) that scores some row."""
    for column in columns:
        if any(column.name in row.stats for row in rows):
            return column
    return columns[0]


def build(
    results: Results, sort: str | None = None, columns: Sequence[Column] | None = None
) -> Leaderboard:
    """The leaderboard of ``results``, ranked by the column named ``sort`` (default: FID),
    with the frontiers of a base-protocol matrix (:func:`rlgan_bench.analysis.frontier_report.build`).
    Reads each cell's record as it is now (an edit to ``cell.record`` shows)."""
    columns = list(columns if columns is not None else COLUMNS)
    for cell in results.cells:
        cell.reread()
    rows = group_rows(results.cells, columns)
    if sort is None:
        chosen = default_sort(rows, columns)
    else:
        chosen = get_column(sort, columns)
        if rows and any(r.cells for r in rows) and not any(chosen.name in r.stats for r in rows):
            scored = [c.name for c in columns if any(c.name in r.stats for r in rows)]
            raise ConfigError(
                f"--sort {sort}: no cell of {results.folder} has a {chosen.label} score "
                f"(scored: {', '.join(scored) or 'nothing'})"
            )
    shown = [c for c in columns if any(c.name in row.stats for row in rows)]
    boards = rank_rows(rows, chosen)
    ordered = [row for board in boards for row in board.rows]
    ordered += [row for row in rows if not row.cells]
    board = Leaderboard(results, shown, chosen, boards, ordered, columns)
    board.frontier = frontier_report.build(results)
    return board


def load(folder: str | Path, sort: str | None = None) -> Leaderboard:
    """The leaderboard of the results directory ``folder``."""
    return build(load_results(folder), sort)


def pareto_front(points: Sequence[tuple[float, float]]) -> list[bool]:
    """For (x to maximise, y to minimise) points: whether each is on the Pareto front (no
    other point is at least as good on both and better on one)."""
    front = []
    for i, (x, y) in enumerate(points):
        dominated = any(
            (ox >= x and oy <= y) and (ox > x or oy < y)
            for j, (ox, oy) in enumerate(points)
            if j != i
        )
        front.append(not dominated)
    return front


__all__ = ["build", "default_sort", "group_rows", "load", "pareto_front", "rank_rows"]
