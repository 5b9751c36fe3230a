"""The ``clip`` metric: CLIP score of the samples for text prompts.

The score is torchmetrics' ``clip_score``: ``max(100 * mean_i cos(E_image_i, E_text), 0)``
per prompt, with L2-normalised embeddings (torchmetrics clamps the mean, not each pair).
The model is OpenAI's ViT-B/32 when its weights are on this machine, else the embedded
digits CLIP (the CLIP architecture trained on the digits' captions), recorded as such: the
two scales have nothing in common.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

from rlgan_bench.api import (
    CLIP_SCORE_DEFINITION,
    ConfigError,
    Entry,
    EvalContext,
    load_clip_scorer,
    ok,
    score_images_with_clip,
    skipped,
    unavailable,
    weights,
)


def run_prompts(run_config: dict[str, Any]) -> list[str]:
    """The prompt(s) a reward run was trained for (``--reward-param prompt=...``)."""
    value = (run_config.get("reward_params") or {}).get("prompt")
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if str(v).strip()]
    return []


def compute(ctx: EvalContext, names: tuple[str, ...]) -> dict[str, Entry]:
    """The ``compute`` of the clip metric spec."""
    prompts = list(ctx.options["prompts"]) or run_prompts(ctx.run_config)
    if not prompts:
        return {"clip": skipped("no prompts: the run has no reward prompt; pass --prompt TEXT")}
    try:
        scorer = load_clip_scorer(ctx.options["clip_model"], ctx.device)
    except weights.WeightsUnavailable as exc:
        return {"clip": unavailable(str(exc), exc.fix)}
    try:
        values = score_images_with_clip(
            scorer, ctx.generated, prompts, ctx.device, int(ctx.options["batch_size"])
        )
    except ConfigError as exc:  # e.g. a prompt longer than the digits CLIP's context
        return {"clip": skipped(str(exc))}
    record = {
        "extractor": scorer.name,
        "extractor_sha256": scorer.sha256,
        "model": scorer.label,
        "n_generated": len(ctx.generated),
        "n_real": None,
        "split": None,
        "prompts": prompts,
        "definition": CLIP_SCORE_DEFINITION,
        "clip_anytorch_version": metadata.version("clip-anytorch"),
    }
    return {"clip": ok(values, record)}
