"""The report as one self-contained HTML page: the leaderboards, a reward-vs-FID trade-off plot
per reward with its Pareto front, the reward-hacking gauge (claimed against verified gains, the
reward and its audit over training, the grids of flagged cells beside their lambda = 0 grids),
training curves, one sample grid per cell, and the environment and configuration that produced
the results.

This module renders ``templates/report.html.j2`` (the markup lives in ``templates/``) from the
context of each section, which :mod:`rlgan_bench.report.page` builds from a
:class:`~rlgan_bench.analysis.results.Leaderboard` (the plots come from the chart modules,
:mod:`rlgan_bench.report.chart_kit` and the charts built on it). The templates are rendered with
autoescape on, so every string from the results (names, parameters, prompts, errors,
plugin-supplied text) is escaped where it is placed; only the charts' SVG, built from escaped
parts, goes in as markup.

The page works offline and runs nothing: the plots are inline SVG, the pictures are ``data:``
URIs, the styles are inline, and a Content-Security-Policy forbids scripts and every external
load.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from rlgan_bench.analysis.compute import DEFAULT_X_AXIS
from rlgan_bench.analysis.results import Leaderboard
from rlgan_bench.report.markdown import report_name, report_title
from rlgan_bench.report.page.curves import curve_figures
from rlgan_bench.report.page.environment import environment
from rlgan_bench.report.page.frontier import frontier_section
from rlgan_bench.report.page.hacking import hacking
from rlgan_bench.report.page.leaderboard import board_view
from rlgan_bench.report.page.samples import sample_grids
from rlgan_bench.report.page.tradeoff import tradeoff_figures

CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)

TEMPLATES = Environment(
    loader=PackageLoader("rlgan_bench.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,  # a misspelt name in a template fails instead of vanishing
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
TEMPLATES.globals["csp"] = CSP


def render_page(template: str, **context: Any) -> str:
    """Render one page of ``rlgan_bench/report/templates/`` (each extends ``page.html.j2``:
    the head with the Content-Security-Policy and the styles, the header and its links)."""
    return TEMPLATES.get_template(template).render(**context)


def render(board: Leaderboard, name: str | None = None, x_axis: str = DEFAULT_X_AXIS) -> str:
    """The whole report as one HTML page, titled ``name`` (default: the results folder's name,
    :func:`~rlgan_bench.report.markdown.report_name`); ``x_axis``: see
    :func:`~rlgan_bench.report.page.frontier.frontier_view`."""
    results = board.results
    total = sum(1 for b in board.boards if b.ranked)
    # a base-protocol board's verdicts are the frontier's: the from-scratch sections (reward
    # vs FID by λ, the per-cell gauge against a λ = 0 cell) would contradict them
    legacy = board.frontier is None
    return render_page(
        "report.html.j2",
        heading=report_title(report_name(results, name)),
        n_cells=len(results.cells),
        n_done=len(board.done_cells),
        pending=list(results.pending),
        problems=[str(p) for p in results.problems],
        boards=[board_view(b, board.columns, i, total) for i, b in enumerate(board.boards)],
        frontier=frontier_section(board.frontier, x_axis),
        failed=[(c.id, c.status, c.error or "(no error recorded)") for c in board.failed_cells],
        legacy=legacy,
        tradeoff=tradeoff_figures(board) if legacy else None,
        hacking=hacking(board) if legacy else None,
        curves=curve_figures(board),
        samples=sample_grids(board),
        environment=environment(board),
    )


__all__ = ["CSP", "TEMPLATES", "render", "render_page"]
