"""Checkpoints from elsewhere (docs/importing-checkpoints.md): pytorch/examples' DCGAN saves
netG and netD as two plain state dicts; the example plugin plugins/rlgan-pytorch-dcgan joins
them into one base, and ``rlgan-bench train --backbone pytorch-dcgan --init-from`` starts from
exactly those weights."""

import importlib
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from conftest import StartingWeights, pip_install_target

from rlgan_bench.cli import cli
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.host import get_host, reset_host
from rlgan_bench.training.trainer import Trainer

# installs the example plugin with pip
pytestmark = pytest.mark.slow

PROJECT = Path(__file__).parents[1] / "plugins" / "rlgan-pytorch-dcgan"
NZ, WIDTH = 8, 8  # main.py --nz 8 --ngf 8 --ndf 8, and nc=1 as for --dataset mnist
FLAGS = ["--steps", "2", "--batch-size", "8", "--device", "cpu", "--quiet"]


def pytorch_examples():
    """The other codebase: pytorch/examples' dcgan/main.py classes, as the plugin's tests copy
    them (the file cites the commit)."""
    path = PROJECT / "tests" / "pytorch_examples_dcgan.py"
    spec = importlib.util.spec_from_file_location("pytorch_examples_dcgan", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    """The example plugin pip-installed into a folder on sys.path; its converter's main."""
    root = tmp_path_factory.mktemp("adapter")
    junk = shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".pytest_cache")
    pip_install_target(shutil.copytree(PROJECT, root / PROJECT.name, ignore=junk), root / "site")
    sys.path.insert(0, str(root / "site"))
    reset_host()
    yield importlib.import_module("rlgan_pytorch_dcgan.convert").main
    sys.path.remove(str(root / "site"))
    for name in [m for m in sys.modules if m.split(".")[0] == "rlgan_pytorch_dcgan"]:
        del sys.modules[name]
    reset_host()


@pytest.fixture(scope="module")
def imported(plugin, tmp_path_factory):
    """A checkpoint made by pytorch/examples' code (after one of its training steps), saved as
    main.py saves it and converted: (netG's and netD's state dicts, base.pt)."""
    theirs = pytorch_examples()
    folder = tmp_path_factory.mktemp("elsewhere")
    torch.manual_seed(1)
    netG, netD = theirs.networks(nz=NZ, ngf=WIDTH, ndf=WIDTH, nc=1)
    theirs.train_step(netG, netD, torch.rand(8, 1, 64, 64) * 2 - 1, nz=NZ)
    netg_path, netd_path = theirs.save(netG, netD, folder)
    base = folder / "base.pt"
    assert plugin([netg_path, netd_path, "-o", str(base)]) == 0
    return netG.state_dict(), netD.state_dict(), base


def assert_equal_state(a, b):
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name


def train(*args):
    return CliRunner().invoke(cli, ["train", *FLAGS, *args])


def test_a_run_starts_from_the_imported_weights(imported, tmp_path):
    generator, critic, base = imported
    seen = StartingWeights()
    host = get_host()  # the host the command will use
    host.add_plugin(seen, name="test-starting-weights")
    try:
        result = train(
            *["--backbone", "pytorch-dcgan", "--init-from", str(base), "--image-size", "64"],
            *["--latent-dim", str(NZ), "--width", str(WIDTH), "--out", str(tmp_path / "run")],
        )
    finally:
        host.remove_plugin(seen)
    assert result.exit_code == 0, result.output
    assert_equal_state(seen.weights["generator"], generator)
    assert_equal_state(seen.weights["critic"], critic)
    assert_equal_state(seen.weights["ema_generator"], generator)  # the EMA starts there too
    # ... and trained from there
    tuned = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)
    assert not torch.equal(tuned["generator"]["main.0.weight"], generator["main.0.weight"])


@pytest.mark.parametrize(
    "flags,message",
    [
        (  # another latent size than the checkpoint's --nz: both shapes named
            ["--image-size", "64", "--latent-dim", "16", "--width", str(WIDTH)],
            "Error: init_from {base!r}: its generator has tensor 'main.0.weight' of shape "
            "(8, 64, 4, 4), where (16, 64, 4, 4) is needed",
        ),
        (  # pytorch/examples' networks make 64x64 images only
            ["--image-size", "32", "--latent-dim", str(NZ), "--width", str(WIDTH)],
            "Error: backbone 'pytorch-dcgan' is pytorch/examples' DCGAN, which makes 64x64 "
            "images only (got image_size 32); pass --image-size 64",
        ),
    ],
    ids=["wrong shape", "32 px"],
)
def test_a_mismatched_base_is_one_line(imported, tmp_path, flags, message):
    _, _, base = imported
    out = tmp_path / "run"
    result = train(
        "--backbone", "pytorch-dcgan", "--init-from", str(base), *flags, "--out", str(out)
    )
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message.format(base=str(base))), lines
    assert not out.exists()


def test_the_builtin_dcgan_has_the_same_names_at_64_pixels(imported, tmp_path):
    """As docs/importing-checkpoints.md says: the converted file is also a base for the built-in
    dcgan at 64x64 (same layers, same state-dict names)."""
    generator, _, base = imported
    config = TrainConfig(
        backbone="dcgan", image_size=64, latent_dim=NZ, width=WIDTH, init_from=str(base)
    )
    trainer = Trainer(config, tmp_path / "run", quiet=True)  # checks the base; trains nothing
    assert trainer.base is not None
    assert_equal_state(trainer.base.weights["generator"], generator)
