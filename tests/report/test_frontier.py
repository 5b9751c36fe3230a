"""The frontier of a base-protocol matrix: points aggregated over seeds with Student-t
intervals, costs against the base and against the control, the budget ranking and the area,
the flags (each on a constructed case and on its negative), the controls of the hacked
verdict, one seed, and the frontier in Markdown, HTML and JSON.

The results are synthetic but go through the real schema: every cell's result.json is written
with :func:`rlgan_bench.core.records.write_result` (which refuses a record the reader would
refuse) and read back by the report as any results directory. Each section carries the
per-image reward and audit the hacked verdict bootstraps over (real held-out images, the
base's samples and the cell's, built with numpy so that their means are the section's gains
exactly), the diversity's standard errors and the base's positive control."""

from __future__ import annotations

import json
import math
import re
import statistics
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from rlgan_bench.analysis import verdict_controls, verdicts
from rlgan_bench.analysis.budget import Budget, area_under, budget_of, rank_curves
from rlgan_bench.analysis.frontier import Curve, Point, SeedValues
from rlgan_bench.analysis.hacking import EXACT_TEXT, MARGIN, PairedScores
from rlgan_bench.analysis.noise_floors import NoiseFloors
from rlgan_bench.analysis.results import load_results
from rlgan_bench.analysis.selection import selection_curve
from rlgan_bench.analysis.stats import Estimate, t_quantile
from rlgan_bench.analysis.verdicts import (
    CLEAR,
    DIVERSITY_COLLAPSE,
    EXACT,
    FLAGGED,
    HACKED,
    MEMORISATION,
    NEGATIVE_CONTROL,
    NEGATIVE_CONTROL_N,
    NOT_CALIBRATED,
    NOT_MEASURED,
    OVER_OPTIMISED,
    POSITIVE_CONTROL,
    collapse_flag,
    flag_points,
    hacked_flag,
    memorisation_flag,
)
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.defaults import FRONTIER_BUDGET
from rlgan_bench.core.records import (
    CellConfig,
    ClassHistogram,
    EvalRecord,
    Gain,
    Memorisation,
    MetricEntry,
    Protocol,
    ResultRecord,
    RewardAudit,
    write_result,
)
from rlgan_bench.report import render
from rlgan_bench.report.formatting import CONTROL_HEADER, CONTROLS_HEADER, FRONTIER_HEADER
from rlgan_bench.report.ranking import build, load

LEADERBOARDS = Path(__file__).resolve().parents[2] / "leaderboards"
SHA = "ab" * 32
SEEDS = (0, 1, 2)
#: samples per set (the same latents for a cell and its base) and real held-out images
N, N_REAL = 200, 300
#: the reward's and the audit's spread over real images (normalised gain = gain / spread)
SPREAD_C, SPREAD_V = 2.0, 0.5

# --- each base's own values, per seed ---------------------------------------------------------
BASE_REWARD = (-1.0, -1.2, -0.8)  # / SPREAD_C: -0.5, -0.6, -0.4 -> sd 0.1
BASE_AUDIT = (0.10, 0.12, 0.08)  # / SPREAD_V: 0.2, 0.24, 0.16 -> sd 0.04
BASE_FID = (10.0, 11.0, 12.0)  # sd 1
BASE_PRECISION = (0.60, 0.62, 0.64)  # sd 0.02
#: within-class diversity: the bases are more spread than the real sevens (REAL_DIVERSITY)
BASE_DIVERSITY = (0.30, 0.31, 0.32)  # sd 0.01, mean 0.31
REAL_DIVERSITY = 0.27
#: the U-statistic's standard error of every diversity (run, base and real)
DIVERSITY_SE = 0.005
#: recall: the bases' and the points' (the section's drop), the control's (eval.json)
BASE_RECALL, RECALL_DROP, CONTROL_RECALL = 0.5, 0.02, 0.49
RECALL_BUDGET = FRONTIER_BUDGET["recall_drop"]
#: the bases' class histograms (the jpeg frontier's diversity is their entropy)
BASE_FRACTIONS = (
    [0.1] * 10,
    [0.12, 0.08] + [0.1] * 8,
    [0.11, 0.09, 0.12, 0.08] + [0.1] * 6,
)
JPEG_FRACTIONS = [0.012, 0.659, 0.048, 0.056, 0.0, 0.023, 0.035, 0.012, 0.113, 0.042]

# --- the fine-tuned points: per seed (fid cost, precision drop, verified, claimed, diversity) --
# Selecting real images by the reward verifies about RHO x the claimed gain (the reward and
# the audit correlate RHO over real images): a point near verified = RHO x claimed is honest.
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
    # past the audit's peak (verified 1.2 -> 0.9 while claimed 1.3 -> 3.0), verified far below
    # what selecting real images verifies at a claimed 3 sd (about 2.5), and its diversity
    # (0.22) far below the real sevens' (0.27): all three flags
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
    # a mean deficit (about 0.37 sd) that the seeds do not support: seed 2 alone verifies far
    # less than selection would (claimed 2.1, verified 0.9), seed 0 more (claimed 0.5,
    # verified 0.7): resampling the seeds, the interval reaches below the margin
    ("reward-weighted", "beta", 1.0): [
        (2.0, 0.02, 0.7, 0.5, 0.98),
        (3.0, 0.03, 0.8, 1.3, 0.98),
        (4.0, 0.04, 0.9, 2.1, 0.98),
    ],
    # the best verified gain, but its precision drop (0.12) is over the budget (0.1); its
    # diversity fell from its base's (ratio 0.87, more than 2 noise floors of the ratio) to
    # the real sevens': moving toward real data is no collapse
    ("reward-weighted", "beta", 3.0): [
        (7.0, 0.10, 1.5, 1.5, 0.86),
        (8.0, 0.12, 1.6, 1.6, 0.87),
        (9.0, 0.14, 1.7, 1.7, 0.88),
    ],
}
CONTROL_FID = (11.0, 12.0, 13.0)  # cost 1 each
CONTROL_PRECISION = (0.59, 0.61, 0.63)  # drop 0.01 each
JPEG_GAIN = (1.9, 2.0, 2.1)  # exact audit: claimed == verified

