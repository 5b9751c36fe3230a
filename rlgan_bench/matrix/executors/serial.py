"""One cell after another in this process (the default; the progress view sees every step)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rlgan_bench.matrix.cell import Cell
from rlgan_bench.matrix.runner import run_cell

Report = Callable[[Cell, dict[str, Any]], None]
Started = Callable[[Cell], None]


def run_serially(
    cells: list[Cell],
    out: Path,
    device: str,
    on_start: Started | None,
    on_done: Report | None,
    quiet: bool = True,
    disabled: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    records = []
    for cell in cells:
        if on_start:
            on_start(cell)
        record = run_cell(cell.to_dict(), str(out), device, quiet=quiet, disabled=disabled)
        if on_done:
            on_done(cell, record)
        records.append(record)
    return records
