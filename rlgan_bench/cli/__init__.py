"""The ``rlgan-bench`` command line: one click group, one module per command."""

from __future__ import annotations

import click

from rlgan_bench.cli.audit import audit_command
from rlgan_bench.cli.compare import compare
from rlgan_bench.cli.context import Group
from rlgan_bench.cli.eval import eval_command
from rlgan_bench.cli.new_plugin import new_plugin
from rlgan_bench.cli.plugins import plugins
from rlgan_bench.cli.report import report
from rlgan_bench.cli.run import run
from rlgan_bench.cli.train import train
from rlgan_bench.cli.weights import weights
from rlgan_bench.core.version import __version__


@click.group(cls=Group)
@click.version_option(__version__, prog_name="rlgan-bench")
@click.option(
    "--disable-plugin",
    "disabled",
    multiple=True,
    metavar="NAME",
    help="Skip an installed plugin (repeatable); also RLGAN_BENCH_DISABLE_PLUGINS.",
)
@click.pass_context
def cli(ctx: click.Context, disabled: tuple[str, ...]) -> None:
    """Benchmark reward-guided GAN training."""
    ctx.obj = {"disabled": set(disabled)}


cli.add_command(train)
cli.add_command(eval_command, "eval")
cli.add_command(audit_command, "audit")
cli.add_command(run)
cli.add_command(report)
cli.add_command(compare)
cli.add_command(plugins)
cli.add_command(weights)
cli.add_command(new_plugin)


def main() -> None:
    cli()
