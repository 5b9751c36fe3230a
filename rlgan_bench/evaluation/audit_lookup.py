"""The lookup of audits: which registered audits (:class:`rlgan_bench.core.audit.Audit`) apply
to a run, shared by the gauge, the training-time audit and the matrix's validation."""

from __future__ import annotations

from typing import Any

from rlgan_bench.core.audit import Audit
from rlgan_bench.host import PluginHost


def audits_for(host: PluginHost, reward: str) -> list[Any]:
    """The registered audit classes (or objects) of ``reward``, by priority then name."""
    found = [c.obj for c in host.components("audits").values() if c.obj.reward == reward]
    return sorted(found, key=lambda a: (getattr(a, "priority", 0), a.name))


def instance(audit: Any) -> Audit:
    """An audit object from what a plugin registered (a class or an instance)."""
    return audit() if isinstance(audit, type) else audit


def applicable(
    host: PluginHost, reward: str, reward_params: dict[str, Any], dataset: str
) -> tuple[list[Audit], dict[str, str]]:
    """The audits of ``reward`` that apply to this run (first: the primary, "verified" one)
    and, for the others, why not."""
    usable: list[Audit] = []
    skipped: dict[str, str] = {}
    for registered in audits_for(host, reward):
        audit = instance(registered)
        reason = audit.unavailable(reward_params, dataset)
        if reason is None:
            usable.append(audit)
        else:
            skipped[audit.name] = reason
    return usable, skipped
