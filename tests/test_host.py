import json
import sys

import pytest
from click.testing import CliRunner
from conftest import tiny_config

from rlgan_bench.builtins.backbones.dcgan import DCGAN
from rlgan_bench.cli import cli
from rlgan_bench.core.errors import PluginError
from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.host import PluginHost, get_host, reset_host
from rlgan_bench.training.trainer import Trainer


def test_builtins_register_through_the_hooks(host):
    assert {"dcgan", "wgan", "wgan-gp"} <= set(host.components("backbones"))
    assert {"digits", "mnist", "cifar10", "imagefolder"} <= set(host.components("datasets"))
    assert host.get("backbones", "dcgan").provider.builtin


def test_unknown_name_lists_what_is_available(host):
    with pytest.raises(PluginError) as info:
        host.get("backbones", "stylegan9")
    message = str(info.value)
    assert "stylegan9" in message and "dcgan" in message and "wgan-gp" in message


class Clash:
    """A plugin whose author copied a built-in without renaming it, beside a backbone of its
    own: the whole plugin is broken, the built-ins and the other plugins keep working."""

    @hookimpl
    def register_backbones(self, register):
        class Copy(DCGAN):
            name = "dcgan"

        class Own(DCGAN):
            name = "own-gan"

        register(Own)
        register(Copy)


class Unnamed:
    @hookimpl
    def register_rewards(self, register):
        register(object())


def test_a_plugin_that_reuses_a_builtin_name_is_broken_and_the_rest_works(tmp_path):
    host = PluginHost().load()
    host.add_plugin(Clash(), name="rlgan-clash", version="1.0")
    host.add_plugin(Unnamed(), name="rlgan-unnamed", version="1.0")
    component = host.get("backbones", "dcgan")
    assert component.provider.builtin and component.obj is DCGAN  # the built-in keeps it
    assert "own-gan" not in host.components("backbones")  # nothing of the broken plugin
    errors = {p.name: p.error for p in host.all_providers() if p.error}
    assert errors["rlgan-clash"] == (
        "registers backbone 'dcgan', which rlgan-bench (built-in) already provides; rename it "
        "in the plugin (component names must be unique; the plugin is skipped until then)"
    )
    assert "registered a reward without a `name` string" in errors["rlgan-unnamed"]
    Trainer(tiny_config(), tmp_path / "run", host=host, quiet=True).run()  # still trains


def test_plugins_lists_the_broken_plugin_and_keeps_names_whole_at_80_columns():
    reset_host()
    host = get_host()
    clash = Clash()
    long_name = "rlgan-" + "a-very-long-plugin-name" * 2  # what pip and --disable-plugin take
    host.add_plugin(clash, name=long_name, version="1.0")
    try:
        env = {"COLUMNS": "80"}
        rows = json.loads(CliRunner().invoke(cli, ["plugins", "--json"], env=env).output)
        table = CliRunner().invoke(cli, ["plugins"], env=env)
    finally:
        host.remove_plugin(clash)
        reset_host()
    broken = next(row for row in rows if row["name"] == long_name)
    assert "already provides" in broken["error"] and broken["backbones"] == []
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any(long_name in line for line in lines)
    assert any("rlgan-bench" in line and "backbones: dcgan" in line for line in lines)


def test_installed_entry_point_plugin_trains(installed_toy_plugin, tmp_path):
    import rlgan_toy_backbone

    host = PluginHost().load()
    component = host.get("backbones", "toy-mlp")
    assert component.provider.name == "rlgan-toy-backbone"
    assert component.provider.version == "0.2.0"
    summary = Trainer(
        tiny_config(backbone="toy-mlp"), tmp_path / "run", host=host, quiet=True
    ).run()
    assert summary["steps"] == 6
    assert str(tmp_path / "run") in rlgan_toy_backbone.STARTED  # its hook ran too


