"""scripts/protocol_figures.py: the frontier charts of a published board as standalone SVG files
that the docs show, each carrying the font the page's stylesheet gives it (without it viewers
fall back to a larger serif and the legend's labels run into each other)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from conftest import ROOT, load_script


def test_each_frontier_chart_is_a_standalone_svg_with_the_pages_font(tmp_path):
    figures = load_script("protocol_figures")
    written = figures.extract(ROOT / "leaderboards" / "digits-frontier", tmp_path)
    assert [p.name for p in written] == [f"digits-frontier-{n}.svg" for n in range(1, 7)]
    for path in written:
        root = ET.fromstring(path.read_text(encoding="utf-8"))
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert root.get("font-size") == "11" and "sans-serif" in root.get("font-family", "")
    # the docs show exactly these files
    for path in written:
        shown = ROOT / "docs" / "protocol" / path.name
        assert shown.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
