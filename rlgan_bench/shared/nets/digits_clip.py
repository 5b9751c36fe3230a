"""Tiny CLIP models of the digits, built from clip-anytorch's own ``clip.model.CLIP`` class
and tokenizer, trained contrastively on templated captions ("a handwritten seven") by
``scripts/train_digits_clip.py``.

Two variants with different seeds, vision towers and disjoint training splits:

- ``main`` (``reward-net`` split): the ``clip`` reward and the CLIP score;
- ``audit`` (``eval-net`` split): scores the same prompts independently, so a generator that
  games the main model's quirks shows up as a gap between the two.

The models only know the vocabulary of :data:`CAPTION_TEMPLATES`: the files store the token
embedding rows of those words, and every other word embeds to zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import clip
import torch
import torch.nn.functional as F
from clip.model import CLIP
from torch import Tensor

from rlgan_bench.core.errors import ConfigError
from rlgan_bench.shared.digits import CLASS_NAMES
from rlgan_bench.shared.nets import load_into
from rlgan_bench.shared.nets.grey import grey_at

CONTEXT_LENGTH = 16
VOCAB_SIZE = 49408  # clip-anytorch's BPE vocabulary; the end-of-text token is the largest id
# CLIP's preprocessing statistics (clip/clip.py, _transform)
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)

#: {name} is the digit's word ("seven"), {number} its numeral ("7")
CAPTION_TEMPLATES = (
    "a handwritten {name}",
    "a handwritten {number}",
    "a photo of the digit {number}",
    "a photo of the digit {name}",
    "the number {name}",
    "the number {number}",
    "a drawing of the digit {name}",
    "a blurry image of a {name}",
    "a scanned handwritten digit {number}",
    "a low resolution {number}",
    "an image of the number {name}",
    "a grey picture of a handwritten {name}",
)
#: the prompt of zero-shot classification
ZERO_SHOT_TEMPLATE = "a handwritten {name}"

# the text embedding rows are stored sparsely (see _pack_embedding) under these keys
_EMBED_KEY = "token_embedding.weight"
_ROWS_KEY, _IDS_KEY = "token_embedding.rows", "token_embedding.ids"


@dataclass(frozen=True)
class Variant:
    name: str
    #: the manifest entry of its weights
    model_file: str
    split: str
    seed: int
    #: ``CLIP(**clip_args)``; an int ``vision_layers`` is a ViT, a 4-tuple a ModifiedResNet
    clip_args: dict[str, Any]


_TEXT = dict(
    context_length=CONTEXT_LENGTH,
    vocab_size=VOCAB_SIZE,
    transformer_width=64,
    transformer_heads=4,
    transformer_layers=2,
)
VARIANTS = {
    # ModifiedResNet: width 8 gives 256-d features and 4 attention-pool heads
    "main": Variant(
        name="main",
        model_file="digits-clip-main",
        split="reward-net",
        seed=0,
        clip_args=dict(
            embed_dim=64,
            image_resolution=32,
            vision_layers=(1, 1, 1, 1),
            vision_width=8,
            vision_patch_size=0,
            **_TEXT,
        ),
    ),
    # ViT: 8x8 patches (2x2 pixels of the 8x8 originals), one head of width 64
    "audit": Variant(
        name="audit",
        model_file="digits-clip-audit",
        split="eval-net",
        seed=1,
        clip_args=dict(
            embed_dim=64,
            image_resolution=32,
            vision_layers=3,
            vision_width=64,
            vision_patch_size=8,
            **_TEXT,
        ),
    ),
}


def captions_for(label: int) -> list[str]:
    """Every templated caption of the digit ``label``."""
    name, number = CLASS_NAMES[label], str(label)
    return [template.format(name=name, number=number) for template in CAPTION_TEMPLATES]


def tokenize(texts: str | list[str]) -> Tensor:
    """clip-anytorch's BPE tokens (N, CONTEXT_LENGTH); a too long text is an error, not cut."""
    try:
        return clip.tokenize(texts, context_length=CONTEXT_LENGTH)
    except RuntimeError:
        raise ConfigError(
            f"a prompt is longer than the digits CLIP's {CONTEXT_LENGTH} tokens: {texts!r}"
        ) from None


def build(variant: str) -> CLIP:
    """An untrained model of the variant's architecture."""
    return CLIP(**_variant(variant).clip_args)


def caption_token_ids() -> Tensor:
    """The sorted token ids of all captions (the vocabulary the models are trained on)."""
    captions = [caption for label in range(10) for caption in captions_for(label)]
    return torch.unique(tokenize(captions))


def pack_state(model: CLIP) -> dict[str, Tensor]:
    """The state dict to ship: fp16, with only the caption tokens' embedding rows (the full
    49,408-row table would be most of the file, and other rows are zero, see train script)."""
    state = {k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}
    ids = caption_token_ids()
    state[_IDS_KEY], state[_ROWS_KEY] = ids, state.pop(_EMBED_KEY)[ids]
    return state


def unpack_state(state: dict[str, Tensor]) -> dict[str, Tensor]:
    state = dict(state)
    ids, rows = state.pop(_IDS_KEY), state.pop(_ROWS_KEY)
    table = rows.new_zeros(VOCAB_SIZE, rows.shape[1])
    table[ids] = rows
    state[_EMBED_KEY] = table
    return state


def load_digits_clip(variant: str = "main", device: torch.device | str = "cpu") -> CLIP:
    """A shipped digits CLIP in fp32, eval mode and without gradients."""
    model = build(variant)
    load_into(model, _variant(variant).model_file, unpack_state)
    return model.to(device).eval().requires_grad_(False)


def preprocess(model: CLIP, images: Tensor) -> Tensor:
    """Images (N, 1 or 3, H, W) in [-1, 1] -> CLIP's input, differentiably."""
    pixels = grey_at((images + 1) / 2, model.visual.input_resolution)
    mean = pixels.new_tensor(CLIP_MEAN).view(1, 3, 1, 1)
    std = pixels.new_tensor(CLIP_STD).view(1, 3, 1, 1)
    return (pixels.expand(-1, 3, -1, -1) - mean) / std


def encode_images(model: CLIP, images: Tensor) -> Tensor:
    """Unit-norm image embeddings (N, embed_dim) of images in [-1, 1]; differentiable."""
    return F.normalize(model.encode_image(preprocess(model, images)).float(), dim=-1)


def encode_texts(model: CLIP, texts: str | list[str]) -> Tensor:
    """Unit-norm text embeddings (N, embed_dim)."""
    tokens = tokenize(texts).to(model.token_embedding.weight.device)
    return F.normalize(model.encode_text(tokens).float(), dim=-1)


@torch.no_grad()
def zero_shot_logits(model: CLIP, images: Tensor, template: str = ZERO_SHOT_TEMPLATE) -> Tensor:
    """Cosine similarities (N, 10) of the images to ``template`` for each digit."""
    prompts = [template.format(name=CLASS_NAMES[d], number=d) for d in range(10)]
    return encode_images(model, images) @ encode_texts(model, prompts).T


def _variant(name: str) -> Variant:
    if name not in VARIANTS:
        raise ConfigError(f"digits CLIP has no variant {name!r}; variants: {', '.join(VARIANTS)}")
    return VARIANTS[name]


__all__ = [
    "CAPTION_TEMPLATES",
    "VARIANTS",
    "ZERO_SHOT_TEMPLATE",
    "captions_for",
    "encode_images",
    "encode_texts",
    "load_digits_clip",
    "tokenize",
    "zero_shot_logits",
]
