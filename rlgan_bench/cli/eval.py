"""``rlgan-bench eval``: scoring a run. The options' defaults are
:data:`~rlgan_bench.core.defaults.EVAL_DEFAULTS`."""

from __future__ import annotations

import json
from typing import Any

import click

from rlgan_bench.cli.context import host_from
from rlgan_bench.cli.printing import print_audits, print_eval
from rlgan_bench.core.defaults import (
    CLIP_MODEL_CHOICES,
    EVAL_DEFAULTS,
    EXTRACTOR_CHOICES,
    FID_RESIZE_CHOICES,
)
from rlgan_bench.evaluation import gauge
from rlgan_bench.evaluation.evaluate import EVAL_FILE, evaluate

D = EVAL_DEFAULTS


@click.command("eval")
@click.argument("run_dir", type=click.Path())
@click.option(
    "--samples",
    type=int,
    default=D["samples"],
    show_default=True,
    help="Samples to generate (fewer than the default are allowed and recorded).",
)
@click.option(
    "--metrics",
    default=",".join(D["metrics"]),
    show_default=True,
    help="Comma-separated metrics (see `rlgan-bench plugins`).",
)
@click.option("--json", "as_json", is_flag=True, help="Print eval.json instead of a table.")
@click.option(
    "--save-samples",
    type=click.Path(file_okay=False),
    default=None,
    help="Also write the samples (and the real images) as PNG files to DIR.",
)
@click.option(
    "--extractor",
    type=click.Choice(EXTRACTOR_CHOICES),
    default=D["extractor"],
    show_default=True,
    help="Feature extractor for FID/IS/KID/PR.",
)
@click.option(
    "--inception-weights",
    type=click.Path(dir_okay=False),
    default=D["inception_weights"],
    help="torch-fidelity's Inception weights file (default: its cache); with the auto or "
    "inception-v3-compat extractor and one of fid, is, kid, prc.",
)
@click.option(
    "--fid-resize",
    type=click.Choice(FID_RESIZE_CHOICES),
    default=D["fid_resize"],
    show_default=True,
    help="How images reach the extractor's input size: torch-fidelity (its extractor's own "
    "interpolation) or clean (antialiased bicubic first, as clean-fid); recorded with each "
    "score.",
)
@click.option(
    "--clip-model",
    type=click.Choice(CLIP_MODEL_CHOICES),
    default=D["clip_model"],
    show_default=True,
    help="Model of the CLIP score; auto: ViT-B/32 when present, else digits-clip-audit.",
)
@click.option(
    "--prompt",
    "prompts",
    multiple=True,
    metavar="TEXT",
    help="CLIP score prompt (repeatable; default: the run's reward prompt).",
)
@click.option("--raw", is_flag=True, help="Score the raw generator instead of the EMA one.")
@click.option(
    "--baseline",
    type=click.Path(),
    default=None,
    help="The lambda = 0 run of the same backbone and seed: also measure what the reward "
    "really bought (eval.json's reward_audit).",
)
@click.option("--seed", type=int, default=D["seed"], show_default=True, help="Latent seed.")
@click.option("--batch-size", type=int, default=D["batch_size"], show_default=True)
@click.option("--device", default=D["device"], show_default=True, help="auto, cpu or cuda[:N].")
@click.pass_context
def eval_command(
    ctx: click.Context,
    run_dir: str,
    as_json: bool,
    save_samples: str | None,
    raw: bool,
    prompts: tuple[str, ...],
    baseline: str | None,
    **options: Any,
) -> None:
    """Score a run's generator: FID, IS, KID, precision/recall and CLIP score; with
    --baseline, also the reward-hacking gauge against the lambda = 0 run."""

    host = host_from(ctx)
    result = evaluate(
        run_dir,
        host=host,
        save_samples=save_samples,
        generator="raw" if raw else "ema",
        prompts=prompts or None,
        **options,
    )
    if baseline is not None:
        section = gauge.measure(
            run_dir,
            baseline,
            host=host,
            samples=int(result["samples"]),
            seed=int(result["seed"]),
            batch_size=int(options["batch_size"]),
            device=options["device"],
        )
        result = gauge.write_section(run_dir, section)
    if as_json:
        click.echo(json.dumps(result, indent=2, sort_keys=True, default=str))
        return

    print_eval(result)
    if baseline is not None:
        print_audits([(run_dir, result["reward_audit"])])
    click.echo(f"wrote {run_dir.rstrip('/')}/{EVAL_FILE}", err=True)
