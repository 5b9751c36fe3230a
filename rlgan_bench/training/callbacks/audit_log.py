"""The training-time audits (``audit_every``, reward runs only): every K steps and at the last,
the cheap evaluation of training/training_audit.py into audit.jsonl; best.pt when it is a new
best (``keep_best``); then ``rlgan_after_evaluation`` for the plugins."""

from __future__ import annotations

from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.training.callbacks.checkpoints import save_if_due
from rlgan_bench.training.context import RunContext
from rlgan_bench.training.training_audit import BEST_FILE


@hookimpl(tryfirst=True)
def rlgan_run_start(run: RunContext) -> None:
    # the fixed latents and held-out images; a resumed run drops the lines after its
    # checkpoint and recovers its best value
    training_audit = run.internals.training_audit
    if training_audit is not None:
        training_audit.start(run.backbone, run.start_step, resumed=run.start_step > 0)


@hookimpl(trylast=True)
def rlgan_after_generator_step(run: RunContext, step: int) -> None:
    training_audit, config = run.internals.training_audit, run.config
    if training_audit is None or (step % config.audit_every and step != config.steps):
        return
    save_if_due(run, step)  # the step's own checkpoint comes before anything said about it
    candidate = step >= training_audit.reward_start
    record = training_audit.run(step, run.ema_generator, candidate, run.step_reward_weight)
    if record["improved"]:
        # checkpoint.pt first: a resumed run never holds a best.pt from steps it trains again
        if run.checkpoint_step != step:
            run.save_checkpoint(step)
        run.save_checkpoint(step, run.out_dir / BEST_FILE)
    assert run.host is not None, "the trainer sets the host"
    run.host.hook.rlgan_after_evaluation(run=run, step=step, metrics=record)
