"""Copy a results directory's reports and result records into leaderboards/NAME (no
checkpoints or run folders: what a reader needs to check the numbers, small enough for git).

    python scripts/publish_leaderboard.py RESULTS_DIR leaderboards/NAME
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def publish(results: Path, target: Path) -> None:
    """Replace ``target``'s reports and cells by those of ``results``: cells of an earlier
    publication that the new results lack are removed, so a board never mixes two runs."""
    if not (results / "cells").is_dir():
        sys.exit(f"{results} has no cells/ folder: give the --out folder of `rlgan-bench run`")
    target.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(target / "cells", ignore_errors=True)
    for name in ("report.md", "report.html", "report.json", "matrix.json"):
        if (results / name).exists():
            shutil.copyfile(results / name, target / name)
    for record in sorted((results / "cells").glob("*/result.json")):
        cell = target / "cells" / record.parent.name
        cell.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(record, cell / "result.json")
        grid = record.parent / "run" / "samples.png"
        if grid.exists():
            shutil.copyfile(grid, cell / "samples.png")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    publish(Path(sys.argv[1]), Path(sys.argv[2]))
