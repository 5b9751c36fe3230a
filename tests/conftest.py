import subprocess
import sys
from pathlib import Path

import pytest

from rlgan_bench.config import TrainConfig
from rlgan_bench.plugins import PluginHost, reset_host

FIXTURES = Path(__file__).parent / "fixtures"


def tiny_config(**overrides) -> TrainConfig:
    """A training run that takes a second or two on a CPU."""
    values = dict(steps=6, batch_size=16, latent_dim=8, width=8, log_every=2, sample_every=3,
                  checkpoint_every=3, device="cpu", seed=0)
    values.update(overrides)
    return TrainConfig(**values)


def pip_install_target(project: Path, target: Path) -> None:
    """Install a plugin project (really, with its entry points) into ``target``."""
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--target", str(target), str(project)],
        check=True,
    )


@pytest.fixture(scope="session")
def installed_toy_plugin(tmp_path_factory):
    """The fixture plugin package installed with pip into its own folder on sys.path."""
    target = tmp_path_factory.mktemp("site")
    pip_install_target(FIXTURES / "toy_backbone_plugin", target)
    sys.path.insert(0, str(target))
    reset_host()
    yield target
    sys.path.remove(str(target))
    for name in [m for m in sys.modules if m.startswith("rlgan_toy_backbone")]:
        del sys.modules[name]
    reset_host()


@pytest.fixture
def host():
    return PluginHost().load()
