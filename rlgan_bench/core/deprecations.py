"""The import paths of rlgan-bench 0.1 and where their names live since 0.2: one table, read by
the deprecated modules at the old paths and by ``rlgan-bench plugins`` when a plugin fails on
an old import.

0.2 moved everything a plugin imports into :mod:`rlgan_bench.api` (and, for a plugin's tests,
the names of :mod:`rlgan_bench`). The modules the 0.1 plugin guides, scaffold and example
plugins imported (:data:`SHIMS`) still exist at their old paths as thin shims: each name is
looked up here when it is used, returned from its new home, and a
:class:`RlganBenchDeprecationWarning` names the import that replaces it. The other 0.1 modules
are gone; :func:`import_hint` turns a plugin's failed import of one of them into the one line
``rlgan-bench plugins`` shows. All of it goes in 0.3.

Only strings here (no import of the layers above ``core``): the targets are imported when a
deprecated name is used.
"""

from __future__ import annotations

import ast
import importlib
import linecache
import os
import re
import sys
import types
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEPRECATED_IN = "0.2"
REMOVED_IN = "0.3"
#: the modules whose names are the public API (docs/plugin-api.md); other targets are internal
PUBLIC_MODULES = ("rlgan_bench.api", "rlgan_bench")


class RlganBenchDeprecationWarning(DeprecationWarning):
    """A plugin used an import path of rlgan-bench 0.1 that is removed in 0.3."""


def _in(module: str, *names: str) -> dict[str, str]:
    """``{name: "module:name"}`` for names that kept their name in their new home."""
    return {name: f"{module}:{name}" for name in names}


API = "rlgan_bench.api"

#: Old module -> {old name -> ``"new.module:new_name"``}, for the 0.1 modules that have a shim
#: at their old path (rlgan_bench/backbones.py, ...): those the 0.1 plugin guides, the scaffold
#: and the example plugins imported, in plugin code and in plugins' tests.
SHIMS: dict[str, dict[str, str]] = {
    "rlgan_bench.backbones": _in(API, "Backbone", "ModelShape"),
    "rlgan_bench.rewards": _in(API, "Reward", "checked_scores"),
    "rlgan_bench.errors": _in(API, "RlganError", "ConfigError", "PluginError", "MissingFileError"),
    "rlgan_bench.audits": {
        **_in(API, "Audit"),
        **_in("rlgan_bench.evaluation.audit_lookup", "applicable", "audits_for", "instance"),
        "gauge": "rlgan_bench.evaluation:gauge",
        "training": "rlgan_bench.training:training_audit",
    },
    "rlgan_bench.data": _in(
        API, "DatasetSpec", "ImageData", "resize_and_match_channels", "to_float", "to_uint8"
    ),
    "rlgan_bench.data.digits": {
        **_in(API, "load_digits", "is_digit_dataset"),
        "CLASS_NAMES": f"{API}:DIGIT_CLASS_NAMES",
        **_in(
            "rlgan_bench.shared.digits", "SPLIT_SEED", "N_TRAIN", "N_REWARD_NET", "split_indices"
        ),
        "DIGITS": "rlgan_bench.builtins.datasets.digits:DIGITS",
    },
    "rlgan_bench.metrics": _in(
        API,
        "COMPARISON_FIELDS",
        "Entry",
        "EvalContext",
        "MetricSpec",
        "comparison_key",
        "ok",
        "skipped",
        "unavailable",
    ),
    "rlgan_bench.metrics.defaults": {
        **_in(API, "EVAL_DEFAULTS", "EXTRACTOR_CHOICES", "CLIP_MODEL_CHOICES"),
        "resolve": "rlgan_bench.core.defaults:resolve",
    },
    "rlgan_bench.metrics.report": _in(
        "rlgan_bench.cli.printing",
        "eval_table",
        "histogram_lines",
        "print_eval",
        "print_weights",
        "audit_table",
        "print_audits",
    ),
    "rlgan_bench.config": {
        "TrainConfig": "rlgan_bench:TrainConfig",
        **_in("rlgan_bench.core.config", "KEEP_BEST", "LATER_DEFAULTS"),
    },
    "rlgan_bench.plugins": {
        **_in("rlgan_bench", "PluginHost", "get_host"),
        **_in(
            "rlgan_bench.host",
            "reset_host",
            "Provider",
            "Component",
            "ENTRY_POINT_GROUP",
            "DISABLE_ENV_VAR",
            "BUILTIN_PLUGINS",
            "KINDS",
        ),
    },
    "rlgan_bench.train": {
        "Trainer": "rlgan_bench:Trainer",
        "RunContext": "rlgan_bench.training.context:RunContext",
        "TrainingDiverged": "rlgan_bench.training.callbacks.metrics_log:TrainingDiverged",
        **_in("rlgan_bench.training.trainer", "RewardSchedule", "GRID_SAMPLES"),
        **_in("rlgan_bench.core.runtime", "resolve_device", "seed_everything", "environment"),
    },
    "rlgan_bench.evaluate": {
        **_in("rlgan_bench", "evaluate", "load_run"),
        **_in(
            "rlgan_bench.evaluation.evaluate",
            "LoadedRun",
            "EVAL_FILE",
            "generate",
            "parse_metrics",
            "score",
            "score_samples",
            "save_pngs",
        ),
    },
}

