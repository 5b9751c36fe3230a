"""The experiment trackers write real files: TensorBoard event files read back with
tensorboard's EventAccumulator, and a W&B offline run folder."""

import json
import sys

import pytest
from click.testing import CliRunner
from conftest import tiny_config
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rlgan_bench import Trainer, evaluate
from rlgan_bench.builtins.tracking.common import RunFacts
from rlgan_bench.cli import cli


def event_accumulator(folder):
    accumulator = EventAccumulator(str(folder), size_guidance={"images": 0, "scalars": 0})
    accumulator.Reload()
    return accumulator


def test_tensorboard_gets_losses_rewards_audits_grids_and_final_metrics(tmp_path):
    config = tiny_config(
        reward="brightness",
        reward_weight=0.5,
        log_to=["tensorboard"],
        audit_every=3,
        audit_samples=16,
    )
    Trainer(config, tmp_path / "run", quiet=True).run()
    evaluate(tmp_path / "run", samples=20, metrics=["fid"], device="cpu")
    logged = event_accumulator(tmp_path / "run" / "tensorboard")
    tags = logged.Tags()
    metrics = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").open()]
    d_loss = [event.value for event in logged.Scalars("train/d_loss")]
    assert d_loss == pytest.approx([row["d_loss"] for row in metrics], rel=1e-6)
    assert [e.step for e in logged.Scalars("train/reward_mean")] == [r["step"] for r in metrics]
    audits = [json.loads(line) for line in (tmp_path / "run" / "audit.jsonl").open()]
    assert [e.step for e in logged.Scalars("audit/reward")] == [r["step"] for r in audits]
    assert [e.value for e in logged.Scalars("audit/reward")] == pytest.approx(
        [r["reward"] for r in audits]
    )
    scored = json.loads((tmp_path / "run" / "eval.json").read_text())
    [fid] = logged.Scalars("eval/fid")
    assert fid.value == pytest.approx(scored["metrics"]["fid"]["values"]["fid"])
    assert [e.step for e in logged.Images("samples")] == [3, 6]  # sample_every=3, steps=6
    assert "config/text_summary" in tags["tensors"]


def test_runs_without_log_to_write_no_tracker_files(tmp_path):
    Trainer(tiny_config(), tmp_path / "run", quiet=True).run()
    assert not (tmp_path / "run" / "tensorboard").exists()
    assert not (tmp_path / "run" / "wandb").exists()


def test_wandb_writes_an_offline_run_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("WANDB_MODE", raising=False)  # the default: offline
    monkeypatch.setenv("WANDB_SILENT", "true")
    config = tiny_config(reward="brightness", reward_weight=0.5, log_to=["wandb"])
    Trainer(config, tmp_path / "run", quiet=True).run()
    runs = list((tmp_path / "run" / "wandb").glob("offline-run-*"))
    assert len(runs) == 1
    run_id = (tmp_path / "run" / "wandb_run_id").read_text().strip()
    assert runs[0].name.endswith(run_id)
    assert list(runs[0].glob("run-*.wandb"))  # the offline log `wandb sync` uploads


def test_a_missing_tracker_package_is_one_line_naming_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # not installed
    result = CliRunner().invoke(
        cli,
        [
            "train",
            "--steps",
            "2",
            "--batch-size",
            "8",
            "--latent-dim",
            "8",
            "--width",
            "8",
            "--device",
            "cpu",
            "--quiet",
            "--log-to",
            "tensorboard",
            "--out",
            str(tmp_path / "r"),
        ],
    )
    assert result.exit_code == 1
    assert "pip install 'rlgan-bench[tensorboard]'" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_tracker_is_refused(tmp_path):
    result = CliRunner().invoke(cli, ["train", "--log-to", "mlflow", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "mlflow" in result.output
    with pytest.raises(Exception, match="log_to must be a list of trackers"):
        tiny_config(log_to=["mlflow"]).validate()


def test_matrix_cells_are_grouped_by_their_results_directory(tmp_path):
    cell = RunFacts(tmp_path / "results" / "cells" / "dcgan__none__seed0" / "run", {})
    assert (cell.matrix_group, cell.run_name) == ("results", "dcgan__none__seed0")
    single = RunFacts(tmp_path / "my-run", {})
    assert (single.matrix_group, single.run_name) == (None, "my-run")
