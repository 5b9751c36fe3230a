"""``rlgan-bench report --compare A B``: how each metric of each configuration changed from one
results directory to another. A change is given only between scores measured alike (the same
:func:`~rlgan_bench.core.metric.comparison_key`); otherwise it says why not."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rlgan_bench.analysis.results import Column, Leaderboard, Row, Stat
from rlgan_bench.core.config import LATER_DEFAULTS, NOT_CONFIGURATION
from rlgan_bench.report.html import render_page
from rlgan_bench.report.markdown import md_escape, row_cells


@dataclass
class Change:
    """One metric of one configuration, from A to B."""

    column: Column
    a: Stat | None
    b: Stat | None
    #: False when both have a score but measured differently (extractor, N, split...)
    comparable: bool

    @property
    def delta(self) -> float | None:
        if self.a is None or self.b is None or not self.comparable:
            return None
        return self.b.mean - self.a.mean

    @property
    def better(self) -> bool | None:
        delta = self.delta
        if delta is None or delta == 0:
            return None
        return (delta > 0) == self.column.higher_is_better

    def to_json(self) -> dict[str, Any]:
        return {
            "a_mean": self.a.mean if self.a else None,
            "a_std": self.a.std if self.a else None,
            "b_mean": self.b.mean if self.b else None,
            "b_std": self.b.std if self.b else None,
            "delta": self.delta,
            "better": self.better,
            "comparable": self.comparable,
        }

    def text(self) -> str:
        fmt = self.column.format
        if self.a is None and self.b is None:
            return "–"
        a = fmt(self.a.mean) if self.a else "–"
        b = fmt(self.b.mean) if self.b else "–"
        if self.a is not None and self.b is not None and not self.comparable:
            return f"{a} → {b} (not comparable)"
        delta = self.delta
        if delta is None:
            return f"{a} → {b}"
        sign = "+" if delta >= 0 else "−"
        verdict = {True: ", better", False: ", worse", None: ""}[self.better]
        return f"{a} → {b} ({sign}{fmt(abs(delta))}{verdict})"


@dataclass
class Pair:
    """One configuration (backbone x reward x mode x lambda) in A, B or both."""

    a: list[Row]
    b: list[Row]
    changes: list[Change] = field(default_factory=list)
    #: training settings that differ between A and B (e.g. steps)
    config_differences: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def row(self) -> Row:
        return (self.a or self.b)[0]

    @property
    def only_in(self) -> str | None:
        return "a" if not self.b else "b" if not self.a else None

    def to_json(self) -> dict[str, Any]:
        row = self.row
        return {
            "backbone": row.backbone,
            "backbone_params": row.backbone_params,
            "reward": row.reward,
            "reward_params": row.reward_params,
            "mode": row.mode,
            "lambda": row.lam,
            "dataset": row.dataset,
            "only_in": self.only_in,
            "n_seeds_a": sum(r.n_seeds for r in self.a),
            "n_seeds_b": sum(r.n_seeds for r in self.b),
            "config_differences": self.config_differences,
            "metrics": {c.column.name: c.to_json() for c in self.changes},
            **(
                {
                    "role": row.protocol.role,
                    "method": row.protocol.method,
                    "strength": row.protocol.strength,
                    "strength_name": row.protocol.strength_name,
                    "anchor": row.protocol.anchor,
                }
                if row.protocol is not None
                else {}
            ),
        }


@dataclass
class Comparison:
    a: Leaderboard
    b: Leaderboard
    columns: list[Column]
    pairs: list[Pair]

    def to_json(self) -> dict[str, Any]:
        return {
            "a": str(self.a.results.folder),
            "b": str(self.b.results.folder),
            "rows": [pair.to_json() for pair in self.pairs],
        }


def _pick(rows: list[Row], column: Column, key: Any) -> Stat | None:
    for row in rows:
        if row.keys.get(column.name) == key and column.name in row.stats:
            return row.stats[column.name]
    return None


def _change(column: Column, a: list[Row], b: list[Row]) -> Change:
    keys_a = [r.keys[column.name] for r in a if column.name in r.stats]
    keys_b = [r.keys[column.name] for r in b if column.name in r.stats]
    common = [key for key in keys_a if key in keys_b]
    if common:
        return Change(column, _pick(a, column, common[0]), _pick(b, column, common[0]), True)
    stat_a = _pick(a, column, keys_a[0]) if keys_a else None
    stat_b = _pick(b, column, keys_b[0]) if keys_b else None
    return Change(column, stat_a, stat_b, not (keys_a and keys_b))


def _differences(a: list[Row], b: list[Row]) -> dict[str, list[Any]]:
    def settings(rows: list[Row]) -> dict[str, Any]:
        cells = [c for r in rows for c in (r.cells or r.failed)]
        if not cells:
            return {}
        # records from before a setting existed hold its default
        return {
            k: v
            for k, v in {**LATER_DEFAULTS, **cells[0].train}.items()
            if k not in NOT_CONFIGURATION
        }

    sa, sb = settings(a), settings(b)
    return {
        key: [sa.get(key), sb.get(key)]
        for key in sorted(set(sa) | set(sb))
        if json.dumps(sa.get(key), default=str) != json.dumps(sb.get(key), default=str)
    }


def compare(a: Leaderboard, b: Leaderboard) -> Comparison:
    """Pair the configurations of two leaderboards and compute each metric's change."""
    names = {c.name for c in a.columns} | {c.name for c in b.columns}
    columns = [c for c in a.columns + b.columns if c.name in names]
    columns = list({c.name: c for c in columns}.values())
    pairs: dict[tuple[Any, ...], Pair] = {}
    for side, board in (("a", a), ("b", b)):
        for row in board.rows:
            pair = pairs.setdefault((row.dataset, *row.identity), Pair([], []))
            (pair.a if side == "a" else pair.b).append(row)
    for pair in pairs.values():
        if pair.a and pair.b:
            pair.changes = [_change(c, pair.a, pair.b) for c in columns]
            pair.config_differences = _differences(pair.a, pair.b)
    ordered = sorted(pairs.values(), key=lambda p: (p.only_in or "", str(p.row.identity)))
    return Comparison(a, b, columns, ordered)


