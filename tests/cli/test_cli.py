import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from rlgan_bench import __version__
from rlgan_bench.cli import cli

TINY = [
    "--steps",
    "4",
    "--batch-size",
    "8",
    "--width",
    "8",
    "--latent-dim",
    "8",
    "--device",
    "cpu",
    "--quiet",
    "--log-every",
    "2",
]


def test_version_and_help():
    runner = CliRunner()
    assert __version__ in runner.invoke(cli, ["--version"]).output
    help_text = runner.invoke(cli, ["--help"]).output
    # the "Commands:" section lists each command at the start of a line
    listed = re.findall(r"^  ([a-z-]+)  ", help_text.split("Commands:", 1)[1], re.M)
    assert sorted(listed) == sorted(cli.commands)
    assert {"train", "eval", "audit", "run", "report", "plugins", "weights", "new-plugin"} <= set(
        listed
    )


def test_train_command(tmp_path):
    result = CliRunner().invoke(cli, ["train", *TINY, "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "trained 4 steps" in result.output
    assert (tmp_path / "r" / "checkpoint.pt").exists()


def test_train_with_backbone_hyperparameters_records_and_evaluates_them(tmp_path):
    out = tmp_path / "r"
    args = ["train", *TINY, "--backbone", "wgan-gp", "--out", str(out)]
    args += ["--backbone-param", "critic_steps=2", "--backbone-param", "betas=0.5,0.9"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    record = json.loads((out / "config.json").read_text())
    # typed as the backbone's values: the same digest as `critic_steps = 2` in a TOML matrix
    assert record["config"]["backbone_params"] == {"critic_steps": 2, "betas": [0.5, 0.9]}
    assert record["resolved"]["backbone_params"] == {
        "lr": 1e-4,
        "betas": [0.5, 0.9],
        "critic_steps": 2,
        "penalty_weight": 10.0,
    }
    scored = CliRunner().invoke(
        cli, ["eval", str(out), "--samples", "20", "--metrics", "fid", "--device", "cpu"]
    )
    assert scored.exit_code == 0, scored.output


def run_cli(*args):
    """Run the installed console script: what a user sees, traceback or not."""
    return subprocess.run(
        [sys.executable, "-m", "rlgan_bench", *args], capture_output=True, text=True
    )


@pytest.mark.slow  # one subprocess per case: what a user sees
def test_bad_values_are_one_line_errors(tmp_path):
    (tmp_path / "afile").write_text("")
    cases = [
        (["train", "--steps", "-5"], "steps must be a positive integer"),
        (["train", "--backbone", "nope"], "available backbones: dcgan"),
        (["train", "--out", str(tmp_path / "afile")], "is a file"),
        (["train", "--reward-param", "target"], "not KEY=VALUE"),
        (["train", "--dataset", "cifar10"], "--data-root"),
        (["train", "--backbone-param", "lr=x"], "backbone 'dcgan' hyperparameter lr='x'"),
        (["train", "--audit-every", "50"], "add --reward NAME"),
    ]
    for args, expected in cases:
        result = run_cli(*args)
        assert result.returncode != 0
        assert expected in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_plugins_json():
    result = CliRunner().invoke(cli, ["plugins", "--json"])
    rows = json.loads(result.output)
    builtin = next(r for r in rows if r["builtin"])
    assert {"dcgan", "wgan", "wgan-gp"} <= set(builtin["backbones"])


def test_new_plugin_command(tmp_path):
    result = CliRunner().invoke(
        cli, ["new-plugin", "glow", "--kind", "reward", "--dir", str(tmp_path / "p")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p" / "pyproject.toml").exists()
    again = CliRunner().invoke(
        cli, ["new-plugin", "glow", "--kind", "reward", "--dir", str(tmp_path / "p")]
    )
    assert again.exit_code != 0 and "Traceback" not in again.output
