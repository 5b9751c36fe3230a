"""Each seed's values against its own base, read from a cell's records: a fine-tuned cell's from
its ``reward_audit`` section (costs, gains, the hacking verdict's per-image scores, diversity
and memorisation), the control's from its and its base's eval.json; and the frontier's
diversity measure, which the noise floors read too."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from rlgan_bench.analysis.frontier import Point, SeedValues
from rlgan_bench.analysis.hacking import PairedScores
from rlgan_bench.analysis.json_numbers import number, number_at
from rlgan_bench.analysis.results import CONTROL_LABEL, CellResult
from rlgan_bench.core.metric import comparison_key
from rlgan_bench.core.records import ROLE_CONTROL, RewardAudit


def _entropy(histogram: Any) -> float | None:
    """The entropy (bits) of an eval.json class histogram (``fractions`` or ``counts``)."""
    if histogram is None or histogram.status != "ok":
        return None
    shares = histogram.extra.get("fractions") or histogram.extra.get("counts")
    if not isinstance(shares, list) or not shares:
        return None
    numbers = [number(v) for v in shares]
    if any(v is None or v < 0 for v in numbers):
        return None
    total = sum(v for v in numbers if v is not None)
    if total <= 0:
        return None
    return -sum((v / total) * math.log2(v / total) for v in numbers if v)


def _ratio(run: float | None, base: float | None) -> float | None:
    if run is None or base is None or base <= 0:
        return None
    return run / base


class Diversity:
    """The frontier's diversity measure of a cell and of its base: within-class diversity for
    a reward with a target class; else the class histogram's entropy when every cell and base
    has a histogram; else the diversity of all samples (the gauge's, without a class)."""

    def __init__(self, target: int | None, bases: dict[str, CellResult], entropy: bool) -> None:
        self.bases = bases
        self.entropy = target is None and entropy
        if target is not None:
            self.basis = (
                f"within-class diversity of class {target} (mean pairwise cosine distance of "
                "the evaluation network's features)"
            )
        elif self.entropy:
            self.basis = "entropy of the class histogram (bits)"
        else:
            self.basis = (
                "diversity of all samples (mean pairwise cosine distance of the evaluation "
                "network's features): no class histogram for every cell"
            )

    @staticmethod
    def histogram_entropy(cell: CellResult | None) -> float | None:
        return _entropy(cell.eval.class_histogram) if cell and cell.eval else None

    def base_of(self, cell: CellResult) -> CellResult | None:
        return self.bases.get(cell.protocol.base or "") if cell.protocol else None

    def of_base(self, cell: CellResult, section: RewardAudit) -> float | None:
        if self.entropy:
            return self.histogram_entropy(self.base_of(cell))
        return number_at(section.drift, "within_class_diversity", "baseline")

    def of_run(self, cell: CellResult, section: RewardAudit) -> float | None:
        if self.entropy:
            return self.histogram_entropy(cell)
        return number_at(section.drift, "within_class_diversity", "run")

    @classmethod
    def entropy_known(cls, cell: CellResult, bases: dict[str, CellResult]) -> bool:
        base = bases.get(cell.protocol.base or "") if cell.protocol else None
        return cls.histogram_entropy(base) is not None and cls.histogram_entropy(cell) is not None


def seed_values(cell: CellResult, section: RewardAudit, diversity: Diversity) -> SeedValues:
    """One fine-tuned cell's values against its own base, from its ``reward_audit`` section."""
    drift = section.drift or {}
    run, base = number_at(drift, "fid_all", "run"), number_at(drift, "fid_all", "baseline")
    claimed = section.claimed.normalised if section.claimed else None
    verified = section.verified.normalised if section.verified else None
    gap = number(section.gap)
    if gap is None and claimed is not None and verified is not None:
        gap = claimed - verified
    per_sample = section.per_sample or {}
    rewards, audits = per_sample.get("reward") or {}, per_sample.get("audit") or {}
    paired = real_scores = positive = None
    if all(key in rewards and key in audits for key in ("base", "run", "real")):
        paired = PairedScores.of(rewards["base"], audits["base"], rewards["run"], audits["run"])
        real_scores = (rewards["real"], audits["real"])
        control = section.positive_control or {}
        c_rewards, c_audits = control.get("reward") or {}, control.get("audit") or {}
        if all(k in c_rewards and k in c_audits for k in ("real", "base", "pushed")):
            positive = (
                PairedScores.of(
                    c_rewards["base"], c_audits["base"], c_rewards["pushed"], c_audits["pushed"]
                ),
                (c_rewards["real"], c_audits["real"]),
            )
    variety = drift.get("within_class_diversity") or {}
    stderr = variety.get("stderr") or {}
    memo = section.memorisation
    against = section.against_control
    memorised = None
    if memo is not None and memo.difference is not None and memo.stderr is not None:
        memorised = {
            "share": memo.share or 0.0,
            "difference": memo.difference,
            "variance": (memo.stderr or 0.0) ** 2 + (memo.base_stderr or 0.0) ** 2,
            "z_critical": memo.z_critical or 1.645,
            "min_effect": memo.min_effect or 0.0,
        }
    return SeedValues(
        cell=cell.id,
        seed=cell.seed,
        base=cell.protocol.base if cell.protocol else None,
        fid_cost=run - base if run is not None and base is not None else None,
        precision_drop=number_at(drift, "precision", "drop"),
        verified=number(verified),
        claimed=number(claimed),
        verified_vs_control=number(
            against.verified.normalised if against and against.verified else None
        ),
        claimed_vs_control=number(against.claimed.normalised if against else None),
        gap=gap,
        diversity=_ratio(diversity.of_run(cell, section), diversity.of_base(cell, section)),
        recall_drop=number_at(drift, "recall", "drop"),
        paired=paired,
        real_scores=real_scores,
        positive=positive,
        exact=bool(section.verified and section.verified.exact),
        diversity_run=number(variety.get("run")),
        diversity_real=number(variety.get("real")),
        diversity_run_se=number(stderr.get("run")),
        diversity_real_se=number(stderr.get("real")),
        diversity_base=number(variety.get("baseline")),
        diversity_base_se=number(stderr.get("baseline")),
        memorisation=memorised,
    )


def control_point(
    controls: Sequence[CellResult],
    bases: dict[str, CellResult],
    frontier_bases: set[str],
    extractor: tuple[Any, Any, Any],
    notes: list[str],
) -> Point | None:
    """The control of a frontier (its bases' controls): FID cost and precision drop from the
    eval.json of each control and its base, when both were measured as the frontier was
    (extractor, its weights, N; the FIDs also against the same real images)."""
    values: list[SeedValues] = []
    for control in controls:
        base_id = control.protocol.base if control.protocol else None
        if base_id not in frontier_bases:
            continue
        base = bases.get(base_id or "")
        if base is None:
            notes.append(f"{control.id}: its base {base_id} is not done")
            continue
        fid = [c.metric("fid") for c in (control, base)]
        prc = [c.metric("prc") for c in (control, base)]
        recalls = [number(((m.values or {}) if m else {}).get("recall")) for m in prc]

        def alike(entry: Any) -> bool:
            record = (entry.record or {}) if entry is not None else {}
            found = (
                record.get("extractor"),
                record.get("extractor_sha256"),
                record.get("n_generated"),
            )
            return entry is not None and entry.values is not None and found == extractor

        if (
            not all(alike(m) for m in (*fid, *prc))
            or len({comparison_key(m.record or {}) for m in fid if m is not None}) != 1
        ):
            notes.append(
                f"{control.id}: not measured as this frontier (extractor, its weights or N "
                "of its or its base's FID or precision differ): left out"
            )
            continue
        run, before = (number((m.values or {}).get("fid")) for m in fid if m is not None)
        p_run, p_before = (number((m.values or {}).get("precision")) for m in prc if m is not None)
        values.append(
            SeedValues(
                control.id,
                control.seed,
                base_id,
                fid_cost=run - before if run is not None and before is not None else None,
                precision_drop=p_before - p_run
                if p_run is not None and p_before is not None
                else None,
                recall_drop=recalls[1] - recalls[0]
                if recalls[0] is not None and recalls[1] is not None
                else None,
            )
        )
    if not values:
        return None
    return Point.of_seeds(CONTROL_LABEL, ROLE_CONTROL, None, values)


def against_control(value: SeedValues, control: SeedValues | None) -> None:
    """Fill ``value``'s costs against the control of its base (both against the base)."""
    if control is None:
        return
    for name in ("fid_cost", "precision_drop", "recall_drop"):
        mine, theirs = getattr(value, name), getattr(control, name)
        if mine is not None and theirs is not None:
            setattr(value, f"{name}_vs_control", mine - theirs)


__all__ = ["Diversity", "against_control", "control_point", "seed_values"]
