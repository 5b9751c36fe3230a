"""What names a run, in one place: the canonical JSON of settings and its short hash, a
cell's id, the key that groups the seeds of one configuration, and the labels of strengths.

A matrix names its cells with :func:`cell_id`; results are grouped into configurations by
:func:`configuration_key`; tables and charts name strengths with :func:`strength_label`.
Anything that compares or names runs goes through these, so that two runs are "the same
configuration" by one rule everywhere.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from rlgan_bench.core.config import TrainConfig, configuration
from rlgan_bench.core.records import ROLE_BASE, ROLE_CONTROL, ROLE_FINETUNE, Protocol

#: the built-in strength names' short forms in cell ids (``lam0.3``); any other strength name
#: is written as it is (``q0.25``, ``n4``: Method.strength_name, lowercase letters, digits, _)
STRENGTH_ID_SYMBOLS = {"lambda": "lam"}
#: the strength names as tables and charts show them (``λ=0.3``, ``β=1``, ``N=16``)
STRENGTH_SYMBOLS = {"lambda": "λ", "beta": "β", "n": "N"}
#: the reward part of the id of a cell without a reward
NO_REWARD = "none"
#: settings of a protocol cell that follow from its base (its path differs per seed)
FROM_BASE = ("init_from",)


def canonical_json(data: Any) -> str:
    """``data`` as compact JSON with sorted keys (anything JSON cannot hold as its ``str``):
    equal settings give equal strings, whatever order their keys were written in."""
    return json.dumps(data, sort_keys=True, default=str)


def short_hash(data: Any) -> str:
    """The first 8 hex digits of the sha256 of ``data``'s canonical JSON."""
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()[:8]


def backbone_label(name: str, params: dict[str, Any] | None) -> str:
    """A backbone in cell ids: its name, with a hash of its hyperparameters when a run sets
    them (``wgan-gp-1a2b3c4d``), so that two settings of one backbone are two cells."""
    return f"{name}-{short_hash(params)}" if params else name


def strength_label(name: str | None, value: float | None) -> str:
    """``λ=0.3``, ``β=1``, ``N=16``: a base-protocol strength with its name."""
    if value is None:
        return "–"
    symbol = STRENGTH_SYMBOLS.get(name or "", name or "strength")
    return f"{symbol}={value:g}"


def cell_id(train: TrainConfig, protocol: Protocol | None) -> str:
    """The id of a matrix cell: backbone, reward, then for a fine-tuning cell its method and
    strength (``best-of-n__n4``), for a cell trained from scratch its method and λ, a hash of
    the options and reward parameters that are not in the id already, and the seed."""
    parts = [backbone_label(train.backbone, train.backbone_params), train.reward or NO_REWARD]
    if protocol is not None and protocol.role == ROLE_CONTROL:
        parts.append("continued")
    elif protocol is not None and protocol.role == ROLE_FINETUNE:
        name = protocol.strength_name or "strength"
        symbol = STRENGTH_ID_SYMBOLS.get(name, name)
        parts += [train.mode or "default", f"{symbol}{protocol.strength:g}"]
        if protocol.anchor:
            parts.append(f"anchor{protocol.anchor:g}")
        # a strength that is the method's option is in the id once, by its name
        options = {k: v for k, v in train.mode_params.items() if k != name}
        parts += _settings_hash(train.reward_params, options)
    elif train.reward:
        parts += [train.mode or "default", f"lam{train.reward_weight:g}"]
        parts += _settings_hash(train.reward_params, train.mode_params)
    parts.append(f"seed{train.seed}")
    return "__".join(parts)


def _settings_hash(reward_params: dict[str, Any], options: dict[str, Any]) -> list[str]:
    if options:
        return [short_hash({"reward": reward_params, "mode": options})]
    return [short_hash(reward_params)] if reward_params else []


def configuration_key(train: dict[str, Any], protocol: Protocol | None) -> str:
    """Everything of a recorded training config but the seed (and the machine): runs with
    equal keys are seeds of one configuration. A protocol cell's key has its role, method,
    strength and anchor, and not the path of its base (another one per seed)."""
    settings = configuration(train)
    if protocol is None:
        return canonical_json(settings)
    if protocol.role != ROLE_BASE:
        settings = {k: v for k, v in settings.items() if k not in FROM_BASE}
    place = protocol.to_json()
    for key in ("base", "base_digest", "selects_from"):  # another cell per seed
        place.pop(key, None)
    return canonical_json({**settings, "protocol": place})
