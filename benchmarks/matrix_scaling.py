"""Wall time of a small matrix with 1 and 2 local workers on CPU, in one run.

    python benchmarks/matrix_scaling.py [--cells 4] [--steps 60]

Prints both wall times and the speed-up ratio. Each worker gets cpu_count / workers torch
threads, so on 2 cores the ratio measures process parallelism against intra-op threads.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rlgan_bench.host import get_host
from rlgan_bench.matrix.executors import execute
from rlgan_bench.matrix.spec import build_matrix


def small_matrix(cells: int, steps: int) -> dict:
    return {
        "run": {
            "steps": steps,
            "batch_size": 32,
            "width": 16,
            "latent_dim": 32,
            "log_every": 20,
            "sample_every": steps,
            "checkpoint_every": steps,
        },
        "eval": {"samples": 200, "metrics": ["fid", "is"]},
        "matrix": {
            "backbones": ["dcgan"],
            "seeds": list(range(cells)),
            "rewards": [{"name": "none"}],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cells", type=int, default=4)
    parser.add_argument("--steps", type=int, default=60)
    args = parser.parse_args()
    matrix = build_matrix(small_matrix(args.cells, args.steps), get_host())
    times = {}
    with tempfile.TemporaryDirectory() as folder:
        for workers in (1, 2):
            tic = time.perf_counter()
            records = execute(
                matrix.cells, Path(folder) / f"w{workers}", workers=workers, device="cpu"
            )
            times[workers] = time.perf_counter() - tic
            assert all(r["status"] == "done" for r in records), records
    print(f"{args.cells} cells x {args.steps} steps (DCGAN width 16) on CPU")
    print(f"1 worker:  {times[1]:7.1f} s")
    print(f"2 workers: {times[2]:7.1f} s")
    print(f"speed-up 1 -> 2 workers: {times[1] / times[2]:.2f}x")


if __name__ == "__main__":
    main()
