"""The example plugins in plugins/ install with pip, load through their entry points, train,
pass `rlgan-bench plugins check` and their own test suites."""

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from conftest import pip_install_target, run_pytest
from packaging.specifiers import SpecifierSet

from rlgan_bench.cli import cli
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.hookspecs import HOOKS_API_VERSION
from rlgan_bench.host import PluginHost, reset_host
from rlgan_bench.training.trainer import Trainer

# installs packages with pip and runs their test suites
pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).parents[1] / "plugins"
#: distribution -> (module, what it registers)
PROJECTS = {
    "rlgan-symmetry": ("rlgan_symmetry", {"rewards": ["sharpness", "symmetry"]}),
    "rlgan-sngan": ("rlgan_sngan", {"backbones": ["sngan"]}),
    "rlgan-pytorch-dcgan": ("rlgan_pytorch_dcgan", {"backbones": ["pytorch-dcgan"]}),
    "rlgan-self-raft": ("rlgan_self_raft", {"methods": ["self-raft"]}),
}


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    """The examples pip-installed into one folder on sys.path. pip builds in the source tree,
    so each project is copied first: plugins/ stays clean and parallel runs do not collide."""
    root = tmp_path_factory.mktemp("examples")
    site = root / "site"
    for dist in PROJECTS:
        junk = shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".pytest_cache")
        pip_install_target(shutil.copytree(EXAMPLES / dist, root / dist, ignore=junk), site)
    sys.path.insert(0, str(site))
    reset_host()
    yield root
    sys.path.remove(str(site))
    for name in [m for m in sys.modules if m.split(".")[0] in {p[0] for p in PROJECTS.values()}]:
        del sys.modules[name]
    reset_host()


@pytest.fixture
def one_thread():
    """Tiny models: one torch thread is as fast, and far faster beside other busy processes."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def declared_version(dist: str) -> str:
    text = (EXAMPLES / dist / "pyproject.toml").read_text()
    match = re.search(r'^version = "([^"]+)"', text, re.MULTILINE)
    assert match, f"no version in {dist}/pyproject.toml"
    return match.group(1)


def test_examples_load_through_their_entry_points(examples):
    host = PluginHost().load()
    for dist, (module, registered) in PROJECTS.items():
        provider = next(p for p in host.all_providers() if p.name == dist)
        assert provider.error is None and not provider.builtin
        assert provider.version == declared_version(dist)
        for kind, names in registered.items():
            assert sorted(provider.components[kind]) == names
            assert all(host.get(kind, name).provider is provider for name in names)
        assert HOOKS_API_VERSION in SpecifierSet(sys.modules[module].RLGAN_BENCH_API)
    assert not host.broken


def test_trains_with_both_examples(examples, tmp_path, one_thread):
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
        reward="symmetry",
        reward_weight=0.5,
    )
    summary = Trainer(config, tmp_path / "run", host=PluginHost().load(), quiet=True).run()
    assert summary["steps"] == 4
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    assert record["plugins"]["backbone"]["name"] == "rlgan-sngan"
    assert record["plugins"]["reward"]["name"] == "rlgan-symmetry"
    logged = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").open()]
    assert [row["step"] for row in logged] == [2, 4]
    assert all(-1 <= row["reward_mean"] <= 1 for row in logged)  # a correlation


def test_the_example_method_trains_the_example_backbone_on_the_example_reward(
    examples, tmp_path, one_thread
):
    """self-raft acts on the critic's real batches with samples of sngan, drawn with sngan's
    own latent sampler, scored by symmetry: three plugins of three kinds in one run."""
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
        reward="symmetry",
        reward_start=0,
        mode="self-raft",
        mode_params={"mix": 0.5, "every": 2, "draw": 16},
    )
    Trainer(config, tmp_path / "run", host=PluginHost().load(), quiet=True).run()
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    assert record["plugins"]["method"]["name"] == "rlgan-self-raft"
    assert record["resolved"]["strength"] == {"name": "mix", "value": 0.5, "sets": "option"}
    logged = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").open()]
    assert [row["self_raft_mixed"] for row in logged] == [0.5, 0.5]  # 4 of each 8 real images


def test_examples_pass_plugins_check(examples, one_thread):
    """The conformance kit's checks of each example, as their authors would run them before
    publishing: one ok line per component, nothing broken."""
    for dist, (_, registered) in PROJECTS.items():
        result = CliRunner().invoke(cli, ["plugins", "check", dist])
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert len(lines) == sum(len(names) for names in registered.values()), result.output
        assert all(line.startswith("ok    ") and f"({dist} " in line for line in lines)


def test_examples_pass_their_own_tests(examples):
    site = examples / "site"
    result = run_pytest([examples / dist / "tests" for dist in PROJECTS], site, cwd=examples)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