_DCGAN_NETS = {
    "Generator": f"{API}:DCGANGenerator",
    "Discriminator": f"{API}:DCGANDiscriminator",
    "init_weights": f"{API}:dcgan_init_weights",
}
_DIGIT_NETS = _in(
    API, "DigitNet", "load_reward_classifier", "load_plain_classifier", "load_eval_net"
)
_POLICY = _in(API, "GaussianPolicyMode", "perturbation", "log_prob", "pixels", "group_advantages")

#: Module -> {old name -> new name}: names renamed in a module that stays (its old name still
#: works, with a deprecation warning, until 0.3).
RENAMED_NAMES: dict[str, dict[str, str]] = {
    API: {"RewardMode": "Method"},  # one concept, one name: a method is not a "mode"
}

#: Old module -> {old name -> ``"new.module:new_name"``} for the other 0.1 modules: no shim,
#: but a plugin that imports one is told where its names went.
MOVED: dict[str, dict[str, str]] = {
    "rlgan_bench.backbones.base": _in(API, "Backbone", "ModelShape"),
    "rlgan_bench.backbones.dcgan": {
        **_DCGAN_NETS,
        "DCGAN": "rlgan_bench.builtins.backbones.dcgan:DCGAN",
    },
    "rlgan_bench.backbones.wgan": _in("rlgan_bench.builtins.backbones.wgan", "WGAN"),
    "rlgan_bench.backbones.wgan_gp": _in(
        "rlgan_bench.builtins.backbones.wgan_gp", "WGANGP", "gradient_penalty"
    ),
    "rlgan_bench.rewards.base": _in(API, "Reward", "checked_scores"),
    "rlgan_bench.audits._nets": _in(API, "batched", "cached_clip_scorer", "cached_eval_net"),
    "rlgan_bench.metrics.clip_score": {
        **_in(API, "ClipScorer"),
        "load_scorer": f"{API}:load_clip_scorer",
        "score_images": f"{API}:score_images_with_clip",
        "DEFINITION": f"{API}:CLIP_SCORE_DEFINITION",
    },
    "rlgan_bench.models": _DIGIT_NETS,
    "rlgan_bench.models.digit_nets": _DIGIT_NETS,
    "rlgan_bench.modes": {"RewardMode": f"{API}:Method"},
    "rlgan_bench.modes.base": {"RewardMode": f"{API}:Method"},
    "rlgan_bench.modes.policy": _POLICY,
    "rlgan_bench.params": {
        **_in(API, "resolve_params"),
        **_in("rlgan_bench.core.params", "coerce", "describe"),
    },
    "rlgan_bench.weights": _in(API, "WeightsUnavailable"),
    "rlgan_bench.samples": {
        **_in(API, "generate_in_eval_mode", "grid_image"),
        **_in("rlgan_bench.core.grids", "save_grid", "save_images_grid"),
    },
    # still a module, but its 0.1 names moved into rlgan_bench.matrix.spec
    "rlgan_bench.matrix": _in(
        "rlgan_bench.matrix.spec",
        "default_matrix_path",
        "load_toml",
        "build_matrix",
        "Matrix",
        "Cell",
        "EvalSettings",
    ),
}

