"""Plugins written for rlgan-bench 0.1 keep working in 0.2: the 0.1 import paths are shims that
return the names from their new homes with a DeprecationWarning naming the new import, and a
plugin that imports a module or name that is gone is listed by ``rlgan-bench plugins`` with
the import to change (rlgan_bench/core/deprecations.py holds the one table of both)."""

import importlib
import inspect
import json
import shutil
import sys
import warnings

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, plugin_on_path, run_pytest, tiny_config

import rlgan_bench
from rlgan_bench import workflows
from rlgan_bench.cli import cli
from rlgan_bench.core import deprecations
from rlgan_bench.core.deprecations import HOMES, MOVED, REMOVED, SHIMS
from rlgan_bench.host import PluginHost, reset_host
from rlgan_bench.training.trainer import Trainer

LEGACY = "rlgan-legacy-v01"
#: the warnings `plugins` shows for the 0.1 plugin: its three 0.1 modules of plugin code
LEGACY_WARNINGS = [
    "rlgan_bench.errors is deprecated since 0.2; use `from rlgan_bench.api import "
    "ConfigError`; it will be removed in 0.3",
    "rlgan_bench.rewards is deprecated since 0.2; use `from rlgan_bench.api import Reward`; it "
    "will be removed in 0.3",
    "rlgan_bench.backbones is deprecated since 0.2; use `from rlgan_bench.api import Backbone, "
    "ModelShape`; it will be removed in 0.3",
    # and the 0.1 name of its reward's default method
    "reward 'ink-v01': default_mode is deprecated since 0.2; use default_method; it will be "
    "removed in 0.3",
]


# -- the table and the shims -------------------------------------------------------------------
def test_every_new_home_in_the_table_exists():
    for table in (SHIMS, MOVED):
        for old_module, names in table.items():
            for name, target in names.items():
                assert deprecations._resolve(target) is not None, f"{old_module}.{name}"
    for old_module, home in HOMES.items():
        assert deprecations._resolve(home) is not None, old_module
    for old_module, names in REMOVED.items():
        assert old_module in SHIMS or old_module in MOVED
        assert not set(names) & set(SHIMS.get(old_module, {}))


@pytest.mark.parametrize("old_module", sorted(SHIMS))
def test_each_shim_sits_at_its_old_path_and_says_so(old_module):
    module = importlib.import_module(old_module)
    assert module.__doc__.startswith("Deprecated 0.1 import path; removed in 0.3")
    assert set(SHIMS[old_module]) <= set(dir(module))


def test_the_plugin_guides_imports_warn_at_the_plugins_import_line():
    with pytest.warns(DeprecationWarning) as caught:
        from rlgan_bench.backbones import Backbone, ModelShape  # the 0.1 backbone guide
        from rlgan_bench.errors import ConfigError  # the 0.1 reward guide
        from rlgan_bench.rewards import Reward
    line = inspect.currentframe().f_lineno - 3
    assert [(w.filename, w.lineno) for w in caught] == [(__file__, line)] * 2 + [
        (__file__, line + 1),
        (__file__, line + 2),
    ]
    assert str(caught[0].message) == (
        "rlgan_bench.backbones is deprecated since 0.2; use `from rlgan_bench.api import "
        "Backbone`; it will be removed in 0.3"
    )
    assert all(issubclass(w.category, deprecations.RlganBenchDeprecationWarning) for w in caught)
    api = importlib.import_module("rlgan_bench.api")
    assert (Backbone, ModelShape, ConfigError, Reward) == (
        api.Backbone,
        api.ModelShape,
        api.ConfigError,
        api.Reward,
    )


