"""Does each reward move what it claims to move? DCGAN on the embedded digits, the same seed
for every run, lambda = 0 against each reward at its default settings.

    python benchmarks/reward_efficacy.py [--steps 1500] [--jobs 2] [--out runs/efficacy]
                                         [--only classifier,jpeg-reinforce,...]
                                         [--docs docs/rewards]

For each run: the reward's own score of 1,000 samples (EMA generator) before (the lambda = 0
run) and after; the fraction of sevens by the evaluation network (not the reward's network);
the mean JPEG size at quality 95; FID against the held-out digits; the within-class variety of
the generated sevens relative to the real sevens (mean pairwise cosine distance of the
evaluation network's features; mode collapse shows as a small ratio). Prints a table, writes
results.json and copies each run's sample grid next to it.
"""

from __future__ import annotations

import argparse
import json
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from rlgan_bench.builtins.rewards.jpeg import jpeg_kilobytes
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.dataset import to_float
from rlgan_bench.evaluation.evaluate import evaluate, generate, load_run
from rlgan_bench.host import get_host
from rlgan_bench.shared.digits import load_digits
from rlgan_bench.shared.nets.digit_nets import load_eval_net
from rlgan_bench.training.trainer import Trainer

TARGET = 7
PROMPT = "a handwritten seven"
#: name -> (reward, mode, reward params, extra TrainConfig fields); lambda and the schedule are
#: each reward's defaults unless given here
SETTINGS: dict[str, tuple[str | None, str | None, dict[str, Any], dict[str, Any]]] = {
    "baseline": (None, None, {}, {}),
    "classifier": ("classifier", "backprop", {"target": TARGET}, {}),
    "jpeg-reinforce": ("jpeg", "reinforce", {}, {}),
    "jpeg-ppo": ("jpeg", "ppo", {}, {}),
    "jpeg-critic": ("jpeg", "critic", {}, {}),
    "clip": ("clip", "backprop", {"prompt": PROMPT}, {}),
    # the trade-off curve of the classifier reward over lambda (default 1)
    "classifier-lam0.1": ("classifier", "backprop", {"target": TARGET}, {"reward_weight": 0.1}),
    "classifier-lam0.3": ("classifier", "backprop", {"target": TARGET}, {"reward_weight": 0.3}),
    "classifier-lam3": ("classifier", "backprop", {"target": TARGET}, {"reward_weight": 3.0}),
    # ablation: the same rewards with an untilted critic (reward_tilt = 0)
    "classifier-untilted": ("classifier", "backprop", {"target": TARGET}, {"reward_tilt": 0.0}),
    "jpeg-reinforce-untilted": ("jpeg", "reinforce", {}, {"reward_tilt": 0.0}),
}
DEFAULT_RUNS = "classifier,jpeg-reinforce,jpeg-ppo,jpeg-critic,clip"


def train_one(name: str, out: Path, steps: int, width: int) -> str:
    torch.set_num_threads(1)
    reward, mode, params, extra = SETTINGS[name]
    config = TrainConfig(
        backbone="dcgan",
        steps=steps,
        width=width,
        seed=0,
        device="cpu",
        reward=reward,
        mode=mode,
        reward_params=params,
        log_every=50,
        sample_every=250,
        checkpoint_every=250,
        **extra,
    )
    run_dir = out / name
    if not (run_dir / "summary.json").exists():
        Trainer(config, run_dir, silent=True).run(resume=(run_dir / "checkpoint.pt").exists())
    return name


@torch.no_grad()
def variety(features: torch.Tensor) -> float:
    """Mean pairwise cosine distance."""
    unit = F.normalize(features, dim=1)
    n = unit.shape[0]
    if n < 2:
        return 0.0
    return float(1 - ((unit @ unit.T).sum() - n) / (n * (n - 1)))


