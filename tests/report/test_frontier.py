"""The frontier of a base-protocol matrix: points aggregated over seeds with Student-t
intervals, the budget ranking and the area, the calibrated flags (each on a constructed case
and on its negative), one seed -> not calibrated, and the frontier in Markdown, HTML and JSON.

The results are synthetic but go through the real schema: every cell's result.json is written
with :func:`rlgan_bench.core.records.write_result` (which refuses a record the reader would
refuse) and read back by the report as any results directory."""

from __future__ import annotations

import json
import math
import re
import statistics
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.defaults import FRONTIER_BUDGET
from rlgan_bench.core.records import (
    CellConfig,
    ClassHistogram,
    EvalRecord,
    Gain,
    MetricEntry,
    Protocol,
    ResultRecord,
    RewardAudit,
    write_result,
)
from rlgan_bench.report import frontier as fr
from rlgan_bench.report import render
from rlgan_bench.report.frontier import (
    DIVERSITY_COLLAPSE,
    FLAGGED,
    HACKED,
    NOT_CALIBRATED,
    OVER_OPTIMISED,
    Budget,
    Estimate,
    NoiseFloors,
    Point,
    area_under,
    budget_of,
    t_quantile,
)
from rlgan_bench.report.ranking import build, load
from rlgan_bench.report.rows import load_results

LEADERBOARDS = Path(__file__).resolve().parents[2] / "leaderboards"
SHA = "ab" * 32
SEEDS = (0, 1, 2)
N, N_REAL = 1000, 600
#: the reward's and the audit's spread over real images (normalised gain = gain / spread)
SPREAD_C, SPREAD_V = 2.0, 0.5

# --- each base's own values, per seed ---------------------------------------------------------
BASE_REWARD = (-1.0, -1.2, -0.8)  # / SPREAD_C: -0.5, -0.6, -0.4 -> sd 0.1
BASE_AUDIT = (0.10, 0.12, 0.08)  # / SPREAD_V: 0.2, 0.24, 0.16 -> sd 0.04
BASE_FID = (10.0, 11.0, 12.0)  # sd 1
BASE_PRECISION = (0.60, 0.62, 0.64)  # sd 0.02
BASE_DIVERSITY = (0.20, 0.21, 0.22)  # sd 0.01, mean 0.21
#: the bases' class histograms (the jpeg frontier's diversity is their entropy)
BASE_FRACTIONS = (
    [0.1] * 10,
    [0.12, 0.08] + [0.1] * 8,
    [0.11, 0.09, 0.12, 0.08] + [0.1] * 6,
)
JPEG_FRACTIONS = [0.012, 0.659, 0.048, 0.056, 0.0, 0.023, 0.035, 0.012, 0.113, 0.042]

# --- the fine-tuned points: per seed (fid cost, precision drop, verified, claimed, diversity) --
POINTS = {
    ("backprop", "lambda", 0.3): [
        (1.0, 0.01, 0.5, 0.6, 0.98),
        (2.0, 0.02, 0.6, 0.7, 0.97),
        (3.0, 0.03, 0.7, 0.8, 0.99),
    ],
    ("backprop", "lambda", 1.0): [
        (4.0, 0.04, 1.0, 1.1, 0.96),
        (5.0, 0.05, 1.2, 1.3, 0.97),
        (6.0, 0.06, 1.4, 1.5, 0.98),
    ],
    # past the audit's peak (verified 1.2 -> 0.9 while claimed 1.3 -> 3.0), claimed far above
    # verified in every seed, and a third of the within-class diversity gone: all three flags
    ("backprop", "lambda", 3.0): [
        (12.0, 0.05, 0.8, 2.9, 0.70),
        (14.0, 0.06, 0.9, 3.0, 0.72),
        (16.0, 0.07, 1.0, 3.1, 0.74),
    ],
    ("reward-weighted", "beta", 0.3): [
        (0.5, 0.00, 0.3, 0.3, 0.99),
        (1.0, 0.01, 0.4, 0.4, 0.99),
        (1.5, 0.02, 0.5, 0.5, 0.99),
    ],
    # a mean gap of 0.5 (above 2 floors, 0.28) that the seeds do not support (gaps 0, 0.5, 1):
    # the interval keeps it from being flagged
    ("reward-weighted", "beta", 1.0): [
        (2.0, 0.02, 0.7, 0.7, 0.98),
        (3.0, 0.03, 0.8, 1.3, 0.98),
        (4.0, 0.04, 0.9, 1.9, 0.98),
    ],
    # the best verified gain, but its precision drop (0.12) is over the budget (0.1)
    ("reward-weighted", "beta", 3.0): [
        (7.0, 0.10, 1.5, 1.5, 0.96),
        (8.0, 0.12, 1.6, 1.6, 0.96),
        (9.0, 0.14, 1.7, 1.7, 0.96),
    ],
}
CONTROL_FID = (11.0, 12.0, 13.0)  # cost 1 each
CONTROL_PRECISION = (0.59, 0.61, 0.63)  # drop 0.01 each
JPEG_GAIN = (1.9, 2.0, 2.1)  # exact audit: claimed == verified


