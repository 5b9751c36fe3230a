"""The built-in metrics plugin: FID, IS, KID and precision/recall (one torch-fidelity call)
and the CLIP score. The heavy modules are imported when a metric runs, not when plugins load."""

from __future__ import annotations

from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.metrics import Entry, EvalContext, MetricSpec

FIDELITY_GROUP = "torch-fidelity"


def _fidelity(ctx: EvalContext, names: tuple[str, ...]) -> dict[str, Entry]:
    from rlgan_bench.metrics import fidelity

    return fidelity.compute(ctx, names)


def _clip(ctx: EvalContext, names: tuple[str, ...]) -> dict[str, Entry]:
    from rlgan_bench.metrics import clip_score

    return clip_score.compute(ctx, names)


METRICS = (
    MetricSpec(
        "fid",
        "Frechet distance between feature statistics of samples and real images "
        "(Heusel et al. 2017), by torch-fidelity",
        _fidelity,
        FIDELITY_GROUP,
        False,
    ),
    MetricSpec(
        "is",
        "Inception Score of the samples (Salimans et al. 2016), by torch-fidelity",
        _fidelity,
        FIDELITY_GROUP,
        True,
    ),
    MetricSpec(
        "kid",
        "Kernel distance, unbiased MMD with a cubic kernel (Binkowski et al. 2018), "
        "by torch-fidelity",
        _fidelity,
        FIDELITY_GROUP,
        False,
    ),
    MetricSpec(
        "prc",
        "Precision and recall of the samples against real images (Kynkaanniemi "
        "et al. 2019), by torch-fidelity",
        _fidelity,
        FIDELITY_GROUP,
        True,
    ),
    MetricSpec(
        "clip",
        "CLIP score of the samples for the run's prompts (Hessel et al. 2021), "
        "through clip-anytorch",
        _clip,
        "clip",
        True,
    ),
)


@hookimpl
def register_metrics(register):
    for spec in METRICS:
        register(spec)
