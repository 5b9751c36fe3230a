"""What the trackers share: which runs asked for them, and the run's facts in one shape for a
live training run and for a finished run being evaluated."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from rlgan_bench.api import generate_in_eval_mode, grid_image


@dataclass(frozen=True)
class RunFacts:
    out_dir: Path
    config: dict[str, Any]

    @property
    def wanted(self) -> tuple[str, ...]:
        return tuple(self.config.get("log_to") or ())

    @property
    def matrix_group(self) -> str | None:
        """The results directory's name when the run is a matrix cell (OUT/cells/<id>/run)."""
        parts = self.out_dir.resolve().parts
        if len(parts) >= 4 and parts[-1] == "run" and parts[-3] == "cells":
            return parts[-4]
        return None

    @property
    def run_name(self) -> str:
        """The cell id for a matrix cell, else the run folder's name."""
        return self.out_dir.parent.name if self.matrix_group else self.out_dir.name


def facts(run: Any) -> RunFacts:
    """Works for the trainer's RunContext (``out_dir``, a TrainConfig) and for evaluation's
    LoadedRun (``run_dir``, the config.json dict)."""
    out_dir = Path(getattr(run, "out_dir", None) or run.run_dir)
    config = run.config if isinstance(run.config, dict) else run.config.to_dict()
    return RunFacts(out_dir, config)


def numbers(record: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """The finite numbers of a nested record, flattened to ``a/b/c`` keys (booleans excluded)."""
    flat: dict[str, float] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat |= numbers(value, f"{name}/")
        elif (
            isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        ):
            flat[name] = float(value)
    return flat


def evaluation_numbers(metrics: dict[str, Any]) -> tuple[str, dict[str, float]]:
    """("audit", ...) for a training-time audit record, ("eval", ...) for eval.json: the values
    of the metrics that were measured (not their records), and the reward audit's gains."""
    if metrics.get("kind") == "training-audit":
        return "audit", {k: v for k, v in numbers(metrics).items() if k != "step"}
    flat: dict[str, float] = {}
    for entry in (metrics.get("metrics") or {}).values():
        if entry.get("status") == "ok":
            flat |= numbers(entry.get("values") or {})
    flat |= numbers(metrics.get("reward_audit") or {}, "reward_audit/")
    return "eval", flat


def sample_grid(run: Any) -> torch.Tensor:
    """A uint8 grid (3, H, W) of the EMA generator on the run's fixed grid latents (those of
    its sample PNGs), drawn in eval mode: the training is untouched."""
    return grid_image(generate_in_eval_mode(run.ema_generator, run.grid_latents))


def is_sample_step(run: Any, step: int) -> bool:
    return step % run.config.sample_every == 0 or step == run.config.steps
