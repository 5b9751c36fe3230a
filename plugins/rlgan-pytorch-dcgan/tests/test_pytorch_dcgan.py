"""Tests of the pytorch-dcgan backbone and its checkpoint converter, against checkpoints made by
pytorch/examples' own code (``pytorch_examples_dcgan.py``, copied from its dcgan/main.py).

Some tests load the plugin the way rlgan-bench does, through its entry point: install the
package first (``pip install -e .``, or ``pip install --no-deps --target DIR .`` with DIR on
PYTHONPATH).
"""

import json
import subprocess
import sys
from importlib import metadata

import pytest
import pytorch_examples_dcgan as theirs
import torch
import torch.nn.functional as F
from rlgan_bench import PluginHost, TrainConfig, Trainer
from rlgan_bench.api import ConfigError, ModelShape, hookimpl
from torch import nn

from rlgan_pytorch_dcgan import PytorchDCGAN
from rlgan_pytorch_dcgan.convert import main as convert_main

DIST = "rlgan-pytorch-dcgan"
# small, as main.py's --nz 8 --ngf 8 --ndf 8 would make them; nc=1 as for --dataset mnist
NZ, WIDTH = 8, 8


@pytest.fixture
def host():
    try:
        metadata.distribution(DIST)
    except metadata.PackageNotFoundError:
        pytest.fail(
            f"{DIST} is not installed; run `pip install -e .` in its folder first "
            f"(or `pip install --no-deps --target DIR .` and put DIR on PYTHONPATH)"
        )
    return PluginHost().load()


def trained_elsewhere(nc=1, seed=1):
    """netG, netD after one step of pytorch/examples' training: neither weights nor BatchNorm
    statistics are the initial ones any more."""
    torch.manual_seed(seed)
    netG, netD = theirs.networks(nz=NZ, ngf=WIDTH, ndf=WIDTH, nc=nc)
    theirs.train_step(netG, netD, torch.rand(8, nc, 64, 64) * 2 - 1, nz=NZ)
    return netG, netD


@pytest.fixture
def checkpoints(tmp_path):
    """main.py's two files for epoch 0, and its networks."""
    netG, netD = trained_elsewhere()
    netg_path, netd_path = theirs.save(netG, netD, tmp_path)
    return netG, netD, netg_path, netd_path


def assert_equal_state(a, b):
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name


@pytest.mark.parametrize("channels", [1, 3])
def test_the_networks_are_pytorch_examples_module_for_module(channels):
    netG, netD = trained_elsewhere(nc=channels)
    backbone = PytorchDCGAN(ModelShape(64, channels, latent_dim=NZ, width=WIDTH))
    generator, critic = backbone.build_generator(), backbone.build_critic()
    assert repr(generator.main) == repr(netG.main) and repr(critic.main) == repr(netD.main)
    generator.load_state_dict(netG.state_dict())  # strict: same names, same shapes
    critic.load_state_dict(netD.state_dict())
    for model in (generator, critic, netG, netD):
        model.eval()
    z = torch.randn(4, NZ)
    with torch.no_grad():
        images = generator(z)
        assert images.shape == (4, channels, 64, 64)
        assert torch.allclose(images, netG(z.view(4, NZ, 1, 1)), atol=1e-6)
        # the critic gives the logit; main.py's netD the sigmoid of it
        assert critic(images).shape == (4,)
        assert torch.allclose(torch.sigmoid(critic(images)), netD(images), atol=1e-6)


