"""``--log-to tensorboard``: event files in ``OUT/tensorboard`` (``tensorboard --logdir OUT``).

Scalars ``train/*`` (losses, reward mean/std, lambda, the methods' own statistics) on logged
steps, ``audit/*`` on each training-time audit, the sample grid as ``samples`` on sample steps,
the run's config as text, and ``eval/*`` when ``rlgan-bench eval`` scores the run.
"""

from __future__ import annotations

import json
from typing import Any

from rlgan_bench.api import ConfigError, hookimpl
from rlgan_bench.builtins.tracking.common import (
    evaluation_numbers,
    facts,
    is_sample_step,
    numbers,
    sample_grid,
)

NAME = "tensorboard"
#: open writers by run folder (one process trains one run at a time per folder)
_writers: dict[str, Any] = {}


def _writer(run: Any) -> Any | None:
    info = facts(run)
    if NAME not in info.wanted:
        return None
    key = str(info.out_dir)
    if key not in _writers:
        try:
            # optional: only runs that log to TensorBoard need the package
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise ConfigError(
                "--log-to tensorboard needs TensorBoard: pip install 'rlgan-bench[tensorboard]'"
            ) from None
        _writers[key] = SummaryWriter(log_dir=str(info.out_dir / "tensorboard"))
    return _writers[key]


def _close(run: Any) -> None:
    writer = _writers.pop(str(facts(run).out_dir), None)
    if writer is not None:
        writer.close()


@hookimpl
def rlgan_run_start(run: Any) -> None:
    writer = _writer(run)
    if writer is not None:
        config = json.dumps(facts(run).config, indent=2, sort_keys=True, default=str)
        writer.add_text("config", f"```\n{config}\n```", global_step=run.step)


@hookimpl
def rlgan_after_generator_step(run: Any, step: int, stats: dict[str, float] | None) -> None:
    writer = _writer(run)
    if writer is None:
        return
    for name, value in numbers(stats or {}).items():
        if name != "step":
            writer.add_scalar(f"train/{name}", value, step)
    if is_sample_step(run, step):
        writer.add_image("samples", sample_grid(run), step)


@hookimpl
def rlgan_after_evaluation(run: Any, step: int, metrics: dict[str, Any]) -> None:
    writer = _writer(run)
    if writer is None:
        return
    prefix, values = evaluation_numbers(metrics)
    for name, value in values.items():
        writer.add_scalar(f"{prefix}/{name}", value, step)
    if prefix == "eval":  # an evaluation comes after training: nothing else will write
        _close(run)
    else:
        writer.flush()


@hookimpl
def rlgan_run_end(run: Any, summary: dict[str, Any]) -> None:
    writer = _writer(run)
    if writer is None:
        return
    for name, value in numbers(summary).items():
        writer.add_scalar(f"summary/{name}", value, run.step)
    _close(run)