@pytest.mark.parametrize(
    "old_module,name", [(module, name) for module in sorted(SHIMS) for name in SHIMS[module]]
)
def test_every_old_name_still_imports_and_names_its_new_import(old_module, name):
    new_module, _, new_name = SHIMS[old_module][name].partition(":")
    statement = f"from {new_module} import {new_name}" + (f" as {name}" if name != new_name else "")
    code = compile(f"from {old_module} import {name}", "plugin_of_0_1.py", "exec")
    namespace = {"__name__": "plugin_of_0_1"}
    with pytest.warns(DeprecationWarning, match=f"`{statement}`") as caught:
        exec(code, namespace)
    assert len(caught) == 1 and caught[0].filename == "plugin_of_0_1.py"
    assert f"{old_module} is deprecated since 0.2" in str(caught[0].message)
    assert namespace[name] is deprecations._resolve(SHIMS[old_module][name])


def test_a_package_shims_name_warns_once_per_import():
    with pytest.warns(DeprecationWarning) as caught:
        from rlgan_bench.data import DatasetSpec  # noqa: F401  (a package: importlib probes it)
    assert len(caught) == 1


def test_old_names_without_an_equivalent_say_what_replaces_them():
    with pytest.raises(ImportError, match="removed in 0.2; what replaces it: nothing"):
        from rlgan_bench.metrics.defaults import FIDELITY_FLAGS  # noqa: F401
    with pytest.raises(ImportError, match="cannot import name 'NoSuchName'"):
        from rlgan_bench.rewards import NoSuchName  # noqa: F401
    assert not hasattr(importlib.import_module("rlgan_bench.rewards"), "NoSuchName")