def test_the_losses_are_pytorch_examples_bce():
    netG, netD = trained_elsewhere()
    backbone = PytorchDCGAN(ModelShape(64, 1, latent_dim=NZ, width=WIDTH))
    critic = backbone.build_critic()
    critic.load_state_dict(netD.state_dict())
    real = torch.rand(6, 1, 64, 64) * 2 - 1
    with torch.no_grad():
        fake = netG(torch.randn(6, NZ, 1, 1))
        d_loss = F.binary_cross_entropy(netD(real), torch.ones(6)) + F.binary_cross_entropy(
            netD(fake), torch.zeros(6)
        )
        g_loss = F.binary_cross_entropy(netD(fake), torch.ones(6))
        assert backbone.critic_loss(critic, real, fake).item() == pytest.approx(d_loss.item())
        assert backbone.generator_loss(critic, fake).item() == pytest.approx(g_loss.item())
    opt_g, opt_d = backbone.optimizers(backbone.build_generator(), critic)
    for opt in (opt_g, opt_d):
        assert opt.defaults["lr"] == 2e-4 and opt.defaults["betas"] == (0.5, 0.999)


def test_only_64_pixels():
    with pytest.raises(ConfigError) as info:
        PytorchDCGAN(ModelShape(32, 1))
    message = str(info.value)
    assert "64x64 images only" in message and "--image-size 64" in message
    assert "\n" not in message


def test_convert_writes_what_init_from_reads(checkpoints, tmp_path, capsys):
    netG, netD, netg_path, netd_path = checkpoints
    out = tmp_path / "base.pt"
    assert convert_main([netg_path, netd_path, "-o", str(out)]) == 0
    flags = "--backbone pytorch-dcgan --image-size 64 --channels 1 --latent-dim 8 --width 8"
    assert capsys.readouterr().out.strip().endswith(flags)
    base = torch.load(out, weights_only=True)
    assert_equal_state(base["generator"], netG.state_dict())
    assert_equal_state(base["critic"], netD.state_dict())
    assert base["source"]["generator"] == netg_path


def test_convert_undoes_wrappers_and_adds_old_batch_counters(checkpoints, tmp_path):
    netG, netD, _, _ = checkpoints
    wrapped = nn.DataParallel(netG).state_dict()  # keys "module.main.0.weight", ...
    assert all(key.startswith("module.") for key in wrapped)
    torch.save(wrapped, tmp_path / "netG_dp.pth")
    old = {k: v for k, v in netD.state_dict().items() if not k.endswith("num_batches_tracked")}
    torch.save(old, tmp_path / "netD_old.pth")  # as PyTorch < 0.4.1 saved it
    out = tmp_path / "base.pt"
    assert (
        convert_main(
            [str(tmp_path / "netG_dp.pth"), str(tmp_path / "netD_old.pth")] + ["-o", str(out)]
        )
        == 0
    )
    base = torch.load(out, weights_only=True)
    assert_equal_state(base["generator"], netG.state_dict())
    assert base["critic"].keys() == netD.state_dict().keys()
    assert base["critic"]["main.3.num_batches_tracked"].item() == 0


def bad_inputs(tmp_path, netg_path, netd_path):
    """(NETG, NETD, extra arguments, the message's key words) that must be refused."""
    text = tmp_path / "notes.txt"
    text.write_text("not a checkpoint")
    other_width = theirs.save(*theirs.networks(nz=NZ, ngf=WIDTH, ndf=16, nc=1), tmp_path, 7)
    netG128 = theirs.networks(nz=NZ, ngf=WIDTH, ndf=WIDTH, nc=1)[0].state_dict()
    netG128["main.15.weight"] = torch.zeros(WIDTH, 1, 4, 4)  # one more layer, as a 128px fork
    torch.save(netG128, tmp_path / "netG128.pth")
    torch.save({"netG": netG128}, tmp_path / "wrapped.pth")
    exists = tmp_path / "exists.pt"
    exists.write_bytes(b"")
    return [
        (str(tmp_path / "missing.pth"), netd_path, [], "NETG '"),
        (str(text), netd_path, [], "cannot read NETG"),
        (str(tmp_path / "wrapped.pth"), netd_path, [], "not a plain state dict"),
        (netd_path, netg_path, [], "are the two swapped?"),
        (*other_width, [], "ngf=8 but netD has ndf=16"),
        (str(tmp_path / "netG128.pth"), netd_path, [], "NETG has 'main.15.weight'"),
        (netg_path, netd_path, ["-o", str(exists)], "exists; choose another -o"),
    ]


