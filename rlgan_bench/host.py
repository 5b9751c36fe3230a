"""The plugin manager: built-in plugins plus every installed ``rlgan_bench`` entry point.

Registration hooks are called one plugin at a time, so every component knows which
distribution provided it, two components under one name are an error naming both
providers, and a plugin that raises is reported without taking the others down.
"""

from __future__ import annotations

import difflib
import importlib
import os
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Any
from warnings import catch_warnings, filterwarnings

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from rlgan_bench import hookspecs
from rlgan_bench.core import deprecations
from rlgan_bench.core.errors import PluginError
from rlgan_bench.core.version import __version__

ENTRY_POINT_GROUP = "rlgan_bench"
#: Comma-separated plugin names (entry-point names or distribution names) to skip.
DISABLE_ENV_VAR = "RLGAN_BENCH_DISABLE_PLUGINS"

BUILTIN_PLUGINS = (
    "rlgan_bench.builtins.backbones.dcgan",
    "rlgan_bench.builtins.backbones.wgan",
    "rlgan_bench.builtins.backbones.wgan_gp",
    "rlgan_bench.builtins.rewards.brightness",
    "rlgan_bench.builtins.rewards.jpeg",
    "rlgan_bench.builtins.rewards.classifier",
    "rlgan_bench.builtins.rewards.clip_text",
    "rlgan_bench.builtins.rewards.diversity",
    "rlgan_bench.builtins.datasets.digits",
    "rlgan_bench.builtins.datasets.torchvision_sets",
    "rlgan_bench.builtins.metrics.specs",
    "rlgan_bench.builtins.audits.classifier",
    "rlgan_bench.builtins.audits.clip",
    "rlgan_bench.builtins.audits.jpeg",
    "rlgan_bench.builtins.audits.diversity",
    "rlgan_bench.builtins.methods.backprop",
    "rlgan_bench.builtins.methods.reinforce",
    "rlgan_bench.builtins.methods.ppo",
    "rlgan_bench.builtins.methods.critic",
    "rlgan_bench.builtins.methods.reward_weighted",
    "rlgan_bench.builtins.methods.best_of_n",
    "rlgan_bench.builtins.tracking.tensorboard",
    "rlgan_bench.builtins.tracking.wandb",
)

KINDS = ("backbones", "rewards", "datasets", "metrics", "audits", "methods")


@dataclass
class Provider:
    """Where a plugin came from, for `rlgan-bench plugins` and error messages."""

    name: str
    version: str
    builtin: bool
    error: str | None = None
    components: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})
    #: the top-level package of the plugin's code, whose use of deprecated imports is reported
    package: str | None = None
    #: kind -> the names it registered that were dropped with it when it broke (a name clash
    #: drops all of them), so that an unknown name can point at the broken plugin
    dropped: dict[str, list[str]] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        """The deprecation warnings of the 0.1 import paths the plugin's code has used."""
        if not self.package or self.package == "rlgan_bench":
            return []
        return deprecations.used_by(self.package)


@dataclass
class Component:
    name: str
    obj: Any
    provider: Provider


def unknown_hooks(pm: pluggy.PluginManager, plugin: Any) -> str | None:
    """One line naming the hooks ``plugin`` implements that no hookspec defines (a misspelled
    ``register_method`` would otherwise be ignored in silence), with the closest real names."""
    known = sorted(name for name in dir(hookspecs) if name.startswith(("register_", "rlgan_")))
    lines = []
    for caller in pm.get_hookcallers(plugin) or []:
        optional = any(
            impl.plugin is plugin and impl.optionalhook for impl in caller.get_hookimpls()
        )
        if caller.spec is None and not optional:
            close = difflib.get_close_matches(caller.name, known, n=1)
            lines.append(caller.name + (f" (did you mean {close[0]}?)" if close else ""))
    if not lines:
        return None
    return (
        f"implements unknown hook{'s' if len(lines) > 1 else ''} {', '.join(lines)}; "
        f"the hooks are in docs/hooks.md"
    )