#: Old module -> its new home, for ``import old.module`` (and for names the tables lack):
#: ``"package:module"`` reads ``from package import module``, a plain path ``import path``.
HOMES: dict[str, str] = {
    "rlgan_bench.audits.gauge": "rlgan_bench.evaluation:gauge",
    "rlgan_bench.audits.training": "rlgan_bench.training:training_audit",
    "rlgan_bench.weights": f"{API}:weights",
    "rlgan_bench.atomic": "rlgan_bench.core:atomic",
    "rlgan_bench.checkpoint": "rlgan_bench.core:checkpoint",
    "rlgan_bench.progress": "rlgan_bench.training:progress",
    "rlgan_bench.runner": "rlgan_bench.matrix:runner",
    "rlgan_bench.ray_executor": "rlgan_bench.matrix.executors:ray",
    "rlgan_bench.commands_eval": "rlgan_bench.cli:eval",
    "rlgan_bench.commands_report": "rlgan_bench.cli:report",
    "rlgan_bench.commands_run": "rlgan_bench.cli:run",
    "rlgan_bench.scaffold": "rlgan_bench.cli:scaffold",
    "rlgan_bench.models.digits_clip": "rlgan_bench.shared.nets:digits_clip",
    "rlgan_bench.data.torchvision_sets": "rlgan_bench.builtins.datasets:torchvision_sets",
    "rlgan_bench.metrics.builtin": "rlgan_bench.builtins.metrics:specs",
    # the class histogram is the evaluation's own, not a metric plugin's
    "rlgan_bench.metrics.classes": "rlgan_bench.evaluation:class_histogram",
    **{
        f"rlgan_bench.metrics.{name}": f"rlgan_bench.builtins.metrics:{name}"
        for name in ("extractors", "fidelity")
    },
    **{
        f"rlgan_bench.rewards.{name}": f"rlgan_bench.builtins.rewards:{name}"
        for name in ("brightness", "classifier", "clip_text", "diversity", "jpeg")
    },
    **{
        f"rlgan_bench.audits.{name}": f"rlgan_bench.builtins.audits:{name}"
        for name in ("classifier", "clip", "diversity", "jpeg")
    },
    **{
        f"rlgan_bench.modes.{name}": f"rlgan_bench.builtins.methods:{name}"
        for name in ("backprop", "critic", "ppo", "reinforce")
    },
}

_METHODS_HOOK = (
    "methods register through the `register_methods` hook; look one up with "
    '`host.get("methods", name).obj` (`rlgan_bench.api.Method` is their base class)'
)
#: Old module -> {old name -> what replaces it}: the 0.1 names with no equivalent to import.
REMOVED: dict[str, dict[str, str]] = {
    "rlgan_bench.modes": {"MODES": _METHODS_HOOK, "get_mode": _METHODS_HOOK},
    "rlgan_bench.modes.base": {
        "MODES": _METHODS_HOOK,
        "get_mode": _METHODS_HOOK,
        "register_mode": _METHODS_HOOK,
    },
    "rlgan_bench.metrics.defaults": {
        "FIDELITY_FLAGS": "nothing: the built-in torch-fidelity metric keeps its own names",
    },
    "rlgan_bench.data.digits": {
        "register_datasets": (
            "nothing: the built-in `digits` dataset registers itself (`--dataset digits`; "
            "`from rlgan_bench.api import load_digits` loads it)"
        ),
    },
}


# -- the shims ----------------------------------------------------------------------------------
#: importer module -> the (shim, name) it used, in order (what ``rlgan-bench plugins`` shows)
_used: dict[str, dict[tuple[str, str], None]] = {}


def _resolve(target: str) -> Any:
    module_name, _, name = target.partition(":")
    module = importlib.import_module(module_name)
    try:
        found = getattr(module, name)
    except AttributeError:  # a submodule not imported yet (rlgan_bench.evaluation:gauge)
        return importlib.import_module(f"{module_name}.{name}")
    # rlgan_bench.train and .evaluate: the package's function, not the shim of that name
    return getattr(found, "__wrapped__", found) if isinstance(found, types.ModuleType) else found


def _grouped(pairs: list[tuple[str, str]]) -> str:
    """`from m import a, b` per new module, in order, and a note when one of them is internal."""
    by_module: dict[str, list[str]] = {}
    for old_name, target in pairs:
        module, _, name = target.partition(":")
        alias = f" as {old_name}" if old_name != name else ""
        by_module.setdefault(module, []).append(f"{name}{alias}")
    text = " and ".join(f"`from {m} import {', '.join(names)}`" for m, names in by_module.items())
    if any(module not in PUBLIC_MODULES for module in by_module):
        text += " (internal: not part of the API, it may move without notice)"
    return text


def message(old_module: str, names: list[str]) -> str:
    """The deprecation warning of the shim ``old_module``'s ``names`` (or of names renamed in
    a module that stays, :data:`RENAMED_NAMES`)."""
    if old_module in RENAMED_NAMES:
        new_names = RENAMED_NAMES[old_module]
        use = _grouped([(new_names[name], f"{old_module}:{new_names[name]}") for name in names])
        return (
            f"{', '.join(f'{old_module}.{name}' for name in names)} is deprecated since "
            f"{DEPRECATED_IN} (renamed); use {use}; the old name will be removed in {REMOVED_IN}"
        )
    use = _grouped([(name, SHIMS[old_module][name]) for name in names])
    return (
        f"{old_module} is deprecated since {DEPRECATED_IN}; use {use}; it will be removed in "
        f"{REMOVED_IN}"
    )


