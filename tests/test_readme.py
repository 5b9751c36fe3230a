"""The README's first screen: its leaderboard excerpt and picture are what
scripts/readme_figures.py makes of the committed report, it states the same time for the
default benchmark as docs/index.md and the matrix itself, and its command table lists every
command of the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import load_script
from PIL import Image

from rlgan_bench.cli import cli

ROOT = Path(__file__).parents[1]
MINUTES = re.compile(r"(\d+)\s*min(?:utes?)?\b")


figures = load_script("readme_figures")


def first_screen(text: str) -> str:
    return text.split("## From Python", 1)[0]


def test_the_excerpt_is_what_the_script_writes_now():
    assert figures.check() is None


def test_the_check_fails_on_a_stale_excerpt_or_picture(tmp_path):
    board = tmp_path / figures.BOARD
    board.mkdir(parents=True)
    for name in ("report.md", "report.html", "report.png"):
        (board / name).write_bytes((ROOT / figures.BOARD / name).read_bytes())
    (tmp_path / "README.md").write_text((ROOT / "README.md").read_text(encoding="utf-8"))
    assert figures.check(tmp_path) is None
    (board / "report.html").write_text("<p>a newer report</p>")  # the picture is now stale
    assert "run python scripts/readme_figures.py" in figures.check(tmp_path)
    (tmp_path / "README.md").write_text(figures.expected_readme(tmp_path), encoding="utf-8")
    assert figures.check(tmp_path) is None
    report = (board / "report.md").read_text(encoding="utf-8")
    row = figures.first_table(report)[1][2]  # a number of the excerpt changes
    (board / "report.md").write_text(report.replace(row, row.replace("|", "| changed", 1), 1))
    assert figures.check(tmp_path) is not None


def test_the_excerpt_is_the_first_table_after_the_first_section_cut_to_its_top_rows():
    report = "\n".join(
        [
            "# report",
            "| not | this |",
            "| --- | --- |",
            "| x | y |",
            "## Frontiers",
            "Some prose.",
            "### Frontier 1: classifier",
            "| method | FID |",
            "| --- | --- |",
            *(f"| m{i} | {i} |" for i in range(9)),
            "",
            "## Leaderboard",
            "| rank | FID |",
        ]
    )
    block = figures.excerpt(report, "0" * 64, rows=3)
    assert "*Frontier 1: classifier* (top 3 of 9;" in block
    assert "| method | FID |\n| --- | --- |\n| m0 | 0 |\n| m1 | 1 |\n| m2 | 2 |\n\n" in block
    assert "m3" not in block and "not" not in block and "rank" not in block
    assert "(leaderboards/digits-default/report.html)" in block
    with pytest.raises(figures.FigureError, match="no Markdown table"):
        figures.excerpt("# report\n## Nothing here\ntext\n", "0" * 64)


def test_the_excerpt_is_short_and_links_both_reports():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split(figures.START, 1)[1].split(figures.END, 1)[0]
    assert block in first_screen(readme)
    assert len(block.strip().splitlines()) <= 14
    for name in ("report.md", "report.html", "report.png"):
        assert f"(leaderboards/digits-default/{name})" in block


def minutes(text: str, where: str) -> set[int]:
    found = {int(value) for value in MINUTES.findall(text)}
    assert found, f"{where} states no time in minutes"
    return found


def test_one_time_for_the_default_benchmark():
    matrix = (ROOT / "rlgan_bench/default_matrix.toml").read_text(encoding="utf-8")
    header = "\n".join(  # the comment at the top of the file
        line
        for line in matrix.splitlines()[: matrix.splitlines().index("")]
        if line.startswith("#")
    )
    [stated] = minutes(header, "default_matrix.toml's header comment")
    for page, text in [
        ("README.md", first_screen((ROOT / "README.md").read_text(encoding="utf-8"))),
        ("docs/index.md", (ROOT / "docs/index.md").read_text(encoding="utf-8")),
    ]:
        lines = [line for line in text.splitlines() if "default benchmark" in line.lower()]
        timed = minutes("\n".join(lines), f"{page}'s lines about the default benchmark")
        assert timed == {stated}, (
            f"{page} gives the default benchmark {sorted(timed)} minutes, "
            f"rlgan_bench/default_matrix.toml {stated}"
        )


def cli_commands() -> set[str]:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    listing = result.output.split("Commands:", 1)[1]
    return set(re.findall(r"^  (\S+)", listing, re.M))


@pytest.mark.parametrize("page", ["README.md", "docs/index.md"])
def test_the_command_table_lists_every_command(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    if page == "README.md":
        text = first_screen(text)
    listed = set(re.findall(r"^\| `rlgan-bench ([a-z][a-z-]*)", text, re.M))
    commands = cli_commands()
    assert {"run", "audit", "report"} <= commands
    assert listed == commands, (
        f"{page}: missing {sorted(commands - listed)}, not commands {sorted(listed - commands)}"
    )


def test_the_picture_is_a_png_of_the_top_of_the_report():
    path = ROOT / figures.BOARD / "report.png"
    with Image.open(path) as image:
        assert image.format == "PNG"
        width, height = image.size
        image.load()
        colours = image.convert("L").getextrema()
    assert 800 <= width <= 2000 and 400 <= height <= 1600, image.size
    assert colours[1] - colours[0] > 100  # drawn text, not a blank page
