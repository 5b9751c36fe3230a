"""The critic method's warm-up: the surrogate is fitted on the base's samples before it first
steers, once, without touching the generator, and its fit is logged."""

import json

import pytest
import torch
from conftest import tiny_config
from torch import nn

from rlgan_bench.builtins.methods.critic import Critic, correlation, shuffled_latents
from rlgan_bench.core.reward import Reward
from rlgan_bench.training.trainer import Trainer


class Linear(Reward):
    """A black-box reward R(x) = <w, x> on 8x8 images."""

    name = "test-linear"
    differentiable = False
    weights = torch.randn(1, 1, 8, 8, generator=torch.Generator().manual_seed(0))

    def score(self, images):
        return (images * self.weights).flatten(1).sum(1).detach()


def test_shuffled_latents_keep_each_coordinates_values_and_make_new_latents():
    z = torch.randn(32, 6)
    new = shuffled_latents(z)
    assert torch.equal(new.sort(dim=0).values, z.sort(dim=0).values)
    # rows are new mixtures: no row of the new batch is a row of the old one
    assert not (new.unsqueeze(1) == z.unsqueeze(0)).all(dim=2).any()


def test_correlation_is_pearsons():
    a, b = torch.randn(50), torch.randn(50)
    expected = torch.corrcoef(torch.stack([a, b]))[0, 1]
    assert correlation(a, b).item() == pytest.approx(expected.item(), abs=1e-5)
    assert correlation(a, torch.ones(50)).item() == 0


def test_the_warm_up_runs_once_and_leaves_the_generator_as_it_was():
    torch.manual_seed(0)
    generator = nn.Sequential(
        nn.Linear(4, 64), nn.BatchNorm1d(64), nn.Tanh(), nn.Unflatten(1, (1, 8, 8))
    )
    critic = Critic(Linear(), "test", warmup_steps=5)  # group 2: 3 images per latent
    z = torch.randn(8, 4)
    fake = generator(z)  # train mode: batch-norm statistics updated once, as in a real step
    before = {k: v.clone() for k, v in generator.state_dict().items()}
    loss, _ = critic.reward_loss(generator, z, fake, generator)
    after = generator.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    loss.backward()  # the step's own backward pass: nothing it needs was modified in place
    assert critic.count == 5 * 24 + 24  # five warm-up batches (the buffer not full), the step's
    assert set(critic.log_values()) == {"fit"} and critic.log_values() == {}
    critic.reward_loss(generator, z, generator(z), generator)
    assert critic.count == 5 * 24 + 2 * 24  # no second warm-up


def first_fit(out, warmup_steps):
    """``critic_fit`` logged at the first step of a tiny run with the jpeg reward from step 1:
    the surrogate's correlation with the reward on samples it has not been fitted on."""
    config = tiny_config(
        reward="jpeg", mode="critic", reward_weight=0.1, reward_start=0, steps=1, log_every=1,
        mode_params={"warmup_steps": warmup_steps},
    )  # fmt: skip
    Trainer(config, out, quiet=True).run()
    (line,) = [json.loads(line) for line in (out / "metrics.jsonl").open()]
    return line["critic_fit"]


def test_after_the_warm_up_the_surrogate_knows_the_reward_on_fresh_samples(tmp_path):
    # measured (this CPU): 0.66 after 20 warm-up steps, -0.08 without (random weights)
    warm = first_fit(tmp_path / "warm", warmup_steps=20)
    cold = first_fit(tmp_path / "cold", warmup_steps=0)
    assert warm > 0.5
    assert abs(cold) < 0.3
