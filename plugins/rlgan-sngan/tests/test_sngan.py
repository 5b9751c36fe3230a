"""Tests of the SN-GAN backbone. Run ``pip install -e .`` first: the plugin tests load the
package the way rlgan-bench does, through its entry point."""

import json
from importlib import metadata

import pytest
import torch
from rlgan_bench import PluginHost, TrainConfig, Trainer
from rlgan_bench.api import ModelShape, hookimpl
from torch import nn
from torch.nn.utils import parametrize

from rlgan_sngan import SNGAN


@pytest.fixture
def host():
    try:
        metadata.distribution("rlgan-sngan")
    except metadata.PackageNotFoundError:
        pytest.fail(
            "rlgan-sngan is not installed; run `pip install -e .` in its folder first "
            "(or `pip install --no-deps --target DIR .` and put DIR on PYTHONPATH)"
        )
    return PluginHost().load()


def weight_layers(critic):
    return [m for m in critic.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def spectral_norms(critic):
    """Largest singular value of each layer's normalised weight, as a (out, in*k*k) matrix.
    In eval mode, reading ``weight`` runs no extra power iteration: this is what D computes."""
    critic.eval()
    with torch.no_grad():
        return [
            torch.linalg.matrix_norm(m.weight.flatten(1), ord=2).item()
            for m in weight_layers(critic)
        ]


@pytest.mark.parametrize("size,channels", [(32, 1), (32, 3), (64, 1), (64, 3)])
def test_shapes(size, channels):
    backbone = SNGAN(ModelShape(size, channels, latent_dim=16, width=8))
    generator, critic = backbone.build_generator(), backbone.build_critic()
    images = generator(backbone.sample_latent(5, "cpu"))
    assert images.shape == (5, channels, size, size)
    assert images.min() >= -1 and images.max() <= 1
    assert critic(images).shape == (5,)


def test_every_critic_layer_is_spectrally_normalised():
    torch.manual_seed(0)
    critic = SNGAN(ModelShape(width=8, latent_dim=8)).build_critic()
    layers = weight_layers(critic)
    assert len(layers) == 8  # 3 x (3x3, 4x4 stride 2) + 3x3 + dense, as in the paper
    assert all(parametrize.is_parametrized(m, "weight") for m in layers)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in critic.modules())
    for _ in range(20):  # each training-mode forward pass runs one power iteration
        critic(torch.zeros(2, 1, 32, 32))
    assert spectral_norms(critic) == pytest.approx([1.0] * 8, abs=0.05)


def test_hinge_loss():
    backbone = SNGAN(ModelShape(width=8, latent_dim=8))

    def constant(value):
        return lambda images: torch.full((images.shape[0],), value)

    images = torch.zeros(4, 1, 32, 32)
    # beyond the margins the critic loss is zero; at D = 0 each term is 1
    assert backbone.critic_loss(lambda x: x.sum((1, 2, 3)) + 2, images, images - 1e3) == 0
    assert backbone.critic_loss(constant(0.0), images, images) == 2
    assert backbone.generator_loss(constant(0.7), images) == pytest.approx(-0.7)


def test_paper_hyperparameters():
    backbone = SNGAN(ModelShape(width=8, latent_dim=8))
    opt_g, opt_d = backbone.optimizers(backbone.build_generator(), backbone.build_critic())
    for opt in (opt_g, opt_d):
        assert isinstance(opt, torch.optim.Adam)
        assert opt.defaults["lr"] == 2e-4 and opt.defaults["betas"] == (0.5, 0.999)
    assert backbone.critic_steps == 1


class CriticGrabber:
    """A plugin object that keeps the trained critic when the run ends (the public hook)."""

    critic = None

    @hookimpl
    def rlgan_run_end(self, run, summary):
        self.critic = run.critic


def test_trains_and_keeps_the_critic_normalised(host, tmp_path):
    component = host.get("backbones", "sngan")
    assert component.provider.name == "rlgan-sngan"
    assert component.provider.version == metadata.version("rlgan-sngan")
    grabber = CriticGrabber()
    host.add_plugin(grabber, name="test-grabber")
    config = TrainConfig(
        steps=4,
        batch_size=8,
        width=8,
        latent_dim=8,
        device="cpu",
        log_every=2,
        sample_every=2,
        checkpoint_every=2,
        backbone="sngan",
    )
    summary = Trainer(config, tmp_path / "run", host=host, quiet=True).run()
    assert summary["steps"] == 4
    logged = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").open()]
    assert all(0 <= row["d_loss"] < 10 for row in logged)  # hinge: non-negative
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    assert record["plugins"]["backbone"]["name"] == "rlgan-sngan"
    # Adam moved the weights; one power iteration per forward pass tracks sigma(W) with a
    # small lag early in training (unnormalised, these layers would be at 0.1-0.6)
    assert spectral_norms(grabber.critic) == pytest.approx([1.0] * 8, abs=0.1)
