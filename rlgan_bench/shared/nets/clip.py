"""CLIP scorers: OpenAI's ViT-B/32 through clip-anytorch, or the embedded digits CLIP.

The score is torchmetrics' ``clip_score``: ``max(100 * mean_i cos(E_image_i, E_text), 0)``
per prompt, with L2-normalised embeddings (torchmetrics clamps the mean, not each pair).
The model is OpenAI's ViT-B/32 when its weights are on this machine, else the embedded
digits CLIP (the CLIP architecture trained on the digits' captions), recorded as such: the
two scales have nothing in common.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from rlgan_bench.core.defaults import CLIP_MODEL_CHOICES
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.shared import weights
from rlgan_bench.shared.nets import digits_clip

DEFINITION = (
    "max(100 * mean over samples of cos(image embedding, text embedding), 0) per prompt, "
    "as torchmetrics.functional.multimodal.clip_score"
)
#: the digits CLIP files and the variant name ``load_digits_clip`` takes
DIGITS_CLIP_VARIANTS = {"digits-clip-main": "main", "digits-clip-audit": "audit"}
CHOICES = CLIP_MODEL_CHOICES
#: OpenAI CLIP's input normalisation (clip.clip._transform)
_MEAN = (0.48145466, 0.4578275, 0.40821073)
_STD = (0.26862954, 0.26130258, 0.27577711)


@dataclass(frozen=True)
class ClipScorer:
    """A CLIP model reduced to what the score needs: both encoders, L2-normalised."""

    name: str
    sha256: str
    label: str
    #: images (N, C, H, W) in [-1, 1] on the model's device -> (N, D)
    encode_images: Callable[[Tensor], Tensor]
    #: prompts -> (P, D)
    encode_texts: Callable[[list[str]], Tensor]


def clip_score(image_embeddings: Tensor, text_embeddings: Tensor) -> Tensor:
    """Per-prompt CLIP score (P,) from normalised embeddings (N, D) and (P, D)."""
    cosines = image_embeddings.double() @ text_embeddings.double().T
    return (100 * cosines).mean(0).clamp(min=0)


def openai_scorer(model: Any, name: str, sha256: str, label: str) -> ClipScorer:
    """A scorer for a ``clip.model.CLIP`` with OpenAI's preprocessing, done on tensors: the
    samples are resized (bicubic) to the model's input resolution and normalised."""
    import clip  # optional: only the OpenAI model path needs clip-anytorch loaded

    resolution = int(model.visual.input_resolution)
    device = next(model.parameters()).device
    mean = torch.tensor(_MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(_STD, device=device).view(1, 3, 1, 1)

    def encode_images(images: Tensor) -> Tensor:
        x = images.float().add(1.0).div(2.0)
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        if x.shape[-1] != resolution or x.shape[-2] != resolution:
            x = F.interpolate(
                x,
                size=(resolution, resolution),
                mode="bicubic",
                align_corners=False,
                antialias=x.shape[-1] > resolution,
            )
        x = (x.clamp(0, 1) - mean) / std
        return F.normalize(model.encode_image(x).float(), dim=-1)

    def encode_texts(texts: list[str]) -> Tensor:
        tokens = clip.tokenize(texts, truncate=True).to(device)
        return F.normalize(model.encode_text(tokens).float(), dim=-1)

    return ClipScorer(name, sha256, label, encode_images, encode_texts)


def load_scorer(choice: str, device: torch.device) -> ClipScorer:
    """Resolve ``--clip-model`` (raises :class:`weights.WeightsUnavailable` with the fix)."""
    if choice not in CHOICES:
        raise ConfigError(f"--clip-model {choice!r}: choose one of {', '.join(CHOICES)}")
    if choice == "auto":
        present = weights.status(weights.CLIP_VIT_B_32)["status"] == "present"
        # without ViT-B/32, the embedded model that the `clip` reward cannot use, so that the
        # score of a clip-reward run does not come from the network it was optimised against
        choice = weights.CLIP_VIT_B_32 if present else "digits-clip-audit"
    path, digest = weights.require(choice)
    if choice == weights.CLIP_VIT_B_32:
        import clip  # optional: only the OpenAI model path needs clip-anytorch loaded

        model, _ = clip.load(str(path), device=device, jit=False)
        return openai_scorer(model.eval(), choice, digest, "OpenAI CLIP ViT-B/32")
    model = digits_clip.load_digits_clip(DIGITS_CLIP_VARIANTS[choice], device=device)
    return ClipScorer(
        choice,
        digest,
        "embedded digits CLIP, not OpenAI's: its own scale",
        lambda images: digits_clip.encode_images(model, images),
        lambda texts: digits_clip.encode_texts(model, texts),
    )


@torch.no_grad()
def score_images(
    scorer: ClipScorer,
    images: Tensor,
    prompts: Sequence[str],
    device: torch.device,
    batch_size: int,
) -> dict[str, float]:
    """CLIP score of uint8 images (N, C, H, W) for each prompt."""
    chunks = [
        scorer.encode_images(batch.to(device).float().div(127.5).sub(1.0)).cpu()
        for batch in images.split(batch_size)
    ]
    texts = scorer.encode_texts(list(prompts)).cpu()
    scores = clip_score(torch.cat(chunks), texts)
    return {prompt: float(value) for prompt, value in zip(prompts, scores, strict=True)}
