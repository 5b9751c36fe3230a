import re

import pytest
import torch

from rlgan_bench.builtins.backbones.dcgan import DCGAN
from rlgan_bench.builtins.backbones.wgan import WGAN
from rlgan_bench.builtins.backbones.wgan_gp import WGANGP, gradient_penalty
from rlgan_bench.core.backbone import ModelShape


@pytest.mark.parametrize("backbone_cls", [DCGAN, WGAN, WGANGP])
@pytest.mark.parametrize("size,channels", [(32, 1), (32, 3), (64, 1), (64, 3)])
def test_shapes(backbone_cls, size, channels):
    shape = ModelShape(size, channels, latent_dim=16, width=8)
    backbone = backbone_cls(shape)
    generator, critic = backbone.build_generator(), backbone.build_critic()
    z = backbone.sample_latent(5, "cpu")
    images = generator(z)
    assert images.shape == (5, channels, size, size)
    assert images.min() >= -1 and images.max() <= 1  # tanh output
    assert critic(images).shape == (5,)


def test_paper_hyperparameters():
    shape = ModelShape(width=8, latent_dim=8)
    dcgan, wgan, wgan_gp = DCGAN(shape), WGAN(shape), WGANGP(shape)
    opt_g, _ = dcgan.optimizers(dcgan.build_generator(), dcgan.build_critic())
    assert isinstance(opt_g, torch.optim.Adam)
    assert opt_g.defaults["lr"] == 2e-4 and opt_g.defaults["betas"] == (0.5, 0.999)
    opt_g, _ = wgan.optimizers(wgan.build_generator(), wgan.build_critic())
    assert isinstance(opt_g, torch.optim.RMSprop) and opt_g.defaults["lr"] == 5e-5
    assert wgan.critic_steps == 5 and wgan.clip_value == 0.01
    opt_g, _ = wgan_gp.optimizers(wgan_gp.build_generator(), wgan_gp.build_critic())
    assert opt_g.defaults["lr"] == 1e-4 and opt_g.defaults["betas"] == (0.0, 0.9)
    assert wgan_gp.critic_steps == 5 and wgan_gp.penalty_weight == 10.0
    # no BatchNorm in the WGAN-GP critic: the penalty is per sample
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in wgan_gp.build_critic().modules())


def test_dcgan_init_is_normal_002():
    generator = DCGAN(ModelShape(width=32, latent_dim=32)).build_generator()
    conv = generator.main[0].weight
    assert abs(conv.mean().item()) < 0.005 and abs(conv.std().item() - 0.02) < 0.002


def test_weight_clipping():
    backbone = WGAN(ModelShape(width=8, latent_dim=8))
    critic = backbone.build_critic()
    with torch.no_grad():
        for p in critic.parameters():
            p.fill_(1.0)
    backbone.after_critic_step(critic)
    assert all(p.abs().max() <= 0.01 for p in critic.parameters())
    # WGAN-GP inherits WGAN's losses but not its clipping: the penalty replaces it
    penalised = WGANGP(ModelShape(width=8, latent_dim=8))
    critic = penalised.build_critic()
    with torch.no_grad():
        for p in critic.parameters():
            p.fill_(1.0)
    penalised.after_critic_step(critic)
    assert all(p.min() == 1.0 for p in critic.parameters())
    assert isinstance(penalised.optimizers(critic, critic)[0], torch.optim.Adam)


def test_gradient_penalty_is_zero_for_unit_gradient_critic():
    # D(x) = sum(x * w) with ||w|| = 1 has gradient norm exactly 1 everywhere
    w = torch.randn(1, 1, 4, 4)
    w /= w.norm()

    def critic(x):
        return (x * w).flatten(1).sum(1)

    real, fake = torch.randn(8, 1, 4, 4), torch.randn(8, 1, 4, 4)
    assert gradient_penalty(critic, real, fake).item() == pytest.approx(0.0, abs=1e-10)
    assert gradient_penalty(lambda x: 3 * critic(x), real, fake).item() == pytest.approx(4.0)


def test_a_run_sets_hyperparameters_the_class_keeps_the_papers():
    shape = ModelShape(width=8, latent_dim=8)
    backbone = WGANGP(shape)
    resolved = backbone.configure({"lr": "2e-4", "betas": "0.5,0.9", "critic_steps": 3})
    assert resolved == {"lr": 2e-4, "betas": (0.5, 0.9), "critic_steps": 3, "penalty_weight": 10.0}
    opt_g, opt_d = backbone.optimizers(backbone.build_generator(), backbone.build_critic())
    assert opt_d.defaults["lr"] == 2e-4 and opt_d.defaults["betas"] == (0.5, 0.9)
    assert backbone.critic_steps == 3
    assert WGANGP.lr == 1e-4 and WGANGP(shape).critic_steps == 5  # the paper's, untouched
    assert WGANGP(shape).configure({"betas": [0.0, 0.99]})["betas"] == (0.0, 0.99)  # TOML list


@pytest.mark.parametrize(
    "params,message",
    [
        (
            {"learning_rate": 1},
            "backbone 'wgan-gp' has no hyperparameter learning_rate; its "
            "hyperparameters: betas, critic_steps, lr, penalty_weight",
        ),
        ({"lr": "fast"}, "hyperparameter lr='fast' is not a float"),
        ({"betas": "0.5"}, "betas='0.5' is not 2 values"),
        ({"critic_steps": 2.5}, "critic_steps=2.5 is not an int"),
        ({"critic_steps": 0}, "needs critic_steps >= 1"),
        ({"lr": -1e-4}, "lr=-0.0001 must be a finite number >= 0"),
        ({"lr": float("inf")}, "lr=inf must be a finite number >= 0"),
        ({"betas": "1.5,0.9"}, "betas=(1.5, 0.9): each must be in [0, 1)"),
        ({"critic_steps": True}, "critic_steps=True is an int, not true/false"),
    ],
)
def test_bad_hyperparameters_are_one_line_errors(params, message):
    from rlgan_bench.core.errors import ConfigError

    with pytest.raises(ConfigError, match=re.escape(message)):
        WGANGP(ModelShape(width=8, latent_dim=8)).configure(params)
