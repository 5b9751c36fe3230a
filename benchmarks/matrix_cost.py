"""The cost of a base-protocol matrix against the sum of its unique work, in one run.

    python benchmarks/matrix_cost.py [CONFIG] [--out DIR] [--device cpu] [--workers 1]

Runs the matrix (default: the shipped default benchmark) into a fresh folder the way
`rlgan-bench run` does (plugin host, validation, bases first, the cells, the audits, the
reports) and prints its wall time against the sum of the work its cells recorded
(`timing_s`: training or assembling, evaluation, the reward-hacking gauge), each base counted
once, since it is one cell that every point of it starts from. A ratio near 1 says the matrix
costs what its unique work costs: no base trained twice, little orchestration, workers that do
not wait for each other (with W workers the ratio is wall x W / work). The target is <= 1.05.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from rlgan_bench.host import get_host
from rlgan_bench.matrix.session import load_matrix, run_matrix_cells
from rlgan_bench.report import write_reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("config", nargs="?", default=None)
    parser.add_argument("--out", default=None, help="results folder (default: a temporary one)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(args.out or Path(scratch) / "out")
        tic = time.perf_counter()
        host = get_host()
        matrix = load_matrix(args.config, host)
        outcome = run_matrix_cells(matrix, out, host, device=args.device, workers=args.workers)
        write_reports(out)
        wall = time.perf_counter() - tic
        if outcome.failed:
            raise SystemExit(f"{len(outcome.failed)} cells failed; see {out}")
        work = {"train": 0.0, "eval": 0.0, "audit": 0.0}
        bases, points = 0, 0
        for cell in matrix.cells:
            record = json.loads((out / "cells" / cell.id / "result.json").read_text())
            for part in work:
                work[part] += float(record["timing_s"].get(part, 0.0))
            bases += cell.base is None
            points += cell.base is not None
        unique = sum(work.values())
        print(
            f"matrix: {matrix.source}, {len(matrix.cells)} cells ({bases} bases, {points} from them)"
        )
        print(f"device {args.device}, {args.workers} worker(s)")
        for part, seconds in work.items():
            print(f"  {part:6s} {seconds:8.1f} s")
        print(f"unique work (bases once): {unique:8.1f} s")
        print(f"wall time of the matrix:  {wall:8.1f} s")
        # with several workers the unique work is shared out: the ratio is of the time the
        # workers were held (wall x workers) to the work, 1 when they never wait
        held = wall * args.workers
        print(f"ratio wall x workers / unique work: {held / unique:.3f} (target <= 1.05)")


if __name__ == "__main__":
    main()
