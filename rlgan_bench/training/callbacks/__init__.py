"""The trainer's side jobs, as built-in implementations of its own run hooks (the hooks a
third-party plugin implements, docs/hooks.md): metrics.jsonl lines and the divergence check
(metrics_log), sample grids (grids), checkpoints (checkpoints), training-time audits into
audit.jsonl and best.pt (audit_log).

The Trainer registers them on the plugin host it uses (PluginHost.add_builtin), once per host.
They are not entry points, so ``--disable-plugin`` never removes them: a run always keeps its
checkpoints and logs. The order that matters is explicit:

- pluggy's ``tryfirst``: the divergence check, then the step's metrics.jsonl line (one
  function), before any plugin's ordinary implementation of ``rlgan_after_generator_step``;
  at ``rlgan_run_start``, a resumed run's metric and audit lines after its checkpoint go
  before any plugin sees the run;
- pluggy's ``trylast``: the grid, the checkpoint and the audit of a step, after every plugin's
  ordinary implementation (a plugin that stops the run stops it before they write);
- among those three nothing depends on pluggy's order: the audit saves the step's due
  checkpoint itself before it audits (checkpoint.pt, then best.pt, then
  ``rlgan_after_evaluation``), and a checkpoint already written for a step is not written
  again. Registered in the order of TRAINER_PLUGINS, they run grids, checkpoints, audit_log,
  as the inline trainer did (pluggy calls ``trylast`` implementations in registration order).
"""

from __future__ import annotations

from rlgan_bench.training.callbacks import audit_log, checkpoints, grids, metrics_log

#: the side jobs, in the order they are registered
TRAINER_PLUGINS = (metrics_log, grids, checkpoints, audit_log)

__all__ = ["TRAINER_PLUGINS"]
