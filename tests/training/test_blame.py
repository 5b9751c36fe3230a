"""A NaN or inf names the component that made it (rlgan_bench/training/finite.py): the reward
for its scores of finite images, the method for its loss, the backbone for its adversarial
losses; and a name a broken plugin registered points at that plugin, not at the list of
names."""

from __future__ import annotations

import math

import pytest
import torch
from click.testing import CliRunner
from conftest import tiny_config

from rlgan_bench.builtins.backbones.dcgan import DCGAN
from rlgan_bench.builtins.methods.backprop import Backprop
from rlgan_bench.builtins.rewards.brightness import Brightness
from rlgan_bench.cli import cli
from rlgan_bench.core.errors import PluginError
from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.host import PluginHost, get_host
from rlgan_bench.training.callbacks.metrics_log import TrainingDiverged
from rlgan_bench.training.trainer import Trainer


class NaNScores(Brightness):
    name = "test-nan-scores"

    def score(self, images):
        return super().score(images) * math.nan


class NaNLoss(Backprop):
    """Scores the samples as backprop does, then returns a NaN loss: the method's fault."""

    name = "test-nan-loss"

    def reward_loss(self, generator, z, fake, generate):
        loss, scores = super().reward_loss(generator, z, fake, generate)
        return loss * math.nan, scores


class NaNImages(Backprop):
    """Asks the reward to score images it made NaN."""

    name = "test-nan-images"

    def reward_loss(self, generator, z, fake, generate):
        return super().reward_loss(generator, z, fake * math.nan, generate)


class NaNCriticLoss(DCGAN):
    name = "test-nan-critic-loss"

    def critic_loss(self, critic, real, fake):
        return super().critic_loss(critic, real, fake) * math.nan


class NaNGeneratorLoss(DCGAN):
    name = "test-nan-generator-loss"

    def generator_loss(self, critic, fake):
        return super().generator_loss(critic, fake) + math.inf


class Misbehaving:
    @hookimpl
    def register_rewards(self, register):
        register(NaNScores)

    @hookimpl
    def register_methods(self, register):
        register(NaNLoss)
        register(NaNImages)

    @hookimpl
    def register_backbones(self, register):
        register(NaNCriticLoss)
        register(NaNGeneratorLoss)


@pytest.fixture
def host():
    host = PluginHost().load()
    host.add_plugin(Misbehaving(), name="rlgan-misbehaving", version="0.3")
    return host


def train(host, tmp_path, **fields):
    config = tiny_config(log_every=3, reward_start=0, **fields)
    Trainer(config, tmp_path / "run", host=host, quiet=True).run()


def test_a_nan_method_loss_blames_the_method_not_the_reward(host, tmp_path):
    with pytest.raises(TrainingDiverged) as info:
        train(host, tmp_path, reward="brightness", mode="test-nan-loss", reward_weight=1.0)
    message = str(info.value)
    assert message.startswith(
        "training diverged at step 1: method 'test-nan-loss' (from rlgan-misbehaving 0.3) "
        "returned a NaN or inf loss term"
    )
    assert "brightness" not in message  # before: reward 'brightness' ... returned NaN scores


def test_nan_scores_of_finite_images_blame_the_reward(host, tmp_path):
    with pytest.raises(PluginError) as info:
        train(host, tmp_path, reward="test-nan-scores", mode="backprop", reward_weight=1.0)
    assert str(info.value) == (
        "reward 'test-nan-scores' (from rlgan-misbehaving 0.3) returned NaN or inf scores for "
        "finite images; fix the reward"
    )


def test_nan_images_given_to_the_reward_do_not_blame_it(host, tmp_path):
    with pytest.raises(PluginError, match="was given NaN or inf images") as info:
        train(host, tmp_path, reward="brightness", mode="test-nan-images", reward_weight=1.0)
    assert "the reward is not at fault" in str(info.value)


