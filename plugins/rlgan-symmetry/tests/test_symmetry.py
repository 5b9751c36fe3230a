"""Tests of the symmetry and sharpness rewards. Run ``pip install -e .`` first: the plugin
tests load the package the way rlgan-bench does, through its entry point."""

import json
from importlib import metadata

import pytest
import torch
from rlgan_bench import PluginHost, TrainConfig, Trainer
from rlgan_bench.api import ConfigError

from rlgan_symmetry import Sharpness, Symmetry


@pytest.fixture
def host():
    try:
        metadata.distribution("rlgan-symmetry")
    except metadata.PackageNotFoundError:
        pytest.fail(
            "rlgan-symmetry is not installed; run `pip install -e .` in its folder first "
            "(or `pip install --no-deps --target DIR .` and put DIR on PYTHONPATH)"
        )
    return PluginHost().load()


def asymmetric_batch(n=4, channels=1, size=32):
    """Noise plus a left-right and a top-bottom gradient, so no mirror maps one onto itself."""
    generator = torch.Generator().manual_seed(0)
    ramp = torch.linspace(-0.3, 0.3, size)
    noise = 1.4 * torch.rand(n, channels, size, size, generator=generator) - 0.7
    return (noise + ramp.view(1, -1) + ramp.view(-1, 1)).clamp(-1, 1)


def symmetrise(images, dim):
    return (images + images.flip(dim)) / 2


@pytest.mark.parametrize("metric", ["correlation", "l1"])
@pytest.mark.parametrize("axis,dim", [("vertical", -1), ("horizontal", -2)])
def test_symmetric_images_score_higher(metric, axis, dim):
    reward = Symmetry(axis=axis, metric=metric)
    images = asymmetric_batch(channels=3)
    symmetric = symmetrise(images, dim)
    scores, best = reward(images), reward(symmetric)
    assert scores.shape == best.shape == (4,)
    assert torch.allclose(best, torch.ones(4), atol=0.02)  # nearly 1 (eps damps the ratio)
    assert (best > scores + 0.05).all()


def test_axis_both_needs_both_mirrors():
    images = symmetrise(asymmetric_batch(), -1)  # left-right symmetric only
    assert Symmetry(axis="vertical")(images).min() > Symmetry(axis="both")(images).max()


def test_a_blank_image_does_not_win_the_correlation_metric():
    blank = torch.full((1, 1, 32, 32), -1.0)
    symmetric = symmetrise(asymmetric_batch(n=1), -1)
    reward = Symmetry()
    assert reward(blank).item() == 0.0
    assert reward(symmetric).item() > 0.9
    # whereas the l1 metric rates a blank image perfect: the reason it is not the default
    assert Symmetry(metric="l1")(blank).item() == 1.0


@pytest.mark.parametrize("reward", [Symmetry(), Symmetry(metric="l1"), Sharpness()])
def test_gradients_reach_the_images(reward):
    images = asymmetric_batch().requires_grad_(True)
    reward(images).sum().backward()
    assert images.grad is not None and torch.isfinite(images.grad).all()
    assert images.grad.abs().sum() > 0


def test_sharp_images_score_higher_than_blurred_ones():
    images = asymmetric_batch()
    blurred = torch.nn.functional.avg_pool2d(images, 5, stride=1, padding=2)
    for log_scale in (True, False):
        reward = Sharpness(log_scale=log_scale)
        assert (reward(images) > reward(blurred)).all()
    assert torch.isfinite(Sharpness()(torch.zeros(2, 1, 32, 32))).all()  # flat: log(1e-4)


@pytest.mark.parametrize(
    "params", [{"axis": "diagonal"}, {"metric": "ssim"}, {"eps": 0.0}, {"center": 1}]
)
def test_bad_parameters_are_one_line_config_errors(params):
    with pytest.raises(ConfigError) as info:
        Symmetry(**params)
    assert "symmetry" in str(info.value) and "\n" not in str(info.value)


def test_registered_through_the_entry_point(host):
    for name in ("symmetry", "sharpness"):
        component = host.get("rewards", name)
        assert component.provider.name == "rlgan-symmetry"
        assert component.provider.version == metadata.version("rlgan-symmetry")
        assert not component.provider.builtin


@pytest.mark.parametrize("reward", ["symmetry", "sharpness"])
def test_trains_briefly_with_the_reward(host, tmp_path, reward):
    config = TrainConfig(
        steps=4,
        batch_size=8,
        width=8,
        latent_dim=8,
        device="cpu",
        log_every=2,
        sample_every=2,
        checkpoint_every=2,
        reward=reward,
        reward_weight=0.5,
    )
    summary = Trainer(config, tmp_path / "run", host=host, quiet=True).run()
    assert summary["steps"] == 4
    logged = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").open()]
    assert [row["step"] for row in logged] == [2, 4]
    assert all(row["reward_weight"] == 0.5 and "reward_mean" in row for row in logged)
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    assert record["plugins"]["reward"]["name"] == "rlgan-symmetry"
