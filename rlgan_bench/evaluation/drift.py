"""How far a run's samples drifted in quality from its base's, on the same latents: FID,
precision and recall against the held-out images, and on the digits the within-class FID (or
KID) and diversity in the evaluation network's features: the ``drift`` field of the gauge's
``reward_audit`` section."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from rlgan_bench.core.dataset import ImageData
from rlgan_bench.core.defaults import EVAL_DEFAULTS
from rlgan_bench.core.identity import canonical_json
from rlgan_bench.evaluation.evaluate import score_samples
from rlgan_bench.evaluation.memo import images_key, measured_once
from rlgan_bench.shared.digits import is_digit_dataset
from rlgan_bench.shared.diversity import diversity, diversity_stderr
from rlgan_bench.shared.nets.cached import batched, cached_eval_net

#: the within-class FID needs at least this many samples of the class from each run (otherwise
#: it is reported unavailable)
MIN_CLASS_SAMPLES = 20


def _value(scores: dict[str, Any], metric: str, key: str) -> float | None:
    entry = scores["metrics"].get(metric) or {}
    if entry.get("status") != "ok":
        return None
    value = entry["values"].get(key)
    return float(value) if isinstance(value, (int, float)) else None


def _ratio(after: float | None, before: float | None) -> float | None:
    if after is None or before is None or before <= 0:
        return None
    return after / before


def drift(
    after: Tensor,
    before: Tensor,
    real: Any,
    dataset: Any,
    host: Any,
    device: torch.device,
    batch_size: int,
    target: int | None,
    extractor: str = EVAL_DEFAULTS["extractor"],
    fid_resize: str = EVAL_DEFAULTS["fid_resize"],
) -> dict[str, Any]:
    """Quality drift of ``after`` against ``before`` (uint8 samples of the reward run and of
    the lambda = 0 run): FID, precision, recall, within-class variety; measured with the
    evaluation's ``extractor`` and ``fid_resize`` (a matrix's [eval])."""

    options: dict[str, Any] = {
        "device": str(device),
        "batch_size": batch_size,
        "extractor": extractor,
        "fid_resize": fid_resize,
    }
    real_key = images_key(real.images)

    def scores(images: Tensor, subset: Any, subset_key: str, metrics: tuple[str, ...]) -> Any:
        return measured_once(
            "scores",
            images,
            (subset_key, dataset.name, metrics, canonical_json(options)),
            lambda: score_samples(images, subset, dataset, host=host, metrics=metrics, **options),
        )

    scored = {
        name: scores(images, real, real_key, ("fid", "prc"))
        for name, images in (("run", after), ("baseline", before))
    }
    out: dict[str, Any] = {}
    for metric, key in (("fid", "fid"), ("prc", "precision"), ("prc", "recall")):
        pair = {name: _value(s, metric, key) for name, s in scored.items()}
        out[key] = pair
    fid_all = out.pop("fid")
    out["fid_all"] = {**fid_all, "ratio": _ratio(fid_all["run"], fid_all["baseline"])}
    precision, recall = out["precision"], out["recall"]
    if precision["run"] is not None and precision["baseline"] is not None:
        precision["drop"] = precision["baseline"] - precision["run"]
    if recall["run"] is not None and recall["baseline"] is not None:
        recall["drop"] = recall["baseline"] - recall["run"]
    record = (scored["run"]["metrics"].get("fid") or {}).get("record") or {}
    out["extractor"] = record.get("extractor")
    out["extractor_sha256"] = record.get("extractor_sha256")
    out["fid_resize"] = record.get("fid_resize")

    fid: dict[str, Any] = {"basis": "all samples vs the held-out split", **out["fid_all"]}
    if is_digit_dataset(dataset.name):
        net = cached_eval_net(device)

        def features(images: Tensor) -> Tensor:
            return measured_once(
                "eval-features",
                images,
                (str(device),),
                lambda: batched(net.features, images.float().div(127.5).sub(1.0), device),
            )

        feats = {"run": features(after), "baseline": features(before)}
        real_feats = features(real.images)
        preds = {name: net.head(f.to(device)).argmax(1).cpu() for name, f in feats.items()}
        if target is not None and real.labels is not None:
            masks = {name: p == target for name, p in preds.items()}
            real_mask = real.labels == target
            chosen = {name: feats[name][masks[name]] for name in feats} | {
                "real": real_feats[real_mask]
            }
            fid = within_class_fid(
                {
                    name: images[masks[name]]
                    for name, images in (("run", after), ("baseline", before))
                },
                ImageData(real.images[real_mask], real.labels[real_mask], real.split),
                target,
                int(feats["run"].shape[1]),
                lambda images, subset, metric: _value(
                    scores(images, subset, images_key(subset.images), (metric,)),
                    metric,
                    "fid" if metric == "fid" else "kid_mean",
                ),
            )
        else:
            chosen = {**feats, "real": real_feats}
        variety = {name: diversity(f) for name, f in chosen.items()}
        out["within_class_diversity"] = {
            **variety,
            "stderr": {name: diversity_stderr(f) for name, f in chosen.items()},
            "ratio": _ratio(variety["run"], variety["baseline"]),
            "basis": (f"class {target}" if target is not None else "all samples")
            + ": mean pairwise cosine distance of the evaluation network's features",
        }
        out["target_fraction"] = (
            {name: float((p == target).float().mean()) for name, p in preds.items()}
            if target is not None
            else None
        )
    out["fid"] = fid
    return out


def within_class_fid(
    chosen: dict[str, Tensor],
    real_class: ImageData,
    target: int,
    feature_dim: int,
    score: Any,
) -> dict[str, Any]:
    """The within-class distance of ``chosen`` (``run`` and ``baseline``: the samples of each
    run that the evaluation network calls ``target``) to the real images of the class, on equal
    counts from both runs. ``score(images, real, metric)`` gives a metric's value (``fid`` or
    ``kid``).

    The FID needs more samples than the features have dimensions (``feature_dim``) on both
    sides, or its covariances are singular and its value a matter of numerical noise: with
    fewer, the within-class KID (the mean of torch-fidelity's unbiased estimate over subsets;
    no such requirement) is measured instead and recorded as ``estimator: kid``, its ratio left
    null (``fid_ratio`` is a threshold of FIDs; a KID near 0 or below has no ratio). Fewer than
    :data:`MIN_CLASS_SAMPLES` per run: unavailable, with the reason."""
    counts = {name: len(images) for name, images in chosen.items()}
    n, n_real = min(counts.values()), len(real_class)
    fid: dict[str, Any] = {
        "basis": f"class {target}: samples the evaluation network calls {target} vs the "
        f"held-out images of class {target}, {n} from each run",
        "n_each": n,
        "counts": counts,
        "n_real": n_real,
        "feature_dim": feature_dim,
    }
    if n < MIN_CLASS_SAMPLES or n_real < 2:
        fid.update(run=None, baseline=None, ratio=None, estimator=None)
        fid["reason"] = (
            f"fewer than {MIN_CLASS_SAMPLES:g} samples of class {target} "
            f"in one of the runs ({counts['run']} and {counts['baseline']})"
            if n < MIN_CLASS_SAMPLES
            else f"fewer than 2 held-out images of class {target}"
        )
        return fid
    estimator = "fid" if min(n, n_real) > feature_dim else "kid"
    for name, images in chosen.items():
        fid[name] = score(images[:n], real_class, estimator)
    fid["estimator"] = estimator
    if estimator == "fid":
        fid["ratio"] = _ratio(fid["run"], fid["baseline"])
        return fid
    fid["ratio"] = None
    if fid["run"] is not None and fid["baseline"] is not None:
        fid["increase"] = fid["run"] - fid["baseline"]
    fid["basis"] = fid["basis"].replace(f"class {target}:", f"class {target} (KID):", 1)
    fid["reason"] = (
        f"within-class FID needs more samples than the {feature_dim} feature dimensions on "
        f"both sides ({n} from each run, {n_real} real): the within-class KID instead (no "
        f"such requirement); fid_ratio does not apply to it"
    )
    return fid


__all__ = ["MIN_CLASS_SAMPLES", "drift", "within_class_fid"]
