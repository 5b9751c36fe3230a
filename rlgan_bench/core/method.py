"""The interface between the trainer and a reward-optimisation mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from torch import Tensor, nn

from rlgan_bench.core.params import resolve_params
from rlgan_bench.core.reward import Reward, checked_scores


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

    def __init__(self, reward: Reward, provider: str, **options: Any) -> None:
        self.reward = reward
        self.provider = provider
        self.config = resolve_params(f"mode {self.name!r}", "option", options, self.options)
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
        """Further generator updates after the main one (PPO's inner epochs); none by default."""

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass
