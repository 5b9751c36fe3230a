"""Run a benchmark matrix: every cell trained, evaluated and recorded, unattended.

Results directory layout (stable; documented in docs/results.md)::

    OUT/
      matrix.json                  the resolved matrix: source, cells and their configs
      cells/<cell id>/run/         the training run (config.json, metrics.jsonl, samples,
                                   checkpoint.pt, eval.json)
      cells/<cell id>/result.json  the cell's record, written atomically once it ends
      .lock                        held (flock) while a `run` works on OUT

A cell's ``result.json`` is its commit point: a rerun skips cells whose result says
``done`` for the same configuration, resumes a cell whose run has a checkpoint, and starts the
others. Killing the process at any moment loses at most the steps since the last checkpoint.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rlgan_bench.atomic import remove_stale_temporaries, write_json
from rlgan_bench.errors import ConfigError, RlganError
from rlgan_bench.matrix import Cell, Matrix

STATUS_DONE, STATUS_FAILED = "done", "failed"


def cell_dir(out: Path, cell: Cell) -> Path:
    return out / "cells" / cell.id


def read_result(out: Path, cell: Cell) -> dict[str, Any] | None:
    import json

    path = cell_dir(out, cell) / "result.json"
    try:
        record = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return record if record.get("cell_digest") == cell.digest() else None


@contextmanager
def matrix_lock(out: Path) -> Iterator[None]:
    """One `run` per results directory. flock is released by the kernel when the process dies,
    so a killed run never leaves the directory locked."""
    out.mkdir(parents=True, exist_ok=True)
    handle = open(out / ".lock", "a+")  # noqa: SIM115  (held until the finally below)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise ConfigError(
            f"another `rlgan-bench run` is working on {out}; wait for it or use another --out"
        ) from None
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def run_cell(
    cell_data: dict[str, Any], out: str, device: str = "auto", quiet: bool = True
) -> dict[str, Any]:
    """Train and evaluate one cell; always returns its record (status done or failed) after
    writing it to result.json. Runs in the main process, a worker process or a Ray task."""
    from rlgan_bench.evaluate import evaluate
    from rlgan_bench.plugins import get_host
    from rlgan_bench.train import Trainer, environment

    cell = Cell.from_dict(cell_data)
    folder = cell_dir(Path(out), cell)
    run_dir = folder / "run"
    record: dict[str, Any] = {
        "cell": cell.id,
        "cell_digest": cell.digest(),
        "config": cell.to_dict(),
        "config_hash": cell.train.digest(),
        "versions": environment(),
        "seed": cell.train.seed,
        "timing_s": {},
    }
    started = time.perf_counter()
    if folder.exists():
        remove_stale_temporaries(folder)  # a previous run of this cell was killed mid-write
    try:
        host = get_host()
        config = dataclasses.replace(cell.train, device=device)
        trainer = Trainer(config, run_dir, host=host, quiet=quiet, silent=True)
        record["plugins"] = trainer.plugins_used
        record["device"] = str(trainer.device)
        tic = time.perf_counter()
        if not (run_dir / "summary.json").exists():
            trainer.run(resume=(run_dir / "checkpoint.pt").exists())
        record["timing_s"]["train"] = time.perf_counter() - tic
        tic = time.perf_counter()
        record["eval"] = evaluate(
            run_dir,
            host=host,
            samples=cell.eval.samples,
            metrics=list(cell.eval.metrics),
            prompts=list(cell.eval.prompts),
            batch_size=cell.eval.batch_size,
            device=device,
        )
        record["timing_s"]["eval"] = time.perf_counter() - tic
        record["status"], record["error"] = STATUS_DONE, None
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # one cell's failure must not stop the matrix
        record["status"] = STATUS_FAILED
        record["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
        if not isinstance(exc, RlganError):
            record["traceback"] = traceback.format_exc()
    record["timing_s"]["total"] = time.perf_counter() - started
    write_json(folder / "result.json", record)
    return record


def pending_cells(matrix: Matrix, out: Path, retry_failed: bool) -> list[Cell]:
    todo = []
    for cell in matrix.cells:
        result = read_result(out, cell)
        if result is None or result["status"] == STATUS_FAILED and retry_failed:
            todo.append(cell)
    return todo


Report = Callable[[Cell, dict[str, Any]], None]
Started = Callable[[Cell], None]


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
) -> list[dict[str, Any]]:
    """Run ``cells`` with the chosen executor and return their records."""
    if executor == "ray":
        from rlgan_bench.ray_executor import run_on_ray

        return run_on_ray(cells, out, ray_address, device, on_start, on_done)
    if executor != "local":
        raise ConfigError(f"--executor {executor!r}: choose local or ray")
    if workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {workers}")
    if workers == 1:
        records = []
        for cell in cells:
            if on_start:
                on_start(cell)
            record = run_cell(cell.to_dict(), str(out), device, quiet=quiet)
            if on_done:
                on_done(cell, record)
            records.append(record)
        return records
    return _run_in_processes(cells, out, workers, device, on_start, on_done)


def _worker_init(threads: int, gpu_queue: Any) -> None:
    import torch

    torch.set_num_threads(threads)
    if gpu_queue is not None:  # one GPU per worker
        os.environ["CUDA_VISIBLE_DEVICES"] = str(gpu_queue.get())


def _run_in_processes(
    cells: list[Cell],
    out: Path,
    workers: int,
    device: str,
    on_start: Started | None,
    on_done: Report | None,
) -> list[dict[str, Any]]:
    import multiprocessing

    import torch

    context = multiprocessing.get_context("spawn")  # CUDA cannot be forked
    gpu_queue = None
    n_gpus = torch.cuda.device_count() if device != "cpu" else 0
    if n_gpus:
        workers = min(workers, n_gpus)
        gpu_queue = context.Manager().Queue()
        for index in range(workers):
            gpu_queue.put(index)
    threads = max(1, (os.cpu_count() or 1) // workers)
    records = []
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_worker_init, initargs=(threads, gpu_queue)
    ) as pool:
        queue = list(cells)
        running: dict[Future, Cell] = {}
        while queue or running:
            while queue and len(running) < workers:
                cell = queue.pop(0)
                if on_start:
                    on_start(cell)
                running[pool.submit(run_cell, cell.to_dict(), str(out), device)] = cell
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                cell = running.pop(future)
                try:
                    record = future.result()
                except Exception as exc:  # the worker process itself died
                    record = {
                        "cell": cell.id,
                        "status": STATUS_FAILED,
                        "error": f"worker died: {type(exc).__name__}: {exc}",
                    }
                if on_done:
                    on_done(cell, record)
                records.append(record)
    return records