def fid_entry(value: float) -> MetricEntry:
    record = {
        "extractor": "rlgan-digit-eval-net",
        "extractor_sha256": SHA,
        "n_generated": N,
        "n_real": N_REAL,
        "split": "heldout",
    }
    return MetricEntry(status="ok", values={"fid": value}, record=record)


def prc_entry(precision: float) -> MetricEntry:
    record = {"extractor": "rlgan-digit-eval-net", "extractor_sha256": SHA, "n_generated": N}
    return MetricEntry(
        status="ok", values={"precision": precision, "recall": 0.5}, record=dict(record)
    )


def histogram(fractions: list[float]) -> ClassHistogram:
    return ClassHistogram(
        status="ok",
        n=N,
        classifier="digit-eval-net",
        classifier_sha256=SHA,
        modes_covered=sum(f >= 0.01 for f in fractions),
        extra={"fractions": fractions, "counts": [round(f * N) for f in fractions]},
    )


def write_cell(
    out: Path,
    cell_id: str,
    train: TrainConfig,
    protocol: Protocol,
    fid: float,
    precision: float,
    fractions: list[float],
    audit: RewardAudit | None = None,
) -> None:
    evaluation = EvalRecord(
        metrics={"fid": fid_entry(fid), "prc": prc_entry(precision)},
        class_histogram=histogram(fractions),
        dataset="digits",
        samples=N,
        reward_audit=audit,
    )
    record = ResultRecord(
        cell=cell_id,
        status="done",
        config=CellConfig(id=cell_id, train=train.to_dict(), protocol=protocol),
        seed=train.seed,
        eval=evaluation,
    )
    write_result(out / "cells" / cell_id / "result.json", record)


def audit_section(
    seed: int,
    base_id: str,
    values: tuple[float, float, float, float, float],
    reward: str = "classifier",
    target: int | None = 7,
    exact: bool = False,
) -> RewardAudit:
    """A measured reward_audit of one cell against its base, from its per-seed values."""
    index = SEEDS.index(seed)
    cost, drop, verified, claimed, diversity = values
    c_before, v_before = BASE_REWARD[index], BASE_AUDIT[index]
    v_spread = SPREAD_C if exact else SPREAD_V
    if exact:  # the audit is the reward itself (jpeg-size)
        v_before = c_before
    base_div = BASE_DIVERSITY[index]
    return RewardAudit(
        status="ok",
        hacked=None,
        thresholds={"min_class_samples": 20},
        reward=reward,
        definition="synthetic",
        target_class=target,
        baseline={"cell": base_id, "run_dir": f"cells/{base_id}/run"},
        n=N,
        seed=0,
        n_real=N_REAL,
        split="heldout",
        claimed=Gain(
            before=c_before,
            after=c_before + claimed * SPREAD_C,
            gain=claimed * SPREAD_C,
            spread_real=SPREAD_C,
            normalised=claimed,
            quantity=f"reward {reward}",
        ),
        verified=Gain(
            before=v_before,
            after=v_before + verified * v_spread,
            gain=verified * v_spread,
            spread_real=v_spread,
            normalised=verified,
            audit="jpeg-size" if exact else "classifier-eval-net",
        ),
        gap=claimed - verified,
        drift={
            "extractor": "rlgan-digit-eval-net",
            "extractor_sha256": SHA,
            "fid_all": {
                "run": BASE_FID[index] + cost,
                "baseline": BASE_FID[index],
                "ratio": (BASE_FID[index] + cost) / BASE_FID[index],
            },
            "precision": {
                "run": BASE_PRECISION[index] - drop,
                "baseline": BASE_PRECISION[index],
                "drop": drop,
            },
            "within_class_diversity": {
                "run": base_div * diversity,
                "baseline": base_div,
                "real": 0.27,
                "ratio": diversity,
            },
        },
        reasons=[],
    )


