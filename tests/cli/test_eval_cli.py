"""`rlgan-bench eval` on a real (tiny) training run: eval.json, the table, PNG export that
torch-fidelity reads back to the same FID, and one-line errors for bad input."""

import json
import subprocess
import sys

import pytest
import torch_fidelity
from click.testing import CliRunner
from conftest import tiny_config

from rlgan_bench.api import Reward, hookimpl
from rlgan_bench.builtins.metrics.fidelity import register_extractors
from rlgan_bench.cli import cli
from rlgan_bench.host import get_host
from rlgan_bench.training.trainer import Trainer

N = 120
FAST = ["--samples", str(N), "--device", "cpu"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs") / "tiny"
    Trainer(tiny_config(), folder, quiet=True).run()
    return folder


@pytest.fixture(scope="module")
def evaluated(run_dir, tmp_path_factory):
    """One evaluation shared by the tests that read it: JSON output and PNG export."""
    samples = tmp_path_factory.mktemp("export") / "samples"
    result = CliRunner().invoke(
        cli,
        [
            "eval",
            str(run_dir),
            *FAST,
            "--metrics",
            "fid,is,kid,prc",
            "--json",
            "--save-samples",
            str(samples),
        ],
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), samples


def test_eval_writes_eval_json_and_prints_it(evaluated, run_dir):
    printed, _ = evaluated
    assert json.loads((run_dir / "eval.json").read_text()) == printed
    assert printed["generator"] == "ema" and printed["samples"] == N
    assert printed["step"] == 6 and printed["split"] == "heldout" and printed["n_real"] == 600
    assert "fewer than the standard 10,000" in printed["note"]
    for name in ("fid", "is", "kid", "prc"):
        entry = printed["metrics"][name]
        assert entry["status"] == "ok"
        assert entry["record"]["n_generated"] == N
        assert entry["record"]["extractor"] == "rlgan-digit-eval-net"
    assert sum(printed["class_histogram"]["counts"]) == N
    assert printed["versions"]["torch_fidelity"] == torch_fidelity.__version__


def test_exported_pngs_give_torch_fidelity_the_same_fid(evaluated):
    printed, samples = evaluated
    assert len(list(samples.glob("*.png"))) == N
    assert len(list((samples / "real-heldout").glob("*.png"))) == 600
    register_extractors()
    # from the files, as another user would: torch-fidelity reads them as RGB
    theirs = torch_fidelity.calculate_metrics(
        input1=str(samples),
        input2=str(samples / "real-heldout"),
        fid=True,
        feature_extractor="rlgan-digit-eval-net",
        cuda=False,
        cache=False,
        verbose=False,
        save_cpu_ram=True,
    )
    ours = printed["metrics"]["fid"]["values"]["fid"]
    assert theirs["frechet_inception_distance"] == pytest.approx(ours, rel=1e-3)


def test_table_output_and_the_clip_score(run_dir):
    result = CliRunner().invoke(
        cli,
        ["eval", str(run_dir), *FAST, "--metrics", "is,clip", "--prompt", "a handwritten seven"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    for text in (
        "is",
        "rlgan-digit-eval-net",
        "clip 'a handwritten seven'",
        "digits-clip-audit",
        "modes covered",
        "different extractors",
    ):
        assert text in result.output, text
    saved = json.loads((run_dir / "eval.json").read_text())
    assert saved["metrics"]["clip"]["record"]["prompts"] == ["a handwritten seven"]


def test_a_reward_run_gets_its_target_fraction_and_prompt(tmp_path):
    # the classifier reward's default target (7) counts although the flag was not given
    folder = tmp_path / "reward"
    Trainer(tiny_config(steps=2, reward="classifier"), folder, quiet=True).run()
    result = CliRunner().invoke(
        cli,
        [
            "eval",
            str(folder),
            "--samples",
            "40",
            "--device",
            "cpu",
            "--metrics",
            "is,clip",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["target"] == 7
    assert printed["target_fraction"] == printed["class_histogram"]["fractions"][7]
    assert printed["metrics"]["clip"]["status"] == "skipped"  # the classifier has no prompt


def test_missing_weights_are_reported_with_the_fix(run_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    result = CliRunner().invoke(
        cli,
        [
            "eval",
            str(run_dir),
            *FAST,
            "--metrics",
            "fid,is",
            "--extractor",
            "inception-v3-compat",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    entry = json.loads(result.stdout)["metrics"]["fid"]
    assert entry["status"] == "unavailable"
    assert "rlgan-bench weights import inception-v3-compat FILE" in entry["fix"]


def test_bad_input_is_a_one_line_error(run_dir, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    no_ckpt = tmp_path / "no_ckpt"
    no_ckpt.mkdir()
    (no_ckpt / "config.json").write_text((run_dir / "config.json").read_text())
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "config.json").write_text((run_dir / "config.json").read_text())
    (corrupt / "checkpoint.pt").write_bytes(b"not a checkpoint")
    cases = [
        ([str(tmp_path / "nowhere")], "is not a run directory"),
        ([str(empty)], "has no config.json"),
        ([str(no_ckpt)], "has no checkpoint.pt"),
        ([str(corrupt)], "cannot read checkpoint"),
        ([str(run_dir), "--metrics", "fid,nope"], "unknown metric nope"),
        ([str(run_dir), "--samples", "3"], "at least"),
        ([str(run_dir), "--save-samples", str(run_dir / "samples")], "already holds PNG files"),
    ]
    for args, expected in cases:
        result = CliRunner().invoke(cli, ["eval", *args, "--device", "cpu"])
        assert result.exit_code == 1, (args, result.output)
        assert expected in result.output, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_no_traceback_from_the_installed_command(tmp_path):
    process = subprocess.run(
        [sys.executable, "-m", "rlgan_bench", "eval", str(tmp_path)], capture_output=True, text=True
    )
    assert process.returncode == 1
    assert "has no config.json" in process.stderr
    assert "Traceback" not in process.stderr


class Ink(Reward):
    """A plugin reward whose ``target`` is a level (a share of ink), not a class."""

    name = "ink"
    params = {"target": 0.3}

    def score(self, images):
        return -(images.add(1).div(2).mean(dim=(1, 2, 3)) - self.config["target"]).abs()


class InkPlugin:
    @hookimpl
    def register_rewards(self, register):
        register(Ink)


def test_a_target_level_is_never_read_as_a_class(run_dir, tmp_path):
    host, plugin = get_host(), InkPlugin()
    host.add_plugin(plugin, name="rlgan-ink")
    try:
        folder = tmp_path / "ink"
        Trainer(tiny_config(steps=2, reward="ink"), folder, host=host, quiet=True).run()
        eval_args = ["eval", str(folder), "--samples", "40", "--device", "cpu"]
        eval_args += ["--metrics", "fid"]
        table = CliRunner().invoke(cli, eval_args, env={"COLUMNS": "200"})
        measured = CliRunner().invoke(cli, [*eval_args, "--baseline", str(run_dir), "--json"])
    finally:
        host.remove_plugin(plugin)
    assert table.exit_code == 0, table.output
    assert "classes by digit-eval-net" in table.output
    # what eval printed before a reward declared its class: "target zero: 1.3% of the samples"
    assert not [line for line in table.output.splitlines() if line.startswith("target ")]
    assert measured.exit_code == 0, measured.output
    printed = json.loads(measured.stdout)
    assert "target" not in printed and "target_fraction" not in printed
    assert "target_fraction" not in printed["class_histogram"]
    assert printed["reward_audit"]["status"] == "ok"
    assert printed["reward_audit"]["target_class"] is None  # drift over all samples
    drift = printed["reward_audit"]["drift"]
    assert drift["fid"]["basis"] == "all samples vs the held-out split"
    assert drift["within_class_diversity"]["basis"].startswith("all samples")


def test_a_reward_says_whether_it_has_a_target_class(host):
    rewards = {name: component.obj for name, component in host.components("rewards").items()}
    assert rewards["classifier"].target_class({"target": 3}) == 3
    assert rewards["classifier"].target_class({"target": "3"}) == 3  # as the command line gives it
    assert rewards["classifier"].target_class({}) == 7  # its default
    assert rewards["clip"].target_class({"prompt": "a handwritten three"}) == 3
    assert rewards["clip"].target_class({"prompt": "a circle"}) is None
    for name in ("brightness", "jpeg", "diversity"):
        assert rewards[name].target_class({"target": 0}) is None, name
    assert Ink.target_class({"target": 0.3}) is None and Ink.target_class({"target": 0}) is None

    class Labelled(Reward):
        name = "labelled"
        params = {"label": 2, "strength": 1.0}
        target_class_param = "label"

    assert Labelled.target_class({"label": 4}) == 4
    assert Labelled.target_class({"label": 4.0}) is None  # a float is never truncated
    assert Labelled.target_class({}) == 2
