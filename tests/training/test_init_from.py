"""``init_from`` / ``--init-from``: a run that starts from a base's generator and critic, the
record of where it started, its identity, its bad inputs, and resuming it."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from click.testing import CliRunner
from conftest import StartingWeights, tiny_config

from rlgan_bench.cli import cli
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.host import PluginHost
from rlgan_bench.matrix.spec import build_matrix
from rlgan_bench.training.trainer import Trainer

FINE_TUNE = dict(steps=4, reward="brightness", reward_start=0, checkpoint_every=2)


def weights(path):
    return torch.load(path, weights_only=True)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A tiny dcgan run, the base of the fine-tuning runs."""
    out = tmp_path_factory.mktemp("bases") / "base"
    Trainer(tiny_config(steps=4, seed=3), out, quiet=True).run()
    return out


def host_with(plugin) -> PluginHost:
    host = PluginHost().load()
    host.add_plugin(plugin, name="test-plugin")
    return host


def assert_equal_state(a, b):
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name


@pytest.mark.parametrize("source", ["folder", "file"])
def test_a_fine_tuning_run_starts_from_exactly_the_base_weights(tmp_path, base, source):
    given = str(base if source == "folder" else base / "checkpoint.pt")
    seen = StartingWeights()
    out = tmp_path / "tuned"
    Trainer(tiny_config(**FINE_TUNE, init_from=given), out, host=host_with(seen)).run()
    base_state = weights(base / "checkpoint.pt")
    # the generator starts from the base's EMA generator, the one its base point is measured
    # with, and so does the run's own EMA
    assert_equal_state(seen.weights["generator"], base_state["ema_generator"])
    assert_equal_state(seen.weights["ema_generator"], base_state["ema_generator"])
    assert_equal_state(seen.weights["critic"], base_state["critic"])
    assert not torch.equal(
        base_state["ema_generator"]["main.0.weight"], base_state["generator"]["main.0.weight"]
    )
    # ... and the run trained from there
    tuned = weights(out / "checkpoint.pt")
    assert not torch.equal(
        tuned["generator"]["main.0.weight"], base_state["ema_generator"]["main.0.weight"]
    )

    record = json.loads((out / "config.json").read_text())
    started = record["resolved"]["init_from"]
    base_record = json.loads((base / "config.json").read_text())
    assert started["path"] == given and started["step"] == 4
    assert started["config_digest"] == base_record["config_digest"]
    assert started["checkpoint"] == str(base / "checkpoint.pt")
    assert started["generator_source"] == "ema"
    assert record["config"]["init_from"] == given


def test_a_checkpoint_without_an_ema_gives_its_generator(tmp_path, base):
    """A foreign checkpoint (generator and critic only) starts from its generator."""
    state = weights(base / "checkpoint.pt")
    plain = tmp_path / "plain.pt"
    torch.save({"generator": state["generator"], "critic": state["critic"]}, plain)
    seen = StartingWeights()
    Trainer(
        tiny_config(**FINE_TUNE, init_from=str(plain)), tmp_path / "t", host=host_with(seen)
    ).run()
    assert_equal_state(seen.weights["generator"], state["generator"])
    record = json.loads((tmp_path / "t" / "config.json").read_text())
    assert record["resolved"]["init_from"]["generator_source"] == "generator"


def test_a_strength_zero_fine_tune_lands_on_the_control(tmp_path, base):
    """The reward at weight 0 from the base is the base trained on without a reward (the
    control): their generators agree far within the seed-to-seed difference of controls."""
    common = dict(steps=6, init_from=str(base), checkpoint_every=6)
    runs = {
        "control": tiny_config(**common),
        "other seed": tiny_config(**common, seed=1),
        "lambda 0": tiny_config(
            **common,
            reward="classifier",
            reward_params={"target": 7},
            mode="backprop",
            reward_weight=0.0,
            reward_start=0,
            reward_tilt=0.0,
        ),
    }
    latents = torch.randn(64, 8, 1, 1, generator=torch.Generator().manual_seed(0))
    images = {}
    for name, config in runs.items():
        out = tmp_path / name.replace(" ", "_")
        Trainer(config, out, quiet=True).run()
        generator = weights(out / "checkpoint.pt")["ema_generator"]
        model = Trainer(config, tmp_path / "shape", quiet=True).backbone.build_generator()
        model.load_state_dict(generator)
        with torch.no_grad():
            images[name] = model.eval()(latents)
    noise = (images["control"] - images["other seed"]).abs().mean()
    assert noise > 0
    assert (images["lambda 0"] - images["control"]).abs().mean() < 0.05 * noise


def test_the_base_is_part_of_the_runs_identity(base):
    plain = tiny_config(**FINE_TUNE)
    tuned = tiny_config(**FINE_TUNE, init_from=str(base))
    other = tiny_config(**FINE_TUNE, init_from=str(base / "checkpoint.pt"))
    assert len({plain.digest(), tuned.digest(), other.digest()}) == 3
    # runs recorded before init_from existed keep their digests
    assert "init_from" not in plain.identity()
    with pytest.raises(ConfigError, match="init_from must be the path"):
        tiny_config(init_from="").validate()


