"""The method contract (rlgan_bench.api.Method, docs/writing-a-method-plugin.md): what the
trainer gives a method and when it calls each hook, strengths of any name and what they set,
cell ids and curves of such strengths, and the old name RewardMode."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
import torch
from conftest import tiny_config
from torch import Tensor

import rlgan_bench.api as api
from rlgan_bench.api import ConfigError, Method, MethodContext, PluginError, hookimpl
from rlgan_bench.core.deprecations import RlganBenchDeprecationWarning
from rlgan_bench.host import PluginHost
from rlgan_bench.matrix.spec import build_matrix
from rlgan_bench.training.trainer import Trainer


class Recorder(Method):
    """Acts nowhere; records every call the trainer makes, and draws samples at each step."""

    name = "test-recorder"
    strength_name = "q"
    options = {"q": 0.25, "draws": 0}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[Any, ...]] = []

    def real_weights(self, images: Tensor, context: MethodContext) -> Tensor | None:
        self.calls.append(("real_weights", tuple(images.shape), images.dtype, context.step))
        return None

    def before_step(self, context: MethodContext) -> None:
        self.calls.append(("before_step", context.step, context.weight, context.strength))
        if self.config["draws"]:
            self.drawn = context.sample(self.config["draws"])

    def real_batch(self, images: Tensor, context: MethodContext) -> Tensor:
        self.calls.append(("real_batch", context.step, tuple(images.shape)))
        return images


class Plugin:
    def __init__(self, *methods: type[Method]) -> None:
        self.methods = methods

    @hookimpl
    def register_methods(self, register):
        for method in self.methods:
            register(method)


def host_with(*methods: type[Method]) -> PluginHost:
    host = PluginHost().load()
    host.add_plugin(Plugin(*methods), name="test-methods")
    return host


def trained(tmp_path, method: type[Method], name: str, **fields: Any) -> Trainer:
    trainer = Trainer(
        tiny_config(reward="brightness", mode=method.name, **fields),
        tmp_path / name,
        host=host_with(method),
        quiet=True,
    )
    trainer.run()
    return trainer


# -- when the trainer calls the hooks, with what --------------------------------------------
def test_the_hooks_are_called_from_reward_start_with_the_context(tmp_path):
    trainer = trained(tmp_path, Recorder, "r", steps=4, reward_start=3, mode_params={"q": 0.5})
    method = trainer.mode
    assert isinstance(method, Recorder)
    assert method.calls[0] == ("real_weights", (1197, 1, 32, 32), torch.uint8, 0)
    steps = [c[1] for c in method.calls if c[0] == "before_step"]
    assert steps == [3, 4]  # from reward_start on, once per step
    assert all(c[2:] == (0.0, 0.5) for c in method.calls if c[0] == "before_step")
    batches = [c for c in method.calls if c[0] == "real_batch"]
    assert batches == [("real_batch", 3, (16, 1, 32, 32)), ("real_batch", 4, (16, 1, 32, 32))]
    resolved = json.loads((tmp_path / "r" / "config.json").read_text())["resolved"]
    # q is the method's option, not lambda: the run records it as such and lambda is 0
    assert resolved["strength"] == {"name": "q", "value": 0.5, "sets": "option"}
    assert resolved["reward_weight"] == 0.0


def test_a_methods_draws_in_eval_mode_leave_the_training_as_it_was(tmp_path):
    """The draws neither update BatchNorm's running statistics nor take from the trainer's
    random streams: the models end bit for bit as without them."""
    plain = trained(tmp_path, Recorder, "plain", mode_params={"draws": 0})
    drawing = trained(tmp_path, Recorder, "drawing", mode_params={"draws": 32})
    assert isinstance(drawing.mode, Recorder) and drawing.mode.drawn.shape == (32, 1, 32, 32)
    assert not drawing.mode.drawn.requires_grad
    states = [torch.load(tmp_path / d / "checkpoint.pt") for d in ("plain", "drawing")]
    for part in ("generator", "critic", "ema_generator"):
        for key, value in states[0][part].items():  # running_mean and running_var included
            assert torch.equal(value, states[1][part][key]), (part, key)
    assert plain.mode is not None


class Weighted(Method):
    """All real batches from the first training image."""

    name = "test-weighted"
    strength_name = "w"
    options = {"w": 1.0, "scale": 1.0}

    def real_weights(self, images: Tensor, context: MethodContext) -> Tensor | None:
        weights = torch.zeros(images.shape[0])
        weights[0] = self.config["scale"]
        return weights


def test_real_weights_resample_the_critics_real_data_and_are_checked(tmp_path):
    trained(tmp_path, Weighted, "one")
    resolved = json.loads((tmp_path / "one" / "config.json").read_text())["resolved"]
    assert resolved["tilt_effective_images"] == 1.0
    with pytest.raises(PluginError) as caught:
        trained(tmp_path, Weighted, "unnormalised", mode_params={"scale": 2.0})
    message = str(caught.value)
    assert "'test-weighted'" in message and "summing to 2" in message and "\n" not in message


def test_a_lambda_for_a_method_without_a_loss_term_is_a_one_line_error(tmp_path):
    with pytest.raises(ConfigError, match="no reward term in the generator's loss"):
        Trainer(
            tiny_config(reward="brightness", mode=Recorder.name, reward_weight=0.5),
            tmp_path,
            host=host_with(Recorder),
        )


# -- strengths: names and what they set -----------------------------------------------------
def test_built_in_strengths_set_what_they_did():
    host = PluginHost().load()
    method = {name: c.obj for name, c in host.components("methods").items()}
    assert method["backprop"].strength_settings(0.3) == {
        "reward_weight": 0.3,
        "reward_tilt": 0.0,
        "reward_start": 0,
    }
    assert method["reward-weighted"].strength_settings(2.0) == {
        "reward_weight": 0.0,
        "reward_tilt": 2.0,
        "reward_start": 0,
    }
    assert method["best-of-n"].strength_settings(4.0) == {
        "reward_weight": 0.0,
        "reward_tilt": 0.0,
        "mode_params": {"n": 4},
    }


def test_a_custom_strength_is_the_methods_option_not_lambda():
    assert Recorder.strength_setting() == "option"
    assert Recorder.strength_settings(0.5) == {
        "reward_weight": 0.0,
        "reward_tilt": 0.0,
        "reward_start": 0,
        "mode_params": {"q": 0.5},
    }


def test_a_custom_strength_declared_as_lambda_is_lambda():
    class Weight(Method):
        name = "test-weight"
        strength_name = "weight"
        strength_sets = "reward_weight"

    assert Weight.strength_settings(0.5)["reward_weight"] == 0.5


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"strength_name": "q"}, "its strength 'q' is not one of its options"),
        ({"strength_name": "Q-1", "options": {"Q-1": 1.0}}, "must be lowercase letters"),
        ({"strength_name": "q", "strength_sets": "lambda"}, "strength_sets 'lambda' must be"),
        (
            {"strength_name": "q", "strength_sets": "reward_weight", "options": {"q": 1.0}},
            "an option has the same name",
        ),
    ],
)
def test_a_strength_that_cannot_work_fails_when_the_class_is_defined(attributes, message):
    with pytest.raises(PluginError, match=message):
        type("Broken", (Method,), {"name": "test-broken", **attributes})


def test_cell_ids_name_a_custom_strength_by_its_name_and_keep_the_built_ins(host):
    host.add_plugin(Plugin(Recorder), name="test-methods")
    methods = {"backprop": [0.3], "reward-weighted": [1.0], "best-of-n": [4], Recorder.name: [0.5]}
    raw = {
        "run": {"steps": 4},
        "matrix": {
            "backbones": ["dcgan"],
            "finetune_steps": 4,
            "rewards": [{"name": "brightness", "methods": methods}],
        },
    }
    cells = [c for c in build_matrix(raw, host).cells if c.protocol.role == "finetune"]
    assert [c.id for c in cells] == [
        "dcgan__brightness__backprop__lam0.3__seed0",
        "dcgan__brightness__reward-weighted__beta1__seed0",
        "dcgan__brightness__best-of-n__n4__seed0",
        "dcgan__brightness__test-recorder__q0.5__seed0",
    ]
    custom = cells[-1]
    assert (custom.train.reward_weight, custom.train.mode_params) == (0.0, {"q": 0.5})
    assert custom.protocol.strength_name == "q"


# -- the name -------------------------------------------------------------------------------
def test_reward_mode_is_the_method_class_under_its_old_name_with_a_warning():
    with pytest.warns(
        RlganBenchDeprecationWarning, match=r"use `from rlgan_bench.api import Method`"
    ):
        old = api.RewardMode
    assert old is Method
    assert "RewardMode" not in api.__all__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from rlgan_bench.api import Method as new  # noqa: F401  (the new name: no warning)
