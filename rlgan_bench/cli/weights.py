"""``rlgan-bench weights``: the model files the scores depend on (nothing is downloaded at
run time)."""

from __future__ import annotations

import json
from typing import Any

import click

from rlgan_bench.cli.context import host_from
from rlgan_bench.cli.printing import print_weights
from rlgan_bench.core.defaults import EVAL_DEFAULTS
from rlgan_bench.shared import weights as weights_module
from rlgan_bench.shared.weights import METRIC_USES

D = EVAL_DEFAULTS


@click.group()
def weights() -> None:
    """Model files the metrics and rewards use (nothing is downloaded at run time)."""


@weights.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def weights_status(ctx: click.Context, as_json: bool) -> None:
    """Each model: who uses it, where it is looked for, present or missing, sha256."""

    uses = _uses(host_from(ctx))
    rows = [
        {**weights_module.status(name), "used_by": uses.get(name, [])}
        for name in weights_module.table()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return

    print_weights(rows)


@weights.command("import")
@click.argument("name")
@click.argument("file", type=click.Path(dir_okay=False))
def weights_import(name: str, file: str) -> None:
    """Copy FILE (obtained elsewhere) to where NAME is looked for, after checking its hash."""

    target = weights_module.import_file(name, file)
    click.echo(f"{name}: sha256 checked, copied to {target}")


def _uses(host: Any) -> dict[str, list[str]]:
    """Model name -> the metrics and rewards that use it."""

    uses = {name: list(users) for name, users in METRIC_USES.items()}
    for name, component in host.components("rewards").items():
        for model in getattr(component.obj, "model_files", ()):
            uses.setdefault(model, []).append(f"reward {name}")
    for name, component in host.components("audits").items():
        for model in getattr(component.obj, "model_files", ()):
            uses.setdefault(model, []).append(f"audit {name}")
    return uses
