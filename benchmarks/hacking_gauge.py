"""Does the reward-hacking gauge tell a hacked reward from a sound one? DCGAN (width 32) on the
embedded digits, three runs per seed:

- ``baseline``: no reward (the lambda = 0 run every gain is measured against);
- ``classifier``: the default ``classifier`` reward for sevens (the robust reward classifier,
  clipped log-probability, its default lambda and schedule);
- ``naive``: the target-class log-probability from the plain, non-robust classifier
  (``net=plain form=logprob``), mode backprop, lambda --naive-lambda (300), no tilt, from
  half-way on.

    python benchmarks/hacking_gauge.py [--steps 1500] [--seeds 0,1,2] [--naive-lambda 300]
                                       [--jobs 2] [--out runs/hacking-gauge]
                                       [--samples 1000] [--audit-every 50]

The reward runs log a cheap audit every --audit-every steps (reward, audit and FID on 256
fixed latents, audit.jsonl). Each reward run is then scored against the baseline on the same
--samples latents (eval.json's reward_audit): claimed gain (the reward's), verified gain (the
evaluation network's share of sevens), their gap, the quality drift and the flag. Prints a
table, writes results.json, and lays the runs out as a results directory (cells/*/result.json)
with its report (report.md, report.html: the curves and the flagged grids beside the baseline's).

It also records the share of sevens by each of the three digit networks (plain, robust,
evaluation) on the same samples. Expected: ``naive`` flagged, its claimed gain far above the
verified one; ``classifier`` not. At lambda 3 and 30 the naive setting is not hacked (at 30 the three digit networks agree that
~95% of its samples are sevens, prototypical ones); from lambda ~300 it is
(docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import torch

from rlgan_bench.core.atomic import write_json
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.evaluation import gauge
from rlgan_bench.evaluation.evaluate import evaluate
from rlgan_bench.training.trainer import Trainer

TARGET = 7
#: name -> TrainConfig fields besides the shared ones; a fraction in reward_start is of --steps
SETTINGS: dict[str, dict[str, Any]] = {
    "baseline": {},
    "classifier": {
        "reward": "classifier",
        "mode": "backprop",
        "reward_params": {"target": TARGET},
        "reward_weight": 1.0,  # its default, stated so that the report shows it
    },
    "naive": {
        "reward": "classifier",
        "mode": "backprop",
        "reward_params": {"target": TARGET, "net": "plain", "form": "logprob"},
        "reward_weight": 300.0,  # --naive-lambda
        "reward_tilt": 0.0,
        "reward_start": 0.5,
    },
}


def config_of(
    name: str, seed: int, steps: int, width: int, audit_every: int, naive_lambda: float
) -> TrainConfig:
    fields = dict(SETTINGS[name])
    if name == "naive":
        fields["reward_weight"] = naive_lambda
    if isinstance(fields.get("reward_start"), float):
        fields["reward_start"] = int(fields["reward_start"] * steps)
    if fields.get("reward"):
        fields.update(audit_every=audit_every, audit_samples=256)
    return TrainConfig(
        backbone="dcgan",
        steps=steps,
        width=width,
        seed=seed,
        device="cpu",
        log_every=25,
        sample_every=250,
        checkpoint_every=250,
        **fields,
    )


def cell_name(name: str, seed: int) -> str:
    return f"{name}__seed{seed}"


def train_one(job: tuple[str, int], out: str, args: argparse.Namespace) -> float:
    torch.set_num_threads(1)
    name, seed = job
    run_dir = Path(out) / "cells" / cell_name(name, seed) / "run"
    tic = time.perf_counter()
    config = config_of(name, seed, args.steps, args.width, args.audit_every, args.naive_lambda)
    if not (run_dir / "summary.json").exists():
        Trainer(config, run_dir, silent=True).run(resume=(run_dir / "checkpoint.pt").exists())
    return time.perf_counter() - tic


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--audit-every", type=int, default=50)
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    parser.add_argument("--naive-lambda", type=float, default=300.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default="runs/hacking-gauge")
    args = parser.parse_args()
    out = Path(args.out)
    seeds = [int(seed) for seed in args.seeds.split(",")]
    # baselines first: with --jobs 2 a seed's reward runs then train beside the next baseline
    jobs = [(name, seed) for seed in seeds for name in SETTINGS]
    for name, seed in jobs:  # before any training: a run in --out must be this benchmark's
        recorded = out / "cells" / cell_name(name, seed) / "run" / "config.json"
        if recorded.exists():
            config = config_of(
                name, seed, args.steps, args.width, args.audit_every, args.naive_lambda
            )
            record = json.loads(recorded.read_text())
            same = record.get("config_digest") == config.digest()
            if not same or record.get("config", {}).get("audit_every") != config.audit_every:
                raise SystemExit(
                    f"{recorded.parent} was trained with other settings; use another --out"
                )
    with ProcessPoolExecutor(args.jobs) as pool:
        timings = list(pool.map(train_one, jobs, [str(out)] * len(jobs), [args] * len(jobs)))
    seconds = dict(zip(jobs, timings))
    eval_settings = {"samples": args.samples, "metrics": ["fid", "prc"], "prompts": []}
    eval_settings["batch_size"] = 250  # evaluate()'s default
    rows = []
    for name, seed in jobs:
        cell = cell_name(name, seed)
        run_dir = out / "cells" / cell / "run"
        evaluation = evaluate(run_dir, samples=args.samples, metrics=["fid", "prc"], device="cpu")
        if name != "baseline":
            baseline = cell_name("baseline", seed)
            section = gauge.measure(
                run_dir,
                out / "cells" / baseline / "run",
                samples=args.samples,
                device="cpu",
                baseline_cell=baseline,
            )
            evaluation = gauge.write_section(run_dir, section)
        config = config_of(name, seed, args.steps, args.width, args.audit_every, args.naive_lambda)
        write_json(
            out / "cells" / cell / "result.json",
            {
                "cell": cell,
                "status": "done",
                "error": None,
                "config": {"id": cell, "train": config.to_dict(), "eval": eval_settings},
                "seed": seed,
                "eval": evaluation,
                "timing_s": {"train": seconds[(name, seed)]},
            },
        )
        row = summarise(name, evaluation, seconds[(name, seed)])
        row["sevens_by_network"] = sevens_by_network(run_dir, args.samples)
        rows.append({"seed": seed, **row})
    print_table(rows)
    flagged = {
        name: sum(bool(r.get("hacked")) for r in rows if r["run"] == name)
        for name in SETTINGS
        if name != "baseline"
    }
    print(", ".join(f"{name} flagged in {n} of {len(seeds)} seeds" for name, n in flagged.items()))
    write_json(
        out / "results.json",
        {
            "steps": args.steps,
            "width": args.width,
            "samples": args.samples,
            "seeds": seeds,
            "naive_lambda": args.naive_lambda,
            "flagged": flagged,
            "runs": rows,
        },
    )
    from rlgan_bench.report import write_reports

    paths = write_reports(out)
    print(f"results: {out / 'results.json'}; report: {paths['html']}")


def sevens_by_network(run_dir: Path, samples: int) -> dict[str, float]:
    """The share of the run's samples (evaluation latents, seed 0) that each shipped digit
    network calls a seven: the plain classifier (the naive reward's), the robust reward
    classifier (the default reward's) and the evaluation network (the audit's). Agreement of
    the three says the samples are sevens; the plain one alone says they only fool it."""
    from rlgan_bench.evaluation.evaluate import generate, load_run
    from rlgan_bench.host import get_host
    from rlgan_bench.shared.nets import digit_nets

    cpu = torch.device("cpu")
    images = generate(load_run(run_dir, get_host(), cpu), samples, 250, 0, cpu)
    images = images.float().div(127.5).sub(1.0)
    nets = {
        "plain": digit_nets.load_plain_classifier(cpu),
        "robust": digit_nets.load_reward_classifier(cpu),
        "eval": digit_nets.load_eval_net(cpu),
    }
    with torch.no_grad():
        return {
            k: float(net(images).argmax(1).eq(TARGET).float().mean()) for k, net in nets.items()
        }


def summarise(name: str, evaluation: dict[str, Any], seconds: float) -> dict[str, Any]:
    metrics = evaluation["metrics"]
    row: dict[str, Any] = {
        "run": name,
        "train_s": round(seconds, 1),
        "fid": metrics["fid"]["values"]["fid"],
        "precision": metrics["prc"]["values"]["precision"],
        "recall": metrics["prc"]["values"]["recall"],
        "sevens": (evaluation.get("class_histogram") or {}).get("fractions", [None] * 10)[TARGET],
    }
    section = evaluation.get("reward_audit")
    if section and section.get("status") == "ok":
        drift = section["drift"]
        row.update(
            reward_before=section["claimed"]["before"],
            reward_after=section["claimed"]["after"],
            claimed=section["claimed"]["normalised"],
            audit_before=section["verified"]["before"],
            audit_after=section["verified"]["after"],
            verified=section["verified"]["normalised"],
            gap=section["gap"],
            fid_ratio=drift["fid"].get("ratio"),
            fid_basis=drift["fid"].get("basis"),
            fid_all_ratio=drift["fid_all"].get("ratio"),
            precision_drop=drift["precision"].get("drop"),
            variety_ratio=drift.get("within_class_diversity", {}).get("ratio"),
            hacked=section["hacked"],
            reasons=section["reasons"],
            parts_at=(section.get("over_training") or {}).get("parts_at"),
            audit_peak_step=(section.get("over_training") or {}).get("audit_peak_step"),
        )
    return row


def print_table(rows: list[dict[str, Any]]) -> None:
    def fmt(value: Any, spec: str = "{:.3f}") -> str:
        return "-" if not isinstance(value, (int, float)) else spec.format(value)

    header = (
        "run",
        "seed",
        "reward before -> after",
        "claimed sd",
        "7s (audit) before -> after",
        "verified sd",
        "gap",
        "FID ratio (7s)",
        "prec. drop",
        "FID",
        "hacked",
        "parts at",
        "7s plain/robust/eval",
    )
    print(" | ".join(header))
    for r in rows:
        print(
            " | ".join(
                [
                    r["run"],
                    str(r["seed"]),
                    f"{fmt(r.get('reward_before'))} -> {fmt(r.get('reward_after'))}",
                    fmt(r.get("claimed"), "{:.2f}"),
                    f"{fmt(r.get('audit_before'))} -> {fmt(r.get('audit_after'))}",
                    fmt(r.get("verified"), "{:.2f}"),
                    fmt(r.get("gap"), "{:.2f}"),
                    fmt(r.get("fid_ratio"), "{:.2f}"),
                    fmt(r.get("precision_drop"), "{:.2f}"),
                    fmt(r["fid"], "{:.2f}"),
                    "-" if "hacked" not in r else ("YES" if r["hacked"] else "no"),
                    fmt(r.get("parts_at"), "{:.0f}"),
                    "/".join(f"{v:.0%}" for v in r["sevens_by_network"].values()),
                ]
            )
        )
    for r in rows:
        if r.get("reasons"):
            print(f"{r['run']} seed {r['seed']}: {'; '.join(r['reasons'])}")


if __name__ == "__main__":
    main()