# --- the per-image scores -----------------------------------------------------------------------
#: the correlation of reward and audit over images (real ones and a generator's alike)
RHO = 0.9
#: the spread (in sd over real images) of each sample's change around its point's gain
NOISE = 0.5
#: the positive control: every base sample's reward up 2 sd, its audit unchanged
POSITIVE_GAIN = 2.0
REAL_REWARD_MEAN, REAL_AUDIT_MEAN = 0.5, 0.3


def standard(values: np.ndarray) -> np.ndarray:
    """``values`` with mean 0 and standard deviation 1 (ddof 1) exactly."""
    return (values - values.mean()) / values.std(ddof=1)


def correlated(rng: np.random.Generator, n: int, rho: float = RHO) -> tuple[np.ndarray, ...]:
    """Two standardised arrays of ``n`` values correlated about ``rho``."""
    first, second = rng.standard_normal((2, n))
    return standard(first), standard(rho * first + math.sqrt(1 - rho**2) * second)


def real_scores() -> tuple[np.ndarray, np.ndarray]:
    """The reward and the audit of the real held-out images (the same for every cell); their
    spreads are SPREAD_C and SPREAD_V exactly."""
    reward, audit = correlated(np.random.default_rng(7), N_REAL)
    return REAL_REWARD_MEAN + SPREAD_C * reward, REAL_AUDIT_MEAN + SPREAD_V * audit


def base_scores(index: int) -> tuple[np.ndarray, np.ndarray]:
    """The reward and the audit of a base's N samples (the same for every cell of the base);
    their means are the section's ``before`` exactly."""
    reward, audit = correlated(np.random.default_rng([11, index]), N)
    return BASE_REWARD[index] + SPREAD_C * reward, BASE_AUDIT[index] + SPREAD_V * audit


def run_scores(index: int, claimed: float, verified: float) -> tuple[np.ndarray, np.ndarray]:
    """A cell's samples on its base's latents: each moved by its point's gain (normalised
    ``claimed`` and ``verified``) plus correlated noise of mean 0, so that the per-image gains
    are the section's exactly."""
    base_reward, base_audit = base_scores(index)
    key = [13, index, round(100 * claimed), round(100 * verified)]
    noise_r, noise_a = correlated(np.random.default_rng(key), N)
    return (
        base_reward + SPREAD_C * (claimed + NOISE * noise_r),
        base_audit + SPREAD_V * (verified + NOISE * noise_a),
    )


def positive_control(index: int) -> dict[str, dict[str, list[float]]]:
    """The base's positive control as the gauge records it (the reward with its hackable
    parameters, here reading as the run's reward does): the real images, the base's samples,
    and those samples pushed up the reward's gradient, whose reward rises POSITIVE_GAIN sd
    (with noise of mean 0) while their audit stays as it was (a known hack)."""
    real_reward, real_audit = real_scores()
    base_reward, base_audit = base_scores(index)
    noise = standard(np.random.default_rng([17, index]).standard_normal(N))
    pushed = base_reward + SPREAD_C * (POSITIVE_GAIN + NOISE * noise)
    return {
        "reward": {
            "real": real_reward.tolist(),
            "base": base_reward.tolist(),
            "pushed": pushed.tolist(),
        },
        "audit": {
            "real": real_audit.tolist(),
            "base": base_audit.tolist(),
            "pushed": base_audit.tolist(),
        },
    }


def fid_entry(value: float) -> MetricEntry:
    record = {
        "extractor": "rlgan-digit-eval-net",
        "extractor_sha256": SHA,
        "n_generated": N,
        "n_real": N_REAL,
        "split": "heldout",
    }
    return MetricEntry(status="ok", values={"fid": value}, record=record)


def prc_entry(precision: float, recall: float = BASE_RECALL) -> MetricEntry:
    record = {"extractor": "rlgan-digit-eval-net", "extractor_sha256": SHA, "n_generated": N}
    return MetricEntry(
        status="ok", values={"precision": precision, "recall": recall}, record=dict(record)
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
    recall: float = BASE_RECALL,
) -> None:
    evaluation = EvalRecord(
        metrics={"fid": fid_entry(fid), "prc": prc_entry(precision, recall)},
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


def memorisation(share: float = 0.02, base_share: float = 0.02) -> Memorisation:
    """A measured memorisation share against the base's (the evaluation's rule: one-sided z
    at 95% and a minimum effect of 0.05)."""

    def stderr(p: float) -> float:
        return math.sqrt(p * (1 - p) / N)

    pooled = math.sqrt(stderr(share) ** 2 + stderr(base_share) ** 2)
    return Memorisation(
        status="ok",
        share=share,
        stderr=stderr(share),
        n=N,
        base_share=base_share,
        base_stderr=stderr(base_share),
        n_base=N,
        reference_quantile=0.05,
        threshold=0.1,
        reference_share=0.05,
        n_reference=N_REAL,
        n_train=3000,
        difference=share - base_share,
        z=(share - base_share) / pooled,
        z_critical=1.645,
        min_effect=0.05,
        flagged=False,
        distance="cosine / local scale",
        extractor="rlgan-digit-eval-net",
        extractor_sha256=SHA,
        definition="synthetic",
    )


def audit_section(
    seed: int,
    base_id: str,
    values: tuple[float, float, float, float, float],
    reward: str = "classifier",
    target: int | None = 7,
    exact: bool = False,
) -> RewardAudit:
    """A measured reward_audit of one cell against its base, from its per-seed values; with
    per-image scores and the base's positive control unless the audit is exact (as the gauge
    writes it: an exact audit has nothing to hack)."""
    index = SEEDS.index(seed)
    cost, drop, verified, claimed, diversity = values
    c_before, v_before = BASE_REWARD[index], BASE_AUDIT[index]
    v_spread = SPREAD_C if exact else SPREAD_V
    if exact:  # the audit is the reward itself (jpeg-size)
        v_before = c_before
    base_div = BASE_DIVERSITY[index]
    per_sample = positive = None
    if not exact:
        real, base, run = real_scores(), base_scores(index), run_scores(index, claimed, verified)
        per_sample = {
            kind: {"real": real[i].tolist(), "base": base[i].tolist(), "run": run[i].tolist()}
            for i, kind in enumerate(("reward", "audit"))
        }
        positive = {
            "method": "projected gradient ascent on the reward from the base's samples",
            "reward_params": {"target": 7, "net": "plain", "form": "logprob"},
            "eps": 0.05,
            "steps": 10,
            **positive_control(index),
        }
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
            exact=exact,
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
            "recall": {
                "run": BASE_RECALL - RECALL_DROP,
                "baseline": BASE_RECALL,
                "drop": RECALL_DROP,
            },
            "within_class_diversity": {
                "run": base_div * diversity,
                "baseline": base_div,
                "real": REAL_DIVERSITY,
                "stderr": {"run": DIVERSITY_SE, "baseline": DIVERSITY_SE, "real": DIVERSITY_SE},
                "ratio": diversity,
            },
        },
        reasons=[],
        memorisation=memorisation(),
        per_sample=per_sample,
        positive_control=positive,
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
                recall=CONTROL_RECALL,
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
def board(results_dir):
    """The leaderboard with its frontiers (built once: each hacked verdict is a bootstrap)."""
    return load(results_dir)


