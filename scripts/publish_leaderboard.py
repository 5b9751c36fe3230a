"""Copy a results directory's reports, result records, sample grids and training logs into
leaderboards/NAME (no checkpoints or run folders: what a reader needs to check the numbers,
small enough for git).
The reports are titled with the board's name (NAME), not the results directory's.

    python scripts/publish_leaderboard.py RESULTS_DIR leaderboards/NAME
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from markupsafe import escape

from rlgan_bench.report.markdown import md_escape, report_title

REPORTS = ("report.md", "report.html", "report.json")


def publish(results: Path, target: Path, name: str | None = None) -> None:
    """Replace ``target``'s reports and cells by those of ``results``: cells of an earlier
    publication that the new results lack are removed, so a board never mixes two runs. The
    reports are titled ``name`` (default: the folder name of ``target``)."""
    if not (results / "cells").is_dir():
        sys.exit(f"{results} has no cells/ folder: give the --out folder of `rlgan-bench run`")
    target.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(target / "cells", ignore_errors=True)
    for file in (*REPORTS, "matrix.json"):
        if (results / file).exists():
            shutil.copyfile(results / file, target / file)
    retitle_board(target, name or target.resolve().name)
    for record in sorted((results / "cells").glob("*/result.json")):
        cell = target / "cells" / record.parent.name
        cell.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(record, cell / "result.json")
        # the sample grid to look at, and the training log (the reward curve, a method's
        # own statistics such as ppo's clipfrac) that the docs quote
        for name in ("samples.png", "metrics.jsonl"):
            source = record.parent / "run" / name
            if source.exists():
                shutil.copyfile(source, cell / name)


def retitle_board(board: Path, name: str) -> None:
    """Title the reports in ``board`` ``name`` (report.json has no title)."""
    for file, fmt in (("report.md", "md"), ("report.html", "html")):
        path = board / file
        if path.exists():
            path.write_text(retitle(path.read_text(encoding="utf-8"), fmt, name), encoding="utf-8")


def retitle(text: str, fmt: str, name: str) -> str:
    """A report's text (``md`` or ``html``, as rlgan-bench writes it) with the title of the
    report named ``name``: what ``rlgan-bench report`` renders for a results folder of that
    name. Older reports named the results folder's path (a temporary folder, often) in the
    title or under it; that goes."""
    title = report_title(name)
    if fmt == "md":
        first, newline, rest = text.partition("\n")
        if not first.startswith("# rlgan-bench report"):
            return text
        return f"# {md_escape(title)}{newline}{rest}"
    heading = str(escape(title))  # as the report's template escapes it
    text = re.sub(
        r"<title>rlgan-bench report[^<]*</title>",
        lambda _: f"<title>{heading}</title>",
        text,
        count=1,
    )
    return re.sub(
        r"<h1>rlgan-bench report[^<]*</h1><p>(?:<code>[^<]*</code> · )?",
        lambda _: f"<h1>{heading}</h1><p>",
        text,
        count=1,
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    publish(Path(sys.argv[1]), Path(sys.argv[2]))
