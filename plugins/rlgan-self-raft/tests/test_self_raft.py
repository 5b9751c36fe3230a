"""Tests of the self-raft method. Run ``pip install -e .`` first: some tests load the plugin the
way rlgan-bench does, through its entry point."""

import json
from importlib import metadata

import pytest
import torch
from rlgan_bench import PluginHost, TrainConfig, Trainer, run_matrix
from rlgan_bench.api import ConfigError, MethodContext, Reward, hookimpl
from rlgan_bench.testing import assert_conforms, check_method

from rlgan_self_raft import SelfRaft

DIST = "rlgan-self-raft"


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


class Brightness(Reward):
    """The mean pixel value: which samples are best is plain to see."""

    name = "test-brightness"

    def score(self, images):
        return images.mean(dim=(1, 2, 3))


def context(samples, step=1, start=0):
    """A context whose ``sample(n)`` returns the first n of ``samples``, and the draws it was
    asked for."""
    asked = []

    def sample(n):
        asked.append(n)
        return samples[:n]

    def sample_latent(n):
        return torch.randn(n, 4, generator=rng)

    rng = torch.Generator().manual_seed(0)
    made = MethodContext(
        reward=Brightness(),
        strength=0.5,
        weight=0.0,
        step=step,
        steps=100,
        start=start,
        batch_size=8,
        device=torch.device("cpu"),
        rng=rng,
        sample_latent=sample_latent,
        sample=sample,
    )
    return made, asked


def levels(n):
    """n flat images of distinct brightness, -1 to 1."""
    return torch.linspace(-1, 1, n).view(n, 1, 1, 1).expand(n, 1, 8, 8).clone()


def test_it_keeps_the_top_q_of_its_draws_and_mixes_them_into_the_real_batch():
    method = SelfRaft(Brightness(), "test", mix=0.5, q=0.25, draw=8, every=3)
    ctx, asked = context(levels(8))
    method.before_step(ctx)
    assert asked == [8]
    kept = method.kept[: method.filled]
    assert sorted(kept.mean(dim=(1, 2, 3)).tolist()) == pytest.approx([5 / 7, 1.0])  # top 2
    real = torch.full((8, 1, 8, 8), -0.5)
    mixed = method.real_batch(real, ctx)
    assert mixed.shape == real.shape and torch.equal(real, torch.full((8, 1, 8, 8), -0.5))
    from_buffer = [i for i in range(8) if not torch.equal(mixed[i], real[i])]
    assert from_buffer == [0, 1, 2, 3]  # round(0.5 * 8) of them
    for image in mixed[:4]:
        assert any(torch.equal(image, k) for k in kept)
    assert method.log_values()["mixed"].item() == 0.5


def test_it_draws_again_every_k_steps():
    method = SelfRaft(Brightness(), "test", draw=4, every=3)
    draws = []
    for step in range(1, 8):
        ctx, asked = context(levels(4), step=step)
        method.before_step(ctx)
        draws += [step] * len(asked)
    assert draws == [1, 4, 7]


def test_no_mix_changes_nothing_and_draws_nothing():
    method = SelfRaft(Brightness(), "test", mix=0.0)
    ctx, asked = context(levels(8))
    method.before_step(ctx)
    real = torch.zeros(8, 1, 8, 8)
    assert method.real_batch(real, ctx) is real and asked == []


@pytest.mark.parametrize("options", [{"mix": 1.0}, {"q": 0.0}, {"every": 0}, {"nosuch": 1}])
def test_bad_options_are_config_errors(options):
    with pytest.raises(ConfigError):
        SelfRaft(Brightness(), "test", **options)


def test_its_strength_is_its_option_mix_not_lambda():
    assert SelfRaft.strength_setting() == "option"
    settings = SelfRaft.strength_settings(0.5)
    assert settings["reward_weight"] == 0.0 and settings["mode_params"] == {"mix": 0.5}


def test_the_method_keeps_its_contracts():
    # rlgan-bench's conformance kit: mix 0 leaves training as it is without the method, it
    # trains with finite values, and a resumed run ends where an uninterrupted one does (a
    # draw at every step, so that the buffer is in use within the kit's few steps)
    assert_conforms(check_method(SelfRaft, {"every": 1, "draw": 16}))


def test_registered_through_the_entry_point(host):
    component = host.get("methods", "self-raft")
    assert component.provider.name == DIST
    assert component.provider.version == metadata.version(DIST)


class CrashAt:
    """Stops training after the generator update of one step, as a kill would."""

    def __init__(self, step):
        self.step = step

    @hookimpl
    def rlgan_after_generator_step(self, run, step, stats):
        if step == self.step:
            raise RuntimeError("simulated crash")