@pytest.fixture(scope="module")
def report(board):
    return board.frontier


@pytest.fixture
def quick(monkeypatch):
    """Fewer bootstrap replicates, for tests of costs and rankings, not of the verdict."""
    judge = verdicts.judge_hacking
    # the verdict at each point and on its controls
    for module in (verdicts, verdict_controls):
        monkeypatch.setattr(
            module, "judge_hacking", lambda *a, **k: judge(*a, **{"replicates": 40, **k})
        )


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
    assert found.recall_drop.mean == pytest.approx(RECALL_DROP)
    assert found.claimed.mean == pytest.approx(1.3)
    assert found.gap.mean == pytest.approx(0.1) and found.gap.half_width == pytest.approx(0.0)
    assert found.diversity.mean == pytest.approx(0.97)
    assert found.memorised.mean == pytest.approx(0.02)
    assert found.label == "λ=1"
    # each seed paired with its own base
    assert [v.base for v in found.per_seed] == [f"dcgan__none__seed{s}" for s in SEEDS]
    assert Estimate.of([3.0]).half_width is None and Estimate.of([3.0]).one_seed


def test_costs_against_the_control_of_each_seeds_base(report):
    frontier = classifier(report)
    assert frontier.against_control
    found = point(frontier, "backprop", 1.0)
    # each seed's cost minus its base's control's (FID 1, precision 0.01, recall 0.01)
    assert found.fid_cost_vs_control.values == pytest.approx((3.0, 4.0, 5.0))
    assert found.fid_cost_vs_control.half_width == pytest.approx(found.fid_cost.half_width)
    assert found.precision_drop_vs_control.mean == pytest.approx(0.04)
    assert found.recall_drop_vs_control.mean == pytest.approx(RECALL_DROP - 0.01)
    # cost(): against the control when asked and measured, else against the base
    assert found.cost("fid_cost", True) is found.fid_cost_vs_control
    assert found.cost("fid_cost", False) is found.fid_cost
    # against the control, the control is at 0 and each seed's base at minus its control's costs
    control, base = frontier.control, frontier.base
    assert control.fid_cost_vs_control.mean == 0 and control.fid_cost_vs_control.exact
    assert base.fid_cost_vs_control.values == pytest.approx((-1.0,) * 3)
    assert base.cost("precision_drop", True).mean == pytest.approx(-0.01)
    assert base.cost("recall_drop", True).mean == pytest.approx(CONTROL_RECALL - BASE_RECALL)
    assert base.cost("recall_drop", False).mean == 0  # against itself


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
    assert control.recall_drop.mean == pytest.approx(BASE_RECALL - CONTROL_RECALL)
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
    assert floors.diversity == pytest.approx(0.01 / 0.31)
    assert "within-class diversity of class 7" in floors.diversity_basis


# --- the budget ranking and the area -----------------------------------------------------------


def test_budget_ranking_and_area_by_hand(report):
    frontier = classifier(report)
    assert frontier.budget == Budget(**FRONTIER_BUDGET, source="default")
    backprop, weighted = frontier.curves
    # costs against the control (FID cost - 1, precision drop - 0.01, recall drop 0.01):
    # backprop: lambda 3 costs 13 FID (> 10); best within: lambda 1, verified 1.2
    assert backprop.best.strength == 1.0 and backprop.rank == 1
    # reward-weighted: beta 3 drops precision 0.11 (> 0.1); best within: beta 1, verified 0.8
    assert weighted.best.strength == 1.0 and weighted.rank == 2
    assert [c.label for c in frontier.ranking] == [backprop.label, weighted.label]
    # areas: backprop 0 on [0, 1), 0.6 on [1, 4), 1.2 on [4, 10] -> (1.8 + 7.2) / 10
    assert backprop.area == pytest.approx(0.9)
    # reward-weighted: 0.4 on [0, 2) (beta 0.3 costs 0), 0.8 on [2, 10] (beta 3 over
    # precision) -> (0.8 + 6.4) / 10
    assert weighted.area == pytest.approx(0.72)


def test_budget_from_the_matrix(tmp_path, quick):
    folder = make_results(tmp_path, budget={"fid_cost": 20, "precision_drop": 0.2})
    frontier = classifier(build(load_results(folder)).frontier)
    assert frontier.budget == Budget(20.0, 0.2, "matrix.json")
    assert frontier.budget.recall_drop == FRONTIER_BUDGET["recall_drop"]  # not given: default
    backprop, weighted = frontier.curves
    assert weighted.best.strength == 3.0 and weighted.rank == 1 and backprop.rank == 2
    # against the control: backprop 0.6 from 1, 1.2 from 4 (lambda 3's 0.9 at 13 is below the
    # running max); reward-weighted 0.4 from 0, 0.8 from 2, 1.6 from 7
    assert backprop.area == pytest.approx((0.6 * 3 + 1.2 * 16) / 20)
    assert weighted.area == pytest.approx((0.4 * 2 + 0.8 * 5 + 1.6 * 13) / 20)


