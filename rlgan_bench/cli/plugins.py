"""``rlgan-bench plugins``: what is installed and what each plugin registers."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rlgan_bench.cli.context import host_from
from rlgan_bench.host import KINDS


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def plugins(ctx: click.Context, as_json: bool) -> None:
    """List installed plugins and what each registers."""
    host = host_from(ctx)
    rows: list[dict[str, Any]] = [
        {
            "name": p.name,
            "version": p.version,
            "builtin": p.builtin,
            "error": p.error,
            **{kind: sorted(names) for kind, names in p.components.items()},
        }
        for p in host.all_providers()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return

    table = Table(title="rlgan-bench plugins")
    for column in ("plugin", "version", *KINDS, "status"):
        table.add_column(column)
    for row in rows:
        label = f"{row['name']} (built-in)" if row["builtin"] else row["name"]
        table.add_row(
            label,
            row["version"],
            *(", ".join(row[k]) for k in KINDS),
            Text(row["error"], style="red") if row["error"] else "ok",
        )
    Console().print(table)
