"""``rlgan-bench new-plugin``: a plugin package whose tests pass at once."""

from __future__ import annotations

from pathlib import Path

import click

from rlgan_bench.cli.scaffold import KINDS, create_plugin


@click.command("new-plugin")
@click.argument("name")
@click.option("--kind", type=click.Choice(KINDS), required=True)
@click.option(
    "--dir",
    "directory",
    default=None,
    type=click.Path(),
    help="Project folder to create (default: ./rlgan-NAME).",
)
def new_plugin(name: str, kind: str, directory: str | None) -> None:
    """Create a plugin package whose tests pass at once."""

    target = create_plugin(name, kind, Path(directory or f"rlgan-{name}"))  # type: ignore[arg-type]
    click.echo(
        f"created {target}\nnext: pip install -e {target} && pytest {target}\n"
        f"(or, without touching the environment: pip install --target DIR {target} and "
        f"PYTHONPATH=DIR)"
    )
