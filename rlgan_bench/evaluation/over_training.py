"""Where a run's reward and its audit part over training, from its audit.jsonl (the audit
measured every few steps while it trained): the ``over_training`` field of the gauge's
``reward_audit`` section."""

from __future__ import annotations

import statistics
from typing import Any

#: reward and audit count as parted after the audit's peak when the reward went on rising by at
#: least this share of its range over training while the audit did not rise, or when the audit
#: gave back at least this share of what it had gained since the reward started while the
#: reward did not fall by this share of its range
PARTING_SHARE = 0.25
#: ... and that fall is more than this many times the audit's sampling noise (the median size
#: of its second differences), so that noise on a plateau is not a parting
PARTING_NOISE = 3.0


def curve_summary(records: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Where reward and audit part over training (from audit.jsonl): the step of the audit's
    highest value from the reward's start on, when afterwards the reward kept what it had (or
    gained) while the audit fell, or the reward gained while the audit did not (see
    :data:`PARTING_SHARE`). A reward that saturates early and holds while the audit collapses
    parts as surely as one that climbs on."""
    lines = [
        r
        for r in records
        if isinstance(r.get("step"), int) and isinstance(r.get("reward"), (int, float))
    ]
    if not lines:
        return None
    summary: dict[str, Any] = {
        "lines": len(lines),
        "n": lines[-1].get("n"),
        "audit": lines[-1].get("audit_name"),
        "first_step": lines[0]["step"],
        "last_step": lines[-1]["step"],
        "definition": (
            "parts_at: the first step of the audit's highest value from the reward's start on, "
            f"when afterwards the reward gained at least {PARTING_SHARE:g} of its range over "
            f"training and the audit did not gain, or the audit gave back at least "
            f"{PARTING_SHARE:g} of its gain since the reward's start (and more than "
            f"{PARTING_NOISE:g} x the median size of its second differences) while the reward "
            "lost less "
            f"than {PARTING_SHARE:g} of its range"
        ),
    }
    candidates = [
        r for r in lines if r.get("candidate", True) and isinstance(r.get("audit"), (int, float))
    ]
    last = lines[-1]
    if not candidates or not isinstance(last.get("audit"), (int, float)):
        summary["parts_at"] = None
        return summary
    peak = max(candidates, key=lambda r: r["audit"])  # the first of equal values
    rewards = [float(r["reward"]) for r in lines]
    audits = [float(r["audit"]) for r in lines if isinstance(r.get("audit"), (int, float))]
    # sampling noise: the median size of the second differences, which a trend (even a short
    # rise and fall) leaves small and noise does not
    bends = [abs(a - 2 * b + c) for a, b, c in zip(audits, audits[1:], audits[2:])]
    jitter = statistics.median(bends) if bends else 0.0
    reward_span = max(rewards) - min(rewards)
    reward_after = float(last["reward"]) - float(peak["reward"])
    audit_after = float(last["audit"]) - float(peak["audit"])
    gained = float(peak["audit"]) - float(candidates[0]["audit"])
    climbed_on = reward_span > 0 and reward_after >= PARTING_SHARE * reward_span
    gave_back = gained > 0 and -audit_after >= max(PARTING_SHARE * gained, PARTING_NOISE * jitter)
    reward_held = reward_after >= -PARTING_SHARE * reward_span  # a flat reward holds
    parted = (climbed_on and audit_after <= 0) or (gave_back and reward_held)
    summary.update(
        audit_peak_step=peak["step"],
        audit_peak=peak["audit"],
        reward_change_after_peak=reward_after,
        audit_change_after_peak=audit_after,
        parts_at=peak["step"] if parted else None,
    )
    fids = [r["fid"] for r in lines if isinstance(r.get("fid"), (int, float))]
    if fids:
        summary.update(fid_first=fids[0], fid_last=fids[-1], fid_min=min(fids))
    return summary


__all__ = ["PARTING_NOISE", "PARTING_SHARE", "curve_summary"]
