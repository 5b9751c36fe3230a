"""The problems of a matrix file, collected to be reported together, and the readers of TOML
values that report a wrong one into them.

Every problem is one line that starts with the TOML key it is about (``eval.samples: must
be ...``), or with the command-line flag for an override, so that one run of ``rlgan-bench
run --dry-run`` lists everything to fix.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from rlgan_bench.core.errors import ConfigError
from rlgan_bench.host import PluginHost


class Problems:
    """The problems found so far, in the order found."""

    def __init__(self) -> None:
        self._lines: list[str] = []

    def add(self, key: str, message: str) -> None:
        """A problem with the value at ``key`` (``matrix.rewards[0].params``)."""
        self._lines.append(f"{key}: {message}")

    def add_line(self, line: str) -> None:
        """A problem whose message names its key or flag itself (``--seeds must be ...``)."""
        self._lines.append(line)

    def extend(self, lines: Iterable[str]) -> None:
        self._lines.extend(lines)

    def __len__(self) -> int:
        return len(self._lines)

    def raise_if_any(self, source: str) -> None:
        """One ConfigError for ``source``, one line per problem, however many cells share it."""
        if self._lines:
            raise ConfigError(f"{source}: " + "; ".join(dict.fromkeys(self._lines)))


def sub_table(data: dict[str, Any], key: str) -> dict[str, Any]:
    """``data[key]`` when it is a table (a wrong type is reported by validation), else {}."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def is_non_negative(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)  # TOML has nan and inf
        and value >= 0
    )


def positive_int(
    table: dict[str, Any], key: str, problems: Problems, prefix: str = "matrix"
) -> int | None:
    """``table[key]``, a positive integer; None when absent or reported."""
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        problems.add(f"{prefix}.{key}", f"must be a positive integer, got {value!r}")
        return None
    return value


def string_list(
    table: dict[str, Any], key: str, default: list[str], problems: Problems, prefix: str
) -> list[str]:
    """``table[key]`` (else ``default``), a non-empty list of strings; [] when reported."""
    value = table.get(key, default)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        problems.add(f"{prefix}.{key}", f"must be a non-empty list of strings, got {value!r}")
        return []
    return value


def number_list(table: dict[str, Any], key: str, problems: Problems, prefix: str) -> list[float]:
    """``table[key]``, a non-empty list of finite numbers >= 0; [] when reported."""
    value = table[key]
    if not isinstance(value, list) or not value or not all(is_non_negative(v) for v in value):
        problems.add(
            f"{prefix}.{key}", f"must be a non-empty list of finite numbers >= 0, got {value!r}"
        )
        return []
    return [float(v) for v in value]


def unknown_component(singular: str, name: str, host: PluginHost, also: str | None = None) -> str:
    """``unknown method 'x' (available: ...)``, or, when a broken plugin registered ``name``
    and was skipped (a name clash), the plugin and its error: the list alone would not say."""
    dropped = host.dropped_hint(f"{singular}s", name)
    if dropped:
        return f"unknown {singular} {name!r}: {dropped}"
    names = ", ".join(([also] if also else []) + sorted(host.components(f"{singular}s")))
    return f"unknown {singular} {name!r} (available: {names})"
