"""Audits: an independent measure of what a reward claims to improve.

A reward is a proxy. Optimised hard enough, a proxy climbs while what it stands for does not
(reward hacking; the proxy-vs-gold studies of reward-model over-optimisation, Gao, Schulman and
Hilton 2022). An :class:`Audit` is the "gold" side for one reward: a different network trained
on different data, a different model family, or the exact quantity when the reward is exact.
The reward-hacking gauge (:mod:`rlgan_bench.evaluation.gauge`) compares the reward's gain with
its audit's gain, per cell and over training.

Plugins register audits through the ``register_audits`` hook, as they register rewards::

    class MyAudit(Audit):
        name = "my-reward-by-other-net"
        reward = "my-reward"
        description = "share of ... by a network trained on other data"

        def scores(self, images, reward_params, device):
            ...  # one value per image, higher = more of what the reward claims

    @hookimpl
    def register_audits(register):
        register(MyAudit)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # plugin loading stays light
    import torch
    from torch import Tensor


class Audit:
    """Base class of audits. Subclasses set the class attributes and implement ``scores``
    (one value per image) or, for a measure of a whole batch, ``measure``.

    ``images`` are (N, C, H, W) floats in [-1, 1] (as rewards get them), on any device;
    ``reward_params`` are the audited run's reward parameters as the reward resolved them
    (its target class, its prompt, ...). Values are in the reward's direction: higher is more
    of what the reward claims to improve.
    """

    #: unique among audits; what the reports name it by
    name: ClassVar[str] = ""
    #: the name of the reward it audits
    reward: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: True when the audit measures the very quantity the reward is (then claimed and
    #: verified agree by construction and only the quality drift can flag the reward);
    #: False (the default) for an independent measure: another network, other data
    exact: ClassVar[bool] = False
    #: model files it needs (see `rlgan-bench weights status`); default: none
    model_files: ClassVar[tuple[str, ...]] = ()
    #: among the audits of one reward that apply, the lowest priority (then the name) is the
    #: "verified" one; the others are reported beside it. Default 0
    priority: ClassVar[int] = 0

    def unavailable(self, reward_params: dict[str, Any], dataset: str) -> str | None:
        """``None`` when this audit can audit a run with these reward parameters on this
        dataset; otherwise the reason why not (shown in the report)."""
        return None

    def target_class(self, reward_params: dict[str, Any]) -> int | None:
        """The class within which the gauge measures the quality drift, when this audit reads
        it differently from its reward; ``None`` (the default): the class the reward itself
        declares (:meth:`rlgan_bench.api.Reward.target_class`), which the gauge uses then.
        The audit does not guess from the parameters: a reward's ``target`` is a class only
        when the reward says so."""
        return None

    def scores(self, images: Tensor, reward_params: dict[str, Any], device: torch.device) -> Tensor:
        """One value per image (N,), or NotImplementedError for batch-only measures."""
        raise NotImplementedError

    def measure(self, images: Tensor, reward_params: dict[str, Any], device: torch.device) -> float:
        """The audit's value for a batch of images (default: the mean of ``scores``)."""
        return float(self.scores(images, reward_params, device).float().mean())

    def spread(
        self, real: Tensor, reward_params: dict[str, Any], device: torch.device
    ) -> float | None:
        """How much the quantity varies over real images (the standard deviation of
        ``scores`` over the held-out split): the unit gains are normalised by. ``None`` when
        the audit has no per-image values."""
        try:
            values = self.scores(real, reward_params, device).float()
        except NotImplementedError:
            return None
        return float(values.std()) if values.numel() > 1 else None