class PluginHost:
    """Owns one pluggy manager and the components its plugins registered."""

    def __init__(self, disabled: set[str] | None = None) -> None:
        self.pm = pluggy.PluginManager("rlgan_bench")
        self.pm.add_hookspecs(hookspecs)
        self.providers: dict[int, Provider] = {}
        self.broken: list[Provider] = []
        self.disabled = set(disabled or ()) | _disabled_from_env()
        self._components: dict[str, dict[str, Component]] | None = None

    # -- loading ---------------------------------------------------------------------------
    def load(self) -> PluginHost:
        builtin = Provider("rlgan-bench", _own_version(), builtin=True)
        for module_name in BUILTIN_PLUGINS:
            self._add(importlib.import_module(module_name), builtin)
        for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
            dist = entry_point.dist
            dist_name = dist.metadata["Name"] if dist is not None else entry_point.name
            dist_version = dist.version if dist is not None else "unknown"
            if {entry_point.name, dist_name} & self.disabled:
                continue
            package = entry_point.module.split(".")[0]
            provider = Provider(dist_name, dist_version, False, package=package)
            try:
                with catch_warnings():  # a 0.1 import path's warning is shown by `plugins`
                    # (Provider.warnings), never turned into an error that breaks the plugin
                    filterwarnings("ignore", category=deprecations.RlganBenchDeprecationWarning)
                    plugin = entry_point.load()
                _check_api_version(plugin, dist_name)
            except Exception as exc:  # a broken plugin must not break the host
                # an import of a module or name that 0.2 moved or removed: which line to change
                hint = deprecations.import_hint(exc, __version__)
                provider.error = hint or f"{type(exc).__name__}: {exc}"
                self.broken.append(provider)
                continue
            self._add(plugin, provider)
        return self

    def _add(self, plugin: Any, provider: Provider) -> None:
        try:
            self.pm.register(
                plugin, name=f"{provider.name}:{getattr(plugin, '__name__', id(plugin))}"
            )
        except Exception as exc:  # the same module twice, a hook the spec lacks (pluggy's
            # PluginValidationError): report the plugin, keep the host working
            provider.error = f"cannot register: {exc}"
            self.broken.append(provider)
            return
        unknown = unknown_hooks(self.pm, plugin)
        if unknown:  # pluggy accepts a hook no spec names (check_pending would say): refuse
            self.pm.unregister(plugin)
            provider.error = unknown
            self.broken.append(provider)
            return
        self.providers[id(plugin)] = provider

    def add_plugin(self, plugin: Any, name: str = "local", version: str = "0") -> None:
        """Register an in-process plugin object (handy in notebooks and tests)."""
        module = plugin.__name__ if isinstance(plugin, ModuleType) else type(plugin).__module__
        self._add(plugin, Provider(name, version, False, package=module.split(".")[0]))
        self._components = None

    def add_builtin(self, plugin: Any) -> None:
        """Register a built-in plugin of a layer above the host once (the trainer's side jobs,
        rlgan_bench.training.callbacks): never disabled, and an error in it is raised."""
        if not self.pm.is_registered(plugin):
            self.pm.register(plugin, name=f"rlgan-bench:{plugin.__name__}")
            self.providers[id(plugin)] = Provider("rlgan-bench", _own_version(), builtin=True)

    def remove_plugin(self, plugin: Any) -> None:
        """Unregister a plugin object added with :meth:`add_plugin`."""
        if self.pm.is_registered(plugin):
            self.pm.unregister(plugin)
        provider = self.providers.pop(id(plugin), None)
        self.broken = [p for p in self.broken if p is not provider]
        self._components = None

    # -- registration ------------------------------------------------------------------------
    def components(self, kind: str) -> dict[str, Component]:
        if self._components is None:
            self._components = self._collect()
        return self._components[kind]

    def _collect(self) -> dict[str, dict[str, Component]]:
        """Call each plugin's register_* hooks; a plugin whose hook raises is marked broken
        and none of its components is kept."""
        for provider in self.providers.values():  # collected anew after a plugin came or went
            provider.components = {k: [] for k in KINDS}
        staged: dict[int, list[tuple[str, Any]]] = {}
        for kind in KINDS:
            caller = getattr(self.pm.hook, f"register_{kind}")
            for impl in caller.get_hookimpls():  # registration order: the built-ins first
                provider = self.providers[id(impl.plugin)]
                if provider.error:
                    continue
                items = staged.setdefault(id(provider), [])
                try:
                    impl.function(register=lambda obj, k=kind, into=items: into.append((k, obj)))
                except Exception as exc:
                    provider.error = f"register_{kind} raised {type(exc).__name__}: {exc}"
                    self.broken.append(provider)
                    _drop(provider, items)
        found: dict[str, dict[str, Component]] = {kind: {} for kind in KINDS}
        providers = {id(p): p for p in self.providers.values()}  # registration order
        for provider_id, provider in providers.items():  # the earlier provider keeps a name
            items = staged.get(provider_id, [])
            if provider.error:
                continue
            # a plugin whose component is unnamed or takes a name already taken (an author
            # copying rewards/jpeg.py) is broken as a whole; the earlier provider keeps the name
            problem = _registration_problem(found, items, provider)
            if problem:
                provider.error = problem
                self.broken.append(provider)
                _drop(provider, items)
                continue
            for kind, obj in items:
                found[kind][obj.name] = Component(obj.name, obj, provider)
                provider.components[kind].append(obj.name)
        return found

    def get(self, kind: str, name: str) -> Component:
        available = self.components(kind)
        if name not in available:
            singular = kind[:-1]
            dropped = self.dropped_hint(kind, name)
            if dropped:
                raise PluginError(f"unknown {singular} {name!r}: {dropped}")
            names = ", ".join(sorted(available)) or "none"
            raise PluginError(
                f"unknown {singular} {name!r}; available {kind}: {names} "
                f"(run `rlgan-bench plugins` to see what is installed)"
            )
        return available[name]

    def dropped_by(self, kind: str, name: str) -> Provider | None:
        """The broken plugin that registered ``name`` as a ``kind`` and was skipped with it."""
        self.components(kind)  # make sure registration ran
        return next((p for p in self.broken if name in p.dropped.get(kind, ())), None)

    def dropped_hint(self, kind: str, name: str) -> str | None:
        """Why ``name`` is missing when a broken plugin registered it (one clause naming that
        plugin, its error and the fix), or None."""
        provider = self.dropped_by(kind, name)
        if provider is None:
            return None
        return (
            f"plugin {provider.name} {provider.version} registers it but is broken and skipped "
            f"({provider.error})"
        )

    def find(self, kind: str, name: str | None) -> Component | None:
        """The component ``name`` of ``kind``, or None when nothing installed provides it."""
        return self.components(kind).get(name) if name else None

    def all_providers(self) -> list[Provider]:
        self.components(KINDS[0])  # make sure registration ran
        seen: dict[str, Provider] = {}
        for provider in list(self.providers.values()) + self.broken:
            seen.setdefault(provider.name, provider)
        return list(seen.values())

    @property
    def hook(self) -> Any:
        return self.pm.hook


