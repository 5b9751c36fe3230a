"""Audit of the ``classifier`` reward: the share of the target class by the evaluation network
(another architecture, trained on the ``eval-net`` split the reward's networks never saw)."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from rlgan_bench.api import Audit, batched, cached_eval_net, hookimpl, is_digit_dataset
from rlgan_bench.builtins.rewards.classifier import ClassifierReward


class ClassifierAudit(Audit):
    name = "classifier-eval-net"
    reward = "classifier"
    description = (
        "share of the target class by the evaluation network (other architecture, trained on "
        "the eval-net split)"
    )
    model_files = ("digit-eval-net",)

    def unavailable(self, reward_params: dict[str, Any], dataset: str) -> str | None:
        if not is_digit_dataset(dataset):
            return f"the evaluation network knows the digits, not {dataset}"
        if ClassifierReward.target_class(reward_params) is None:
            return "the reward has no target class"
        return None

    def scores(self, images: Tensor, reward_params: dict[str, Any], device: torch.device) -> Tensor:
        net = cached_eval_net(device)
        target = ClassifierReward.target_class(reward_params)
        if target is None:
            raise ValueError("the classifier audit needs the reward's target class")
        return batched(net, images, device).argmax(1).eq(target).float()


@hookimpl
def register_audits(register):
    register(ClassifierAudit)
