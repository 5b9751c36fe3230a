"""One documented public API (docs/plugin-api.md), and everything a plugin author copies from
uses only it: the example plugins, the `new-plugin` scaffold, the plugin guides' code and the
built-in plugins."""

import ast
import importlib
import re
from pathlib import Path

import pytest

import rlgan_bench
import rlgan_bench.api as api
import rlgan_bench.testing as testing
from rlgan_bench.cli.scaffold import _check_name, _render_project

ROOT = Path(__file__).parents[1]
PUBLIC = {
    "rlgan_bench.api": set(api.__all__),
    "rlgan_bench": set(rlgan_bench.__all__),
    "rlgan_bench.testing": set(testing.__all__),
}
#: what a plugin's tests may import besides the plugin API: runs, and the conformance kit
TEST_IMPORTS = ("rlgan_bench.api", "rlgan_bench", "rlgan_bench.testing")


def documented(heading: str) -> set[str]:
    """The names in the table under ``## `heading` `` of docs/plugin-api.md."""
    text = (ROOT / "docs" / "plugin-api.md").read_text()
    section = text.split(f"## `{heading}`", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`(\w+)`", line.split("|")[1]))
    return names


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_the_documented_list_is_the_modules_all(module):
    assert documented(module) == PUBLIC[module]
    for name in PUBLIC[module]:
        assert hasattr(importlib.import_module(module), name), name


def rlgan_imports(source: str, where: str) -> list[tuple[str, str]]:
    """(module, name) of every import from rlgan_bench in Python source."""
    found = []
    for node in ast.walk(ast.parse(source, where)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rlgan_bench"):
            found += [(node.module or "", alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(a.name, "") for a in node.names if a.name.startswith("rlgan_bench")]
    return found


def assert_public(source: str, where: str, allowed: tuple[str, ...]) -> int:
    imports = rlgan_imports(source, where)
    for module, name in imports:
        assert module in allowed, f"{where} imports {module} (allowed: {', '.join(allowed)})"
        assert name in PUBLIC[module], f"{where} imports {name} from {module}: not public"
    return len(imports)


def plugin_sources():
    for project in sorted((ROOT / "plugins").iterdir()):
        for path in sorted(project.rglob("*.py")):
            if "build" not in path.parts:
                yield path


@pytest.mark.parametrize("path", list(plugin_sources()), ids=lambda p: str(p.relative_to(ROOT)))
def test_example_plugins_use_only_the_public_api(path):
    # plugin code: only the plugin API; its tests may also drive runs and use the kit
    allowed = TEST_IMPORTS if "tests" in path.parts else ("rlgan_bench.api",)
    assert_public(path.read_text(), str(path), allowed)


@pytest.mark.parametrize("kind", ["reward", "backbone", "method"])
def test_the_scaffold_uses_only_the_public_api(kind):
    files = _render_project(_check_name("glow", kind), kind)  # type: ignore[arg-type]
    count = 0
    for name, text in files.items():
        if name.endswith(".py"):
            allowed = TEST_IMPORTS if "test" in name else ("rlgan_bench.api",)
            count += assert_public(text, name, allowed)
    assert count > 0


GUIDES = [
    "writing-a-reward-plugin.md",
    "writing-a-backbone-plugin.md",
    "writing-a-method-plugin.md",
    "publishing-a-plugin.md",
    "testing-plugins.md",
]


@pytest.mark.parametrize("guide", GUIDES)
def test_plugin_guides_use_only_the_public_api(guide):
    text = (ROOT / "docs" / guide).read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    count = sum(
        assert_public(block, f"{guide} block {i}", TEST_IMPORTS) for i, block in enumerate(blocks)
    )
    assert count > 0 or guide == "publishing-a-plugin.md"


def test_builtins_import_only_the_plugin_api():
    """As import-linter's contract says, seen from the files: a built-in imports rlgan_bench.api
    and, within rlgan_bench.builtins, its own helpers."""
    for path in sorted((ROOT / "rlgan_bench" / "builtins").rglob("*.py")):
        for module, _ in rlgan_imports(path.read_text(), str(path)):
            assert module == "rlgan_bench.api" or module.startswith("rlgan_bench.builtins"), (
                f"{path.relative_to(ROOT)} imports {module}"
            )
