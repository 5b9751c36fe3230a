"""A reward acts through one method at one strength (issue 23): `rlgan-bench train --reward R
--method M --strength S` and `rb.train(reward=R, method=M, strength=S)` write the method and its
strength into the run's record, nothing tilts the critic's real data but the method whose
strength the tilt is, and the 0.1 names (`--mode`, `--mode-param`, `mode=`, a reward's
`default_mode`, a `reward_tilt` in its schedule) still work with a deprecation warning."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import tiny_config

import rlgan_bench as rb
from rlgan_bench.api import Reward, hookimpl
from rlgan_bench.cli import cli
from rlgan_bench.core import deprecations
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.deprecations import RlganBenchDeprecationWarning
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.host import PluginHost, get_host
from rlgan_bench.training.method_strength import at_strength
from rlgan_bench.training.trainer import Trainer

TINY = ["--steps", "2", "--batch-size", "8", "--width", "8", "--latent-dim", "8"]
TINY_SETTINGS = dict(steps=2, batch_size=8, width=8, latent_dim=8, device="cpu")


def train(tmp_path, *args: str) -> tuple[object, dict]:
    """``rlgan-bench train`` with ``args``: the result and the run's config.json (or {})."""
    out = tmp_path / "run"
    result = CliRunner().invoke(
        cli, ["train", *TINY, "--device", "cpu", "--quiet", "--out", str(out), *args]
    )
    record = out / "config.json"
    return result, json.loads(record.read_text()) if record.exists() else {}


def test_train_with_a_reward_records_its_method_and_no_tilt(tmp_path):
    """The done-when of issue 23: the classifier no longer tilts the critic's real data."""
    result, record = train(tmp_path, "--reward", "classifier")
    assert result.exit_code == 0, result.output
    config, resolved = record["config"], record["resolved"]
    assert (config["mode"], config["reward_weight"], config["reward_tilt"]) == ("backprop", 1.0, 0)
    assert resolved["method"] == "backprop" and resolved["schedule"]["tilt"] == 0
    assert "tilt_effective_images" not in resolved
    assert config["reward_start"] is None  # from scratch: the reward's own start, recorded below
    assert resolved["schedule"]["start"] == 1  # half of 2 steps (the seed's algorithm)


def test_reward_weighted_at_a_strength_is_the_only_tilt(tmp_path):
    result, record = train(
        tmp_path, "--reward", "brightness", "--method", "reward-weighted", "--strength", "50"
    )
    assert result.exit_code == 0, result.output
    config = record["config"]
    assert (config["mode"], config["reward_weight"], config["reward_tilt"]) == (
        "reward-weighted",
        0.0,
        50.0,
    )
    assert record["resolved"]["tilt_effective_images"] < 1197  # the real data was resampled


@pytest.mark.parametrize(
    "args,expected",
    [
        (["--reward-tilt", "1"], "only the method reward-weighted does (its strength β)"),
        (["--method", "reward-weighted"], "needs its strength beta"),
        (["--lambda", "0.5", "--strength", "1"], "two strengths for method 'backprop'"),
        (
            ["--method", "reward-weighted", "--strength", "1", "--lambda", "0.3"],
            "--lambda 0.3 would have no effect: method 'reward-weighted' has no reward term",
        ),
        (["--mode", "reinforce", "--method", "ppo"], "--mode is the old name of --method"),
    ],
)
def test_a_setting_that_contradicts_the_method_is_refused(tmp_path, args, expected):
    result, record = train(tmp_path, "--reward", "brightness", *args)
    assert result.exit_code == 1 and not record, result.output
    error = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(error) == 1 and expected in error[0], result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_old_flags_work_and_say_what_to_write(tmp_path):
    result, record = train(
        tmp_path, "--reward", "jpeg", "--mode", "reinforce", "--mode-param", "sigma=0.2"
    )
    assert result.exit_code == 0, result.output
    assert (record["config"]["mode"], record["resolved"]["method_params"]["sigma"]) == (
        "reinforce",
        0.2,
    )
    lines = result.output.splitlines()
    assert (
        "Warning: --mode is deprecated since 0.2; use --method; it will be removed in 0.3" in lines
    )
    assert any(line.startswith("Warning: --mode-param is deprecated") for line in lines)


