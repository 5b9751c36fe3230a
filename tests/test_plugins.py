import pytest
from conftest import tiny_config

from rlgan_bench.backbones.dcgan import DCGAN
from rlgan_bench.errors import PluginError
from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.plugins import PluginHost
from rlgan_bench.train import Trainer


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
    @hookimpl
    def register_backbones(self, register):
        class Copy(DCGAN):
            name = "dcgan"

        register(Copy)


def test_two_components_with_one_name_name_both_providers():
    host = PluginHost().load()
    host.add_plugin(Clash(), name="rlgan-clash", version="1.0")
    with pytest.raises(PluginError) as info:
        host.components("backbones")
    assert "rlgan-bench" in str(info.value) and "rlgan-clash" in str(info.value)


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
