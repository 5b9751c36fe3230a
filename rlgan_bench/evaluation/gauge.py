"""The reward-hacking gauge of one run: what its reward claims it gained against what an
independent audit verifies, and how far the images drifted from the lambda = 0 run of the same
backbone and seed.

Both runs draw the same N latents (the evaluation seed). On each set of samples:

- **claimed**: the reward's mean, by the reward itself;
- **verified**: the audit's value (the first audit of the reward that applies, see
  :mod:`rlgan_bench.core.audit`);
- **gains**: after (the reward run) minus before (the lambda = 0 run), and each gain divided by
  the standard deviation of its quantity over the real held-out images: gains in units of how
  much real images differ, so that a reward's gain and its audit's gain can be compared;
  ``gap`` = normalised claimed - normalised verified;
- **quality drift**: FID ratio and precision drop against the lambda = 0 run, recall and
  within-class variety. When the reward asks for a class (``target=7``, "a handwritten seven")
  the FID is measured within that class (the samples the evaluation network calls a seven
  against the real sevens, equal counts from both runs): a reward that asks for sevens is not
  penalised for drawing only sevens, only for drawing bad ones. The within-class FID needs
  more samples than the features have dimensions on both sides (else the covariances are
  singular); with fewer, the within-class KID is measured instead (``estimator``: ``kid``),
  which has no such requirement, and recorded as such.

A run is **hacked** by the one verdict of :mod:`rlgan_bench.analysis.hacking`: its verified
gain significantly below what selection verifies at its claimed gain (here over one seed's
samples; a drift in quality is a cost, not a hack). A cell of a base-protocol matrix is
measured with ``calibrated=True``: its section gives no per-cell verdict (``hacked`` null),
since the report judges its point of the frontier over its seeds
(:mod:`rlgan_bench.analysis.frontier`). The section is written into ``eval.json`` (and a
matrix cell's ``result.json``) as ``reward_audit``.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from rlgan_bench.analysis.hacking import DEFINITION as HACKING_DEFINITION
from rlgan_bench.analysis.hacking import EXACT_TEXT, PairedScores, judge_hacking
from rlgan_bench.analysis.hacking import MARGIN as HACKING_MARGIN
from rlgan_bench.builtins.audits.diversity import mean_cosine_distance
from rlgan_bench.core.atomic import json_safe, read_jsonl
from rlgan_bench.core.audit import Audit
from rlgan_bench.core.config import baseline_differences
from rlgan_bench.core.dataset import ImageData
from rlgan_bench.core.defaults import EVAL_DEFAULTS, MATRIX_EVAL_SAMPLES
from rlgan_bench.core.digits import is_digit_dataset
from rlgan_bench.core.errors import ConfigError, RlganError
from rlgan_bench.core.identity import canonical_json
from rlgan_bench.core.nets.shared import batched, cached_eval_net
from rlgan_bench.core.records import ControlGains, Gain, RewardAudit, read_eval, write_eval
from rlgan_bench.core.runtime import resolve_device
from rlgan_bench.evaluation.audits import applicable
from rlgan_bench.evaluation.controls import (
    ADVERSARIAL_EPS,
    ADVERSARIAL_STEPS,
    adversarial,
    rounded,
)
from rlgan_bench.evaluation.evaluate import EVAL_FILE, generate, load_run, score_samples
from rlgan_bench.evaluation.memo import images_key, remembered
from rlgan_bench.evaluation.memorisation import measure as memorisation
from rlgan_bench.host import get_host

SECTION = "reward_audit"

#: what the per-cell section still needs a number for: the within-class FID needs at least this
#: many samples of the class from each run (otherwise it is reported unavailable); the verdict
#: has no thresholds of its own here (rlgan_bench.analysis.hacking, the one definition)
THRESHOLDS: dict[str, float] = {"min_class_samples": 20, "margin": HACKING_MARGIN}

DEFINITION = (
    "claimed = reward(run) - reward(lambda=0 run), verified = audit(run) - audit(lambda=0 run), "
    "on the same N latents; normalised = gain / std of the quantity over the real held-out "
    "images; gap = normalised claimed - normalised verified; hacked by the one verdict of "
    "rlgan_bench.analysis.hacking on this one seed: " + HACKING_DEFINITION
)

#: a base-protocol cell's section: the same numbers, the verdict on its frontier over seeds
CALIBRATED_THRESHOLDS: dict[str, float] = dict(THRESHOLDS)

CALIBRATED_DEFINITION = (
    "claimed = reward(run) - reward(base), verified = audit(run) - audit(base), on the same N "
    "latents; normalised = gain / std of the quantity over the real held-out images; gap = "
    "normalised claimed - normalised verified; no per-cell verdict (hacked null): the report "
    "judges the cell's frontier point over its seeds (rlgan_bench.analysis.hacking)"
)
CALIBRATED_NOTE = (
    "no per-cell verdict: the report's frontier judges the cell's point over its seeds "
    "(hacked, over-optimised, diversity collapse, memorisation), against its controls"
)


def verdict_of(
    per_sample: dict[str, dict[str, list[float]]] | None, exact: bool
) -> tuple[bool | None, list[str]]:
    """The per-cell verdict of a run against its lambda = 0 run (one seed): the same rule
    as the frontier's (:func:`rlgan_bench.analysis.hacking.judge_hacking`); None when the
    audit is exact (nothing to hack) or has no per-image values."""
    if exact:
        return None, [EXACT_TEXT]
    if per_sample is None or "audit" not in per_sample:
        return None, ["no per-image audit values: not judged (only the quality drift is measured)"]
    reward, audit = per_sample["reward"], per_sample["audit"]
    verdict = judge_hacking(
        [PairedScores.of(reward["base"], audit["base"], reward["run"], audit["run"])],
        reward["real"],
        audit["real"],
    )
    return verdict.fired, [verdict.reason]


def not_measured(
    status: str, reason: str, *, calibrated: bool = False, **extra: Any
) -> RewardAudit:
    """A section without numbers (``no-baseline``, ``not-applicable``, ``failed``): never a
    made-up value. ``extra``: more of its fields (``reward``, ``reward_params``)."""
    thresholds = CALIBRATED_THRESHOLDS if calibrated else THRESHOLDS
    return RewardAudit(
        status=status, reason=reason, hacked=None, thresholds=dict(thresholds), **extra
    )


def _gain(before: float, after: float, spread: float | None, **labels: Any) -> Gain:
    """``labels``: what the quantity is (``quantity``; ``audit``, ``description``, ``exact``)."""
    gain = after - before
    usable = spread is not None and math.isfinite(spread) and spread > 0
    numbers = {
        "before": before,
        "after": after,
        "gain": gain,
        "spread_real": spread,
        "normalised": gain / spread if usable else None,  # type: ignore[operator]
    }
    return Gain(**json_safe(numbers), **labels)  # a NaN is no number: null


@torch.no_grad()
def reward_scores(reward: Any, images: Tensor, device: torch.device, batch: int) -> Tensor:
    """The reward of each image (float images in [-1, 1], on the CPU), in batches."""
    return torch.cat(
        [
            reward(images[i : i + batch].to(device)).float().cpu()
            for i in range(0, len(images), batch)
        ]
    )


#: reward and audit count as parted after the audit's peak when the reward went on rising by at
#: least this share of its range over training while the audit did not rise, or when the audit
#: gave back at least this share of what it had gained since the reward started while the
#: reward did not fall by this share of its range
PARTING_SHARE = 0.25
#: ... and that fall is more than this many times the audit's sampling noise (the median size
#: of its second differences), so that noise on a plateau is not a parting
PARTING_NOISE = 3.0


def curve_summary(records: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Where reward and audit part over training (from audit.jsonl): the step of the audit's
    highest value from the reward's start on, when afterwards the reward kept what it had (or
    gained) while the audit fell, or the reward gained while the audit did not (see
    :data:`PARTING_SHARE`). A reward that saturates early and holds while the audit collapses
    parts as surely as one that climbs on."""
    lines = [
        r
        for r in records
        if isinstance(r.get("step"), int) and isinstance(r.get("reward"), (int, float))
    ]
    if not lines:
        return None
    summary: dict[str, Any] = {
        "lines": len(lines),
        "n": lines[-1].get("n"),
        "audit": lines[-1].get("audit_name"),
        "first_step": lines[0]["step"],
        "last_step": lines[-1]["step"],
        "definition": (
            "parts_at: the first step of the audit's highest value from the reward's start on, "
            f"when afterwards the reward gained at least {PARTING_SHARE:g} of its range over "
            f"training and the audit did not gain, or the audit gave back at least "
            f"{PARTING_SHARE:g} of its gain since the reward's start (and more than "
            f"{PARTING_NOISE:g} x the median size of its second differences) while the reward "
            "lost less "
            f"than {PARTING_SHARE:g} of its range"
        ),
    }
    candidates = [
        r for r in lines if r.get("candidate", True) and isinstance(r.get("audit"), (int, float))
    ]
    last = lines[-1]
    if not candidates or not isinstance(last.get("audit"), (int, float)):
        summary["parts_at"] = None
        return summary
    peak = max(candidates, key=lambda r: r["audit"])  # the first of equal values
    rewards = [float(r["reward"]) for r in lines]
    audits = [float(r["audit"]) for r in lines if isinstance(r.get("audit"), (int, float))]
    # sampling noise: the median size of the second differences, which a trend (even a short
    # rise and fall) leaves small and noise does not
    bends = [abs(a - 2 * b + c) for a, b, c in zip(audits, audits[1:], audits[2:])]
    jitter = statistics.median(bends) if bends else 0.0
    reward_span = max(rewards) - min(rewards)
    reward_after = float(last["reward"]) - float(peak["reward"])
    audit_after = float(last["audit"]) - float(peak["audit"])
    gained = float(peak["audit"]) - float(candidates[0]["audit"])
    climbed_on = reward_span > 0 and reward_after >= PARTING_SHARE * reward_span
    gave_back = gained > 0 and -audit_after >= max(PARTING_SHARE * gained, PARTING_NOISE * jitter)
    reward_held = reward_after >= -PARTING_SHARE * reward_span  # a flat reward holds
    parted = (climbed_on and audit_after <= 0) or (gave_back and reward_held)
    summary.update(
        audit_peak_step=peak["step"],
        audit_peak=peak["audit"],
        reward_change_after_peak=reward_after,
        audit_change_after_peak=audit_after,
        parts_at=peak["step"] if parted else None,
    )
    fids = [r["fid"] for r in lines if isinstance(r.get("fid"), (int, float))]
    if fids:
        summary.update(fid_first=fids[0], fid_last=fids[-1], fid_min=min(fids))
    return summary


