"""The conformance kit (rlgan_bench.testing) and `rlgan-bench plugins check`: every built-in
passes; a component that breaks a property fails with one line naming it and the property,
through the kit and through the command line, from a real installed entry-point plugin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from conftest import FIXTURES, plugin_on_path
from torch import nn

from rlgan_bench.api import Audit
from rlgan_bench.builtins.backbones.dcgan import DCGAN
from rlgan_bench.builtins.methods.backprop import Backprop
from rlgan_bench.builtins.rewards.brightness import Brightness
from rlgan_bench.cli import cli
from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.host import PluginHost, get_host
from rlgan_bench.testing import (
    assert_conforms,
    check_audit,
    check_backbone,
    check_method,
    check_plugin,
    check_reward,
)
from rlgan_bench.testing.plugins import CHECKED_KINDS

ROOT = Path(__file__).parents[1]
HOST = PluginHost().load()
BUILTINS = [
    (kind, name)
    for kind in CHECKED_KINDS
    for name, component in sorted(HOST.components(kind).items())
    if component.provider.builtin
]
#: the critic's warm-up fits its surrogate 100 times on 2048 images before its first step (most
#: of the 3 minutes `rlgan-bench plugins check rlgan-bench` takes, where all 20 pass with their
#: defaults); the same code at a smaller warm-up keeps this test at seconds
OPTIONS = {("methods", "critic"): {"warmup_steps": 4, "buffer": 128, "fit_batch": 32}}


def check(kind: str, obj, options=None) -> list[str]:
    if kind == "rewards":
        return check_reward(obj)
    if kind == "backbones":
        return check_backbone(obj, host=HOST)
    if kind == "methods":
        return check_method(obj, options, host=HOST)
    return check_audit(obj, host=HOST)


@pytest.mark.parametrize("kind,name", BUILTINS, ids=[f"{k}:{n}" for k, n in BUILTINS])
def test_every_builtin_conforms(kind, name):
    component = HOST.get(kind, name).obj
    assert_conforms(check(kind, component, OPTIONS.get((kind, name))))


def test_the_builtins_are_all_checked():
    assert {"dcgan", "wgan", "wgan-gp"} <= {n for k, n in BUILTINS if k == "backbones"}
    assert len([n for k, n in BUILTINS if k == "methods"]) >= 6
    assert ("rewards", "diversity") in BUILTINS and ("audits", "jpeg-size") in BUILTINS


# -- components that break one property each -----------------------------------------------
class BatchNormalised(Brightness):
    """Scores relative to the batch's mean: a sample's score depends on its batch."""

    name = "test-batch-normalised"

    def score(self, images):
        scores = super().score(images)
        return scores - scores.mean()


class Detached(Brightness):
    name = "test-detached"

    def score(self, images):
        return super().score(images).detach()


class Uint8Range(DCGAN):
    """A generator that makes images in [0, 255], the range of image files, not [-1, 1]."""

    name = "test-uint8-range"

    def build_generator(self):
        return nn.Sequential(super().build_generator(), Pixels())

    def generator_loss(self, critic, fake):
        return super().generator_loss(critic, fake / 127.5 - 1)


class Pixels(nn.Module):
    def forward(self, images):
        return (images + 1) * 127.5


class Unsaved(nn.Module):
    """A generator whose output scale is a plain attribute, drawn when built: not in its
    state_dict, so a generator loaded from a checkpoint computes other images."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.scale = float(torch.rand(()) * 0.5 + 0.5)

    def forward(self, z):
        return self.inner(z) * self.scale


class ForgetsItsScale(DCGAN):
    name = "test-forgets-its-scale"

    def build_generator(self):
        return Unsaved(super().build_generator())


class ActsAtZero(Backprop):
    """Mirrors the critic's real images whatever its strength: at λ = 0 it still acts."""

    name = "test-acts-at-zero"

    def real_batch(self, images, context):
        return images.flip(-1)


class Counting(Backprop):
    """Weights its loss by the number of steps it has taken, and keeps the count outside its
    state_dict: a run resumed from a checkpoint counts from 0 again."""

    name = "test-counting"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = 0

    def reward_loss(self, generator, z, fake, generate):
        self.steps += 1
        loss, scores = super().reward_loss(generator, z, fake, generate)
        return loss * self.steps, scores


class Constant(Audit):
    name = "test-constant"
    reward = "brightness"

    def scores(self, images, reward_params, device):
        return torch.ones(images.shape[0])


BROKEN = [
    (
        "rewards",
        BatchNormalised,
        "reward 'test-batch-normalised': batch-invariant: a sample's score depends on the other "
        "samples of its batch",
    ),
    (
        "rewards",
        Detached,
        "reward 'test-detached': differentiable as declared: declares differentiable = True, "
        "but its scores carry no gradient to the images",
    ),
    (
        "backbones",
        Uint8Range,
        "backbone 'test-uint8-range': shapes at 32 px, 1 channel: the generator's images reach",
    ),
    (
        "backbones",
        ForgetsItsScale,
        "backbone 'test-forgets-its-scale': state_dict round trip: the generator loaded from "
        "its state_dict computes other values",
    ),
    (
        "methods",
        ActsAtZero,
        "method 'test-acts-at-zero': lambda 0 leaves the base unchanged: its generator's "
        "samples differ from training on without the method by up to",
    ),
    (
        "methods",
        Counting,
        "method 'test-counting': state_dict round trip: a run resumed from the checkpoint of "
        "step 2 ends up to",
    ),
    (
        "audits",
        Constant,
        "audit 'test-constant': spread > 0 on real data: its spread over 64 real digits is 0.0",
    ),
]


