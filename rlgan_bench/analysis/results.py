"""What a report is made of: the cells of a results directory (their typed records,
:mod:`rlgan_bench.core.records`), the columns measured on them, and the rows and boards of a
leaderboard.

- A **cell** is one ``cells/<id>/result.json`` (one backbone x reward x mode x lambda x seed).
- A **row** is the cells that differ only by their seed: each column is aggregated over the
  seeds as mean, standard deviation (``None`` with one seed) and the number of values.
- A **board** is one ranked table: its rows share the dataset and the way the sort column
  was measured (:func:`rlgan_bench.core.metric.comparison_key`).

How rows are grouped and ranked is :mod:`rlgan_bench.report.ranking`; the columns a report has
are :mod:`rlgan_bench.report.columns`.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rlgan_bench.core.atomic import read_jsonl
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.errors import RlganError
from rlgan_bench.core.identity import canonical_json, configuration_key, strength_label
from rlgan_bench.core.params import describe
from rlgan_bench.core.records import (
    ROLE_BASE,
    ROLE_CONTROL,
    STATUS_DONE,
    EvalRecord,
    MetricEntry,
    Protocol,
    ResultRecord,
    RewardAudit,
    read_result,
)

if TYPE_CHECKING:  # the frontier is built from the cells this module reads
    from rlgan_bench.analysis.frontier_report import FrontierReport

RESULT_FILE = "result.json"
#: what the tables say of a method that scores real images with the reward
USES_REAL_DATA = "uses R on real data"
CONTROL_LABEL = "control (more steps, no reward)"
BASE_LABEL = "base (no reward)"


def method_label(protocol: Protocol | None) -> str:
    """``backprop``, ``ppo, anchor 0.1``, ``reward-weighted (uses R on real data)``, the base
    or the control."""
    if protocol is None:
        return "–"
    if protocol.role == ROLE_BASE:
        return BASE_LABEL
    if protocol.role == ROLE_CONTROL:
        return CONTROL_LABEL
    text = protocol.method or "?"
    if protocol.anchor:
        text += f", anchor {protocol.anchor:g}"
    if protocol.uses_real_data:
        text += f" ({USES_REAL_DATA})"
    return text


class ResultsError(RlganError):
    """A results directory that cannot be reported (missing, empty)."""


@dataclass
class CellResult:
    """One cell's ``result.json`` and the files of its run.

    ``record`` is the JSON (in the current schema: older records read with their defaults
    filled in); :attr:`result` is its typed record, read from ``record`` once and again by
    :meth:`reread` (a leaderboard build rereads, so an edit to ``record`` shows in the next
    build)."""

    id: str
    folder: Path
    record: dict[str, Any]
    _result: ResultRecord | None = field(default=None, repr=False, compare=False)
    _log: list[dict[str, Any]] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def read(cls, folder: Path) -> CellResult:
        """The cell whose result.json is in ``folder``; :class:`~rlgan_bench.core.record_schema.
        RecordError` when it is corrupt or not a result record."""
        result = read_result(folder / RESULT_FILE)
        return cls(result.cell or folder.name, folder, result.to_json(), result)

    @property
    def result(self) -> ResultRecord:
        if self._result is None:
            self._result = ResultRecord.from_json(self.record, str(self.folder / RESULT_FILE))
        return self._result

    def reread(self) -> None:
        """Read :attr:`result` from ``record`` again at its next use."""
        self._result = None

    @property
    def status(self) -> str:
        return self.result.status

    @property
    def done(self) -> bool:
        return self.result.done

    @property
    def error(self) -> str | None:
        return self.result.error

    @property
    def train(self) -> dict[str, Any]:
        """The training config as recorded."""
        return self.result.train

    @property
    def settings(self) -> TrainConfig:
        """The training config, settings recorded before they existed at their defaults."""
        return self.result.config.settings

    @property
    def eval(self) -> EvalRecord | None:
        return self.result.eval

    @property
    def backbone(self) -> str:
        return self.settings.backbone

    @property
    def backbone_params(self) -> dict[str, Any]:
        return self.settings.backbone_params

    @property
    def reward(self) -> str:
        return self.settings.reward or "none"

    @property
    def reward_params(self) -> dict[str, Any]:
        settings = self.settings
        return settings.reward_params if settings.reward else {}

    @property
    def mode(self) -> str | None:
        settings = self.settings
        return settings.mode if settings.reward else None

    @property
    def lam(self) -> float | None:
        settings = self.settings
        if not settings.reward or settings.reward_weight is None:
            return None
        return float(settings.reward_weight)

    @property
    def seed(self) -> int:
        return self.settings.seed

    @property
    def dataset(self) -> str:
        recorded = self.eval.dataset if self.eval is not None else None
        return recorded or self.settings.dataset

    @property
    def run_dir(self) -> Path:
        return self.folder / "run"

    @property
    def protocol(self) -> Protocol | None:
        """The cell's place in a base-protocol matrix (None: trained from scratch)."""
        return self.result.config.protocol

    @property
    def strength(self) -> float | None:
        """A protocol cell's strength (lambda, beta or N); None otherwise."""
        protocol = self.protocol
        return protocol.strength if protocol is not None else None

    @property
    def config_key(self) -> str:
        """Everything of the training config but the seed (and the device): cells with equal
        keys are seeds of one configuration. A protocol cell's key has its role, method,
        strength and anchor, and not the path of its base (another one per seed)."""
        return configuration_key(self.train, self.protocol)

    @property
    def identity(self) -> tuple[Any, ...]:
        """What a row is named by: backbone x reward (and its parameters) x mode x lambda; a
        protocol row also by its role, strength and anchor (reward-weighted rows all have
        lambda 0, base and control neither reward nor lambda)."""
        named = (
            self.backbone,
            canonical_json(self.backbone_params),
            self.reward,
            canonical_json(self.reward_params),
            self.mode,
            self.lam,
        )
        protocol = self.protocol
        if protocol is None:
            return named
        return (*named, protocol.role, protocol.strength, protocol.anchor)

    def metric(self, name: str) -> MetricEntry | None:
        """The eval.json entry of metric ``name`` when it was measured (status ok)."""
        return self.eval.metric(name) if self.eval is not None else None

    @property
    def audit(self) -> RewardAudit | None:
        """eval.json's ``reward_audit`` section (the reward-hacking gauge), if any."""
        return self.eval.reward_audit if self.eval is not None else None

    @property
    def reward_audit(self) -> dict[str, Any] | None:
        """:attr:`audit` as its JSON object (what the HTML page reads)."""
        audit = self.audit
        return audit.to_json() if audit is not None else None

    def log(self) -> list[dict[str, Any]]:
        """The run's metrics.jsonl (read once)."""
        if self._log is None:
            self._log = read_jsonl(self.run_dir / "metrics.jsonl")
        return self._log

    @property
    def samples_png(self) -> Path | None:
        path = self.run_dir / "samples.png"
        return path if path.is_file() else None

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
    """Read every ``cells/*/result.json`` of a results directory (``rlgan-bench run --out``);
    one that cannot be read is a problem the report lists, not the end of the report."""
    root = Path(folder)
    if not root.is_dir():
        raise ResultsError(f"{str(root)!r} is not a results directory (rlgan-bench run --out DIR)")
    cells: list[CellResult] = []
    problems: list[str] = []
    cells_dir = root / "cells"
    folders = sorted(p for p in cells_dir.iterdir() if p.is_dir()) if cells_dir.is_dir() else []
    for cell_folder in folders:
        if not (cell_folder / RESULT_FILE).is_file():
            continue
        try:
            cells.append(CellResult.read(cell_folder))
        except RlganError as exc:
            problems.append(f"{cell_folder.name}: {exc}")
    if not cells and problems:
        raise ResultsError(f"{str(root)!r} holds no readable result: {problems[0]}")
    if not cells:
        raise ResultsError(
            f"{str(root)!r} holds no results (no cells/*/result.json): "
            f"run `rlgan-bench run --out {root}` first"
        )
    matrix = _read_matrix(root / "matrix.json")
    recorded = {cell.id for cell in cells}
    listed = matrix.get("cells") if matrix else None
    pending = [
        str(c["id"])
        for c in (listed if isinstance(listed, list) else [])
        if isinstance(c, dict) and "id" in c and c["id"] not in recorded
    ]
    return Results(root, cells, matrix, pending, problems)


