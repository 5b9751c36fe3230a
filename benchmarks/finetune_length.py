"""How many fine-tuning steps does a method need before its reward stops rising? The evidence
for the frontier board's fine-tuning length (`configs/digits-frontier.toml`,
docs/protocol.md).

    python benchmarks/finetune_length.py [--steps 300] [--seeds 0,1] [--out runs/finetune-length]

Runs one base-protocol matrix the way `rlgan-bench run` does: DCGAN bases (width 32, 500
steps, as the board's) for each seed, then every trained method of the board at one strength
inside the board's budget, fine-tuned ``--steps`` steps from its base with the batch reward
logged every 10 steps (``reward_mean`` in metrics.jsonl: the reward of the generator's
training batch, 64 samples). Best-of-n trains nothing and is not in it.

Per method, the reward curve is the mean over seeds of ``reward_mean``, smoothed over 5 log
points (50 steps); its gain at step t is the smoothed value minus the first logged one. The
final gain is the mean of the last 50 steps' smoothed values minus the first. Prints and writes
(results.json in --out) for each method: the first step where the smoothed gain reaches 80% and
90% of the final gain, and the share of the final gain reached at 100 steps (the board's
length).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from rlgan_bench.core.atomic import write_json
from rlgan_bench.host import get_host
from rlgan_bench.matrix.session import load_matrix, run_matrix_cells

LOG_EVERY = 10
WINDOW = 5  # log points smoothed over (50 steps)
#: reward -> {method: strength}: one point inside the board's budget per trained method
POINTS: dict[str, dict[str, float]] = {
    "classifier": {"backprop": 0.3, "reward-weighted": 0.3},
    "jpeg": {"reinforce": 0.01, "ppo": 0.003, "critic": 1.0, "reward-weighted": 10.0},
}


def matrix(steps: int, seeds: list[int]) -> dict[str, Any]:
    return {
        "run": {
            "dataset": "digits",
            "steps": 500,
            "batch_size": 64,
            "width": 32,
            "latent_dim": 64,
            "log_every": LOG_EVERY,
            "sample_every": 10_000,
            "checkpoint_every": 10_000,
        },
        "eval": {"samples": 200, "metrics": ["fid"]},
        "matrix": {
            "backbones": ["dcgan"],
            "seeds": seeds,
            "finetune_steps": steps,
            "rewards": [
                {
                    "name": reward,
                    **({"params": {"target": 7}} if reward == "classifier" else {}),
                    "methods": {method: [strength] for method, strength in points.items()},
                }
                for reward, points in POINTS.items()
            ],
        },
    }


def reward_curve(metrics: Path) -> dict[int, float]:
    curve = {}
    for line in metrics.read_text().splitlines():
        row = json.loads(line)
        if "reward_mean" in row:
            curve[int(row["step"])] = float(row["reward_mean"])
    return curve


def plateau(curves: list[dict[int, float]]) -> dict[str, Any]:
    """The smoothed mean curve's steps to 80% / 90% of its final gain, and its share at 100."""
    steps = sorted(set.intersection(*(set(c) for c in curves)))
    mean = [statistics.fmean(c[s] for c in curves) for s in steps]
    smooth = [statistics.fmean(mean[max(0, i - WINDOW + 1) : i + 1]) for i in range(len(mean))]
    start = mean[0]
    tail = [v for s, v in zip(steps, smooth, strict=True) if s > steps[-1] - 50]
    final = statistics.fmean(tail) - start

    def first_reaching(share: float) -> int | None:
        hit = [s for s, v in zip(steps, smooth, strict=True) if v - start >= share * final]
        return hit[0] if hit and final > 0 else None

    at_100 = [v for s, v in zip(steps, smooth, strict=True) if s <= 100]
    return {
        "first_step": steps[0],
        "start": start,
        "final_gain": final,
        "steps_to_80": first_reaching(0.8),
        "steps_to_90": first_reaching(0.9),
        "share_at_100": (at_100[-1] - start) / final if at_100 and final > 0 else None,
        "smoothed": dict(zip(steps, smooth, strict=True)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--out", default="runs/finetune-length")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    out = Path(args.out)
    host = get_host()
    tic = time.perf_counter()
    outcome = run_matrix_cells(load_matrix(matrix(args.steps, seeds), host), out, host)
    if outcome.failed:
        raise SystemExit(f"{len(outcome.failed)} cells failed: see {out}/cells/*/result.json")
    results: dict[str, Any] = {}
    for reward, points in POINTS.items():
        for method, strength in points.items():
            runs = sorted(out.glob(f"cells/dcgan__{reward}__{method}__*__seed*/run/metrics.jsonl"))
            curves = [reward_curve(path) for path in runs]
            key = f"{reward} {method} {strength:g}"
            results[key] = {"seeds": len(curves), **plateau(curves)}
            r = results[key]
            print(
                f"{key:32s} seeds {len(curves)}  final gain {r['final_gain']:+.3f}  "
                f"80% at {r['steps_to_80']}  90% at {r['steps_to_90']}  "
                f"share at 100: {r['share_at_100']:.2f}"
                if r["share_at_100"] is not None
                else f"{key:32s} no gain over {args.steps} steps"
            )
    write_json(
        out / "results.json",
        {"steps": args.steps, "seeds": seeds, "wall_s": time.perf_counter() - tic, **results},
    )


if __name__ == "__main__":
    main()
