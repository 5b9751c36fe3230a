"""Bad values on the command line and in a matrix are one-line errors that name the setting:
exit status 1, no traceback, and nothing written (no run folder, no eval.json, no matrix.json).
NaN and infinity are refused for every number, and an option that has no effect with the
chosen settings says so instead of being ignored."""

import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import tiny_config

from rlgan_bench.cli import cli
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.evaluation.evaluate import evaluate
from rlgan_bench.training.trainer import Trainer

TINY = ["--steps", "2", "--batch-size", "8", "--width", "8", "--latent-dim", "8"]


def assert_one_line_error(result, expected):
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert expected in lines[0], result.output


@pytest.mark.parametrize(
    "args,expected",
    [
        # the command line's errors name its flags
        (["--reward", "classifier", "--lambda", "nan"], "--lambda must be a finite number >= 0"),
        (["--reward", "classifier", "--lambda", "inf"], "--lambda must be a finite number >= 0"),
        (["--reward", "brightness", "--strength", "nan"], "--strength must be a finite"),
        (["--reward", "brightness", "--reward-anchor", "-inf"], "--reward-anchor must be a finite"),
        (["--ema-decay", "nan"], "--ema-decay must be a number in [0, 1), got nan"),
        (["--steps", "0"], "--steps must be a positive integer, got 0"),
        (["--image-size", "48"], "--image-size must be 32 or 64, got 48"),
        (
            ["--reward", "classifier", "--keep-best", "reward"],
            "--keep-best needs audits during training: set --audit-every > 0",
        ),
        (
            ["--reward", "brightness", "--reward-param", "target=nan"],
            "reward 'brightness' parameter target=nan is not a finite number",
        ),
        (["--backbone-param", "lr=inf"], "hyperparameter lr=inf must be a finite number >= 0"),
        (
            ["--reward", "brightness", "--method", "reinforce", "--method-param", "sigma=nan"],
            "mode 'reinforce' option sigma=nan is not a finite number",
        ),
        (
            ["--reward", "classifier", "--reward-param", "target=7.5"],
            "reward 'classifier' parameter target='7.5' is not an int",
        ),
        (["--reward", "classifier", "--reward-param", "target=12"], "a digit 0-9, got 12"),
        # options that only a reward reads say so instead of being ignored
        (
            ["--strength", "1", "--method-param", "sigma=0.1"],
            "without --reward, --method-param, --strength would have no effect",
        ),
        (["--reward-start", "0"], "without --reward, --reward-start would have no effect"),
    ],
)
def test_train_refuses_bad_numbers_and_writes_nothing(tmp_path, args, expected):
    out = tmp_path / "run"
    result = CliRunner().invoke(
        cli, ["train", *TINY, "--device", "cpu", "--quiet", "--out", str(out), *args]
    )
    assert_one_line_error(result, expected)
    assert not out.exists()


def test_the_installed_command_prints_no_traceback_for_nan(tmp_path):
    out = tmp_path / "run"
    process = subprocess.run(
        [sys.executable, "-m", "rlgan_bench", "train", "--reward", "classifier", "--lambda", "nan"]
        + ["--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert process.returncode == 1
    assert process.stderr.strip().splitlines() == [
        "Error: --lambda must be a finite number >= 0, got nan"
    ]
    assert not out.exists()


MATRIX = """
[run]
{run}

[matrix]
backbones = [{backbone}]

[[matrix.rewards]]
name = "none"

[[matrix.rewards]]
name = "classifier"
params = {{ {params} }}
methods = {{ backprop = [{lambdas}] }}
"""


@pytest.mark.parametrize(
    "keys,expected",
    [
        ({"lambdas": "nan"}, "matrix.rewards[1].methods.backprop: must be a non-empty list of"),
        ({"lambdas": "1.0, inf"}, "matrix.rewards[1].methods.backprop: must be a non-empty list"),
        ({"run": "reward_tilt = nan"}, "run: reward_tilt must be a finite number >= 0, got nan"),
        ({"run": "ema_decay = inf"}, "run: ema_decay must be a number in [0, 1), got inf"),
        ({"run": "reward_warmup = 2.0"}, "run: reward_warmup must be a non-negative integer"),
        ({"run": "steps = 10.0"}, "run: steps must be a positive integer, got 10.0"),
        (
            {"params": "target = 7.0"},
            "matrix.rewards[1].params: reward 'classifier' parameter target=7.0 is not an int "
            "(write 7)",
        ),
        (
            {"backbone": '{ name = "dcgan", backbone_params = { lr = nan } }'},
            "backbone 'dcgan' hyperparameter lr=nan must be a finite number >= 0",
        ),
    ],
)
def test_a_matrix_refuses_bad_numbers_before_anything_is_written(tmp_path, keys, expected):
    values = {"run": "steps = 2", "backbone": '"dcgan"', "params": "target = 7", "lambdas": "1.0"}
    config = tmp_path / "m.toml"
    config.write_text(MATRIX.format(**{**values, **keys}))
    out = tmp_path / "results"
    result = CliRunner().invoke(cli, ["run", str(config), "--out", str(out), "--device", "cpu"])
    assert_one_line_error(result, expected)
    assert not out.exists()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs") / "tiny"
    Trainer(tiny_config(steps=2), folder, quiet=True).run()
    return folder


@pytest.mark.parametrize(
    "args,expected",
    [
        (["--inception-weights", "/no/such/file"], "--inception-weights '/no/such/file': no such"),
        (
            ["--extractor", "rlgan-digit-eval-net", "--inception-weights", "{file}"],
            "--inception-weights has no effect with --extractor rlgan-digit-eval-net",
        ),
        (
            ["--metrics", "clip", "--inception-weights", "{file}"],
            "--inception-weights has no effect with --metrics clip",
        ),
        (
            ["--metrics", "clip", "--extractor", "inception-v3-compat"],
            "--extractor has no effect with --metrics clip",
        ),
        (["--metrics", "fid,kid", "--prompt", "a seven"], "--prompt has no effect with --metrics"),
        (
            ["--metrics", "fid", "--clip-model", "digits-clip-main"],
            "--clip-model has no effect with --metrics fid: only clip read it",
        ),
    ],
)
def test_eval_refuses_a_missing_file_and_options_without_effect(run_dir, tmp_path, args, expected):
    some_file = tmp_path / "weights.pth"
    some_file.write_bytes(b"")
    args = [arg.format(file=some_file) for arg in args]
    result = CliRunner().invoke(cli, ["eval", str(run_dir), "--samples", "40", *args])
    assert_one_line_error(result, expected)
    assert not (run_dir / "eval.json").exists()


def test_the_python_api_refuses_them_too(run_dir):
    with pytest.raises(ConfigError, match="no such file"):
        evaluate(run_dir, samples=40, inception_weights="/no/such/file")
    with pytest.raises(ConfigError, match="--prompt has no effect"):
        evaluate(run_dir, samples=40, metrics=("fid",), prompts=("a seven",))
    assert not (run_dir / "eval.json").exists()
