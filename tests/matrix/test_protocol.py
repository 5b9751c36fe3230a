"""The base protocol of a matrix (docs/protocol.md): one base per backbone x seed, trained
once; each method at each strength fine-tuned from exactly its weights (best-of-n selecting
its samples); the settings each method may and may not touch; the bad inputs."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import ClassVar

import pytest
import torch
from conftest import StartingWeights
from torch import Tensor

from rlgan_bench.api import Reward
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.evaluation.evaluate import generate, load_run
from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.host import PluginHost, get_host, reset_host
from rlgan_bench.matrix.session import run_matrix_cells
from rlgan_bench.matrix.spec import build_matrix

RUN = {
    "steps": 8,
    "batch_size": 16,
    "latent_dim": 8,
    "width": 8,
    "log_every": 2,
    "sample_every": 4,
    "checkpoint_every": 4,
}
EVAL = {"samples": 40, "metrics": ["fid", "prc"], "batch_size": 20}


def matrix(rewards, **extra):
    return {
        "run": RUN,
        "eval": EVAL,
        "matrix": {
            "backbones": ["dcgan"],
            "seeds": [0],
            "finetune_steps": 12,
            **extra,
            "rewards": rewards,
        },
    }


BRIGHTNESS_SWEEP = [
    {"name": "brightness", "methods": {"backprop": [0.0, 3.0, 30.0], "best-of-n": [1, 1.5, 8]}}
]


def by_role(cells):
    return {
        (c.protocol.role, c.protocol.method, c.protocol.strength): c
        for c in cells
        if c.protocol is not None
    }


# --- the matrix a protocol expands to -------------------------------------------------------


def test_one_base_per_backbone_and_seed_and_every_method_point_starts_from_it(host):
    raw = matrix(
        [
            {"name": "none"},
            {
                "name": "classifier",
                "params": {"target": 7},
                "methods": {"backprop": [0.3, 1.0], "reward-weighted": [2.0], "best-of-n": [4]},
            },
        ],
        seeds=[0, 1],
        control=True,
    )
    cells = build_matrix(raw, host).cells
    bases = [c for c in cells if c.protocol.role == "base"]
    assert [c.id for c in bases] == ["dcgan__none__seed0", "dcgan__none__seed1"]
    assert all(c.train.reward is None and c.train.steps == 8 for c in bases)
    tuned = [c for c in cells if c.protocol.role == "finetune"]
    assert len(tuned) == 2 * 4 and len(cells) == 2 + 2 + 8  # bases, controls, points
    for cell in tuned + [c for c in cells if c.protocol.role == "control"]:
        base = next(b for b in bases if b.train.seed == cell.train.seed)
        assert cell.base == base.id and cell.protocol.base_digest == base.digest()
        assert cell.train.steps == 12
    points = by_role(c for c in cells if c.train.seed == 0)
    backprop = points[("finetune", "backprop", 1.0)].train
    # a gradient method: its lambda, from the first step, and no tilted critic
    assert (backprop.reward_weight, backprop.reward_tilt, backprop.reward_start) == (1.0, 0.0, 0)
    weighted = points[("finetune", "reward-weighted", 2.0)]
    assert (weighted.train.reward_weight, weighted.train.reward_tilt) == (0.0, 2.0)
    assert weighted.protocol.uses_real_data and weighted.protocol.strength_name == "beta"
    best = points[("finetune", "best-of-n", 4.0)]
    assert best.train.mode_params == {"n": 4} and not best.protocol.trains
    assert best.id == "dcgan__classifier__best-of-n__n4__859fdd73__seed0"
    assert points[("control", None, None)].id == "dcgan__none__continued__seed0"


def test_a_cell_from_another_base_is_another_cell(host):
    one = build_matrix(matrix(BRIGHTNESS_SWEEP), host).cells
    raw = matrix(BRIGHTNESS_SWEEP)
    raw["run"] = {**RUN, "steps": 9}  # another base
    other = build_matrix(raw, host).cells
    assert one[1].id == other[1].id and one[1].digest() != other[1].digest()


def test_anchors_are_their_own_knob_and_curve(host):
    raw = matrix([{"name": "brightness", "methods": {"backprop": [1.0]}, "anchors": [0.0, 0.5]}])
    tuned = [c for c in build_matrix(raw, host).cells if c.protocol.role == "finetune"]
    assert [(c.train.reward_anchor, c.protocol.anchor) for c in tuned] == [(0.0, 0.0), (0.5, 0.5)]
    assert tuned[1].id.endswith("__lam1__anchor0.5__seed0")


class SamplesOnly(Reward):
    """A reward that needs what only a generated sample has (here: nothing real)."""

    name = "samples-only"
    scores_real_data: ClassVar[bool] = False

    def score(self, images: Tensor) -> Tensor:
        return images.mean(dim=(1, 2, 3))


class SamplesOnlyPlugin:
    @hookimpl
    def register_rewards(self, register):
        register(SamplesOnly)


@pytest.mark.parametrize(
    ("rewards", "extra", "message"),
    [
        (
            [{"name": "jpeg", "methods": {"backprop": [1.0]}}],
            {},
            "matrix.rewards[0].methods.backprop: reward 'jpeg' is not differentiable (a black "
            "box), so not 'backprop'",
        ),
        (
            [{"name": "samples-only", "methods": {"reward-weighted": [1.0]}}],
            {},
            "reward 'samples-only' cannot score real images, which 'reward-weighted' resamples",
        ),
        ([{"name": "brightness", "methods": {"nosuch": [1.0]}}], {}, "unknown method 'nosuch'"),
        (
            [{"name": "brightness", "methods": {"best-of-n": [0.5, 2]}}],
            {},
            "matrix.rewards[0].methods.best-of-n: n must be >= 1, got [0.5, 2]",
        ),
        ([{"name": "brightness", "methods": {"backprop": [-1]}}], {}, "finite numbers >= 0"),
        (
            [{"name": "brightness", "methods": {"backprop": [1]}}],
            {"budget": {"fid": 3}},
            "matrix.budget.fid: unknown key",
        ),
        ([{"name": "brightness", "modes": ["best-of-n"]}], {}, "give it as methods"),
    ],
)
def test_a_method_that_does_not_apply_is_one_line_before_anything_trains(rewards, extra, message):
    host = PluginHost().load()
    host.add_plugin(SamplesOnlyPlugin(), name="samples-only-plugin")
    with pytest.raises(ConfigError) as caught:
        build_matrix(matrix(rewards, **extra), host)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_only_lambda_methods_train_from_scratch(host):
    """Without finetune_steps every cell trains from scratch with the reward term of weight λ:
    best-of-n (its strength N) and an anchor need the base protocol."""
    raw = matrix(copy.deepcopy(BRIGHTNESS_SWEEP))
    del raw["matrix"]["finetune_steps"]
    with pytest.raises(ConfigError, match="methods.best-of-n: 'best-of-n''s strength is n"):
        build_matrix(raw, host)
    raw["matrix"]["rewards"][0]["methods"] = {"backprop": [0.0, 3.0]}
    assert [c.id for c in build_matrix(raw, host).cells] == [
        "dcgan__brightness__backprop__lam0__seed0",
        "dcgan__brightness__backprop__lam3__seed0",
    ]
    raw["matrix"]["rewards"][0]["anchors"] = [0.1]
    with pytest.raises(ConfigError, match="anchors: needs \\[matrix\\] finetune_steps"):
        build_matrix(raw, host)


# --- a real tiny matrix ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A base, its control, backprop on brightness at three strengths and best-of-n at two,
    run once."""
    out = tmp_path_factory.mktemp("protocol") / "out"
    reset_host()
    starts = StartingWeights()
    get_host().add_plugin(starts, name="starting-weights")
    try:
        host = get_host()
        m = build_matrix(matrix(BRIGHTNESS_SWEEP, control=True), host)
        outcome = run_matrix_cells(m, out, host, device="cpu")
    finally:
        reset_host()
    assert not outcome.failed, outcome.failed
    return out, m, outcome, starts


