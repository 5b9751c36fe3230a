"""A mistake in a matrix file is refused when the file is validated, before any cell starts
(also by ``--dry-run``), in one line that names its TOML key: every check a cell makes when it
starts (the reward's checks of its parameters, the method's of its options, ``keep_best``
against the audits, the dataset's folder, the evaluation options) runs for every cell first.
Mistakes on the command line name the flag."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
import tomllib
from click.testing import CliRunner

from rlgan_bench.api import ConfigError, RewardMode, hookimpl
from rlgan_bench.cli import cli
from rlgan_bench.host import PluginHost
from rlgan_bench.matrix.spec import build_matrix, eval_table
from rlgan_bench.matrix.spec.eval_table import toml_names

RUN = """
[run]
steps = 2
batch_size = 8
width = 8
latent_dim = 8
{run}

[eval]
samples = 40
metrics = [{metrics}]
{eval}

[matrix]
backbones = [{backbones}]

[[matrix.rewards]]
name = "none"

[[matrix.rewards]]
name = "{reward}"
{entry}
"""


def matrix_text(**keys: str) -> str:
    values = {"run": "", "eval": "", "metrics": '"fid", "is"', "backbones": '"dcgan"'}
    values |= {"reward": "classifier", "entry": ""}
    return RUN.format(**{**values, **keys})


def assert_refused(tmp_path, text: str, expected: str, *args: str) -> str:
    """``run --dry-run`` and ``run`` both exit 1 with one ``Error:`` line holding ``expected``
    (once), no traceback, and nothing written."""
    config = tmp_path / "m.toml"
    config.write_text(text)
    out = tmp_path / "results"
    for extra in (["--dry-run"], ["--out", str(out), "--device", "cpu", "--quiet"]):
        result = CliRunner().invoke(cli, ["run", str(config), *extra, *args])
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
        assert expected in lines[0], lines[0]
        assert lines[0].count(expected) == 1, lines[0]  # once, however many cells share it
        assert not out.exists()  # no matrix.json, no cell folder: no cell started
    return lines[0]


@pytest.mark.parametrize(
    "keys,expected",
    [
        # evaluation options, named by their [eval] key (they failed each cell when scored)
        (
            {"eval": 'prompts = ["a handwritten seven"]'},
            'eval.prompts: has no effect without the clip metric; add "clip" to eval.metrics '
            "or remove prompts",
        ),
        (
            {"metrics": '"clip"', "eval": 'fid_resize = "clean"'},
            "eval.fid_resize: has no effect without the fid, is, kid or prc metrics",
        ),
        # the reward's own checks of its parameters (Reward.setup: a cell failed at its start)
        (
            {"entry": "params = { target = 12 }"},
            "matrix.rewards[1].params: classifier target must be a digit 0-9, got 12",
        ),
        (
            {"entry": 'params = { net = "huge" }'},
            "matrix.rewards[1].params: classifier net must be one of robust, plain",
        ),
        # the method's options as each cell merges them: [run] < backbone table < reward entry
        (
            {"run": "method_params = { sigma = 0.05 }"},
            "run.method_params: mode 'backprop' has no option sigma; its options: none",
        ),
        (
            {
                "backbones": '{ name = "dcgan", method_params = { group = 2.5 } }',
                "reward": "jpeg",
            },
            "matrix.backbones[0].method_params: mode 'reinforce' option group=2.5 is not an int",
        ),
        (
            {"reward": "jpeg", "entry": 'method_params = { sigma = "wide" }'},
            "matrix.rewards[1].method_params: mode 'reinforce' option sigma='wide' is not a float",
        ),
        # keep_best = "audit" needs an audit that applies to the reward (the trainer's check)
        (
            {"run": 'audit_every = 1\nkeep_best = "audit"', "reward": "brightness"},
            "run.keep_best: \"audit\" needs an audit that applies to reward 'brightness' "
            "(matrix.rewards[1]), and none does",
        ),
        # a dataset that needs its folder; a backbone table's own keys
        ({"run": 'dataset = "mnist"'}, "run.data_root: required for dataset 'mnist'"),
        (
            {"backbones": '"dcgan", { name = "wgan", dataset = "svhn" }'},
            "matrix.backbones[1].dataset: unknown dataset 'svhn'",
        ),
        (
            {"backbones": '"dcgan", { name = "wgan", dataset = "fashion-mnist" }'},
            "matrix.backbones[1].data_root: required for dataset 'fashion-mnist'",
        ),
        (
            {"backbones": '"dcgan", { name = "wgan", ema_decay = 1.5 }'},
            "matrix.backbones[1]: ema_decay must be a number in [0, 1), got 1.5",
        ),
    ],
)
def test_a_mistake_that_failed_every_cell_is_refused_by_validation(tmp_path, keys, expected):
    assert_refused(tmp_path, matrix_text(**keys), expected)


def test_the_command_line_overrides_are_named_by_their_flags(tmp_path):
    line = assert_refused(
        tmp_path, matrix_text(), "--steps must be a positive integer, got 0", "--steps", "0"
    )
    assert "run:" not in line  # the file is right; the flag is not
    assert_refused(tmp_path, matrix_text(), "--seeds must be non-negative integers", "--seeds=-1")


@pytest.mark.parametrize(
    "args,expected",
    [
        (["--device", "gpu"], "--device must be auto, cpu or cuda[:N], got 'gpu'"),
        (["--workers", "0"], "--workers must be >= 1, got 0"),
    ],
)
def test_run_options_every_cell_would_refuse_are_refused_first(tmp_path, args, expected):
    assert_refused(tmp_path, matrix_text(), expected, *args)


def test_a_problem_of_many_cells_is_said_once_and_the_fixed_file_validates(tmp_path):
    text = matrix_text(
        run="method_params = { sigma = 0.05 }",
        backbones='"dcgan", "wgan-gp"',
        entry="methods = { backprop = [0.1, 1.0] }",
    )
    assert_refused(tmp_path, text, "run.method_params: mode 'backprop' has no option sigma")
    fixed = tmp_path / "fixed.toml"
    fixed.write_text(text.replace("method_params = { sigma = 0.05 }", ""))
    result = CliRunner().invoke(cli, ["run", str(fixed), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "6 cells" in result.output


class Tempered(RewardMode):
    """A plugin method whose option has a range, checked when the method is constructed."""

    name = "tempered"
    options: ClassVar[dict[str, Any]] = {"q": 0.5}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not 0 < self.config["q"] <= 1:
            raise ConfigError(f"mode 'tempered' option q must be in (0, 1], got {self.config['q']}")


class TemperedPlugin:
    @hookimpl
    def register_methods(self, register):
        register(Tempered)


def test_a_method_option_out_of_its_declared_range_is_refused():
    host = PluginHost().load()
    host.add_plugin(TemperedPlugin(), name="test-tempered")
    raw: dict[str, Any] = {
        "run": {"steps": 2},
        "matrix": {
            "rewards": [
                {"name": "brightness", "methods": {"tempered": 1.0}, "method_params": {"q": 0.9}},
            ]
        },
    }
    assert len(build_matrix(raw, host).cells) == 1
    raw["matrix"]["rewards"][0]["method_params"] = {"q": 1.5}
    with pytest.raises(ConfigError) as info:
        build_matrix(raw, host)
    assert str(info.value) == (
        "<config>: matrix.rewards[0].method_params: mode 'tempered' option q must be in (0, 1], "
        "got 1.5"
    )


def test_the_cells_own_evaluation_checks_run_too_with_their_keys(monkeypatch):
    """Every check of core/defaults.resolve (what each cell's evaluation calls) runs at
    validation; its messages name [eval] keys instead of eval's flags."""

    def refuse(**options):
        raise ConfigError("--fid-resize 'clean' has no effect with --metrics fid here")

    monkeypatch.setattr(eval_table, "resolve", refuse)
    with pytest.raises(ConfigError, match="eval: eval.fid_resize 'clean' has no effect with "):
        build_matrix({"run": {"steps": 2}}, PluginHost().load())
    assert toml_names("--prompt has no effect with --metrics fid,is") == (
        "eval.prompts has no effect with eval.metrics fid,is"
    )
    assert toml_names("--samples-per-class and --batch-size") == (
        "--samples-per-class and eval.batch_size"
    )


def test_missing_weights_are_left_to_the_cell(monkeypatch):
    """Only a setting's own check is a mistake in the file: a reward whose weights are not on
    this machine (or whose plugin fails) is the cell's to report, so a matrix can be planned
    and dry-run anywhere."""
    from rlgan_bench.builtins.rewards.classifier import ClassifierReward
    from rlgan_bench.core.errors import MissingFileError

    def missing(self, device, image_size, channels):
        raise MissingFileError("digit-reward-classifier weights not found")

    monkeypatch.setattr(ClassifierReward, "setup", missing)
    raw = {"run": {"steps": 2}, "matrix": {"rewards": [{"name": "classifier"}]}}
    assert len(build_matrix(raw, PluginHost().load()).cells) == 1


def test_a_built_in_methods_option_out_of_range_is_refused_before_any_cell(tmp_path):
    """The built-in methods declare their options' ranges (RewardMode.option_ranges)."""
    text = (
        '[run]\nsteps = 10\n[matrix]\nbackbones = ["dcgan"]\nseeds = [0]\nfinetune_steps = 5\n'
        '[[matrix.rewards]]\nname = "jpeg"\nmethods = { reinforce = [0.01] }\n'
        "method_params = { sigma = -1.0 }\n"
    )
    assert_refused(
        tmp_path,
        text,
        "matrix.rewards[0].method_params: method 'reinforce' option sigma must be > 0, got -1.0",
    )


def test_unknown_keys_are_listed_in_one_order_whatever_the_hash_seed(tmp_path):
    """Set order changes with PYTHONHASHSEED; the message must not (logs and tests diff it)."""
    names = ["zeta", "alpha", "mu", "beta", "omega", "kappa"]
    run = "\n".join(f"{name} = 1" for name in names)
    text = matrix_text(run=run, entry="\n".join(f"{name} = 1" for name in names))
    with pytest.raises(ConfigError) as refused:
        build_matrix(tomllib.loads(text), PluginHost().load())
    message = str(refused.value)
    for prefix in ("run.", "matrix.rewards[1]."):
        places = [message.index(f"{prefix}{name}:") for name in sorted(names)]
        assert places == sorted(places), message
