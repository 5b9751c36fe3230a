"""What selecting real images by a reward does to the reward and to its audit.

Real held-out images are not adversarial: picking the best of N of them by the reward raises
the reward (the *claimed* gain) and raises the audit by whatever share of that the audit
agrees with (the *verified* gain). How much less the audit rises is set by how well the two
agree on natural images (regressional Goodhart: a proxy correlated rho < 1 with its gold
raises the gold less than itself), not by exploitation. :func:`selection_curve` traces that
relation exactly (no Monte Carlo) for N from 1 to the number of images; it is the calibration
the hacking verdict (:mod:`rlgan_bench.analysis.hacking`) holds a method's point against.

Best of N draws with replacement from M images sorted by reward: the chance that the image of
rank k (1 = lowest) is the best is (k/M)^N - ((k-1)/M)^N; images tied on the reward (a
clipped reward ties every image above its cap) share their group's chance evenly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: the selection strengths the calibration curve is traced at: N from 1 (no selection) up to
#: the number of images, evenly in log N; worst-of-N gives the curve's negative side
CURVE_POINTS = 48


def _selection_weights(reward: NDArray[np.float64], ns: NDArray[np.float64]) -> NDArray[np.float64]:
    """The chance that each image is the best of ``n`` draws, one row per ``n`` (ties share
    their group's chance evenly)."""
    m = len(reward)
    order = np.argsort(reward, kind="stable")
    ranked = reward[order]
    # group ties: each group's chance is (hi/M)^N - (lo/M)^N, spread over its members
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    ends = np.r_[starts[1:], m]
    mass = (ends / m)[None, :] ** ns[:, None] - (starts / m)[None, :] ** ns[:, None]
    per_rank = np.repeat(mass / (ends - starts)[None, :], ends - starts, axis=1)
    weights = np.empty((len(ns), m))
    weights[:, order] = per_rank
    return weights


@dataclass(frozen=True)
class SelectionCurve:
    """Expected claimed and verified gains (in standard deviations over the images) of
    best-of-N (positive side) and worst-of-N (negative side) selection, by N."""

    n: tuple[float, ...]
    claimed: tuple[float, ...]  # increasing
    verified: tuple[float, ...]

    @property
    def claimed_range(self) -> tuple[float, float]:
        return self.claimed[0], self.claimed[-1]

    def expected_verified(self, claimed: float) -> float:
        """The verified gain real selection gives at ``claimed``: interpolated on the curve;
        beyond its ends, the end's value (selection among these images reaches no further,
        and a larger claimed gain should not verify less)."""
        return float(np.interp(claimed, self.claimed, self.verified))

    def to_json(self) -> dict[str, list[float]]:
        return {"n": list(self.n), "claimed": list(self.claimed), "verified": list(self.verified)}


def selection_curve(
    reward: ArrayLike, audit: ArrayLike, scale: tuple[float, float] | None = None
) -> SelectionCurve:
    """The calibration curve of one reward and its audit over a set of images (one value of
    each per image). Gains are normalised by ``scale`` (the reward's and the audit's standard
    deviations over real images), by default their standard deviations over these images."""
    r = np.asarray(reward, dtype=np.float64)
    a = np.asarray(audit, dtype=np.float64)
    if r.shape != a.shape or r.ndim != 1 or len(r) < 2:
        raise ValueError("selection_curve needs one reward and one audit value per image (>= 2)")
    sd_r, sd_a = scale if scale is not None else (r.std(ddof=1), a.std(ddof=1))
    if not (sd_r > 0 and sd_a > 0):
        raise ValueError("reward or audit is constant over the real images: nothing to calibrate")
    ns = np.geomspace(1.0, float(len(r)), CURVE_POINTS)
    points: list[tuple[float, float, float]] = []
    for sign in (-1.0, 1.0):  # worst-of-N, then best-of-N
        w = _selection_weights(sign * r, ns)
        side_claimed = (w @ r - r.mean()) / sd_r
        side_verified = (w @ a - a.mean()) / sd_a
        points += zip((sign * ns).tolist(), side_claimed.tolist(), side_verified.tolist())
    points.sort(key=lambda p: p[1])
    n_values, claimed, verified = zip(*points)
    # equal claimed values (N = 1 twice, ties): keep the curve a function of claimed
    claimed_arr = np.maximum.accumulate(np.asarray(claimed))
    return SelectionCurve(tuple(n_values), tuple(claimed_arr.tolist()), tuple(verified))


def best_of_n_draws(
    reward: ArrayLike, n: int, picks: int, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``picks`` best-of-``n`` selections among the images, by the reward (the negative
    control, drawn as a method would draw): the index of each pick's first draw (what N = 1
    would have given, its pair) and of the chosen image."""
    r = np.asarray(reward, dtype=np.float64)
    draws = rng.integers(0, len(r), size=(picks, n))
    chosen = draws[np.arange(picks), np.argmax(r[draws], axis=1)]
    return draws[:, 0], chosen


__all__ = ["CURVE_POINTS", "SelectionCurve", "best_of_n_draws", "selection_curve"]
