"""What a run hook is given of a live run (RunContext: the attributes docs/hooks.md lists) and
what only the trainer's side jobs use (RunInternals); and the narrow view a training-time audit
reads of its run (AuditedRun), without a trainer."""

from __future__ import annotations

import pytest
import torch
from conftest import tiny_config
from torch import nn

from rlgan_bench.core.backbone import ModelShape
from rlgan_bench.core.deprecations import RlganBenchDeprecationWarning
from rlgan_bench.host import PluginHost
from rlgan_bench.training.context import RunContext, RunInternals
from rlgan_bench.training.training_audit import AUDIT_LOG, AuditedRun, TrainingAudit


def live_run(tmp_path, internals: RunInternals) -> RunContext:
    generator = nn.Linear(2, 2)
    return RunContext(
        tiny_config(),
        tmp_path,
        torch.device("cpu"),
        None,  # type: ignore[arg-type]  # no hook runs here
        generator,
        nn.Linear(2, 1),
        generator,
        internals=internals,
    )


def test_the_trainers_own_parts_are_read_through_the_run_only_with_a_warning(tmp_path):
    reference = nn.Linear(2, 2)
    internals = RunInternals(training_state={"generator": reference}, reference=reference)
    run = live_run(tmp_path, internals)
    for name, value in [
        ("auditor", None),
        ("reference", reference),
        ("training_state", internals.training_state),
    ]:
        with pytest.warns(RlganBenchDeprecationWarning, match=f"RunContext.{name} is deprecated"):
            assert getattr(run, name) is value
    # at the reader's line, as for every deprecated name
    with pytest.warns(RlganBenchDeprecationWarning) as caught:
        run.reference  # noqa: B018
    assert caught[0].filename == __file__
    assert "internals" not in repr(run)  # the repr a plugin prints shows the documented run


def test_a_hook_reads_the_checkpoints_step_but_cannot_move_it(tmp_path):
    run = live_run(tmp_path, RunInternals(checkpoint_step=3))
    assert run.checkpoint_step == 3
    with pytest.raises(AttributeError):
        run.checkpoint_step = 4  # type: ignore[misc]
    assert run.checkpoint_step == 3


def test_a_training_audit_reads_only_its_audited_run(tmp_path):
    host = PluginHost().load()
    config = tiny_config(reward="jpeg", audit_every=2, keep_best="audit")
    run = AuditedRun(
        config=config,
        host=host,
        device=torch.device("cpu"),
        score_rewards=lambda images: images.mean((1, 2, 3)),
        reward_params={"quality": 95},
        reward_start=2,
        dataset=host.get("datasets", "digits").obj,
        shape=ModelShape(32, 1, config.latent_dim, config.width),
        out_dir=tmp_path,
    )
    audit = TrainingAudit(run)
    assert audit.audit is not None and audit.audit.name == "jpeg-size"  # the exact audit
    assert audit.reward_start == 2 and audit.key == "audit"
    assert audit.path == tmp_path / AUDIT_LOG
    assert audit.reward_params == {"quality": 95}
