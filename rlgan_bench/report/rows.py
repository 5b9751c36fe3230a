"""A results directory -> cells -> leaderboard rows: seeds aggregated, rows ranked, and rows
scored differently kept apart.

- A **cell** is one ``cells/<id>/result.json`` (one backbone x reward x mode x lambda x seed).
- A **row** is the cells that differ only by their seed: each column is aggregated over the
  seeds as mean, standard deviation (``None`` with one seed) and the number of values.
- A **board** is one ranked table. Rows whose sort column was measured differently (another
  extractor or its weights, another N, another split: :func:`rlgan_bench.core.metric.comparison_key`)
  or on another dataset are on different boards, never ranked together. Cells of one
  configuration whose scores were measured differently are not averaged together either:
  they make separate rows.

Adding a column is one :class:`Column` in :data:`COLUMNS` (or :func:`register_column`): a name,
a label, a direction and a function from a :class:`CellResult` to a :class:`Measure` (the value
and what makes it comparable). The Markdown, JSON and HTML reports show every column that has a
value somewhere. A yes/no column (say, "reward hacked") returns 1.0 or 0.0: its mean is the
fraction of the seeds.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlgan_bench.core.atomic import json_safe, read_jsonl
from rlgan_bench.core.config import LATER_DEFAULTS
from rlgan_bench.core.errors import ConfigError, RlganError
from rlgan_bench.core.metric import COMPARISON_FIELDS, comparison_key
from rlgan_bench.core.params import describe

#: the final reward of a cell is the mean of this many last logged ``reward_mean`` values
FINAL_REWARD_WINDOW = 5
#: train config keys that do not make two cells different configurations
NOT_CONFIG = ("seed", "device")


class ResultsError(RlganError):
    """A results directory that cannot be reported (missing, empty, unreadable)."""


@dataclass
class CellResult:
    """One cell's ``result.json`` and the files of its run."""

    id: str
    folder: Path
    record: dict[str, Any]
    _log: list[dict[str, Any]] | None = field(default=None, repr=False, compare=False)

    @property
    def status(self) -> str:
        return str(self.record.get("status") or "unknown")

    @property
    def done(self) -> bool:
        return self.status == "done" and isinstance(self.record.get("eval"), dict)

    @property
    def error(self) -> str | None:
        error = self.record.get("error")
        return None if error is None else str(error)

    @property
    def train(self) -> dict[str, Any]:
        config = self.record.get("config")
        train = config.get("train") if isinstance(config, dict) else None
        return train if isinstance(train, dict) else {}

    @property
    def eval(self) -> dict[str, Any]:
        result = self.record.get("eval")
        return result if isinstance(result, dict) else {}

    @property
    def backbone(self) -> str:
        return str(self.train.get("backbone", "?"))

    @property
    def backbone_params(self) -> dict[str, Any]:
        params = self.train.get("backbone_params")
        return params if isinstance(params, dict) else {}

    @property
    def reward(self) -> str:
        return str(self.train.get("reward") or "none")

    @property
    def reward_params(self) -> dict[str, Any]:
        params = self.train.get("reward_params")
        return params if isinstance(params, dict) and self.train.get("reward") else {}

    @property
    def mode(self) -> str | None:
        return self.train.get("mode") if self.train.get("reward") else None

    @property
    def lam(self) -> float | None:
        if not self.train.get("reward"):
            return None
        value = self.train.get("reward_weight")
        return float(value) if isinstance(value, (int, float)) else None

    @property
    def seed(self) -> Any:
        return self.train.get("seed", self.record.get("seed"))

    @property
    def dataset(self) -> str:
        return str(self.eval.get("dataset") or self.train.get("dataset") or "?")

    @property
    def run_dir(self) -> Path:
        return self.folder / "run"

    @property
    def config_key(self) -> str:
        """Everything of the training config but the seed: cells with equal keys are seeds
        of one configuration."""
        rest = {
            k: v
            for k, v in self.train.items()
            if k not in NOT_CONFIG and not (k in LATER_DEFAULTS and v == LATER_DEFAULTS[k])
        }
        return json.dumps(rest, sort_keys=True, default=str)

    @property
    def identity(self) -> tuple[Any, ...]:
        """What a row is named by: backbone x reward (and its parameters) x mode x lambda."""
        return (
            self.backbone,
            json.dumps(self.backbone_params, sort_keys=True, default=str),
            self.reward,
            json.dumps(self.reward_params, sort_keys=True, default=str),
            self.mode,
            self.lam,
        )

    def metric(self, name: str) -> dict[str, Any] | None:
        """The eval.json entry of metric ``name`` when its status is ok."""
        entry = (self.eval.get("metrics") or {}).get(name)
        if isinstance(entry, dict) and entry.get("status") == "ok":
            return entry
        return None

    def log(self) -> list[dict[str, Any]]:
        """The run's metrics.jsonl (read once)."""
        if self._log is None:
            self._log = read_jsonl(self.run_dir / "metrics.jsonl")
        return self._log

    @property
    def samples_png(self) -> Path | None:
        path = self.run_dir / "samples.png"
        return path if path.is_file() else None

    @property
    def reward_audit(self) -> dict[str, Any] | None:
        """eval.json's ``reward_audit`` section (the reward-hacking gauge), if any."""
        section = self.eval.get("reward_audit")
        return section if isinstance(section, dict) else None

    def audit_log(self) -> list[dict[str, Any]]:
        """The run's audit.jsonl: reward, audit and FID during training (``--audit-every``)."""
        return read_jsonl(self.run_dir / "audit.jsonl")


