"""checkpoint.pt every ``checkpoint_every`` steps and at the last: everything needed to continue
the run bit for bit (a killed run loses at most ``checkpoint_every`` steps)."""

from __future__ import annotations

from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.training.context import RunContext


def save_if_due(run: RunContext, step: int) -> None:
    """Write the step's checkpoint when it is a checkpoint step and not written yet."""
    config = run.config
    due = step % config.checkpoint_every == 0 or step == config.steps
    if due and run.checkpoint_step != step:
        run.save_checkpoint(step)


@hookimpl(trylast=True)
def rlgan_after_generator_step(run: RunContext, step: int) -> None:
    save_if_due(run, step)
