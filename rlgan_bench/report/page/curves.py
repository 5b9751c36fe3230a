"""The training curves of the HTML report (``curves.html.j2``): per configuration its losses
and, with a reward, its reward (± its spread in the batch), one line per seed."""

from __future__ import annotations

from collections.abc import Sequence

from rlgan_bench.analysis.json_numbers import number
from rlgan_bench.analysis.results import CellResult, Leaderboard
from rlgan_bench.report.chart_kit import PALETTE
from rlgan_bench.report.line_chart import Series, line_chart
from rlgan_bench.report.page.parts import Figure

#: stroke-dasharray per seed of a configuration: solid, dashed, dotted, dash-dot
SEED_DASHES = ("", "5 3", "1.5 2.5", "7 3 1.5 3")
LOSS_KEYS = (("d_loss", "D loss", PALETTE[0]), ("g_loss", "G loss", PALETTE[1]))
REWARD_KEYS = (("reward_mean", "reward", PALETTE[2]),)


def _curve(
    cells: Sequence[CellResult], keys: Sequence[tuple[str, str, str]], band: str | None = None
) -> list[Series]:
    """One series per cell (seed) and logged key; ``band``: the key of a ± spread."""
    series = []
    for index, cell in enumerate(cells):
        log = [entry for entry in cell.log() if number(entry.get("step")) is not None]
        for key, label, color in keys:
            points, spread = [], []
            for entry in log:
                step, value = number(entry.get("step")), number(entry.get(key))
                if step is None or value is None:
                    continue
                points.append((step, value))
                width = number(entry.get(band)) if band else None
                if width is not None:
                    spread.append((step, value - width, value + width))
            name = f"{label}, seed {cell.seed}" if len(cells) > 1 else label
            dash = SEED_DASHES[index % len(SEED_DASHES)]
            series.append(Series(name, points, color, dash, spread or None))
    return series


def curve_figures(board: Leaderboard) -> list[Figure]:
    """Per configuration with a metrics.jsonl: its losses and (reward rows) its reward."""
    figures = []
    for row in board.rows:
        cells = [cell for cell in row.cells + row.failed if cell.log()]
        if not cells:
            continue
        charts = [line_chart(_curve(cells, LOSS_KEYS), "losses", "step", "loss")]
        if row.reward != "none":
            charts.append(
                line_chart(
                    _curve(cells, REWARD_KEYS, band="reward_std"),
                    f"{row.reward} reward (± std in the batch)",
                    "step",
                    "reward",
                )
            )
        seeds = ", ".join(f"{c.seed}" + ("" if c.done else " (failed)") for c in cells)
        caption = f"{row.label}: seed{'s' if len(cells) > 1 else ''} {seeds}"
        figures.append(Figure(charts, caption))
    return figures


__all__ = ["LOSS_KEYS", "REWARD_KEYS", "SEED_DASHES", "curve_figures"]
