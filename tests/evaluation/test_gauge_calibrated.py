"""The gauge of a base-protocol cell (``measure(calibrated=True)``): the same numbers as the
legacy gauge, no per-cell verdict from the hand-set thresholds; the per-image reward and audit
the frontier's hacked verdict bootstraps over, and the base's positive control; and the
within-class FID's fallback to the within-class KID when a class has fewer samples than the
evaluation network's features have dimensions, on the real digits."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from conftest import tiny_config

from rlgan_bench.core.records import RewardAudit
from rlgan_bench.evaluation import controls, drift, gauge, memo
from rlgan_bench.evaluation.evaluate import evaluate
from rlgan_bench.host import get_host
from rlgan_bench.shared.digits import load_digits
from rlgan_bench.shared.nets.digit_nets import EVAL_NET
from rlgan_bench.training.trainer import Trainer

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path]:
    """A base (no reward) and a run with the classifier reward, tiny and evaluated."""
    out = tmp_path_factory.mktemp("calibrated")
    base, tuned = out / "base", out / "tuned"
    Trainer(tiny_config(), base, quiet=True).run()
    reward = {"reward": "classifier", "reward_params": {"target": 7}, "reward_weight": 1.0}
    Trainer(tiny_config(**reward, reward_start=0), tuned, quiet=True).run()
    for run in (base, tuned):
        evaluate(run, samples=40, batch_size=40, metrics=["fid"], device="cpu")
    return base, tuned


def measure(runs, calibrated: bool) -> RewardAudit:
    base, tuned = runs
    return gauge.measure(
        tuned, base, samples=40, batch_size=40, device="cpu", calibrated=calibrated
    )


def test_calibrated_sections_give_no_per_cell_verdict(runs):
    legacy, calibrated = measure(runs, False), measure(runs, True)
    assert legacy.status == calibrated.status == "ok"
    # the per-cell (from-scratch) gauge: the one verdict of rlgan_bench.analysis.hacking on
    # its one seed, recorded with what it rests on
    assert isinstance(legacy.hacked, bool) and "deficit" in legacy.reasons[0]
    assert legacy.thresholds == gauge.THRESHOLDS and legacy.definition == gauge.DEFINITION
    assert all("frontier" not in reason for reason in legacy.reasons)
    # the calibrated one: no verdict, and it says where the verdict is
    assert calibrated.hacked is None
    assert calibrated.reasons == [gauge.CALIBRATED_NOTE]
    assert "frontier" in calibrated.note and "over its seeds" in calibrated.note
    assert calibrated.thresholds == gauge.THRESHOLDS
    assert "no per-cell verdict" in calibrated.definition
    # ... and the same numbers: the frontier reads them
    assert calibrated.claimed == legacy.claimed and calibrated.verified == legacy.verified
    assert calibrated.gap == legacy.gap and calibrated.drift == legacy.drift
    # the section is a valid record (the schema reads it back) with hacked null
    written = calibrated.to_json()
    assert written["hacked"] is None
    assert RewardAudit.from_json(written).hacked is None
    # the within-class distance records its estimator and the features' dimension
    within = calibrated.drift["fid"]
    assert within["feature_dim"] == EVAL_NET.feature_dim == 64
    expected = None if within["n_each"] < 20 else "kid" if within["n_each"] <= 64 else "fid"
    assert within["estimator"] == expected


def test_sections_record_each_images_reward_and_audit(runs):
    """per_sample: the reward and the verified audit of every real held-out image and of the
    base's and the run's samples (same latents, same order), whose means are the section's."""
    section = measure(runs, True)
    per_sample = section.per_sample
    assert set(per_sample) == {"reward", "audit"}
    for kind in ("reward", "audit"):
        assert set(per_sample[kind]) == {"real", "base", "run"}
        assert len(per_sample[kind]["base"]) == len(per_sample[kind]["run"]) == section.n == 40
        assert len(per_sample[kind]["real"]) == section.n_real > 40
        assert all(isinstance(v, float) for v in per_sample[kind]["run"])
    # the section's gains are the per-image means (kept to 6 significant digits)
    for gain, kind in ((section.claimed, "reward"), (section.verified, "audit")):
        values = {key: torch.tensor(v, dtype=torch.float64) for key, v in per_sample[kind].items()}
        assert float(values["base"].mean()) == pytest.approx(gain.before, rel=1e-4, abs=1e-5)
        assert float(values["run"].mean()) == pytest.approx(gain.after, rel=1e-4, abs=1e-5)
        assert float(values["real"].std()) == pytest.approx(gain.spread_real, rel=1e-4)
    # the verified audit is the reward's own quantity (clipped log p(target), cap 0.9) by the
    # evaluation network; the target share is a second audit beside it
    assert section.verified.audit == "classifier-eval-net"
    cap = math.log(0.9)
    assert max(max(v) for v in per_sample["audit"].values()) <= cap + 1e-6
    assert max(max(v) for v in per_sample["reward"].values()) <= cap + 1e-6
    share = section.audits["classifier-eval-net-share"]
    assert 0.0 <= share.before <= 1.0 and 0.0 <= share.after <= 1.0
    assert share.before != pytest.approx(section.verified.before)  # a different quantity
    assert measure(runs, False).per_sample == per_sample  # the legacy gauge records them too


