"""``--log-to wandb``: Weights & Biases, offline by default (``WANDB_MODE=online`` to upload;
``wandb sync OUT/wandb/offline-run-*`` uploads later). One run per training run, named by its
cell id in a matrix, grouped by the results directory; the run's id is kept in
``OUT/wandb_run_id`` so that ``--resume`` and ``rlgan-bench eval`` continue the same run.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from rlgan_bench.api import ConfigError, hookimpl
from rlgan_bench.builtins.tracking.common import (
    evaluation_numbers,
    facts,
    is_sample_step,
    numbers,
    sample_grid,
)

NAME = "wandb"
ID_FILE = "wandb_run_id"
PROJECT_ENV = "WANDB_PROJECT"
_runs: dict[str, Any] = {}


def _run(run: Any) -> Any | None:
    info = facts(run)
    if NAME not in info.wanted:
        return None
    key = str(info.out_dir)
    if key not in _runs:
        try:
            import wandb  # optional and heavy: only runs that log to W&B need it
        except ImportError:
            raise ConfigError(
                "--log-to wandb needs Weights & Biases: pip install 'rlgan-bench[wandb]'"
            ) from None
        id_file = info.out_dir / ID_FILE
        if not id_file.exists():
            info.out_dir.mkdir(parents=True, exist_ok=True)
            id_file.write_text(uuid.uuid4().hex[:12])
        _runs[key] = wandb.init(
            project=os.environ.get(PROJECT_ENV, "rlgan-bench"),
            mode=os.environ.get("WANDB_MODE", "offline"),  # type: ignore[arg-type]  # offline: nothing leaves the machine unasked
            dir=str(info.out_dir),
            id=id_file.read_text().strip(),
            resume="allow",
            name=info.run_name,
            group=info.matrix_group,
            config=info.config,
            reinit="create_new",
        )
    return _runs[key]


def _finish(run: Any, summary: dict[str, float]) -> None:
    tracked = _runs.pop(str(facts(run).out_dir), None)
    if tracked is not None:
        tracked.summary.update(summary)
        tracked.finish()


@hookimpl
def rlgan_run_start(run: Any) -> None:
    _run(run)


@hookimpl
def rlgan_after_generator_step(run: Any, step: int, stats: dict[str, float] | None) -> None:
    tracked = _run(run)
    if tracked is None:
        return
    record: dict[str, Any] = {
        f"train/{k}": v for k, v in numbers(stats or {}).items() if k != "step"
    }
    if is_sample_step(run, step):
        import wandb  # loaded by _run already

        record["samples"] = wandb.Image(sample_grid(run).permute(1, 2, 0).numpy())
    if record:
        tracked.log(record, step=step)


@hookimpl
def rlgan_after_evaluation(run: Any, step: int, metrics: dict[str, Any]) -> None:
    tracked = _run(run)
    if tracked is None:
        return
    prefix, values = evaluation_numbers(metrics)
    record = {f"{prefix}/{k}": v for k, v in values.items()}
    if prefix == "eval":  # after training: the last thing logged to this run
        _finish(run, record)
    elif record:
        tracked.log(record, step=step)


@hookimpl
def rlgan_run_end(run: Any, summary: dict[str, Any]) -> None:
    if _run(run) is not None:
        _finish(run, {f"summary/{k}": v for k, v in numbers(summary).items()})
