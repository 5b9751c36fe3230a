"""``rlgan-bench report``: the leaderboard of a results directory (``rlgan-bench run --out``) as
Markdown, JSON or one self-contained HTML page; ``--compare A B`` gives the change of each metric
between two results directories."""

from __future__ import annotations

import json
from pathlib import Path

import click

from rlgan_bench.analysis.compute import DEFAULT_X_AXIS, X_AXES
from rlgan_bench.core.atomic import json_safe, write_text
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.report import FORMATS, render
from rlgan_bench.report import compare as compare_module
from rlgan_bench.report.columns import COLUMNS
from rlgan_bench.report.ranking import load

SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json"}


@click.command("report")
@click.argument("results_dir", required=False, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="md (default), html (one self-contained page) or json (the rows, for other tools); "
    "by default the --out suffix decides.",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the report to FILE (atomically) instead of printing it.",
)
@click.option(
    "--sort",
    default=None,
    metavar="METRIC",
    help=f"Rank by {COLUMNS[0].name} (default), {', '.join(c.name for c in COLUMNS[1:-1])} or "
    f"{COLUMNS[-1].name}, each in its own direction.",
)
@click.option(
    "--compare",
    nargs=2,
    type=click.Path(),
    default=None,
    metavar="A B",
    help="Instead: the change of each metric from results directory A to B.",
)
@click.option(
    "--x-axis",
    "x_axis",
    default=DEFAULT_X_AXIS,
    metavar="AXIS",
    help=f"HTML frontier charts: plot the verified gain against {', '.join(X_AXES[1:])} "
    f"(compute beyond the base) before the fidelity costs; {DEFAULT_X_AXIS} (default): the "
    "fidelity costs alone.",
)
def report(
    results_dir: str | None,
    fmt: str | None,
    out_file: str | None,
    sort: str | None,
    compare: tuple[str, str] | None,
    x_axis: str,
) -> None:
    """Leaderboard of RESULTS_DIR: one row per backbone x reward x mode x lambda, the mean over
    seeds ± its 95% interval, ranked by --sort; failed cells listed apart."""

    if fmt is None:
        fmt = SUFFIXES.get(Path(out_file).suffix.lower(), "md") if out_file else "md"
    if x_axis not in X_AXES:
        raise ConfigError(f"--x-axis {x_axis!r} is not one of {', '.join(X_AXES)}")
    if x_axis != DEFAULT_X_AXIS and (fmt != "html" or compare):
        raise ConfigError(
            f"--x-axis {x_axis} sets the charts of the HTML frontier; use it with --format html "
            f"(or --out FILE.html) and a RESULTS_DIR"
        )
    if compare:
        if results_dir is not None:
            raise ConfigError("give either RESULTS_DIR or --compare A B, not both")

        comparison = compare_module.compare(load(compare[0], sort), load(compare[1], sort))
        if fmt == "json":
            data = json_safe(comparison.to_json())
            text = json.dumps(data, indent=2, default=str, allow_nan=False) + "\n"
        elif fmt == "html":
            text = compare_module.render_html(comparison)
        else:
            text = compare_module.render_markdown(comparison)
    else:
        if results_dir is None:
            raise ConfigError("give a results directory (rlgan-bench report RESULTS_DIR)")
        text = render(load(results_dir, sort), fmt, x_axis)
    if out_file is None:
        click.echo(text, nl=False)
        return

    try:
        write_text(out_file, text)
    except OSError as exc:
        raise ConfigError(f"--out {out_file!r}: cannot write ({exc.strerror or exc})") from None
    click.echo(f"wrote {out_file}", err=True)
