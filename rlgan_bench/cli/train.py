"""``rlgan-bench train``: one GAN, optionally with a reward."""

from __future__ import annotations

from typing import Any

import click

from rlgan_bench.cli.context import host_from, parse_params
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.training.trainer import Trainer


@click.command()
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
