"""The trainer's side jobs as plugins on its own hooks (rlgan_bench.training.callbacks): the
order in which they and the other plugins see and write a step, the divergence check before
anything of the step is written, and their registration on the host."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import pytest
from conftest import tiny_config

from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.host import PluginHost
from rlgan_bench.training.callbacks import TRAINER_PLUGINS, checkpoints, metrics_log
from rlgan_bench.training.callbacks.metrics_log import TrainingDiverged
from rlgan_bench.training.trainer import Trainer


def logged_steps(run_dir):
    path = run_dir / "metrics.jsonl"
    return [json.loads(line)["step"] for line in path.open()] if path.exists() else []


class Observer:
    """An ordinary plugin: what the run's files hold when it sees a step or an audit, and the
    order of the checkpoint writes (it wraps run.save_checkpoint)."""

    def __init__(self, nan_weights: bool = False) -> None:
        self.nan_weights = nan_weights
        self.seen: list[dict] = []
        self.events: list[tuple[int, str]] = []

    @hookimpl
    def rlgan_run_start(self, run):
        if self.nan_weights:  # the generator's output, and so every loss, becomes NaN
            for param in run.generator.parameters():
                param.data.fill_(math.nan)
        save = run.save_checkpoint

        def recorded(step, path=None):
            save(step, path)
            self.events.append((step, (path or run.checkpoint_path).name))

        run.save_checkpoint = recorded

    @hookimpl
    def rlgan_after_generator_step(self, run, step, stats):
        self.seen.append(
            {
                "step": step,
                "logged": step in logged_steps(run.out_dir),
                "grid": (run.out_dir / "samples" / f"step_{step:06d}.png").exists(),
                "checkpoint_step": run.checkpoint_step,
            }
        )

    @hookimpl
    def rlgan_after_evaluation(self, run, step, metrics):
        self.events.append((step, f"evaluation improved={metrics['improved']}"))


def host_with(plugin) -> PluginHost:
    host = PluginHost().load()
    host.add_plugin(plugin, name="test-observer")
    return host


def test_a_plugin_sees_a_step_after_its_log_line_and_before_its_grid_and_checkpoint(tmp_path):
    observer = Observer()
    config = tiny_config(
        reward="brightness",
        reward_start=0,
        checkpoint_every=3,
        sample_every=2,
        audit_every=2,
        audit_samples=16,
        keep_best="reward",
    )
    Trainer(config, tmp_path / "run", host=host_with(observer), quiet=True).run()
    assert [s["step"] for s in observer.seen] == [1, 2, 3, 4, 5, 6]
    for seen in observer.seen:
        assert seen["logged"] == (seen["step"] % 2 == 0 or seen["step"] == 6)
        assert not seen["grid"]  # grids, checkpoints and audits come after the plugins
        assert seen["checkpoint_step"] != seen["step"]

    events = observer.events
    checkpoint_writes = [step for step, name in events if name == "checkpoint.pt"]
    assert sorted(set(checkpoint_writes)) == checkpoint_writes  # never one step twice
    assert {3, 6} <= set(checkpoint_writes)
    for index, (step, name) in enumerate(events):
        if name == "best.pt":  # checkpoint.pt of the same step first
            assert (step, "checkpoint.pt") in events[:index]
        if name.startswith("evaluation"):  # after everything written for its step
            assert all(s <= step for s, _ in events[:index])
            assert not any(s == step for s, _ in events[index + 1 :])
            if name.endswith("True"):
                assert events[index - 1] == (step, "best.pt")
    audited = [step for step, name in events if name.startswith("evaluation")]
    assert audited == [2, 4, 6]
    best = json.loads((tmp_path / "run" / "audit.jsonl").read_text().splitlines()[0])
    assert best["improved"]  # the first audit from reward_start on is a best: best.pt at 2
    assert events[:3] == [(2, "checkpoint.pt"), (2, "best.pt"), (2, "evaluation improved=True")]


def test_divergence_stops_the_run_before_anything_of_the_step_is_written(tmp_path):
    observer = Observer(nan_weights=True)
    config = tiny_config(log_every=2, sample_every=2, checkpoint_every=2)
    out = tmp_path / "run"
    # on the CPU every step is checked as it is made (training/finite.py): the generator's
    # first samples are NaN, and the generator, not a loss made from them, is named
    with pytest.raises(TrainingDiverged, match="diverged at step 1: the generator of backbone"):
        Trainer(config, out, host=host_with(observer), quiet=True).run()
    assert observer.seen == []  # step 1 reached no plugin
    assert logged_steps(out) == []
    assert not (out / "samples").exists() and not (out / "checkpoint.pt").exists()
    assert (out / "config.json").exists()


def test_the_logged_losses_are_checked_before_their_line_is_written(tmp_path):
    """The net under the trainer's own checks, which on CUDA run on logged steps only: a
    non-finite logged statistic stops the run before its metrics.jsonl line."""
    run = SimpleNamespace(out_dir=tmp_path)
    stats = {"step": 4, "d_loss": 0.5, "g_loss": math.inf, "reward_mean": 0.1}
    with pytest.raises(TrainingDiverged, match="diverged at step 4"):
        metrics_log.rlgan_after_generator_step(run=run, step=4, stats=stats)
    assert not (tmp_path / metrics_log.METRICS_FILE).exists()


class CrashAt:
    def __init__(self, step: int) -> None:
        self.step = step

    @hookimpl
    def rlgan_after_generator_step(self, run, step, stats):
        if step == self.step:
            raise RuntimeError("simulated crash")


def test_a_run_started_again_keeps_no_lines_of_the_run_it_replaces(tmp_path):
    # killed before its first checkpoint: there is nothing to resume, the run starts over
    # and its metrics.jsonl holds each step once
    config = tiny_config(checkpoint_every=5)
    out = tmp_path / "run"
    with pytest.raises(RuntimeError, match="simulated crash"):
        Trainer(config, out, host=host_with(CrashAt(4)), quiet=True).run()
    assert logged_steps(out) == [2, 4] and not (out / "checkpoint.pt").exists()
    Trainer(config, out, quiet=True).run(resume=True)
    assert logged_steps(out) == [2, 4, 6]


def test_the_side_jobs_are_registered_once_in_their_documented_order(tmp_path):
    host = PluginHost().load()
    for _ in range(2):
        Trainer(tiny_config(), tmp_path / "run", host=host)
    registered = host.pm.get_plugins()
    assert all(plugin in registered for plugin in TRAINER_PLUGINS)
    assert len(registered) == len(PluginHost().load().pm.get_plugins()) + len(TRAINER_PLUGINS)
    # pluggy calls the implementations last to first
    calls = [impl.plugin for impl in reversed(host.hook.rlgan_after_generator_step.get_hookimpls())]
    ours = [plugin for plugin in calls if plugin in TRAINER_PLUGINS]
    assert ours == list(TRAINER_PLUGINS)
    assert calls[0] is metrics_log  # tryfirst: before every plugin (none here is tryfirst)
    assert calls.index(checkpoints) > max(calls.index(p) for p in calls if p not in TRAINER_PLUGINS)
