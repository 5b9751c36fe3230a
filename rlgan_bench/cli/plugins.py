"""``rlgan-bench plugins``: what is installed and what each plugin registers;
``rlgan-bench plugins check [NAME]``: whether what they register keeps its contract."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rlgan_bench.cli.context import host_from
from rlgan_bench.host import KINDS, Provider
from rlgan_bench.testing.findings import Findings
from rlgan_bench.testing.plugins import installed_findings


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def plugins(ctx: click.Context, as_json: bool) -> None:
    """List installed plugins and what each registers; `plugins check` tests them."""
    if ctx.invoked_subcommand is not None:
        return
    host = host_from(ctx)
    rows: list[dict[str, Any]] = [
        {
            "name": p.name,
            "version": p.version,
            "builtin": p.builtin,
            "error": p.error,
            **{kind: sorted(names) for kind, names in p.components.items()},
            "warnings": p.warnings,
        }
        for p in host.all_providers()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return

    Console().print(plugin_table(rows))


def plugin_table(rows: list[dict[str, Any]]) -> Table:
    """One row per distribution: its name kept whole on the first line (it is what ``pip``
    and ``--disable-plugin`` take, and what the publishing guide checks for) with its version
    below, and what it registers, one line per kind, or why it is broken, wrapped; then the
    deprecation warnings of the 0.1 import paths it uses, each with the import to change."""
    table = Table(title="rlgan-bench plugins")
    widest = max((len(row["name"]) for row in rows), default=0)
    table.add_column("plugin", no_wrap=True, min_width=max(widest, len("plugin")))
    table.add_column("registers", overflow="fold")
    for row in rows:
        version = f"{row['version']}, built-in" if row["builtin"] else row["version"]
        if row["error"]:
            registers = Text(f"broken: {row['error']}", style="red")
        else:
            lines = [f"{kind}: {', '.join(row[kind])}" for kind in KINDS if row[kind]]
            registers = Text("\n".join(lines) or "nothing")
        for warning in row.get("warnings", []):
            registers.append(f"\nwarning: {warning}", style="yellow")
        table.add_row(f"{row['name']}\n{version}", registers)
    return table


@plugins.command("check")
@click.argument("name", required=False)
@click.option("--device", default="cpu", show_default=True, help="Device to run the checks on.")
@click.pass_context
def check(ctx: click.Context, name: str | None, device: str) -> None:
    """Check the backbones, rewards, methods and audits of the plugin NAME (a distribution,
    as `rlgan-bench plugins` lists it; default: every installed plugin, the built-ins too)
    against their contracts: one line per component that passes, one per broken property;
    exit code 1 when any is broken."""
    broken = 0
    for provider, findings in installed_findings(host_from(ctx), name, device):
        for line in check_lines(provider, findings):
            click.echo(line)
        broken += len(findings.failures)
    if broken:
        ctx.exit(1)


def check_lines(provider: Provider, findings: Findings) -> list[str]:
    """``ok    reward 'x' (rlgan-x 0.1.0)``, or one ``FAIL`` line per broken property."""
    source = f"{findings.label} ({provider.name} {provider.version})"
    if findings.kind == "plugin":
        source = f"plugin {provider.name} {provider.version}"
    if not findings.failures:
        notes = f": {'; '.join(findings.notes)}" if findings.notes else ""
        return [f"ok    {source}{notes}"]
    return [f"FAIL  {source}: {prop}: {detail}" for prop, detail in findings.failures]