def test_a_killed_and_resumed_run_ends_as_an_uninterrupted_one(host, tmp_path):
    """The buffer, its refresh step and the method's random stream are in the checkpoint."""

    def config():
        return TrainConfig(
            steps=6,
            batch_size=8,
            width=8,
            latent_dim=8,
            device="cpu",
            log_every=2,
            sample_every=100,
            checkpoint_every=2,
            reward="brightness",
            mode="self-raft",
            reward_start=0,
            mode_params={"mix": 0.5, "every": 2, "draw": 16},
        )

    Trainer(config(), tmp_path / "whole", host=host, quiet=True).run()
    crashing = PluginHost().load()
    crashing.add_plugin(CrashAt(5), name="test-crash")
    with pytest.raises(RuntimeError, match="simulated crash"):
        Trainer(config(), tmp_path / "resumed", host=crashing, quiet=True).run()
    Trainer(config(), tmp_path / "resumed", host=host, quiet=True).run(resume=True)
    assert json.loads((tmp_path / "resumed" / "summary.json").read_text())["resumed_from"] == 4
    whole, resumed = (torch.load(tmp_path / d / "checkpoint.pt") for d in ("whole", "resumed"))
    for key, value in whole["generator"].items():
        assert torch.equal(value, resumed["generator"][key]), key
    assert torch.equal(whole["mode"]["kept"], resumed["mode"]["kept"])
    assert whole["mode"]["refreshed_at"] == resumed["mode"]["refreshed_at"] == 5


# --- a small matrix: a base, and self-raft at two strengths fine-tuned from it -------------


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    out = tmp_path_factory.mktemp("matrix") / "out"
    matrix = {
        "run": {
            "steps": 8,
            "batch_size": 16,
            "latent_dim": 8,
            "width": 8,
            "log_every": 2,
            "sample_every": 100,
            "checkpoint_every": 100,
        },
        "eval": {"samples": 40, "metrics": ["fid"], "batch_size": 20},
        "matrix": {
            "backbones": ["dcgan"],
            "seeds": [0],
            "finetune_steps": 6,
            "rewards": [
                {
                    "name": "brightness",
                    "methods": {"self-raft": [0.25, 0.5]},
                    "method_params": {"every": 2, "draw": 32},
                }
            ],
        },
    }
    host = PluginHost().load()
    outcome = run_matrix(matrix, out=out, host=host, device="cpu")
    assert not outcome.failed, outcome.failed
    return out


def cells(out):
    """strength -> the folder of its cell: ids name the strength by its name, ``mix0.25``,
    and the other options (every, draw) by one hash, the same for both strengths."""
    found = sorted((out / "cells").glob("dcgan__brightness__self-raft__mix*__seed0"))
    names = [folder.name.split("__") for folder in found]
    assert [parts[3] for parts in names] == ["mix0.25", "mix0.5"]
    assert names[0][4] == names[1][4]  # one curve's options
    return dict(zip([0.25, 0.5], found, strict=True))


def test_cells_are_named_and_recorded_by_the_strength_mix(swept):
    for mix, folder in cells(swept).items():
        result = json.loads((folder / "result.json").read_text())
        protocol = result["config"]["protocol"]
        assert (protocol["method"], protocol["strength_name"], protocol["strength"]) == (
            "self-raft",
            "mix",
            mix,
        )
        resolved = json.loads((folder / "run" / "config.json").read_text())["resolved"]
        assert resolved["reward_weight"] == 0.0  # the strength is not applied as lambda
        assert resolved["strength"] == {"name": "mix", "value": mix, "sets": "option"}


def test_the_critic_saw_the_generators_best_samples_as_real(swept):
    for mix, folder in cells(swept).items():
        rows = [json.loads(line) for line in (folder / "run" / "metrics.jsonl").open()]
        assert all(row["self_raft_mixed"] == pytest.approx(round(mix * 16) / 16) for row in rows)
        refreshed = [row for row in rows if "self_raft_kept_reward" in row]
        assert refreshed and all(
            row["self_raft_kept_reward"] > row["self_raft_drawn_reward"] for row in refreshed
        )


def test_the_report_draws_its_strengths_as_one_curve(swept):
    report = json.loads((swept / "report.json").read_text())
    (frontier,) = report["frontier"]["frontiers"]
    (curve,) = frontier["curves"]
    assert curve["method"] == "self-raft" and curve["strength_name"] == "mix"
    assert [point["label"] for point in curve["points"]] == ["mix=0.25", "mix=0.5"]
