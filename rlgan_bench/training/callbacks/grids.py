"""Sample grids of the EMA generator on the run's fixed latents: samples/step_*.png every
``sample_every`` steps and at the last, which is also the run's samples.png."""

from __future__ import annotations

from torch import Tensor

from rlgan_bench.core.grids import generate_in_eval_mode, save_grid, save_images_grid
from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.training.context import RunContext

FINAL_GRID = "samples.png"


@hookimpl
def rlgan_run_start(run: RunContext) -> None:
    # a run resumed after its last step (killed before it finished) trains nothing: its final
    # grid is drawn here, from the restored EMA generator
    if run.start_step >= run.config.steps:
        save_grid(run.ema_generator, _latents(run), run.out_dir / FINAL_GRID)


@hookimpl(trylast=True)
def rlgan_after_generator_step(run: RunContext, step: int) -> None:
    config = run.config
    last = step == config.steps
    if step % config.sample_every and not last:
        return
    images = generate_in_eval_mode(run.ema_generator, _latents(run))
    save_images_grid(images, run.out_dir / "samples" / f"step_{step:06d}.png")
    if last:
        save_images_grid(images, run.out_dir / FINAL_GRID)


def _latents(run: RunContext) -> Tensor:
    assert run.grid_latents is not None, "the trainer sets the grid latents"
    return run.grid_latents
