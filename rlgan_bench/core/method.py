"""The method contract: how a reward acts on GAN training (docs/writing-a-method-plugin.md).

A method is a subclass of :class:`Method`, registered by a plugin's ``register_methods`` hook
as the built-ins are. It may act in any of three places:

- the generator's loss: :meth:`Method.reward_loss` returns a term the trainer adds with the
  weight λ (backprop, reinforce, ppo, critic), :meth:`Method.extra_updates` further generator
  updates (ppo's inner epochs);
- the critic's real data: :meth:`Method.real_weights` resamples the training images
  (reward-weighted), :meth:`Method.real_batch` changes each real batch the critic sees (a
  RAFT on the generator's own best samples mixes them in);
- sampling: :meth:`Method.wrap_generator` (best-of-n selects among draws of a base).

What a method knows of the run comes in a :class:`MethodContext`: the reward, its strength, the
step, λ, the backbone's latent sampler and a way to draw extra samples in eval mode.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import torch
from torch import Tensor, nn

from rlgan_bench.core.errors import ConfigError, PluginError
from rlgan_bench.core.images import to_float
from rlgan_bench.core.params import resolve_params
from rlgan_bench.core.reward import Reward, checked_scores

#: the ranges an option can be declared to need (``Method.option_ranges``), by name
RANGES: dict[str, Callable[[float], bool]] = {
    "> 0": lambda v: v > 0,
    ">= 0": lambda v: v >= 0,
    ">= 1": lambda v: v >= 1,
    "in [0, 1)": lambda v: 0 <= v < 1,
    "in (0, 1]": lambda v: 0 < v <= 1,
}

#: what a method's strength sets (``Method.strength_sets``): λ, the weight of its
#: ``reward_loss`` term (TrainConfig ``reward_weight``); β of the reward-tilted critic
#: (``reward_tilt``, the built-in reward-weighted's); or its own option named
#: ``strength_name`` (in ``mode_params``; best-of-n's ``n``), with λ 0
StrengthSetting = Literal["reward_weight", "reward_tilt", "option"]
STRENGTH_SETTINGS: tuple[StrengthSetting, ...] = ("reward_weight", "reward_tilt", "option")
#: a strength's name is part of cell ids (``q0.25``) and folder names
STRENGTH_NAME = re.compile(r"[a-z][a-z0-9_]*")
#: real training images scored per reward call (real_weights)
SCORE_CHUNK = 256


@dataclass
class MethodContext:
    """What a method is given of the run it acts in. The trainer makes one per run and updates
    ``step`` and ``weight`` before each call."""

    #: the run's reward (the method's own ``self.reward``)
    reward: Reward
    #: the method's strength as the run set it: λ, β or its option (``Method.strength_sets``)
    strength: float
    #: λ of the step under way: 0 before ``start``, ramped during the reward's warm-up
    weight: float
    #: the generator step under way (from 1); in ``real_weights``, the step the run starts after
    step: int
    #: the run's last step
    steps: int
    #: the first step at which the reward acts (``reward_start``)
    start: int
    #: the critic's and the generator's batch size
    batch_size: int
    device: torch.device
    #: the method's own random stream, on ``device``: seeded from the run's seed, apart from
    #: the trainer's data and noise streams (drawing from it shifts neither), saved in
    #: checkpoints, so a resumed run draws what an uninterrupted one would
    rng: torch.Generator
    #: ``sample_latent(n)``: n latents from the backbone's prior (its ``sample_latent``, which
    #: need not be N(0, I)), drawn from ``rng``
    sample_latent: Callable[[int], Tensor]
    #: ``sample(n)``: n images of the generator as it is now, float32 in [-1, 1] on ``device``,
    #: without gradient, in eval mode (BatchNorm with its running statistics, which these draws
    #: leave untouched), from latents of ``sample_latent``
    sample: Callable[[int], Tensor]


class Method:
    """How a reward acts on a GAN's training; subclass it and register the class through
    ``register_methods``. Every hook has a default that does nothing, so a method overrides
    only where it acts (the module docstring lists the three places)."""

    #: what ``--mode``, a matrix's ``modes`` and ``methods = { name = [...] }`` take
    name: ClassVar[str] = ""
    #: backprop needs gradients through the reward; RL modes do not
    needs_differentiable_reward: ClassVar[bool] = False
    #: options with defaults, settable with --mode-param / the config's [mode] table
    options: ClassVar[dict[str, Any]] = {}
    #: option -> the range it must lie in (a key of :data:`RANGES`, e.g. ``"> 0"``): checked
    #: when the method is made, which a matrix's validation does for every cell before any
    #: starts; a method with other constraints checks them in ``__init__`` (a ConfigError)
    option_ranges: ClassVar[dict[str, str]] = {}
    #: the name of the method's one strength knob in a base-protocol sweep (docs/protocol.md),
    #: lowercase letters, digits and ``_``: the key of ``methods = { name = [...] }``'s values
    #: in cell ids (``lam0.3``, ``beta1``, ``n4``, ``q0.25``) and tables (``λ=0.3``, ``q=0.25``)
    strength_name: ClassVar[str] = "lambda"
    #: what the strength sets (:data:`STRENGTH_SETTINGS`); None: ``"reward_weight"`` (λ) when
    #: ``strength_name`` is ``"lambda"``, else ``"option"`` (the option of that name, which
    #: ``options`` must declare; the method reads it from ``self.config``, and λ is 0)
    strength_sets: ClassVar[StrengthSetting | None] = None
    #: False: the method never updates the generator, it only selects samples (best-of-n)
    trains: ClassVar[bool] = True
    #: the method scores real training images with the reward (reward-weighted resampling)
    uses_real_data: ClassVar[bool] = False
    #: one line on what the method does, for tables and `rlgan-bench plugins`
    summary: ClassVar[str] = ""
    #: True: extra_updates' step function takes the generator optimiser's step for the
    #: gradient, scaled by its second moments without changing them
    #: (:mod:`rlgan_bench.training.inner_steps`), so the inner updates neither run through
    #: the adversarial updates' momentum nor enter it
    inner_optimizer: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A strength that cannot work is the plugin's mistake: it fails when the class is
        defined, so ``rlgan-bench plugins`` lists the plugin as broken with this line."""
        super().__init_subclass__(**kwargs)
        name, sets = cls.strength_name, cls.strength_setting()
        where = f"method {cls.name or cls.__name__!r}"
        if not STRENGTH_NAME.fullmatch(name):
            raise PluginError(
                f"{where}: strength_name {name!r} must be lowercase letters, digits and _, "
                f"starting with a letter (it is part of cell ids, e.g. q0.25)"
            )
        if sets not in STRENGTH_SETTINGS:
            raise PluginError(
                f"{where}: strength_sets {sets!r} must be one of {', '.join(STRENGTH_SETTINGS)}"
            )
        if sets == "option" and name not in cls.options:
            raise PluginError(
                f"{where}: its strength {name!r} is not one of its options; declare it in "
                f"options (with its default), or set strength_sets = 'reward_weight' to make "
                f"it λ, the weight of reward_loss's term"
            )
        if sets != "option" and name in cls.options:
            raise PluginError(
                f"{where}: its strength {name!r} sets {sets}, and an option has the same name; "
                f"rename the option, or set strength_sets = 'option'"
            )

    @classmethod
    def strength_setting(cls) -> StrengthSetting:
        """What the method's strength sets: ``strength_sets``, or what its name implies."""
        if cls.strength_sets is not None:
            return cls.strength_sets
        return "reward_weight" if cls.strength_name == "lambda" else "option"

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
    def strength_option(cls, strength: float) -> float | int:
        """The strength as the value of its option: an int when the option's default is one
        (a matrix refuses a fractional strength for it first)."""
        default = cls.options.get(cls.strength_name)
        if isinstance(default, int) and not isinstance(default, bool):
            return int(strength)
        return float(strength)

    @classmethod
    def strength_settings(cls, strength: float) -> dict[str, Any]:
        """The training settings of one point of a strength sweep that starts from a base
        (TrainConfig fields): the strength where ``strength_sets`` says, and nothing else acts
        (λ 0 and no tilt unless the strength is one of them); a method that trains acts from
        the first step."""
        sets = cls.strength_setting()
        if sets == "reward_weight":
            return {"reward_weight": strength, "reward_tilt": 0.0, "reward_start": 0}
        if sets == "reward_tilt":
            return {"reward_weight": 0.0, "reward_tilt": strength, "reward_start": 0}
        settings: dict[str, Any] = {
            "reward_weight": 0.0,
            "reward_tilt": 0.0,
            "mode_params": {cls.strength_name: cls.strength_option(strength)},
        }
        if cls.trains:
            settings["reward_start"] = 0
        return settings

    def strength_value(self, reward_weight: float, reward_tilt: float) -> float:
        """The strength this method was made with in a run of λ ``reward_weight`` and tilt
        ``reward_tilt`` (what :attr:`MethodContext.strength` holds)."""
        sets = self.strength_setting()
        if sets == "reward_weight":
            return float(reward_weight)
        if sets == "reward_tilt":
            return float(reward_tilt)
        return float(self.config[self.strength_name])

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
        """The reward of ``images`` (float, [-1, 1]), checked: one finite value per image."""
        return checked_scores(self.reward, images, self.provider, self.check_finite)

    @torch.no_grad()
    def score_real(self, images: Tensor, device: torch.device) -> Tensor:
        """The reward of uint8 training images (N, C, H, W), in chunks of
        :data:`SCORE_CHUNK` on ``device``: N float32 scores there."""
        return torch.cat(
            [
                self.score(to_float(images[i : i + SCORE_CHUNK].to(device))).float()
                for i in range(0, images.shape[0], SCORE_CHUNK)
            ]
        )

    # -- the generator's loss ---------------------------------------------------------------
    def reward_loss(
        self, generator: nn.Module, z: Tensor, fake: Tensor, generate: Callable[[Tensor], Tensor]
    ) -> tuple[Tensor, Tensor]:
        """The reward's term of the generator's loss, called every step with λ > 0:
        ``generator``, its latents ``z`` and its output ``fake`` (with graph), and
        ``generate(z)`` (the generator under the run's precision, in train mode). Returns
        ``(loss_term, scores)``: the trainer minimises ``adversarial + λ * loss_term``, and
        ``scores`` (detached, one per sample) are logged as the reward. A method that does not
        act through the loss (its strength is not λ) is never called: the default refuses."""
        raise NotImplementedError(
            f"method {self.name!r} has no reward term in the generator's loss; give it "
            f"λ = 0 (its strength acts elsewhere) or implement reward_loss"
        )

    def extra_updates(
        self,
        generate: Callable[[Tensor], Tensor],
        weight: float,
        step_generator: Callable[[Tensor], None],
    ) -> None:
        """Further generator updates after the main one (PPO's inner epochs); none by default.
        ``step_generator(loss)`` is one optimiser step on ``loss``: with the generator's own
        optimiser, or with a separate one when the class sets ``inner_optimizer``."""

    # -- the critic's real data -------------------------------------------------------------
    def real_weights(self, images: Tensor, context: MethodContext) -> Tensor | None:
        """Sampling weights of the training images for the critic's real batches from the
        step the reward acts on (``context.start``), or None for uniform batches. Called once,
        before the first step (also when a run resumes), with all training images as uint8
        (N, C, H, W) and the models built. Return a distribution over them, N finite weights
        >= 0 that sum to 1 (e.g. a softmax), on any device: batches are then drawn with
        replacement in proportion to it, and its effective number of images, Kish's
        ``1 / sum w^2``, is recorded in config.json as ``resolved.tilt_effective_images``.
        Default: None (reward-weighted's weights are ``softmax(beta * R(x))``)."""
        return None

    def before_step(self, context: MethodContext) -> None:
        """Called once at the start of every step in which the reward acts (``context.step``
        >= ``context.start``), before the critic's updates: where a method draws and scores
        its own samples (``context.sample``). Nothing by default."""

    def real_batch(self, images: Tensor, context: MethodContext) -> Tensor:
        """The real batch the critic updates on, from the batch drawn (float32 (B, C, H, W)
        in [-1, 1] on the device, after ``real_weights``), at every critic update of a step in
        which the reward acts. Return images of that shape, device and range: e.g. some
        replaced by samples the method keeps. Default: ``images`` unchanged."""
        return images

    # -- what the run records ----------------------------------------------------------------
    def log_values(self) -> dict[str, Tensor]:
        """Statistics of the generator step just taken (0-d tensors, left on the device), read
        by the trainer once after every step in which the reward acted, averaged over the
        steps between logged steps and written into metrics.jsonl (and the trackers) as
        ``<method name>_<key>``; none by default. Return the values once: a step that
        computed none should not repeat the last ones."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """What the method keeps across steps (buffers, its own networks), saved in
        checkpoints and given back to :meth:`load_state_dict` when a run resumes."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass
