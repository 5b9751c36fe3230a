"""What every command shares: the group's error handling, KEY=VALUE parsing and the plugin
host of this invocation (with its --disable-plugin names)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import click

from rlgan_bench.core.deprecations import RlganBenchDeprecationWarning
from rlgan_bench.core.errors import ConfigError, RlganError
from rlgan_bench.host import PluginHost, get_host


class Group(click.Group):
    """Turns our own errors into one line on stderr and exit code 1 (no traceback), and each
    deprecation of a flag or key the command was given into one ``Warning:`` line there."""

    def invoke(self, ctx: click.Context) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("default", RlganBenchDeprecationWarning)
            warnings.showwarning = _show_deprecation(warnings.showwarning)
            try:
                return super().invoke(ctx)
            except RlganError as exc:
                raise click.ClickException(str(exc)) from None


def _show_deprecation(show: Callable[..., None]) -> Callable[..., None]:
    """``warnings.showwarning`` that prints our deprecations as one line (what to write
    instead), without Python's file, line and source; other warnings as ``show`` does."""

    def showwarning(message: Warning | str, category: type[Warning], *args: Any, **kw: Any) -> None:
        if issubclass(category, RlganBenchDeprecationWarning):
            click.echo(f"Warning: {message}", err=True)
        else:
            show(message, category, *args, **kw)

    return showwarning


def parse_params(pairs: tuple[str, ...], flag: str) -> dict[str, Any]:
    """``("target=7", "prompt=a seven")`` -> ``{"target": "7", ...}`` (typed by the reward)."""
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{flag} {pair!r} is not KEY=VALUE")
        params[key.strip()] = value
    return params


def host_from(ctx: click.Context) -> PluginHost:
    """The plugin host for this invocation: the group's --disable-plugin names applied."""
    root = ctx.find_root()
    return get_host(root.obj.get("disabled") if root.obj else None)
