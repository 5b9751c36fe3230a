import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from rlgan_bench.core.config import TrainConfig
from rlgan_bench.evaluation import memo
from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.host import PluginHost, reset_host

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parents[1]


def load_script(name: str):
    """``scripts/<name>.py`` as a module (the scripts are not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The test models are tiny: one thread each avoids two processes oversubscribing 2 cores.
torch.set_num_threads(1)


def tiny_config(**overrides) -> TrainConfig:
    """A training run that takes a second or two on a CPU."""
    values = dict(
        steps=6,
        batch_size=16,
        latent_dim=8,
        width=8,
        log_every=2,
        sample_every=3,
        checkpoint_every=3,
        device="cpu",
        seed=0,
    )
    values.update(overrides)
    return TrainConfig(**values)


class StartingWeights:
    """A plugin that copies the models as each run's first training step finds them:
    ``weights`` the last run's, ``seen[out_dir]`` every run's (generator, critic, EMA)."""

    def __init__(self) -> None:
        self.weights: dict[str, dict[str, torch.Tensor]] = {}
        self.seen: dict[str, dict[str, dict[str, torch.Tensor]]] = {}

    @hookimpl
    def rlgan_run_start(self, run):
        self.weights = {
            name: {k: v.detach().clone() for k, v in model.state_dict().items()}
            for name, model in [
                ("generator", run.generator),
                ("critic", run.critic),
                ("ema_generator", run.ema_generator),
            ]
        }
        self.seen[str(run.out_dir)] = self.weights


def pip_install_target(project: Path, target: Path) -> None:
    """Install a plugin project (really, with its entry points) into ``target``. pip builds
    from a copy, so no build/ or egg-info folder lands in the source tree."""
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / project.name
        shutil.copytree(project, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "--no-deps",
                "--no-build-isolation",
                "--disable-pip-version-check",
                "--target",
                str(target),
                str(source),
            ],
            check=True,
        )


def run_pytest(paths: list[Path], site: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run pytest on ``paths`` in a fresh interpreter that also imports from ``site`` (a
    ``pip_install_target`` folder). ``cwd`` should be outside the projects under test, so the
    installed packages are tested, not their source folders. One torch thread: the models are
    tiny, and test processes that each start a thread per core stall each other."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *map(str, paths)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )


@contextlib.contextmanager
def plugin_on_path(project: Path, site: Path, package: str) -> Iterator[Path]:
    """``project`` pip-installed into ``site``, put first on sys.path with a fresh plugin host;
    afterwards the path, the imported ``package`` modules and the host are gone again."""
    pip_install_target(project, site)
    sys.path.insert(0, str(site))
    reset_host()
    try:
        yield site
    finally:
        sys.path.remove(str(site))
        for name in [m for m in sys.modules if m.split(".")[0] == package]:
            del sys.modules[name]
        reset_host()


@pytest.fixture(scope="session")
def installed_toy_plugin(tmp_path_factory):
    """The fixture plugin package installed with pip into its own folder on sys.path."""
    site = tmp_path_factory.mktemp("site")
    with plugin_on_path(FIXTURES / "toy_backbone_plugin", site, "rlgan_toy_backbone"):
        yield site


@pytest.fixture(autouse=True, scope="session")
def _private_feature_cache(tmp_path_factory):
    """torch-fidelity's real-feature cache of the test session in a folder of its own, not in
    the user's ~/.cache (builtins/metrics/real_cache.py)."""
    folder = tmp_path_factory.mktemp("feature-cache")
    previous = os.environ.get("RLGAN_BENCH_CACHE")
    os.environ["RLGAN_BENCH_CACHE"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("RLGAN_BENCH_CACHE", None)
    else:
        os.environ["RLGAN_BENCH_CACHE"] = previous


@pytest.fixture(autouse=True)
def _no_remembered_measurements():
    """Each test measures from scratch: a test may register another reward under a name."""
    memo.forget()


@pytest.fixture
def host():
    return PluginHost().load()
