"""One invocation of a matrix, from its TOML to its recorded cells: what ``rlgan-bench run``
and :func:`rlgan_bench.run_matrix` both do (the command adds its progress view and report)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlgan_bench.core.atomic import write_json
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.core.records import ROLE_CONTROL
from rlgan_bench.host import PluginHost
from rlgan_bench.matrix.cell import Matrix
from rlgan_bench.matrix.executors import Report, Started, execute
from rlgan_bench.matrix.runner import (
    STATUS_DONE,
    complete_audits,
    matrix_lock,
    pending_cells,
    read_result,
)
from rlgan_bench.matrix.spec import (
    DEFAULT_MATRIX_NAME,
    build_matrix,
    default_matrix_path,
    load_toml,
)


@dataclass
class MatrixOutcome:
    """What a matrix run left in its results directory."""

    out: Path
    matrix: Matrix
    #: one result.json record per cell, in the matrix's order (None: the cell has none)
    records: list[dict[str, Any] | None]
    #: cells that were already recorded and were not run again
    skipped: int
    wall_s: float

    @property
    def failed(self) -> list[dict[str, Any] | None]:
        return [r for r in self.records if r is None or r["status"] != STATUS_DONE]


def load_matrix(
    source: str | Path | dict[str, Any] | None,
    host: PluginHost,
    steps: int | None = None,
    seeds: list[int] | None = None,
) -> Matrix:
    """A matrix from a TOML file, a dict of the same tables, or the shipped default (None);
    ``steps`` and ``seeds`` replace the matrix's for every cell (``run --steps/--seeds``)."""
    overrides: dict[str, Any] = {}
    if steps is not None:
        overrides["steps"] = steps
    if seeds is not None:
        overrides["seeds"] = list(seeds)
    if isinstance(source, dict):
        return build_matrix(source, host, overrides, "<dict>")
    if source is None:
        # named, not located: the install path (often a temporary clone) means nothing on a
        # published board
        return build_matrix(load_toml(default_matrix_path()), host, overrides, DEFAULT_MATRIX_NAME)
    return build_matrix(load_toml(source), host, overrides, str(source))


def run_matrix_cells(
    matrix: Matrix,
    out: str | Path,
    host: PluginHost,
    *,
    retry_failed: bool = False,
    executor: str = "local",
    workers: int = 1,
    device: str = "auto",
    ray_address: str | None = None,
    on_start: Started | None = None,
    on_done: Report | None = None,
    on_skipped: Any = None,
    disabled: tuple[str, ...] = (),
) -> MatrixOutcome:
    """Train and score the cells of ``matrix`` that ``out`` has not recorded yet (under its
    lock), then complete the reward-hacking gauge of every reward cell."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {str(out)!r} is a file; give a directory")
    with matrix_lock(out):
        write_json(
            out / "matrix.json",
            {
                "source": matrix.source,
                "config": matrix.raw,
                "cells": [c.to_dict() for c in matrix.cells],
            },
        )
        todo = pending_cells(matrix, out, retry_failed)
        skipped = len(matrix.cells) - len(todo)
        if skipped and on_skipped is not None:
            on_skipped(skipped)
        tic = time.perf_counter()

        # bases first, each once, however many workers: every cell that starts from a base
        # finds it done (a base that failed fails its cells with a one-line reason); then the
        # controls, so that each reward cell's gauge also measures its gains against its
        # control (runner.audit_section)
        def is_control(cell: Any) -> bool:
            return cell.protocol is not None and cell.protocol.role == ROLE_CONTROL

        for phase in (
            [cell for cell in todo if cell.base is None],
            [cell for cell in todo if cell.base is not None and is_control(cell)],
            [cell for cell in todo if cell.base is not None and not is_control(cell)],
        ):
            if not phase:
                continue
            execute(
                phase,
                out,
                executor=executor,
                workers=workers,
                device=device,
                ray_address=ray_address,
                on_start=on_start,
                on_done=on_done,
                quiet=True,
                disabled=disabled,
            )
        # reward cells that ended before their lambda = 0 cell (parallel workers, Ray,
        # an earlier partial run) get their reward-hacking gauge now
        complete_audits(out, host=host, device=device)
        wall = time.perf_counter() - tic
    records = [read_result(out, cell) for cell in matrix.cells]
    return MatrixOutcome(out, matrix, records, skipped, wall)