def render_markdown(comparison: Comparison) -> str:
    a, b = comparison.a.results.folder, comparison.b.results.folder
    lines = [
        f"# rlgan-bench compare: {md_escape(a)} → {md_escape(b)}",
        "",
        "Each cell: the mean over the seeds in A → in B (the change, and whether it is better "
        "in the metric's direction). Scores measured differently (extractor, N, split) are not "
        "compared.",
        "",
    ]
    both = [p for p in comparison.pairs if p.only_in is None]
    protocol = _protocol(comparison)
    header = ["backbone", "reward", *_identity_head(protocol), "seeds A/B"]
    header += [f"{c.label} {c.arrow}" for c in comparison.columns] + ["settings changed"]
    lines += ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    for pair in both:
        seeds = f"{sum(r.n_seeds for r in pair.a)}/{sum(r.n_seeds for r in pair.b)}"
        changed = _settings(pair)
        cells = [*row_cells(pair.row, protocol)[:4], seeds]
        cells += [md_escape(change.text()) for change in pair.changes]
        lines.append("| " + " | ".join([*cells, md_escape(changed)]) + " |")
    lines.append("")
    for side, folder in (("a", a), ("b", b)):
        only = [p for p in comparison.pairs if p.only_in == side]
        if only:
            lines.append(
                f"Only in {md_escape(folder)}: " + ", ".join(md_escape(p.row.label) for p in only)
            )
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


__all__ = ["Change", "Comparison", "Pair", "compare", "render_markdown"]


def _protocol(comparison: Comparison) -> bool:
    """Whether rows of a base-protocol matrix are compared (method and strength columns)."""
    return any(p.row.protocol is not None for p in comparison.pairs)


def _identity_head(protocol: bool) -> list[str]:
    return ["method", "strength"] if protocol else ["mode", "λ"]


def _settings(pair: Pair) -> str:
    changed = pair.config_differences.items()
    return "; ".join(f"{key} {va!r} → {vb!r}" for key, (va, vb) in changed) or "–"


def render_html(comparison: Comparison) -> str:
    """The comparison as a self-contained HTML page (one table, ``templates/compare.html.j2``)."""
    a, b = comparison.a.results.folder, comparison.b.results.folder
    protocol = _protocol(comparison)
    head = ["backbone", "reward", *_identity_head(protocol), "seeds A/B"]
    head += [f"{c.label} {c.arrow}" for c in comparison.columns] + ["settings changed"]
    rows = []
    for pair in comparison.pairs:
        row = pair.row
        seeds = f"{sum(r.n_seeds for r in pair.a)}/{sum(r.n_seeds for r in pair.b)}"
        if protocol and row.protocol is not None:
            identity = [row.method_label, row.strength_label]
        else:
            identity = [row.mode or "–", "–" if row.lam is None else f"{row.lam:g}"]
        rows.append(
            {
                "cells": [row.backbone_label, row.reward_label, *identity, seeds],
                "only_in": None if pair.only_in is None else str(a if pair.only_in == "a" else b),
                "changes": [(c.text(), c.better) for c in pair.changes],
                "settings": _settings(pair),
            }
        )
    return render_page(
        "compare.html.j2",
        a=str(a),
        b=str(b),
        head=head,
        rows=rows,
        n_columns=len(comparison.columns),
    )
