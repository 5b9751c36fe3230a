"""Checking what installed plugins register (``rlgan-bench plugins check``): every backbone,
reward, method and audit of a plugin, and a broken plugin as what is wrong with it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rlgan_bench.core.errors import ConfigError
from rlgan_bench.host import PluginHost, Provider
from rlgan_bench.testing.audits import audit_findings
from rlgan_bench.testing.backbones import backbone_findings
from rlgan_bench.testing.findings import Findings
from rlgan_bench.testing.methods import method_findings
from rlgan_bench.testing.rewards import reward_findings

#: the kinds the kit checks (datasets and metrics have no conformance checks yet)
CHECKED_KINDS = ("backbones", "rewards", "methods", "audits")


def component_findings(kind: str, obj: Any, host: PluginHost, device: str = "cpu") -> Findings:
    """The checks of one registered component of ``kind``, with its default settings."""
    if kind == "rewards":
        return reward_findings(obj, device=device)
    if kind == "backbones":
        return backbone_findings(obj, host=host, device=device)
    if kind == "methods":
        return method_findings(obj, host=host, device=device)
    if kind == "audits":
        return audit_findings(obj, host=host, device=device)
    raise ValueError(f"no conformance checks for {kind}")


def installed_findings(
    host: PluginHost, name: str | None = None, device: str = "cpu"
) -> Iterator[tuple[Provider, Findings]]:
    """Each component of the plugin ``name`` (a distribution name, as `rlgan-bench plugins`
    lists it; None: every installed plugin, the built-ins included) with its findings, as
    each is checked; a broken plugin as one finding, the error that broke it."""
    providers = host.all_providers()
    if name is not None:
        providers = [p for p in providers if p.name == name]
        if not providers:
            names = ", ".join(sorted(p.name for p in host.all_providers()))
            raise ConfigError(f"no plugin named {name!r} is installed (plugins: {names})")
    for provider in providers:
        if provider.error:
            broken = Findings("plugin", provider.name)
            broken.fail("loads", provider.error)
            yield provider, broken
            continue
        for kind in CHECKED_KINDS:
            for component in sorted(provider.components[kind]):
                obj = host.get(kind, component).obj
                yield provider, component_findings(kind, obj, host, device)
