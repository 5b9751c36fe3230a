"""Which component made a NaN or inf: the trainer checks each value of a step as it is made,
and the first that is not finite although its inputs were names its maker.

In a step the generator makes images from finite latents, the backbone turns them into a
critic loss and a generator loss, and the method into its loss term (asking the reward for
scores, which :func:`rlgan_bench.core.reward.checked_scores` checks). Checked in that order, a
NaN from a method's loss is the method's, not the reward's that scores the next step's NaN
images. The checks read values back from the device: the trainer makes them on every step on
the CPU and on logged steps on CUDA (where the divergence check of metrics.jsonl also runs).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from rlgan_bench.host import Component
from rlgan_bench.training.callbacks.metrics_log import TrainingDiverged


def finite(value: Tensor) -> bool:
    return bool(torch.isfinite(value.detach()).all())


def described(kind: str, component: Component) -> str:
    """``backbone 'dcgan' (from rlgan-bench 0.2.0)``: a component and the plugin it is from."""
    return (
        f"{kind} {component.name!r} (from {component.provider.name} {component.provider.version})"
    )


@dataclass(frozen=True)
class FiniteChecks:
    """The checks of one run. ``backbone`` and ``method`` name the components with the plugin
    that provides them (``backbone 'dcgan' (from rlgan-bench 0.2.0)``)."""

    backbone: str
    method: str | None
    #: every step is checked (the CPU), not only the logged ones
    every_step: bool

    def samples(self, fake: Tensor, step: int, first: bool) -> None:
        """The generator's images: non-finite from finite latents means its weights are
        (``first``: at the first step of this run, before any update)."""
        if finite(fake):
            return
        if first:
            when = (
                "they were NaN or inf as the run started (its initialisation, or the base or "
                "checkpoint it started from)"
            )
        elif self.every_step:
            when = (
                "they went NaN or inf in the previous step's updates, whose losses were finite "
                "(a NaN or inf gradient, or a step too large); lower the learning rate or lambda"
            )
        else:
            when = (
                "they went NaN or inf in an update since the last logged step; train on the CPU, "
                "where every step is checked, to see which component went first"
            )
        raise TrainingDiverged(
            f"training diverged at step {step}: the generator of {self.backbone} made NaN or inf "
            f"images from finite latents, so its weights are not finite: {when}"
        )

    def critic_loss(self, loss: Tensor, step: int) -> None:
        self._loss(loss, step, "critic loss", "critic_loss")

    def generator_loss(self, loss: Tensor, step: int) -> None:
        self._loss(loss, step, "generator loss", "generator_loss")

    def _loss(self, loss: Tensor, step: int, what: str, function: str) -> None:
        if not finite(loss):
            raise TrainingDiverged(
                f"training diverged at step {step}: {self.backbone} returned a NaN or inf {what} "
                f"from finite images; check its {function}, or lower its learning rate"
            )

    def real_batch(self, images: Tensor, step: int) -> None:
        """The critic's real batch after the method changed it (``real_batch``)."""
        if self.method is not None and not finite(images):
            raise TrainingDiverged(
                f"training diverged at step {step}: {self.method} made the critic's real batch "
                f"NaN or inf (its real_batch); check it"
            )

    def method_loss(self, loss: Tensor, step: int) -> None:
        if self.method is not None and not finite(loss):
            raise TrainingDiverged(
                f"training diverged at step {step}: {self.method} returned a NaN or inf loss "
                f"term from finite images (the reward's scores it asked for were finite); check "
                f"its reward_loss, or lower lambda"
            )
