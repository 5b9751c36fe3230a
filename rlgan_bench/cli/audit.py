"""``rlgan-bench audit``: what each reward cell of a results directory really bought."""

from __future__ import annotations

import json
from pathlib import Path

import click

from rlgan_bench.cli.context import host_from
from rlgan_bench.cli.printing import print_audits
from rlgan_bench.core.defaults import EVAL_DEFAULTS
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.matrix.runner import complete_audits, matrix_lock

D = EVAL_DEFAULTS


@click.command("audit")
@click.argument("results_dir", type=click.Path(file_okay=False))
@click.option(
    "--missing-only",
    is_flag=True,
    help="Only the reward cells without a measured section (default: every reward cell).",
)
@click.option("--device", default=D["device"], show_default=True, help="auto, cpu or cuda[:N].")
@click.option("--json", "as_json", is_flag=True, help="Print the sections as JSON.")
@click.pass_context
def audit_command(
    ctx: click.Context, results_dir: str, missing_only: bool, device: str, as_json: bool
) -> None:
    """Measure what each reward cell of RESULTS_DIR really bought: its reward's gain, its
    audit's gain and the quality drift against the lambda = 0 cell of its backbone and seed
    (written as reward_audit into each cell's eval.json and result.json)."""

    out = Path(results_dir)
    if not (out / "cells").is_dir():
        raise ConfigError(
            f"{results_dir!r} is not a results directory (rlgan-bench run --out DIR); for a "
            f"single run use `rlgan-bench eval RUN_DIR --baseline LAMBDA0_RUN_DIR`"
        )
    with matrix_lock(out):
        records = complete_audits(
            out, host=host_from(ctx), device=device, recompute=not missing_only
        )
    sections = [(str(r.get("cell")), r["eval"]["reward_audit"]) for r in records]
    if as_json:
        click.echo(json.dumps(dict(sections), indent=2, sort_keys=True, default=str))
        return
    if not sections:
        click.echo("no reward cell to audit", err=True)
        return

    print_audits(sections)
