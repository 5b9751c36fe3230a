"""``rlgan-bench run``: train and score every cell of a matrix, unattended."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from rlgan_bench import workflows
from rlgan_bench.cli.context import host_from
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.errors import ConfigError, RlganError
from rlgan_bench.core.params import describe
from rlgan_bench.core.runtime import resolve_device
from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.host import PluginHost
from rlgan_bench.matrix.cell import Cell, Matrix
from rlgan_bench.matrix.runner import STATUS_DONE
from rlgan_bench.training.progress import console  # the one stderr console of the training views


class CellProgress:
    """An in-process plugin: the training hooks move the current cell's progress bar."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: Any = None

    @hookimpl
    def rlgan_run_start(self, run: Any) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task(
            f"  {run.out_dir.parent.name}", total=run.config.steps, completed=run.step, status=""
        )

    @hookimpl
    def rlgan_after_generator_step(self, run: Any, step: int, stats: Any) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=step)


def parse_seeds(seeds: str | None) -> list[int] | None:
    """``--seeds 0,1,2`` -> [0, 1, 2]; None when the flag is not given."""
    if seeds is None:
        return None
    try:
        return [int(s) for s in seeds.split(",") if s.strip()]
    except ValueError:
        raise ConfigError(
            f"--seeds {seeds!r}: give integers separated by commas, e.g. 0,1,2"
        ) from None


@click.command()
@click.argument("config", required=False, type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", default="results/default", show_default=True, type=click.Path())
@click.option("--steps", type=int, default=None, help="Override run.steps for every cell.")
@click.option("--seeds", default=None, help="Override matrix.seeds, e.g. 0,1,2.")
@click.option("--dry-run", is_flag=True, help="Print the matrix and the number of cells.")
@click.option("--retry-failed", is_flag=True, help="Run the failed cells again.")
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="Cells in N local processes (one GPU each when there are GPUs).",
)
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("--ray-address", default=None, help="Ray cluster to join (default: a local one).")
@click.option(
    "--device",
    default=TrainConfig.device,  # the cells' TrainConfig.device
    show_default=True,
    help="auto, cpu or cuda[:N], for every cell.",
)
@click.option("--quiet", is_flag=True, help="One line per finished cell (for logs and CI).")
@click.pass_context
def run(
    ctx: click.Context,
    config: str | None,
    out_dir: str,
    steps: int | None,
    seeds: str | None,
    dry_run: bool,
    retry_failed: bool,
    workers: int,
    executor: str,
    ray_address: str | None,
    device: str,
    quiet: bool,
) -> None:
    """Train and score every cell of a matrix (default: the shipped digits benchmark)."""

    host = host_from(ctx)
    _check_options(device, workers, executor)
    # None: the shipped default, recorded by name rather than by its install path
    matrix = workflows.plan_matrix(config or None, host=host, steps=steps, seeds=parse_seeds(seeds))
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out_dir!r} is a file; give a directory")
    if dry_run:
        _print_cells(matrix, Path(matrix.source).name)  # the file's name, or the default's
        return

    outcome = _run_with_progress(
        matrix, out, retry_failed, executor, workers, device, ray_address, quiet, host
    )
    failed = outcome.failed
    click.echo(
        f"{len(matrix.cells) - len(failed)} done, {len(failed)} failed "
        f"in {outcome.wall_s:.0f}s; results in {out}"
    )
    _print_leaderboard(out)
    for record in failed:
        if record is not None:
            click.echo(f"FAILED {record['cell']}: {record['error']}", err=True)
    if failed:
        hint = "fix the cause, then rerun with --retry-failed"
        click.echo(f"{len(failed)} cells failed; {hint}", err=True)
        ctx.exit(1)


DRY_RUN_COLUMNS = ("cell", "backbone", "reward", "method", "strength", "seed", "steps")