@dataclass
class Results:
    """What one results directory holds."""

    folder: Path
    cells: list[CellResult]
    #: matrix.json (source, config, cells) when the directory has one
    matrix: dict[str, Any] | None = None
    #: cells the matrix lists that have no result.json yet
    pending: list[str] = field(default_factory=list)
    #: result.json files that could not be read, with the reason
    problems: list[str] = field(default_factory=list)


def load_results(folder: str | Path) -> Results:
    """Read every ``cells/*/result.json`` of a results directory (``rlgan-bench run --out``)."""
    root = Path(folder)
    if not root.is_dir():
        raise ResultsError(f"{str(root)!r} is not a results directory (rlgan-bench run --out DIR)")
    cells: list[CellResult] = []
    problems: list[str] = []
    cells_dir = root / "cells"
    folders = sorted(p for p in cells_dir.iterdir() if p.is_dir()) if cells_dir.is_dir() else []
    for cell_folder in folders:
        path = cell_folder / "result.json"
        if not path.is_file():
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            problems.append(f"{cell_folder.name}: unreadable result.json ({exc})")
            continue
        cells.append(CellResult(str(record.get("cell") or cell_folder.name), cell_folder, record))
    matrix = None
    try:
        loaded = json.loads((root / "matrix.json").read_text(encoding="utf-8"))
        matrix = loaded if isinstance(loaded, dict) else None
    except (OSError, UnicodeDecodeError, ValueError):
        pass
    if not cells:
        raise ResultsError(
            f"{str(root)!r} holds no results (no cells/*/result.json): "
            f"run `rlgan-bench run --out {root}` first"
        )
    recorded = {cell.id for cell in cells}
    listed = matrix.get("cells") if matrix else None
    pending = [
        str(c["id"])
        for c in (listed if isinstance(listed, list) else [])
        if isinstance(c, dict) and "id" in c and c["id"] not in recorded
    ]
    return Results(root, cells, matrix, pending, problems)