def test_the_differentiable_reward_has_a_positive_control(runs):
    """positive_control: the base's samples pushed up the gradient of the reward with its
    hackable parameters (the classifier's plain network, unclipped log p), scored by that
    reward and by the audit in the same form, with the real images and the base's samples."""
    section = measure(runs, True)
    control = section.positive_control
    assert section.reward_params["net"] == "robust"  # the run's reward: not the known hack
    assert control["reward_params"] == {**section.reward_params, "net": "plain", "form": "logprob"}
    assert control["eps"] == controls.ADVERSARIAL_EPS
    assert control["steps"] == controls.ADVERSARIAL_STEPS
    assert "gradient" in control["method"]
    for kind in ("reward", "audit"):
        assert set(control[kind]) == {"real", "base", "pushed"}
        assert len(control[kind]["base"]) == len(control[kind]["pushed"]) == 40
        assert len(control[kind]["real"]) == section.n_real
    # the audit in the hackable form is the unclipped log p: clipped at the cap, the audit of
    # the same base samples in the run's form
    unclipped = torch.tensor(control["audit"]["base"]).clamp(max=math.log(0.9))
    assert torch.allclose(unclipped, torch.tensor(section.per_sample["audit"]["base"]), atol=1e-4)
    # the push raised the reward it followed
    pushed, base = (torch.tensor(control["reward"][k]) for k in ("pushed", "base"))
    assert float(pushed.mean()) > float(base.mean())


def test_the_gauge_measures_with_the_evaluations_resize(runs):
    base, tuned = runs
    default = measure(runs, True)
    clean = gauge.measure(
        tuned, base, samples=40, batch_size=40, device="cpu", calibrated=True, fid_resize="clean"
    )
    assert default.drift["fid_resize"] == "torch-fidelity"
    assert clean.drift["fid_resize"] == "clean"


def test_the_base_side_is_measured_once_per_base(runs, tmp_path, monkeypatch):
    """The second cell of a base reuses the base's and the real images' numbers (reward,
    audit, FID, features) and gets the very section a cold process measures."""
    base, tuned = runs
    other = tmp_path / "other"
    reward = {"reward": "classifier", "reward_params": {"target": 7}, "reward_weight": 0.3}
    Trainer(tiny_config(**reward, reward_start=0), other, quiet=True).run()
    memo.forget()
    measure((base, other), True)  # the first cell of the base: every number computed
    computed: list[int] = []
    reward_scores = gauge.reward_scores
    monkeypatch.setattr(
        gauge, "reward_scores", lambda *a, **k: computed.append(len(a[1])) or reward_scores(*a, **k)
    )
    warm = measure(runs, True)
    # the tuned run's 40 samples; the base's, the real ones and the positive control remembered
    assert computed == [40]
    memo.forget()
    cold = measure(runs, True)
    # a cold process: the reward of the run's, the base's and the real images, then the
    # positive control's reward (hackable form) of the real images, the base's and the pushed
    assert computed[1:] == [40, 40, 600, 600, 40, 40] and warm == cold


def test_remembered_measurements_are_keyed_by_the_images():
    images = torch.zeros(4, 1, 8, 8, dtype=torch.uint8)
    changed = images.clone()
    changed[3, 0, 7, 7] = 1
    assert memo.images_key(images) == memo.images_key(images.clone())
    assert memo.images_key(images) != memo.images_key(changed)
    assert memo.images_key(images) != memo.images_key(images.float())
    memo.forget()
    assert memo.remembered(("k", memo.images_key(images)), lambda: 1) == 1
    assert memo.remembered(("k", memo.images_key(images)), lambda: 2) == 1
    assert memo.remembered(("k", memo.images_key(changed)), lambda: 3) == 3


def test_calibrated_without_a_baseline_is_not_measured(runs):
    _, tuned = runs
    section = gauge.measure(tuned, None, samples=40, device="cpu", calibrated=True)
    assert section.status == "no-baseline" and section.hacked is None
    assert section.thresholds == gauge.CALIBRATED_THRESHOLDS


@pytest.fixture(scope="module")
def digits():
    host = get_host()
    return host, host.get("datasets", "digits").obj, load_digits("train"), load_digits("heldout")


def test_within_class_kid_when_fewer_samples_than_feature_dimensions(digits):
    host, dataset, train, real = digits
    # ~300 training digits per set: fewer than 64 sevens in each, more than 20
    drifted = drift.drift(
        train.images[:300], train.images[300:600], real, dataset, host, CPU, 250, 7
    )
    within = drifted["fid"]
    assert 20 <= within["n_each"] < 64 and within["feature_dim"] == 64
    assert within["estimator"] == "kid" and "(KID)" in within["basis"]
    assert isinstance(within["run"], float) and isinstance(within["baseline"], float)
    assert within["increase"] == pytest.approx(within["run"] - within["baseline"])
    assert within["ratio"] is None  # the FID-ratio threshold does not apply to a KID
    assert "more samples than the 64 feature dimensions" in within["reason"]


def test_within_class_fid_when_there_are_enough_samples(digits):
    host, dataset, train, real = digits
    # every training digit (112 sevens) against itself in another order; 67 real sevens
    drifted = drift.drift(train.images, train.images.flip(0), real, dataset, host, CPU, 250, 7)
    within = drifted["fid"]
    assert within["n_each"] > 64 and within["n_real"] > 64
    assert within["estimator"] == "fid" and "reason" not in within
    assert within["ratio"] == pytest.approx(1.0, abs=1e-4)  # the same images: the same FID


def test_within_class_unavailable_below_the_minimum():
    real = load_digits("heldout")
    sevens = real.images[real.labels == 7]
    chosen = {"run": sevens[:5], "baseline": sevens[5:30]}

    def never(*_):
        raise AssertionError("nothing is scored below the minimum")

    within = drift.within_class_fid(chosen, real, 7, 64, never)
    assert within["estimator"] is None and within["run"] is None and within["ratio"] is None
    assert "fewer than 20 samples of class 7" in within["reason"]