@pytest.mark.parametrize(
    "backbone,loss",
    [("test-nan-critic-loss", "critic loss"), ("test-nan-generator-loss", "generator loss")],
)
def test_a_nan_adversarial_loss_blames_the_backbone(host, tmp_path, backbone, loss):
    # with a reward acting too: its method's loss is finite, the backbone's is not
    with pytest.raises(TrainingDiverged) as info:
        train(host, tmp_path, backbone=backbone, reward="brightness", reward_weight=1.0)
    assert str(info.value).startswith(
        f"training diverged at step 1: backbone {backbone!r} (from rlgan-misbehaving 0.3) "
        f"returned a NaN or inf {loss} from finite images"
    )


def test_weights_made_nan_by_an_update_blame_the_generator_at_the_next_step(tmp_path):
    """Finite losses, a NaN update (a NaN gradient): the next step's samples are NaN, which
    names the generator and the update before, not a loss computed from them."""

    class NaNGradient(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, grad):
            return grad * math.nan

    class NaNGradientReward(Brightness):
        name = "test-nan-gradient"

        def score(self, images):
            return super().score(NaNGradient.apply(images))

    class Plugin:
        @hookimpl
        def register_rewards(self, register):
            register(NaNGradientReward)

    host = PluginHost().load()
    host.add_plugin(Plugin(), name="rlgan-nan-gradient")
    with pytest.raises(TrainingDiverged) as info:
        train(host, tmp_path, reward="test-nan-gradient", mode="backprop", reward_weight=1.0)
    assert str(info.value).startswith(
        "training diverged at step 2: the generator of backbone 'dcgan' (from rlgan-bench "
    )
    assert "went NaN or inf in the previous step's updates, whose losses were finite" in str(
        info.value
    )


# -- a name a broken plugin registered ---------------------------------------------------------
class Clashing:
    """Registers a new method and a reward under a built-in's name: the name clash breaks the
    whole plugin, so its method is missing too."""

    @hookimpl
    def register_methods(self, register):
        register(type("Dpo", (Backprop,), {"name": "test-dpo"}))

    @hookimpl
    def register_rewards(self, register):
        register(type("Jpeg", (Brightness,), {"name": "jpeg"}))


CLASH = (
    "unknown method 'test-dpo': plugin rlgan-clashing 0.4 registers it but is broken and "
    "skipped (registers reward 'jpeg', which rlgan-bench (built-in) already provides; rename "
    "it in the plugin"
)


@pytest.fixture
def clashing():
    """The plugin on the process's host, which the command line uses."""
    plugin = Clashing()
    get_host().add_plugin(plugin, name="rlgan-clashing", version="0.4")
    yield
    get_host().remove_plugin(plugin)
    assert not get_host().broken


def test_an_unknown_name_points_at_the_broken_plugin_that_registered_it(clashing):
    with pytest.raises(PluginError) as info:
        get_host().get("methods", "test-dpo")
    assert str(info.value).startswith(CLASH)
    with pytest.raises(PluginError, match="available methods: backprop"):  # unregistered
        get_host().get("methods", "test-nothing")


def test_train_names_the_broken_plugin(clashing, tmp_path):
    result = CliRunner().invoke(
        cli,
        ["train", "--reward", "brightness", "--method", "test-dpo", "--steps", "1"]
        + ["--out", str(tmp_path / "run")],
    )
    assert result.exit_code == 1
    assert f"Error: {CLASH}" in result.output and "Traceback" not in result.output


def test_run_names_the_broken_plugin(clashing, tmp_path):
    matrix = tmp_path / "m.toml"
    matrix.write_text(
        '[run]\nsteps = 1\n[matrix]\nbackbones = ["dcgan"]\nseeds = [0]\n'
        '[[matrix.rewards]]\nname = "brightness"\nmethods = { test-dpo = [1.0] }\n'
    )
    result = CliRunner().invoke(cli, ["run", str(matrix), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"matrix.rewards[0].methods.test-dpo: {CLASH}" in result.output
