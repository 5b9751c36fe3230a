"""Write a new plugin project from templates (``rlgan-bench new-plugin``).

The project is complete from the start: ``pip install DIR`` works, ``rlgan-bench plugins``
lists it, and its own tests pass, so an author begins from a green test suite and changes one
thing at a time. The templates are the text files in ``rlgan_bench/cli/templates``, with
``{{key}}`` placeholders filled in by plain string replacement (they are Python, TOML and
Markdown, whose own braces must stay untouched).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Literal

from packaging.version import InvalidVersion, Version

from rlgan_bench.core.errors import ConfigError
from rlgan_bench.core.version import __version__
from rlgan_bench.hookspecs import HOOKS_API_VERSION
from rlgan_bench.host import get_host

Kind = Literal["reward", "backbone", "method"]
KINDS: tuple[Kind, ...] = ("reward", "backbone", "method")

#: lowercase words joined by single hyphens, starting with a letter: "symmetry", "my-gan2"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
MAX_NAME_LENGTH = 40

BASE_CLASSES = {
    "reward": "rlgan_bench.api.Reward",
    "backbone": "rlgan_bench.api.Backbone",
    "method": "rlgan_bench.api.Method",
}
#: kind -> (template of the module, template of its tests)
MODULE_TEMPLATES = {
    "reward": ("reward.py.tmpl", "reward_test.py.tmpl"),
    "backbone": ("backbone.py.tmpl", "backbone_test.py.tmpl"),
    "method": ("method.py.tmpl", "method_test.py.tmpl"),
}
#: kind -> the README's first training command with the new component
TRAIN_EXAMPLES = {
    "reward": "rlgan-bench train --reward {name} --steps 1500 --out runs/{name}",
    "backbone": "rlgan-bench train --backbone {name} --steps 1500 --out runs/{name}",
    "method": (
        "rlgan-bench train --reward classifier --method {name} --steps 1500 --out runs/{name}"
    ),
}


@dataclass(frozen=True)
class PluginNames:
    """The names one plugin name turns into, e.g. for ``my-reward``: distribution
    ``rlgan-my-reward``, module ``rlgan_my_reward``, class ``MyReward``."""

    name: str
    dist: str
    module: str
    class_name: str

    @classmethod
    def from_name(cls, name: str) -> PluginNames:
        return cls(
            name=name,
            dist=f"rlgan-{name}",
            module=f"rlgan_{name.replace('-', '_')}",
            class_name="".join(part.capitalize() for part in name.split("-")),
        )


def create_plugin(name: str, kind: Kind, directory: Path) -> Path:
    """Write a ``kind`` plugin project called ``rlgan-<name>`` into ``directory``.

    ``directory`` is the project folder itself (``./rlgan-<name>`` is the natural default); it
    is created, or may exist if empty. Returns it. Raises a one-line :class:`ConfigError` for
    an invalid name or kind, a name an installed plugin already uses, or a folder in the way.
    """
    names = _check_name(name, kind)
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"{directory} is a file; give a folder for the new plugin")
    if directory.is_dir() and any(directory.iterdir()):
        raise ConfigError(f"{directory} already exists and is not empty; choose a new folder")
    _check_unused(names, kind)
    files = _render_project(names, kind)  # all of it before the first write
    for relative, text in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return directory


def _check_name(name: str, kind: str) -> PluginNames:
    """The names for a well-formed ``name`` and ``kind``; a one-line error otherwise."""
    if kind not in KINDS:
        raise ConfigError(f"plugin kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if name.startswith("rlgan-") and len(name) > len("rlgan-"):
        raise ConfigError(
            f"give the plugin name without the rlgan- prefix ({name[len('rlgan-') :]!r}); "
            f"the distribution is called rlgan-NAME"
        )
    if not NAME_PATTERN.fullmatch(name) or len(name) > MAX_NAME_LENGTH:
        raise ConfigError(
            f"plugin name {name!r} is not valid: use lowercase letters, digits and single "
            f"hyphens, start with a letter, at most {MAX_NAME_LENGTH} characters (e.g. my-reward)"
        )
    if name == "bench":
        raise ConfigError("plugin name 'bench' would make a second rlgan-bench; choose another")
    return PluginNames.from_name(name)


def _check_unused(names: PluginNames, kind: str) -> None:
    """A new plugin whose component clashes with an installed one fails its own tests, and
    one whose distribution name is taken would replace that package on install: refuse the
    name now."""

    try:
        found = metadata.distribution(names.dist)
    except metadata.PackageNotFoundError:
        pass
    else:
        raise ConfigError(
            f"a package named {names.dist} {found.version} is already installed; "
            f"choose another name"
        )
    installed = get_host().components(f"{kind}s")
    if names.name in installed:
        provider = installed[names.name].provider
        raise ConfigError(
            f"a {kind} named {names.name!r} is already provided by {provider.name} "
            f"{provider.version}; choose another name"
        )


def _render_project(names: PluginNames, kind: Kind) -> dict[str, str]:
    """Relative path -> file text of the whole project."""

    major = int(HOOKS_API_VERSION.split(".")[0])
    values = {
        "name": names.name,
        "dist": names.dist,
        "module": names.module,
        "class_name": names.class_name,
        "kind": kind,
        "flag": f"--{kind}",
        "hook": f"register_{kind}s",
        "base_class": BASE_CLASSES[kind],
        "train_example": TRAIN_EXAMPLES[kind].format(name=names.name),
        "api_range": f">={major},<{major + 1}",
        "rlgan_requirement": _core_requirement(),
    }
    module_template, test_template = MODULE_TEMPLATES[kind]
    test_file = f"test_{names.name.replace('-', '_')}.py"
    sources = {
        "pyproject.toml": "pyproject.toml.tmpl",
        "README.md": "README.md.tmpl",
        ".gitignore": "gitignore.tmpl",
        f"{names.module}/__init__.py": module_template,
        f"tests/{test_file}": test_template,
    }
    return {path: _render(template, values) for path, template in sources.items()}


def _render(template: str, values: dict[str, str]) -> str:
    text = (resources.files("rlgan_bench.cli") / "templates" / template).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    leftover = re.search(r"\{\{\w+\}\}", text)
    if leftover:  # a template/code mismatch, not a user error
        raise RuntimeError(f"template {template} has an unknown placeholder {leftover.group()}")
    return text


def _core_requirement() -> str:
    """``rlgan-bench>=MAJOR.MINOR`` of the running version (no bound for an unversioned tree)."""

    try:
        release = Version(__version__).release
    except InvalidVersion:
        return "rlgan-bench"
    if release[:2] == (0, 0):
        return "rlgan-bench"
    return f"rlgan-bench>={release[0]}.{release[1] if len(release) > 1 else 0}"
