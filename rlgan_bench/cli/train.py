"""``rlgan-bench train``: one GAN, optionally with a reward."""

from __future__ import annotations

from typing import Any

import click

from rlgan_bench import workflows
from rlgan_bench.cli.context import host_from, parse_params
from rlgan_bench.core import deprecations
from rlgan_bench.core.config import KEEP_BEST, TRACKERS, TrainConfig
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.training.method_strength import STRENGTH

#: the defaults of every option that sets a TrainConfig field are the field's own (the one
#: table of training defaults; tests/cli/test_defaults.py checks each option against it)
DEFAULT = TrainConfig()
#: the flags that only a run with a reward reads, and their fields
REWARD_ONLY = {
    "--method": "mode",
    "--method-param": "mode_params",
    "--strength": STRENGTH,
    "--reward-start": "reward_start",
    "--reward-warmup": "reward_warmup",
    "--reward-tilt": "reward_tilt",
    "--reward-anchor": "reward_anchor",
}


@click.command()
@click.option("--backbone", default=DEFAULT.backbone, show_default=True, help="GAN backbone.")
@click.option(
    "--backbone-param",
    "backbone_params",
    multiple=True,
    metavar="KEY=VALUE",
    help="Backbone hyperparameter other than its paper's, e.g. lr=2e-4 or betas=0.5,0.9 "
    "(repeatable; docs/builtins.md lists each backbone's).",
)
@click.option("--reward", default=DEFAULT.reward, help="Reward to optimise (none by default).")
@click.option(
    "--reward-param",
    "reward_params",
    multiple=True,
    metavar="KEY=VALUE",
    help="Reward parameter, e.g. target=7 (repeatable).",
)
@click.option(
    "--method",
    "mode",
    default=DEFAULT.mode,
    metavar="NAME",
    help="How the reward acts: backprop, reinforce, ppo, critic or reward-weighted "
    "(default: the reward's default_method). Recorded in config.json.",
)
@click.option(
    "--method-param",
    "mode_params",
    multiple=True,
    metavar="KEY=VALUE",
    help="Method option, e.g. sigma=0.1 (repeatable).",
)
@click.option(
    "--strength",
    type=float,
    default=None,
    help="The method's one strength: lambda for backprop, reinforce, ppo and critic, beta "
    "(the critic's real data drawn with weights exp(beta * R)) for reward-weighted "
    "(default: --lambda, else the reward's lambda).",
)
@click.option("--mode", "deprecated_mode", default=None, hidden=True, help="Old --method.")
@click.option(
    "--mode-param", "deprecated_mode_params", multiple=True, hidden=True, help="Old --method-param."
)
@click.option(
    "--lambda",
    "reward_weight",
    type=float,
    default=DEFAULT.reward_weight,
    help="Reward weight lambda, the strength of a lambda method (default: the reward's).",
)
@click.option(
    "--reward-start",
    type=int,
    default=DEFAULT.reward_start,
    help="First step that uses the reward (default: the reward's).",
)
@click.option(
    "--reward-warmup",
    type=int,
    default=DEFAULT.reward_warmup,
    help="Steps over which lambda ramps up from 0 (default: the reward's).",
)
@click.option(
    "--reward-tilt",
    type=float,
    default=DEFAULT.reward_tilt,
    hidden=True,
    help="Old name of reward-weighted's strength (--method reward-weighted --strength BETA).",
)
@click.option(
    "--reward-anchor",
    type=float,
    default=DEFAULT.reward_anchor,
    help="Weight of the KL to the generator as it was when the reward started.",
)
@click.option("--steps", type=int, default=DEFAULT.steps, show_default=True)
@click.option("--batch-size", type=int, default=DEFAULT.batch_size, show_default=True)
@click.option("--seed", type=int, default=DEFAULT.seed, show_default=True)
@click.option("--dataset", default=DEFAULT.dataset, show_default=True)
@click.option("--data-root", default=DEFAULT.data_root, help="Folder of a torchvision dataset.")
@click.option("--image-size", type=int, default=DEFAULT.image_size, show_default=True)
@click.option(
    "--channels", type=int, default=DEFAULT.channels, help="1 or 3 (default: the dataset's)."
)
@click.option("--latent-dim", type=int, default=DEFAULT.latent_dim, show_default=True)
@click.option(
    "--width", type=int, default=DEFAULT.width, show_default=True, help="Base feature maps."
)
@click.option("--device", default=DEFAULT.device, show_default=True, help="auto, cpu or cuda[:N].")
@click.option("--no-amp", is_flag=True, help="Disable mixed precision on CUDA.")
@click.option(
    "--ema-decay",
    type=float,
    default=DEFAULT.ema_decay,
    show_default=True,
    help="Decay of the EMA generator that evaluation scores, in [0, 1).",
)
@click.option("--log-every", type=int, default=DEFAULT.log_every, show_default=True)
@click.option("--sample-every", type=int, default=DEFAULT.sample_every, show_default=True)
@click.option("--checkpoint-every", type=int, default=DEFAULT.checkpoint_every, show_default=True)
@click.option(
    "--audit-every",
    type=int,
    default=DEFAULT.audit_every,
    show_default=True,
    help="Every K steps, a cheap evaluation (reward, its audit, FID) into audit.jsonl; "
    "0: never. Runs with a reward only.",
)
@click.option(
    "--audit-samples",
    type=int,
    default=DEFAULT.audit_samples,
    show_default=True,
    help="Samples of each training-time audit (recorded with it).",
)
@click.option(
    "--keep-best",
    type=click.Choice([choice for choice in KEEP_BEST if choice]),
    default=DEFAULT.keep_best,
    help="Also keep best.pt, the state with the best audited score (needs --audit-every); "
    "evaluation then scores it.",
)
@click.option(
    "--init-from",
    "init_from",
    default=DEFAULT.init_from,
    metavar="RUN_DIR|CHECKPOINT",
    help="Start from another run's generator and critic (fine-tuning a base): a run folder "
    "(its checkpoint.pt) or a checkpoint file; weights only, checked against the backbone. "
    "Part of the run's identity; composes with --resume.",
)
@click.option("--out", "out_dir", default="runs/latest", show_default=True, type=click.Path())
@click.option("--resume", is_flag=True, help="Continue the run in --out from its checkpoint.")
@click.option("--quiet", is_flag=True, help="Plain log lines instead of a progress bar.")
@click.option(
    "--log-to",
    "log_to",
    multiple=True,
    type=click.Choice(TRACKERS),
    help="Also log to an experiment tracker (repeatable): tensorboard (OUT/tensorboard) or "
    "wandb (offline unless WANDB_MODE says otherwise).",
)
@click.pass_context
def train(
    ctx: click.Context,
    backbone_params: tuple[str, ...],
    reward_params: tuple[str, ...],
    mode_params: tuple[str, ...],
    strength: float | None,
    deprecated_mode: str | None,
    deprecated_mode_params: tuple[str, ...],
    no_amp: bool,
    out_dir: str,
    resume: bool,
    quiet: bool,
    log_to: tuple[str, ...],
    **options: Any,
) -> None:
    """Train one GAN, optionally with a reward: one method at one strength (--method,
    --strength), from scratch or from a base (--init-from)."""
    options["mode"] = _renamed_flag("--mode", deprecated_mode, "--method", options["mode"])
    mode_params = _renamed_flag(
        "--mode-param", deprecated_mode_params, "--method-param", mode_params
    )
    if options["reward_tilt"] is not None:
        deprecations.warn(
            deprecations.renamed("--reward-tilt", "--method reward-weighted --strength BETA")
        )
    config = TrainConfig(
        log_to=list(log_to),
        backbone_params=parse_params(backbone_params, "--backbone-param"),
        reward_params=parse_params(reward_params, "--reward-param"),
        mode_params=parse_params(mode_params, "--method-param"),
        amp=not no_amp,
        **options,
    )
    if config.reward is None and (config.audit_every or config.keep_best):
        # a matrix's [run] may set them for every cell (lambda = 0 cells skip them); one
        # run asking for them without a reward asked for something that cannot happen
        raise ConfigError(
            "--audit-every and --keep-best audit a reward against its audit; add --reward NAME"
        )
    if config.reward is None:
        # a matrix's lambda = 0 cells ignore [run]'s reward settings; a single run given them
        # without a reward would ignore them silently
        given = {**config.to_dict(), STRENGTH: strength}
        unused = [flag for flag, key in REWARD_ONLY.items() if given[key] not in (None, {})]
        if unused:
            raise ConfigError(
                f"without --reward, {', '.join(unused)} would have no effect; add --reward NAME "
                f"or leave them out"
            )
    config.validate(names=FLAGS)  # before the plugins load: a bad flag is the only message
    result = workflows.train_config(
        config, out_dir, host_from(ctx), strength=strength, resume=resume, quiet=quiet, names=FLAGS
    )
    click.echo(
        f"trained {result.steps} steps in {result.wall_time_s:.1f}s "
        f"({result.steps_per_s:.1f} steps/s on {result.device}); "
        f"samples: {out_dir}/samples.png"
    )


#: TrainConfig field -> the flag that sets it, so that a bad value is reported by its flag
FLAGS: dict[str, str] = {
    **{
        p.name: p.opts[0]
        for p in train.params
        if isinstance(p, click.Option) and p.name and not p.name.startswith("deprecated_")
    },
    "amp": "--no-amp",
}


def _renamed_flag(old: str, old_value: Any, new: str, new_value: Any) -> Any:
    """The value of ``new``, or of ``old`` (its 0.1 name) with a deprecation warning; both is an
    error."""
    if not old_value:
        return new_value
    deprecations.warn(deprecations.renamed(old, new))
    if new_value:
        raise ConfigError(f"{old} is the old name of {new}: give {new} only")
    return old_value
