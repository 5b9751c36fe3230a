"""Class histogram of the samples, by the evaluation network: which digits a generator draws,
how many of them it covers (mode collapse), and how often it draws a reward's target class.

Part of every evaluation of a digits run (eval.json's ``class_histogram``), not a metric a
plugin registers: it lives with the evaluation, not among the built-in plugins."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from rlgan_bench.core.metric import EvalContext
from rlgan_bench.core.reward import Reward
from rlgan_bench.shared import weights
from rlgan_bench.shared.digits import CLASS_NAMES as DIGIT_CLASS_NAMES
from rlgan_bench.shared.digits import is_digit_dataset
from rlgan_bench.shared.nets.digit_nets import load_eval_net

#: a class counts as covered when it gets at least this share of a uniform class's samples
MODE_THRESHOLD = 0.1


@torch.no_grad()
def eval_net_logits(images: Tensor, device: torch.device, batch_size: int) -> Tensor:
    """The eval net's logits for uint8 images (N, C, H, W), in batches on ``device``."""
    net = load_eval_net(device)
    chunks = [
        net(batch.to(device).float().div(127.5).sub(1.0)).cpu()
        for batch in images.split(batch_size)
    ]
    return torch.cat(chunks)


def histogram(
    logits: Tensor,
    class_names: tuple[str, ...],
    real_labels: Tensor | None = None,
) -> dict[str, Any]:
    """Counts and fractions of the predicted classes, and how many classes are covered."""
    n_classes = len(class_names)
    counts = torch.bincount(logits.argmax(1), minlength=n_classes)[:n_classes]
    fractions = counts.double() / max(len(logits), 1)
    threshold = MODE_THRESHOLD / n_classes
    result: dict[str, Any] = {
        "classifier": "digit-eval-net",
        "n": len(logits),
        "classes": list(class_names),
        "counts": counts.tolist(),
        "fractions": [round(f, 6) for f in fractions.tolist()],
        "modes_covered": int((fractions >= threshold).sum()),
        "num_classes": n_classes,
        "mode_threshold": threshold,
    }
    if real_labels is not None:
        real = torch.bincount(real_labels, minlength=n_classes)[:n_classes].double()
        result["real_fractions"] = [round(f, 6) for f in (real / real.sum()).tolist()]
    return result


def run_target(run_config: dict[str, Any], reward: type[Reward] | None) -> int | None:
    """The class the run's reward asks for, as the reward class declares it
    (:meth:`Reward.target_class`: the classifier's ``target=7``), or None: for a run without
    a reward, a reward that asks for no class (an ink level ``target = 0.3`` is not class 0),
    or one whose plugin is not installed here."""
    if reward is None or not run_config.get("reward"):
        return None
    return reward.target_class(run_config.get("reward_params") or {})


def class_report(ctx: EvalContext, target: int | None) -> dict[str, Any] | None:
    """The histogram of the samples (``None`` when the dataset's classes are not digits);
    reuses the eval net's logits when the FID/IS extraction already computed them."""
    if not is_digit_dataset(ctx.dataset.name):
        return None
    try:
        _, digest = weights.require("digit-eval-net")
    except weights.WeightsUnavailable as exc:
        return {"status": "unavailable", "reason": str(exc), "fix": exc.fix}
    logits = ctx.shared.get("eval_net_logits")
    if logits is None:
        logits = eval_net_logits(ctx.generated, ctx.device, int(ctx.options["batch_size"]))
    report = {
        "status": "ok",
        **histogram(logits, DIGIT_CLASS_NAMES, ctx.real.labels),
        "classifier_sha256": digest,
    }
    if target is not None and 0 <= target < len(DIGIT_CLASS_NAMES):
        report["target"] = target
        report["target_fraction"] = report["fractions"][target]
    return report