@torch.no_grad()
def measure(run_dir: Path, samples: int) -> dict[str, Any]:
    host, device = get_host(), torch.device("cpu")
    report = evaluate(
        run_dir,
        host=host,
        samples=samples,
        metrics=["fid", "prc", "clip"],
        prompts=[PROMPT],
        device="cpu",
        clip_model="digits-clip-audit",
    )
    images = to_float(generate(load_run(run_dir, host, device), samples, 250, 0, device))
    net = load_eval_net()
    predicted = net(images).argmax(1)
    sevens = images[predicted == TARGET]
    real = load_digits("heldout")
    real_sevens = real.as_float()[real.labels == TARGET]
    real_variety = variety(net.features(real_sevens))
    out: dict[str, Any] = {
        "fid": report["metrics"]["fid"]["values"]["fid"],
        "precision": report["metrics"]["prc"]["values"]["precision"],
        "recall": report["metrics"]["prc"]["values"]["recall"],
        "target_fraction": float((predicted == TARGET).float().mean()),
        "modes_covered": report["class_histogram"]["modes_covered"],
        "jpeg_kb": float(jpeg_kilobytes(images).mean()),
        "seven_variety_ratio": variety(net.features(sevens)) / real_variety
        if len(sevens) > 1
        else 0.0,
        "clip_score_audit": report["metrics"]["clip"]["values"].get(PROMPT),
        "images": images,
    }
    return out


def reward_score(name: str, images: torch.Tensor) -> float | None:
    reward_name, _, params, _ = SETTINGS[name]
    if reward_name is None:
        return None
    reward = get_host().get("rewards", reward_name).obj(**params)
    reward.setup(torch.device("cpu"), 32, 1)
    with torch.no_grad():
        return float(
            torch.cat([reward(images[i : i + 250]) for i in range(0, len(images), 250)]).mean()
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default="runs/efficacy")
    parser.add_argument("--only", default=DEFAULT_RUNS, help=f"of: {', '.join(SETTINGS)}")
    parser.add_argument("--docs", default=None, help="Also copy the grids and table here.")
    args = parser.parse_args()
    names = ["baseline"] + [n for n in args.only.split(",") if n and n != "baseline"]
    out = Path(args.out)
    with ProcessPoolExecutor(args.jobs) as pool:
        list(
            pool.map(
                train_one,
                names,
                [out] * len(names),
                [args.steps] * len(names),
                [args.width] * len(names),
            )
        )
    measured = {name: measure(out / name, args.samples) for name in names}
    rows = []
    for name in names:
        m = measured[name]
        rows.append(
            {
                "run": name,
                "reward": SETTINGS[name][0] or "-",
                "mode": SETTINGS[name][1] or "-",
                "config": json.loads((out / name / "config.json").read_text())["resolved"],
                "reward_before": reward_score(name, measured["baseline"]["images"]),
                "reward_after": reward_score(name, m["images"]),
                **{k: v for k, v in m.items() if k != "images"},
            }
        )
    header = (
        "run",
        "reward before",
        "reward after",
        "7s",
        "variety(7s)",
        "JPEG kB",
        "FID",
        "precision",
        "recall",
        "modes",
    )
    print(" | ".join(header))
    for r in rows:
        fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
        print(
            " | ".join(
                [
                    r["run"],
                    fmt(r["reward_before"]),
                    fmt(r["reward_after"]),
                    f"{r['target_fraction']:.1%}",
                    f"{r['seven_variety_ratio']:.2f}",
                    f"{r['jpeg_kb']:.3f}",
                    f"{r['fid']:.2f}",
                    f"{r['precision']:.2f}",
                    f"{r['recall']:.2f}",
                    str(r["modes_covered"]),
                ]
            )
        )
    (out / "results.json").write_text(json.dumps(rows, indent=2, default=str))
    if args.docs:
        docs = Path(args.docs)
        docs.mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.copyfile(out / name / "samples.png", docs / f"{name}.png")
        (docs / "results.json").write_text(json.dumps(rows, indent=2, default=str))


if __name__ == "__main__":
    main()