def test_convert_refuses_bad_input_with_one_line(checkpoints, tmp_path, capsys):
    _, _, netg_path, netd_path = checkpoints
    for netg, netd, extra, message in bad_inputs(tmp_path, netg_path, netd_path):
        out = tmp_path / "never.pt"
        assert convert_main([netg, netd, *(extra or ["-o", str(out)])]) == 1, message
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1 and err.startswith("error: "), err
        assert not out.exists()


class StartingWeights:
    """Copies of the models as the first training step will find them."""

    @hookimpl
    def rlgan_run_start(self, run):
        self.generator = {k: v.clone() for k, v in run.generator.state_dict().items()}
        self.critic = {k: v.clone() for k, v in run.critic.state_dict().items()}
        self.ema = {k: v.clone() for k, v in run.ema_generator.state_dict().items()}


def fine_tune(init_from, **overrides):
    values = dict(
        backbone="pytorch-dcgan",
        init_from=str(init_from),
        image_size=64,
        latent_dim=NZ,
        width=WIDTH,
        steps=2,
        batch_size=8,
        device="cpu",
        log_every=1,
        sample_every=2,
        checkpoint_every=2,
    )
    return TrainConfig(**{**values, **overrides})


def test_fine_tunes_from_a_converted_checkpoint(host, checkpoints, tmp_path):
    component = host.get("backbones", "pytorch-dcgan")
    assert component.provider.name == DIST
    assert component.provider.version == metadata.version(DIST)
    netG, netD, netg_path, netd_path = checkpoints
    base = tmp_path / "base.pt"
    assert convert_main([netg_path, netd_path, "-o", str(base)]) == 0
    seen = StartingWeights()
    host.add_plugin(seen, name="test-plugin")
    summary = Trainer(fine_tune(base), tmp_path / "run", host=host, quiet=True).run()
    assert summary["steps"] == 2
    assert_equal_state(seen.generator, netG.state_dict())
    assert_equal_state(seen.critic, netD.state_dict())
    assert_equal_state(seen.ema, netG.state_dict())
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    assert record["resolved"]["init_from"]["checkpoint"] == str(base)
    assert record["plugins"]["backbone"]["name"] == DIST


def test_a_base_of_another_shape_is_one_line(host, checkpoints, tmp_path):
    _, _, netg_path, netd_path = checkpoints
    base = tmp_path / "base.pt"
    assert convert_main([netg_path, netd_path, "-o", str(base)]) == 0
    with pytest.raises(ConfigError) as info:
        Trainer(fine_tune(base, latent_dim=16), tmp_path / "run", host=host, quiet=True)
    message = str(info.value)
    assert "main.0.weight' of shape (8, 64, 4, 4), where (16, 64, 4, 4) is needed" in message
    assert "\n" not in message and not (tmp_path / "run").exists()


def test_the_converter_runs_as_a_module(checkpoints, tmp_path):
    _, _, netg_path, netd_path = checkpoints
    command = [sys.executable, "-m", "rlgan_pytorch_dcgan.convert", netg_path, netd_path]
    done = subprocess.run([*command, "-o", str(tmp_path / "b.pt")], capture_output=True, text=True)
    assert done.returncode == 0 and "fine-tune with: rlgan-bench train" in done.stdout, done
    assert torch.load(tmp_path / "b.pt", weights_only=True).keys() >= {"generator", "critic"}


def test_a_usage_error_is_one_line(checkpoints, capsys):
    _, _, netg_path, netd_path = checkpoints
    with pytest.raises(SystemExit) as info:
        convert_main([netg_path, netd_path])  # no -o
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.count("\n") == 1 and "-o/--out" in err, err
