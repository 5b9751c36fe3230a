import json

import pytest
import torch
from conftest import tiny_config

from rlgan_bench.builtins.rewards.jpeg import JPEGCompressibility, jpeg_kilobytes
from rlgan_bench.core.errors import ConfigError, PluginError
from rlgan_bench.core.reward import Reward
from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.host import PluginHost, get_host
from rlgan_bench.shared.policy import group_advantages, perturbation
from rlgan_bench.training.trainer import Trainer


def get_mode(name: str):
    """The registered method class, as the trainer looks it up."""
    return get_host().get("methods", name).obj


class Linear(Reward):
    """A black-box reward with a known gradient: R(x) = <w, x>."""

    name = "test-linear"
    differentiable = False
    weights = torch.randn(1, 1, 8, 8, generator=torch.Generator().manual_seed(0))

    def score(self, images):
        return (images * self.weights).flatten(1).sum(1).detach()


def reward_gradient(mode_name, **options):
    """The gradient of a mode's reward term with respect to the generator output."""
    mode = get_mode(mode_name)(Linear(), "test", **options)
    fake = torch.zeros(32, 1, 8, 8, requires_grad=True)
    for _ in range(3 if mode_name == "critic" else 1):  # the critic needs a few fits
        loss, _ = mode.reward_loss(None, torch.zeros(32, 2), fake, None)
    (grad,) = torch.autograd.grad(loss, fake)
    return -grad.sum(0).flatten()  # ascent direction, summed over the batch


@pytest.mark.parametrize(
    "mode_name,options",
    [
        ("reinforce", {"group": 16, "noise_scale": 1}),
        ("ppo", {"group": 16, "noise_scale": 1}),
        # the fit alone, without the warm-up (which samples a generator; none here)
        (
            "critic",
            {"group": 8, "noise_scale": 1, "fit_steps": 200, "fit_batch": 64, "warmup_steps": 0},
        ),
    ],
)
def test_black_box_modes_climb_the_true_gradient(mode_name, options):
    torch.manual_seed(0)
    estimate = reward_gradient(mode_name, **options)
    cosine = torch.nn.functional.cosine_similarity(estimate, Linear.weights.flatten(), dim=0)
    assert cosine > 0.6, cosine


def test_perturbations_are_antithetic_smooth_and_unit_variance():
    eps = perturbation(torch.zeros(3, 1, 32, 32), 0.1, noise_scale=4, group=4)
    assert eps.shape == (4, 3, 1, 32, 32)
    assert torch.allclose(eps[:2], -eps[2:])
    assert eps.flatten(2).std(dim=2).sub(1).abs().max() < 1e-4
    # smooth: neighbouring pixels are strongly correlated
    assert (eps[..., 1:] * eps[..., :-1]).mean() > 0.8


def test_group_advantages_are_centred_per_latent():
    rewards = torch.tensor([[1.0, 5.0], [3.0, 9.0]])
    advantages = group_advantages(rewards, None)
    assert torch.allclose(advantages.sum(0), torch.zeros(2), atol=1e-6)
    assert advantages[1, 1] > 0 > advantages[0, 1]


def test_jpeg_reward_prefers_compressible_images():
    blank = -torch.ones(2, 1, 32, 32)
    noise = torch.rand(2, 1, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    sizes = jpeg_kilobytes(torch.cat([blank, noise]))
    assert sizes[0] < 0.4 < 1.0 < sizes[2]
    reward = JPEGCompressibility()
    assert (reward(blank) > reward(noise)).all()


class LinearPlugin:
    @hookimpl
    def register_rewards(self, register):
        register(Linear)


def host():
    h = PluginHost().load()
    h.add_plugin(LinearPlugin(), name="test-plugin")
    return h


def test_black_box_reward_in_backprop_mode_is_refused(tmp_path):
    with pytest.raises(ConfigError) as info:
        Trainer(tiny_config(reward="jpeg", mode="backprop"), tmp_path / "r")
    assert "'jpeg'" in str(info.value) and "rlgan-bench" in str(info.value)
    assert "--method reinforce" in str(info.value)


@pytest.mark.parametrize("mode", ["reinforce", "ppo", "critic"])
def test_each_mode_trains_and_logs_the_reward(tmp_path, mode):
    config = tiny_config(reward="jpeg", mode=mode, reward_weight=0.1, steps=4, reward_anchor=0.1)
    Trainer(config, tmp_path / mode, quiet=True).run()
    lines = [json.loads(x) for x in (tmp_path / mode / "metrics.jsonl").open()]
    assert [r["step"] for r in lines] == [2, 4]  # log_every=2: never an empty check below
    assert all(-2 < r["reward_mean"] < 0 and "reward_std" in r and "anchor" in r for r in lines)


def test_ppo_runs_its_inner_epochs(tmp_path):
    calls = []
    mode = get_mode("ppo")(Linear(), "test", epochs=3, group=2)
    generator = torch.nn.Linear(4, 64)
    z = torch.randn(8, 4)

    def generate(latents):
        return generator(latents).view(-1, 1, 8, 8)

    mode.reward_loss(generator, z, generate(z), generate)
    mode.extra_updates(generate, 0.5, lambda loss: calls.append(loss.item()))
    assert len(calls) == 2


def test_mode_options_are_checked():
    with pytest.raises(ConfigError, match="no option sigmaa"):
        get_mode("reinforce")(Linear(), "test", sigmaa=0.1)
    with pytest.raises(PluginError, match="unknown method 'dpo'"):
        get_mode("dpo")


def test_reward_schedule_defaults_come_from_the_reward_but_never_the_tilt():
    from rlgan_bench.core.config import TrainConfig
    from rlgan_bench.training.trainer import RewardSchedule

    # a 0.1 reward's reward_tilt is ignored: only the run's own (reward-weighted's β) tilts
    defaults = {"reward_start": 0.5, "reward_warmup": 0.1, "reward_tilt": 2.0}
    resolved = RewardSchedule.resolve(TrainConfig(steps=1000), defaults)
    assert (resolved.start, resolved.warmup, resolved.tilt, resolved.anchor) == (500, 100, 0, 0)
    explicit = RewardSchedule.resolve(
        TrainConfig(steps=1000, reward_start=7, reward_tilt=3.0), defaults
    )
    assert (explicit.start, explicit.tilt) == (7, 3.0)


def test_only_the_tilts_own_method_tilts_the_critics_real_data(tmp_path):
    with pytest.raises(ConfigError, match="only the method reward-weighted does"):
        Trainer(tiny_config(reward="brightness", reward_tilt=1.0), tmp_path / "backprop")
    assert not (tmp_path / "backprop").exists()


def test_tilted_critic_batches_favour_high_reward_images(tmp_path):
    config = tiny_config(reward="brightness", mode="reward-weighted", reward_tilt=200.0, steps=2)
    trainer = Trainer(config, tmp_path / "r", quiet=True)
    trainer.run()
    record = json.loads((tmp_path / "r" / "config.json").read_text())
    effective = record["resolved"]["tilt_effective_images"]
    assert 1 <= effective < 1197 / 10  # a few bright digits dominate the critic's real batches
    untilted = Trainer(tiny_config(reward="brightness", reward_tilt=0.0, steps=2), tmp_path / "u")
    untilted.run()
    assert (
        "tilt_effective_images"
        not in json.loads((tmp_path / "u" / "config.json").read_text())["resolved"]
    )


def test_mode_option_of_the_wrong_type_is_a_config_error():
    with pytest.raises(ConfigError, match="group='abc' is not an int"):
        get_mode("reinforce")(Linear(), "test", group="abc")