def test_disabled_plugin_is_skipped(installed_toy_plugin):
    host = PluginHost(disabled={"rlgan-toy-backbone"}).load()
    assert "toy-mlp" not in host.components("backbones")
    assert "dcgan" in host.components("backbones")


def test_one_host_per_set_of_disabled_plugins_and_added_plugins_can_leave(installed_toy_plugin):

    reset_host()
    # the run command and the cells it runs in-process get the same host, so a plugin the
    # command adds (the per-cell progress view) reaches the cells with --disable-plugin too
    assert get_host({"rlgan-toy-backbone"}) is get_host({"rlgan-toy-backbone"})
    assert get_host({"rlgan-toy-backbone"}) is not get_host()
    assert get_host(set()) is get_host(None)
    host = get_host({"rlgan-toy-backbone"})
    assert "toy-mlp" not in host.components("backbones")

    class Watcher:
        @hookimpl
        def register_datasets(self, register):
            pass

    watcher = Watcher()
    host.add_plugin(watcher, name="watcher")
    assert any(p.name == "watcher" for p in host.all_providers())
    host.remove_plugin(watcher)
    assert not any(p.name == "watcher" for p in host.all_providers())
    reset_host()


def fake_distribution(site, name, module, source):
    """A real installed distribution as pip lays it out: a module and a .dist-info folder
    whose entry_points.txt names the module in the rlgan_bench group."""
    (site / f"{module}.py").write_text(source)
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[rlgan_bench]\n{module} = {module}\n")


@pytest.fixture
def broken_plugins(tmp_path, monkeypatch):
    fake_distribution(
        tmp_path,
        "rlgan-fails-import",
        "rlgan_fails_import",
        "raise RuntimeError('missing native library')\n",
    )
    fake_distribution(tmp_path, "rlgan-future-api", "rlgan_future_api", "RLGAN_BENCH_API = '>=2'\n")
    fake_distribution(
        tmp_path,
        "rlgan-hook-raises",
        "rlgan_hook_raises",
        "from rlgan_bench.hookspecs import hookimpl\n"
        "@hookimpl\ndef register_rewards(register):\n    raise KeyError('oops')\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    for module in ("rlgan_fails_import", "rlgan_future_api", "rlgan_hook_raises"):
        sys.modules.pop(module, None)


def test_broken_plugins_are_reported_and_the_rest_works(broken_plugins, tmp_path):
    host = PluginHost().load()
    assert "dcgan" in host.components("backbones")  # everything else keeps working
    errors = {p.name: p.error for p in host.all_providers() if p.error}
    assert "missing native library" in errors["rlgan-fails-import"]
    assert "supports the plugin API >=2" in errors["rlgan-future-api"]
    assert "register_rewards raised KeyError" in errors["rlgan-hook-raises"]
    Trainer(tiny_config(), tmp_path / "run", host=host, quiet=True).run()
    reset_host()  # the CLI's process-wide host must see the new distributions
    rows = json.loads(CliRunner().invoke(cli, ["plugins", "--json"]).output)
    reset_host()
    assert {r["name"] for r in rows if r["error"]} >= set(errors)
    disabled = PluginHost(disabled={"rlgan-fails-import"}).load()
    assert "rlgan-fails-import" not in {p.name for p in disabled.all_providers()}


def test_a_misspelled_hook_marks_the_plugin_broken_with_one_line():
    """pluggy accepts a hook no spec names; the host does not: a register_method (for
    register_methods) would otherwise be ignored in silence."""

    class Misspelled:
        @hookimpl
        def register_method(self, register):
            raise AssertionError("never called")

    host = PluginHost().load()
    host.add_plugin(Misspelled(), name="rlgan-self-raft")
    (broken,) = [p for p in host.broken if p.name == "rlgan-self-raft"]
    assert broken.error == (
        "implements unknown hook register_method (did you mean register_methods?); "
        "the hooks are in docs/hooks.md"
    )
    assert "\n" not in broken.error
    assert "rlgan-self-raft" not in {p.name for p in host.providers.values()}
    host.components("rewards")  # the rest of the host works