def test_a_fine_tuning_cell_starts_from_exactly_the_base_weights(swept):
    out, m, _, starts = swept
    base_state = torch.load(out / "cells/dcgan__none__seed0/run/checkpoint.pt", weights_only=True)
    base_sha = hashlib.sha256((out / "cells/dcgan__none__seed0/run/checkpoint.pt").read_bytes())
    tuned = [c for c in m.cells if c.protocol.role == "finetune" and c.protocol.trains]
    assert len(tuned) == 3
    for cell in tuned:
        run_dir = out / "cells" / cell.id / "run"
        seen = starts.seen[str(run_dir)]
        # the generator starts from the base's EMA generator (the one its base point is
        # measured with), the critic from the base's critic
        for part, source in (("generator", "ema_generator"), ("critic", "critic")):
            assert seen[part].keys() == base_state[source].keys()
            for key, value in base_state[source].items():
                assert torch.equal(seen[part][key], value), (cell.id, part, key)
        started = json.loads((run_dir / "config.json").read_text())["resolved"]["init_from"]
        assert started["sha256"] == base_sha.hexdigest()
        assert started["step"] == 8


def test_the_base_is_trained_once_and_recorded_by_every_cell_of_it(swept):
    out, m, _, starts = swept
    base_runs = [path for path in starts.seen if path.endswith("dcgan__none__seed0/run")]
    assert len(base_runs) == 1
    for cell in m.cells[1:]:
        result = json.loads((out / "cells" / cell.id / "result.json").read_text())
        assert result["config"]["protocol"]["base"] == "dcgan__none__seed0"
        if cell.protocol.role == "control":
            continue
        audit = result["eval"]["reward_audit"]
        assert audit["baseline"]["cell"] == "dcgan__none__seed0"


