"""Overhead of rlgan-bench's evaluation over calling torch-fidelity directly, on the same tensors.

    python benchmarks/eval_overhead.py                      # 10,000 samples, digits eval net
    python benchmarks/eval_overhead.py --run runs/dcgan     # samples of a trained run
    python benchmarks/eval_overhead.py --extractor inception-v3-compat --device cuda
    python benchmarks/eval_overhead.py --cache              # cold vs warm real-feature cache

Both sides get the same uint8 samples and held-out images and compute FID, IS, KID and
precision/recall with the same extractor and torch-fidelity options. The toolkit's side is
``rlgan_bench.evaluation.evaluate.score_samples`` (extractor resolution and weights hashing, the
torch-fidelity call, the class histogram, the records); the direct side is a bare
``torch_fidelity.calculate_metrics`` call. The two alternate (and alternate which goes
first), and the fastest of ``--repeats`` runs of each is reported with their ratio. Each
toolkit run gets an empty feature cache (``RLGAN_BENCH_CACHE``), so it extracts the real
features as the direct call does, and hashing the real set and writing the cache count as
its overhead. Target: overhead <= 10%.

With ``--cache`` it measures torch-fidelity's cache of the real features instead: the same
samples are scored against a ``--real``-image real set (the digits' training split tiled to
that size, each copy shifted by a pixel or more so that no two are alike) with the cache cold
(a new, empty ``RLGAN_BENCH_CACHE`` folder: the real features are computed and written) and
warm (the same folder: they are read), once with FID, IS, KID and precision/recall and once
with FID alone (which reads the cached FID statistics). Cold and warm alternate for
``--repeats`` rounds; the fastest of each and their ratio are printed, with the records'
``real_features`` and the FIDs (equal on both sides).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import torch
import torch_fidelity
from torch import Tensor
from torch.utils.data import Dataset

from rlgan_bench.builtins.datasets.digits import DIGITS
from rlgan_bench.builtins.metrics import extractors
from rlgan_bench.builtins.metrics.fidelity import fidelity_kwargs, register_extractors
from rlgan_bench.core.backbone import ModelShape
from rlgan_bench.core.dataset import ImageData, to_uint8
from rlgan_bench.core.runtime import resolve_device
from rlgan_bench.evaluation.evaluate import generate, load_run, score_samples
from rlgan_bench.host import get_host


class Images(Dataset):
    """What a direct torch-fidelity user writes: one uint8 (C, H, W) tensor per item."""

    def __init__(self, images: Tensor, rgb: bool) -> None:
        self.images = images.expand(-1, 3, -1, -1) if rgb and images.shape[1] == 1 else images

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> Tensor:
        return self.images[index]


def samples(args: argparse.Namespace, device: torch.device) -> Tensor:
    host = get_host()
    if args.run:
        run = load_run(args.run, host, device)
        return generate(run, args.samples, args.batch_size, 0, device)
    # an untrained DCGAN: the timing does not depend on what the samples look like
    torch.manual_seed(0)
    generator = host.get("backbones", "dcgan").obj(ModelShape(32, 1, 64, 64)).build_generator()
    generator.to(device).eval()
    with torch.no_grad():
        chunks = [
            to_uint8(generator(torch.randn(args.batch_size, 64, device=device))).cpu()
            for _ in range(0, args.samples, args.batch_size)
        ]
    return torch.cat(chunks)[: args.samples]


def tiled_real_set(n: int) -> ImageData:
    """``n`` real images: the digits' training split tiled, each copy rolled by other pixels."""
    train = DIGITS.load("train", None, 32, 1)
    copies, shift = [], 0
    while sum(len(c) for c in copies) < n:
        copies.append(torch.roll(train.images, shifts=(shift // 5, shift % 5), dims=(2, 3)))
        shift += 1
    images = torch.cat(copies)[:n].contiguous()
    return ImageData(images, None, "train-tiled", {"rule": f"train split tiled to {n}"})


def cache_benchmark(args: argparse.Namespace, generated: Tensor, device: torch.device) -> None:
    """Cold vs warm real-feature cache, alternating, in this one process: once for FID, IS,
    KID and precision/recall together and once for FID alone (which reads the cached FID
    statistics of the real set and not even its features)."""
    real = tiled_real_set(args.real)
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(
        f"{len(generated):,} samples vs {len(real):,} real images, extractor {args.extractor}, "
        f"{device} ({gpu}), {torch.get_num_threads()} threads"
    )
    with tempfile.TemporaryDirectory() as scratch:
        for names in (("fid", "is", "kid", "prc"), ("fid",)):
            options = dict(
                metrics=names,
                extractor=args.extractor,
                batch_size=args.batch_size,
                device=str(device),
            )
            # warm-up on a few samples and another real set: first calls are not the cache
            os.environ["RLGAN_BENCH_CACHE"] = os.path.join(scratch, f"warm-up-{len(names)}")
            score_samples(generated[:100], tiled_real_set(300), DIGITS, **options)
            times: dict[str, list[float]] = {"cold": [], "warm": []}
            seen: dict[str, tuple[str, float]] = {}
            for repeat in range(max(args.repeats, 1)):
                # a new, empty folder: the cache is cold, then warm for the second call
                folder = os.path.join(scratch, f"{len(names)}-round{repeat}")
                os.environ["RLGAN_BENCH_CACHE"] = folder
                for side in ("cold", "warm"):
                    if device.type == "cuda":
                        torch.cuda.synchronize()
                    tic = time.perf_counter()
                    result = score_samples(generated, real, DIGITS, **options)
                    if device.type == "cuda":
                        torch.cuda.synchronize()
                    times[side].append(time.perf_counter() - tic)
                    fid = result["metrics"]["fid"]
                    seen[side] = (fid["record"]["real_features"], fid["values"]["fid"])
            best = {side: min(values) for side, values in times.items()}
            print(f"metrics {','.join(names)}:")
            for side in ("cold", "warm"):
                runs = ", ".join(f"{t:.2f}" for t in times[side])
                print(
                    f"  cache {side}: {best[side]:.2f} s  (runs: {runs}; real features "
                    f"{seen[side][0]}, FID {seen[side][1]:.6f})"
                )
            print(
                f"  ratio warm/cold: {best['warm'] / best['cold']:.3f} "
                f"({100 * (1 - best['warm'] / best['cold']):.0f}% less time when warm)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--run", default=None, help="score this run's generator")
    parser.add_argument(
        "--extractor",
        default="rlgan-digit-eval-net",
        choices=["rlgan-digit-eval-net", "inception-v3-compat"],
    )
    parser.add_argument("--device", default="auto")
    parser.add_argument("--batch-size", type=int, default=250)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--cache", action="store_true", help="measure the real-feature cache: cold vs warm"
    )
    parser.add_argument("--real", type=int, default=10_000, help="real images, with --cache")
    args = parser.parse_args()
    device = resolve_device(args.device)

    generated = samples(args, device)
    if args.cache:
        cache_benchmark(args, generated, device)
        return
    real = DIGITS.load("heldout", None, 32, 1)
    names = ("fid", "is", "kid", "prc")
    options = dict(
        metrics=names, extractor=args.extractor, batch_size=args.batch_size, device=str(device)
    )
    chosen = extractors.choose(args.extractor, "digits")
    register_extractors()
    weights_path = str(chosen.weights_path) if chosen.needs_rgb else None
    kwargs = fidelity_kwargs(
        names,
        args.extractor,
        len(generated),
        len(real),
        {"batch_size": args.batch_size},
        device,
        weights_path,
    )

    calculate_metrics = torch_fidelity.calculate_metrics
    inside: list[float] = []  # seconds the toolkit spent inside torch-fidelity, per run

    def timed_calculate_metrics(**call: object) -> dict:
        tic = time.perf_counter()
        out = calculate_metrics(**call)
        inside.append(time.perf_counter() - tic)
        return out

    scratch = tempfile.TemporaryDirectory()
    runs = iter(range(1_000_000))

    def toolkit() -> dict:
        # a cold cache: the toolkit extracts the real features, as the direct call does
        os.environ["RLGAN_BENCH_CACHE"] = os.path.join(scratch.name, str(next(runs)))
        torch_fidelity.calculate_metrics = timed_calculate_metrics
        try:
            result = score_samples(generated, real, DIGITS, **options)
        finally:
            torch_fidelity.calculate_metrics = calculate_metrics
        return {name: entry["values"] for name, entry in result["metrics"].items()}

    def direct() -> dict:
        return calculate_metrics(
            input1=Images(generated, chosen.needs_rgb),
            input2=Images(real.images, chosen.needs_rgb),
            **kwargs,
        )

    def timed(fn) -> tuple[float, dict]:
        if device.type == "cuda":
            torch.cuda.synchronize()
        tic = time.perf_counter()
        out = fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - tic, out

    # warm-up on a few samples: first-call costs (imports, file reads) are not overhead
    os.environ["RLGAN_BENCH_CACHE"] = os.path.join(scratch.name, "warm-up")
    score_samples(generated[:100], real, DIGITS, **options)
    inside.clear()
    times: dict[str, list[float]] = {"direct": [], "toolkit": []}
    scores: dict[str, dict] = {}
    for repeat in range(max(args.repeats, 1)):
        # alternate which side goes first, so neither always runs on a warmer machine
        for side in ("direct", "toolkit")[:: 1 if repeat % 2 == 0 else -1]:
            seconds, scores[side] = timed(direct if side == "direct" else toolkit)
            times[side].append(seconds)
    best = {side: min(values) for side, values in times.items()}
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(
        f"{len(generated):,} samples vs {len(real)} held-out digits, extractor "
        f"{args.extractor}, {device} ({gpu}), {torch.get_num_threads()} threads"
    )
    print(
        f"torch-fidelity direct : {best['direct']:.3f} s  (runs: "
        f"{', '.join(f'{t:.3f}' for t in times['direct'])})"
    )
    print(
        f"rlgan-bench toolkit   : {best['toolkit']:.3f} s  (runs: "
        f"{', '.join(f'{t:.3f}' for t in times['toolkit'])})"
    )
    print(
        f"ratio toolkit/direct  : {best['toolkit'] / best['direct']:.3f} "
        f"(overhead {100 * (best['toolkit'] / best['direct'] - 1):+.1f}%, target <= +10%)"
    )
    # the toolkit's own work, timed inside the same runs: immune to load from other processes
    own = min(total - spent for total, spent in zip(times["toolkit"], inside, strict=True))
    print(
        f"toolkit's own work    : {own:.3f} s outside calculate_metrics "
        f"({100 * own / best['direct']:.1f}% of the direct time)"
    )
    print(
        f"FID direct {scores['direct'][torch_fidelity.KEY_METRIC_FID]:.6f}, "
        f"toolkit {scores['toolkit']['fid']['fid']:.6f}"
    )


if __name__ == "__main__":
    main()
