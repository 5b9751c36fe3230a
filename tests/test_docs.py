"""The documentation site builds with `mkdocs build --strict` (broken links, missing anchors and
nav entries are errors), every page in the nav exists, and the method guide's code, followed as
the guide says, passes its own tests."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import pip_install_target, run_pytest

from rlgan_bench.cli.scaffold import create_plugin

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


@pytest.mark.slow
def test_the_method_guides_package_passes_its_own_tests(tmp_path):
    """docs/writing-a-method-plugin.md, followed: `new-plugin own-best --kind method`, the
    guide's module and tests written over the scaffold's, installed with pip and tested."""
    text = (ROOT / "docs" / "writing-a-method-plugin.md").read_text(encoding="utf-8")
    module, tests = re.findall(r"```python\n(.*?)```", text, re.S)
    project = create_plugin("own-best", "method", tmp_path / "rlgan-own-best")
    (project / "rlgan_own_best" / "__init__.py").write_text(module, encoding="utf-8")
    (project / "tests" / "test_own_best.py").write_text(tests, encoding="utf-8")
    pip_install_target(project, tmp_path / "site")
    result = run_pytest([project / "tests"], tmp_path / "site", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    claimed = re.search(r"pytest rlgan-own-best +# (\d+) passed\n```\n\n## 4", text)
    assert claimed and re.search(rf"\b{claimed.group(1)} passed", result.stdout), result.stdout
