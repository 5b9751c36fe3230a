"""Audits of the ``clip`` reward: the cosine between each image and the prompt under CLIP
models the reward was not trained with.

- ``clip-digits-audit``: the embedded ``digits-clip-audit`` model (a ViT vision tower, another
  seed, trained on the ``eval-net`` split; the reward's ``digits-clip-main`` is a ResNet
  trained on ``reward-net``).
- ``clip-other-weights``: the other CLIP weights of the reward's choice (OpenAI's ViT-B/32 for a
  ``digits-clip-main`` reward, and the reverse), when they are on this machine.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from rlgan_bench.api import Audit, batched, cached_clip_scorer, hookimpl, weights
from rlgan_bench.builtins.rewards.clip_text import prompt_class


class _ClipAudit(Audit):
    reward = "clip"

    def model(self, reward_params: dict[str, Any]) -> str:
        raise NotImplementedError

    def target_class(self, reward_params: dict[str, Any]) -> int | None:
        return prompt_class(reward_params.get("prompt"))

    def unavailable(self, reward_params: dict[str, Any], dataset: str) -> str | None:
        name = self.model(reward_params)
        if not isinstance(reward_params.get("prompt"), str):
            return "the reward has no prompt"
        if weights.status(name)["status"] != "present":
            return f"{name} weights are not on this machine"
        return None

    def scores(self, images: Tensor, reward_params: dict[str, Any], device: torch.device) -> Tensor:
        scorer = cached_clip_scorer(self.model(reward_params), device)
        with torch.no_grad():
            text = scorer.encode_texts([reward_params["prompt"]])[0].float().cpu()
        return batched(scorer.encode_images, images, device) @ text


class ClipDigitsAudit(_ClipAudit):
    name = "clip-digits-audit"
    description = (
        "cosine(image, prompt) under digits-clip-audit (ViT tower, another seed, trained on "
        "the eval-net split)"
    )
    model_files = ("digits-clip-audit",)

    def model(self, reward_params: dict[str, Any]) -> str:
        return "digits-clip-audit"


class ClipOtherWeightsAudit(_ClipAudit):
    name = "clip-other-weights"
    description = (
        "cosine(image, prompt) under the CLIP weights the reward did not use (OpenAI ViT-B/32 "
        "or digits-clip-main), when present"
    )
    priority = 1

    def model(self, reward_params: dict[str, Any]) -> str:
        used = reward_params.get("model", "digits-clip-main")
        return "digits-clip-main" if used == weights.CLIP_VIT_B_32 else weights.CLIP_VIT_B_32


@hookimpl
def register_audits(register):
    register(ClipDigitsAudit)
    register(ClipOtherWeightsAudit)
