"""Run a benchmark matrix: every cell trained, evaluated and recorded, unattended.

Results directory layout (stable; documented in docs/results.md)::

    OUT/
      matrix.json                  the resolved matrix: source, cells and their configs
      cells/<cell id>/run/         the training run (config.json, metrics.jsonl, samples,
                                   checkpoint.pt, eval.json)
      cells/<cell id>/result.json  the cell's record, written atomically once it ends
      .lock                        held (flock) while a `run` works on OUT

A reward cell's evaluation gains a ``reward_audit`` section (the reward-hacking gauge, see
:mod:`rlgan_bench.evaluation.gauge`) once the lambda = 0 cell of its backbone and seed is done:
computed when the reward cell ends if its baseline is done, else when the baseline ends, and
by a last pass after the matrix (:func:`complete_audits`); until then it says ``no-baseline``.

A cell's ``result.json`` is its commit point: a rerun skips cells whose result says
``done`` for the same configuration, resumes a cell whose run has a checkpoint, and starts the
others. Killing the process at any moment loses at most the steps since the last checkpoint.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rlgan_bench.core import calls, records
from rlgan_bench.core.atomic import remove_stale_temporaries
from rlgan_bench.core.config import TrainConfig, baseline_differences
from rlgan_bench.core.defaults import EVAL_DEFAULTS, MATRIX_EVAL_SAMPLES
from rlgan_bench.core.errors import ConfigError, RlganError
from rlgan_bench.core.identity import backbone_label
from rlgan_bench.core.record_schema import RecordError
from rlgan_bench.core.records import (
    ROLE_CONTROL,
    STATUS_DONE,
    STATUS_FAILED,
    CellConfig,
    Compute,
    Protocol,
    ResultRecord,
    RewardAudit,
    write_result,
)
from rlgan_bench.core.runtime import environment
from rlgan_bench.evaluation import gauge
from rlgan_bench.evaluation.evaluate import evaluate_record
from rlgan_bench.host import get_host
from rlgan_bench.matrix.cell import Cell, Matrix
from rlgan_bench.training import selection
from rlgan_bench.training.trainer import Trainer

RESULT_FILE = "result.json"


def cell_dir(out: Path, cell: Cell) -> Path:
    return out / "cells" / cell.id


def read_result(out: Path, cell: Cell) -> dict[str, Any] | None:
    """The cell's result.json when it records this very cell (the same digest); None when
    there is none, or one that cannot be read (the cell runs again and replaces it)."""
    try:
        record = records.read_result(cell_dir(out, cell) / RESULT_FILE)
    except RecordError:
        return None
    return record.to_json() if record.cell_digest == cell.digest() else None


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


def _check_same_run(run_dir: Path, cell: Cell, config: TrainConfig) -> None:
    """A cell folder whose run was trained with other settings (the matrix file was edited
    between two `run`s into one --out) must not be evaluated as if it were this cell."""
    try:
        recorded = json.loads((run_dir / "config.json").read_text())["config_digest"]
    except (FileNotFoundError, KeyError, json.JSONDecodeError):
        return
    if recorded != config.digest():
        raise ConfigError(
            f"{run_dir} was trained with other settings than this matrix gives cell {cell.id}; "
            f"use another --out, or delete that folder to train the cell again"
        )


def base_run(out: Path, cell: Cell) -> Path | None:
    """The run folder of the base ``cell`` starts from (None: it starts from none); a base
    that is not done, or is another base than the matrix names, is a one-line error."""
    protocol = cell.protocol
    if protocol is None or protocol.base is None:
        return None
    if protocol.selects_from is not None:  # a method that selects samples of the control
        _done_run(out, protocol.selects_from, "control")
        return out / "cells" / protocol.selects_from / "run"
    record = _done_run(out, protocol.base, "base")
    if protocol.base_digest and record.cell_digest != protocol.base_digest:
        raise ConfigError(
            f"base {protocol.base} in {out} was trained with other settings than this matrix "
            f"gives it; use another --out"
        )
    return out / "cells" / protocol.base / "run"


def _done_run(out: Path, cell_id: str, role: str) -> ResultRecord:
    """The record of the done cell ``cell_id`` (a ``role``, for the message) that another
    starts from; one that is not done is a one-line error."""
    try:
        record = records.read_result(out / "cells" / cell_id / RESULT_FILE)
    except RecordError:
        record = None
    if record is None or not record.done:
        raise ConfigError(
            f"{role} {cell_id} is not done ({record.error if record else 'no result yet'}); "
            f"fix it and run the matrix again"
        )
    return record


def run_cell(
    cell_data: dict[str, Any],
    out: str,
    device: str = "auto",
    quiet: bool = True,
    disabled: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Train and evaluate one cell; always returns its record (status done or failed) after
    writing it to result.json. Runs in the main process, a worker process or a Ray task."""

    cell = Cell.from_dict(cell_data)
    folder = cell_dir(Path(out), cell)
    run_dir = folder / "run"
    record = ResultRecord(
        cell=cell.id,
        status=STATUS_FAILED,  # until it is done
        cell_digest=cell.digest(),
        config=CellConfig.from_json(cell.to_dict(), "the cell"),
        config_hash=cell.train.digest(),
        versions=environment(),
        seed=cell.train.seed,
    )
    started = time.perf_counter()
    if folder.exists():
        remove_stale_temporaries(folder)  # a previous run of this cell was killed mid-write
    try:
        host = get_host(set(disabled) if disabled else None)
        config = dataclasses.replace(cell.train, device=device)
        base = base_run(Path(out), cell)
        if base is not None:
            config = dataclasses.replace(config, init_from=str(base))
        _check_same_run(run_dir, cell, config)
        tic = time.perf_counter()
        if cell.protocol is not None and not cell.protocol.trains:
            if not (run_dir / "summary.json").exists():
                selection.assemble(config, run_dir, host)
            record.device = "cpu"
        else:
            trainer = Trainer(config, run_dir, host=host, quiet=quiet, silent=True)
            record.plugins = trainer.plugins_used
            record.device = str(trainer.device)
            if not (run_dir / "summary.json").exists():
                trainer.run(resume=(run_dir / "checkpoint.pt").exists())
        record.timing_s["train"] = time.perf_counter() - tic
        tic = time.perf_counter()
        record.eval = evaluation = evaluate_record(
            run_dir,
            host=host,
            samples=cell.eval.samples,
            metrics=list(cell.eval.metrics),
            prompts=list(cell.eval.prompts),
            batch_size=cell.eval.batch_size,
            extractor=cell.eval.extractor,
            fid_resize=cell.eval.fid_resize,
            device=device,
        )
        record.timing_s["eval"] = time.perf_counter() - tic
        record.compute = calls.total(training_compute(run_dir), evaluation.sampling)
        if cell.train.reward:
            tic = time.perf_counter()
            evaluation.reward_audit = audit_section(Path(out), record.config, run_dir, host, device)
            record.timing_s["audit"] = time.perf_counter() - tic
        record.status, record.error = STATUS_DONE, None
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # one cell's failure must not stop the matrix
        record.status = STATUS_FAILED
        record.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        if not isinstance(exc, RlganError):
            record.traceback = traceback.format_exc()
    record.timing_s["total"] = time.perf_counter() - started
    write_result(folder / RESULT_FILE, record)
    if record.status == STATUS_DONE and not cell.train.reward:
        # reward cells that ended before this baseline; never the baseline's failure (the
        # pass after the matrix tries again)
        with contextlib.suppress(Exception):
            complete_audits(Path(out), host=host, device=device)
    return record.to_json()


