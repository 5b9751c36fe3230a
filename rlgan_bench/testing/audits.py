"""The conformance of an audit: on real images (the embedded digits' held-out split) its values
vary, so that its spread, the unit the reward-hacking gauge measures gains in, is above 0."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from rlgan_bench.core.audit import Audit
from rlgan_bench.host import PluginHost
from rlgan_bench.testing import inputs
from rlgan_bench.testing.findings import Findings, raised

#: real images the spread is measured on
REAL_IMAGES = 64
DATASET = "digits"


def audit_findings(
    audit: type[Audit],
    reward_params: Mapping[str, Any] | None = None,
    host: PluginHost | None = None,
    device: str = "cpu",
) -> Findings:
    """Check ``audit`` on a run of its reward with ``reward_params`` (default: the reward's
    defaults, as the reward resolves them)."""
    found = Findings("audit", audit.name or audit.__name__)
    where = torch.device(device)
    host = host or PluginHost().load()
    reward = host.find("rewards", audit.reward)
    if reward is None:
        found.fail("its reward", f"audits reward {audit.reward!r}, which is not installed")
        return found
    try:
        params = reward.obj(**dict(reward_params or {})).config
        instance = audit()
        reason = instance.unavailable(params, DATASET)
    except Exception as exc:
        found.fail("set-up", raised(exc))
        return found
    if reason:
        found.notes.append(f"not applicable to the digits: {reason}")
        return found
    real = inputs.real_images(REAL_IMAGES, where)
    found.check(
        "spread > 0 on real data", lambda: _spread(instance, real, params, where, found.notes)
    )
    return found


def _spread(
    audit: Audit, real: Tensor, params: dict[str, Any], device: torch.device, notes: list[str]
) -> str | None:
    n = real.shape[0]
    try:
        values = audit.scores(real, params, device)
    except NotImplementedError:  # a measure of whole batches: no per-image values to spread
        notes.append("measures whole batches only: no spread")
        value = audit.measure(real, params, device)
        return None if math.isfinite(value) else f"its measure of {n} real digits is {value}"
    if not isinstance(values, Tensor) or tuple(values.shape) != (n,):
        got = tuple(values.shape) if isinstance(values, Tensor) else type(values).__name__
        return f"scores returned {got} for {n} real digits, not one value each, shape ({n},)"
    spread = audit.spread(real, params, device)
    if spread is None or not math.isfinite(spread) or spread <= 0:
        return (
            f"its spread over {n} real digits is {spread}; the gauge measures gains in it, "
            f"so its values must vary over real images"
        )
    return None
