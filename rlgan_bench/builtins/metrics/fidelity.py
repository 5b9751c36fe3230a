"""FID, IS, KID and precision/recall through torch-fidelity, on in-memory uint8 tensors.

Nothing here computes a metric: torch-fidelity's ``calculate_metrics`` does, in one call that
extracts the features of each set once. This module only hands it the images as a
``Dataset`` (resized first when ``fid_resize = "clean"``), registers the package's evaluation
network as a torch-fidelity feature extractor, names the real set for torch-fidelity's
feature cache (:mod:`~rlgan_bench.builtins.metrics.real_cache`), and records what was measured.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from typing import Any

import torch
import torch_fidelity
from torch import Tensor
from torch.utils.data import Dataset
from torch_fidelity.defaults import DEFAULTS as FIDELITY_DEFAULTS
from torch_fidelity.feature_extractor_base import FeatureExtractorBase
from torch_fidelity.helpers import vassert
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

from rlgan_bench.api import (
    Entry,
    EvalContext,
    PluginError,
    WeightsUnavailable,
    load_eval_net,
    ok,
    unavailable,
)
from rlgan_bench.builtins.metrics import extractors as extractor_choice
from rlgan_bench.builtins.metrics import real_cache

#: logits of every batch the eval net extracts while a recording is active (the class
#: histogram reuses them instead of running the network over the samples again)
_LOGITS_SINK: ContextVar[list[Tensor] | None] = ContextVar("rlgan_logits_sink", default=None)


#: metric names torch-fidelity computes, and its keyword for each
FIDELITY_FLAGS = {"fid": "fid", "is": "isc", "kid": "kid", "prc": "prc"}


class UInt8Images(Dataset):
    """uint8 images (N, C, H, W) held in memory, one (C, H, W) tensor per item, as
    torch-fidelity reads a ``Dataset`` input. ``rgb`` repeats a grey channel three times
    (Inception takes RGB only); ``size`` resizes each image to size x size first
    (:func:`real_cache.clean_resize`). ``reads`` counts the items torch-fidelity took: none
    when it found the set's features in its cache."""

    def __init__(self, images: Tensor, rgb: bool = False, size: int | None = None) -> None:
        if images.dtype != torch.uint8 or images.dim() != 4:
            raise ValueError(
                f"expected uint8 images (N, C, H, W), got {images.dtype} {tuple(images.shape)}"
            )
        self.images = images
        self.expand = rgb and images.shape[1] == 1
        self.size = size if size is not None and size != images.shape[-1] else None
        self.reads = 0

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def __getitem__(self, index: int) -> Tensor:
        self.reads += 1
        image = self.images[index]
        if self.size is not None:
            image = real_cache.clean_resize(image, self.size)
        return image.expand(3, -1, -1) if self.expand else image


class DigitEvalNetExtractor(FeatureExtractorBase):
    """The package's digits evaluation network as a torch-fidelity feature extractor:
    ``features`` (penultimate layer) for FID/KID/PRC, ``logits`` (10 classes) for IS."""

    def __init__(self, name: str, features_list: Sequence[str], **kwargs: Any) -> None:
        super().__init__(name, features_list)
        self.net = load_eval_net("cpu")  # torch-fidelity moves it to the GPU when asked

    @staticmethod
    def get_provided_features_list() -> tuple[str, ...]:
        return ("features", "logits")

    @staticmethod
    def get_default_feature_layer_for_metric(metric: str) -> str:
        return {"isc": "logits", "fid": "features", "kid": "features", "prc": "features"}[metric]

    @staticmethod
    def can_be_compiled() -> bool:
        return False

    @staticmethod
    def get_dummy_input_for_compile() -> Tensor:
        return torch.zeros(1, 1, 32, 32, dtype=torch.uint8)

    def forward(self, x: Tensor) -> tuple[Tensor, ...]:
        vassert(torch.is_tensor(x) and x.dtype == torch.uint8, "Expecting uint8 images")
        vassert(x.dim() == 4 and x.shape[1] in (1, 3), f"Input is not Bx(1|3)xHxW: {x.shape}")
        features = self.net.features(x.float().div(127.5).sub(1.0))
        out = {"features": features}
        sink = _LOGITS_SINK.get()
        if "logits" in self.features_list or sink is not None:
            out["logits"] = self.net.head(features)
            if sink is not None:
                sink.append(out["logits"].cpu())
        return tuple(out[name] for name in self.features_list)


