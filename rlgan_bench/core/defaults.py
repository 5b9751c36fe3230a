"""The one table of evaluation defaults, read by the Python API and the CLI alike (as
torch-fidelity's ``DEFAULTS`` is by its ``calculate_metrics`` and its ``fidelity`` command).

Kept free of heavy imports: the CLI reads it to build ``--help``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rlgan_bench.core.errors import ConfigError

#: --extractor: see rlgan_bench.builtins.metrics.extractors
EXTRACTOR_CHOICES = ("auto", "inception-v3-compat", "rlgan-digit-eval-net")
#: --clip-model: see rlgan_bench.shared.nets.clip
CLIP_MODEL_CHOICES = ("auto", "clip-vit-b-32", "digits-clip-main", "digits-clip-audit")
#: --fid-resize: how images reach the feature extractor's input size (docs/metrics.md):
#: "torch-fidelity", the extractor's own interpolation (for Inception torch-fidelity's
#: TF1-compatible bilinear, no antialiasing), or "clean", an antialiased bicubic resize like
#: clean-fid's PIL one, done before the images reach the extractor
FID_RESIZE_CHOICES = ("torch-fidelity", "clean")

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
    # see FID_RESIZE_CHOICES; recorded with each torch-fidelity score
    "fid_resize": "torch-fidelity",
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


#: samples of each matrix cell's evaluation (``[eval] samples``) and of the reward-hacking
#: gauge: fewer than :data:`EVAL_DEFAULTS`' 10,000, so that a matrix of many cells stays
#: affordable; scores are compared only at equal N
MATRIX_EVAL_SAMPLES = 1_000

#: the metrics of the torch-fidelity group, which read the feature-extractor options
FIDELITY_METRICS = ("fid", "is", "kid", "prc")
#: evaluation option -> the built-in metrics that read it; an option set to something other
#: than its default for none of them has no effect, which is said rather than ignored
OPTION_READERS: dict[str, tuple[str, ...]] = {
    "extractor": FIDELITY_METRICS,
    "inception_weights": FIDELITY_METRICS,
    "fid_resize": FIDELITY_METRICS,
    "isc_splits": ("is",),
    "kid_subsets": ("kid",),
    "kid_subset_size": ("kid",),
    "prc_neighborhood": ("prc",),
    "clip_model": ("clip",),
    "prompts": ("clip",),
}
#: the ``rlgan-bench eval`` flags of those options, for messages (the others are Python-only)
FLAGS = {
    "extractor": "--extractor",
    "inception_weights": "--inception-weights",
    "fid_resize": "--fid-resize",
    "clip_model": "--clip-model",
    "prompts": "--prompt",
}


def resolve(**overrides: Any) -> dict[str, Any]:
    """The defaults with the given options replacing them (``None`` keeps the default).

    Raises a one-line ConfigError for an Inception weights file that does not exist, for an
    unknown ``fid_resize``, and for an option that none of the chosen metrics reads
    (``--inception-weights`` with ``--metrics clip`` or with the digit network as extractor)."""
    unknown = set(overrides) - set(EVAL_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown evaluation options: {', '.join(sorted(unknown))}")
    options = dict(EVAL_DEFAULTS)
    options.update({key: value for key, value in overrides.items() if value is not None})
    _check_inception_weights(options)
    if options["fid_resize"] not in FID_RESIZE_CHOICES:
        raise ConfigError(
            f"--fid-resize {options['fid_resize']!r}: choose one of {', '.join(FID_RESIZE_CHOICES)}"
        )
    _check_effective(options)
    return options


def _check_inception_weights(options: dict[str, Any]) -> None:
    path = options["inception_weights"]
    if path is None:
        return
    if not Path(path).is_file():
        raise ConfigError(
            f"--inception-weights {str(path)!r}: no such file; give the file of torch-fidelity's "
            f"Inception weights, or leave the option out to use torch-fidelity's cache"
        )
    if options["extractor"] not in ("auto", "inception-v3-compat"):
        raise ConfigError(
            f"--inception-weights has no effect with --extractor {options['extractor']}; "
            f"drop it, or use --extractor inception-v3-compat"
        )


def _check_effective(options: dict[str, Any]) -> None:
    metrics = options["metrics"]
    if isinstance(metrics, str):  # "fid,kid", as the command line gives it
        metrics = [name.strip() for name in metrics.split(",") if name.strip()]
    requested = set(metrics)
    known = {name for readers in OPTION_READERS.values() for name in readers}
    if not requested <= known:
        return  # a plugin's metric may read any option
    for key, readers in OPTION_READERS.items():
        value = options[key]
        is_default = value == EVAL_DEFAULTS[key] or (not value and not EVAL_DEFAULTS[key])
        if not is_default and not requested & set(readers):
            raise ConfigError(
                f"{FLAGS.get(key, key)} has no effect with --metrics {','.join(metrics)}: only "
                f"{', '.join(readers)} read it; drop it or add one of them to --metrics"
            )


#: the fidelity budget within which a report ranks the methods of a base-protocol matrix's
#: frontier (docs/protocol.md), unless the matrix gives ``[matrix] budget = { ... }``:
#: ``fid_cost``, the FID above the base's (same latents, same real images) and
#: ``precision_drop``, the precision below the base's, and ``recall_drop``, the recall below
#: the base's (a collapse can raise precision; it lowers recall), means over seeds. Recall's
#: budget is twice precision's: recall over every real image falls by design when a reward
#: asks for one class, and it is the noisier of the two (seed spread about 0.06 on the boards)
FRONTIER_BUDGET: dict[str, float] = {"fid_cost": 10.0, "precision_drop": 0.1, "recall_drop": 0.2}
