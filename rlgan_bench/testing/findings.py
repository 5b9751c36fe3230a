"""What a conformance check found about one component: its broken properties, one line each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Findings:
    """The broken properties of one component (``kind`` ``"reward"``, ``"backbone"``,
    ``"method"`` or ``"audit"``), each a ``(property, detail)`` pair, and notes on what was not
    checked and why (a shape the backbone declares it does not support)."""

    kind: str
    name: str
    failures: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """``reward 'symmetry'``: how every line names the component."""
        return f"{self.kind} {self.name!r}"

    @property
    def problems(self) -> list[str]:
        """One line per broken property: ``reward 'x': deterministic: ...``."""
        return [f"{self.label}: {prop}: {detail}" for prop, detail in self.failures]

    def fail(self, prop: str, detail: str) -> None:
        self.failures.append((prop, detail))

    def check(self, prop: str, test: Callable[[], str | None]) -> bool:
        """Run the test of one property: it returns what is wrong, or None. An exception from
        the component's code is what is wrong (its first line, no traceback). True when the
        property holds."""
        try:
            detail = test()
        except Exception as exc:
            detail = raised(exc)
        if detail:
            self.fail(prop, detail)
            return False
        return True


def raised(exc: BaseException) -> str:
    """``raised ValueError: the first line of its message`` (long messages cut)."""
    lines = str(exc).strip().splitlines()
    message = lines[0] if lines else ""
    if len(message) > 300:
        message = message[:297] + "..."
    return f"raised {type(exc).__name__}" + (f": {message}" if message else "")