# --- columns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One cell's value of a column and what it was measured with."""

    value: float
    #: scores with different keys are never ranked or averaged together
    key: tuple[Any, ...]
    #: what the report header says about the measurement (extractor, sha256, N...)
    scope: dict[str, Any]


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    higher_is_better: bool
    measure: Callable[[CellResult], Measure | None]
    #: format of the mean and the std
    fmt: str = "{:.4g}"
    description: str = ""
    #: the key follows from the row itself (the reward's own scale): no header line per key
    keyed_by_row: bool = False

    @property
    def arrow(self) -> str:
        return "↑" if self.higher_is_better else "↓"

    def format(self, value: float) -> str:
        return self.fmt.format(value)

    def format_std(self, value: float) -> str:
        """Two significant digits for general formats, the mean's format otherwise."""
        return f"{value:.2g}" if self.fmt.endswith("g}") else self.fmt.format(value)


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _scope(record: dict[str, Any]) -> dict[str, Any]:
    return {name: record.get(name) for name in COMPARISON_FIELDS}


def metric_value(
    metric: str, value_key: str | None = None
) -> Callable[[CellResult], Measure | None]:
    """A column read from ``eval.metrics.<metric>.values.<value_key>`` (all values averaged
    when ``value_key`` is None, e.g. the CLIP score's prompts)."""

    def measure(cell: CellResult) -> Measure | None:
        entry = cell.metric(metric)
        if entry is None or not isinstance(entry.get("values"), dict):
            return None
        values = entry["values"]
        if value_key is None:
            numbers = [_finite(v) for v in values.values()]
            found = [v for v in numbers if v is not None]
            value = sum(found) / len(found) if found and len(found) == len(numbers) else None
        else:
            value = _finite(values.get(value_key))
        if value is None:
            return None
        raw = entry.get("record")
        record: dict[str, Any] = raw if isinstance(raw, dict) else {}
        scope = _scope(record)
        if record.get("prompts"):
            scope["prompts"] = list(record["prompts"])
        key = comparison_key(record) + (tuple(scope.get("prompts") or ()),)
        return Measure(value, (metric, *key), scope)

    return measure


def final_reward(cell: CellResult) -> Measure | None:
    """The mean of the last logged ``reward_mean`` values of the run's metrics.jsonl."""
    if not cell.train.get("reward"):
        return None
    logged = [_finite(entry.get("reward_mean")) for entry in cell.log() if isinstance(entry, dict)]
    values = [v for v in logged if v is not None][-FINAL_REWARD_WINDOW:]
    if not values:
        return None
    params = json.dumps(cell.reward_params, sort_keys=True, default=str)
    scope = {"extractor": f"reward {cell.reward}", "reward_params": cell.reward_params}
    return Measure(sum(values) / len(values), ("reward", cell.reward, params), scope)


def histogram_value(name: str) -> Callable[[CellResult], Measure | None]:
    """A column read from eval.json's class histogram (by the digit eval net)."""

    def measure(cell: CellResult) -> Measure | None:
        histogram = cell.eval.get("class_histogram")
        if not isinstance(histogram, dict) or histogram.get("status") != "ok":
            return None
        value = _finite(histogram.get(name))
        if value is None:
            return None
        scope = {
            "extractor": histogram.get("classifier"),
            "extractor_sha256": histogram.get("classifier_sha256"),
            "n_generated": histogram.get("n"),
        }
        return Measure(value, ("histogram", *scope.values()), scope)

    return measure


def audit_value(name: str) -> Callable[[CellResult], Measure | None]:
    """A column read from eval.json's ``reward_audit`` section (status ok only): ``claimed``
    and ``verified`` (normalised gains), ``gap``, or ``hacked`` (1.0 or 0.0)."""

    def measure(cell: CellResult) -> Measure | None:
        section = cell.reward_audit
        if section is None or section.get("status") != "ok":
            return None
        verified = section.get("verified")
        audit = verified.get("audit") if isinstance(verified, dict) else None
        if name == "hacked":
            flag = section.get("hacked")
            value = None if not isinstance(flag, bool) else float(flag)
        elif name == "gap":
            value = _finite(section.get("gap"))
        else:
            part = section.get(name)
            value = _finite(part.get("normalised")) if isinstance(part, dict) else None
        if value is None:
            return None
        thresholds = json.dumps(section.get("thresholds"), sort_keys=True, default=str)
        scope = {
            "extractor": f"audit {audit}" if audit else "no audit",
            "n_generated": section.get("n"),
            "n_real": section.get("n_real"),
            "split": section.get("split"),
        }
        key = ("reward_audit", name, cell.reward, audit, section.get("n"), thresholds)
        return Measure(value, key, scope)

    return measure