def training_compute(run_dir: Path) -> Compute | None:
    """What training the run cost (summary.json's ``compute``); None for a run trained before
    it was counted, or resumed from a checkpoint without the counts."""
    try:
        data = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["compute"]
        return Compute.from_json(data, str(run_dir / "summary.json"))
    except (OSError, ValueError, KeyError, TypeError, RecordError):
        return None


# --- the reward-hacking gauge of reward cells ---------------------------------------------------


def baseline_label(train: dict[str, Any]) -> str:
    """The id the lambda = 0 cell of a reward cell has in a matrix."""
    backbone = backbone_label(str(train.get("backbone")), train.get("backbone_params"))
    return f"{backbone}__none__seed{train.get('seed')}"


def _done_records(out: Path) -> Iterator[tuple[Path, ResultRecord]]:
    cells = out / "cells"
    for folder in sorted(p for p in cells.iterdir() if p.is_dir()) if cells.is_dir() else []:
        try:
            record = records.read_result(folder / RESULT_FILE)
        except RecordError:  # none yet, or one a rerun of the cell replaces
            continue
        if record.done:
            yield folder, record


def find_baseline(
    out: Path, train: dict[str, Any], protocol: Protocol | None = None
) -> tuple[str, Path] | None:
    """The done lambda = 0 cell of a reward cell's backbone and seed (every other training
    setting equal too, see :func:`~rlgan_bench.core.config.baseline_differences`): its id
    and run directory. A cell that starts from a base is compared with that base."""
    if protocol is not None and protocol.base is not None:
        folder = out / "cells" / protocol.base
        try:
            done = records.read_result(folder / RESULT_FILE).done
        except RecordError:
            done = False
        return (protocol.base, folder / "run") if done else None
    found = [
        (record.cell or folder.name, folder / "run")
        for folder, record in _done_records(out)
        if not record.config.settings.reward and not baseline_differences(train, record.train)
    ]
    expected = baseline_label(train)
    found.sort(key=lambda item: item[0] != expected)
    return found[0] if found else None


