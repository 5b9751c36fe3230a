"""Worker processes on this machine (``--workers N``): one cell per process, one GPU each when
there are GPUs, the CPU threads shared out otherwise."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

import torch

from rlgan_bench.matrix.cell import Cell
from rlgan_bench.matrix.executors.serial import Report, Started
from rlgan_bench.matrix.runner import STATUS_FAILED, run_cell


def _worker_init(threads: int, gpu_queue: Any) -> None:

    torch.set_num_threads(threads)
    if gpu_queue is not None:  # one GPU per worker
        os.environ["CUDA_VISIBLE_DEVICES"] = str(gpu_queue.get())


def run_in_processes(
    cells: list[Cell],
    out: Path,
    workers: int,
    device: str,
    on_start: Started | None,
    on_done: Report | None,
    disabled: tuple[str, ...] = (),
) -> list[dict[str, Any]]:

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
                running[pool.submit(run_cell, cell.to_dict(), str(out), device, True, disabled)] = (
                    cell
                )
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