def _print_cells(matrix: Matrix, name: str) -> None:
    """The cells of ``run --dry-run``: a table on a terminal; otherwise (a pipe, a file) one
    tab-separated line per cell under a header line, whole whatever the width, for grep and
    cut."""
    rows = []
    for cell in matrix.cells:
        t = cell.train
        rows.append(
            (
                cell.id,
                describe(t.backbone, t.backbone_params),
                cell.reward_label,
                _method_label(cell),
                _strength_label(cell),
                str(t.seed),
                "0 (selects)" if cell.protocol and not cell.protocol.trains else str(t.steps),
            )
        )
    if sys.stdout.isatty():
        table = Table(title=f"{name}: {len(matrix.cells)} cells")
        for column in DRY_RUN_COLUMNS:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*row)
        Console().print(table)
    else:
        for row in (DRY_RUN_COLUMNS, *rows):
            click.echo("\t".join(value.replace("\t", " ") for value in row))
    click.echo(f"{len(matrix.cells)} cells")


def _check_options(device: str, workers: int, executor: str) -> None:
    """The options every cell would otherwise refuse when it starts (or the executor after
    matrix.json is written), named by their flags, before anything is written."""
    TrainConfig(device=device).validate(names={"device": "--device"})
    if executor == "local":  # a Ray worker resolves the device on its own machine
        resolve_device(device)
    if workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {workers}")


def _run_with_progress(
    matrix: Matrix,
    out: Path,
    retry_failed: bool,
    executor: str,
    workers: int,
    device: str,
    ray_address: str | None,
    quiet: bool,
    host: PluginHost,
) -> workflows.MatrixOutcome:
    """:func:`rlgan_bench.run_matrix` under a progress view: a bar for the matrix and, in
    this process, one for the current cell's steps (the report is written afterwards, by
    :func:`_print_leaderboard`)."""
    counts = {"done": 0, "failed": 0}
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=quiet,
    )
    matrix_task = progress.add_task("[bold]matrix", total=len(matrix.cells), status="")
    # in this process, cells get their step progress through the host's hooks (the host of
    # the same disabled plugins that run_cell gets)
    cell_view = (
        CellProgress(progress) if executor == "local" and workers == 1 and not quiet else None
    )
    if cell_view is not None:
        host.add_plugin(cell_view, name="rlgan-bench-progress")

    def on_skipped(skipped: int) -> None:
        console.print(f"{skipped} of {len(matrix.cells)} cells already recorded in {out}")
        progress.update(matrix_task, total=len(matrix.cells) - skipped)

    def on_start(cell: Any) -> None:
        progress.update(matrix_task, status=f"running {cell.id}")

    def on_done(cell: Any, record: dict) -> None:
        ok = record.get("status") == STATUS_DONE
        counts["done" if ok else "failed"] += 1
        progress.update(
            matrix_task, advance=1, status=f"{counts['done']} done, {counts['failed']} failed"
        )
        if quiet:
            line = f"{'done' if ok else 'FAILED'} {cell.id}"
            timing = record.get("timing_s", {}).get("total")
            line += f" ({timing:.0f}s)" if timing else ""
            if not ok:
                line += f": {record.get('error')}"
            click.echo(line)

    try:
        with progress:
            return workflows.run_matrix(
                matrix,
                out=out,
                host=host,
                retry_failed=retry_failed,
                executor=executor,
                workers=workers,
                device=device,
                report=False,
                ray_address=ray_address,
                on_start=on_start,
                on_done=on_done,
                on_skipped=on_skipped,
            )
    finally:
        if cell_view is not None:
            host.remove_plugin(cell_view)


def _print_leaderboard(out: Path) -> None:
    """The leaderboard table and the path of the report (written beside the results)."""

    try:
        paths = workflows.write_report(out)
    except RlganError as exc:  # the results are saved; only the report is missing
        click.echo(f"report not written: {exc}; run `rlgan-bench report {out}`", err=True)
        return
    click.echo(paths["markdown_text"])
    click.echo(f"report: {paths['html']}")


def _method_label(cell: Cell) -> str:
    protocol = cell.protocol
    if protocol is not None and protocol.role != "finetune":
        return protocol.role
    return cell.train.mode or "-"


def _strength_label(cell: Cell) -> str:
    protocol, t = cell.protocol, cell.train
    if protocol is not None and protocol.strength is not None:
        label = f"{protocol.strength_name} {protocol.strength:g}"
        return label + (f", anchor {protocol.anchor:g}" if protocol.anchor else "")
    return "-" if t.reward is None else f"lambda {t.reward_weight:g}"
