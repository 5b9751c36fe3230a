"""Run matrix cells as Ray tasks, so a matrix spreads over a Ray cluster.

Each cell is one task (``num_gpus=1`` when the cluster has GPUs) that trains, evaluates and
writes its ``result.json`` into the same results directory layout as local runs: the
directory must be on storage every node sees (NFS, a shared volume). See docs/ray.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rlgan_bench.core.errors import ConfigError
from rlgan_bench.matrix.cell import Cell
from rlgan_bench.matrix.runner import STATUS_FAILED, run_cell


def run_on_ray(
    cells: list[Cell],
    out: Path,
    address: str | None,
    device: str,
    on_start: Any = None,
    on_done: Any = None,
    disabled: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    try:
        import ray  # optional and heavy: only a Ray run imports it
    except ImportError:
        raise ConfigError(
            "--executor ray needs Ray: pip install 'rlgan-bench[ray]' (or pip install ray)"
        ) from None

    started_here = not ray.is_initialized()
    if started_here:
        # a local instance when no address is given; "auto" joins a running cluster
        ray.init(
            address=address, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True
        )
    try:
        gpus = ray.cluster_resources().get("GPU", 0)
        task = ray.remote(num_gpus=1 if gpus and device != "cpu" else 0, max_retries=0)(run_cell)
        pending = {}
        for cell in cells:
            if on_start:
                on_start(cell)
            pending[
                task.remote(cell.to_dict(), str(Path(out).resolve()), device, True, disabled)
            ] = cell
        records = []
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            cell = pending.pop(ready[0])
            try:
                record = ray.get(ready[0])
            except Exception as exc:  # the task's worker died
                record = {
                    "cell": cell.id,
                    "status": STATUS_FAILED,
                    "error": f"ray task died: {type(exc).__name__}: {exc}".splitlines()[0],
                }
            if on_done:
                on_done(cell, record)
            records.append(record)
        return records
    finally:
        if started_here:
            ray.shutdown()
