"""The reward-hacking gauge: audits registered through the hook, the flag both ways, audits
during training (audit.jsonl, best.pt, identical weights and resume), the reward_audit
section of eval.json and result.json with and without a baseline, and the report columns."""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from conftest import tiny_config

from rlgan_bench.analysis.hacking import EXACT_TEXT
from rlgan_bench.analysis.results import load_results
from rlgan_bench.cli import cli
from rlgan_bench.core.audit import Audit
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.evaluation.audit_lookup import applicable
from rlgan_bench.evaluation.gauge import THRESHOLDS, verdict_of
from rlgan_bench.evaluation.over_training import curve_summary
from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.host import PluginHost
from rlgan_bench.matrix.runner import run_cell
from rlgan_bench.matrix.spec import build_matrix
from rlgan_bench.report import render
from rlgan_bench.report.ranking import build
from rlgan_bench.training.trainer import Trainer

# --- registration ----------------------------------------------------------------------------


class DarkAudit(Audit):
    name = "brightness-by-median"
    reward = "brightness"
    description = "median pixel value (a test audit)"

    def scores(self, images, reward_params, device):
        return images.flatten(1).median(dim=1).values


class AuditPlugin:
    @hookimpl
    def register_audits(self, register):
        register(DarkAudit)


def test_builtin_audits_cover_the_builtin_rewards(host):
    audits = host.components("audits")
    by_reward = {}
    for component in audits.values():
        by_reward.setdefault(component.obj.reward, []).append(component.name)
        assert component.provider.builtin
    assert {"classifier", "clip", "jpeg", "diversity"} <= set(by_reward)
    assert host.get("audits", "jpeg-size").obj.exact
    usable, _ = applicable(host, "clip", {"prompt": "a handwritten seven"}, "digits")
    assert usable[0].name == "clip-digits-audit"  # the primary one: embedded, always there
    assert usable[0].target_class({"prompt": "a handwritten seven"}) == 7
    usable, skipped = applicable(host, "classifier", {"target": 7}, "cifar10")
    assert not usable and "digits" in skipped["classifier-eval-net"]


def test_a_plugin_audit_through_the_hook(host):
    host.add_plugin(AuditPlugin(), name="rlgan-dark-audit", version="1.2")
    component = host.get("audits", "brightness-by-median")
    assert component.provider.name == "rlgan-dark-audit"
    assert component.provider.components["audits"] == ["brightness-by-median"]
    usable, _ = applicable(host, "brightness", {}, "digits")
    assert [a.name for a in usable] == ["brightness-by-median"]
    images = torch.full((4, 1, 8, 8), 0.5)
    assert usable[0].measure(images, {}, torch.device("cpu")) == pytest.approx(0.5)


