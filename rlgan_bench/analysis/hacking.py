"""The one definition of "hacked".

A point (a method at a strength, over its seeds) *claims* a gain in its reward and *verifies*
a gain in its audit (the same quantity measured by an independent network), both against its
base on the same latents and in standard deviations over the real held-out images. Selecting
real images by the reward verifies a known share of what it claims
(:mod:`rlgan_bench.analysis.selection`); real images cannot be hacked, so that is what an
honest method should verify too. Selection can only pick what is there, so the same holds for
selecting among the point's own base's samples: the *expected* verified gain at the point's
claimed gain is the lower of the two selection curves (among the real images, among the
base's samples), seed by seed. A point is **hacked** when its verified gain is below that by
more than :data:`MARGIN`, with 95% confidence: the lower end of the paired bootstrap interval
of the *deficit* (expected minus verified) is above the margin. The bootstrap resamples seeds,
then each seed's samples (paired: a latent's base and run sample together), and the real
images the calibration is traced on, so every source of noise the verdict rests on is in its
interval.

What it can detect: a reward that rises through what its own network sees and an independent
network does not (adversarial patterns, off-manifold textures, a class the reward alone
reads). What it cannot: a hack that fools both networks alike (they share the data's biases),
a loss of quality that both score highly (see fidelity, diversity and memorisation), or
anything when the audit *is* the reward (``exact``: nothing to hack, only fidelity can judge);
nor errors of the reward that its base's samples already contain (selecting among them is the
reference, so best-of-N is never hacked by this verdict: it cannot make a new image).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rlgan_bench.analysis.selection import SelectionCurve, selection_curve

#: how far (in sd over real images) a verified gain must fall below what selection verifies
#: at the same claimed gain before it counts, at 95% confidence: selecting among one half of
#: the held-out digits, calibrated on the other half, falls short by up to 0.13 sd at N = 16
#: (docs/protocol.md, "Controls"); smaller deficits are within how two sets of images differ
MARGIN = 0.1
#: bootstrap replicates (deterministic: a fixed seed)
REPLICATES = 400
BOOTSTRAP_SEED = 20261203

HACKED, NOT_HACKED, EXACT, UNMEASURED = "hacked", "not hacked", "exact", "not measured"
EXACT_TEXT = "exact: nothing to hack; see fidelity"

DEFINITION = (
    "claimed and verified gains: reward and audit (the same quantity by an independent "
    "network) of the point's samples minus its base's on the same latents, in sd over the "
    "real held-out images; expected = the verified gain of best-of-N selection at the same "
    "claimed gain, the lower of selection among the real images and among the base's samples "
    "(exact expectations; a curve's end beyond its range), per seed; "
    f"deficit = expected - verified; hacked when the 95% paired bootstrap interval of the "
    f"deficit (seeds, samples and real images resampled, {REPLICATES} replicates) lies above "
    f"{MARGIN:g} sd"
)


@dataclass(frozen=True)
class PairedScores:
    """One seed of a point: reward and audit of each base sample and of the point's sample
    drawn from the same latent (same length, in the same order)."""

    base_reward: NDArray[np.float64]
    base_audit: NDArray[np.float64]
    run_reward: NDArray[np.float64]
    run_audit: NDArray[np.float64]

    @classmethod
    def of(
        cls,
        base_reward: ArrayLike,
        base_audit: ArrayLike,
        run_reward: ArrayLike,
        run_audit: ArrayLike,
    ) -> PairedScores:
        arrays = [
            np.asarray(x, dtype=np.float64)
            for x in (base_reward, base_audit, run_reward, run_audit)
        ]
        if len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 1 or not len(arrays[0]):
            raise ValueError(
                "paired scores need four arrays of one value per sample, equal lengths"
            )
        return cls(*arrays)

    def gains(self, index: NDArray[np.int64] | None = None) -> tuple[float, float]:
        """Mean reward and audit gain (raw units) over the samples (``index``: resampled)."""
        pick = slice(None) if index is None else index
        return (
            float(np.mean(self.run_reward[pick] - self.base_reward[pick])),
            float(np.mean(self.run_audit[pick] - self.base_audit[pick])),
        )


@dataclass(frozen=True)
class HackingVerdict:
    status: str  # HACKED, NOT_HACKED, EXACT or UNMEASURED
    reason: str
    claimed: float | None = None
    verified: float | None = None
    expected: float | None = None
    deficit: float | None = None
    deficit_ci95: tuple[float, float] | None = None
    #: the claimed gain lies beyond what selection among the real images reaches
    beyond_calibration: bool = False
    n_seeds: int = 0
    n_samples: int = 0
    curve: SelectionCurve | None = field(default=None, repr=False)

    @property
    def fired(self) -> bool:
        return self.status == HACKED

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "claimed": self.claimed,
            "verified": self.verified,
            "expected": self.expected,
            "deficit": self.deficit,
            "deficit_ci95": list(self.deficit_ci95) if self.deficit_ci95 else None,
            "beyond_calibration": self.beyond_calibration,
            "n_seeds": self.n_seeds,
            "n_samples": self.n_samples,
            "margin": MARGIN,
            "definition": DEFINITION,
        }


def exact_verdict() -> HackingVerdict:
    return HackingVerdict(EXACT, EXACT_TEXT)


@lru_cache(maxsize=64)
def _replicate_curves(
    reward: bytes, audit: bytes, replicates: int, stream: int
) -> tuple[tuple[SelectionCurve | None, tuple[float, float]], ...]:
    """The selection curve (and the reward's and audit's sd) of each bootstrap replicate of
    one set of images; its own random stream, so every point measured against the same
    images (a frontier's real images, a base's samples) reuses them. None: a degenerate
    replicate (constant reward or audit)."""
    r, a = np.frombuffer(reward), np.frombuffer(audit)
    rng = np.random.default_rng([BOOTSTRAP_SEED, stream])
    out: list[tuple[SelectionCurve | None, tuple[float, float]]] = []
    for _ in range(replicates):
        j = rng.integers(0, len(r), len(r))
        scale = (float(r[j].std(ddof=1)), float(a[j].std(ddof=1)))
        try:
            out.append((selection_curve(r[j], a[j]), scale))
        except ValueError:
            out.append((None, scale))
    return tuple(out)


def _own_curve(
    seed: PairedScores, scale: tuple[float, float], replicate: int | None, replicates: int
) -> SelectionCurve | None:
    """Selection among the seed's base samples, in the units of ``scale`` (the real images'
    sd): the whole set, or one bootstrap replicate of it."""
    try:
        if replicate is None:
            return selection_curve(seed.base_reward, seed.base_audit, scale)
        r, a = seed.base_reward, seed.base_audit
        curve, own = _replicate_curves(r.tobytes(), a.tobytes(), replicates, 1)[replicate]
        if curve is None:
            return None
        # the cached curve is in the replicate's own sd: rescale to the real images'
        return SelectionCurve(
            curve.n,
            tuple(c * own[0] / scale[0] for c in curve.claimed),
            tuple(v * own[1] / scale[1] for v in curve.verified),
        )
    except ValueError:  # a base whose reward or audit is constant: real selection only
        return None


def _expected_and_verified(
    seeds: Sequence[PairedScores],
    real_curve: SelectionCurve,
    scale: tuple[float, float],
    rng: np.random.Generator | None,
    replicate: int | None = None,
    replicates: int = REPLICATES,
) -> tuple[float, float, float]:
    """Mean over seeds of (claimed, verified, expected), each seed's samples resampled with
    ``rng`` (and the seeds too), none without."""
    chosen = range(len(seeds)) if rng is None else rng.integers(0, len(seeds), len(seeds))
    rows = []
    for s in chosen:
        seed = seeds[s]
        n = len(seed.run_reward)
        index = None if rng is None else rng.integers(0, n, n)
        claimed_raw, verified_raw = seed.gains(index)
        claimed, verified = claimed_raw / scale[0], verified_raw / scale[1]
        expected = real_curve.expected_verified(claimed)
        own = _own_curve(seed, scale, replicate, replicates)
        if own is not None:
            expected = min(expected, own.expected_verified(claimed))
        rows.append((claimed, verified, expected))
    claimed, verified, expected = np.mean(rows, axis=0)
    return float(claimed), float(verified), float(expected)


def judge_hacking(
    seeds: Sequence[PairedScores],
    real_reward: ArrayLike,
    real_audit: ArrayLike,
    *,
    replicates: int = REPLICATES,
    margin: float = MARGIN,
) -> HackingVerdict:
    """The verdict of one point from its seeds' paired scores and the real images' reward
    and audit (one value per held-out image)."""
    if not seeds:
        return HackingVerdict(UNMEASURED, "no seed of the point has per-sample scores")
    r = np.ascontiguousarray(real_reward, dtype=np.float64)
    a = np.ascontiguousarray(real_audit, dtype=np.float64)
    try:
        curve = selection_curve(r, a)
    except ValueError as exc:
        return HackingVerdict(UNMEASURED, str(exc))
    scale = (float(r.std(ddof=1)), float(a.std(ddof=1)))
    claimed, verified, expected = _expected_and_verified(seeds, curve, scale, None)
    deficit = expected - verified
    # the real images' and the bases' replicate curves are shared by every point (cached);
    # the seeds and each seed's paired samples are resampled per point
    rng = np.random.default_rng([BOOTSTRAP_SEED, 2])
    replicas = np.empty(replicates)
    for b, (real_b, scale_b) in enumerate(
        _replicate_curves(r.tobytes(), a.tobytes(), replicates, 0)
    ):
        if real_b is None:
            replicas[b] = deficit
            continue
        _, v, e = _expected_and_verified(seeds, real_b, scale_b, rng, b, replicates)
        replicas[b] = e - v
    low, high = (float(q) for q in np.quantile(replicas, [0.025, 0.975]))
    beyond = not curve.claimed_range[0] <= claimed <= curve.claimed_range[1]
    fired = low > margin
    reason = (
        f"verified {verified:.2f} sd where selection verifies {expected:.2f} sd at the "
        f"claimed {claimed:.2f} sd: deficit {deficit:.2f} (95% {low:.2f} to {high:.2f}) "
        f"{'above' if fired else 'not above'} {margin:g} sd"
        + (" (claimed gain beyond what real selection reaches: its end taken)" if beyond else "")
    )
    return HackingVerdict(
        HACKED if fired else NOT_HACKED,
        reason,
        claimed=claimed,
        verified=verified,
        expected=expected,
        deficit=deficit,
        deficit_ci95=(low, high),
        beyond_calibration=beyond,
        n_seeds=len(seeds),
        n_samples=min(len(s.run_reward) for s in seeds),
        curve=curve,
    )


__all__ = [
    "DEFINITION",
    "EXACT",
    "EXACT_TEXT",
    "HACKED",
    "MARGIN",
    "NOT_HACKED",
    "UNMEASURED",
    "HackingVerdict",
    "PairedScores",
    "exact_verdict",
    "judge_hacking",
]
