"""Text shared by the report formats: numbers with their spread, what a score was measured
with, and the marks of columns that mix measurements."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from rlgan_bench.analysis.frontier import Curve, Frontier, Point
from rlgan_bench.analysis.noise_floors import NoiseFloors
from rlgan_bench.analysis.results import Board, Column, Stat
from rlgan_bench.analysis.stats import Estimate, t_quantile
from rlgan_bench.analysis.verdicts import CLEAR, EXACT, FLAGGED, NOT_CALIBRATED
from rlgan_bench.report.compute import COMPUTE_HEADER, compute_text

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
    if stat.std is not None:  # one convention in every table: ± the 95% t half-width
        half = t_quantile(stat.n - 1) * stat.std / math.sqrt(stat.n)
        text += f" ± {column.format_std(half)}"
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
    "recall drop ↓",
    "verified gain ↑",
    "claimed gain",
    "expected verified",
    "memorised",
    COMPUTE_HEADER,
    "flags",
]
#: the header of a frontier with a control: costs and the verified gain against it, and the
#: FID cost and gains against the base (the hacking verdict's, beside its expected value)
CONTROL_HEADER = [
    *FRONTIER_HEADER[:4],
    "FID cost vs base",
    "FID cost vs control ↓",
    "precision drop vs control ↓",
    "recall drop vs control ↓",
    "verified gain vs control ↑",
    "verified gain vs base",
    "claimed gain vs base",
    *FRONTIER_HEADER[9:],
]
#: the header of the table of a frontier's hacking-verdict controls
CONTROLS_HEADER = [
    "control",
    "seeds",
    "claimed gain",
    "verified gain",
    "expected verified",
    "deficit (95%)",
    "hacked",
]


def frontier_header(item: Frontier) -> list[str]:
    return list(CONTROL_HEADER if item.against_control else FRONTIER_HEADER)


def point_texts(point: Point, against_control: bool) -> list[str]:
    """The numbers of a frontier point's row after method, anchor, strength and seeds, in
    the order of :func:`frontier_header` (± the 95% interval over seeds)."""
    costs = [format_estimate(point.fid_cost, "{:.2f}")]
    if against_control:
        costs.append(format_estimate(point.cost("fid_cost", True), "{:.2f}"))
    costs += [
        format_estimate(point.cost("precision_drop", against_control), "{:.3f}"),
        format_estimate(point.cost("recall_drop", against_control), "{:.3f}"),
    ]
    if against_control:
        costs.append(format_estimate(point.verified_vs_control, "{:.2f}"))  # "–": not measured
    verdict = point.hacking
    return [
        *costs,
        format_estimate(point.verified, "{:.2f}"),
        format_estimate(point.claimed, "{:.2f}"),
        "–" if verdict is None or verdict.expected is None else f"{verdict.expected:.2f}",
        format_estimate(point.memorised, "{:.3f}"),
        compute_text(point.compute),
        format_flags(point),
    ]


def control_texts(point: Point) -> list[str]:
    """A row of the controls table (:data:`CONTROLS_HEADER`)."""
    verdict = point.hacking
    deficit = "–"
    if verdict is not None and verdict.deficit is not None and verdict.deficit_ci95:
        low, high = verdict.deficit_ci95
        deficit = f"{verdict.deficit:.2f} ({low:.2f} to {high:.2f})"
    return [
        point.label,
        str(point.n_seeds),
        format_estimate(point.claimed, "{:.2f}"),
        format_estimate(point.verified, "{:.2f}"),
        "–" if verdict is None or verdict.expected is None else f"{verdict.expected:.2f}",
        deficit,
        "–" if verdict is None else ("yes" if verdict.fired else "no"),
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


def ranking_note(curve: Curve) -> str:
    """The budget ranking's note on a method: why it is unranked, or that the seeds do not
    tell it from the method ranked above it."""
    return curve.unranked or curve.not_distinguishable or ""


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
        flag.detail if flag.status == EXACT else f"{flag.name}: {flag.status}"
        for flag in point.flags
        if flag.status not in (FLAGGED, CLEAR)
    ]
    if untested:
        text += f" ({'; '.join(untested)})"
    return text


__all__ = [
    "CONTROLS_HEADER",
    "CONTROL_HEADER",
    "FRONTIER_HEADER",
    "control_texts",
    "frontier_header",
    "point_texts",
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