def make_results(out: Path, seeds=SEEDS, control: bool = True, budget=None) -> Path:
    """Bases, controls, two methods x three strengths on classifier(target=7) and one jpeg
    point, for ``seeds``."""
    for seed in seeds:
        index = SEEDS.index(seed)
        base_id = f"dcgan__none__seed{seed}"
        base_train = TrainConfig(seed=seed, steps=500)
        write_cell(
            out,
            base_id,
            base_train,
            Protocol(role="base"),
            BASE_FID[index],
            BASE_PRECISION[index],
            BASE_FRACTIONS[index],
        )
        link = {"base": base_id, "base_digest": f"digest{seed}"}
        if control:
            write_cell(
                out,
                f"dcgan__none__continued__seed{seed}",
                TrainConfig(seed=seed, steps=200, init_from=f"cells/{base_id}/run"),
                Protocol(role="control", **link),
                CONTROL_FID[index],
                CONTROL_PRECISION[index],
                BASE_FRACTIONS[index],
            )
        for (method, name, strength), per_seed in POINTS.items():
            values = per_seed[index]
            if name == "lambda":
                fields = {"reward_weight": strength, "reward_tilt": 0.0, "reward_start": 0}
                symbol = "lam"
            else:
                fields = {"reward_weight": 0.0, "reward_tilt": strength, "reward_start": 0}
                symbol = "beta"
            train = TrainConfig(
                seed=seed,
                steps=200,
                reward="classifier",
                reward_params={"target": 7},
                mode=method,
                reward_anchor=0.0,
                init_from=f"cells/{base_id}/run",
                **fields,
            )
            protocol = Protocol(
                role="finetune",
                method=method,
                strength=strength,
                strength_name=name,
                uses_real_data=method == "reward-weighted",
                **link,
            )
            cell_id = f"dcgan__classifier__{method}__{symbol}{strength:g}__seed{seed}"
            write_cell(
                out,
                cell_id,
                train,
                protocol,
                BASE_FID[index] + values[0],
                BASE_PRECISION[index] - values[1],
                [0.0] * 7 + [1.0] + [0.0] * 2,
                audit_section(seed, base_id, values),
            )
        # jpeg (no target class): draws mostly ones; its exact audit agrees with the reward
        gain = JPEG_GAIN[index]
        jpeg = TrainConfig(
            seed=seed,
            steps=200,
            reward="jpeg",
            mode="reinforce",
            reward_weight=0.01,
            reward_tilt=0.0,
            init_from=f"cells/{base_id}/run",
        )
        write_cell(
            out,
            f"dcgan__jpeg__reinforce__lam0.01__seed{seed}",
            jpeg,
            Protocol(
                role="finetune", method="reinforce", strength=0.01, strength_name="lambda", **link
            ),
            BASE_FID[index] + 30.0,
            BASE_PRECISION[index] + 0.1,
            JPEG_FRACTIONS,
            audit_section(
                seed, base_id, (30.0, -0.1, gain, gain, 0.72), "jpeg", target=None, exact=True
            ),
        )
    matrix = {"source": "synthetic.toml", "config": {"matrix": {"finetune_steps": 200}}}
    if budget is not None:
        matrix["config"]["matrix"]["budget"] = budget
    (out / "matrix.json").write_text(json.dumps(matrix))
    return out


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory) -> Path:
    return make_results(tmp_path_factory.mktemp("frontier"))


@pytest.fixture(scope="module")
def report(results_dir):
    return build(load_results(results_dir)).frontier


def classifier(report):
    (found,) = [f for f in report.frontiers if f.reward == "classifier"]
    return found


def point(frontier, method: str, strength: float) -> Point:
    (curve,) = [c for c in frontier.curves if c.method == method]
    (found,) = [p for p in curve.points if p.strength == strength]
    return found


def flag(found: Point, name: str):
    (item,) = [f for f in found.flags if f.name == name]
    return item


# --- numbers over seeds ------------------------------------------------------------------------


