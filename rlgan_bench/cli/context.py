"""What every command shares: the group's error handling, KEY=VALUE parsing and the plugin
host of this invocation (with its --disable-plugin names)."""

from __future__ import annotations

from typing import Any

import click

from rlgan_bench.core.errors import ConfigError, RlganError
from rlgan_bench.host import PluginHost, get_host


class Group(click.Group):
    """Turns our own errors into one line on stderr and exit code 1 (no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RlganError as exc:
            raise click.ClickException(str(exc)) from None


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
