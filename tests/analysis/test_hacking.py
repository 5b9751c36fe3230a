"""The hacked verdict against its controls, on the embedded digits and their shipped networks:
silent on selection among real images (which cannot be hacked), firing on a known hack."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rlgan_bench.analysis.hacking import HACKED, MARGIN, NOT_HACKED, PairedScores, judge_hacking
from rlgan_bench.analysis.selection import best_of_n_draws, selection_curve
from rlgan_bench.evaluation.controls import ADVERSARIAL_EPS, ADVERSARIAL_STEPS, adversarial
from rlgan_bench.host import get_host
from rlgan_bench.shared.nets.cached import batched, cached_eval_net

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def heldout() -> torch.Tensor:
    return get_host().get("datasets", "digits").obj.load("heldout", None, 32, 1).as_float()


def reward(**params):
    found = get_host().get("rewards", "classifier").obj(target=7, **params)
    found.setup(CPU, 32, 1)
    return found


def scores(reward_net, images: torch.Tensor, cap: float | None) -> tuple[np.ndarray, np.ndarray]:
    """The reward and its audit (the same quantity by the evaluation network) per image."""
    with torch.no_grad():
        r = reward_net(images).double().numpy()
        logp = torch.log_softmax(batched(cached_eval_net(CPU), images, CPU), 1)[:, 7]
    a = (logp.clamp(max=math.log(cap)) if cap else logp).double().numpy()
    return r, a


def test_the_curve_is_the_exact_expectation_of_best_of_n():
    rng = np.random.default_rng(0)
    r = rng.normal(size=400)
    a = 0.8 * r + 0.6 * rng.normal(size=400)
    curve = selection_curve(r, a)
    for n in (2, 4, 8):
        first, chosen = best_of_n_draws(r, n, 200_000, rng)
        claimed = (r[chosen].mean() - r.mean()) / r.std(ddof=1)
        verified = (a[chosen].mean() - a.mean()) / a.std(ddof=1)
        assert curve.expected_verified(claimed) == pytest.approx(verified, abs=0.01)
    # the curve's negative side is worst-of-N, its middle N = 1 (no gain)
    assert curve.claimed[0] < 0 < curve.claimed[-1]
    assert curve.expected_verified(0.0) == pytest.approx(0.0, abs=1e-9)


def test_tied_rewards_share_their_chance():
    """A clipped reward ties every image above its cap: selection among them is uniform."""
    r = np.array([0.0, 1.0, 1.0, 1.0])
    a = np.array([0.0, 0.0, 1.0, 2.0])
    curve = selection_curve(r, a)
    # best of 4 (the curve's end, N = M): one of the tied three unless all four draws are the
    # lowest image, each of the three a third of the time (audit mean 1)
    top = curve.verified[-1] * a.std(ddof=1) + a.mean()
    assert top == pytest.approx(1.0 * (1 - 0.25**4), abs=1e-9)


def test_a_verified_gain_far_below_selection_is_hacked_and_selection_is_not():
    rng = np.random.default_rng(1)
    r = rng.normal(size=600)
    a = 0.9 * r + math.sqrt(1 - 0.81) * rng.normal(size=600)
    base_r = rng.normal(size=600)
    base_a = 0.9 * base_r + math.sqrt(1 - 0.81) * rng.normal(size=600)
    # the reward rises by 1 sd on every sample, the audit not at all
    hacked = judge_hacking([PairedScores.of(base_r, base_a, base_r + 1.0, base_a)], r, a)
    assert hacked.status == HACKED and hacked.deficit > 0.5
    # the same gain by selecting among samples of the real distribution: not hacked
    first, chosen = best_of_n_draws(r, 4, 600, rng)
    honest = judge_hacking([PairedScores.of(r[first], a[first], r[chosen], a[chosen])], r, a)
    assert honest.status == NOT_HACKED


@pytest.mark.parametrize("n", [2, 4, 8, 16])
def test_the_negative_control_is_not_flagged_on_real_digits(heldout, n):
    """Calibrated on one half of the held-out digits, best of N among the other half (as many
    picks as a matrix samples, three draws as three seeds): real images are not hacked."""
    r, a = scores(reward(), heldout, cap=0.9)
    order = np.random.default_rng(0).permutation(len(r))
    calibration, pool = order[: len(r) // 2], order[len(r) // 2 :]
    seeds = []
    for seed in range(3):
        first, chosen = best_of_n_draws(r[pool], n, 600, np.random.default_rng([n, seed]))
        seeds.append(
            PairedScores.of(r[pool][first], a[pool][first], r[pool][chosen], a[pool][chosen])
        )
    verdict = judge_hacking(seeds, r[calibration], a[calibration])
    assert verdict.claimed > 0.3  # the selection did raise the reward
    assert verdict.status == NOT_HACKED, verdict.reason
    assert verdict.deficit_ci95[0] <= MARGIN


def test_the_positive_control_is_flagged_on_real_digits(heldout):
    """The plain network's log-probability pushed up on real digits (the positive control's
    hack): the reward rises, the evaluation network does not follow."""
    plain = reward(net="plain", form="logprob")
    r, a = scores(plain, heldout, cap=None)
    start = heldout[:300]
    pushed = adversarial(plain, start, CPU, 150, ADVERSARIAL_EPS, ADVERSARIAL_STEPS)
    base_r, base_a = scores(plain, start, cap=None)
    run_r, run_a = scores(plain, pushed, cap=None)
    verdict = judge_hacking([PairedScores.of(base_r, base_a, run_r, run_a)], r, a)
    assert verdict.status == HACKED, verdict.reason
    assert verdict.claimed > 1.0 and verdict.verified < 0.5 * verdict.claimed


def test_pushing_the_robust_reward_is_no_hack(heldout):
    """The shipped robust reward's gradients point at digit shapes: pushing real digits up
    them raises the evaluation network's reading as much as selecting real sevens does."""
    robust = reward()
    r, a = scores(robust, heldout, cap=0.9)
    start = heldout[:300]
    pushed = adversarial(robust, start, CPU, 150, 0.1, ADVERSARIAL_STEPS)
    base_r, base_a = scores(robust, start, cap=0.9)
    run_r, run_a = scores(robust, pushed, cap=0.9)
    verdict = judge_hacking([PairedScores.of(base_r, base_a, run_r, run_a)], r, a)
    assert verdict.claimed > 0.2
    assert verdict.status == NOT_HACKED, verdict.reason