def test_t_quantiles_are_student_t():
    mpmath = pytest.importorskip("mpmath")

    def cdf(t: float, df: int) -> float:  # P(T <= t) by the regularised incomplete beta
        x = df / (df + t * t)
        return float(1 - 0.5 * mpmath.betainc(df / 2, 0.5, 0, x, regularized=True))

    for df in [*range(1, 41), 60, 120, 1000]:
        assert cdf(t_quantile(df), df) == pytest.approx(0.975, abs=1e-7), df
    assert t_quantile(2) == pytest.approx(4.302653)
    with pytest.raises(ValueError):
        t_quantile(0)


def test_points_are_means_with_t_intervals_over_seeds(report):
    frontier = classifier(report)
    found = point(frontier, "backprop", 1.0)
    assert found.seeds == [0, 1, 2] and found.n_seeds == 3 and not found.one_seed
    # hand computation: fid cost 4, 5, 6 -> mean 5, sd 1, half-width t(0.975, 2) / sqrt(3)
    assert found.fid_cost.mean == pytest.approx(5.0)
    assert found.fid_cost.half_width == pytest.approx(4.3027 / math.sqrt(3), rel=1e-4)
    assert found.fid_cost.low == pytest.approx(5.0 - 2.48416, abs=1e-4)
    # verified 1.0, 1.2, 1.4: sd 0.2
    assert found.verified.mean == pytest.approx(1.2)
    assert found.verified.half_width == pytest.approx(4.3027 * 0.2 / math.sqrt(3), rel=1e-4)
    assert found.precision_drop.mean == pytest.approx(0.05)
    assert found.claimed.mean == pytest.approx(1.3)
    assert found.gap.mean == pytest.approx(0.1) and found.gap.half_width == pytest.approx(0.0)
    assert found.diversity.mean == pytest.approx(0.97)
    assert found.label == "λ=1"
    # each seed paired with its own base
    assert [v.base for v in found.per_seed] == [f"dcgan__none__seed{s}" for s in SEEDS]
    assert Estimate.of([3.0]).half_width is None and Estimate.of([3.0]).one_seed


def test_curves_base_and_control(report):
    frontier = classifier(report)
    assert frontier.backbone_label == "dcgan" and frontier.reward_label == "classifier (target=7)"
    assert frontier.extractor == "rlgan-digit-eval-net" and frontier.n == N
    labels = [c.label for c in frontier.curves]
    assert labels == ["backprop", "reward-weighted (uses R on real data)"]
    for curve in frontier.curves:
        assert [p.strength for p in curve.points] == [0.3, 1.0, 3.0]  # sorted by strength
    assert frontier.curves[1].points[0].label == "β=0.3"
    base = frontier.base
    assert base.fid_cost.mean == 0 and base.verified.mean == 0 and base.n_seeds == 3
    control = frontier.control
    assert control.label == "control (more steps, no reward)"
    assert control.fid_cost.mean == pytest.approx(1.0)
    assert control.precision_drop.mean == pytest.approx(0.01)
    assert control.verified is None and control.claimed is None  # no reward, no gain
    assert control.cells == [f"dcgan__none__continued__seed{s}" for s in SEEDS]


def test_noise_floors_are_the_bases_seed_to_seed_spread(report):
    floors = classifier(report).floors
    assert floors.calibrated and floors.bases == [f"dcgan__none__seed{s}" for s in SEEDS]
    assert floors.claimed == pytest.approx(0.1)
    assert floors.verified == pytest.approx(0.04)
    # the base's own normalised reward minus its normalised audit: -0.7, -0.84, -0.56
    assert floors.gap == pytest.approx(0.14)
    assert floors.fid == pytest.approx(1.0)
    assert floors.precision == pytest.approx(0.02)
    assert floors.diversity == pytest.approx(0.01 / 0.21)
    assert "within-class diversity of class 7" in floors.diversity_basis


# --- the budget ranking and the area -----------------------------------------------------------


def test_budget_ranking_and_area_by_hand(report):
    frontier = classifier(report)
    assert frontier.budget == Budget(**FRONTIER_BUDGET, source="default")
    backprop, weighted = frontier.curves
    # backprop: lambda 3 costs 14 FID (> 10); best within: lambda 1, verified 1.2
    assert backprop.best.strength == 1.0 and backprop.rank == 1
    # reward-weighted: beta 3 drops precision 0.12 (> 0.1); best within: beta 1, verified 0.8
    assert weighted.best.strength == 1.0 and weighted.rank == 2
    assert [c.label for c in frontier.ranking] == [backprop.label, weighted.label]
    # areas: backprop 0 on [0, 2), 0.6 on [2, 5), 1.2 on [5, 10] -> (1.8 + 6) / 10
    assert backprop.area == pytest.approx(0.78)
    # reward-weighted: 0 on [0, 1), 0.4 on [1, 3), 0.8 on [3, 10] (beta 3 over precision)
    assert weighted.area == pytest.approx(0.64)