def _read_matrix(path: Path) -> dict[str, Any] | None:
    """matrix.json, which only adds to a report (the source, the cells not run yet)."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


# --- columns -----------------------------------------------------------------------------------


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
    """One column of a leaderboard: a name, a label, a direction and a function from a cell to
    its :class:`Measure` (None where the cell has no value). A yes/no column returns 1.0 or
    0.0: its mean is the share of the seeds."""

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


# --- rows and boards ---------------------------------------------------------------------------


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
    def seeds(self) -> list[int]:
        return [cell.seed for cell in self.cells]

    @property
    def status(self) -> str:
        if not self.cells:
            return "failed"
        return "partial" if self.failed else STATUS_DONE

    @property
    def reward_label(self) -> str:
        """``classifier (target=7)``: the reward with its parameters."""
        return describe(self.reward, self.reward_params)

    @property
    def protocol(self) -> Protocol | None:
        return self.first.protocol

    @property
    def method_label(self) -> str:
        """A protocol row's method (base, control; anchor, "uses R on real data")."""
        return method_label(self.protocol)

    @property
    def strength_label(self) -> str:
        """A protocol row's strength with its name (``λ=0.3``); ``–`` for base and control."""
        protocol = self.protocol
        if protocol is None:
            return "–"
        return strength_label(protocol.strength_name, protocol.strength)

    @property
    def label(self) -> str:
        parts = [self.backbone_label, self.reward_label]
        if self.protocol is not None:
            parts.append(self.method_label)
            if self.protocol.strength is not None:
                parts.append(self.strength_label)
            return " · ".join(parts)
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
        protocol = self.protocol
        if protocol is not None:  # rows trained from scratch keep the keys they had
            data.update(
                role=protocol.role,
                method=protocol.method,
                strength=protocol.strength,
                strength_name=protocol.strength_name,
                anchor=protocol.anchor,
                uses_real_data=protocol.uses_real_data,
                one_seed=self.n_seeds == 1,
            )
        for column in columns:
            stat = self.stats.get(column.name)
            data[f"{column.name}_mean"] = stat.mean if stat else None
            data[f"{column.name}_std"] = stat.std if stat else None
            data[f"{column.name}_n"] = stat.n if stat else 0
        data["measured_with"] = dict(self.scopes)
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
    #: the frontiers of a base-protocol matrix (:mod:`rlgan_bench.analysis.frontier_report`);
    #: None when no cell has a protocol
    frontier: FrontierReport | None = None

    @property
    def failed_cells(self) -> list[CellResult]:
        return [cell for cell in self.results.cells if not cell.done]

    @property
    def done_cells(self) -> list[CellResult]:
        return [cell for cell in self.results.cells if cell.done]

    def to_json(self) -> list[dict[str, Any]]:
        """The rows (report.json's content for results without a frontier)."""
        return [row.to_json(self.all_columns or self.columns) for row in self.rows]

    def report_json(self) -> list[dict[str, Any]] | dict[str, Any]:
        """report.json: the rows; with a frontier ``{"frontier": ..., "rows": [...]}``."""
        rows = self.to_json()
        if self.frontier is None:
            return rows
        return {"frontier": self.frontier.to_json(), "rows": rows}


__all__ = [
    "BASE_LABEL",
    "CONTROL_LABEL",
    "RESULT_FILE",
    "USES_REAL_DATA",
    "Board",
    "CellResult",
    "Column",
    "Leaderboard",
    "Measure",
    "Results",
    "ResultsError",
    "Row",
    "Stat",
    "load_results",
    "method_label",
]
