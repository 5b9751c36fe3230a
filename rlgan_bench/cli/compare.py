"""``rlgan-bench compare RESULTS_DIR LEADERBOARD_DIR``: whether your run reproduces a committed
leaderboard within the board's own seed noise (:mod:`rlgan_bench.report.reproduce`), with a
verdict: exit code 0 within noise, 1 differs, 2 cannot be judged."""

from __future__ import annotations

import json

import click

from rlgan_bench.core.atomic import json_safe
from rlgan_bench.core.errors import RlganError
from rlgan_bench.report.ranking import load
from rlgan_bench.report.reproduce import render_text, reproduce

#: the exit code when nothing could be judged (no noise estimate, nothing in common, no results)
CANNOT_JUDGE = 2


class CannotJudge(click.ClickException):
    exit_code = CANNOT_JUDGE


@click.command("compare")
@click.argument("results_dir", type=click.Path())
@click.argument("leaderboard_dir", type=click.Path())
@click.option(
    "--noise-from",
    "noise_from",
    type=click.Path(),
    default=None,
    metavar="DIR",
    help="Where the board has one seed: take the seed spread of the same points (backbone, "
    "reward, method, strength) from DIR, a board with several seeds (e.g. "
    "leaderboards/digits-frontier for the default benchmark's DCGAN points).",
)
@click.option("--json", "as_json", is_flag=True, help="The checks and the verdict as JSON.")
@click.pass_context
def compare(
    ctx: click.Context,
    results_dir: str,
    leaderboard_dir: str,
    noise_from: str | None,
    as_json: bool,
) -> None:
    """Judge RESULTS_DIR (rlgan-bench run --out) against LEADERBOARD_DIR: per configuration the
    board's FID, precision and verified and claimed gains, yours, the difference, the seed noise
    it is judged against and a verdict (within noise / differs); last, one line with the overall
    verdict. Exit code 0: all within noise; 1: something differs; 2: nothing could be judged."""

    try:
        noise = load(noise_from) if noise_from is not None else None
        reproduction = reproduce(load(results_dir), load(leaderboard_dir), noise)
    except RlganError as exc:
        raise CannotJudge(str(exc)) from None
    if as_json:
        data = json_safe(reproduction.to_json())
        click.echo(json.dumps(data, indent=2, default=str, allow_nan=False))
    else:
        click.echo(render_text(reproduction), nl=False)
    ctx.exit(0 if reproduction.ok else 1)
