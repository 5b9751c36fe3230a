"""The plugin API: the one module a plugin imports.

Everything a backbone, reward, audit, dataset, metric or method plugin needs is here, and the
built-in plugins (``rlgan_bench.builtins``) import nothing else from rlgan-bench, so any of
them can be copied into a plugin package unchanged. Names not listed in ``__all__`` are not
part of the API and may move between releases; ``HOOKS_API_VERSION`` versions this list
together with the hooks in :mod:`rlgan_bench.hookspecs`.

The names come from two internal layers: the contracts (base classes, records of a metric,
errors) from :mod:`rlgan_bench.core`, and the implementations plugins may build on (the
shipped networks and their weights, the embedded digits, the Gaussian policy) from
:mod:`rlgan_bench.shared`. A plugin imports them here, where they keep their names.
"""

from __future__ import annotations

from rlgan_bench.core import deprecations as _deprecations
from rlgan_bench.core.audit import Audit
from rlgan_bench.core.backbone import Backbone, ModelShape, adam_optimizers
from rlgan_bench.core.dataset import DatasetSpec, ImageData, resize_and_match_channels
from rlgan_bench.core.defaults import CLIP_MODEL_CHOICES, EVAL_DEFAULTS, EXTRACTOR_CHOICES
from rlgan_bench.core.errors import ConfigError, MissingFileError, PluginError, RlganError
from rlgan_bench.core.grids import generate_in_eval_mode, grid_image
from rlgan_bench.core.images import jpeg_kilobytes, to_float, to_uint8
from rlgan_bench.core.method import Method, MethodContext
from rlgan_bench.core.metric import (
    COMPARISON_FIELDS,
    Entry,
    EvalContext,
    MetricSpec,
    comparison_key,
    ok,
    skipped,
    unavailable,
)
from rlgan_bench.core.params import resolve_params
from rlgan_bench.core.reward import Reward, checked_scores
from rlgan_bench.hookspecs import HOOKS_API_VERSION, hookimpl
from rlgan_bench.shared import weights
from rlgan_bench.shared.digits import CLASS_NAMES as DIGIT_CLASS_NAMES
from rlgan_bench.shared.digits import is_digit_dataset, load_digits
from rlgan_bench.shared.diversity import mean_cosine_distance
from rlgan_bench.shared.nets.cached import batched, cached_clip_scorer, cached_eval_net
from rlgan_bench.shared.nets.clip import DEFINITION as CLIP_SCORE_DEFINITION
from rlgan_bench.shared.nets.clip import ClipScorer
from rlgan_bench.shared.nets.clip import load_scorer as load_clip_scorer
from rlgan_bench.shared.nets.clip import score_images as score_images_with_clip
from rlgan_bench.shared.nets.dcgan import Discriminator as DCGANDiscriminator
from rlgan_bench.shared.nets.dcgan import Generator as DCGANGenerator
from rlgan_bench.shared.nets.dcgan import init_weights as dcgan_init_weights
from rlgan_bench.shared.nets.digit_nets import (
    DigitNet,
    load_eval_net,
    load_plain_classifier,
    load_reward_classifier,
)
from rlgan_bench.shared.policy import (
    GaussianPolicyMode,
    group_advantages,
    log_prob,
    perturbation,
    pixels,
)
from rlgan_bench.shared.weights import WeightsUnavailable

__all__ = [
    "CLIP_MODEL_CHOICES",
    "EVAL_DEFAULTS",
    "EXTRACTOR_CHOICES",
    "adam_optimizers",
    "batched",
    "cached_clip_scorer",
    "cached_eval_net",
    "mean_cosine_distance",
    "is_digit_dataset",
    "CLIP_SCORE_DEFINITION",
    "COMPARISON_FIELDS",
    "DIGIT_CLASS_NAMES",
    "HOOKS_API_VERSION",
    "Audit",
    "Backbone",
    "ClipScorer",
    "ConfigError",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "DatasetSpec",
    "DigitNet",
    "Entry",
    "EvalContext",
    "GaussianPolicyMode",
    "ImageData",
    "Method",
    "MethodContext",
    "MetricSpec",
    "MissingFileError",
    "ModelShape",
    "PluginError",
    "Reward",
    "RlganError",
    "checked_scores",
    "comparison_key",
    "dcgan_init_weights",
    "group_advantages",
    "generate_in_eval_mode",
    "grid_image",
    "hookimpl",
    "jpeg_kilobytes",
    "load_clip_scorer",
    "load_digits",
    "load_eval_net",
    "load_plain_classifier",
    "load_reward_classifier",
    "log_prob",
    "ok",
    "perturbation",
    "pixels",
    "resize_and_match_channels",
    "resolve_params",
    "score_images_with_clip",
    "skipped",
    "to_float",
    "to_uint8",
    "unavailable",
    "WeightsUnavailable",
    "weights",
]


def __getattr__(name: str) -> object:
    """Names renamed since 0.2, with a deprecation warning until 0.3: ``RewardMode`` is
    :class:`Method` (the same class)."""
    return _deprecations.renamed_getattr(__name__, name)
