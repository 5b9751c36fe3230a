"""metrics.jsonl: one line per logged step, after the check that training has not diverged."""

from __future__ import annotations

import json
import math

from rlgan_bench.core.atomic import append_line, read_jsonl, write_text
from rlgan_bench.core.errors import RlganError
from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.training.context import RunContext

METRICS_FILE = "metrics.jsonl"
#: the statistics that must stay finite
WATCHED = ("d_loss", "g_loss", "reward_mean")


class TrainingDiverged(RlganError):
    """Losses became NaN or inf."""


@hookimpl(tryfirst=True)
def rlgan_run_start(run: RunContext) -> None:
    # the steps after the checkpoint are trained again (all of them in a new run): their lines
    # go, so none is kept twice
    path = run.out_dir / METRICS_FILE
    if path.exists():
        kept = [r for r in read_jsonl(path) if r.get("step", 0) <= run.start_step]
        write_text(path, "".join(json.dumps(r) + "\n" for r in kept))


@hookimpl(tryfirst=True)
def rlgan_after_generator_step(run: RunContext, step: int, stats: dict[str, float] | None) -> None:
    if stats is None:
        return
    # before anything of this step is written: a diverged step leaves no line, grid or
    # checkpoint behind
    if not all(math.isfinite(v) for k, v in stats.items() if k in WATCHED):
        raise TrainingDiverged(
            f"training diverged at step {step} (losses {stats}); lower the learning rate or "
            f"lambda; training on the CPU, which checks every step, names the component at fault"
        )
    append_line(run.out_dir / METRICS_FILE, json.dumps(stats))