def _warn_use(old_module: str, name: str) -> None:
    """Record and warn about a use of a deprecated name, at the line of the caller's import
    (or use): three frames up, past here and the module's ``__getattr__``."""
    caller = sys._getframe(3)
    filename = caller.f_code.co_filename  # importlib's own frames, as `warnings` tells them
    if not ("importlib" in filename and "_bootstrap" in filename):
        # (importlib's hasattr probe of `from package import name` is not a use: the
        # import statement's own lookup follows, from the importer's frame)
        _used.setdefault(str(caller.f_globals.get("__name__")), {})[old_module, name] = None
        warnings.warn(message(old_module, [name]), RlganBenchDeprecationWarning, stacklevel=4)


def renamed_getattr(module: str, name: str) -> Any:
    """The ``__getattr__`` of a module that renamed names (:data:`RENAMED_NAMES`): the object
    under its new name, with a deprecation warning naming it."""
    new_names = RENAMED_NAMES[module]
    if name in new_names:
        _warn_use(module, name)
        return getattr(sys.modules[module], new_names[name])
    raise AttributeError(f"module {module!r} has no attribute {name!r}")


def shim_getattr(old_module: str, name: str) -> Any:
    """A shim module's ``__getattr__``: the new home's object, with a deprecation warning that
    points at the line of the caller's import (or use)."""
    names = SHIMS[old_module]
    if name == "__all__":  # `from old import *` imports (and warns about) every old name
        return list(names)
    if name in names:
        _warn_use(old_module, name)
        return _resolve(names[name])
    if name in REMOVED.get(old_module, {}):
        raise ImportError(
            f"cannot import name {name!r} from {old_module!r}: removed in {DEPRECATED_IN}; "
            f"what replaces it: {REMOVED[old_module][name]}",
            name=old_module,
        )
    raise AttributeError(f"module {old_module!r} has no attribute {name!r}")


def shim_dir(old_module: str) -> list[str]:
    return sorted(set(vars(sys.modules[old_module])) | set(SHIMS[old_module]))


def keep_callable(old_module: str, target: str) -> None:
    """Keep ``rlgan_bench.<name>(...)`` working after the shim at ``rlgan_bench/<name>.py`` is
    imported: importing a submodule sets the package's attribute of that name to the module,
    which would hide the package's function of the same name (``rlgan_bench.train`` and
    ``rlgan_bench.evaluate``). The module becomes callable as that function."""
    function: Callable[..., Any] = _resolve(target)
    module = sys.modules[old_module]

    class CallableShim(types.ModuleType):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return function(*args, **kwargs)

    module.__class__ = CallableShim
    module.__wrapped__ = function  # type: ignore[attr-defined]  # its signature; _resolve


def used_by(package: str) -> list[str]:
    """The deprecation warnings of the 0.1 paths that modules of ``package`` (a top-level
    package or module name) have used in this process: one per old module, in order."""
    names: dict[str, dict[str, None]] = {}
    for importer, used in _used.items():
        if importer == package or importer.startswith(f"{package}."):
            for old_module, name in used:
                names.setdefault(old_module, {})[name] = None
    notes = [
        note
        for module, found in _notes.items()
        if module == package or module.startswith(f"{package}.")
        for note in found
    ]
    return [message(old_module, list(found)) for old_module, found in names.items()] + notes


# -- renamed names that are not import paths: flags, keys, class attributes ----------------------
#: module -> the deprecations its classes declared (a reward's ``default_mode``), in order
_notes: dict[str, dict[str, None]] = {}


def renamed(old: str, new: str) -> str:
    """The message of a name renamed in 0.2 (a flag, a configuration key, an attribute)."""
    return (
        f"{old} is deprecated since {DEPRECATED_IN}; use {new}; it will be removed in {REMOVED_IN}"
    )


def warn(text: str, stacklevel: int = 1) -> None:
    """A :class:`RlganBenchDeprecationWarning` ``text``, attributed ``stacklevel`` frames above
    the caller (1: the caller's own line). The command line prints each as one line."""
    warnings.warn(text, RlganBenchDeprecationWarning, stacklevel=stacklevel + 1)