def test_budget_from_the_matrix(tmp_path):
    folder = make_results(tmp_path, budget={"fid_cost": 20, "precision_drop": 0.2})
    frontier = classifier(build(load_results(folder)).frontier)
    assert frontier.budget == Budget(20.0, 0.2, "matrix.json")
    backprop, weighted = frontier.curves
    assert weighted.best.strength == 3.0 and weighted.rank == 1 and backprop.rank == 2
    # backprop 0, 0.6 from 2, 1.2 from 5 (lambda 3's 0.9 at 14 is below the running max)
    assert backprop.area == pytest.approx((0.6 * 3 + 1.2 * 15) / 20)
    assert weighted.area == pytest.approx((0.4 * 2 + 0.8 * 5 + 1.6 * 12) / 20)


def test_area_and_ranking_edge_cases():
    # a negative cost counts at 0; gains below the base's 0 never lower the running max
    assert area_under([(-1.0, 0.5)], 10.0) == pytest.approx(0.5)
    assert area_under([(2.0, -1.0)], 10.0) == 0.0
    assert area_under([(12.0, 3.0)], 10.0) == 0.0  # beyond the budget
    assert area_under([(0.0, 1.0), (5.0, 2.0)], 0.0) == 1.0  # budget 0: the value at 0
    assert area_under([], 10.0) == 0.0
    assert budget_of(None) == Budget(10.0, 0.1, "default")
    partial = budget_of({"config": {"matrix": {"budget": {"precision_drop": 0.05}}}})
    assert partial == Budget(10.0, 0.05, "matrix.json")
    # no point within budget: unranked, and said so
    costly = fr.Curve("ppo", 0.0, "lambda", False, True, {}, "ppo")
    costly.points = [
        Point("λ=1", "finetune", 1.0, ["c"], [0], fid_cost=Estimate.of([50.0]),
              precision_drop=Estimate.of([0.0]), verified=Estimate.of([2.0]))
    ]  # fmt: skip
    cheap = fr.Curve("backprop", 0.0, "lambda", False, True, {}, "backprop")
    cheap.points = [
        Point("λ=1", "finetune", 1.0, ["d"], [0], fid_cost=Estimate.of([1.0]),
              precision_drop=Estimate.of([0.0]), verified=Estimate.of([0.5]))
    ]  # fmt: skip
    fr.rank_curves([costly, cheap], Budget(10.0, 0.1))
    assert cheap.rank == 1 and costly.rank is None
    assert "no point within the budget" in costly.unranked
    # equal best gains share a rank
    twin = fr.Curve("critic", 0.0, "lambda", False, True, {}, "critic")
    twin.points = list(cheap.points)
    third = fr.Curve("reinforce", 0.0, "lambda", False, True, {}, "reinforce")
    third.points = [
        Point("λ=1", "finetune", 1.0, ["e"], [0], fid_cost=Estimate.of([1.0]),
              precision_drop=Estimate.of([0.0]), verified=Estimate.of([0.1]))
    ]  # fmt: skip
    fr.rank_curves([cheap, twin, third], Budget(10.0, 0.1))
    assert (cheap.rank, twin.rank, third.rank) == (1, 1, 3)


# --- the calibrated flags ---------------------------------------------------------------------


def test_each_flag_fires_on_its_case(report):
    frontier = classifier(report)
    peak = point(frontier, "backprop", 3.0)
    assert set(peak.fired) == {HACKED, OVER_OPTIMISED, DIVERSITY_COLLAPSE}
    # gap 2.1 in every seed: 2.1 - 0 > 2 x 0.14
    assert "> 2 x noise floor 0.14" in flag(peak, HACKED).detail
    assert "λ=1" in flag(peak, OVER_OPTIMISED).detail  # verified fell from lambda 1's
    assert flag(peak, DIVERSITY_COLLAPSE).status == FLAGGED


