"""What a reward is: a scorer of generated image batches, higher is better."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import torch
from torch import Tensor

from rlgan_bench.core import deprecations
from rlgan_bench.core.errors import PluginError
from rlgan_bench.core.params import resolve_params


class Reward:
    """Base class of rewards. Subclasses set the class attributes and implement ``score``.

    ``score`` receives images (N, C, H, W) with values in [-1, 1] on the training device and
    returns N scores. A differentiable reward keeps the autograd graph so the generator can
    be trained through it (``--method backprop``); a black-box one may return a detached tensor
    and is optimised with ``reinforce``, ``ppo`` or ``critic``.
    """

    name: ClassVar[str] = ""
    differentiable: ClassVar[bool] = True
    #: parameter name -> default value; the type of the default is the type the CLI parses
    params: ClassVar[dict[str, Any]] = {}
    #: what this reward claims to improve, shown in reports
    description: ClassVar[str] = ""
    #: the method and λ a run uses when it names none (documented per reward)
    default_method: ClassVar[str] = "backprop"
    default_lambda: ClassVar[float] = 0.1
    #: when the reward acts, used where the run leaves it unset: reward_start and
    #: reward_warmup as fractions of the run's steps, reward_anchor as a value. Nothing else:
    #: how the reward acts is the run's method (a ``reward_tilt`` here is ignored, with a
    #: deprecation warning; the tilted critic is the method ``reward-weighted``)
    schedule: ClassVar[dict[str, float]] = {}
    #: names of model files it needs (see `rlgan-bench weights status`)
    model_files: ClassVar[tuple[str, ...]] = ()
    #: the parameter that holds the index of the dataset class this reward asks for (the
    #: ``classifier``'s ``target``); None: the reward asks for no class. Evaluation then
    #: reports the share of that class (``target_fraction``) and the reward-hacking gauge
    #: measures the quality drift within it. A parameter named ``target`` is not a class
    #: unless this says so: an ink level ``target = 0.3`` is a number, not class 0
    target_class_param: ClassVar[str | None] = None
    #: the reward can score real images (the dataset's), not only generated ones; False for a
    #: reward that needs what only a sample has (its latent, a human rating of generations):
    #: then the ``reward-weighted`` method, which resamples real data by R, does not apply
    scores_real_data: ClassVar[bool] = True
    #: each image's score depends on that image alone, not on the others of its batch; False
    #: for a reward that scores a sample against its batch by design (``diversity``: the mean
    #: distance to the other samples), which the conformance kit then does not hold to it
    batch_invariant: ClassVar[bool] = True
    #: parameters under which this (differentiable) reward is known to be hackable, merged
    #: over the run's for the hacking verdict's positive control (its gradient pushed on the
    #: base's samples must fool it and not the audit); None: the reward as the run set it
    hackable_params: ClassVar[dict[str, Any] | None] = None

    #: the 0.1 name of :attr:`default_method`, kept in step with it until 0.3
    default_mode: ClassVar[str] = "backprop"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A reward written for 0.1 keeps working: its ``default_mode`` is its
        ``default_method``, and a ``reward_tilt`` in its ``schedule`` is ignored, each with a
        deprecation warning at its ``class`` line that ``rlgan-bench plugins`` also lists."""
        super().__init_subclass__(**kwargs)
        own = vars(cls)
        where = f"reward {cls.name or cls.__name__!r}"
        if "default_mode" in own and "default_method" not in own:
            cls.default_method = own["default_mode"]
            text = deprecations.renamed(f"{where}: default_mode", "default_method")
            deprecations.warn_class(cls, text)
        cls.default_mode = cls.default_method
        if "schedule" in own and "reward_tilt" in cls.schedule:
            text = (
                f"{where}: schedule's reward_tilt is ignored since {deprecations.DEPRECATED_IN} "
                f"(the critic's real data is tilted only by the method reward-weighted, whose "
                f"strength it is: --method reward-weighted --strength BETA); remove it from "
                f"schedule"
            )
            deprecations.warn_class(cls, text)

    def __init__(self, **params: Any) -> None:
        self.config = resolve_params(f"reward {self.name!r}", "parameter", params, self.params)

    @classmethod
    def target_class(cls, params: Mapping[str, Any]) -> int | None:
        """The class index these parameters (a run's, resolved or as given) ask for, or None.

        The default reads :attr:`target_class_param`: its value when it is a non-negative
        integer (or the digits of one, as the command line gives it), otherwise None; a float
        is never truncated to a class. Override it for a class named another way (the
        ``clip`` reward's prompt "a handwritten seven" asks for class 7)."""
        if cls.target_class_param is None:
            return None
        value = params.get(cls.target_class_param, cls.params.get(cls.target_class_param))
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return None
        return value

    def setup(self, device: torch.device, image_size: int, channels: int) -> None:
        """Load models and move them to ``device``; called once before training."""

    def score(self, images: Tensor) -> Tensor:
        raise NotImplementedError

    def __call__(self, images: Tensor) -> Tensor:
        return self.score(images)


def checked_scores(
    reward: Reward, images: Tensor, provider: str, check_finite: bool = True
) -> Tensor:
    """Call the reward and check what it returned: one finite score per image.

    The finiteness check reads a value back from the device; the trainer asks for it on CPU
    and on logged steps only, so CUDA steps do not wait for the host."""
    scores = reward(images)
    where = f"reward {reward.name!r} (from {provider})"
    if not isinstance(scores, Tensor):
        raise PluginError(f"{where} returned {type(scores).__name__}, not a tensor of N scores")
    if scores.shape != (images.shape[0],):
        raise PluginError(
            f"{where} returned shape {tuple(scores.shape)} for {images.shape[0]} images; "
            f"it must return one score per image, shape ({images.shape[0]},)"
        )
    if check_finite and not torch.isfinite(scores).all():
        if not torch.isfinite(images).all():  # not the reward's fault: blame what made them
            raise PluginError(
                f"{where} was given NaN or inf images, by the generator or by the method that "
                f"called it; the reward is not at fault"
            )
        raise PluginError(f"{where} returned NaN or inf scores for finite images; fix the reward")
    return scores