@pytest.mark.parametrize("kind,component,problem", BROKEN, ids=[c.name for _, c, _ in BROKEN])
def test_a_broken_property_is_one_line_naming_component_and_property(kind, component, problem):
    problems = check(kind, component)
    assert problems[0].startswith(problem), problems
    # the same shape at every size: one line per shape; otherwise the one line
    expected = 4 if component is Uint8Range else 1
    assert len(problems) == expected, problems
    assert all("\n" not in line and "Traceback" not in line for line in problems)
    with pytest.raises(AssertionError, match=f"{expected} conformance problem"):
        assert_conforms(problems)


# -- the command line --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def broken_rewards(tmp_path_factory):
    """tests/fixtures/broken_reward_plugin pip-installed, its entry point on sys.path."""
    site = tmp_path_factory.mktemp("site")
    with plugin_on_path(FIXTURES / "broken_reward_plugin", site, "rlgan_broken_rewards"):
        yield site


def test_plugins_check_fails_a_broken_plugin_with_one_line_per_broken_property(broken_rewards):
    result = CliRunner().invoke(cli, ["plugins", "check", "rlgan-broken-rewards"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2, result.output
    assert lines[0].startswith(
        "FAIL  reward 'coin-flip' (rlgan-broken-rewards 0.1.0): deterministic: two calls on "
        "the same 8 images differ by up to "
    )
    assert lines[1] == (
        "FAIL  reward 'two-scores' (rlgan-broken-rewards 0.1.0): one finite score per image: "
        "returned shape (8, 2) for 8 images; return one score per image, shape (8,)"
    )
    # the Python form of the same checks
    problems = check_plugin("rlgan-broken-rewards")
    assert len(problems) == 2 and problems[0].startswith("reward 'coin-flip': deterministic: ")
    assert problems[1] == lines[1][len("FAIL  ") :].replace(" (rlgan-broken-rewards 0.1.0)", "")
    # listing still works, and shows the plugin as loaded
    listing = CliRunner().invoke(cli, ["plugins"], env={"COLUMNS": "200"})
    assert listing.exit_code == 0 and "rlgan-broken-rewards" in listing.output


class Good:
    @hookimpl
    def register_rewards(self, register):
        register(type("Dim", (Brightness,), {"name": "test-dim"}))


class Clashing:
    @hookimpl
    def register_rewards(self, register):
        register(type("Jpeg", (Brightness,), {"name": "jpeg"}))


@pytest.fixture
def on_the_host():
    """Plugin objects added to the process's host (the command line's) for one test."""
    added = []

    def add(plugin, name):
        get_host().add_plugin(plugin, name=name, version="1.0")
        added.append(plugin)

    yield add
    for plugin in added:
        get_host().remove_plugin(plugin)


def test_plugins_check_passes_a_sound_plugin_with_one_ok_line(on_the_host):
    on_the_host(Good(), "rlgan-good")
    result = CliRunner().invoke(cli, ["plugins", "check", "rlgan-good"])
    assert result.exit_code == 0, result.output
    assert result.output == "ok    reward 'test-dim' (rlgan-good 1.0)\n"
    assert check_plugin("rlgan-good", host=get_host()) == []


def test_plugins_check_fails_a_plugin_that_did_not_load(on_the_host):
    on_the_host(Clashing(), "rlgan-clashing")
    result = CliRunner().invoke(cli, ["plugins", "check", "rlgan-clashing"])
    assert result.exit_code == 1
    assert result.output.startswith(
        "FAIL  plugin rlgan-clashing 1.0: loads: registers reward 'jpeg', which rlgan-bench "
        "(built-in) already provides"
    )
    assert len(result.output.splitlines()) == 1


def test_plugins_check_of_an_unknown_plugin_is_one_line():
    result = CliRunner().invoke(cli, ["plugins", "check", "rlgan-nothing"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: no plugin named 'rlgan-nothing' is installed")
    assert "Traceback" not in result.output


def test_the_guides_example_runs_and_conforms():
    """docs/testing-plugins.md's example, as a plugin's test file would hold it."""
    text = (ROOT / "docs" / "testing-plugins.md").read_text(encoding="utf-8")
    [example] = re.findall(r"```python\n(.*?)```", text, re.S)
    namespace: dict = {}
    exec(compile(example, "docs/testing-plugins.md", "exec"), namespace)
    namespace["test_darkness_keeps_the_reward_contract"]()
    assert check_reward(namespace["Darkness"]) == []
