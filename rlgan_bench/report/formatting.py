"""Text shared by the report formats: numbers with their spread, what a score was measured
with, and the marks of columns that mix measurements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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


__all__ = ["MARKS", "describe_scope", "format_stat", "header_lines", "mark"]
