"""The columns of a leaderboard, each read from a cell's typed records: the metrics of its
eval.json, the final training reward of its metrics.jsonl, the class histogram and the
reward-hacking gauge.

A report shows every column of :data:`COLUMNS` that has a value somewhere; ``build(results,
columns=[*COLUMNS, mine])`` adds one (a :class:`~rlgan_bench.analysis.results.Column`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from rlgan_bench.analysis.results import CellResult, Column, Measure
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.core.identity import canonical_json
from rlgan_bench.core.metric import COMPARISON_FIELDS, comparison_key
from rlgan_bench.core.records import ClassHistogram, RewardAudit

#: the final reward of a cell is the mean of this many last logged ``reward_mean`` values
FINAL_REWARD_WINDOW = 5


def finite(value: Any) -> float | None:
    """``value`` as a float when it is a finite number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def metric_value(
    metric: str, value_key: str | None = None
) -> Callable[[CellResult], Measure | None]:
    """A column read from ``eval.metrics.<metric>.values.<value_key>`` (all values averaged
    when ``value_key`` is None, e.g. the CLIP score's prompts)."""

    def measure(cell: CellResult) -> Measure | None:
        entry = cell.metric(metric)
        if entry is None or entry.values is None:
            return None
        if value_key is None:
            numbers = [finite(v) for v in entry.values.values()]
            found = [v for v in numbers if v is not None]
            value = sum(found) / len(found) if found and len(found) == len(numbers) else None
        else:
            value = finite(entry.values.get(value_key))
        if value is None:
            return None
        record = entry.record or {}
        scope = {name: record.get(name) for name in COMPARISON_FIELDS}
        if record.get("prompts"):
            scope["prompts"] = list(record["prompts"])
        key = comparison_key(record) + (tuple(scope.get("prompts") or ()),)
        return Measure(value, (metric, *key), scope)

    return measure


def final_reward(cell: CellResult) -> Measure | None:
    """The mean of the last logged ``reward_mean`` values of the run's metrics.jsonl."""
    if cell.reward == "none":
        return None
    logged = [finite(entry.get("reward_mean")) for entry in cell.log() if isinstance(entry, dict)]
    values = [v for v in logged if v is not None][-FINAL_REWARD_WINDOW:]
    if not values:
        return None
    params = canonical_json(cell.reward_params)
    scope = {"extractor": f"reward {cell.reward}", "reward_params": cell.reward_params}
    return Measure(sum(values) / len(values), ("reward", cell.reward, params), scope)


def histogram_value(
    read: Callable[[ClassHistogram], float | None],
) -> Callable[[CellResult], Measure | None]:
    """A column read from eval.json's class histogram (by the digit eval net)."""

    def measure(cell: CellResult) -> Measure | None:
        histogram = cell.eval.class_histogram if cell.eval is not None else None
        if histogram is None or histogram.status != "ok":
            return None
        value = finite(read(histogram))
        if value is None:
            return None
        scope = {
            "extractor": histogram.classifier,
            "extractor_sha256": histogram.classifier_sha256,
            "n_generated": histogram.n,
        }
        return Measure(value, ("histogram", *scope.values()), scope)

    return measure


def _hacked(section: RewardAudit) -> float | None:
    return None if section.hacked is None else float(section.hacked)


#: what each gauge column reads of a measured reward_audit section
AUDIT_READERS: dict[str, Callable[[RewardAudit], float | None]] = {
    "claimed": lambda s: s.claimed.normalised if s.claimed else None,
    "verified": lambda s: s.verified.normalised if s.verified else None,
    "gap": lambda s: s.gap,
    "hacked": _hacked,
}


def audit_value(name: str) -> Callable[[CellResult], Measure | None]:
    """A column read from eval.json's ``reward_audit`` section (measured ones only):
    ``claimed`` and ``verified`` (normalised gains), ``gap``, or ``hacked`` (1.0 or 0.0)."""
    read = AUDIT_READERS[name]

    def measure(cell: CellResult) -> Measure | None:
        section = cell.audit
        if section is None or not section.measured:
            return None
        value = finite(read(section))
        if value is None:
            return None
        audit = section.verified.audit if section.verified else None
        thresholds = canonical_json(section.thresholds)
        scope = {
            "extractor": f"audit {audit}" if audit else "no audit",
            "n_generated": section.n,
            "n_real": section.n_real,
            "split": section.split,
        }
        key = ("reward_audit", name, cell.reward, audit, section.n, thresholds)
        return Measure(value, key, scope)

    return measure


AUDIT_NOTE = (
    "against the lambda = 0 cell of the same backbone and seed, on the same latents; gains in "
    "standard deviations of the quantity over the real held-out images"
)

#: the columns of a report, in their order
COLUMNS: tuple[Column, ...] = (
    Column("fid", "FID", False, metric_value("fid", "fid"), "{:.2f}", "Frechet distance"),
    Column("kid", "KID", False, metric_value("kid", "kid_mean"), "{:.4g}", "kernel distance"),
    Column("is", "IS", True, metric_value("is", "is_mean"), "{:.3f}", "Inception Score"),
    Column("precision", "precision", True, metric_value("prc", "precision"), "{:.3f}"),
    Column("recall", "recall", True, metric_value("prc", "recall"), "{:.3f}"),
    Column("clip", "CLIP score", True, metric_value("clip"), "{:.2f}", "mean over the prompts"),
    Column(
        "reward",
        "reward",
        True,
        final_reward,
        "{:.4g}",
        f"final training reward: mean of the last {FINAL_REWARD_WINDOW} logged reward_mean "
        "values; each reward has its own scale",
        keyed_by_row=True,
    ),
    Column(
        "claimed",
        "claimed",
        True,
        audit_value("claimed"),
        "{:.2f}",
        f"the reward's own gain, {AUDIT_NOTE}",
        keyed_by_row=True,
    ),
    Column(
        "verified",
        "verified",
        True,
        audit_value("verified"),
        "{:.2f}",
        f"the gain of the reward's independent audit, {AUDIT_NOTE}",
        keyed_by_row=True,
    ),
    Column(
        "gap",
        "gap",
        False,
        audit_value("gap"),
        "{:.2f}",
        "claimed - verified; large when the reward gained what its audit does not see",
        keyed_by_row=True,
    ),
    Column(
        "hacked",
        "hacked",
        False,
        audit_value("hacked"),
        "{:.0%}",
        "share of the seeds flagged (claimed gain large and verified small, or FID more "
        "than doubled, or precision dropped; thresholds in eval.json's reward_audit)",
        keyed_by_row=True,
    ),
    Column(
        "target_fraction",
        "target %",
        True,
        histogram_value(lambda h: h.target_fraction),
        "{:.1%}",
        "share of the samples in the reward's target class",
    ),
    Column(
        "modes_covered",
        "modes",
        True,
        histogram_value(lambda h: h.modes_covered),
        "{:.1f}",
        "classes covered by the samples",
    ),
)


def get_column(name: str, columns: Sequence[Column] = COLUMNS) -> Column:
    """The column named ``name`` (``--sort``), case and spaces aside."""
    for column in columns:
        if column.name == name.strip().lower():
            return column
    names = ", ".join(c.name for c in columns)
    raise ConfigError(f"--sort {name!r}: unknown column (columns: {names})")


__all__ = [
    "AUDIT_READERS",
    "COLUMNS",
    "FINAL_REWARD_WINDOW",
    "audit_value",
    "final_reward",
    "finite",
    "get_column",
    "histogram_value",
    "metric_value",
]
