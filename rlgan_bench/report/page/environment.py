"""What produced the results, in the HTML report (``environment.html.j2``): versions, devices,
plugins and settings (each value with its count when cells differ), the matrix and every cell's
configuration."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rlgan_bench.analysis.results import Leaderboard
from rlgan_bench.core.identity import canonical_json


@dataclass
class CellConfig:
    cell: str
    status: str
    config_hash: str
    config: str


@dataclass
class EnvironmentView:
    #: (what, its distinct values with their counts)
    rows: list[tuple[str, list[tuple[str, int]]]]
    total_s: float
    #: the matrix's source file and its parsed configuration as JSON; None without matrix.json
    matrix: tuple[str, str] | None
    cells: list[CellConfig]


def _counted(values: Sequence[Any]) -> list[tuple[str, int]]:
    """The distinct values, most common first, each as text with its count."""
    counts = Counter(canonical_json(v) for v in values)
    shown = []
    for text, n in counts.most_common():
        value = json.loads(text)
        shown.append((value if isinstance(value, str) else "–" if value is None else text, n))
    return shown


def _pretty(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, default=str)


def environment(board: Leaderboard) -> EnvironmentView:
    """Versions, devices, plugins and settings (each value with its count when cells differ),
    the matrix and every cell's configuration."""
    cells = board.results.cells
    versions = [c.record["versions"] for c in cells if isinstance(c.record.get("versions"), dict)]
    keys = list(dict.fromkeys(key for found in versions for key in found))
    rows = [(key, _counted([found.get(key) for found in versions])) for key in keys]
    rows.append(("device", _counted([c.record["device"] for c in cells if "device" in c.record])))
    plugins = set()
    for cell in cells:
        used = cell.record.get("plugins")
        for role, info in sorted(used.items() if isinstance(used, dict) else []):
            if isinstance(info, dict):
                builtin = " (built-in)" if info.get("builtin") else ""
                plugins.add(f"{role}: {info.get('name')} {info.get('version')}{builtin}")
    rows.append(("plugins", [("; ".join(sorted(plugins)) or "–", 1)]))
    evals = [(c.record.get("config") or {}).get("eval") for c in cells]
    rows.append(("eval settings", _counted([v for v in evals if v is not None])))
    total = sum(
        t.get("total") or 0.0
        for c in cells
        if isinstance(t := c.record.get("timing_s"), dict) and isinstance(t.get("total"), float)
    )
    matrix = board.results.matrix
    configs = [
        CellConfig(
            cell.id,
            cell.status,
            str(cell.record.get("config_hash", "?")),
            _pretty(cell.record.get("config", {})),
        )
        for cell in cells
    ]
    shown = None
    if matrix is not None:
        shown = (str(matrix.get("source", "?")), _pretty(matrix.get("config", {})))
    return EnvironmentView(rows, total, shown, configs)


__all__ = ["CellConfig", "EnvironmentView", "environment"]
