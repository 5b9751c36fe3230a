"""The ``rlgan-bench`` command line: one click group, one subcommand per job."""

from __future__ import annotations

import json
from typing import Any

import click

from rlgan_bench import __version__
from rlgan_bench.errors import ConfigError, RlganError


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


def host_from(ctx: click.Context):
    from rlgan_bench.plugins import get_host

    return get_host(ctx.obj.get("disabled") if ctx.obj else None)


@cli.command()
@click.option("--backbone", default="dcgan", show_default=True, help="GAN backbone.")
@click.option(
    "--backbone-param",
    "backbone_params",
    multiple=True,
    metavar="KEY=VALUE",
    help="Backbone hyperparameter other than its paper's, e.g. lr=2e-4 or betas=0.5,0.9 "
    "(repeatable; docs/builtins.md lists each backbone's).",
)
@click.option("--reward", default=None, help="Reward to optimise (none by default).")
@click.option(
    "--reward-param",
    "reward_params",
    multiple=True,
    metavar="KEY=VALUE",
    help="Reward parameter, e.g. target=7 (repeatable).",
)
@click.option(
    "--mode", default=None, help="backprop, reinforce, ppo or critic (default: the reward's)."
)
@click.option(
    "--mode-param",
    "mode_params",
    multiple=True,
    metavar="KEY=VALUE",
    help="Mode option, e.g. sigma=0.1 (repeatable).",
)
@click.option(
    "--lambda",
    "reward_weight",
    type=float,
    default=None,
    help="Reward weight lambda (default: the reward's, 0.1 for most).",
)
@click.option(
    "--reward-start",
    type=int,
    default=None,
    help="First step that uses the reward (default: the reward's).",
)
@click.option(
    "--reward-warmup",
    type=int,
    default=None,
    help="Steps over which lambda ramps up from 0 (default: the reward's).",
)
@click.option(
    "--reward-tilt",
    type=float,
    default=None,
    help="Draw the critic's real batches with weights exp(tilt * R) (default: the reward's).",
)
@click.option(
    "--reward-anchor",
    type=float,
    default=None,
    help="Weight of the KL to the generator as it was when the reward started.",
)
@click.option("--steps", type=int, default=1500, show_default=True)
@click.option("--batch-size", type=int, default=64, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--dataset", default="digits", show_default=True)
@click.option("--data-root", default=None, help="Folder of a torchvision dataset.")
@click.option("--image-size", type=int, default=32, show_default=True)
@click.option("--channels", type=int, default=None, help="1 or 3 (default: the dataset's).")
@click.option("--latent-dim", type=int, default=64, show_default=True)
@click.option("--width", type=int, default=64, show_default=True, help="Base feature maps.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda[:N].")
@click.option("--no-amp", is_flag=True, help="Disable mixed precision on CUDA.")
@click.option("--log-every", type=int, default=25, show_default=True)
@click.option("--sample-every", type=int, default=250, show_default=True)
@click.option("--checkpoint-every", type=int, default=250, show_default=True)
@click.option(
    "--audit-every",
    type=int,
    default=0,
    show_default=True,
    help="Every K steps, a cheap evaluation (reward, its audit, FID) into audit.jsonl; "
    "0: never. Runs with a reward only.",
)
@click.option(
    "--audit-samples",
    type=int,
    default=256,
    show_default=True,
    help="Samples of each training-time audit (recorded with it).",
)
@click.option(
    "--keep-best",
    type=click.Choice(["audit", "reward"]),
    default=None,
    help="Also keep best.pt, the state with the best audited score (needs --audit-every); "
    "evaluation then scores it.",
)
@click.option("--out", "out_dir", default="runs/latest", show_default=True, type=click.Path())
@click.option("--resume", is_flag=True, help="Continue the run in --out from its checkpoint.")
@click.option("--quiet", is_flag=True, help="Plain log lines instead of a progress bar.")
@click.pass_context
def train(
    ctx: click.Context,
    backbone_params: tuple[str, ...],
    reward_params: tuple[str, ...],
    mode_params: tuple[str, ...],
    no_amp: bool,
    out_dir: str,
    resume: bool,
    quiet: bool,
    **options: Any,
) -> None:
    """Train one GAN, optionally with a reward."""
    from rlgan_bench.config import TrainConfig
    from rlgan_bench.train import Trainer

    config = TrainConfig(
        backbone_params=parse_params(backbone_params, "--backbone-param"),
        reward_params=parse_params(reward_params, "--reward-param"),
        mode_params=parse_params(mode_params, "--mode-param"),
        amp=not no_amp,
        **options,
    )
    if config.reward is None and (config.audit_every or config.keep_best):
        # a matrix's [run] may set them for every cell (lambda = 0 cells skip them); one
        # run asking for them without a reward asked for something that cannot happen
        raise ConfigError(
            "--audit-every and --keep-best audit a reward against its audit; add --reward NAME"
        )
    trainer = Trainer(config, out_dir, host=host_from(ctx), quiet=quiet)
    summary = trainer.run(resume=resume)
    click.echo(
        f"trained {summary['steps']} steps in {summary['wall_time_s']:.1f}s "
        f"({summary['steps_per_s']:.1f} steps/s on {summary['device']}); "
        f"samples: {out_dir}/samples.png"
    )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def plugins(ctx: click.Context, as_json: bool) -> None:
    """List installed plugins and what each registers."""
    host = host_from(ctx)
    rows = [
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
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from rlgan_bench.plugins import KINDS

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


@cli.command("new-plugin")
@click.argument("name")
@click.option("--kind", type=click.Choice(["reward", "backbone"]), required=True)
@click.option(
    "--dir",
    "directory",
    default=None,
    type=click.Path(),
    help="Project folder to create (default: ./rlgan-NAME).",
)
def new_plugin(name: str, kind: str, directory: str | None) -> None:
    """Create a plugin package whose tests pass at once."""
    from pathlib import Path

    from rlgan_bench.scaffold import create_plugin

    target = create_plugin(name, kind, Path(directory or f"rlgan-{name}"))  # type: ignore[arg-type]
    click.echo(f"created {target}\nnext: pip install -e {target} && pytest {target}")


def main() -> None:
    cli()


from rlgan_bench.commands_eval import audit_command, eval_command, weights  # noqa: E402

cli.add_command(eval_command, "eval")
cli.add_command(audit_command, "audit")
cli.add_command(weights)

from rlgan_bench.commands_run import run  # noqa: E402

cli.add_command(run)

from rlgan_bench.commands_report import report  # noqa: E402

cli.add_command(report)