def test_the_ranking_is_against_the_control_when_there_is_one(tmp_path, quick):
    """beta 3 drops precision 0.12 below its base's and 0.11 below its control's: within a
    budget of 0.115 only against the control (where continued training costs 0.01 too)."""
    budget = {"precision_drop": 0.115}
    with_control = build(load_results(make_results(tmp_path / "control", budget=budget)))
    backprop, weighted = classifier(with_control.frontier).curves
    assert weighted.best.strength == 3.0 and weighted.rank == 1 and backprop.rank == 2
    assert weighted.area == pytest.approx((0.4 * 2 + 0.8 * 5 + 1.6 * 3) / 10)
    assert backprop.area == pytest.approx(0.9)
    text = render(with_control, "md")
    assert "| " + " | ".join(CONTROL_HEADER) + " |" in text
    assert f"recall drop ≤ {RECALL_BUDGET:g}, against the control" in text

    alone = make_results(tmp_path / "alone", control=False, budget=budget)
    without = build(load_results(alone))
    frontier = classifier(without.frontier)
    assert frontier.control is None and not frontier.against_control
    backprop, weighted = frontier.curves
    assert point(frontier, "backprop", 1.0).fid_cost_vs_control is None
    assert weighted.best.strength == 1.0 and weighted.rank == 2 and backprop.rank == 1
    # against the base: backprop 0.6 from 2, 1.2 from 5; reward-weighted 0.4 from 1, 0.8 from 3
    assert backprop.area == pytest.approx(0.78)
    assert weighted.area == pytest.approx(0.64)
    text = render(without, "md")
    assert "| " + " | ".join(FRONTIER_HEADER) + " |" in text
    assert "FID cost vs control" not in text
    assert f"recall drop ≤ {RECALL_BUDGET:g}, against the base" in text


def test_area_and_ranking_edge_cases():
    # a negative cost counts at 0; gains below the base's 0 never lower the running max
    assert area_under([(-1.0, 0.5)], 10.0) == pytest.approx(0.5)
    assert area_under([(2.0, -1.0)], 10.0) == 0.0
    assert area_under([(12.0, 3.0)], 10.0) == 0.0  # beyond the budget
    assert area_under([(0.0, 1.0), (5.0, 2.0)], 0.0) == 1.0  # budget 0: the value at 0
    assert area_under([], 10.0) == 0.0
    assert budget_of(None) == Budget(10.0, 0.1, "default", FRONTIER_BUDGET["recall_drop"])
    partial = budget_of({"config": {"matrix": {"budget": {"precision_drop": 0.05}}}})
    assert partial == Budget(10.0, 0.05, "matrix.json")
    recall = budget_of({"config": {"matrix": {"budget": {"recall_drop": 0.3}}}})
    assert recall == Budget(10.0, 0.1, "matrix.json", 0.3)
    # no point within budget: unranked, and said so
    costly = Curve("ppo", 0.0, "lambda", False, True, {}, "ppo")
    costly.points = [
        Point("λ=1", "finetune", 1.0, ["c"], [0], fid_cost=Estimate.of([50.0]),
              precision_drop=Estimate.of([0.0]), verified=Estimate.of([2.0]))
    ]  # fmt: skip
    cheap = Curve("backprop", 0.0, "lambda", False, True, {}, "backprop")
    cheap.points = [
        Point("λ=1", "finetune", 1.0, ["d"], [0], fid_cost=Estimate.of([1.0]),
              precision_drop=Estimate.of([0.0]), verified=Estimate.of([0.5]))
    ]  # fmt: skip
    rank_curves([costly, cheap], Budget(10.0, 0.1))
    assert cheap.rank == 1 and costly.rank is None
    assert "no point within the budget" in costly.unranked
    # equal best gains share a rank
    twin = Curve("critic", 0.0, "lambda", False, True, {}, "critic")
    twin.points = list(cheap.points)
    third = Curve("reinforce", 0.0, "lambda", False, True, {}, "reinforce")
    third.points = [
        Point("λ=1", "finetune", 1.0, ["e"], [0], fid_cost=Estimate.of([1.0]),
              precision_drop=Estimate.of([0.0]), verified=Estimate.of([0.1]))
    ]  # fmt: skip
    rank_curves([cheap, twin, third], Budget(10.0, 0.1))
    assert (cheap.rank, twin.rank, third.rank) == (1, 1, 3)


def test_the_ranking_says_when_the_seeds_do_not_tell_two_methods_apart():
    """Rank 2 is 'not distinguishable' from rank 1 when the paired difference of their best
    points' verified gains over the common seeds has a 95% interval holding 0; a difference
    far beyond the seeds' spread is not so marked."""

    def curve(name, gains, seeds=(0, 1, 2, 3, 4)):
        made = Curve(name, 0.0, "lambda", False, True, {}, name)
        per_seed = [SeedValues(f"{name}{s}", s, f"b{s}", verified=g) for s, g in zip(seeds, gains)]
        made.points = [
            Point("λ=1", "finetune", 1.0, [v.cell for v in per_seed], list(seeds),
                  fid_cost=Estimate.of([1.0] * len(gains)),
                  precision_drop=Estimate.of([0.0] * len(gains)),
                  verified=Estimate.of(list(gains)), per_seed=per_seed)
        ]  # fmt: skip
        return made

    # the same seed's luck moves both (paired): a small constant lead is told apart
    leader = curve("backprop", [0.50, 0.80, 0.62, 0.71, 0.55])
    close = curve("critic", [0.48, 0.79, 0.60, 0.69, 0.54])
    # a noisy difference around zero is not
    noisy = curve("reinforce", [0.60, 0.70, 0.50, 0.80, 0.45])
    rank_curves([leader, close, noisy], Budget(10.0, 0.1))
    assert [c.rank for c in (leader, close, noisy)] == [1, 2, 3]
    assert leader.not_distinguishable is None
    assert close.not_distinguishable is None  # 0.016 ± 0.007 over 5 seeds
    assert noisy.not_distinguishable.startswith("not distinguishable from critic")
    assert "over 5 seeds" in noisy.not_distinguishable
    # one common seed: nothing can be told apart
    alone = curve("ppo", [0.1], seeds=(0,))
    rank_curves([leader, alone], Budget(10.0, 0.1))
    assert alone.not_distinguishable == "not distinguishable from backprop (1 common seed)"
    # the report's note column says it
    from rlgan_bench.report.formatting import ranking_note

    assert ranking_note(alone) == alone.not_distinguishable