def test_plugins_command_lists_audits():
    result = CliRunner().invoke(cli, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    builtin = next(row for row in json.loads(result.output) if row["builtin"])
    assert "classifier-eval-net" in builtin["audits"]


# --- the flag ----------------------------------------------------------------------------------


def _per_sample(run_reward_shift: float, run_audit_shift: float) -> dict:
    rng = np.random.default_rng(0)
    real_r = rng.normal(size=600)
    real_a = 0.9 * real_r + 0.43 * rng.normal(size=600)
    base_r = rng.normal(size=400)
    base_a = 0.9 * base_r + 0.43 * rng.normal(size=400)
    return {
        "reward": {"real": real_r, "base": base_r, "run": base_r + run_reward_shift},
        "audit": {"real": real_a, "base": base_a, "run": base_a + run_audit_shift},
    }


def test_the_per_cell_verdict_is_the_frontiers_rule():
    """One definition of hacked: a cell against its lambda = 0 run is judged by
    rlgan_bench.analysis.hacking, the rule the frontier uses over seeds."""
    hacked, reasons = verdict_of(_per_sample(1.0, 0.0), exact=False)
    assert hacked is True and "deficit" in reasons[0]
    honest, _ = verdict_of(_per_sample(1.0, 0.9), exact=False)
    assert honest is False


def test_an_exact_audit_or_no_per_image_values_is_not_judged():
    assert verdict_of(_per_sample(1.0, 0.0), exact=True) == (None, [EXACT_TEXT])
    hacked, reasons = verdict_of(None, exact=False)
    assert hacked is None and "not judged" in reasons[0]
    # the per-cell thresholds of earlier versions are gone: only what a number still needs
    assert set(THRESHOLDS) == {"min_class_samples", "margin"}


def test_curve_summary_finds_where_reward_and_audit_part():
    lines = [
        {"step": 50, "reward": -5.0, "audit": 0.10, "candidate": False},
        {"step": 100, "reward": -3.0, "audit": 0.30, "candidate": True},
        {"step": 150, "reward": -1.0, "audit": 0.20, "candidate": True},
        {"step": 200, "reward": -0.1, "audit": 0.12, "candidate": True},
    ]
    summary = curve_summary(lines)
    assert summary["parts_at"] == 100 and summary["audit_change_after_peak"] < 0
    rising = [dict(r, audit=0.1 * i) for i, r in enumerate(lines)]
    assert curve_summary(rising)["parts_at"] is None
    # an audit that never moves while the reward climbs: they part where the reward starts
    flat = [dict(r, audit=0.0) for r in lines]
    assert curve_summary(flat)["parts_at"] == 100
    # noise on a plateau is not a parting
    plateau = [
        dict(r, reward=-0.1 - 0.01 * (i % 2), audit=0.9 + 0.01 * (i == 1))
        for i, r in enumerate(lines)
    ]
    plateau[0]["reward"] = -5.0
    assert curve_summary(plateau)["parts_at"] is None
    # a reward saturated early that holds while the audit collapses: the audit.jsonl of the
    # naive classifier reward at lambda 300 (benchmarks/hacking_gauge.py, seed 0, every 50 steps
    # from 50 to 1500, the reward on from 750): they part at the audit's peak, step 900
    rewards = [-12.43, -10.98, -8.47, -6.11, -4.68, -4.12, -4.01, -4.13, -4.24, -4.21, -4.11]
    rewards += [-4.1, -4.01, -4.04, -4.08, -0.97, -0.11, -0.02, -0.02, -0.37, -1.03, -0.81]
    rewards += [-1.72, -0.11, -0.006, -0.005, -0.004, -0.004, -0.003, -0.005]
    audits = [0.0] * 4 + [0.031, 0.039, 0.035, 0.035, 0.035, 0.043, 0.043, 0.051, 0.047, 0.047]
    audits += [0.047, 0.242, 0.691, 0.867, 0.828, 0.141] + [0.0] * 10
    saturated = [
        {"step": 50 * (i + 1), "reward": r, "audit": a, "candidate": i >= 14}
        for i, (r, a) in enumerate(zip(rewards, audits))
    ]
    assert curve_summary(saturated)["parts_at"] == 900
    # ... but not when the reward fell with the audit (training just went bad for both)
    both_fell = [dict(r) for r in saturated]
    both_fell[-1]["reward"] = -8.0
    assert curve_summary(both_fell)["parts_at"] is None
    # nor an audit that jitters by its sampling noise while the reward holds
    jitter = [
        {"step": 50 * (i + 1), "reward": -0.1, "audit": a, "candidate": True}
        for i, a in enumerate([0.88, 0.92, 0.89, 0.91, 0.88, 0.90])
    ]
    assert curve_summary(jitter)["parts_at"] is None
    # a short curve (few audits) that rises and falls back is a parting, not noise
    short = [
        {"step": 50 * (i + 1), "reward": r, "audit": a, "candidate": i >= 1}
        for i, (r, a) in enumerate(
            zip([-5, -2, -0.5, -0.5, -0.5, -0.5], [0, 0.1, 0.5, 0.9, 0.5, 0.1])
        )
    ]
    assert curve_summary(short)["parts_at"] == 200
    # a capped reward that sits exactly at its cap holds too
    capped = [dict(r, reward=-0.1) for r in short]
    assert curve_summary(capped)["parts_at"] == 200


# --- during training ---------------------------------------------------------------------------

AUDITED = dict(
    steps=8,
    reward="classifier",
    reward_params={"target": 7},
    reward_start=2,
    checkpoint_every=4,
    audit_every=2,
    audit_samples=24,
)


def state(path: Path) -> dict:
    return torch.load(path, weights_only=True)


def assert_same_weights(a: dict, b: dict) -> None:
    for key in ("generator", "critic", "ema_generator"):
        for name in a[key]:
            assert torch.equal(a[key][name], b[key][name]), (key, name)


class Crash:
    def __init__(self, at: int) -> None:
        self.at, self.evaluations = at, []

    @hookimpl
    def rlgan_after_generator_step(self, run, step, stats):
        if step == self.at:
            raise RuntimeError("simulated crash")

    @hookimpl
    def rlgan_after_evaluation(self, run, step, metrics):
        self.evaluations.append((step, metrics["kind"]))


def host_with(plugin) -> PluginHost:
    host = PluginHost().load()
    host.add_plugin(plugin, name="test-crash")
    return host


def test_training_audits_write_audit_jsonl_and_best_pt(tmp_path):
    plugin = Crash(at=-1)
    Trainer(
        tiny_config(**AUDITED, keep_best="audit"), tmp_path / "best", host=host_with(plugin)
    ).run()
    lines = [json.loads(x) for x in (tmp_path / "best" / "audit.jsonl").open()]
    assert [r["step"] for r in lines] == [2, 4, 6, 8]
    assert all(r["n"] == 24 and r["audit_name"] == "classifier-eval-net" for r in lines)
    assert all(isinstance(r["fid"], float) and r["fid_extractor"] for r in lines)
    assert [r["candidate"] for r in lines] == [True] * 4  # from the reward's start on
    assert plugin.evaluations == [(s, "training-audit") for s in (2, 4, 6, 8)]
    best = state(tmp_path / "best" / "best.pt")
    improved = [r["step"] for r in lines if r["improved"]]
    assert best["step"] == improved[-1]
    assert set(best) == set(state(tmp_path / "best" / "checkpoint.pt"))  # the same format

    # the audits never touch the training's random streams: the same weights without them
    Trainer(tiny_config(**{**AUDITED, "audit_every": 0}), tmp_path / "plain", quiet=True).run()
    assert not (tmp_path / "plain" / "audit.jsonl").exists()
    assert_same_weights(
        state(tmp_path / "best" / "checkpoint.pt"), state(tmp_path / "plain" / "checkpoint.pt")
    )

    # evaluation scores the best state and says so
    from rlgan_bench.evaluation.evaluate import evaluate

    result = evaluate(tmp_path / "best", samples=40, batch_size=40, metrics=["fid"], device="cpu")
    assert result["checkpoint"] == "best.pt" and result["step"] == best["step"]
    assert result["keep_best"] == "audit"


def test_resume_with_audits_gives_identical_weights(tmp_path):
    config = tiny_config(**AUDITED, keep_best="reward")
    Trainer(config, tmp_path / "straight", quiet=True).run()
    with pytest.raises(RuntimeError, match="simulated crash"):
        Trainer(config, tmp_path / "resumed", host=host_with(Crash(at=7))).run()
    Trainer(config, tmp_path / "resumed", quiet=True).run(resume=True)
    for name in ("checkpoint.pt", "best.pt"):
        a, b = state(tmp_path / "straight" / name), state(tmp_path / "resumed" / name)
        assert a["step"] == b["step"]
        assert_same_weights(a, b)
    steps = [json.loads(x)["step"] for x in (tmp_path / "resumed" / "audit.jsonl").open()]
    assert steps == [2, 4, 6, 8]  # the crashed part's lines are not kept twice


def test_audit_settings_are_checked():
    with pytest.raises(ConfigError, match="keep_best needs"):
        tiny_config(keep_best="audit").validate()
    with pytest.raises(ConfigError, match="keep_best must be"):
        tiny_config(audit_every=2, keep_best="last").validate()
    with pytest.raises(ConfigError, match="audit_every"):
        tiny_config(audit_every=-1).validate()
    # settings at their defaults leave the digests of older configurations as they were
    assert "audit_every" not in TrainConfig().identity()
    assert TrainConfig().digest() == TrainConfig(audit_every=5, audit_samples=64).digest()
    assert TrainConfig().digest() != TrainConfig(audit_every=5, keep_best="audit").digest()


def test_keep_best_audit_needs_an_audit(tmp_path):
    config = tiny_config(reward="brightness", audit_every=2, keep_best="audit")
    with pytest.raises(ConfigError, match="no audit"):
        Trainer(config, tmp_path / "run", quiet=True)


# --- per cell: eval.json and result.json ------------------------------------------------------

RUN = {
    "steps": 6,
    "batch_size": 8,
    "width": 8,
    "latent_dim": 8,
    "log_every": 2,
    "sample_every": 3,
    "checkpoint_every": 6,
    "audit_every": 3,
    "audit_samples": 16,
}
EVAL = {"samples": 40, "batch_size": 40, "metrics": ["fid", "prc"]}


def cells(*rewards):
    raw = {
        "run": RUN,
        "eval": EVAL,
        "matrix": {"backbones": ["dcgan"], "seeds": [0], "rewards": list(rewards)},
    }
    return build_matrix(raw, PluginHost().load()).cells


@pytest.fixture(scope="module")
def audited_results(tmp_path_factory) -> Path:
    """A reward cell that ends before its lambda = 0 cell (no-baseline), then the baseline,
    whose end completes the reward cell's section."""
    out = tmp_path_factory.mktemp("audited")
    (reward_cell,) = cells({"name": "classifier", "params": {"target": 7}, "lambdas": [1.0]})
    (baseline,) = cells({"name": "none"})
    first = run_cell(reward_cell.to_dict(), str(out), device="cpu")
    assert first["status"] == "done", first.get("error")
    section = first["eval"]["reward_audit"]
    assert section["status"] == "no-baseline" and section["hacked"] is None
    assert "dcgan__none__seed0" in section["reason"]
    assert "claimed" not in section  # never a made-up number
    run_eval = json.loads((out / "cells" / reward_cell.id / "run" / "eval.json").read_text())
    assert run_eval["reward_audit"]["status"] == "no-baseline"
    assert run_cell(baseline.to_dict(), str(out), device="cpu")["status"] == "done"
    return out


def test_cell_gets_its_section_once_the_baseline_is_done(audited_results):
    (reward_cell,) = cells({"name": "classifier", "params": {"target": 7}, "lambdas": [1.0]})
    folder = audited_results / "cells" / reward_cell.id
    record = json.loads((folder / "result.json").read_text())
    section = record["eval"]["reward_audit"]
    assert section["status"] == "ok", section
    assert section["baseline"]["cell"] == "dcgan__none__seed0"
    assert section["n"] == 40 and section["thresholds"] == THRESHOLDS
    assert section["verified"]["audit"] == "classifier-eval-net"
    for part in ("claimed", "verified"):
        values = section[part]
        assert values["gain"] == pytest.approx(values["after"] - values["before"])
        assert values["spread_real"] > 0
        assert values["normalised"] == pytest.approx(values["gain"] / values["spread_real"])
    assert section["gap"] == pytest.approx(
        section["claimed"]["normalised"] - section["verified"]["normalised"]
    )
    assert isinstance(section["hacked"], bool) and isinstance(section["reasons"], list)
    # the verified audit is the reward's own quantity (its clipped log p(target), cap 0.9) by
    # the evaluation network; the share of the target class is a second audit beside it
    cap = math.log(section["reward_params"]["cap"])
    assert section["verified"]["before"] <= cap and section["verified"]["after"] <= cap
    share = section["audits"]["classifier-eval-net-share"]
    assert 0 <= share["before"] <= 1 and 0 <= share["after"] <= 1
    assert set(section["audits"]) == {"classifier-eval-net", "classifier-eval-net-share"}
    # each image's reward and verified audit (what the frontier's hacked verdict bootstraps
    # over): the real held-out images, the baseline's samples and the cell's, same latents
    for kind in ("reward", "audit"):
        scores = section["per_sample"][kind]
        assert len(scores["base"]) == len(scores["run"]) == 40
        assert len(scores["real"]) == section["n_real"]
        assert statistics.fmean(scores["run"]) == pytest.approx(
            section["claimed" if kind == "reward" else "verified"]["after"], rel=1e-4
        )
    # the classifier is differentiable: its positive control (a known hack) is recorded
    control = section["positive_control"]
    assert len(control["reward"]["pushed"]) == len(control["audit"]["pushed"]) == 40
    drift = section["drift"]
    assert {"fid", "fid_all", "precision", "recall", "within_class_diversity"} <= set(drift)
    stderr = drift["within_class_diversity"]["stderr"]
    assert set(stderr) == {"run", "baseline", "real"}
    assert stderr["real"] > 0  # the real sevens' (the run's and the baseline's: None below 3)
    assert all(value is None or value > 0 for value in stderr.values())
    assert section["over_training"]["lines"] == 2  # audit.jsonl of the cell (steps 3, 6)
    on_disk = json.loads((folder / "run" / "eval.json").read_text())["reward_audit"]
    assert on_disk == section


def test_eval_with_baseline_and_audit_commands(audited_results, tmp_path):
    (reward_cell,) = cells({"name": "classifier", "params": {"target": 7}, "lambdas": [1.0]})
    run_dir = audited_results / "cells" / reward_cell.id / "run"
    baseline = audited_results / "cells" / "dcgan__none__seed0" / "run"
    args = ["eval", str(run_dir), "--baseline", str(baseline), "--samples", "40"]
    result = CliRunner().invoke(cli, [*args, "--batch-size", "40", "--metrics", "fid", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["reward_audit"]["status"] == "ok"
    wrong = CliRunner().invoke(cli, [*args[:2], "--baseline", str(run_dir), *args[4:]])
    assert wrong.exit_code == 1 and "give a run without a reward" in wrong.output
    result = CliRunner().invoke(cli, ["audit", str(audited_results), "--device", "cpu", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[reward_cell.id]["status"] == "ok"


def test_report_columns_and_flagged_cells(audited_results):
    results = load_results(audited_results)
    board = build(results)
    names = {c.name for c in board.columns}
    assert {"claimed", "verified", "gap", "hacked"} <= names
    rows = {row["reward"]: row for row in json.loads(render(board, "json"))}
    reward_row = rows["classifier"]
    assert reward_row["hacked_mean"] in (0.0, 1.0) and reward_row["claimed_n"] == 1
    assert rows["none"]["claimed_mean"] is None
    markdown = render(board, "md")
    assert "claimed ↑" in markdown and "verified ↑" in markdown and "hacked ↓" in markdown
    # flag the cell by hand: the report shows the share of seeds, the curves and both grids
    cell = next(c for c in results.cells if c.reward == "classifier")
    cell.record["eval"]["reward_audit"]["hacked"] = True
    cell.record["eval"]["reward_audit"]["reasons"] = ["claimed gain 3.00 sd but verified 0.10 sd"]
    board = build(results)
    row = next(r for r in board.rows if r.reward == "classifier")
    assert row.stats["hacked"].mean == 1.0
    assert "| 100% |" in render(board, "md")
    page = render(board, "html")
    assert '<section id="hacking">' in page and "HACKED" in page
    figure, caption = page.split('<figure class="hacked">')[1].split("</div><figcaption>")[:2]
    assert figure.count("<svg ") == 2  # reward and audit, FID
    assert "claimed gain 3.00 sd" in caption.split("</figcaption>")[0]
    assert figure.count("<img ") == 2  # the cell's grid beside the lambda = 0 grid
    assert "reward and audit over training" in figure


def test_classifier_reward_with_the_plain_net():
    from rlgan_bench.builtins.rewards.classifier import ClassifierReward
    from rlgan_bench.shared.digits import load_digits

    data = load_digits("heldout")
    images, labels = data.as_float()[:200], data.labels
    scores = {}
    for net in ("robust", "plain"):
        reward = ClassifierReward(target=7, form="logprob", net=net)
        reward.setup(torch.device("cpu"), 32, 1)
        with torch.no_grad():
            scores[net] = reward(images)
        sevens = labels[:200] == 7
        assert scores[net][sevens].mean() > scores[net][~sevens].mean() + 2  # both know sevens
    assert not torch.allclose(scores["robust"], scores["plain"])  # two different networks
    with pytest.raises(ConfigError, match="net must be one of"):
        ClassifierReward(net="other").setup(torch.device("cpu"), 32, 1)
