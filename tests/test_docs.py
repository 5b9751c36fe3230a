"""The documentation site builds with `mkdocs build --strict` (broken links, missing anchors and
nav entries are errors), and every page in the nav exists."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[1]


def nav_pages(entries) -> list[str]:
    """The page paths of a mkdocs nav (a list of strings and {title: page or list} items)."""
    pages: list[str] = []
    for entry in entries:
        values = entry.values() if isinstance(entry, dict) else [entry]
        for value in values:
            if isinstance(value, list):
                pages += nav_pages(value)
            elif "://" not in value:  # external links are not pages
                pages.append(value)
    return pages


def test_every_nav_page_exists():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    docs = ROOT / config.get("docs_dir", "docs")
    pages = nav_pages(config["nav"])
    assert "index.md" in pages
    missing = [page for page in pages if not (docs / page).is_file()]
    assert not missing, f"pages in the nav of mkdocs.yml that do not exist: {missing}"


@pytest.mark.slow
def test_mkdocs_build_strict(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert (tmp_path / "site" / "index.html").is_file()