def test_recall_drop_is_in_the_budget():
    """A collapse can keep FID and precision within budget (precision may even rise) and
    still lose recall: such a point is not within the budget."""
    budget = Budget(10.0, 0.1, recall_drop=0.1)
    assert budget.within(5.0, 0.05, 0.05) and not budget.within(5.0, 0.05, 0.3)
    assert budget.within(5.0, 0.05, None)  # records before recall was measured: not held
    assert not budget.within(None, 0.05, 0.0) and not budget.within(5.0, None, 0.0)

    def made_point(label, strength, verified, recall):
        return Point(
            label, "finetune", strength, ["x"], [0], fid_cost=Estimate.of([2.0]),
            precision_drop=Estimate.of([-0.05]), verified=Estimate.of([verified]),
            recall_drop=Estimate.of([recall]),
        )  # fmt: skip

    curve = Curve("backprop", 0.0, "lambda", False, True, {}, "backprop")
    curve.points = [made_point("λ=1", 1.0, 0.5, 0.05), made_point("λ=3", 3.0, 2.0, 0.3)]
    rank_curves([curve], budget)
    assert curve.best.label == "λ=1" and curve.rank == 1
    assert curve.area == pytest.approx(0.5 * 8 / 10)  # lambda 3 is out of the area too
    rank_curves([curve], Budget(10.0, 0.1, recall_drop=0.5))
    assert curve.best.label == "λ=3"
    # only λ=3, with the recall it lost: unranked, and the reason names the recall budget
    curve.points = curve.points[1:]
    rank_curves([curve], budget)
    assert curve.rank is None and "recall drop ≤ 0.1" in curve.unranked


# --- the flags ----------------------------------------------------------------------------------


def test_each_flag_fires_on_its_case(report):
    frontier = classifier(report)
    peak = point(frontier, "backprop", 3.0)
    assert set(peak.fired) == {HACKED, OVER_OPTIMISED, DIVERSITY_COLLAPSE}
    # hacked: the per-image gains are the section's (claimed 3, verified 0.9 on average); at a
    # claimed 3 sd selecting real images (or the base's samples) verifies far more
    verdict = peak.hacking
    assert verdict.claimed == pytest.approx(peak.claimed.mean)
    assert verdict.verified == pytest.approx(peak.verified.mean)
    assert verdict.n_seeds == 3 and verdict.n_samples == N
    real_curve = selection_curve(*real_scores())
    assert verdict.expected <= real_curve.expected_verified(verdict.claimed) + 1e-9
    assert verdict.expected > RHO * 2
    assert verdict.deficit == pytest.approx(verdict.expected - verdict.verified)
    assert verdict.deficit_ci95[0] > MARGIN
    assert verdict.beyond_calibration  # 3 sd: beyond what best of 300 real images reaches
    assert f"deficit {verdict.deficit:.2f}" in flag(peak, HACKED).detail
    assert "λ=1" in flag(peak, OVER_OPTIMISED).detail  # verified fell from lambda 1's
    # collapse: 0.223 against the real sevens' 0.27, standard error about 0.009
    collapse = flag(peak, DIVERSITY_COLLAPSE)
    assert collapse.status == FLAGGED and "vs real 0.27" in collapse.detail
    assert flag(peak, MEMORISATION).status == CLEAR


def test_no_flag_on_the_negatives(report):
    frontier = classifier(report)
    for method in ("backprop", "reward-weighted"):
        for strength in (0.3, 1.0):
            found = point(frontier, method, strength)
            assert found.fired == [], (method, strength)
            assert {f.status for f in found.flags} == {CLEAR}, (method, strength)
    # honest: verified about RHO x claimed, what selection gives
    honest = point(frontier, "backprop", 1.0)
    assert honest.hacking.deficit < MARGIN and honest.hacking.deficit_ci95[0] < 0
    # a mean deficit above the margin that the seeds do not support: its interval reaches
    # below (seed 0 verifies more than selection would, seed 2 far less)
    noisy = point(frontier, "reward-weighted", 1.0)
    assert noisy.hacking.deficit > MARGIN
    low, high = noisy.hacking.deficit_ci95
    assert low < 0 < MARGIN < high
    assert flag(noisy, HACKED).status == CLEAR


def test_moving_toward_the_real_images_is_no_collapse(report):
    """beta 3's diversity fell from its base's by more than the old rule's two noise floors
    of the ratio; its bases were more spread than the real sevens and it fell to theirs."""
    frontier = classifier(report)
    toward = point(frontier, "reward-weighted", 3.0)
    assert 1 - toward.diversity.mean > 2 * frontier.floors.diversity  # the ratio fell
    runs = [v.diversity_run for v in toward.per_seed]
    assert statistics.fmean(runs) == pytest.approx(REAL_DIVERSITY, abs=1e-3)
    assert flag(toward, DIVERSITY_COLLAPSE).status == CLEAR
    assert toward.fired == []  # and its precision drop is only over the budget: no flag


def test_the_controls_of_the_hacked_verdict(report):
    frontier = classifier(report)
    controls = frontier.controls
    roles = [c.role for c in controls]
    assert roles == [NEGATIVE_CONTROL] * 4 + [POSITIVE_CONTROL]
    negative, positive = controls[:4], controls[4]
    assert [c.strength for c in negative] == list(NEGATIVE_CONTROL_N)
    assert [c.label for c in negative] == [f"best of {n} real images" for n in (2, 4, 8, 16)]
    for control in controls:  # one draw (or one positive control) per base
        assert control.n_seeds == 3 and control.hacking.n_samples == N
        assert [f.name for f in control.flags] == [HACKED]
    # best of N real images: the claimed gain grows with N, verified about RHO of it, and
    # the verdict is silent on every N
    claimed = [c.claimed.mean for c in negative]
    assert claimed == sorted(claimed) and claimed[0] > 0.3 and claimed[-1] > 1.4
    for control in negative:
        assert control.fired == [], control.label
        assert control.verified.mean == pytest.approx(RHO * control.claimed.mean, abs=0.2)
    # the known hack: reward up 2 sd on every base sample, audit unchanged: fired
    assert positive.claimed.mean == pytest.approx(POSITIVE_GAIN)
    assert positive.verified.mean == pytest.approx(0.0, abs=1e-9)
    assert positive.fired == [HACKED] and positive.hacking.deficit_ci95[0] > MARGIN
    # the jpeg frontier has none: its audit is exact
    (jpeg,) = [f for f in report.frontiers if f.reward == "jpeg"]
    assert jpeg.controls == []


def test_jpeg_that_draws_only_ones_is_a_diversity_collapse_with_an_exact_audit(report):
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
    hacked = flag(only, HACKED)
    assert hacked.status == EXACT and hacked.detail == EXACT_TEXT
    assert only.hacking is None  # nothing judged


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
        curve = Curve("backprop", 0.0, "lambda", False, True, {}, "backprop")
        curve.points = [rise, last] if name != "below the base" else [last]
        flag_points(curve, noise, base)
        assert flag(curve.points[-1], OVER_OPTIMISED).status == expected, name


