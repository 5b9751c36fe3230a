"""The frontier charts of a published leaderboard as standalone SVG files for the docs.

    python scripts/protocol_figures.py leaderboards/digits-default docs/protocol

Reads the report.html `rlgan-bench report` wrote (its charts carry their colours inline) and
writes each chart of its frontier section as OUT/<leaderboard>-<n>.svg; prints the files. The
page's stylesheet gives the charts their font (11 px sans-serif, which the charts' text widths
are measured for); a standalone file carries it on its root, or viewers fall back to a larger
serif and labels overlap.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

SVG = re.compile(r"<svg class=\"plot frontier[^\"]*\".*?</svg>", re.S)
#: what the page's ``svg.plot`` rule sets (report/templates/style.css.j2)
FONT = 'font-family="system-ui, -apple-system, DejaVu Sans, sans-serif" font-size="11"'


def extract(leaderboard: Path, out: Path) -> list[Path]:
    page = (leaderboard / "report.html").read_text(encoding="utf-8")
    if '<section id="frontier">' not in page:
        raise SystemExit(f"{leaderboard}/report.html has no frontier section")
    section = page.split('<section id="frontier">', 1)[1].split("</section>", 1)[0]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for index, chart in enumerate(SVG.findall(section), 1):
        standalone = chart.replace("<svg ", f'<svg xmlns="http://www.w3.org/2000/svg" {FONT} ', 1)
        path = out / f"{leaderboard.name}-{index}.svg"
        path.write_text(standalone + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    for path in extract(Path(sys.argv[1]), Path(sys.argv[2])):
        print(path)