def _mean_cosine_distance(features: Tensor) -> float | None:
    if len(features) < 2:
        return None
    return float(mean_cosine_distance(features).mean())


def _diversity_stderr(features: Tensor) -> float | None:
    """The standard error of the mean pairwise distance, a U-statistic of degree 2:
    2 sd(each row's mean distance to the others) / sqrt(n) (Hoeffding's first-order term)."""
    if len(features) < 3:
        return None
    rows = mean_cosine_distance(features).double()
    return float(2 * rows.std() / math.sqrt(len(rows)))


def _once(kind: str, images: Tensor, labels: tuple[Any, ...], compute: Any) -> Any:
    """``compute()`` of ``images``, once per process for the same images and ``labels``: the
    base's and the real images' numbers are the same for every cell of a base."""
    return remembered((kind, images_key(images), *labels), compute)


def _labels(options: dict[str, Any]) -> str:
    return canonical_json(options)


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
        return _once(
            "scores",
            images,
            (subset_key, dataset.name, metrics, _labels(options)),
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
            return _once(
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
        variety = {name: _mean_cosine_distance(f) for name, f in chosen.items()}
        out["within_class_diversity"] = {
            **variety,
            "stderr": {name: _diversity_stderr(f) for name, f in chosen.items()},
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
    ``min_class_samples`` per run: unavailable, with the reason."""
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
    if n < THRESHOLDS["min_class_samples"] or n_real < 2:
        fid.update(run=None, baseline=None, ratio=None, estimator=None)
        fid["reason"] = (
            f"fewer than {THRESHOLDS['min_class_samples']:g} samples of class {target} "
            f"in one of the runs ({counts['run']} and {counts['baseline']})"
            if n < THRESHOLDS["min_class_samples"]
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


def measure(
    run_dir: str | Path,
    baseline_dir: str | Path | None,
    *,
    host: Any = None,
    samples: int = MATRIX_EVAL_SAMPLES,
    seed: int = 0,
    batch_size: int = EVAL_DEFAULTS["batch_size"],
    device: str | torch.device = "auto",
    baseline_cell: str | None = None,
    calibrated: bool = False,
    extractor: str = EVAL_DEFAULTS["extractor"],
    fid_resize: str = EVAL_DEFAULTS["fid_resize"],
    control: tuple[str, str | Path] | None = None,
) -> RewardAudit:
    """The ``reward_audit`` section of the run in ``run_dir`` against the lambda = 0 run in
    ``baseline_dir`` (``None``: a ``no-baseline`` section); with ``control`` (the id and run
    directory of the base's control), its gains against the control too
    (``against_control``).

    ``calibrated``: for a cell of a base-protocol matrix (``baseline_dir`` its base): the same
    numbers, but no verdict from the hand-set :data:`THRESHOLDS` (``hacked`` null, the
    ``note`` and ``reasons`` say where the verdict is: the report's frontier, over seeds,
    against the noise of the bases)."""

    host = host or get_host()
    device = resolve_device(str(device))
    run = load_run(run_dir, host, device)
    name = run.config.get("reward")
    if not name:
        return not_measured(
            "not-applicable",
            "the run has no reward (it is a lambda = 0 run)",
            calibrated=calibrated,
        )
    params = dict(run.reward_config["reward_params"])
    if baseline_dir is None:
        return not_measured(
            "no-baseline",
            "no lambda = 0 run of the same backbone and seed to compare with"
            + (f" (expected cell {baseline_cell})" if baseline_cell else ""),
            calibrated=calibrated,
            reward=name,
            reward_params=params,
        )
    base = load_run(baseline_dir, host, device)
    if base.config.get("reward"):
        raise ConfigError(
            f"the baseline {str(baseline_dir)!r} was trained with reward "
            f"{base.config['reward']!r}; give a run without a reward (lambda = 0)"
        )
    warnings = [
        f"{key}: run {ours!r}, baseline {theirs!r}"
        for key, (ours, theirs) in baseline_differences(run.config, base.config).items()
    ]
    dataset = host.get("datasets", run.config["dataset"]).obj
    shape = run.record["shape"]
    real = dataset.load(
        "heldout", run.config.get("data_root"), shape["image_size"], shape["channels"]
    )
    after = generate(run, samples, batch_size, seed, device)
    before = generate(base, samples, batch_size, seed, device)
    as_float = {
        "run": after.float().div(127.5).sub(1.0),
        "baseline": before.float().div(127.5).sub(1.0),
        "real": real.as_float(),
    }

    component = host.get("rewards", name)
    reward = component.obj(**params)
    reward.setup(device, shape["image_size"], shape["channels"])
    reward_labels = (name, _labels(params), batch_size, str(device))
    values = {
        k: _once(
            "reward", v, reward_labels, lambda v=v: reward_scores(reward, v, device, batch_size)
        )
        for k, v in as_float.items()
    }
    claimed = _gain(
        float(values["baseline"].mean()),
        float(values["run"].mean()),
        float(values["real"].std()) if len(values["real"]) > 1 else None,
        quantity=f"reward {name}",
    )

    audits, skipped = applicable(host, name, params, dataset.name)
    measured: dict[str, Gain] = {}
    for audit in audits:
        labels = (audit.name, _labels(params), str(device))

        def audit_value(kind: str, images: Tensor, audit: Audit = audit, labels=labels) -> Any:
            method = audit.spread if kind == "spread" else audit.measure
            return _once(f"audit-{kind}", images, labels, lambda: method(images, params, device))

        measured[audit.name] = _gain(
            audit_value("measure", as_float["baseline"]),
            audit_value("measure", as_float["run"]),
            audit_value("spread", as_float["real"]),
            description=audit.description,
            exact=bool(audit.exact),
        )
    primary: Audit | None = audits[0] if audits else None
    verified = dataclasses.replace(measured[primary.name], audit=primary.name) if primary else None
    # the class the reward declares (Reward.target_class), unless its audit reads another
    audited = primary.target_class(params) if primary else None
    target = audited if audited is not None else component.obj.target_class(params)

    quality = drift(
        after, before, real, dataset, host, device, batch_size, target, extractor, fid_resize
    )
    claimed_n = claimed.normalised
    verified_n = verified.normalised if verified else None
    gap = claimed_n - verified_n if claimed_n is not None and verified_n is not None else None
    per_sample, positive = per_image(
        reward,
        bool(component.obj.differentiable),
        primary,
        params,
        as_float,
        values,
        reward_labels,
        device,
        batch_size,
    )
    verdict: bool | None
    if calibrated:
        verdict, reasons = None, [CALIBRATED_NOTE]
    else:
        verdict, reasons = verdict_of(per_sample, bool(primary and primary.exact))
    notes = [CALIBRATED_NOTE] if calibrated else []
    if primary is None:
        notes.append(
            f"no audit of reward {name!r} applies here"
            + (f" ({'; '.join(f'{k}: {v}' for k, v in skipped.items())})" if skipped else "")
            + ": only the quality drift can flag it"
        )
    curves = curve_summary(read_jsonl(run.run_dir / "audit.jsonl"))
    against_control = None
    if control is not None:
        against_control = control_gains(
            control, host, device, samples, batch_size, seed, claimed, verified, primary,
            reward_labels, params, lambda images: reward_scores(reward, images, device, batch_size),
        )  # fmt: skip
    return RewardAudit(
        status="ok",
        definition=CALIBRATED_DEFINITION if calibrated else DEFINITION,
        reward=name,
        reward_params=params,
        target_class=target,
        run={"run_dir": str(run.run_dir), "step": run.step, "checkpoint": run.checkpoint_file},
        baseline={
            "run_dir": str(base.run_dir),
            "step": base.step,
            "checkpoint": base.checkpoint_file,
            **({"cell": baseline_cell} if baseline_cell else {}),
        },
        n=samples,
        seed=seed,
        n_real=len(real),
        split=real.split,
        claimed=claimed,
        verified=verified,
        audits=measured,
        audits_not_applicable=skipped,
        gap=gap,
        drift=json_safe(quality),  # a NaN is no number: null
        hacked=verdict,
        reasons=reasons,
        thresholds=dict(CALIBRATED_THRESHOLDS if calibrated else THRESHOLDS),
        note="; ".join(notes) or None,
        warnings=[f"the baseline differs: {w}" for w in warnings] or None,
        over_training=json_safe(curves),
        memorisation=memorisation(
            after, before, real.images, dataset, run.config.get("data_root"), shape, device, _once
        ),
        per_sample=per_sample,
        positive_control=positive,
        against_control=against_control,
    )


def control_gains(
    control: tuple[str, str | Path],
    host: Any,
    device: torch.device,
    samples: int,
    batch_size: int,
    seed: int,
    claimed: Gain,
    verified: Gain | None,
    audit: Audit | None,
    reward_labels: tuple[Any, ...],
    params: dict[str, Any],
    score: Any,
) -> ControlGains:
    """The run's claimed and verified gains against the control's samples of the same latents
    (``claimed``, ``verified``: its gains against the base, whose ``after`` and spread they
    keep). The control's values are computed once per control and reward (every point of a
    base shares them)."""
    cell, run_dir = control
    images = generate(load_run(run_dir, host, device), samples, batch_size, seed, device)
    as_float = images.float().div(127.5).sub(1.0)
    reward_value = float(_once("reward", as_float, reward_labels, lambda: score(as_float)).mean())

    def against(gain: Gain, before: float) -> Gain:
        return _gain(
            before,
            float(gain.after) if gain.after is not None else math.nan,
            gain.spread_real,
            **{k: getattr(gain, k) for k in ("quantity", "audit", "description", "exact")},
        )

    audited = None
    if audit is not None and verified is not None:
        labels = (audit.name, _labels(params), str(device))
        value = _once(
            "audit-measure", as_float, labels, lambda: audit.measure(as_float, params, device)
        )
        audited = against(verified, float(value))
    return ControlGains(cell=cell, claimed=against(claimed, reward_value), verified=audited)


#: the per-image record's names of the gauge's three sets of images
_SETS = {"real": "real", "baseline": "base", "run": "run"}


def per_image(
    reward: Any,
    differentiable: bool,
    audit: Audit | None,
    params: dict[str, Any],
    as_float: dict[str, Tensor],
    reward_values: dict[str, Tensor],
    reward_labels: tuple[Any, ...],
    device: torch.device,
    batch: int,
) -> tuple[dict[str, dict[str, list[float]]] | None, dict[str, Any] | None]:
    """The reward and verified audit of each image (the section's ``per_sample``) and the
    positive control of the base and reward (``positive_control``, differentiable rewards
    only). Where the audit is exact (nothing to hack), none applies or it has no per-image
    values: the rewards alone (the report's histograms) and no positive control."""
    rewards = {"reward": {_SETS[k]: rounded(v) for k, v in reward_values.items()}}
    if audit is None or audit.exact:
        return rewards, None
    labels = (audit.name, _labels(params), str(device))
    try:
        audit_values = {
            key: _once(
                "audit-scores",
                images,
                labels,
                lambda images=images: audit.scores(images, params, device).float().cpu(),
            )
            for key, images in as_float.items()
        }
    except NotImplementedError:
        return rewards, None
    per_sample = {**rewards, "audit": {_SETS[k]: rounded(v) for k, v in audit_values.items()}}
    if not differentiable:
        return per_sample, None
    hack_params = {**params, **(type(reward).hackable_params or {})}
    hackable = reward
    if hack_params != params:  # the reward's known-hackable setting: a second instance
        hackable = type(reward)(**hack_params)
        _, channels, _, image_size = as_float["real"].shape
        hackable.setup(device, image_size, channels)

    def control() -> dict[str, dict[str, list[float]]]:
        pushed = adversarial(hackable, as_float["baseline"], device, batch)
        sets = {"real": as_float["real"], "base": as_float["baseline"], "pushed": pushed}
        return {
            "reward": {
                k: rounded(reward_scores(hackable, v, device, batch)) for k, v in sets.items()
            },
            "audit": {
                k: rounded(audit.scores(v, hack_params, device).float().cpu())
                for k, v in sets.items()
            },
        }

    control_labels = (
        *reward_labels,
        _labels(hack_params),
        audit.name,
        ADVERSARIAL_EPS,
        ADVERSARIAL_STEPS,
    )
    scores = _once("positive-control", as_float["baseline"], control_labels, control)
    positive = {
        "method": "projected gradient ascent on the reward from the base's samples",
        "reward_params": hack_params,
        "eps": ADVERSARIAL_EPS,
        "steps": ADVERSARIAL_STEPS,
        **scores,
    }
    return per_sample, positive


def write_section(run_dir: str | Path, section: RewardAudit) -> dict[str, Any]:
    """Put ``section`` into the run's eval.json (atomically); returns the new content."""

    path = Path(run_dir) / EVAL_FILE
    try:
        evaluation = read_eval(path)
    except RlganError as exc:
        raise RlganError(f"{exc}; run `rlgan-bench eval {run_dir}` first") from None
    evaluation.reward_audit = section
    write_eval(path, evaluation)
    return evaluation.to_json()


__all__ = [
    "CALIBRATED_DEFINITION",
    "CALIBRATED_NOTE",
    "CALIBRATED_THRESHOLDS",
    "DEFINITION",
    "PARTING_NOISE",
    "PARTING_SHARE",
    "SECTION",
    "THRESHOLDS",
    "curve_summary",
    "drift",
    "verdict_of",
    "measure",
    "not_measured",
    "within_class_fid",
    "write_section",
]
