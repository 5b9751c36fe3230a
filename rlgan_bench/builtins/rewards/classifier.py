"""``classifier``: semantics, the log-probability of a target digit under the shipped reward
classifier (trained on the ``reward-net`` split, adversarially, so its gradients point at
digit shapes rather than at invisible patterns).

``form`` shapes the reward:

- ``clipped-logprob`` (default): ``min(log p(target), log cap)``. Samples far from the target
  get the full log-probability gradient; samples the classifier already calls a confident
  target get none, so they are not pushed on towards one prototypical glyph (which collapses
  the variety of the class) or towards what only fools the classifier.
- ``logprob``: the plain log-probability, the naive reward that gets hacked.
- ``prob``: ``p(target)``.

``net`` picks the classifier: ``robust`` (default) the adversarially trained reward
classifier, ``plain`` a classifier trained on the same split without noise augmentation or
adversarial training. ``net=plain form=logprob`` is the naive setting that the reward-hacking
gauge is shown on: at a large lambda (300 on the embedded digits; up to 100 it still draws
sevens) its gradients lead to images that fool it and nothing else.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from rlgan_bench.api import (
    ConfigError,
    Reward,
    hookimpl,
    load_plain_classifier,
    load_reward_classifier,
)

FORMS = ("clipped-logprob", "logprob", "prob")
NETS = ("robust", "plain")


class ClassifierReward(Reward):
    name = "classifier"
    description = "semantics: log p(target digit) under the shipped robust reward classifier"
    params = {"target": 7, "form": "clipped-logprob", "cap": 0.9, "net": "robust"}
    default_method = "backprop"
    default_lambda = 1.0
    # from scratch, the reward fine-tunes the GAN of the first half
    schedule = {"reward_start": 0.5, "reward_warmup": 0.067}
    model_files = ("digit-reward-classifier", "digit-plain-classifier")
    #: ``target`` is a digit class: evaluation reports its share, the gauge measures within it
    target_class_param = "target"
    #: the robust network's gradients point at digit shapes (pushing samples up them raises
    #: the evaluation network's reading as much as selecting real sevens does); the plain
    #: network's unclipped log-probability is the known hack (docs/protocol.md, "Controls")
    hackable_params = {"net": "plain", "form": "logprob"}

    def setup(self, device: torch.device, image_size: int, channels: int) -> None:
        if not 0 <= self.config["target"] <= 9:
            raise ConfigError(f"classifier target must be a digit 0-9, got {self.config['target']}")
        if self.config["form"] not in FORMS:
            raise ConfigError(f"classifier form must be one of {', '.join(FORMS)}")
        if not 0 < self.config["cap"] <= 1:
            raise ConfigError("classifier cap must be in (0, 1]")
        if self.config["net"] not in NETS:
            raise ConfigError(f"classifier net must be one of {', '.join(NETS)}")
        load = load_plain_classifier if self.config["net"] == "plain" else load_reward_classifier
        self.net = load(device)

    def score(self, images: Tensor) -> Tensor:
        log_probs = torch.log_softmax(self.net(images).float(), dim=1)[:, self.config["target"]]
        form = self.config["form"]
        if form == "prob":
            return log_probs.exp()
        if form == "clipped-logprob":
            return log_probs.clamp(max=math.log(self.config["cap"]))
        return log_probs


@hookimpl
def register_rewards(register):
    register(ClassifierReward)
