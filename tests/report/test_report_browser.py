"""The HTML report as a person sees it: opened in headless Chromium (Debian's ``chromium``
package, which ``scripts/setup.sh --test`` installs), its DOM holds the leaderboard rows, the
SVG plots and the embedded sample grids, and a screenshot shows them drawn.

Skipped only where Chromium is missing outside CI; under CI (``CI`` set) it must run."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import load_script
from PIL import Image
from test_report import EVIL, make_results

from rlgan_bench.analysis.results import load_results
from rlgan_bench.report import render
from rlgan_bench.report.ranking import build

WIDTH, HEIGHT = 1400, 7000
MARKER = (255, 0, 255)  # a sample grid no generator draws: seen on screen = decoded
FRONT = (0xD6, 0x27, 0x28)  # the Pareto front's red
FIRST_ROW = (0xEE, 0xF6, 0xEE)  # the background of the leaderboard's first row


figures = load_script("readme_figures")
CHROMIUM = figures.find_chromium()
pytestmark = [
    pytest.mark.slow,  # starts Chromium
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("CI"),
        reason="chromium is not installed (scripts/setup.sh --test installs it)",
    ),
]


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    assert CHROMIUM is not None, "CI is set but chromium is not installed"
    command = figures.chromium_command(CHROMIUM, page, profile, *args)
    return subprocess.run(command, capture_output=True, timeout=90, check=True)


class Dom(HTMLParser):
    """The elements of the dumped DOM that a reader looks at."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.board_rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        self.stack.append(f"{tag}.{attributes.get('class') or ''}")
        in_board = "table.leaderboard" in self.stack and "tbody." in self.stack
        if tag == "tr" and in_board:
            self.board_rows.append([])
        if tag == "td" and in_board:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.board_rows[-1].append("".join(self._cell).strip())
            self._cell = None
        while self.stack:
            if self.stack.pop().split(".")[0] == tag:
                break

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def count(self, tag: str, css: str | None = None) -> int:
        return sum(
            1
            for name, attrs in self.tags
            if name == tag and (css is None or css in (attrs.get("class") or "").split())
        )


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    """The report of the session's results, one sample grid swapped for a magenta marker."""
    source = make_results(tmp_path_factory)
    folder = tmp_path_factory.mktemp("browser") / "results"
    shutil.copytree(source, folder)
    board = build(load_results(folder))
    first = board.boards[0].rows[0].cells[0]
    buffer = io.BytesIO()
    Image.new("RGB", (274, 274), MARKER).save(buffer, format="PNG")
    (first.run_dir / "samples.png").write_bytes(buffer.getvalue())
    path = folder / "report.html"
    path.write_text(render(build(load_results(folder)), "html"), encoding="utf-8")
    return path


def test_the_rendered_dom_has_the_table_the_plots_and_the_images(page, tmp_path):
    result = chromium(page, tmp_path / "profile", "--dump-dom")
    dom = Dom()
    dom.feed(result.stdout.decode("utf-8"))
    assert dom.count("script") == 0
    ranked = [row for row in dom.board_rows if row[0] != "–"]
    assert [row[0] for row in ranked] == ["1", "2", "3"]
    rewards = sorted(row[2] for row in ranked)
    assert rewards == sorted(["none", "classifier (target=7)", f"clip (prompt={EVIL})"])
    assert all("±" in row[6] for row in ranked if row[5] == "2")  # FID over two seeds
    assert dom.count("svg", "tradeoff") == 2 and dom.count("svg", "curve") == 5
    assert dom.count("circle", "front") >= 2 and dom.count("polyline", "series") > 0
    images = [attrs for name, attrs in dom.tags if name == "img"]
    assert len(images) == 5
    assert all((attrs.get("src") or "").startswith("data:image/png;base64,") for attrs in images)
    assert dom.count("table", "failed") == 1


def test_a_screenshot_shows_table_plots_and_pictures(page, tmp_path):
    shot = tmp_path / "page.png"
    chromium(page, tmp_path / "profile", f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={shot}")
    image = Image.open(shot).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    colors = image.getcolors(maxcolors=1 << 20)
    assert colors is not None and len(colors) > 50  # not a blank page
    counts = {color: n for n, color in colors}
    # the sample grid we swapped in, decoded and drawn at 300 x 300 CSS pixels
    assert counts.get(MARKER, 0) > 0.9 * 300 * 300
    # the trade-off plots' Pareto points and the first leaderboard row
    assert counts.get(FRONT, 0) > 100
    assert counts.get(FIRST_ROW, 0) > 5000
    # the real sample grids: grey noise from the barely trained generators
    greys = sum(
        n for color, n in counts.items() if color[0] == color[1] == color[2] and 60 < color[0] < 200
    )
    assert greys > 4 * 300 * 300 * 0.5