def test_from_a_base_the_reward_acts_from_the_first_step_as_in_a_matrix():
    host = get_host()
    tuned = at_strength(TrainConfig(reward="brightness", init_from="runs/base"), host, 0.5)
    assert (tuned.mode, tuned.reward_weight, tuned.reward_tilt, tuned.reward_start) == (
        "backprop",
        0.5,
        0.0,
        0,
    )
    # what a matrix's fine-tuning cell of that method and strength sets, exactly
    assert host.get("methods", "backprop").obj.strength_settings(0.5) == {
        "reward_weight": 0.5,
        "reward_tilt": 0.0,
        "reward_start": 0,
    }
    given = TrainConfig(reward="brightness", init_from="runs/base", reward_start=3)
    assert at_strength(given, host).reward_start == 3  # as the run says
    # resolving again changes nothing: --resume finds the same configuration digest
    assert at_strength(tuned, host).digest() == tuned.digest()


def test_the_python_api_takes_a_method_and_a_strength(tmp_path):
    rb.train(
        out_dir=tmp_path / "a",
        reward="brightness",
        method="reinforce",
        method_params={"sigma": 0.2},
        strength=0.05,
        **TINY_SETTINGS,
    )
    config = json.loads((tmp_path / "a" / "config.json").read_text())["config"]
    assert (config["mode"], config["mode_params"], config["reward_weight"]) == (
        "reinforce",
        {"sigma": 0.2},
        0.05,
    )
    with pytest.warns(RlganBenchDeprecationWarning, match=r"train\(mode=...\) is deprecated"):
        rb.train(out_dir=tmp_path / "b", reward="brightness", mode="reinforce", **TINY_SETTINGS)
    with pytest.raises(ConfigError, match="only the method reward-weighted does"):
        rb.train(out_dir=tmp_path / "c", reward="brightness", reward_tilt=2.0, **TINY_SETTINGS)


def test_a_01_rewards_default_mode_works_and_its_tilt_is_ignored(tmp_path):
    with pytest.warns(RlganBenchDeprecationWarning) as caught:

        class Old(Reward):  # a reward written for 0.1
            name = "tilting-old"
            default_mode = "reinforce"
            schedule = {"reward_start": 0.5, "reward_tilt": 30.0}

            def score(self, images):
                return images.mean(dim=(1, 2, 3))

    texts = [str(w.message) for w in caught]
    assert any("default_mode is deprecated since 0.2; use default_method" in t for t in texts)
    assert any("schedule's reward_tilt is ignored" in t for t in texts)
    assert all(w.filename == __file__ for w in caught)  # at the plugin's class statement
    assert Old.default_method == Old.default_mode == "reinforce"
    assert any("reward 'tilting-old'" in t for t in deprecations.used_by(__name__))

    class Plugin:
        @hookimpl
        def register_rewards(self, register):
            register(Old)

    host = PluginHost().load()
    host.add_plugin(Plugin(), name="tilting-plugin")
    trainer = Trainer(tiny_config(reward="tilting-old", steps=2), tmp_path / "r", host=host)
    trainer.run()
    record = json.loads((tmp_path / "r" / "config.json").read_text())
    assert record["resolved"]["method"] == "reinforce"
    assert record["resolved"]["schedule"]["tilt"] == 0.0
    assert "tilt_effective_images" not in record["resolved"]


def test_the_built_in_rewards_declare_no_tilt():
    rewards = PluginHost().load().components("rewards")
    for name, component in rewards.items():
        assert "reward_tilt" not in component.obj.schedule, name
    assert deprecations.used_by("rlgan_bench.builtins") == []  # nor a default_mode