AUDIT_NOTE = (
    "against the lambda = 0 cell of the same backbone and seed, on the same latents; gains in "
    "standard deviations of the quantity over the real held-out images"
)

COLUMNS: list[Column] = [
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
        f"values; each reward has its own scale",
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
        histogram_value("target_fraction"),
        "{:.1%}",
        "share of the samples in the reward's target class",
    ),
    Column(
        "modes_covered",
        "modes",
        True,
        histogram_value("modes_covered"),
        "{:.1f}",
        "classes covered by the samples",
    ),
]


def register_column(column: Column, after: str | None = None) -> None:
    """Add (or replace) a column, at the end or after the column named ``after``."""
    COLUMNS[:] = [c for c in COLUMNS if c.name != column.name]
    names = [c.name for c in COLUMNS]
    COLUMNS.insert(names.index(after) + 1 if after in names else len(COLUMNS), column)


def get_column(name: str, columns: Sequence[Column] | None = None) -> Column:
    for column in columns if columns is not None else COLUMNS:
        if column.name == name.strip().lower():
            return column
    names = ", ".join(c.name for c in (columns if columns is not None else COLUMNS))
    raise ConfigError(f"--sort {name!r}: unknown column (columns: {names})")


# --- rows --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stat:
    mean: float
    std: float | None
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Stat:
        std = statistics.stdev(values) if len(values) > 1 else None
        return cls(statistics.fmean(values), std, len(values))


@dataclass
class Row:
    """The seeds of one configuration (measured alike)."""

    cells: list[CellResult]
    failed: list[CellResult] = field(default_factory=list)
    stats: dict[str, Stat] = field(default_factory=dict)
    keys: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    scopes: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: cell id -> column name -> value, for the plots and the HTML
    values: dict[str, dict[str, float]] = field(default_factory=dict)
    rank: int | None = None
    board: int | None = None

    @property
    def first(self) -> CellResult:
        return (self.cells or self.failed)[0]

    @property
    def backbone(self) -> str:
        return self.first.backbone

    @property
    def backbone_params(self) -> dict[str, Any]:
        return self.first.backbone_params

    @property
    def backbone_label(self) -> str:
        """``wgan-gp (lr=0.0002)``: the backbone with the hyperparameters its run set."""
        return describe(self.backbone, self.backbone_params)

    @property
    def reward(self) -> str:
        return self.first.reward

    @property
    def reward_params(self) -> dict[str, Any]:
        return self.first.reward_params

    @property
    def mode(self) -> str | None:
        return self.first.mode

    @property
    def lam(self) -> float | None:
        return self.first.lam

    @property
    def dataset(self) -> str:
        return self.first.dataset

    @property
    def identity(self) -> tuple[Any, ...]:
        return self.first.identity

    @property
    def n_seeds(self) -> int:
        return len(self.cells)

    @property
    def seeds(self) -> list[Any]:
        return [cell.seed for cell in self.cells]

    @property
    def status(self) -> str:
        if not self.cells:
            return "failed"
        return "partial" if self.failed else "done"

    @property
    def reward_label(self) -> str:
        """``classifier (target=7)``: the reward with its parameters."""
        return describe(self.reward, self.reward_params)

    @property
    def label(self) -> str:
        parts = [self.backbone_label, self.reward_label]
        if self.mode:
            parts.append(self.mode)
        if self.lam is not None:
            parts.append(f"λ={self.lam:g}")
        return " · ".join(parts)

    def to_json(self, columns: Sequence[Column]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rank": self.rank,
            "board": self.board,
            "backbone": self.backbone,
            "backbone_params": self.backbone_params,
            "reward": self.reward,
            "reward_params": self.reward_params,
            "mode": self.mode,
            "lambda": self.lam,
            "dataset": self.dataset,
            "n_seeds": self.n_seeds,
            "seeds": self.seeds,
            "status": self.status,
            "cells": [cell.id for cell in self.cells],
            "failed": [{"cell": cell.id, "error": cell.error} for cell in self.failed],
        }
        for column in columns:
            stat = self.stats.get(column.name)
            data[f"{column.name}_mean"] = stat.mean if stat else None
            data[f"{column.name}_std"] = stat.std if stat else None
            data[f"{column.name}_n"] = stat.n if stat else 0
        data["measured_with"] = {name: scope for name, scope in self.scopes.items()}
        return data


