"""The README's picture and excerpt of the default benchmark's committed leaderboard.

    python scripts/readme_figures.py           # screenshot report.html, rewrite the excerpt
    python scripts/readme_figures.py --check   # exit 1 if the README's excerpt is out of date

The default renders ``leaderboards/digits-default/report.html`` in headless Chromium
(``bash scripts/setup.sh --test`` installs it) into ``report.png`` next to it, cropped to the
top of the page, and writes between the README's ``<!-- leaderboard-excerpt:start -->`` and
``<!-- leaderboard-excerpt:end -->`` markers the first Markdown table after the first ``## ``
heading of ``report.md``, cut to its first rows, with links to both reports and the picture.
Everything comes from the committed files at run time. The excerpt records the sha256 of the
report.html the picture was taken of, so ``--check`` (which needs no browser) also fails when
report.html changed after the last screenshot.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOARD = "leaderboards/digits-default"
START = "<!-- leaderboard-excerpt:start -->"
END = "<!-- leaderboard-excerpt:end -->"
ROWS = 6
WIDTH, HEIGHT = 1200, 900
INSTALL = "bash scripts/setup.sh --test installs it (Debian's chromium package)"


class FigureError(Exception):
    """A problem with the input files, printed as one line."""


def first_table(markdown: str) -> tuple[str, list[str]]:
    """The heading above the first table after the first ``## `` heading, and its lines."""
    lines = markdown.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("## ")), None)
    if start is None:
        raise FigureError("report.md has no '## ' heading")
    heading = lines[start][3:].strip()
    for i in range(start, len(lines)):
        line = lines[i]
        if re.match(r"#{2,6} ", line):
            heading = line.lstrip("#").strip()
        elif line.startswith("|"):
            table = []
            for row in lines[i:]:
                if not row.startswith("|"):
                    break
                table.append(row.rstrip())
            if len(table) < 3 or not re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", table[1]):
                raise FigureError(f"report.md: the table under '{heading}' has no rows")
            return heading, table
    raise FigureError("report.md has no Markdown table after its first '## ' heading")


def excerpt(report_md: str, html_sha256: str, rows: int = ROWS) -> str:
    """The README's block between the markers (markers excluded), ending in a newline."""
    heading, table = first_table(report_md)
    body = table[2:]
    shown = body[:rows]
    count = (
        f"all {len(body)} rows" if len(shown) == len(body) else f"top {len(shown)} of {len(body)}"
    )
    return "\n".join(
        [
            f"<!-- written by scripts/readme_figures.py from {BOARD}/report.md;"
            f" report.png is {BOARD}/report.html sha256 {html_sha256[:12]} -->",
            f"The committed default-benchmark leaderboard, *{heading}* ({count}; every table in"
            f" [report.md]({BOARD}/report.md), the whole page with plots and samples in"
            f" [report.html]({BOARD}/report.html)):",
            "",
            *table[:2],
            *shown,
            "",
            f"[![The top of the default benchmark's HTML report]({BOARD}/report.png)]"
            f"({BOARD}/report.html)",
            "",
        ]
    )


def with_excerpt(readme: str, block: str) -> str:
    """The README with ``block`` between the markers."""
    if (
        readme.count(START) != 1
        or readme.count(END) != 1
        or readme.index(START) > readme.index(END)
    ):
        raise FigureError(f"README.md needs one '{START}' followed by one '{END}'")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{block}{END}{tail}"


def expected_readme(root: Path = ROOT, rows: int = ROWS) -> str:
    """The README as this script would write it now (the picture is not retaken)."""
    board = root / BOARD
    for name in ("report.md", "report.html"):
        if not (board / name).is_file():
            raise FigureError(f"{BOARD}/{name} is missing")
    html_sha256 = hashlib.sha256((board / "report.html").read_bytes()).hexdigest()
    block = excerpt((board / "report.md").read_text(encoding="utf-8"), html_sha256, rows)
    return with_excerpt((root / "README.md").read_text(encoding="utf-8"), block)


def check(root: Path = ROOT, rows: int = ROWS) -> str | None:
    """None when the README's excerpt and report.png are current, else a one-line reason."""
    if expected_readme(root, rows) != (root / "README.md").read_text(encoding="utf-8"):
        return (
            f"README.md's leaderboard excerpt is not what {BOARD}/report.md and report.html"
            " give now: run python scripts/readme_figures.py"
        )
    if not (root / BOARD / "report.png").is_file():
        return f"{BOARD}/report.png is missing: run python scripts/readme_figures.py"
    return None


#: headless Chromium with no first-run work, network or GPU (tests/report/test_report_browser.py
#: drives it with the same flags)
HEADLESS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)


def chromium_command(chromium: str, page: Path, profile: Path, *args: str) -> list[str]:
    """The command that opens ``page`` headless, with its own ``profile`` folder."""
    return [chromium, *HEADLESS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()]


def find_chromium() -> str | None:
    """Debian's ``chromium`` (or ``chromium-browser``) on the PATH."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def screenshot(chromium: str, page: Path, png: Path, width: int, height: int) -> None:
    """The top ``width`` x ``height`` pixels of ``page`` as drawn by headless Chromium."""
    with tempfile.TemporaryDirectory() as scratch:
        shot = Path(scratch) / "shot.png"
        command = chromium_command(
            chromium,
            page,
            Path(scratch) / "profile",
            "--force-device-scale-factor=1",
            f"--window-size={width},{height}",
            f"--screenshot={shot}",
        )
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0 or not shot.is_file():
            tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise FigureError(f"chromium could not screenshot {page}: {tail}")
        shutil.move(shot, png)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check the README excerpt")
    parser.add_argument("--rows", type=int, default=ROWS, help="table rows in the excerpt")
    parser.add_argument("--width", type=int, default=WIDTH)
    parser.add_argument("--height", type=int, default=HEIGHT)
    args = parser.parse_args(argv)
    try:
        if args.check:
            problem = check(ROOT, args.rows)
            if problem:
                print(problem, file=sys.stderr)
                return 1
            return 0
        chromium = find_chromium()
        if chromium is None:
            print(f"chromium is not installed: {INSTALL}", file=sys.stderr)
            return 1
        readme = expected_readme(ROOT, args.rows)  # fails before the screenshot on bad input
        png = ROOT / BOARD / "report.png"
        screenshot(chromium, ROOT / BOARD / "report.html", png, args.width, args.height)
        (ROOT / "README.md").write_text(readme, encoding="utf-8")
        print(f"wrote {png.relative_to(ROOT)} ({args.width}x{args.height}) and README.md's excerpt")
        return 0
    except (FigureError, subprocess.TimeoutExpired) as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
