"""Typed settings of components: a reward's parameters, a mode's options, a backbone's
hyperparameters. Values come from TOML or from the command line (as strings) and are read as
the type of their default, so that ``lr=2e-4`` on the command line and ``lr = 2e-4`` in TOML
give the same run."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from rlgan_bench.core.errors import ConfigError


def resolve_params(
    owner: str,
    word: str,
    given: Mapping[str, Any],
    defaults: Mapping[str, Any],
    *,
    finite: bool = True,
) -> dict[str, Any]:
    """Every setting in ``defaults``, overridden by ``given`` and read as its default's type.

    ``owner`` and ``word`` name what is being set in errors: ``("reward 'jpeg'",
    "parameter")`` gives "reward 'jpeg' has no parameter q; its parameters: quality".
    ``finite``: a NaN or an infinity is an error (pass False only where the caller checks
    the range of its numbers itself, as Backbone.configure does)."""
    unknown = set(given) - set(defaults)
    if unknown:
        known = ", ".join(sorted(defaults)) or "none"
        raise ConfigError(
            f"{owner} has no {word} {', '.join(sorted(unknown))}; its {word}s: {known}"
        )
    resolved = {
        key: coerce(owner, word, key, given.get(key, default), default)
        for key, default in defaults.items()
    }
    if finite:
        for key, value in resolved.items():
            for number in value if isinstance(value, (list, tuple)) else (value,):
                # no setting means NaN or infinity, and JSON (config.json) cannot hold them
                if isinstance(number, float) and not math.isfinite(number):
                    raise ConfigError(f"{owner} {word} {key}={number!r} is not a finite number")
    return resolved


def coerce(owner: str, word: str, key: str, value: Any, default: Any) -> Any:
    """``value`` as the type of ``default``. A tuple default is a fixed number of values (a list
    or "a,b" of its length, each typed as its default); a list default takes any number ("a,b"
    split at the commas). An integer is accepted for a float (``lr = 1`` is 1.0), never a float
    for an integer (``steps = 2.5`` or ``2.0`` is an error, not 2)."""
    if default is None:
        return value
    if isinstance(default, tuple):
        items = value.split(",") if isinstance(value, str) else value
        if isinstance(items, (list, tuple)) and len(items) == len(default):
            return tuple(coerce(owner, word, key, v, d) for v, d in zip(items, default))
        raise ConfigError(
            f"{owner} {word} {key}={value!r} is not {len(default)} values "
            f"(e.g. {key}={','.join(map(str, default))})"
        )
    if isinstance(default, list):
        items = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
        if isinstance(items, (list, tuple)):
            return list(items)
        raise ConfigError(f"{owner} {word} {key}={value!r} is not a list")
    if isinstance(value, bool) and not isinstance(default, bool):
        raise ConfigError(f"{owner} {word} {key}={value!r} is {_a(default)}, not true/false")
    is_int = isinstance(default, int) and not isinstance(default, bool)
    if is_int and isinstance(value, float):
        # int(2.5) would silently drop the .5, and a TOML 2.0 is a float someone meant
        whole = f" (write {int(value)})" if value.is_integer() else ""
        raise ConfigError(f"{owner} {word} {key}={value!r} is not an int{whole}")
    if isinstance(value, type(default)):
        return value
    try:
        if isinstance(default, bool):
            if str(value).lower() in ("1", "true", "yes"):
                return True
            if str(value).lower() in ("0", "false", "no"):
                return False
            raise ValueError(value)
        return type(default)(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{owner} {word} {key}={value!r} is not {_a(default)}") from None


def _a(default: Any) -> str:
    """'an int', 'a float', ... : the type of ``default`` with its article."""
    name = type(default).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def describe(name: str, params: Mapping[str, Any]) -> str:
    """``wgan-gp (betas=0.5,0.9, lr=0.0002)``: a component with the settings a run gave it."""

    def text(value: Any) -> str:
        return ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)

    if not params:
        return name
    return f"{name} ({', '.join(f'{k}={text(v)}' for k, v in sorted(params.items()))})"
