"""How well does the ``critic`` method's surrogate know the reward when it first steers? DCGAN
(width 32) on the embedded digits: one base without a reward (or --base, a run folder); then,
per reward, number of warm-up fit steps and seed, a fresh ``critic`` surrogate is warmed up on
the base's samples as the method does at its first step (from a batch of 64 latents), and
scored on fresh samples: 256 new latents' images and 2 perturbations of each (768 images), as
the first step's own samples are.

    python benchmarks/critic_warmup.py [--base-steps 400] [--warmups 0,50,100,200]
                                       [--seeds 0,1,2] [--base runs/ppo-trust-region/base]
                                       [--out runs/critic-warmup]

Prints, per (reward, warmup_steps), the mean over the seeds (and the range) of: ``fit``, the
correlation of the surrogate with the reward on the fresh samples (what ``critic_fit`` logs
at each step; at step 1 after the warm-up); ``within``, the same after subtracting each
latent's mean from both (does it rank the perturbations of one image like the reward, the
local direction the generator climbs); and the warm-up's CPU seconds (of all threads). The generator samples in
eval mode (batch-norm running statistics), the trainer's in train mode. Writes results.json
in --out.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import torch

from rlgan_bench.builtins.methods.critic import Critic, correlation
from rlgan_bench.core.atomic import write_json
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.host import get_host
from rlgan_bench.training.trainer import Trainer
from rlgan_bench.workflows import load_generator

REWARDS: list[tuple[str, dict[str, Any]]] = [("classifier", {"target": 7}), ("jpeg", {})]
BATCH, FRESH = 64, 256


def train_base(out: Path, steps: int) -> None:
    config = TrainConfig(
        backbone="dcgan", width=32, batch_size=64, device="cpu", seed=0, steps=steps,
        log_every=100, sample_every=10_000, checkpoint_every=10_000,
    )  # fmt: skip
    Trainer(config, out, silent=True).run()


def measure(generator: Any, reward_name: str, params: dict[str, Any], warmup: int, seed: int):
    reward = get_host().get("rewards", reward_name).obj(**params)
    reward.setup(torch.device("cpu"), 32, 1)
    torch.manual_seed(seed)
    critic = Critic(reward, "benchmark", warmup_steps=warmup)
    z = generator.sample_latent(BATCH)
    with torch.no_grad():
        first = generator(z)
    critic._lazy_init(first)
    tic = time.process_time()
    critic.warm_up(None, z, generator)
    seconds = time.process_time() - tic  # CPU time: wall time varies with the load
    assert critic.surrogate is not None
    with torch.no_grad():
        samples, rewards = critic._draw(generator(generator.sample_latent(FRESH)))
        predicted = critic.surrogate(samples)
    fit = correlation(predicted, rewards)
    # samples are [images, perturbations 1, perturbations 2]: (3, FRESH) per latent
    predicted, rewards = predicted.view(-1, FRESH), rewards.view(-1, FRESH)
    within = correlation(
        (predicted - predicted.mean(0)).flatten(), (rewards - rewards.mean(0)).flatten()
    )
    return float(fit), float(within), seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-steps", type=int, default=400)
    parser.add_argument("--base", default=None, help="a base run folder (else trained in --out)")
    parser.add_argument("--warmups", default="0,50,100,200", help="warmup_steps values")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="runs/critic-warmup")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    base = Path(args.base) if args.base else out / "base"
    if not (base / "summary.json").exists():
        tic = time.perf_counter()
        train_base(base, args.base_steps)
        print(f"base: {args.base_steps} steps in {time.perf_counter() - tic:.0f} s")
    generator = load_generator(base, generator="raw")
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = []
    print(f"{'reward':<11} {'warmup':>6}  {'fit (min..max)':<22} {'within (min..max)':<22} CPU s")
    for reward, params in REWARDS:
        for warmup in [int(w) for w in args.warmups.split(",")]:
            runs = [measure(generator, reward, params, warmup, seed) for seed in seeds]
            fit, within, seconds = (list(values) for values in zip(*runs))
            rows.append(
                {
                    "reward": reward,
                    "warmup_steps": warmup,
                    "seeds": seeds,
                    "fit": fit,
                    "within": within,
                    "seconds": seconds,
                }  # fmt: skip
            )

            def spread(values: list[float]) -> str:
                return f"{statistics.mean(values):.2f} ({min(values):.2f}..{max(values):.2f})"

            print(
                f"{reward:<11} {warmup:>6}  {spread(fit):<22} {spread(within):<22} "
                f"{statistics.mean(seconds):.1f}",
                flush=True,
            )
    write_json(out / "results.json", {"args": vars(args), "rows": rows})


if __name__ == "__main__":
    main()
