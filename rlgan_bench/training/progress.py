"""Terminal progress for training: a rich bar with it/s, losses and ETA, or plain lines."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

console = Console(stderr=True)


class TrainProgress:
    def __init__(self, total: int, start: int, quiet: bool = False, silent: bool = False) -> None:
        self.quiet = quiet
        self.silent = silent
        self.total = total
        self.progress = Progress(
            TextColumn("[bold]train"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[speed]}"),
            TextColumn("{task.fields[losses]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=quiet or silent,
            transient=False,
        )
        self.task = self.progress.add_task(
            "train", total=total, completed=start, speed="", losses=""
        )

    def __enter__(self) -> TrainProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def update(self, step: int, stats: dict[str, float]) -> None:
        losses = f"D {stats.get('d_loss', 0):.3f} G {stats.get('g_loss', 0):.3f}"
        if "reward_mean" in stats:
            losses += f" R {stats['reward_mean']:.3f}"
        speed = f"{stats.get('it_per_s', 0):.1f} it/s"
        if self.silent:
            return
        if self.quiet:
            if step == self.total or step % max(1, self.total // 10) < 1:
                console.print(f"step {step}/{self.total} {speed} {losses}", highlight=False)
            return
        self.progress.update(self.task, completed=step, speed=speed, losses=losses)