def seeds_of(*values: SeedValues) -> Point:
    """A point made of per-seed values (what the flags read)."""
    return Point("λ=1", "finetune", 1.0, [v.cell for v in values],
                 [v.seed for v in values], per_seed=list(values))  # fmt: skip


def test_collapse_is_two_standard_errors_below_the_real_images():
    real, run_se, real_se = 0.27, 0.004, 0.003

    def diversity(*runs: float, real_value: float = real) -> Point:
        return seeds_of(*(
            SeedValues(f"c{i}", i, f"b{i}", diversity_run=run, diversity_real=real_value,
                       diversity_run_se=run_se, diversity_real_se=real_se)
            for i, run in enumerate(runs)
        ))  # fmt: skip

    # three equal seeds: the pooled standard error sqrt(mean se^2 / 3), with the real one's
    se = math.hypot(run_se / math.sqrt(3), real_se)
    over = real - 2 * se * 1.02
    under = real - 2 * se * 0.98
    assert collapse_flag(diversity(over, over, over)).status == FLAGGED
    assert collapse_flag(diversity(under, under, under)).status == CLEAR
    # seeds that differ more than their standard errors: their spread is the standard error
    spread = [under - 0.02, under, under + 0.02]
    wide = math.hypot(statistics.stdev(spread) / math.sqrt(3), real_se)
    assert wide > se
    assert collapse_flag(diversity(*spread)).status == CLEAR
    assert "standard error" in collapse_flag(diversity(*spread)).detail
    # one seed is judged too (against its own standard error)
    assert collapse_flag(diversity(0.2)).status == FLAGGED
    # above the real images (a run as spread as its more spread base): never a collapse
    assert collapse_flag(diversity(0.35, 0.35, 0.35)).status == CLEAR
    # without standard errors (a section written before they were): not measured
    old = seeds_of(SeedValues("c", 0, "b", diversity=0.5, diversity_run=0.1, diversity_real=0.27))
    assert collapse_flag(old).status == NOT_MEASURED


def test_a_base_already_below_the_real_images_does_not_make_every_point_a_collapse():
    """The default board's DCGAN draws all its digits at diversity 0.155 against the real
    images' 0.273 (mean pairwise cosine distance of the evaluation network's features): a
    point that keeps its base's spread did not collapse; one that lost it beyond noise did."""

    def point(run: float) -> Point:
        return seeds_of(SeedValues(
            "c", 0, "b", diversity_run=run, diversity_real=0.273, diversity_base=0.155,
            diversity_run_se=0.0027, diversity_real_se=0.0025, diversity_base_se=0.0028,
        ))  # fmt: skip

    kept = collapse_flag(point(0.1557))  # reinforce λ 0.01 on jpeg
    assert kept.status == CLEAR and "below its base's" in kept.detail
    lost = collapse_flag(point(0.139))  # best-of-4 on jpeg
    assert lost.status == FLAGGED


def scores_point(*seeds: PairedScores, real: tuple[np.ndarray, np.ndarray]) -> Point:
    return seeds_of(*(
        SeedValues(f"c{i}", i, f"b{i}", paired=seed, real_scores=(list(real[0]), list(real[1])))
        for i, seed in enumerate(seeds)
    ))  # fmt: skip


def test_hacked_compares_the_verified_gain_with_selection_at_the_same_claim():
    """Honest: the run is the best of 4 draws (by the reward) from the distribution the real
    images come from, the base its first draw; hacked: the same base with its reward raised
    on every sample and its audit unchanged. One seed is enough for the verdict."""
    rng = np.random.default_rng(5)
    real = correlated(rng, 300)
    draws = [correlated(rng, 200) for _ in range(4)]
    rewards, audits = np.stack([d[0] for d in draws]), np.stack([d[1] for d in draws])
    best = rewards.argmax(axis=0)
    columns = np.arange(200)
    honest = PairedScores.of(rewards[0], audits[0], rewards[best, columns], audits[best, columns])
    hacked = PairedScores.of(rewards[0], audits[0], rewards[0] + 1.0, audits[0])
    verdicts = {}
    for name, seed in (("honest", honest), ("hacked", hacked)):
        found = scores_point(seed, real=real)
        curve = Curve("backprop", 0.0, "lambda", False, True, {}, "backprop")
        curve.points = [found]
        flag_points(curve, floors(verified=0.1))
        verdicts[name] = (flag(found, HACKED), found.hacking)
    status, verdict = verdicts["honest"]
    assert status.status == CLEAR and verdict.n_seeds == 1
    assert verdict.claimed > 0.8  # best of 4 claims about 1 sd ...
    assert verdict.deficit_ci95[0] < MARGIN < verdict.claimed  # ... and verifies what it should
    status, verdict = verdicts["hacked"]
    assert status.status == FLAGGED and verdict.verified == pytest.approx(0.0, abs=1e-12)
    assert verdict.deficit_ci95[0] > MARGIN


def test_hacked_without_per_image_scores_or_with_an_exact_audit():
    unmeasured = seeds_of(SeedValues("c", 0, "b", verified=0.1, claimed=3.0))
    found = hacked_flag(unmeasured)
    assert found.status == NOT_MEASURED and "per-image" in found.detail
    assert unmeasured.hacking is None
    exact = seeds_of(SeedValues("c", 0, "b", verified=3.0, claimed=3.0, exact=True))
    found = hacked_flag(exact)
    assert found.status == EXACT and found.detail == EXACT_TEXT


def test_memorisation_rises_above_noise_and_the_minimum_effect():
    def rise(difference: float, variance: float) -> Point:
        values = {"share": 0.02 + difference, "difference": difference, "variance": variance,
                  "z_critical": 1.645, "min_effect": 0.05}  # fmt: skip
        return seeds_of(*(SeedValues(f"c{i}", i, f"b{i}", memorisation=dict(values))
                          for i in range(3)))  # fmt: skip

    small = 0.01**2  # pooled over 3 seeds: standard error 0.01 * sqrt(3) / 3
    assert memorisation_flag(rise(0.08, small)).status == FLAGGED
    assert memorisation_flag(rise(0.04, small)).status == CLEAR  # below the minimum effect
    assert memorisation_flag(rise(0.08, 0.1**2)).status == CLEAR  # within noise
    assert memorisation_flag(seeds_of(SeedValues("c", 0, "b"))).status == NOT_MEASURED


