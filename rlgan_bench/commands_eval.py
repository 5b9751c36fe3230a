"""``rlgan-bench eval`` and ``rlgan-bench weights``: scoring a run, and the model files the
scores depend on. The options' defaults are :data:`~rlgan_bench.metrics.defaults.EVAL_DEFAULTS`."""

from __future__ import annotations

import json
from typing import Any

import click

from rlgan_bench.metrics.defaults import CLIP_MODEL_CHOICES, EVAL_DEFAULTS, EXTRACTOR_CHOICES

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
    default=None,
    help="torch-fidelity's Inception weights file (default: its cache).",
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
    from rlgan_bench.cli import host_from
    from rlgan_bench.evaluate import EVAL_FILE, evaluate

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
        from rlgan_bench.audits import gauge

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
    from rlgan_bench.metrics.report import print_eval

    print_eval(result)
    if baseline is not None:
        from rlgan_bench.metrics.report import print_audits

        print_audits([(run_dir, result["reward_audit"])])
    click.echo(f"wrote {run_dir.rstrip('/')}/{EVAL_FILE}", err=True)


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
    from pathlib import Path

    from rlgan_bench.cli import host_from
    from rlgan_bench.errors import ConfigError
    from rlgan_bench.runner import complete_audits, matrix_lock

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
    from rlgan_bench.metrics.report import print_audits

    print_audits(sections)


@click.group()
def weights() -> None:
    """Model files the metrics and rewards use (nothing is downloaded at run time)."""


@weights.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def weights_status(ctx: click.Context, as_json: bool) -> None:
    """Each model: who uses it, where it is looked for, present or missing, sha256."""
    from rlgan_bench import weights as weights_module
    from rlgan_bench.cli import host_from

    uses = _uses(host_from(ctx))
    rows = [
        {**weights_module.status(name), "used_by": uses.get(name, [])}
        for name in weights_module.table()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    from rlgan_bench.metrics.report import print_weights

    print_weights(rows)


@weights.command("import")
@click.argument("name")
@click.argument("file", type=click.Path(dir_okay=False))
def weights_import(name: str, file: str) -> None:
    """Copy FILE (obtained elsewhere) to where NAME is looked for, after checking its hash."""
    from rlgan_bench import weights as weights_module

    target = weights_module.import_file(name, file)
    click.echo(f"{name}: sha256 checked, copied to {target}")


def _uses(host: Any) -> dict[str, list[str]]:
    """Model name -> the metrics and rewards that use it."""
    from rlgan_bench.weights import METRIC_USES

    uses = {name: list(users) for name, users in METRIC_USES.items()}
    for name, component in host.components("rewards").items():
        for model in getattr(component.obj, "model_files", ()):
            uses.setdefault(model, []).append(f"reward {name}")
    for name, component in host.components("audits").items():
        for model in getattr(component.obj, "model_files", ()):
            uses.setdefault(model, []).append(f"audit {name}")
    return uses