def test_the_packages_train_and_evaluate_survive_their_old_modules(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from rlgan_bench.evaluate import evaluate
        from rlgan_bench.train import Trainer as OldTrainer
    assert OldTrainer is Trainer and evaluate is workflows.evaluate
    # importing rlgan_bench.train made the package's attribute `train` that module
    assert inspect.signature(rlgan_bench.train) == inspect.signature(workflows.train)
    assert inspect.signature(rlgan_bench.evaluate) == inspect.signature(workflows.evaluate)
    result = rlgan_bench.train(tiny_config(steps=2), out_dir=tmp_path / "run")
    assert result.steps == 2


# -- plugins that import what is gone ----------------------------------------------------------
#: module -> (its source, the start of the line `plugins` shows, with {where} its import line)
GONE = {
    "rlgan_uses_modes": (
        "from rlgan_bench.modes import RewardMode, get_mode\n",
        "imports rlgan_bench.modes, removed in 0.2: use `from rlgan_bench.api import Method as "
        "RewardMode`;"
        " get_mode: methods register through the `register_methods` hook; look one up with "
        '`host.get("methods", name).obj` (`rlgan_bench.api.Method` is their base class) '
        "({where}:1)",
    ),
    "rlgan_uses_base": (
        "import torch\nfrom rlgan_bench.backbones.base import Backbone, ModelShape\n",
        "imports rlgan_bench.backbones.base, removed in 0.2: use `from rlgan_bench.api import "
        "Backbone, ModelShape` ({where}:2)",
    ),
    "rlgan_uses_removed_name": (
        "from rlgan_bench.metrics.defaults import EVAL_DEFAULTS, FIDELITY_FLAGS\n",
        "imports FIDELITY_FLAGS from rlgan_bench.metrics.defaults, removed in 0.2: nothing: the "
        "built-in torch-fidelity metric keeps its own names ({where}:1)",
    ),
    "rlgan_uses_matrix": (
        "from rlgan_bench.matrix import default_matrix_path\n",
        "imports default_matrix_path from rlgan_bench.matrix, moved in 0.2: use `from "
        "rlgan_bench.matrix.spec import default_matrix_path` (internal: not part of the API, it "
        "may move without notice) ({where}:1)",
    ),
    "rlgan_uses_weights": (
        "import rlgan_bench.weights\n",
        "imports rlgan_bench.weights, removed in 0.2: use `from rlgan_bench.api import "
        "WeightsUnavailable, weights` ({where}:1)",
    ),
    "rlgan_uses_unknown": (
        "from rlgan_bench.stylegan import StyleGAN\n",
        "imports rlgan_bench.stylegan, which rlgan-bench {version} does not have; the plugin "
        "API is `rlgan_bench.api` (docs/plugin-api.md) ({where}:1)",
    ),
}


@pytest.fixture
def plugins_on_gone_paths(tmp_path, monkeypatch):
    """Installed distributions (a module and its .dist-info, as pip lays them out) whose
    plugin modules import 0.1 paths that 0.2 removed."""
    for module, (source, _) in GONE.items():
        (tmp_path / f"{module}.py").write_text(source)
        info = tmp_path / f"{module}-1.0.dist-info"
        info.mkdir()
        name = module.replace("_", "-")
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[rlgan_bench]\n{module} = {module}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    reset_host()
    yield tmp_path
    reset_host()
    for module in GONE:
        sys.modules.pop(module, None)


def test_plugins_says_which_import_to_change(plugins_on_gone_paths):
    where = plugins_on_gone_paths.name
    result = CliRunner().invoke(cli, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    errors = {row["name"]: row["error"] for row in json.loads(result.output)}
    for module, (_, hint) in GONE.items():
        expected = hint.format(where=f"{where}/{module}.py", version=rlgan_bench.__version__)
        assert errors[module.replace("_", "-")] == expected
    table = CliRunner().invoke(cli, ["plugins"], env={"COLUMNS": "400"})
    modes = GONE["rlgan_uses_modes"][1].format(where=f"{where}/rlgan_uses_modes.py")
    assert f"broken: {modes}" in table.output, table.output


# -- a real plugin of 0.1, installed -----------------------------------------------------------
@pytest.fixture(scope="module")
def legacy_plugin(tmp_path_factory):
    """tests/fixtures/legacy_plugin_v01 (a reward and a backbone on the 0.1 import paths)
    pip-installed into its own folder on sys.path."""
    root = tmp_path_factory.mktemp("legacy")
    with plugin_on_path(FIXTURES / "legacy_plugin_v01", root / "site", "rlgan_legacy_v01"):
        yield root


@pytest.mark.slow
def test_the_01_plugin_is_listed_working_with_its_deprecation_warnings(legacy_plugin):
    rows = json.loads(CliRunner().invoke(cli, ["plugins", "--json"]).output)
    row = next(row for row in rows if row["name"] == LEGACY)
    assert row["error"] is None
    assert (row["rewards"], row["backbones"]) == (["ink-v01"], ["lsgan-v01"])
    assert row["warnings"] == LEGACY_WARNINGS
    assert all(not r["warnings"] for r in rows if r["name"] != LEGACY)
    table = CliRunner().invoke(cli, ["plugins"], env={"COLUMNS": "400"})
    assert all(f"warning: {warning}" in table.output for warning in LEGACY_WARNINGS)


@pytest.mark.slow
def test_the_01_plugins_reward_and_backbone_train(legacy_plugin, tmp_path):
    config = tiny_config(backbone="lsgan-v01", reward="ink-v01", reward_weight=0.5, reward_start=0)
    summary = Trainer(config, tmp_path / "run", host=PluginHost().load(), quiet=True).run()
    assert summary["steps"] == 6
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    assert record["plugins"]["backbone"]["name"] == LEGACY
    assert record["plugins"]["reward"]["name"] == LEGACY
    logged = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").open()]
    assert all(row["reward_weight"] == 0.5 and "reward_mean" in row for row in logged)


@pytest.mark.slow
def test_the_01_plugin_passes_its_own_01_tests(legacy_plugin):
    tests = shutil.copytree(FIXTURES / "legacy_plugin_v01" / "tests", legacy_plugin / "tests")
    result = run_pytest([tests / "legacy_v01_tests.py"], legacy_plugin / "site", legacy_plugin)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "10 passed" in result.stdout
    # its tests see the warnings of their own 0.1 imports, as warnings, not errors
    assert "RlganBenchDeprecationWarning: rlgan_bench.train is deprecated" in result.stdout