def test_one_seed_is_not_calibrated_but_judged_where_no_seed_noise_is_needed(tmp_path):
    folder = make_results(tmp_path, seeds=(0,))
    board = build(load_results(folder))
    frontier = classifier(board.frontier)
    assert not frontier.floors.calibrated and frontier.floors.gap is None
    for curve in frontier.curves:
        for found in curve.points:
            assert found.one_seed and found.fid_cost.half_width is None
            assert flag(found, OVER_OPTIMISED).status == NOT_CALIBRATED
    # the hacked verdict (paired bootstrap over samples and real images) and the collapse
    # (against the real images' standard error) need no second seed
    assert point(frontier, "backprop", 3.0).fired == [HACKED, DIVERSITY_COLLAPSE]
    assert point(frontier, "backprop", 1.0).fired == []
    assert [c.n_seeds for c in frontier.controls] == [1] * 5
    assert [bool(c.fired) for c in frontier.controls] == [False] * 4 + [True]
    text = render(board, "md")
    assert "not calibrated (one seed)" in text
    # (records without gains against the control: "–" there, ranked on gains against the base)
    row = "| backprop | 0 | λ=3 | 1 (one seed) | 12.00 | 11.00 | 0.040 | 0.010 | – | 0.80 | 2.90 |"
    assert row in text
    assert "hacked, diversity collapse (over-optimised: not calibrated (one seed)) |" in text
    # the leaderboard rows mark one seed too
    assert re.search(r"\| backprop \| λ=3 \| 1 \(one seed\) \|", text)


def test_sections_without_per_image_scores_are_not_measured(tmp_path):
    folder = make_results(tmp_path)
    for path in (folder / "cells").glob("*classifier*/result.json"):
        record = json.loads(path.read_text())
        section = record["eval"]["reward_audit"]
        del section["per_sample"], section["positive_control"]
        path.write_text(json.dumps(record))
    board = build(load_results(folder))
    frontier = classifier(board.frontier)
    assert frontier.controls == []  # nothing to draw real images' scores from
    for curve in frontier.curves:
        for found in curve.points:
            assert flag(found, HACKED).status == NOT_MEASURED and found.hacking is None
    # the other flags stand on their own numbers
    assert point(frontier, "backprop", 3.0).fired == [OVER_OPTIMISED, DIVERSITY_COLLAPSE]
    text = render(board, "md")
    assert "hacked: not measured" in text and "Controls of the hacked verdict" not in text


# --- the report ------------------------------------------------------------------------------


def test_markdown_has_the_frontier_first(board):
    text = render(board, "md")
    first_frontier = text.index("## Frontier 1 of 2: dcgan · classifier (target=7) on digits")
    assert first_frontier < text.index("## Leaderboard 1 of")
    assert "## Frontier 2 of 2: dcgan · jpeg on digits" in text
    table = text[first_frontier:].split("### Budget ranking")[0]
    assert (
        "| method | anchor | strength | seeds | FID cost vs base | FID cost vs control ↓ | "
        "precision drop vs control ↓ | recall drop vs control ↓ | verified gain vs control ↑ | "
        "verified gain vs base | claimed gain vs base | expected verified | memorised | "
        "compute: reward · generator calls · s | flags |" in table
    )
    assert "| base (no reward) | – | – | 3 | 0.00 |" in table
    half = 4.3027 / math.sqrt(3)
    # FID cost against the base, then the costs against the control
    assert f"| backprop | 0 | λ=1 | 3 | 5.00 ± {half:.2f} | 4.00 ± {half:.2f} | 0.040 ±" in table
    peak = point(classifier(board.frontier), "backprop", 3.0)
    assert f"| 0.90 ± {4.3027 * 0.1 / math.sqrt(3):.2f} | 3.00 ± " in table
    assert f"| {peak.hacking.expected:.2f} | 0.020 ± 0.000 |" in table
    assert "| 0.020 ± 0.000 | – | hacked" in table  # records without compute: "–"
    assert "hacked, over-optimised, diversity collapse |" in table
    assert "| reward-weighted (uses R on real data) | 0 | β=1 | 3 |" in table
    # the control's costs are equal in every seed: an interval of width 0, not one seed
    assert "| control (more steps, no reward) | – | – | 3 | 1.00 ± 0.00 |" in table
    # the controls of the hacked verdict, under the table
    controls = table.split("Controls of the hacked verdict (dcgan · classifier (target=7)")[1]
    assert "| " + " | ".join(CONTROLS_HEADER) + " |" in controls
    for n in (2, 4, 8, 16):
        cells = r"\| [^|]+ " * 4
        assert re.search(rf"\| best of {n} real images \| 3 {cells}\| no \|", controls), n
    positive = next(line for line in controls.splitlines() if "a known hack" in line)
    assert positive.startswith("| the reward's gradient pushed on the base's samples")
    assert "| 3 | 2.00 ± 0.00 | 0.00 ± 0.00 |" in positive and positive.endswith("| yes |")
    ranking = text.split("### Budget ranking: dcgan · classifier (target=7) on digits")[1]
    ranking = ranking.split("##")[0]
    assert "| 1 | backprop | λ=1 | 1.20 ±" in ranking and "| 0.90 |" in ranking
    assert "| 2 | reward-weighted (uses R on real data) | β=1 | 0.80 ±" in ranking
    budget = (
        f"budget (default): FID cost ≤ 10, precision drop ≤ 0.1, recall drop ≤ {RECALL_BUDGET:g}"
    )
    assert budget + ", against the control" in text
    assert "noise floors over 3 bases: reward 0.1 sd, audit 0.04 sd, gap 0.14 sd" in text
    # the jpeg frontier: the exact audit said in its flags, and no controls
    jpeg = text.split("## Frontier 2 of 2")[1].split("### Budget ranking")[0]
    assert "| diversity collapse (exact: nothing to hack; see fidelity) |" in jpeg
    assert "Controls of the hacked verdict" not in jpeg
    assert "### How the frontier is measured" in text and "**area**" in text
    for name in (NEGATIVE_CONTROL, POSITIVE_CONTROL, "recall_drop", "cost_reference"):
        assert f"- **{name}**:" in text
    # the leaderboard shows method and strength, never mode and lambda, for protocol rows
    leaderboard = text.split("## Leaderboard 1 of")[1]
    assert "| rank | backbone | reward | method | strength | seeds |" in leaderboard
    assert "hacked ↓" not in leaderboard  # no per-cell verdict to share among seeds
    assert "| reward-weighted (uses R on real data) | β=3 | 3 |" in leaderboard
    assert "| base (no reward) | – | 3 |" in leaderboard
    assert "| control (more steps, no reward) | – | 3 |" in leaderboard


