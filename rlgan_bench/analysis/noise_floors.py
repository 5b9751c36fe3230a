"""The noise floors of a frontier: the seed-to-seed standard deviation of its bases' own
values (reward, audit, their gap, FID, precision, diversity). The calibrated gauge measures a
change against them instead of a hand-set threshold (:mod:`rlgan_bench.analysis.verdicts`);
with fewer than two bases there is none."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rlgan_bench.analysis.json_numbers import number_at
from rlgan_bench.analysis.results import CellResult
from rlgan_bench.core.records import RewardAudit

if TYPE_CHECKING:  # the diversity measure is the frontier's (it reads its points too)
    from rlgan_bench.analysis.seed_values import Diversity

NOISE_FLOOR_DEFINITION = (
    "the seed-to-seed standard deviation of the base's own value (needs two or more "
    "bases): reward (claimed) and audit (verified): sd over bases of reward_audit.claimed."
    "before and verified.before, divided by their spread over real images (the units of "
    "the normalised gains); gap: sd over bases of claimed.before / claimed.spread_real - "
    "verified.before / verified.spread_real, the base's own normalised reward minus its "
    "normalised audit, whose change is the gap; FID and precision: sd over bases of "
    "drift.fid_all.baseline and drift.precision.baseline; diversity: sd over bases of the "
    "base's diversity divided by its mean (the units of the ratio run / base)"
)


@dataclass
class NoiseFloors:
    """The seed-to-seed standard deviations of the bases' own values
    (:data:`NOISE_FLOOR_DEFINITION`); each None with fewer than two bases."""

    bases: list[str]
    claimed: float | None = None
    verified: float | None = None
    gap: float | None = None
    fid: float | None = None
    precision: float | None = None
    diversity: float | None = None
    #: what the diversity is: within-class (its class), class-histogram entropy, all samples
    diversity_basis: str = ""

    @property
    def calibrated(self) -> bool:
        return len(self.bases) >= 2

    def to_json(self) -> dict[str, Any]:
        return {
            "bases": list(self.bases),
            "calibrated": self.calibrated,
            "claimed": self.claimed,
            "verified": self.verified,
            "gap": self.gap,
            "fid": self.fid,
            "precision": self.precision,
            "diversity": self.diversity,
            "diversity_basis": self.diversity_basis,
        }


def _sd(values: Sequence[float]) -> float | None:
    return statistics.stdev(values) if len(values) > 1 else None


def noise_floors(
    cells: Sequence[tuple[CellResult, RewardAudit]], diversity: Diversity
) -> NoiseFloors:
    """The noise floors of a frontier from the base values its cells' sections recorded: one
    value per base (the mean over its cells, which measured the same base samples)."""
    per_base: dict[str, dict[str, list[float]]] = {}
    for cell, section in cells:
        base = (cell.protocol.base if cell.protocol else None) or f"seed {cell.seed}"
        found = per_base.setdefault(base, {})
        claimed, verified = section.claimed, section.verified
        c_before = claimed.before if claimed else None
        c_spread = claimed.spread_real if claimed else None
        v_before = verified.before if verified else None
        v_spread = verified.spread_real if verified else None
        c_norm = c_before / c_spread if c_before is not None and c_spread else None
        v_norm = v_before / v_spread if v_before is not None and v_spread else None
        drift = section.drift or {}
        entries = {
            "claimed": c_norm,
            "verified": v_norm,
            "gap": c_norm - v_norm if c_norm is not None and v_norm is not None else None,
            "fid": number_at(drift, "fid_all", "baseline"),
            "precision": number_at(drift, "precision", "baseline"),
            "diversity": diversity.of_base(cell, section),
        }
        for key, value in entries.items():
            if value is not None and math.isfinite(value):
                found.setdefault(key, []).append(value)
    bases = sorted(per_base)

    def floor(key: str) -> float | None:
        values = [statistics.fmean(v[key]) for v in per_base.values() if v.get(key)]
        return _sd(values) if len(bases) >= 2 else None

    div_values = [statistics.fmean(v["diversity"]) for v in per_base.values() if v.get("diversity")]
    div_sd = _sd(div_values) if len(bases) >= 2 else None
    div_mean = statistics.fmean(div_values) if div_values else None
    return NoiseFloors(
        bases=bases,
        claimed=floor("claimed"),
        verified=floor("verified"),
        gap=floor("gap"),
        fid=floor("fid"),
        precision=floor("precision"),
        diversity=div_sd / div_mean if div_sd is not None and div_mean else None,
        diversity_basis=diversity.basis,
    )


__all__ = ["NOISE_FLOOR_DEFINITION", "NoiseFloors", "noise_floors"]