def _registration_problem(
    found: dict[str, dict[str, Component]], items: list[tuple[str, Any]], provider: Provider
) -> str | None:
    """Why ``provider``'s components cannot be registered beside those ``found`` so far (a
    component without a ``name`` string, or a name another provider or itself already
    registered), or None."""
    names: set[tuple[str, str]] = set()
    for kind, obj in items:
        singular = kind[:-1]
        name = getattr(obj, "name", None)
        if not isinstance(name, str) or not name:
            return f"registered a {singular} without a `name` string ({obj!r}); give it a name"
        if name in found[kind]:
            other = found[kind][name].provider
            owner = f"{other.name} (built-in)" if other.builtin else other.name
            return (
                f"registers {singular} {name!r}, which {owner} already provides; rename it in "
                f"the plugin (component names must be unique; the plugin is skipped until then)"
            )
        if (kind, name) in names:
            return f"registers two {kind} named {name!r}; rename one"
        names.add((kind, name))
    return None


def _drop(provider: Provider, items: list[tuple[str, Any]]) -> None:
    """Remember the names of a plugin that broke, which it registered but does not provide."""
    for kind, obj in items:
        name = getattr(obj, "name", None)
        if isinstance(name, str) and name:
            provider.dropped.setdefault(kind, []).append(name)


def _check_api_version(plugin: Any, dist_name: str) -> None:
    wanted = getattr(plugin, "RLGAN_BENCH_API", None)
    if wanted is None:
        return

    try:
        spec = SpecifierSet(wanted)
    except InvalidSpecifier as exc:
        raise PluginError(f"RLGAN_BENCH_API = {wanted!r} is not a version range") from exc
    if hookspecs.HOOKS_API_VERSION not in spec:
        raise PluginError(
            f"{dist_name} supports the plugin API {wanted}, this rlgan-bench provides "
            f"{hookspecs.HOOKS_API_VERSION}; upgrade the plugin or rlgan-bench"
        )


def _disabled_from_env() -> set[str]:
    raw = os.environ.get(DISABLE_ENV_VAR, "")
    return {part.strip() for part in raw.split(",") if part.strip()}


def _own_version() -> str:

    return __version__


#: the process-wide hosts, one per set of disabled plugins (the empty set: the default host)
_hosts: dict[frozenset[str], PluginHost] = {}


def get_host(disabled: set[str] | None = None) -> PluginHost:
    """The process-wide plugin host for this set of disabled plugins: every caller in a process
    that disables the same plugins sees the same host, and the plugins added to it (e.g. the
    matrix view's per-cell progress)."""
    key = frozenset(disabled or ()) | frozenset(_disabled_from_env())  # what the host skips
    if key not in _hosts:
        _hosts[key] = PluginHost(set(key) or None).load()
    return _hosts[key]


def reset_host() -> None:
    """Forget the loaded plugins (after installing one in the same process, in tests)."""
    _hosts.clear()