@dataclass
class Board:
    """One ranked table: its rows share the dataset and the measurement of the sort column."""

    dataset: str
    sort: Column
    #: the sort column's comparison key; None for the rows it does not score
    key: tuple[Any, ...] | None
    rows: list[Row]

    @property
    def ranked(self) -> bool:
        return self.key is not None

    def scopes(self, column: Column) -> list[dict[str, Any]]:
        """The distinct measurements of ``column`` on this board (one when comparable)."""
        seen: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row in self.rows:
            if column.name in row.keys:
                seen.setdefault(row.keys[column.name], row.scopes[column.name])
        return list(seen.values())

    def key_index(self, column: Column, row: Row) -> int | None:
        """Which of :meth:`scopes` measured ``row`` (for the a/b/c marks of mixed columns)."""
        keys: list[tuple[Any, ...]] = []
        for other in self.rows:
            key = other.keys.get(column.name)
            if key is not None and key not in keys:
                keys.append(key)
        key = row.keys.get(column.name)
        return keys.index(key) if key in keys else None


@dataclass
class Leaderboard:
    results: Results
    columns: list[Column]
    sort: Column
    boards: list[Board]
    #: every row, the failed-only ones included (status "failed"), in board and rank order
    rows: list[Row]
    #: every column, those no cell has included (the JSON rows have the same keys always)
    all_columns: list[Column] = field(default_factory=list)

    @property
    def failed_cells(self) -> list[CellResult]:
        return [cell for cell in self.results.cells if not cell.done]

    @property
    def done_cells(self) -> list[CellResult]:
        return [cell for cell in self.results.cells if cell.done]

    def to_json(self) -> list[dict[str, Any]]:
        return [row.to_json(self.all_columns or self.columns) for row in self.rows]


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
    return (
        row.backbone,
        json.dumps(row.backbone_params, sort_keys=True, default=str),
        row.reward != "none",
        row.reward,
        json.dumps(row.reward_params, sort_keys=True, default=str),
        row.mode or "",
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
    """The leaderboard of ``results``, ranked by the column named ``sort`` (default: FID)."""
    columns = list(columns if columns is not None else COLUMNS)
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
    return Leaderboard(results, shown, chosen, boards, ordered, columns)


def load(folder: str | Path, sort: str | None = None) -> Leaderboard:
    return build(load_results(folder), sort)


# --- helpers shared by the formats -----------------------------------------------------------


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
    return "" if index is None else "abcdefghijklmnopqrstuvwxyz"[index % 26]


def format_stat(column: Column, stat: Stat | None) -> str:
    if stat is None:
        return "–"
    text = column.format(stat.mean)
    if stat.std is not None:
        text += f" ± {column.format_std(stat.std)}"
    return text


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


__all__ = [
    "COLUMNS",
    "Board",
    "CellResult",
    "Column",
    "Leaderboard",
    "Measure",
    "Results",
    "ResultsError",
    "Row",
    "Stat",
    "audit_value",
    "build",
    "describe_scope",
    "format_stat",
    "get_column",
    "group_rows",
    "header_lines",
    "json_safe",
    "load",
    "load_results",
    "pareto_front",
    "rank_rows",
    "register_column",
]
