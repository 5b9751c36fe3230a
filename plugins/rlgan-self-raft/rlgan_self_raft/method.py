"""``self-raft``: RAFT (Dong et al. 2023, "RAFT: Reward rAnked FineTuning") on the generator's
own samples, for a GAN.

RAFT fine-tunes a generative model on the best of its own samples by a reward. A GAN learns
what its critic calls real, so here the kept samples join the critic's real data:

- every ``every`` steps (from the step the reward acts on), ``draw`` samples of the generator
  as it is, drawn in eval mode with the backbone's latent sampler (so BatchNorm's running
  statistics are left alone), are scored by the reward and the top ``q`` share of them is
  added to a buffer of the ``buffer`` most recent kept samples;
- at every critic update, a ``mix`` share of the real batch is replaced by samples drawn
  uniformly from the buffer.

The critic then calls the generator's own best samples real, and the adversarial loss pulls
the generator towards them: towards its high-reward modes, with the data still in the rest of
the batch. There is no reward term in the generator's loss (λ is 0).

Its strength is ``mix``, the share of each real batch that comes from the buffer: 0 is the
base trained on (no reward acts), larger mixes pull harder. It is the method's option of that
name (``strength_name = "mix"``, which is not λ): a sweep ``methods = { self-raft = [0.25,
0.5] }`` sets ``mode_params.mix`` of each cell, cell ids read ``mix0.25`` and tables
``mix=0.25``, and the points lie on one curve. ``q`` is an option like the others.

Logged (metrics.jsonl): ``self_raft_kept_reward`` and ``self_raft_drawn_reward``, the mean
reward of the samples kept and of all those drawn at the last refresh, and
``self_raft_mixed``, the share of the critic's real images that came from the buffer.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from rlgan_bench.api import Method, MethodContext
from torch import Tensor


class SelfRaft(Method):
    name = "self-raft"
    summary = "RAFT on its own samples: its top-q by the reward mixed into the critic's real data"
    strength_name = "mix"  # an option (not λ): the share of each real batch from the buffer
    options = {"mix": 0.25, "q": 0.25, "every": 10, "draw": 256, "buffer": 1024}
    option_ranges = {
        "mix": "in [0, 1)",
        "q": "in (0, 1]",
        "every": ">= 1",
        "draw": ">= 1",
        "buffer": ">= 1",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kept: Tensor | None = None  # the buffer, allocated at the first refresh
        self.count = 0  # samples ever kept (the buffer's write position, modulo its size)
        self.refreshed_at: int | None = None  # the step of the last refresh
        self._values: dict[str, Tensor] = {}
        self._mixed = [0, 0]  # buffer images and all images in the real batches since the log

    @property
    def filled(self) -> int:
        return 0 if self.kept is None else min(self.count, self.kept.shape[0])

    def before_step(self, context: MethodContext) -> None:
        """At the first step the reward acts and every ``every`` steps after it: draw, score,
        keep the top ``q`` share."""
        cfg = self.config
        due = self.refreshed_at is None or context.step - self.refreshed_at >= cfg["every"]
        if cfg["mix"] == 0 or not due:
            return
        self.refreshed_at = context.step
        images = context.sample(cfg["draw"])
        with torch.no_grad():
            scores = self.score(images).float()
        top = scores.topk(max(1, math.ceil(cfg["q"] * cfg["draw"]))).indices
        self._remember(images[top])
        self._values = {"kept_reward": scores[top].mean(), "drawn_reward": scores.mean()}

    def _remember(self, images: Tensor) -> None:
        if self.kept is None:
            self.kept = images.new_zeros((self.config["buffer"], *images.shape[1:]))
        size = self.kept.shape[0]
        index = (self.count + torch.arange(images.shape[0], device=images.device)) % size
        self.kept[index] = images
        self.count += images.shape[0]

    def real_batch(self, images: Tensor, context: MethodContext) -> Tensor:
        """The real batch with its first ``round(mix * B)`` images replaced by kept samples
        (the batch is drawn at random, so its first images are as random as any)."""
        replaced = min(images.shape[0], round(self.config["mix"] * images.shape[0]))
        self._mixed[1] += images.shape[0]
        if self.kept is None or replaced == 0:
            return images
        rng, device = context.rng, context.device
        index = torch.randint(self.filled, (replaced,), device=device, generator=rng)
        mixed = images.clone()
        mixed[:replaced] = self.kept[index].to(images.dtype)
        self._mixed[0] += replaced
        return mixed

    def log_values(self) -> dict[str, Tensor]:
        values, self._values = self._values, {}
        if self._mixed[1]:
            values["mixed"] = torch.tensor(self._mixed[0] / self._mixed[1])
            self._mixed = [0, 0]
        return values

    def state_dict(self) -> dict[str, Any]:
        if self.kept is None:
            return {}
        return {"kept": self.kept, "count": self.count, "refreshed_at": self.refreshed_at}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state:
            self.kept, self.count = state["kept"], int(state["count"])
            self.refreshed_at = int(state["refreshed_at"])
