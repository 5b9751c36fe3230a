"""docs/protocol.md's account of the frontier board is what scripts/frontier_board.py writes
from the committed board: its numbers cannot drift from leaderboards/digits-frontier."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, load_script

board_docs = load_script("frontier_board")


def test_the_protocol_docs_block_is_what_the_committed_board_gives():
    doc = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    assert board_docs.with_block(doc, board_docs.write(board_docs.Board())) == doc


def test_the_block_follows_the_board(tmp_path):
    """A changed number in the board's JSON changes the block (the check can fail)."""
    board = board_docs.Board()
    before = board_docs.write(board)
    curve = board.frontier("jpeg")["curves"][0]
    point = next(p for p in curve["points"] if p["label"] == curve["best"])
    key = "verified_vs_control" if point.get("verified_vs_control") else "verified"
    point[key] = {**point[key], "mean": point[key]["mean"] + 1.0}
    assert board_docs.write(board) != before


def test_a_missing_marker_is_one_line():
    with pytest.raises(SystemExit, match="needs one"):
        board_docs.with_block("no markers here", "text")


def test_the_pilot_kept_for_the_docs_is_compact_and_complete():
    pilot = json.loads((ROOT / "docs" / "protocol" / "frontier-pilot.json").read_text())
    assert set(pilot) == {"classifier", "jpeg"}
    assert set(pilot["jpeg"]) == {"reinforce", "ppo", "critic", "reward-weighted", "best-of-n"}
    for curves in pilot.values():
        for points in curves.values():
            assert all(p["fid_cost_vs_control"] is not None for p in points)