def register_extractors() -> None:
    """Register our extractor with torch-fidelity (once per process; safe to call again)."""
    name = extractor_choice.DIGIT_EVAL_NET
    known = FEATURE_EXTRACTORS_REGISTRY.get(name)
    if known is None:
        torch_fidelity.register_feature_extractor(name, DigitEvalNetExtractor)
    elif known is not DigitEvalNetExtractor:
        raise PluginError(f"torch-fidelity already has another feature extractor named {name!r}")


@contextmanager
def recording_logits() -> Iterator[list[Tensor]]:
    sink: list[Tensor] = []
    token = _LOGITS_SINK.set(sink)
    try:
        yield sink
    finally:
        _LOGITS_SINK.reset(token)


def fidelity_option(options: dict[str, Any], key: str) -> int:
    """A torch-fidelity option of ours: its value, or torch-fidelity's default for ``None``."""
    value = options.get(key)
    return int(FIDELITY_DEFAULTS[key] if value is None else value)


def min_samples(options: dict[str, Any]) -> int:
    """The fewest samples the torch-fidelity group scores with these options: two per
    Inception Score split, and two more than precision/recall's neighbourhood."""
    return max(
        2 * fidelity_option(options, "isc_splits"), fidelity_option(options, "prc_neighborhood") + 2
    )


def fidelity_kwargs(
    names: Sequence[str],
    extractor: str,
    n_generated: int,
    n_real: int,
    options: dict[str, Any],
    device: torch.device,
    weights_path: str | None = None,
    cache_root: str | None = None,
    real_cache_name: str | None = None,
) -> dict[str, Any]:
    """The keyword arguments of our ``calculate_metrics`` call (besides the two inputs). With
    ``cache_root`` and ``real_cache_name``, torch-fidelity keeps the real set's (input2's)
    features and FID statistics in its file cache; the generated set is never cached."""
    kwargs: dict[str, Any] = {flag: name in names for name, flag in FIDELITY_FLAGS.items()}
    kwargs.update(
        feature_extractor=extractor,
        feature_extractor_weights_path=weights_path,
        cuda=device.type == "cuda",
        batch_size=int(options["batch_size"]),
        isc_splits=fidelity_option(options, "isc_splits"),
        kid_subsets=fidelity_option(options, "kid_subsets"),
        # KID draws subsets without replacement from both sets
        kid_subset_size=min(fidelity_option(options, "kid_subset_size"), n_generated, n_real),
        prc_neighborhood=fidelity_option(options, "prc_neighborhood"),
        rng_seed=fidelity_option(options, "rng_seed"),
        # the images are in memory: no worker processes
        save_cpu_ram=True,
        cache=real_cache_name is not None,
        verbose=False,
    )
    if real_cache_name is not None:
        kwargs.update(cache_root=cache_root, input2_cache_name=real_cache_name)
    return kwargs


