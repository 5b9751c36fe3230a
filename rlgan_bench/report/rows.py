"""The names the report modules, the command and the tests have imported from here, where they
were all defined: reading results (:mod:`~rlgan_bench.analysis.results`, on the typed records of
:mod:`rlgan_bench.core.records`), the columns (:mod:`~rlgan_bench.report.columns`), grouping
and ranking (:mod:`~rlgan_bench.report.ranking`) and formatting
(:mod:`~rlgan_bench.report.formatting`)."""

from __future__ import annotations

from rlgan_bench.analysis.results import (
    Board,
    CellResult,
    Column,
    Leaderboard,
    Measure,
    Results,
    ResultsError,
    Row,
    Stat,
    load_results,
)
from rlgan_bench.core.atomic import json_safe
from rlgan_bench.core.config import NOT_CONFIGURATION
from rlgan_bench.report.columns import (
    COLUMNS,
    FINAL_REWARD_WINDOW,
    audit_value,
    final_reward,
    get_column,
    histogram_value,
    metric_value,
)
from rlgan_bench.report.formatting import describe_scope, format_stat, header_lines, mark
from rlgan_bench.report.ranking import (
    build,
    default_sort,
    group_rows,
    load,
    pareto_front,
    rank_rows,
)

#: train config keys that do not make two cells different configurations
NOT_CONFIG = NOT_CONFIGURATION

__all__ = [
    "COLUMNS",
    "FINAL_REWARD_WINDOW",
    "NOT_CONFIG",
    "Board",
    "CellResult",
    "Column",
    "Leaderboard",
    "Measure",
    "Results",
    "ResultsError",
    "Row",
    "Stat",
    "audit_value",
    "build",
    "default_sort",
    "describe_scope",
    "final_reward",
    "format_stat",
    "get_column",
    "group_rows",
    "header_lines",
    "histogram_value",
    "json_safe",
    "load",
    "load_results",
    "mark",
    "metric_value",
    "pareto_front",
    "rank_rows",
]
