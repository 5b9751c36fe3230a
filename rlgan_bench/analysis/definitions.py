"""What every number and verdict of the frontier report means: the definitions the report
states and report.json records, in the order they are shown. A verdict's definition stays
beside its rule (:mod:`rlgan_bench.analysis.verdicts`), the ranking's and the area's beside the
ranking (:mod:`rlgan_bench.analysis.budget`), the noise floor's beside its measurement
(:mod:`rlgan_bench.analysis.noise_floors`); the measures of a point are defined here."""

from __future__ import annotations

from rlgan_bench.analysis.budget import BUDGET_DEFINITIONS
from rlgan_bench.analysis.compute import DEFINITION as COMPUTE_DEFINITION
from rlgan_bench.analysis.histograms import DEFINITION as HISTOGRAM_DEFINITION
from rlgan_bench.analysis.noise_floors import NOISE_FLOOR_DEFINITION
from rlgan_bench.analysis.results import CONTROL_LABEL
from rlgan_bench.analysis.verdicts import (
    DIVERSITY_COLLAPSE,
    HACKED,
    MEMORISATION,
    NEGATIVE_CONTROL,
    OVER_OPTIMISED,
    POSITIVE_CONTROL,
    VERDICT_DEFINITIONS,
)

DEFINITIONS: dict[str, str] = {
    "frontier": (
        "one per dataset and feature extractor (and evaluation N), backbone and reward with "
        "its parameters; one curve per method and anchor, one point per strength; the base "
        "is the point (0, 0)"
    ),
    "point": (
        "each number is the mean over seeds of the per-seed value, each seed's cell measured "
        "against that seed's own base on the same N latents and the same real held-out "
        "images (the cell's reward_audit section), with a 95% Student-t interval over seeds, "
        "mean ± t(0.975, n-1) s / sqrt(n); one seed: no interval (marked)"
    ),
    "fid_cost": (
        "FID of the point's samples minus FID of its base's samples, both against the "
        "held-out split (reward_audit.drift.fid_all: run - baseline)"
    ),
    "precision_drop": (
        "precision of the base minus precision of the point (reward_audit.drift.precision.drop)"
    ),
    "verified": (
        "the independent audit's gain over the base in standard deviations of the audit "
        "over the real held-out images (reward_audit.verified.normalised)"
    ),
    "claimed": (
        "the reward's own gain over the base, normalised the same way "
        "(reward_audit.claimed.normalised)"
    ),
    "control": (
        f"{CONTROL_LABEL}: the base trained on for the same steps without a reward; its costs "
        "are its eval.json FID and precision against its base's (the same N, latents and "
        "real images); it has no reward, so no gain"
    ),
    "ranking": BUDGET_DEFINITIONS["ranking"],
    "area": BUDGET_DEFINITIONS["area"],
    "noise_floor": NOISE_FLOOR_DEFINITION,
    HACKED: VERDICT_DEFINITIONS[HACKED],
    NEGATIVE_CONTROL: VERDICT_DEFINITIONS[NEGATIVE_CONTROL],
    POSITIVE_CONTROL: VERDICT_DEFINITIONS[POSITIVE_CONTROL],
    "recall_drop": "recall of the base minus recall of the point (reward_audit.drift.recall)",
    "cost_reference": (
        "costs (FID, precision and recall) are against the base; where the matrix has a "
        "control, also against the control (the base trained on as long without a reward), "
        "and the budget ranking uses those, so that continued training is not counted as the "
        "reward's cost or gain"
    ),
    MEMORISATION: VERDICT_DEFINITIONS[MEMORISATION],
    OVER_OPTIMISED: VERDICT_DEFINITIONS[OVER_OPTIMISED],
    DIVERSITY_COLLAPSE: VERDICT_DEFINITIONS[DIVERSITY_COLLAPSE],
    "not_calibrated": VERDICT_DEFINITIONS["not_calibrated"],
    "compute": COMPUTE_DEFINITION,
    "reward_histogram": HISTOGRAM_DEFINITION,
}


__all__ = ["DEFINITIONS"]
