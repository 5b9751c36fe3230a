"""The sample grids of the HTML report (``samples.html.j2``): every cell's samples.png,
captioned with its seed and FID."""

from __future__ import annotations

from rlgan_bench.analysis.results import Leaderboard
from rlgan_bench.report.page.parts import SampleGrid, png_data_uri


def sample_grids(board: Leaderboard) -> list[SampleGrid]:
    """The samples.png of every cell that has one, captioned with its seed and FID."""
    grids = []
    for row in board.rows:
        for cell in row.cells + row.failed:
            path = cell.samples_png
            if path is None:
                continue
            fid = row.values.get(cell.id, {}).get("fid")
            caption = f"{cell.id} (seed {cell.seed})"
            if fid is not None:
                caption += f", FID {fid:.2f}"
            if not cell.done:
                caption += ", failed"
            grids.append(SampleGrid(png_data_uri(path), f"samples of {cell.id}", caption))
    return grids


__all__ = ["sample_grids"]
