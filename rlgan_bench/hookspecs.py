"""The plugin API of rlgan-bench.

A plugin is a module (or object) with functions decorated by ``hookimpl``. Installed packages
expose their plugin module through the ``rlgan_bench`` entry-point group::

    [project.entry-points.rlgan_bench]
    my_reward = "my_package.plugin"

The built-in backbones, rewards, datasets, metrics and audits implement these very hooks, and
so do the trainer's side jobs (rlgan_bench.training.callbacks: metrics_log, grids, checkpoints,
audit_log), which the trainer registers on the host it uses; each run hook's docstring says which
of them run on it and where (pluggy's ``tryfirst``/``trylast``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # the types the hooks pass, named for readers and type checkers only
    from rlgan_bench.evaluation.evaluate import LoadedRun
    from rlgan_bench.training.context import RunContext

#: Version of this hook API and of the names of :mod:`rlgan_bench.api`. A plugin may declare
#: ``RLGAN_BENCH_API = ">=1,<2"``. The minor number grows with additions that every plugin of
#: the same major version keeps working with (1.1: the ``register_methods`` hook and
#: ``rlgan_bench.api``, the 0.1 import paths kept as deprecated shims; 1.2: the method contract
#: ``Method`` with its ``MethodContext``, its hooks on the critic's real data and strength names
#: of its own; 1.3: ``MetricSpec.min_samples`` and ``mean_cosine_distance``); the major number
#: when something such a plugin may use is removed or changed.
HOOKS_API_VERSION = "1.3"

hookspec = pluggy.HookspecMarker("rlgan_bench")
hookimpl = pluggy.HookimplMarker("rlgan_bench")

Register = Callable[[Any], None]


@hookspec
def register_backbones(register: Register) -> None:
    """Register GAN backbones: call ``register(BackboneClass)`` for each subclass of
    :class:`rlgan_bench.api.Backbone`. The class's ``name`` is what ``--backbone`` takes."""


@hookspec
def register_rewards(register: Register) -> None:
    """Register rewards: call ``register(RewardClass)`` for each subclass of
    :class:`rlgan_bench.api.Reward`. The class's ``name`` is what ``--reward`` takes."""


@hookspec
def register_datasets(register: Register) -> None:
    """Register datasets: call ``register(DatasetSpec(...))`` (:class:`rlgan_bench.api.DatasetSpec`)."""


@hookspec
def register_metrics(register: Register) -> None:
    """Register metrics: call ``register(MetricSpec(...))`` (:class:`rlgan_bench.api.MetricSpec`)."""


@hookspec
def register_audits(register: Register) -> None:
    """Register audits: call ``register(AuditClass)`` for each subclass of
    :class:`rlgan_bench.api.Audit`. An audit is an independent measure of what one reward
    (its ``reward`` attribute) claims to improve; the reward-hacking gauge compares the two."""


@hookspec
def register_methods(register: Register) -> None:
    """Register methods, the ways a reward acts on training (a term of the generator's loss, the
    critic's real data, or a selection of samples): call ``register(MethodClass)`` for each
    subclass of :class:`rlgan_bench.api.Method` (docs/writing-a-method-plugin.md). The class's
    ``name`` is what ``--method`` and a matrix's ``methods`` take."""


@hookspec
def rlgan_run_start(run: RunContext) -> None:
    """Called once before the first training step. ``run`` is the live
    :class:`rlgan_bench.training.context.RunContext`: its config, models and output directory.

    Built-ins: ``metrics_log`` (tryfirst) drops the metrics.jsonl lines after ``run.start_step``
    (a resumed run trains those steps again); ``audit_log`` (tryfirst) prepares the training-time
    audits and drops their lines after the checkpoint; ``grids`` draws samples.png of a run
    resumed after its last step."""


@hookspec
def rlgan_after_generator_step(run: RunContext, step: int, stats: dict[str, float] | None) -> None:
    """Called after every generator update. ``stats`` holds the losses and reward statistics on
    the steps that are logged (every ``log_every`` steps) and is ``None`` otherwise, so that no
    step waits for the device. A plugin may adjust the run, e.g. ``run.reward_weight``.

    Built-ins: ``metrics_log`` (tryfirst) checks that the losses are finite (else
    ``TrainingDiverged``, before anything of the step is written) and appends the metrics.jsonl
    line; then the ordinary implementations; then, trylast, ``grids`` (samples/step_N.png),
    ``checkpoints`` (checkpoint.pt) and ``audit_log`` (audit.jsonl, checkpoint.pt then best.pt on a
    new best, then :func:`rlgan_after_evaluation`)."""


@hookspec
def rlgan_after_evaluation(run: LoadedRun | RunContext, step: int, metrics: dict[str, Any]) -> None:
    """Called after an evaluation of the generator, with the scores it produced: after
    ``rlgan-bench eval`` (``run`` is the :class:`rlgan_bench.evaluation.evaluate.LoadedRun`, ``metrics``
    the content of eval.json), and after each cheap audit during training (``--audit-every``:
    ``run`` is the live :class:`rlgan_bench.training.context.RunContext`, ``metrics`` the audit.jsonl
    record, with ``"kind": "training-audit"``; called by the built-in ``audit_log`` after the step's
    checkpoint and best.pt are written). None of the side jobs implements it."""


@hookspec
def rlgan_run_end(run: RunContext, summary: dict[str, Any]) -> None:
    """Called once after the last step, with the run's summary (steps, wall time, device), after
    samples.png (written by the built-in ``grids`` at the last step) and summary.json. No trainer
    side job implements it."""
