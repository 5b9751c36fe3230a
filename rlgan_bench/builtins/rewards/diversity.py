"""``diversity``: creativity as variety, each sample's mean cosine distance to the other
samples of its batch, in the feature space of the shipped reward classifier (never the
evaluation network, which scores the result)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from rlgan_bench.api import ConfigError, Reward, hookimpl, load_reward_classifier

SPACES = ("digit-net", "pixels")


class Diversity(Reward):
    name = "diversity"
    description = "variety: mean pairwise cosine distance of the batch's features"
    params = {"features": "digit-net"}
    default_method = "backprop"
    default_lambda = 0.1
    model_files = ("digit-reward-classifier",)
    # a sample's score is its distance to the other samples of its batch
    batch_invariant = False

    def setup(self, device: torch.device, image_size: int, channels: int) -> None:
        if self.config["features"] not in SPACES:
            raise ConfigError(f"diversity features must be one of {', '.join(SPACES)}")
        self.net = None
        if self.config["features"] == "digit-net":
            self.net = load_reward_classifier(device)

    def score(self, images: Tensor) -> Tensor:
        features = images.flatten(1) if self.net is None else self.net.features(images)
        unit = F.normalize(features.float(), dim=1)
        similarity = unit @ unit.T
        n = images.shape[0]
        if n < 2:
            return torch.zeros(n, device=images.device)
        # the diagonal (self-similarity 1) is left out of each sample's mean
        return 1 - (similarity.sum(1) - 1) / (n - 1)


@hookimpl
def register_rewards(register):
    register(Diversity)