def test_a_matrix_run_table_gives_every_cell_the_base(base):
    raw = {
        "run": {"steps": 4, "width": 8, "latent_dim": 8, "init_from": str(base)},
        "matrix": {"backbones": ["dcgan"], "seeds": [0, 1]},
    }
    cells = build_matrix(raw, PluginHost().load()).cells
    assert [cell.train.init_from for cell in cells] == [str(base)] * 2
    raw["run"].pop("init_from")
    plain = build_matrix(raw, PluginHost().load()).cells
    assert cells[0].digest() != plain[0].digest()


def test_init_from_composes_with_resume(tmp_path, base):
    config = tiny_config(**{**FINE_TUNE, "steps": 6}, init_from=str(base))
    Trainer(config, tmp_path / "straight", quiet=True).run()

    class Crash:
        @hookimpl
        def rlgan_after_generator_step(self, run, step, stats):
            if step == 5:
                raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError, match="simulated crash"):
        Trainer(config, tmp_path / "resumed", host=host_with(Crash()), quiet=True).run()
    assert weights(tmp_path / "resumed" / "checkpoint.pt")["step"] == 4
    Trainer(config, tmp_path / "resumed", quiet=True).run(resume=True)
    straight = weights(tmp_path / "straight" / "checkpoint.pt")
    resumed = weights(tmp_path / "resumed" / "checkpoint.pt")
    for part in ("generator", "critic", "ema_generator"):
        assert_equal_state(straight[part], resumed[part])

    # resuming from another base is another configuration
    other = tiny_config(**{**FINE_TUNE, "steps": 6}, init_from=str(base / "checkpoint.pt"))
    with pytest.raises(ConfigError, match="different configuration"):
        Trainer(other, tmp_path / "resumed", quiet=True).run(resume=True)


def test_a_base_that_changed_under_a_resumed_run_is_refused(tmp_path, base):
    source = tmp_path / "base.pt"
    shutil.copy(base / "checkpoint.pt", source)
    config = tiny_config(**{**FINE_TUNE, "steps": 6, "checkpoint_every": 3}, init_from=str(source))
    out = tmp_path / "tuned"

    class Crash:
        @hookimpl
        def rlgan_after_generator_step(self, run, step, stats):
            if step == 4:
                raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError, match="simulated crash"):
        Trainer(config, out, host=host_with(Crash()), quiet=True).run()
    Trainer(tiny_config(steps=2, seed=9), tmp_path / "other-base", quiet=True).run()
    shutil.copy(tmp_path / "other-base" / "checkpoint.pt", source)
    with pytest.raises(ConfigError, match="changed since"):
        Trainer(config, out, quiet=True).run(resume=True)


def bad_bases(tmp_path, base):
    """(init_from, the message's key words, overrides) for inputs that must be refused."""
    text = tmp_path / "notes.txt"
    text.write_text("not a checkpoint")
    generator_only = tmp_path / "generator_only.pt"
    torch.save({"generator": weights(base / "checkpoint.pt")["generator"]}, generator_only)
    return [
        (str(tmp_path / "missing"), "does not exist", {}),
        (str(tmp_path), "without checkpoint.pt", {}),
        (str(text), "cannot read", {}),
        (str(generator_only), "no critic weights", {}),
        # another backbone: wgan-gp's critic has no BatchNorm
        (
            str(base),
            "its critic lacks tensor 'main.2.bias' of shape (16,)",
            {"backbone": "wgan-gp"},
        ),
        # another shape: both shapes named
        (
            str(base),
            "its generator has tensor 'main.0.weight' of shape (8, 32, 4, 4), where "
            "(16, 32, 4, 4) is needed",
            {"latent_dim": 16},
        ),
    ]


def test_bad_bases_are_one_line_errors_before_anything_is_written(tmp_path, base):
    for given, message, overrides in bad_bases(tmp_path, base):
        out = tmp_path / "never"
        with pytest.raises(ConfigError) as info:
            Trainer(tiny_config(**overrides, init_from=given), out, quiet=True)
        assert message in str(info.value) and "\n" not in str(info.value), str(info.value)
        assert not out.exists()


@pytest.mark.parametrize("case", ["missing", "another backbone"])
def test_cli_refuses_a_bad_base_with_one_line_and_exit_code_1(tmp_path, base, case):
    given = str(tmp_path / "missing") if case == "missing" else str(base)
    backbone = "wgan-gp" if case == "another backbone" else "dcgan"
    out = tmp_path / "run"
    flags = ["--steps", "2", "--batch-size", "8", "--width", "8", "--latent-dim", "8"]
    result = CliRunner().invoke(
        cli,
        ["train", *flags, "--device", "cpu", "--backbone", backbone, "--init-from", given]
        + ["--out", str(out), "--quiet"],
    )
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # no traceback
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: init_from"), result.output
    assert not out.exists()


def test_cli_fine_tunes_from_a_run_folder(tmp_path, base):
    out = tmp_path / "run"
    flags = ["--steps", "2", "--batch-size", "8", "--width", "8", "--latent-dim", "8"]
    result = CliRunner().invoke(
        cli, ["train", *flags, "--device", "cpu", "--init-from", str(base), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    record = json.loads((out / "config.json").read_text())
    assert record["resolved"]["init_from"]["path"] == str(base)
    assert TrainConfig.from_dict(record["config"]).init_from == str(base)