def compute(ctx: EvalContext, names: tuple[str, ...]) -> dict[str, Entry]:
    """The ``compute`` of the fid, is, kid and prc metric specs."""
    options = ctx.options
    try:
        extractor = extractor_choice.choose(
            options["extractor"], ctx.dataset.name, options["inception_weights"]
        )
    except WeightsUnavailable as exc:
        return {name: unavailable(str(exc), exc.fix) for name in names}
    register_extractors()
    n_generated, n_real = len(ctx.generated), len(ctx.real)
    is_inception = extractor.name == extractor_choice.INCEPTION
    resize = real_cache.resize_plan(
        extractor.name, options.get("fid_resize") or "torch-fidelity", ctx.generated.shape[-1]
    )
    # input1 is the generated set: torch-fidelity's IS scores input1 and its precision is
    # the fraction of input1 inside the input2 (real) manifold; IS alone needs no input2
    real = None
    cache: dict[str, Any] = {}
    if set(names) - {"is"}:
        real = UInt8Images(ctx.real.images, rgb=extractor.needs_rgb, size=resize.size)
        cache = _real_cache(ctx, extractor, resize)
    kwargs = fidelity_kwargs(
        names,
        extractor.name,
        n_generated,
        n_real,
        options,
        ctx.device,
        str(extractor.weights_path) if is_inception else None,
        cache.get("root"),
        cache.get("name"),
    )
    generated = UInt8Images(ctx.generated, rgb=extractor.needs_rgb, size=resize.size)
    on_device = torch.cuda.device(ctx.device) if ctx.device.type == "cuda" else nullcontext()
    with recording_logits() as sink, on_device:
        scores = torch_fidelity.calculate_metrics(input1=generated, input2=real, **kwargs)
    if sink:
        logits = torch.cat(sink)
        if len(logits) in (n_generated, n_generated + n_real):  # input1 is extracted first
            ctx.shared["eval_net_logits"] = logits[:n_generated]

    layer_of = FEATURE_EXTRACTORS_REGISTRY[extractor.name].get_default_feature_layer_for_metric

    real_record: dict[str, Any] = {}
    if real is not None:
        real_record = {
            # "cached": torch-fidelity read the real set's features (or FID statistics) from
            # its cache and never looked at the images; "computed": it extracted them
            "real_features": "computed" if real.reads else "cached",
            "real_features_cache": cache.get("name"),
            **({"real_features_note": "; ".join(cache["notes"])} if cache.get("notes") else {}),
        }

    def record(name: str, uses_real: bool = True, **extra: Any) -> dict[str, Any]:
        return {
            **extractor.record(),
            "feature_layer": layer_of(FIDELITY_FLAGS[name]),
            "n_generated": n_generated,
            "n_real": n_real if uses_real else None,
            "dataset": ctx.dataset.name,
            "split": ctx.real.split,
            "torch_fidelity_version": torch_fidelity.__version__,
            "fid_resize": options.get("fid_resize") or "torch-fidelity",
            "resize": resize.description,
            **(real_record if uses_real else {}),
            **({"note": extractor.note} if extractor.note else {}),
            **extra,
        }

    entries: dict[str, Entry] = {}
    if "fid" in names:
        entries["fid"] = ok({"fid": scores[torch_fidelity.KEY_METRIC_FID]}, record("fid"))
    if "is" in names:
        entries["is"] = ok(
            {
                "is_mean": scores[torch_fidelity.KEY_METRIC_ISC_MEAN],
                "is_std": scores[torch_fidelity.KEY_METRIC_ISC_STD],
            },
            record("is", uses_real=False, isc_splits=kwargs["isc_splits"]),
        )
    if "kid" in names:
        entries["kid"] = ok(
            {
                "kid_mean": scores[torch_fidelity.KEY_METRIC_KID_MEAN],
                "kid_std": scores[torch_fidelity.KEY_METRIC_KID_STD],
            },
            record(
                "kid", kid_subsets=kwargs["kid_subsets"], kid_subset_size=kwargs["kid_subset_size"]
            ),
        )
    if "prc" in names:
        entries["prc"] = ok(
            {
                "precision": scores[torch_fidelity.KEY_METRIC_PRECISION],
                "recall": scores[torch_fidelity.KEY_METRIC_RECALL],
                "f_score": scores[torch_fidelity.KEY_METRIC_F_SCORE],
            },
            record("prc", prc_neighborhood=kwargs["prc_neighborhood"]),
        )
    return entries


def _real_cache(
    ctx: EvalContext, extractor: extractor_choice.Extractor, resize: real_cache.ResizePlan
) -> dict[str, Any]:
    """The cache root and name of the real set, after removing any of its cache files that
    are broken; no root or name when the cache folder cannot be written."""
    root, why_not = real_cache.usable_root()
    if root is None:
        return {"notes": [why_not]}
    name = real_cache.cache_name(
        dataset=ctx.dataset.name,
        split=ctx.real.split,
        images=ctx.real.images,
        extractor=extractor.name,
        extractor_sha256=extractor.sha256,
        resize=resize,
        device_type=ctx.device.type,
    )
    notes = real_cache.repair(root, name, len(ctx.real))
    return {"root": str(root), "name": name, "notes": notes}
