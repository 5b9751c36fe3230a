"""scripts/publish_leaderboard.py: a republished board holds the new results' cells only."""

from __future__ import annotations

import pytest
from conftest import load_script

publish = load_script("publish_leaderboard").publish


def results(folder, cells):
    for cell in cells:
        (folder / "cells" / cell / "run").mkdir(parents=True)
        (folder / "cells" / cell / "result.json").write_text(f'{{"cell": "{cell}"}}')
        (folder / "cells" / cell / "run" / "samples.png").write_bytes(b"png")
        (folder / "cells" / cell / "run" / "metrics.jsonl").write_text('{"step": 25}\n')
        (folder / "cells" / cell / "run" / "checkpoint.pt").write_bytes(b"weights")
    (folder / "report.md").write_text(f"{len(cells)} cells")
    return folder


def test_a_republished_board_drops_the_cells_the_new_run_lacks(tmp_path):
    board = tmp_path / "leaderboards" / "digits"
    publish(results(tmp_path / "old", ["a", "b"]), board)
    publish(results(tmp_path / "new", ["b", "c"]), board)
    assert sorted(p.name for p in (board / "cells").iterdir()) == ["b", "c"]
    assert (board / "report.md").read_text() == "2 cells"
    assert (board / "cells" / "c" / "samples.png").is_file()
    # the training log the docs quote (reward curves, ppo's statistics) travels with it
    assert (board / "cells" / "c" / "metrics.jsonl").read_text() == '{"step": 25}\n'
    assert not list(board.rglob("checkpoint.pt"))  # weights are not published


def test_a_folder_without_cells_is_one_line(tmp_path):
    with pytest.raises(SystemExit, match="has no cells/ folder"):
        publish(tmp_path, tmp_path / "board")
