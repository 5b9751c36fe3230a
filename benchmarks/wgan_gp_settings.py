"""How many generator steps WGAN-GP needs to draw digits, at its paper's optimiser settings and
at DCGAN's, and what one step costs: what the default matrix's WGAN-GP entry is sized from.

    python benchmarks/wgan_gp_settings.py [--steps 800] [--every 100] [--samples 500] [--jobs 2]

Trains WGAN-GP (width 32, batch 64, seed 0) on the embedded digits with the real trainer, once
per setting, and every --every steps scores the EMA generator (in eval mode, on --samples fixed
latents) with FID against the held-out split, from a plugin on the ``rlgan_after_generator_step``
hook. Settings: ``paper`` (Adam lr 1e-4, betas (0, 0.9)) and ``dcgan-adam`` (lr 2e-4, betas
(0.5, 0.9)), both with 5 critic steps and penalty weight 10. Prints FID against steps for each
and the seconds per generator step (scoring excluded). With --jobs 2 the two settings train side
by side with one torch thread each, so their timings compare with each other but not with a
single-process run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import torch

from rlgan_bench.hookspecs import hookimpl

SETTINGS: dict[str, dict[str, Any]] = {
    "paper": {},
    "dcgan-adam": {"lr": 2e-4, "betas": (0.5, 0.9)},
}


class FidProbe:
    """Scores the EMA generator every ``every`` steps; keeps the time it spent doing so."""

    def __init__(self, every: int, samples: int) -> None:
        from rlgan_bench.host import get_host

        self.every, self.curve, self.scoring_s = every, [], 0.0
        self.dataset = get_host().get("datasets", "digits").obj
        self.real = self.dataset.load("heldout", None, 32, 1)
        self.latents = torch.randn(samples, 64, generator=torch.Generator().manual_seed(1))

    @hookimpl
    def rlgan_after_generator_step(self, run: Any, step: int, stats: Any) -> None:
        if step % self.every:
            return
        from rlgan_bench.core.dataset import to_uint8
        from rlgan_bench.evaluation.evaluate import score_samples

        tic = time.perf_counter()
        ema = run.ema_generator
        ema.eval()
        with torch.no_grad():
            images = to_uint8(ema(self.latents.to(run.device)).float()).cpu()
        ema.train()
        scores = score_samples(images, self.real, self.dataset, metrics=("fid",), device="cpu")
        self.curve.append((step, scores["metrics"]["fid"]["values"]["fid"]))
        self.scoring_s += time.perf_counter() - tic


def train(name: str, steps: int, every: int, samples: int, threads: int) -> dict[str, Any]:
    from rlgan_bench.core.config import TrainConfig
    from rlgan_bench.host import PluginHost
    from rlgan_bench.training.trainer import Trainer

    torch.set_num_threads(threads)
    probe = FidProbe(every, samples)
    host = PluginHost().load()
    host.add_plugin(probe, name="fid-probe")
    config = TrainConfig(
        backbone="wgan-gp",
        backbone_params=SETTINGS[name],
        steps=steps,
        width=32,
        seed=0,
        device="cpu",
        log_every=50,
        sample_every=steps,
        checkpoint_every=steps,
    )
    with tempfile.TemporaryDirectory() as out:
        tic = time.perf_counter()
        Trainer(config, out, host=host, silent=True).run()
        seconds = time.perf_counter() - tic
    return {
        "name": name,
        "curve": probe.curve,
        "seconds_per_step": (seconds - probe.scoring_s) / steps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    names = list(SETTINGS)
    threads = max(1, (torch.get_num_threads() // args.jobs))
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(
            pool.map(
                train,
                names,
                [args.steps] * len(names),
                [args.every] * len(names),
                [args.samples] * len(names),
                [threads] * len(names),
            )
        )
    print(
        f"device cpu, {args.jobs} job(s) x {threads} thread(s); FID of the EMA generator, "
        f"N = {args.samples} vs 600 held-out digits"
    )
    print("step | " + " | ".join(r["name"] for r in results))
    for i, (step, _) in enumerate(results[0]["curve"]):
        print(f"{step} | " + " | ".join(f"{r['curve'][i][1]:.1f}" for r in results))
    for r in results:
        print(f"{r['name']}: {r['seconds_per_step']:.3f} s per generator step")


if __name__ == "__main__":
    main()
