"""What the run hooks see of a live training run: its settings, models and files, and what the
trainer's own side jobs (training/callbacks) need from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from rlgan_bench.core import checkpoint
from rlgan_bench.core.backbone import Backbone
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.host import PluginHost
from rlgan_bench.training.audits import TrainingAudit

CHECKPOINT_FILE = "checkpoint.pt"


@dataclass
class RunContext:
    """A live run, passed to every run hook (docs/hooks.md lists what plugins may rely on)."""

    config: TrainConfig
    out_dir: Path
    device: torch.device
    backbone: Backbone
    generator: nn.Module
    critic: nn.Module
    ema_generator: nn.Module
    #: λ before the warm-up ramp; a plugin may change it (from the next step on)
    reward_weight: float = 0.0
    #: the last completed generator step
    step: int = 0
    #: for plugins to keep their own state in
    extra: dict[str, Any] = field(default_factory=dict)
    #: the plugin host the run calls its hooks on
    host: PluginHost | None = None
    #: the step this call of Trainer.run started after: 0, or the resumed checkpoint's step
    start_step: int = 0
    #: the fixed latents of the sample grids (samples/step_*.png, samples.png)
    grid_latents: Tensor | None = None
    #: the last logged statistics (the last metrics.jsonl line); None before the first
    stats: dict[str, float] | None = None
    #: the λ the last step used: 0 before reward_start, ramped during the warm-up
    step_reward_weight: float = 0.0
    #: the training-time audits (runs with a reward and audit_every > 0), else None
    auditor: TrainingAudit | None = None
    #: the step checkpoint.pt holds, when this process wrote or restored it
    checkpoint_step: int | None = None
    #: the generator as it was when the reward started (the anchor's reference), or None
    reference: nn.Module | None = None
    #: everything a checkpoint saves besides the step and the reference (checkpoint.save)
    training_state: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def checkpoint_path(self) -> Path:
        return self.out_dir / CHECKPOINT_FILE

    def save_checkpoint(self, step: int, path: Path | None = None) -> None:
        """Write everything needed to continue the run from ``step`` bit for bit to ``path``
        (default ``checkpoint.pt``), atomically."""
        target = path or self.checkpoint_path
        checkpoint.save(
            target,
            step=step,
            config_digest=self.config.digest(),
            reference=self.reference,
            **self.training_state,
        )
        if target == self.checkpoint_path:
            self.checkpoint_step = step


__all__ = ["CHECKPOINT_FILE", "RunContext"]