def find_control(out: Path, protocol: Protocol | None) -> tuple[str, Path] | None:
    """The done control cell (the base trained on, no reward) of a fine-tuning cell's base:
    its id and run directory; None for other cells, or when the matrix has no control."""
    if protocol is None or protocol.base is None or protocol.role == ROLE_CONTROL:
        return None
    for folder, record in _done_records(out):
        theirs = record.config.protocol
        if theirs is not None and theirs.role == ROLE_CONTROL and theirs.base == protocol.base:
            return record.cell or folder.name, folder / "run"
    return None


def audit_section(
    out: Path, config: CellConfig, run_dir: Path, host: Any = None, device: str = "auto"
) -> RewardAudit:
    """The ``reward_audit`` section of a reward cell (``config``: its cell config, train and
    eval), also written into its run's eval.json. Never raises: a failure is a section with
    status ``failed`` and the reason."""

    train, settings = config.train, config.eval or {}
    try:
        found = find_baseline(out, train, config.protocol)
        if found is None:
            section = gauge.measure(
                run_dir, None, host=host, device=device, baseline_cell=baseline_label(train)
            )
        else:
            section = gauge.measure(
                run_dir,
                found[1],
                calibrated=config.protocol is not None,  # judged on the frontier, over seeds
                host=host,
                samples=int(settings.get("samples", MATRIX_EVAL_SAMPLES)),
                batch_size=int(settings.get("batch_size", EVAL_DEFAULTS["batch_size"])),
                extractor=str(settings.get("extractor", EVAL_DEFAULTS["extractor"])),
                fid_resize=str(settings.get("fid_resize", EVAL_DEFAULTS["fid_resize"])),
                device=device,
                baseline_cell=found[0],
                control=find_control(out, config.protocol),
            )
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        section = gauge.not_measured("failed", f"{type(exc).__name__}: {exc}".splitlines()[0])
    with contextlib.suppress(RlganError):  # no eval.json: the section is in result.json only
        gauge.write_section(run_dir, section)
    return section


def complete_audits(
    out: Path, host: Any = None, device: str = "auto", recompute: bool = False
) -> list[dict[str, Any]]:
    """Give every done reward cell of ``out`` its ``reward_audit`` section where it has none
    or had no baseline yet (``recompute``: every reward cell); rewrites their result.json
    atomically. Returns the records it updated."""
    updated = []
    for folder, record in list(_done_records(out)):
        evaluation = record.eval
        if not record.config.settings.reward or evaluation is None:
            continue
        status = evaluation.reward_audit.status if evaluation.reward_audit else None
        if not recompute and status not in (None, "no-baseline"):
            continue
        if (
            not recompute
            and status
            and find_baseline(out, record.train, record.config.protocol) is None
        ):
            continue
        evaluation.reward_audit = audit_section(out, record.config, folder / "run", host, device)
        write_result(folder / RESULT_FILE, record)
        updated.append(record.to_json())
    return updated


def pending_cells(matrix: Matrix, out: Path, retry_failed: bool) -> list[Cell]:
    todo = []
    for cell in matrix.cells:
        result = read_result(out, cell)
        if result is None or result["status"] == STATUS_FAILED and retry_failed:
            todo.append(cell)
    return todo
