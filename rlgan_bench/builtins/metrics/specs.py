"""The built-in metrics plugin: FID, IS, KID and precision/recall (one torch-fidelity call)
and the CLIP score."""

from __future__ import annotations

from rlgan_bench.api import MetricSpec, hookimpl
from rlgan_bench.builtins.metrics import clip_score, fidelity

FIDELITY_GROUP = "torch-fidelity"


METRICS = (
    MetricSpec(
        "fid",
        "Frechet distance between feature statistics of samples and real images "
        "(Heusel et al. 2017), by torch-fidelity",
        fidelity.compute,
        FIDELITY_GROUP,
        False,
        min_samples=fidelity.min_samples,
    ),
    MetricSpec(
        "is",
        "Inception Score of the samples (Salimans et al. 2016), by torch-fidelity",
        fidelity.compute,
        FIDELITY_GROUP,
        True,
        min_samples=fidelity.min_samples,
    ),
    MetricSpec(
        "kid",
        "Kernel distance, unbiased MMD with a cubic kernel (Binkowski et al. 2018), "
        "by torch-fidelity",
        fidelity.compute,
        FIDELITY_GROUP,
        False,
        min_samples=fidelity.min_samples,
    ),
    MetricSpec(
        "prc",
        "Precision and recall of the samples against real images (Kynkaanniemi "
        "et al. 2019), by torch-fidelity",
        fidelity.compute,
        FIDELITY_GROUP,
        True,
        min_samples=fidelity.min_samples,
    ),
    MetricSpec(
        "clip",
        "CLIP score of the samples for the run's prompts (Hessel et al. 2021), "
        "through clip-anytorch",
        clip_score.compute,
        "clip",
        True,
    ),
)


@hookimpl
def register_metrics(register):
    for spec in METRICS:
        register(spec)