def test_no_flag_on_the_negatives(report):
    frontier = classifier(report)
    for method in ("backprop", "reward-weighted"):
        for strength in (0.3, 1.0):
            assert point(frontier, method, strength).fired == [], (method, strength)
    # a mean gap of 0.5 > 0.28, but the seeds do not support it: its interval reaches below
    noisy = point(frontier, "reward-weighted", 1.0)
    assert noisy.gap.mean == pytest.approx(0.5)
    assert noisy.gap.mean - noisy.gap.half_width < 2 * frontier.floors.gap
    assert flag(noisy, HACKED).status == "clear"
    assert point(frontier, "reward-weighted", 3.0).fired == []


def test_jpeg_that_draws_only_ones_is_a_diversity_collapse_not_hacked(report):
    (jpeg,) = [f for f in report.frontiers if f.reward == "jpeg"]
    assert jpeg.target_class is None and jpeg.audit == "jpeg-size"
    assert jpeg.floors.diversity_basis == "entropy of the class histogram (bits)"

    def entropy(fractions):
        return -sum(f * math.log2(f) for f in fractions if f > 0)

    bases = [entropy(f) for f in BASE_FRACTIONS]
    assert jpeg.floors.diversity == pytest.approx(statistics.stdev(bases) / statistics.fmean(bases))
    (curve,) = jpeg.curves
    (only,) = curve.points
    ratios = [entropy(JPEG_FRACTIONS) / b for b in bases]
    assert only.diversity.mean == pytest.approx(statistics.fmean(ratios))
    assert only.fired == [DIVERSITY_COLLAPSE]  # it really compresses: the audit agrees
    assert flag(only, HACKED).status == "clear" and jpeg.floors.gap == pytest.approx(0.0)


def floors(**values) -> NoiseFloors:
    return NoiseFloors(bases=["a", "b", "c"], **values)


def made(label, strength, verified, claimed, gap=None, diversity=None) -> Point:
    def est(values):
        return Estimate.of(values) if values is not None else None

    return Point(
        label, "finetune", strength, ["x"], [0, 1, 2], verified=est(verified),
        claimed=est(claimed), gap=est(gap), diversity=est(diversity),
    )  # fmt: skip


def test_over_optimised_needs_the_audit_to_fall_past_noise_while_the_reward_rises():
    base = made("base", None, [0.0] * 3, [0.0] * 3)
    rise = made("λ=1", 1.0, [1.0] * 3, [1.0] * 3)
    noise = floors(verified=0.1, gap=0.1, diversity=0.1)
    cases = {
        # fell 0.5 (> 0.2) while claimed rose: flagged
        "fell": (made("λ=3", 3.0, [0.5] * 3, [2.0] * 3), FLAGGED),
        # fell only 0.15 (< 2 floors): clear
        "within noise": (made("λ=3", 3.0, [0.85] * 3, [2.0] * 3), "clear"),
        # fell 0.5, but the claimed gain fell too: training went bad, not over-optimised
        "both fell": (made("λ=3", 3.0, [0.5] * 3, [0.8] * 3), "clear"),
        # below the base by more than 2 floors while claiming more: past a peak at strength 0
        "below the base": (made("λ=3", 3.0, [-0.5] * 3, [0.5] * 3), FLAGGED),
    }
    for name, (last, expected) in cases.items():
        curve = fr.Curve("backprop", 0.0, "lambda", False, True, {}, "backprop")
        curve.points = [rise, last] if name != "below the base" else [last]
        fr.flag_points(curve, noise, base)
        assert flag(curve.points[-1], OVER_OPTIMISED).status == expected, name


def test_hacked_and_collapse_thresholds_are_two_noise_floors():
    noise = floors(verified=0.1, gap=0.1, diversity=0.05)
    just_over = made("a", 1.0, [1.0] * 3, [1.21] * 3, gap=[0.21] * 3, diversity=[0.89] * 3)
    just_under = made("b", 1.0, [1.0] * 3, [1.19] * 3, gap=[0.19] * 3, diversity=[0.91] * 3)
    for item, expected in ((just_over, FLAGGED), (just_under, "clear")):
        curve = fr.Curve("backprop", 0.0, "lambda", False, True, {}, "backprop")
        curve.points = [item]
        fr.flag_points(curve, noise)
        assert flag(item, HACKED).status == expected
        assert flag(item, DIVERSITY_COLLAPSE).status == expected
    # one seed at a point (with calibrated floors): no interval, so no hacked verdict
    lone = made("c", 1.0, [1.0], [3.0], gap=[2.0], diversity=[0.5])
    curve = fr.Curve("backprop", 0.0, "lambda", False, True, {}, "backprop")
    curve.points = [lone]
    fr.flag_points(curve, noise)
    assert flag(lone, HACKED).status == NOT_CALIBRATED
    assert flag(lone, DIVERSITY_COLLAPSE).status == FLAGGED  # a mean far below noise


