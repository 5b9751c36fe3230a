"""Leaderboards and reports of a results directory (``rlgan-bench report``).

- :mod:`rlgan_bench.analysis.results`: the cells of a results directory (read through the typed
  records of :mod:`rlgan_bench.core.records`), columns, rows, boards, the leaderboard
- :mod:`rlgan_bench.report.columns`: the columns a report has, each read from the records
- :mod:`rlgan_bench.report.ranking`: cells -> rows aggregated over seeds, ranked within boards
  of comparable rows
- :mod:`rlgan_bench.analysis.frontier_report`: a base-protocol matrix's frontiers (verified gain
  against fidelity cost per method and strength, over seeds), their budget ranking and the
  calibrated reward-hacking flags
- :mod:`rlgan_bench.report.formatting`: the text the formats share (numbers, scopes, marks)
- :mod:`rlgan_bench.report.markdown`, :mod:`rlgan_bench.report.html` (its sections'
  context from :mod:`rlgan_bench.report.page`, its charts from
  :mod:`rlgan_bench.report.chart_kit` and the chart modules built on it): the two readable
  formats (the JSON format is
  :meth:`~rlgan_bench.analysis.results.Leaderboard.report_json`: the rows, and with a frontier
  ``{"frontier": ..., "rows": [...]}``)
- :mod:`rlgan_bench.report.compare`: the change of each metric between two results directories
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rlgan_bench.analysis.compute import DEFAULT_X_AXIS, X_AXES
from rlgan_bench.analysis.results import Leaderboard, ResultsError
from rlgan_bench.core.atomic import json_safe, write_text
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.report.html import render as render_html
from rlgan_bench.report.markdown import render as render_md
from rlgan_bench.report.ranking import load

FORMATS = ("md", "html", "json")


def render(board: Leaderboard, fmt: str, x_axis: str = DEFAULT_X_AXIS) -> str:
    """The leaderboard as ``md``, ``html`` or ``json`` text. ``x_axis``: what the HTML
    frontier charts plot the verified gain against first, one of :data:`X_AXES`
    (``fid-cost``: the fidelity costs alone)."""
    if x_axis not in X_AXES:
        raise ConfigError(f"--x-axis {x_axis!r} is not one of {', '.join(X_AXES)}")
    if fmt == "md":
        return render_md(board)
    if fmt == "html":
        return render_html(board, x_axis=x_axis)
    if fmt == "json":
        data = board.report_json()
        return json.dumps(json_safe(data), indent=2, default=str, allow_nan=False) + "\n"
    raise ValueError(f"unknown report format {fmt!r} (formats: {', '.join(FORMATS)})")


def write_reports(out: str | Path, sort: str | None = None) -> dict[str, Any]:
    """Write ``report.md``, ``report.html`` and ``report.json`` beside the results in ``out``
    (atomically); returns their paths and the Markdown text."""

    folder = Path(out)
    board = load(folder, sort)
    paths: dict[str, Any] = {}
    texts = {fmt: render(board, fmt) for fmt in FORMATS}
    for fmt, name in (("md", "markdown"), ("html", "html"), ("json", "json")):
        path = folder / f"report.{fmt}"
        write_text(path, texts[fmt])
        paths[name] = path
    paths["markdown_text"] = texts["md"]
    return paths


__all__ = [
    "FORMATS",
    "X_AXES",
    "Leaderboard",
    "ResultsError",
    "load",
    "render",
    "write_reports",
]