def test_every_point_measures_its_gains_against_the_control_too(swept):
    """Continued training alone moves some rewards: each point's gauge also measures its
    gains against the control of its base, on the same latents, with the same spread."""
    out, m, _, _ = swept
    control = by_role(m.cells)[("control", None, None)]
    host = PluginHost().load()
    cpu = torch.device("cpu")
    samples = generate(load_run(out / "cells" / control.id / "run", host, cpu), 40, 20, 0, cpu)
    reward = host.get("rewards", "brightness").obj()
    reward.setup(cpu, 16, 1)
    control_reward = float(reward.score(samples.float().div(127.5).sub(1.0)).mean())
    moved_by_control = set()
    for cell in (c for c in m.cells if c.protocol.role == "finetune"):
        result = json.loads((out / "cells" / cell.id / "result.json").read_text())
        audit = result["eval"]["reward_audit"]
        against = audit["against_control"]
        assert against["cell"] == control.id
        claimed = against["claimed"]
        assert claimed["after"] == audit["claimed"]["after"]
        assert claimed["spread_real"] == audit["claimed"]["spread_real"]
        assert claimed["before"] == pytest.approx(control_reward, abs=1e-5)
        moved_by_control.add(round(audit["claimed"]["normalised"] - claimed["normalised"], 6))
    assert len(moved_by_control) == 1  # the control's own gain over the base, for every point
    # the frontier ranks on them and shows the control's gain over the base
    from rlgan_bench.analysis.frontier_report import build as build_frontier
    from rlgan_bench.analysis.results import load_results

    report = build_frontier(load_results(out))
    assert report is not None and report.frontiers[0].against_control
    frontier = report.frontiers[0]
    assert frontier.control.claimed.mean == pytest.approx(moved_by_control.pop(), abs=1e-5)
    for curve in frontier.curves:
        for point in curve.points:
            assert point.gain("claimed", True) is point.claimed_vs_control is not None


def _claimed(out, cell):
    result = json.loads((out / "cells" / cell.id / "result.json").read_text())
    return result["eval"]["reward_audit"]["claimed"]["gain"]


def test_backprop_on_brightness_moves_the_reward_more_at_a_larger_strength(swept):
    out, m, _, _ = swept
    sweep = sorted(
        (c for c in m.cells if c.protocol.method == "backprop"), key=lambda c: c.protocol.strength
    )
    gains = [_claimed(out, c) for c in sweep]
    assert gains[0] < gains[1] < gains[2], gains
    # the three runs share every random stream: the differences are the reward's doing
    assert gains[2] - gains[0] > 1e-3  # of the pixel range, in 12 steps of a tiny model


