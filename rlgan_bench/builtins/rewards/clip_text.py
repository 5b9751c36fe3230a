"""``clip``: text alignment, the cosine similarity between each image and a prompt.

``model`` picks the CLIP: the embedded digits model (``digits-clip-main``, clip-anytorch's own
model class trained on the ``reward-net`` split) or OpenAI's ViT-B/32 (``clip-vit-b-32``),
which must be on this machine: a missing file is an error with the command that fixes it,
never a silent switch to another model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from rlgan_bench.api import DIGIT_CLASS_NAMES, ConfigError, Reward, hookimpl, load_clip_scorer

MODELS = ("digits-clip-main", "clip-vit-b-32")
_NUMERALS = {str(i): i for i in range(10)}


def prompt_class(prompt: Any) -> int | None:
    """The digit a prompt names, when it names exactly one ("a handwritten seven" -> 7)."""
    if not isinstance(prompt, str):
        return None
    words = re.findall(r"[a-z0-9]+", prompt.lower())
    found = {DIGIT_CLASS_NAMES.index(w) for w in words if w in DIGIT_CLASS_NAMES}
    found |= {_NUMERALS[w] for w in words if w in _NUMERALS}
    return found.pop() if len(found) == 1 else None


class ClipReward(Reward):
    name = "clip"
    description = "text alignment: cosine(image, prompt) under a CLIP model"
    params = {"prompt": "a handwritten seven", "model": "digits-clip-main", "cap": 1.0}
    default_method = "backprop"
    default_lambda = 1.0
    schedule = {"reward_start": 0.5, "reward_warmup": 0.067}
    model_files = MODELS

    @classmethod
    def target_class(cls, params: Mapping[str, Any]) -> int | None:
        """The digit the prompt names, if it names exactly one: a prompt is the class here."""
        return prompt_class(params.get("prompt", cls.params["prompt"]))

    def setup(self, device: torch.device, image_size: int, channels: int) -> None:
        if self.config["model"] not in MODELS:
            raise ConfigError(f"clip model must be one of {', '.join(MODELS)}")
        self.scorer = load_clip_scorer(self.config["model"], device)
        with torch.no_grad():
            self.text = self.scorer.encode_texts([self.config["prompt"]])[0]

    def score(self, images: Tensor) -> Tensor:
        cosine = self.scorer.encode_images(images) @ self.text
        return cosine.clamp(max=self.config["cap"])


@hookimpl
def register_rewards(register):
    register(ClipReward)