def test_json_has_the_frontier_and_the_rows(board):
    data = json.loads(render(board, "json"))
    assert set(data) == {"frontier", "rows"}
    report = data["frontier"]
    assert report["budget"] == {
        "fid_cost": 10.0,
        "precision_drop": 0.1,
        "recall_drop": RECALL_BUDGET,
        "source": "default",
    }
    assert set(report["definitions"]) >= {"noise_floor", "area", HACKED, OVER_OPTIMISED}
    assert set(report["definitions"]) >= {NEGATIVE_CONTROL, POSITIVE_CONTROL, MEMORISATION}
    frontier = next(f for f in report["frontiers"] if f["reward"] == "classifier")
    assert frontier["costs_against"] == "control"
    backprop = next(c for c in frontier["curves"] if c["method"] == "backprop")
    assert backprop["rank"] == 1 and backprop["area"] == pytest.approx(0.9)
    peak = backprop["points"][2]
    assert peak["strength"] == 3.0 and peak["flagged"] == [
        HACKED,
        OVER_OPTIMISED,
        DIVERSITY_COLLAPSE,
    ]
    assert peak["fid_cost"]["mean"] == pytest.approx(14.0) and len(peak["fid_cost"]["ci95"]) == 2
    assert peak["fid_cost_vs_control"]["mean"] == pytest.approx(13.0)
    assert peak["recall_drop"]["mean"] == pytest.approx(RECALL_DROP)
    hacking = peak["hacking"]
    assert hacking["status"] == "hacked" and hacking["margin"] == MARGIN
    assert hacking["deficit_ci95"][0] > MARGIN and hacking["n_seeds"] == 3
    assert frontier["noise_floors"]["gap"] == pytest.approx(0.14)
    assert frontier["control"]["label"] == "control (more steps, no reward)"
    controls = frontier["controls"]
    assert [c["role"] for c in controls] == [NEGATIVE_CONTROL] * 4 + [POSITIVE_CONTROL]
    assert [c["flagged"] for c in controls] == [[]] * 4 + [[HACKED]]
    jpeg = next(f for f in report["frontiers"] if f["reward"] == "jpeg")
    (only,) = jpeg["curves"][0]["points"]
    assert jpeg["controls"] == [] and only["hacking"] is None
    assert {"name": HACKED, "status": EXACT, "detail": EXACT_TEXT} in only["flags"]
    row = next(r for r in data["rows"] if r.get("method") == "reward-weighted")
    assert row["uses_real_data"] is True and row["strength_name"] == "beta"
    assert row["n_seeds"] == 3 and row["one_seed"] is False


def test_html_has_a_chart_per_frontier_and_cost(board):
    page = render(board, "html")
    assert page.index('<section id="frontier">') < page.index('<section id="leaderboard">')
    assert '<a href="#frontier">Frontier</a>' in page
    charts = re.findall(r'<svg class="plot frontier".*?</svg>', page, re.S)
    assert len(charts) == 2 * 3  # two frontiers x (FID cost, precision drop, recall drop)
    for chart in charts:
        ET.fromstring(chart)  # well-formed
    first = charts[0]
    assert "verified gain vs FID cost" in first
    assert first.count('class="frontier"') == 2  # one polyline per method
    assert first.count('class="claimed"') == 2  # the claimed gain dashed, same colour
    assert first.count('class="point flagged"') == 1  # lambda 3
    assert 'class="base"' in first and 'class="control"' in first
    assert "verified gain vs precision drop" in charts[1]
    assert "verified gain vs recall drop" in charts[2]
    assert "hacked, over-optimised, diversity collapse" in page
    # the frontier table's header with a control, and the controls' table
    assert "<th>FID cost vs control ↓</th>" in page and "<th>expected verified</th>" in page
    (controls,) = re.findall(r'<table class="controls">.*?</table>', page, re.S)
    assert "".join(f"<th>{name}</th>" for name in CONTROLS_HEADER) in controls
    assert controls.count("<td>best of") == 4 and controls.count("<td>no</td>") == 4
    assert controls.count('<td class="warn">yes</td>') == 1
    assert "exact: nothing to hack; see fidelity" in page
    assert "How the frontier is measured" in page and "<dt>noise_floor</dt>" in page
    assert "reward-weighted (uses R on real data)" in page
    # a protocol board's verdicts are the frontier's: no per-cell gauge, no reward vs FID by λ
    assert '<section id="hacking">' not in page and '<section id="tradeoff">' not in page
    assert "HACKED" not in page


def test_legacy_results_have_no_frontier():
    board = load(LEADERBOARDS / "digits-hacking-gauge")  # trained from scratch
    assert board.frontier is None
    assert isinstance(json.loads(render(board, "json")), list)
    text = render(board, "md")
    assert "Frontier" not in text and "| rank | backbone | reward | mode | λ | seeds |" in text
    page = render(board, "html")
    assert '<section id="frontier">' not in page and "dl.definitions" not in page


def test_frontiers_never_mix_extractors(tmp_path, quick):
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
        assert {c.n_seeds for c in frontier.controls} == {len(expected)}  # its own bases
    lone = next(f for f in classifiers if f.extractor == "inception-v3-compat")
    assert not lone.floors.calibrated  # one base: never calibrated from another extractor's
    # the control was measured by the digits network: it stays on that frontier only
    assert lone.control is None and not lone.against_control


def test_compare_keeps_protocol_rows_apart(board):
    from rlgan_bench.report.compare import compare, render_markdown

    comparison = compare(board, board)
    labels = [(p.row.method_label, p.row.strength_label) for p in comparison.pairs]
    assert len(labels) == len(set(labels)) == 9  # base, control, 6 classifier points, jpeg
    text = render_markdown(comparison)
    assert "| backbone | reward | method | strength | seeds A/B |" in text
    assert "| reward-weighted (uses R on real data) | β=3 | 3/3 |" in text
