"""The one table of evaluation defaults, read by the Python API and the CLI alike (as
torch-fidelity's ``DEFAULTS`` is by its ``calculate_metrics`` and its ``fidelity`` command).

Kept free of heavy imports: the CLI reads it to build ``--help``.
"""

from __future__ import annotations

from typing import Any

#: --extractor: see rlgan_bench.builtins.metrics.extractors
EXTRACTOR_CHOICES = ("auto", "inception-v3-compat", "rlgan-digit-eval-net")
#: --clip-model: see rlgan_bench.core.nets.clip
CLIP_MODEL_CHOICES = ("auto", "clip-vit-b-32", "digits-clip-main", "digits-clip-audit")

EVAL_DEFAULTS: dict[str, Any] = {
    # samples drawn from the generator; fewer are allowed and recorded
    "samples": 10_000,
    "metrics": ("fid", "is", "kid", "prc", "clip"),
    # the real images scored against
    "split": "heldout",
    # seed of the latent vectors (drawn on the CPU, so every device scores the same latents)
    "seed": 0,
    # samples per generator call and per feature-extractor call
    "batch_size": 250,
    # "ema" (the EMA generator when the checkpoint has one) or "raw"
    "generator": "ema",
    "device": "auto",
    "extractor": "auto",
    # a file of torch-fidelity's Inception weights (default: torch-fidelity's cache)
    "inception_weights": None,
    "clip_model": "auto",
    # CLIP score prompts; empty: the run's reward prompt, if it has one
    "prompts": (),
    # torch-fidelity's options; None: torch-fidelity's own default, so our numbers are its
    # numbers (the value used is recorded with each score)
    "isc_splits": None,
    "kid_subsets": None,
    # capped at the smaller of the two sample counts
    "kid_subset_size": None,
    "prc_neighborhood": None,
    "rng_seed": None,
}


def resolve(**overrides: Any) -> dict[str, Any]:
    """The defaults with the given options replacing them (``None`` keeps the default)."""
    unknown = set(overrides) - set(EVAL_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown evaluation options: {', '.join(sorted(unknown))}")
    options = dict(EVAL_DEFAULTS)
    options.update({key: value for key, value in overrides.items() if value is not None})
    return options