def warn_class(cls: type, text: str, stacklevel: int = 1) -> None:
    """A class of a plugin uses a deprecated name: warn at its ``class`` statement (called from
    ``__init_subclass__``; ``stacklevel`` 2 from a helper it calls) and list ``text`` among
    the warnings ``rlgan-bench plugins`` shows for the plugin (which loads plugins with them
    silenced)."""
    _notes.setdefault(cls.__module__, {})[text] = None
    warnings.warn(text, RlganBenchDeprecationWarning, stacklevel=stacklevel + 2)


# -- hints for plugins that fail on an old import -----------------------------------------------
def _old_names(module: str) -> dict[str, str]:
    return SHIMS.get(module) or MOVED.get(module) or {}


def _known(module: str) -> bool:
    return module in SHIMS or module in MOVED or module in HOMES or module in REMOVED


def _replacement(module: str, names: list[str]) -> str:
    """What replaces ``from module import names`` (``import module`` when ``names`` is empty)."""
    table, removed, home = _old_names(module), REMOVED.get(module, {}), HOMES.get(module)
    wanted = names or list(table)
    pairs = [(name, table[name]) for name in wanted if name in table]
    rest = [name for name in wanted if name not in table and name not in removed]
    notes = [f"{name}: {removed[name]}" for name in wanted if name in removed]
    if home and (rest or not names):
        package, _, child = home.partition(":")
        if not names or package == API:  # the module itself (the API exports `weights`)
            pairs.append((child, home))
            notes += [f"{name} is `{child}.{name}`" for name in rest]
        else:
            pairs += [(name, f"{package}.{child}:{name}") for name in rest]
    elif rest and not pairs:
        notes.append("the plugin API is `rlgan_bench.api` (docs/plugin-api.md)")
    return "; ".join(([f"use {_grouped(pairs)}"] if pairs else []) + notes)


def _failing_import(exc: BaseException) -> tuple[ast.Import | ast.ImportFrom | None, str]:
    """The import statement whose execution raised ``exc`` (the innermost frame outside
    importlib and rlgan-bench), and where it is (``package/file.py:line``)."""
    own = str(Path(__file__).parents[1]) + os.sep
    frame_file, line = "", 0
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.startswith("<") and not filename.startswith(own):
            frame_file, line = filename, tb.tb_lineno
        tb = tb.tb_next
    if not frame_file:
        return None, ""
    where = f"{'/'.join(Path(frame_file).parts[-2:])}:{line}"
    try:
        tree = ast.parse("".join(linecache.getlines(frame_file)))
    except (SyntaxError, ValueError):
        return None, where
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if node.lineno <= line <= (node.end_lineno or node.lineno):
            return node, where
    return None, where


def import_hint(exc: BaseException, version: str) -> str | None:
    """One line for a plugin whose import raised ``exc``: which rlgan_bench import to change
    and to what, or None when the error is not about an rlgan_bench module."""
    missing = getattr(exc, "name", None) or ""
    if not isinstance(exc, ImportError) or not missing.startswith("rlgan_bench"):
        return None
    statement, where = _failing_import(exc)
    at = f" ({where})" if where else ""
    unknown = f"the plugin API is `rlgan_bench.api` (docs/plugin-api.md){at}"
    if isinstance(exc, ModuleNotFoundError):  # a module of 0.1 that is gone
        module, names = missing, []
        if isinstance(statement, ast.ImportFrom) and _within(statement.module or "", missing):
            module = statement.module or missing
            names = [alias.name for alias in statement.names if alias.name != "*"]
        elif isinstance(statement, ast.Import):
            module = next((a.name for a in statement.names if _within(a.name, missing)), missing)
        if not _known(module):
            module, names = missing, []
        if not _known(module):
            return f"imports {module}, which rlgan-bench {version} does not have; {unknown}"
        return f"imports {module}, removed in {DEPRECATED_IN}: {_replacement(module, names)}{at}"
    match = re.search(r"cannot import name '(\w+)'", str(exc))
    if not match:
        return None
    module, name = missing, match.group(1)
    if _known(f"{module}.{name}"):  # `from rlgan_bench import modes`
        old = f"{module}.{name}"
        return f"imports {old}, removed in {DEPRECATED_IN}: {_replacement(old, [])}{at}"
    if name in REMOVED.get(module, {}):
        return (
            f"imports {name} from {module}, removed in {DEPRECATED_IN}: {REMOVED[module][name]}{at}"
        )
    if name in MOVED.get(module, {}):  # the module is still there, the name moved
        return f"imports {name} from {module}, moved in {DEPRECATED_IN}: {_replacement(module, [name])}{at}"
    return f"imports {name} from {module}, which rlgan-bench {version} does not have; {unknown}"


def _within(module: str, parent: str) -> bool:
    return module == parent or module.startswith(f"{parent}.")
