"""Numbers read out of the records' JSON (result.json, eval.json, matrix.json): a finite float,
or None where there is none (a bool, a string, NaN and infinity are no numbers): never a guess."""

from __future__ import annotations

import math
from typing import Any


def number(value: Any) -> float | None:
    """``value`` as a float when it is a finite int or float (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def number_at(data: Any, *path: str) -> float | None:
    """The number at ``path`` in nested dicts (``number_at(drift, "fid_all", "run")``), else
    None."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return number(data)


__all__ = ["number", "number_at"]
