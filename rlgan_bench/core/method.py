"""The interface between the trainer and a reward-optimisation mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from rlgan_bench.core.errors import ConfigError
from rlgan_bench.core.params import resolve_params
from rlgan_bench.core.reward import Reward, checked_scores

#: the ranges an option can be declared to need (``RewardMode.option_ranges``), by name
RANGES: dict[str, Callable[[float], bool]] = {
    "> 0": lambda v: v > 0,
    ">= 0": lambda v: v >= 0,
    ">= 1": lambda v: v >= 1,
    "in [0, 1)": lambda v: 0 <= v < 1,
    "in (0, 1]": lambda v: 0 < v <= 1,
}


class RewardMode:
    """Turns a reward into a term of the generator's loss.

    ``reward_loss`` gets the generator, its latent batch and its output (with graph) and returns
    ``(loss_term, scores)``: the trainer minimises ``adversarial + lambda * loss_term``, and
    ``scores`` (detached, one per sample) are what gets logged as the reward.
    """

    name: ClassVar[str] = ""
    #: backprop needs gradients through the reward; RL modes do not
    needs_differentiable_reward: ClassVar[bool] = False
    #: options with defaults, settable with --mode-param / the config's [mode] table
    options: ClassVar[dict[str, Any]] = {}
    #: option -> the range it must lie in (a key of :data:`RANGES`, e.g. ``"> 0"``): checked
    #: when the method is made, which a matrix's validation does for every cell before any
    #: starts; a method with other constraints checks them in ``__init__`` (a ConfigError)
    option_ranges: ClassVar[dict[str, str]] = {}
    #: the method's one strength knob in a base-protocol sweep (docs/protocol.md): "lambda"
    #: (the reward term's weight, reward_weight), "beta" (reward_tilt) or "n" (option ``n``)
    strength_name: ClassVar[str] = "lambda"
    #: False: the method never updates the generator, it only selects samples (best-of-n)
    trains: ClassVar[bool] = True
    #: the method scores real training images with the reward (reward-weighted resampling)
    uses_real_data: ClassVar[bool] = False
    #: one line on what the method does, for tables and `rlgan-bench plugins`
    summary: ClassVar[str] = ""
    #: True: extra_updates' step function steps an optimiser of its own (same class and
    #: settings as the generator's, its own state, saved in checkpoints as ``opt_inner``)
    #: instead of the generator's, so they do not run through the adversarial updates' momentum
    inner_optimizer: ClassVar[bool] = False

    @classmethod
    def not_applicable(cls, reward: type[Reward]) -> str | None:
        """Why the method cannot use ``reward`` (one line with the way out), or None."""
        if cls.needs_differentiable_reward and not reward.differentiable:
            return (
                f"reward {reward.name!r} is not differentiable (a black box), so not "
                f"{cls.name!r}; use reinforce, ppo, critic, reward-weighted or best-of-n"
            )
        if cls.uses_real_data and not reward.scores_real_data:
            return (
                f"reward {reward.name!r} cannot score real images, which {cls.name!r} "
                f"resamples by their reward; use a method that scores samples only"
            )
        return None

    @classmethod
    def strength_settings(cls, strength: float) -> dict[str, Any]:
        """The training settings of one point of a strength sweep that starts from a base:
        the reward acts from the first step, and nothing else acts than the method (the
        tilted critic only for reward-weighted). Keys are TrainConfig fields."""
        if cls.strength_name == "beta":
            return {"reward_weight": 0.0, "reward_tilt": strength, "reward_start": 0}
        if cls.strength_name == "n":
            return {"reward_weight": 0.0, "reward_tilt": 0.0, "mode_params": {"n": int(strength)}}
        return {"reward_weight": strength, "reward_tilt": 0.0, "reward_start": 0}

    def wrap_generator(
        self,
        generator: nn.Module,
        sample_latent: Callable[[int, torch.Generator], Tensor],
        seed: int,
    ) -> nn.Module:
        """The generator a run of this method samples from: the trained one, unless the
        method selects samples (best-of-n wraps it)."""
        return generator

    def __init__(self, reward: Reward, provider: str, **options: Any) -> None:
        self.reward = reward
        self.provider = provider
        self.config = resolve_params(f"mode {self.name!r}", "option", options, self.options)
        for key, wanted in self.option_ranges.items():
            value = self.config.get(key)
            if isinstance(value, (int, float)) and not RANGES[wanted](value):
                raise ConfigError(
                    f"method {self.name!r} option {key} must be {wanted}, got {value!r}"
                )
        self.check_finite = True

    def score(self, images: Tensor) -> Tensor:
        return checked_scores(self.reward, images, self.provider, self.check_finite)

    def reward_loss(
        self, generator: nn.Module, z: Tensor, fake: Tensor, generate: Callable[[Tensor], Tensor]
    ) -> tuple[Tensor, Tensor]:
        raise NotImplementedError

    def extra_updates(
        self,
        generate: Callable[[Tensor], Tensor],
        weight: float,
        step_generator: Callable[[Tensor], None],
    ) -> None:
        """Further generator updates after the main one (PPO's inner epochs); none by default.
        ``step_generator(loss)`` is one optimiser step on ``loss``: with the generator's own
        optimiser, or with a separate one when the class sets ``inner_optimizer``."""

    def log_values(self) -> dict[str, Tensor]:
        """Statistics of the generator step just taken (0-d tensors, left on the device), read
        by the trainer once after every step in which the reward acted, averaged over the
        steps between logged steps and written into metrics.jsonl (and the trackers) as
        ``<method name>_<key>``; none by default. Return the values once: a step that
        computed none should not repeat the last ones."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass
