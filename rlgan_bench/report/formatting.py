"""Text shared by the report formats: numbers with their spread, what a score was measured
with, and the marks of columns that mix measurements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rlgan_bench.report.frontier import (
    CLEAR,
    FLAGGED,
    NOT_CALIBRATED,
    Estimate,
    NoiseFloors,
    Point,
)
from rlgan_bench.report.model import Board, Column, Stat

#: the marks of the measurements of a mixed column, in order
MARKS = "abcdefghijklmnopqrstuvwxyz"


def describe_scope(scope: dict[str, Any]) -> str:
    """``rlgan-digit-eval-net (sha256 abadde160f0c), N = 40 generated vs 600 real heldout``."""
    parts = [str(scope.get("extractor") or "?")]
    sha = scope.get("extractor_sha256")
    if sha:
        parts[0] += f" (sha256 {str(sha)[:12]})"
    n_gen, n_real = scope.get("n_generated"), scope.get("n_real")
    if n_gen is not None:
        counts = f"N = {n_gen} generated"
        if n_real is not None:
            counts += f" vs {n_real} real"
            if scope.get("split"):
                counts += f" ({scope['split']})"
        parts.append(counts)
    if scope.get("prompts"):
        parts.append("prompts " + ", ".join(repr(p) for p in scope["prompts"]))
    return ", ".join(parts)


def header_lines(board: Board, columns: Sequence[Column]) -> list[tuple[str, list[str]]]:
    """Per group of columns measured alike: (their labels, the descriptions of their scopes).
    More than one description means the column mixes measurements (marked a, b... in cells)."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for column in columns:
        if column.keyed_by_row:
            continue
        described = tuple(describe_scope(s) for s in board.scopes(column))
        if described:
            groups.setdefault(described, []).append(column.label)
    return [(", ".join(labels), list(described)) for described, labels in groups.items()]


def mark(index: int | None) -> str:
    """The mark of the ``index``-th measurement of a mixed column ("" for None)."""
    return "" if index is None else MARKS[index % len(MARKS)]


def format_stat(column: Column, stat: Stat | None) -> str:
    """``9.88 ± 0.41`` in the column's format; ``–`` for no value."""
    if stat is None:
        return "–"
    text = column.format(stat.mean)
    if stat.std is not None:
        text += f" ± {column.format_std(stat.std)}"
    return text


def protocol_board(board: Board) -> bool:
    """Whether a board has rows of a base-protocol matrix (method and strength columns)."""
    return any(row.protocol is not None for row in board.rows)


FRONTIER_HEADER = [
    "method",
    "anchor",
    "strength",
    "seeds",
    "FID cost ↓",
    "precision drop ↓",
    "verified gain ↑",
    "claimed gain",
    "flags",
]


def floors_text(floors: NoiseFloors) -> str:
    """The noise floors of a frontier, in one line."""
    if not floors.calibrated:
        return (
            f"not calibrated (one seed): {len(floors.bases)} base, no seed-to-seed noise, "
            "so no flag is given"
        )

    def value(number: float | None, fmt: str = "{:.3g}") -> str:
        return "–" if number is None else fmt.format(number)

    return (
        f"over {len(floors.bases)} bases: reward {value(floors.claimed)} sd, audit "
        f"{value(floors.verified)} sd, gap {value(floors.gap)} sd, FID {value(floors.fid)}, "
        f"precision {value(floors.precision)}, diversity {value(floors.diversity)} "
        f"(ratio; {floors.diversity_basis})"
    )


def seeds_text(n: int, failed: int = 0, mark_one: bool = False) -> str:
    """``3``, ``2 (+1 failed)``, with ``mark_one`` ``1 (one seed)``."""
    text = str(n) + (" (one seed)" if mark_one and n == 1 else "")
    return text + (f" (+{failed} failed)" if failed else "")


def format_estimate(estimate: Estimate | None, fmt: str = "{:.3g}") -> str:
    """``1.23 ± 0.45`` (± the half-width of the 95% interval over seeds); one seed or a value
    that holds by definition (the base's zeros): the mean alone; ``–`` for no value."""
    if estimate is None:
        return "–"
    text = fmt.format(estimate.mean)
    if estimate.half_width is not None and not estimate.exact:
        text += f" ± {fmt.format(estimate.half_width)}"
    return text


def format_flags(point: Point) -> str:
    """The calibrated flags of a frontier point: the names of those that fired (``none``),
    and the ones that could not be tested, with why."""
    if not point.flags:
        return "–"
    if all(flag.status == NOT_CALIBRATED for flag in point.flags):
        return NOT_CALIBRATED
    fired = [flag.name for flag in point.flags if flag.status == FLAGGED]
    text = ", ".join(fired) if fired else "none"
    untested = [
        f"{flag.name}: {flag.status}" for flag in point.flags if flag.status not in (FLAGGED, CLEAR)
    ]
    if untested:
        text += f" ({'; '.join(untested)})"
    return text


__all__ = [
    "FRONTIER_HEADER",
    "MARKS",
    "describe_scope",
    "floors_text",
    "format_estimate",
    "format_flags",
    "format_stat",
    "header_lines",
    "mark",
    "protocol_board",
    "seeds_text",
]
