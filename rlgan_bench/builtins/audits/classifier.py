"""Audits of the ``classifier`` reward by the evaluation network (another architecture,
trained on the ``eval-net`` split the reward's networks never saw).

- ``classifier-eval-net`` (the verified one): the *same quantity* as the reward, in the
  reward's own form (clipped log-probability of the target by default), read by the evaluation
  network. A reward and an audit of different forms (a dense log-probability against a 0/1
  share) part under selection by their shapes alone, which says nothing about hacking.
- ``classifier-eval-net-share``: the share of samples the evaluation network calls the target,
  the readable column beside it.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from rlgan_bench.api import Audit, batched, cached_eval_net, hookimpl, is_digit_dataset
from rlgan_bench.builtins.rewards.classifier import ClassifierReward


class ClassifierAudit(Audit):
    name = "classifier-eval-net"
    reward = "classifier"
    description = (
        "the reward's quantity (its form of log p(target)) by the evaluation network (other "
        "architecture, trained on the eval-net split)"
    )
    model_files = ("digit-eval-net",)

    def unavailable(self, reward_params: dict[str, Any], dataset: str) -> str | None:
        if not is_digit_dataset(dataset):
            return f"the evaluation network knows the digits, not {dataset}"
        if ClassifierReward.target_class(reward_params) is None:
            return "the reward has no target class"
        return None

    def _log_probs(
        self, images: Tensor, reward_params: dict[str, Any], device: torch.device
    ) -> Tensor:
        target = ClassifierReward.target_class(reward_params)
        if target is None:
            raise ValueError("the classifier audit needs the reward's target class")
        return torch.log_softmax(batched(cached_eval_net(device), images, device), dim=1)[:, target]

    def scores(self, images: Tensor, reward_params: dict[str, Any], device: torch.device) -> Tensor:
        log_probs = self._log_probs(images, reward_params, device)
        form = reward_params.get("form", ClassifierReward.params["form"])
        if form == "prob":
            return log_probs.exp()
        if form == "clipped-logprob":
            cap = float(reward_params.get("cap", ClassifierReward.params["cap"]))
            return log_probs.clamp(max=math.log(cap))
        return log_probs


class ClassifierShareAudit(ClassifierAudit):
    name = "classifier-eval-net-share"
    description = "share of the target class by the evaluation network"
    priority = 1

    def scores(self, images: Tensor, reward_params: dict[str, Any], device: torch.device) -> Tensor:
        target = ClassifierReward.target_class(reward_params)
        if target is None:
            raise ValueError("the classifier audit needs the reward's target class")
        return batched(cached_eval_net(device), images, device).argmax(1).eq(target).float()


@hookimpl
def register_audits(register):
    register(ClassifierAudit)
    register(ClassifierShareAudit)
