"""Executors: how the cells of a matrix are spread over this machine or a cluster. Each takes
the cells and calls :func:`rlgan_bench.matrix.runner.run_cell` for each, wherever it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rlgan_bench.core.errors import ConfigError
from rlgan_bench.matrix.cell import Cell
from rlgan_bench.matrix.executors.processes import run_in_processes
from rlgan_bench.matrix.executors.ray import run_on_ray
from rlgan_bench.matrix.executors.serial import Report, Started, run_serially

__all__ = ["Report", "Started", "execute"]


def execute(
    cells: list[Cell],
    out: Path,
    executor: str = "local",
    workers: int = 1,
    device: str = "auto",
    ray_address: str | None = None,
    on_start: Started | None = None,
    on_done: Report | None = None,
    quiet: bool = True,
    disabled: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Run ``cells`` with the chosen executor and return their records. ``disabled`` names
    plugins to skip in every cell, wherever it runs."""
    if executor == "ray":
        return run_on_ray(cells, out, ray_address, device, on_start, on_done, disabled)
    if executor != "local":
        raise ConfigError(f"--executor {executor!r}: choose local or ray")
    if workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {workers}")
    if workers == 1:
        return run_serially(cells, out, device, on_start, on_done, quiet, disabled)
    return run_in_processes(cells, out, workers, device, on_start, on_done, disabled)
