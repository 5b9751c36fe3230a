"""Audit of the ``diversity`` reward: the same variety (each sample's mean cosine distance to
the other samples) in the feature space of the evaluation network, not the reward
classifier's. Per image, over the whole set measured (not per training batch)."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from rlgan_bench.api import Audit, batched, cached_eval_net, hookimpl, mean_cosine_distance


class DiversityAudit(Audit):
    name = "diversity-eval-net"
    reward = "diversity"
    description = (
        "mean pairwise cosine distance of the evaluation network's features (not the reward "
        "classifier's)"
    )
    model_files = ("digit-eval-net",)

    def scores(self, images: Tensor, reward_params: dict[str, Any], device: torch.device) -> Tensor:
        net = cached_eval_net(device)
        return mean_cosine_distance(batched(net.features, images, device))


@hookimpl
def register_audits(register):
    register(DiversityAudit)
