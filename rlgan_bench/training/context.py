"""What the run hooks see of a live training run (:class:`RunContext`: its settings, models and
files, as docs/hooks.md lists them) and, apart from it, the parts only the trainer and its own
side jobs (training/callbacks) use (:class:`RunInternals`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from rlgan_bench.core import checkpoint, deprecations
from rlgan_bench.core.backbone import Backbone
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.host import PluginHost
from rlgan_bench.training.training_audit import TrainingAudit

CHECKPOINT_FILE = "checkpoint.pt"


@dataclass
class RunInternals:
    """The trainer's own parts of a live run, shared with its side jobs (training/callbacks) and
    not part of what a plugin's hook is documented to get (they may change without notice):
    kept out of RunContext's fields so that the run a hook receives is the one docs/hooks.md
    describes."""

    #: everything a checkpoint saves besides the step and the reference (checkpoint.save)
    training_state: dict[str, Any] = field(default_factory=dict, repr=False)
    #: the generator as it was when the reward started (the anchor's reference), or None
    reference: nn.Module | None = None
    #: the step checkpoint.pt holds, when this process wrote or restored it
    checkpoint_step: int | None = None
    #: the training-time audit (runs with a reward and audit_every > 0), else None
    training_audit: TrainingAudit | None = None


def _warn_internal(name: str) -> None:
    """Warn that a plugin read one of the trainer's own parts through the run (at its line)."""
    deprecations.warn(
        f"RunContext.{name} is deprecated since {deprecations.DEPRECATED_IN}: it is the "
        f"trainer's own (docs/hooks.md lists what a run hook may use); it will be removed in "
        f"{deprecations.REMOVED_IN}",
        stacklevel=3,  # past this function and the property: the plugin's line
    )


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
    #: the trainer's and its side jobs' own parts (not for plugins)
    internals: RunInternals = field(default_factory=RunInternals, repr=False)

    @property
    def checkpoint_path(self) -> Path:
        return self.out_dir / CHECKPOINT_FILE

    @property
    def checkpoint_step(self) -> int | None:
        """The step checkpoint.pt holds, when this process wrote or restored it (read-only:
        :meth:`save_checkpoint` moves it)."""
        return self.internals.checkpoint_step

    # the trainer's own parts that docs/hooks.md used to list ("for the built-in jobs"): still
    # readable through the run, with a deprecation warning, until 0.3
    @property
    def auditor(self) -> TrainingAudit | None:
        """Deprecated: the training-time audit (the trainer's own)."""
        _warn_internal("auditor")
        return self.internals.training_audit

    @property
    def reference(self) -> nn.Module | None:
        """Deprecated: the anchor's reference generator (the trainer's own)."""
        _warn_internal("reference")
        return self.internals.reference

    @property
    def training_state(self) -> dict[str, Any]:
        """Deprecated: the checkpoint's parts (the trainer's own)."""
        _warn_internal("training_state")
        return self.internals.training_state

    def save_checkpoint(self, step: int, path: Path | None = None) -> None:
        """Write everything needed to continue the run from ``step`` bit for bit to ``path``
        (default ``checkpoint.pt``), atomically."""
        target = path or self.checkpoint_path
        internals = self.internals
        checkpoint.save(
            target,
            step=step,
            config_digest=self.config.digest(),
            reference=internals.reference,
            **internals.training_state,
        )
        if target == self.checkpoint_path:
            internals.checkpoint_step = step


__all__ = ["CHECKPOINT_FILE", "RunContext", "RunInternals"]