def test_one_seed_is_not_calibrated(tmp_path):
    folder = make_results(tmp_path, seeds=(0,))
    board = build(load_results(folder))
    frontier = classifier(board.frontier)
    assert not frontier.floors.calibrated and frontier.floors.gap is None
    for curve in frontier.curves:
        for found in curve.points:
            assert found.one_seed and found.fid_cost.half_width is None
            assert {f.status for f in found.flags} == {NOT_CALIBRATED}
    # lambda 3 would be flagged three times with seeds; with one it is never guessed
    assert point(frontier, "backprop", 3.0).fired == []
    text = render(board, "md")
    assert "not calibrated (one seed)" in text
    assert "| backprop | 0 | λ=3 | 1 (one seed) | 12.00 | 0.050 | 0.80 | 2.90 |" in text
    # the leaderboard rows mark one seed too
    assert re.search(r"\| backprop \| λ=3 \| 1 \(one seed\) \|", text)


# --- the report ------------------------------------------------------------------------------


def test_markdown_has_the_frontier_first(results_dir):
    text = render(load(results_dir), "md")
    first_frontier = text.index("## Frontier 1 of 2: dcgan · classifier (target=7) on digits")
    assert first_frontier < text.index("## Leaderboard 1 of")
    assert "## Frontier 2 of 2: dcgan · jpeg on digits" in text
    table = text[first_frontier:].split("### Budget ranking")[0]
    assert (
        "| method | anchor | strength | seeds | FID cost ↓ | precision drop ↓ | verified gain ↑ "
        "| claimed gain | flags |" in table
    )
    assert "| base (no reward) | – | – | 3 | 0.00 | 0.000 | 0.00 | 0.00 | – |" in table
    half = 4.3027 / math.sqrt(3)
    assert f"| backprop | 0 | λ=1 | 3 | 5.00 ± {half:.2f} |" in table
    assert "hacked, over-optimised, diversity collapse |" in table
    assert "| reward-weighted (uses R on real data) | 0 | β=1 | 3 |" in table
    # the control's costs are equal in every seed: an interval of width 0, not one seed
    assert "| control (more steps, no reward) | – | – | 3 | 1.00 ± 0.00 | 0.010 ± 0.000 |" in table
    ranking = text.split("### Budget ranking: dcgan · classifier (target=7) on digits")[1]
    ranking = ranking.split("##")[0]
    assert "| 1 | backprop | λ=1 | 1.20 ±" in ranking and "| 0.78 |" in ranking
    assert "| 2 | reward-weighted (uses R on real data) | β=1 | 0.80 ±" in ranking
    assert "budget (default): FID cost ≤ 10, precision drop ≤ 0.1" in text
    assert "noise floors over 3 bases: reward 0.1 sd, audit 0.04 sd, gap 0.14 sd" in text
    assert "### How the frontier is measured" in text and "**area**" in text
    # the leaderboard shows method and strength, never mode and lambda, for protocol rows
    board = text.split("## Leaderboard 1 of")[1]
    assert "| rank | backbone | reward | method | strength | seeds |" in board
    assert "hacked ↓" not in board  # no per-cell verdict to share among seeds
    assert "| reward-weighted (uses R on real data) | β=3 | 3 |" in board
    assert "| base (no reward) | – | 3 |" in board
    assert "| control (more steps, no reward) | – | 3 |" in board


