"""A reward acts through one method at one strength (docs/protocol.md): the settings of such a
run, and the rule that only a method whose strength is the tilt resamples the critic's real
data.

``rlgan-bench train --reward R --method M --strength S`` and ``rlgan_bench.train(reward=R,
method=M, strength=S)`` go through :func:`at_strength`; a matrix's cells get the same settings
from :meth:`Method.strength_settings`, and the trainer checks :func:`check_tilt` for every run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from rlgan_bench.core.config import TrainConfig, setting_name
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.core.method import Method
from rlgan_bench.core.params import resolve_params
from rlgan_bench.host import PluginHost

#: what a strength is called when nobody says otherwise (the flag is ``--strength``)
STRENGTH = "strength"


def check_tilt(
    method: type[Method], tilt: float | None, names: Mapping[str, str] | None = None
) -> None:
    """Refuse a reward-tilted critic (``reward_tilt`` > 0) under a method whose strength is not
    the tilt: it would resample the real data by the reward while the run's record and label
    name another method (what earlier versions did to every reward run)."""
    if tilt and method.strength_setting() != "reward_tilt":
        raise ConfigError(
            f"{setting_name('reward_tilt', names)} {tilt:g} would resample the critic's real data "
            f"by the reward, which only the method reward-weighted does (its strength β); use "
            f"{setting_name('mode', names)} reward-weighted with {setting_name(STRENGTH, names)} "
            f"{tilt:g}, or leave {setting_name('reward_tilt', names)} out (method "
            f"{method.name!r} does not tilt)"
        )


def at_strength(
    config: TrainConfig,
    host: PluginHost,
    strength: float | None = None,
    names: Mapping[str, str] | None = None,
) -> TrainConfig:
    """``config`` as one method at one strength, with both written into it so that the run's
    config.json states them: the method (the reward's ``default_method`` when the run names
    none) and the settings of its strength (:meth:`Method.strength_settings`: λ, the tilt β
    or its option, and nothing else acting, e.g. no tilt for a λ method).

    ``strength`` None: the strength the run's own settings give (a λ method's ``--lambda``,
    else the reward's ``default_lambda``; a method's option, else its default); the tilt has
    no default. From a base (``init_from``) the reward acts from the first step unless
    ``reward_start`` says otherwise, as in a matrix's fine-tuning cells; from scratch it
    starts at the reward's own ``reward_start`` (the seed's algorithm). A setting that
    contradicts the method (a λ for reward-weighted, a tilt for backprop, two strengths) is
    an error naming it (``names``: how to name a setting, e.g. by its flag). Without a reward
    the config is returned unchanged."""
    if strength is not None and (
        isinstance(strength, bool)
        or not isinstance(strength, (int, float))
        or not math.isfinite(strength)
        or strength < 0
    ):
        raise ConfigError(
            f"{setting_name(STRENGTH, names)} must be a finite number >= 0, got {strength!r}"
        )
    if config.reward is None:
        if strength is not None:
            raise ConfigError(
                f"{setting_name(STRENGTH, names)} without {setting_name('reward', names)} would "
                f"have no effect; add {setting_name('reward', names)} NAME or leave it out"
            )
        return config
    reward = host.get("rewards", config.reward).obj
    method_name = config.mode or reward.default_method
    method: type[Method] = host.get("methods", method_name).obj
    check_tilt(method, config.reward_tilt, names)
    given = _given_strength(config, method)
    if strength is not None and given is not None and given != strength:
        raise ConfigError(
            f"two strengths for method {method_name!r}: {setting_name(STRENGTH, names)} "
            f"{strength:g} and {_strength_setting(method, names)} {given:g}; give one"
        )
    value = strength if strength is not None else given
    if value is None:
        value = _default_strength(method, reward, names)
    settings = method.strength_settings(value)
    if config.init_from is None or config.reward_start is not None:
        settings.pop("reward_start", None)  # from scratch: the reward's own start
    lam = config.reward_weight  # (a tilt that is not the strength: check_tilt refused it)
    if lam is not None and lam != settings.get("reward_weight", lam):
        raise ConfigError(
            f"{setting_name('reward_weight', names)} {lam:g} would have no effect: method "
            f"{method_name!r} has no reward term in the generator's loss (its strength is "
            f"{method.strength_name}, {setting_name(STRENGTH, names)}); leave "
            f"{setting_name('reward_weight', names)} out"
        )
    options = {**config.mode_params, **settings.pop("mode_params", {})}
    return replace(config, mode=method_name, mode_params=options, **settings)


def _given_strength(config: TrainConfig, method: type[Method]) -> float | None:
    """The strength the run's own settings give the method, or None."""
    sets = method.strength_setting()
    if sets == "reward_weight":
        return config.reward_weight
    if sets == "reward_tilt":
        return config.reward_tilt or None  # 0: the field's "no tilt", not a strength
    if method.strength_name not in config.mode_params:
        return None
    given = {method.strength_name: config.mode_params[method.strength_name]}
    # the command line gives options as text: typed as the method types them
    typed = resolve_params(f"method {method.name!r}", "option", given, method.options)
    return float(typed[method.strength_name])


def _strength_setting(method: type[Method], names: Mapping[str, str] | None) -> str:
    sets = method.strength_setting()
    if sets == "option":
        return f"{setting_name('mode_params', names)} {method.strength_name}"
    return setting_name(sets, names)


def _default_strength(method: type[Method], reward: Any, names: Mapping[str, str] | None) -> float:
    sets = method.strength_setting()
    if sets == "reward_weight":
        return float(reward.default_lambda)
    if sets == "option":
        return float(method.options[method.strength_name])
    raise ConfigError(
        f"method {method.name!r} needs its strength {method.strength_name} (how strongly it "
        f"tilts the critic's real data toward the reward): give {setting_name(STRENGTH, names)}"
    )
