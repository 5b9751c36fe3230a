import json

import pytest
import torch
from conftest import tiny_config

from rlgan_bench.core.errors import ConfigError, PluginError
from rlgan_bench.core.reward import Reward
from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.host import PluginHost
from rlgan_bench.training.trainer import Trainer


class Brightness(Reward):
    """A differentiable test reward: mean pixel value."""

    name = "test-brightness"
    params = {"scale": 1.0}

    def score(self, images):
        return self.config["scale"] * images.mean(dim=(1, 2, 3))


class Recorder:
    def __init__(self, crash_at=None):
        self.events, self.crash_at = [], crash_at

    @hookimpl
    def register_rewards(self, register):
        register(Brightness)

    @hookimpl
    def rlgan_run_start(self, run):
        self.events.append(("start", run.step))

    @hookimpl
    def rlgan_after_generator_step(self, run, step, stats):
        self.events.append(("step", step, stats))
        if step == self.crash_at:
            raise RuntimeError("simulated crash")

    @hookimpl
    def rlgan_run_end(self, run, summary):
        self.events.append(("end", summary["steps"]))


def host_with(plugin):
    host = PluginHost().load()
    host.add_plugin(plugin, name="test-plugin")
    return host


def weights(run_dir):
    return torch.load(run_dir / "checkpoint.pt", weights_only=True)


def assert_same_state(a, b):
    for key in ("generator", "critic", "ema_generator"):
        for name in a[key]:
            assert torch.equal(a[key][name], b[key][name]), (key, name)


def test_run_writes_outputs(tmp_path):
    out = tmp_path / "run"
    Trainer(tiny_config(), out, quiet=True).run()
    config = json.loads((out / "config.json").read_text())
    assert config["config"]["steps"] == 6 and config["split"]["split"] == "train"
    assert config["versions"]["torch"] == torch.__version__
    lines = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in lines] == [2, 4, 6]
    assert all({"d_loss", "g_loss", "it_per_s"} <= set(r) for r in lines)
    assert (out / "samples" / "step_000003.png").exists() and (out / "samples.png").exists()
    state = weights(out)
    assert state["step"] == 6 and "ema_generator" in state and "opt_g" in state
    # the sample grid is drawn in eval mode: the EMA generator's BatchNorm statistics in the
    # checkpoint are the generator's, not moved by the grid's batch
    for name, value in state["generator"].items():
        if "running" in name:
            assert torch.equal(state["ema_generator"][name], value), name


def test_same_seed_same_weights_on_cpu(tmp_path):
    for name in ("a", "b"):
        Trainer(tiny_config(backbone="wgan-gp", steps=3), tmp_path / name, quiet=True).run()
    assert_same_state(weights(tmp_path / "a"), weights(tmp_path / "b"))
    Trainer(tiny_config(backbone="wgan-gp", steps=3, seed=1), tmp_path / "c", quiet=True).run()
    a, c = weights(tmp_path / "a"), weights(tmp_path / "c")
    assert not torch.equal(a["generator"]["main.0.weight"], c["generator"]["main.0.weight"])


@pytest.mark.parametrize("backbone", ["dcgan", "wgan"])
def test_resume_equals_uninterrupted(tmp_path, backbone):
    config = tiny_config(
        backbone=backbone, steps=12, checkpoint_every=4, reward="test-brightness", reward_weight=0.5
    )
    Trainer(config, tmp_path / "straight", host=host_with(Recorder()), quiet=True).run()
    crashing = Recorder(crash_at=10)
    with pytest.raises(RuntimeError, match="simulated crash"):
        Trainer(config, tmp_path / "resumed", host=host_with(crashing), quiet=True).run()
    assert weights(tmp_path / "resumed")["step"] == 8
    Trainer(config, tmp_path / "resumed", host=host_with(Recorder()), quiet=True).run(resume=True)
    assert_same_state(weights(tmp_path / "straight"), weights(tmp_path / "resumed"))
    steps = [json.loads(x)["step"] for x in (tmp_path / "resumed/metrics.jsonl").open()]
    assert steps == [2, 4, 6, 8, 10, 12]  # no duplicated lines from the crashed part


def test_hooks_see_the_run_and_logged_stats(tmp_path):
    recorder = Recorder()
    Trainer(
        tiny_config(reward="test-brightness", reward_weight=0.1),
        tmp_path / "r",
        host=host_with(recorder),
        quiet=True,
    ).run()
    kinds = [e[0] for e in recorder.events]
    assert kinds[0] == "start" and kinds[-1] == "end" and kinds.count("step") == 6
    logged = [e[2] for e in recorder.events if e[0] == "step" and e[2] is not None]
    assert len(logged) == 3 and all("reward_mean" in s for s in logged)


def test_reward_moves_the_generator(tmp_path):
    """lambda > 0 on brightness must make samples brighter than lambda = 0 (same seed)."""
    means = {}
    for lam in (0.0, 5.0):
        config = tiny_config(reward="test-brightness", reward_weight=lam, steps=20)
        Trainer(config, tmp_path / str(lam), host=host_with(Recorder()), quiet=True).run()
        lines = [json.loads(x) for x in (tmp_path / str(lam) / "metrics.jsonl").open()]
        means[lam] = lines[-1]["reward_mean"]
    assert means[5.0] > means[0.0] + 0.02  # 0.015 -> 0.042 measured


class BadShape(Brightness):
    name = "test-bad-shape"

    def score(self, images):
        return images.mean()


class NaNReward(Brightness):
    name = "test-nan"

    def score(self, images):
        return images.mean(dim=(1, 2, 3)) * float("nan")


class BadRewards:
    @hookimpl
    def register_rewards(self, register):
        register(BadShape)
        register(NaNReward)


@pytest.mark.parametrize("reward,message", [("test-bad-shape", "shape"), ("test-nan", "NaN")])
def test_misbehaving_reward_is_a_clear_error(tmp_path, reward, message):
    host = host_with(BadRewards())
    with pytest.raises(PluginError, match=message) as info:
        Trainer(tiny_config(reward=reward), tmp_path / "r", host=host, quiet=True).run()
    assert reward in str(info.value) and "test-plugin" in str(info.value)


def test_bad_config_is_rejected_before_training(tmp_path):
    with pytest.raises(ConfigError, match="steps must be a positive integer"):
        Trainer(tiny_config(steps=-1), tmp_path / "r")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        Trainer(tiny_config(), tmp_path / "file")
    Trainer(tiny_config(steps=1), tmp_path / "done", quiet=True).run()
    with pytest.raises(ConfigError, match="--resume"):
        Trainer(tiny_config(steps=1), tmp_path / "done", quiet=True).run()


def test_resume_refuses_a_different_config(tmp_path):
    Trainer(tiny_config(steps=3), tmp_path / "r", quiet=True).run()
    with pytest.raises(ConfigError, match="different configuration"):
        Trainer(tiny_config(steps=3, seed=5), tmp_path / "r", quiet=True).run(resume=True)