def test_best_of_n_selects_among_the_controls_samples_and_a_fractional_n_mixes(swept):
    """Selection starts where the training methods end without a reward (the control): N 1
    is the control itself; N 8 selects brighter samples; N 1.5 is each sample the best of 1
    or of 2 draws, at random, paying for the draws it makes."""
    out, m, _, _ = swept
    host = PluginHost().load()
    cpu = torch.device("cpu")
    points = by_role(m.cells)
    control = points[("control", None, None)]
    assert {points[("finetune", "best-of-n", n)].protocol.selects_from for n in (1, 1.5, 8)} == {
        control.id
    }
    reference = generate(load_run(out / "cells" / control.id / "run", host, cpu), 40, 20, 0, cpu)
    one = load_run(out / "cells" / points[("finetune", "best-of-n", 1.0)].id / "run", host, cpu)
    assert torch.equal(generate(one, 40, 20, 0, cpu), reference)
    one_audit = json.loads((one.run_dir.parent / "result.json").read_text())
    assert one_audit["eval"]["reward_audit"]["against_control"]["claimed"]["gain"] == 0.0
    # selection judged on the generators' float images (the tiny models' rewards differ by
    # less than uint8 rounding)
    reward = host.get("rewards", "brightness").obj()
    reward.setup(cpu, 16, 1)
    control_run = load_run(out / "cells" / control.id / "run", host, cpu)
    z = control_run.backbone.sample_latent(40, "cpu", torch.Generator().manual_seed(0))
    before = reward.score(control_run.generator(z))

    def selected(n: float) -> Tensor:
        cell = points[("finetune", "best-of-n", n)]
        return reward.score(load_run(out / "cells" / cell.id / "run", host, cpu).generator(z))

    eight = selected(8.0)
    assert bool((eight >= before).all()) and eight.mean() > before.mean()
    mixed = selected(1.5)
    assert bool((mixed >= before).all())
    assert 0 < int((mixed > before).sum()) < len(before)  # some had a second draw that won
    mixed_cell = points[("finetune", "best-of-n", 1.5)]
    assert mixed_cell.id == "dcgan__brightness__best-of-n__n1.5__seed0"
    result = json.loads((out / "cells" / mixed_cell.id / "result.json").read_text())
    sampling = result["eval"]["sampling"]
    assert sampling["samples"] < sampling["reward_calls"] < 2 * sampling["samples"]


def test_a_rerun_trains_nothing_and_a_lost_result_is_recomputed_without_training(swept, tmp_path):
    out, m, _, _ = swept
    host = PluginHost().load()
    again = run_matrix_cells(m, out, host, device="cpu")
    assert again.skipped == len(m.cells)
    # a process killed after a base trained but before its result was written: the next run
    # evaluates the base's run again (no training) and its cells stay done
    (out / "cells/dcgan__none__seed0/result.json").unlink()
    mtime = (out / "cells/dcgan__none__seed0/run/checkpoint.pt").stat().st_mtime_ns
    third = run_matrix_cells(m, out, host, device="cpu")
    assert third.skipped == len(m.cells) - 1 and not third.failed
    assert (out / "cells/dcgan__none__seed0/run/checkpoint.pt").stat().st_mtime_ns == mtime


def test_a_bad_init_from_in_a_matrix_is_one_line_before_anything_trains(swept, tmp_path):
    out, _, _, _ = swept
    host = PluginHost().load()
    raw = matrix(BRIGHTNESS_SWEEP)
    raw["matrix"]["backbones"] = [{"name": "dcgan", "init_from": str(tmp_path / "nothing")}]
    with pytest.raises(ConfigError) as missing:
        build_matrix(raw, host)
    assert "matrix.backbones[0].init_from:" in str(missing.value)
    assert "does not exist" in str(missing.value) and "\n" not in str(missing.value)
    # the base of the swept matrix has width 8; this matrix's networks have width 16
    raw = matrix(BRIGHTNESS_SWEEP)
    raw["run"] = {**RUN, "width": 16, "init_from": str(out / "cells/dcgan__none__seed0/run")}
    with pytest.raises(ConfigError) as shapes:
        build_matrix(raw, host)
    message = str(shapes.value)
    assert "run.init_from: its generator" in message and "width 16" in message
    assert not (tmp_path / "out").exists()