def test_json_has_the_frontier_and_the_rows(results_dir):
    data = json.loads(render(load(results_dir), "json"))
    assert set(data) == {"frontier", "rows"}
    report = data["frontier"]
    assert report["budget"] == {"fid_cost": 10.0, "precision_drop": 0.1, "source": "default"}
    assert set(report["definitions"]) >= {"noise_floor", "area", HACKED, OVER_OPTIMISED}
    frontier = next(f for f in report["frontiers"] if f["reward"] == "classifier")
    backprop = next(c for c in frontier["curves"] if c["method"] == "backprop")
    assert backprop["rank"] == 1 and backprop["area"] == pytest.approx(0.78)
    peak = backprop["points"][2]
    assert peak["strength"] == 3.0 and peak["flagged"] == [
        HACKED,
        OVER_OPTIMISED,
        DIVERSITY_COLLAPSE,
    ]
    assert peak["fid_cost"]["mean"] == pytest.approx(14.0) and len(peak["fid_cost"]["ci95"]) == 2
    assert frontier["noise_floors"]["gap"] == pytest.approx(0.14)
    assert frontier["control"]["label"] == "control (more steps, no reward)"
    row = next(r for r in data["rows"] if r.get("method") == "reward-weighted")
    assert row["uses_real_data"] is True and row["strength_name"] == "beta"
    assert row["n_seeds"] == 3 and row["one_seed"] is False


def test_html_has_a_chart_per_frontier_and_cost(results_dir):
    page = render(load(results_dir), "html")
    assert page.index('<section id="frontier">') < page.index('<section id="leaderboard">')
    assert '<a href="#frontier">Frontier</a>' in page
    charts = re.findall(r'<svg class="plot frontier".*?</svg>', page, re.S)
    assert len(charts) == 2 * 2  # two frontiers x (FID cost, precision drop)
    for chart in charts:
        ET.fromstring(chart)  # well-formed
    first = charts[0]
    assert "verified gain vs FID cost" in first
    assert first.count('class="frontier"') == 2  # one polyline per method
    assert first.count('class="claimed"') == 2  # the claimed gain dashed, same colour
    assert first.count('class="point flagged"') == 1  # lambda 3
    assert 'class="base"' in first and 'class="control"' in first
    assert "verified gain vs precision drop" in charts[1]
    assert "hacked, over-optimised, diversity collapse" in page
    assert "How the frontier is measured" in page and "<dt>noise_floor</dt>" in page
    assert "reward-weighted (uses R on real data)" in page
    # the per-cell gauge of a protocol cell gives no verdict: it points to the frontier
    hacking = page.split('<section id="hacking">')[1].split("</section>")[0]
    assert hacking.count("see the frontier (over seeds)") == 7 * 3
    assert "HACKED" not in hacking and "No cell is flagged." in hacking


def test_legacy_results_have_no_frontier():
    board = load(LEADERBOARDS / "digits-hacking-gauge")  # trained from scratch
    assert board.frontier is None
    assert isinstance(json.loads(render(board, "json")), list)
    text = render(board, "md")
    assert "Frontier" not in text and "| rank | backbone | reward | mode | λ | seeds |" in text
    page = render(board, "html")
    assert '<section id="frontier">' not in page and "dl.definitions" not in page


def test_frontiers_never_mix_extractors(tmp_path):
    folder = make_results(tmp_path)
    for path in (folder / "cells").glob("*seed2/result.json"):
        record = json.loads(path.read_text())
        section = record["eval"].get("reward_audit")
        if section:
            section["drift"]["extractor"] = "inception-v3-compat"
            path.write_text(json.dumps(record))
    report = build(load_results(folder)).frontier
    classifiers = [f for f in report.frontiers if f.reward == "classifier"]
    assert sorted(f.extractor for f in classifiers) == [
        "inception-v3-compat",
        "rlgan-digit-eval-net",
    ]
    for frontier in classifiers:
        seeds = {tuple(p.seeds) for c in frontier.curves for p in c.points}
        expected = (2,) if frontier.extractor == "inception-v3-compat" else (0, 1)
        assert seeds == {expected}
    lone = next(f for f in classifiers if f.extractor == "inception-v3-compat")
    assert not lone.floors.calibrated  # one base: never calibrated from another extractor's
    # the control was measured by the digits network: it stays on that frontier only
    assert lone.control is None


def test_compare_keeps_protocol_rows_apart(results_dir):
    from rlgan_bench.report.compare import compare, render_markdown

    board = load(results_dir)
    comparison = compare(board, board)
    labels = [(p.row.method_label, p.row.strength_label) for p in comparison.pairs]
    assert len(labels) == len(set(labels)) == 9  # base, control, 6 classifier points, jpeg
    text = render_markdown(comparison)
    assert "| backbone | reward | method | strength | seeds A/B |" in text
    assert "| reward-weighted (uses R on real data) | β=3 | 3/3 |" in text
