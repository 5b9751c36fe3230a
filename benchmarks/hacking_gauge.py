"""Does the reward-hacking gauge tell a hacked reward from a sound one? DCGAN (width 32) on the
embedded digits, seed 0, three runs:

- ``baseline``: no reward (the lambda = 0 run every gain is measured against);
- ``classifier``: the default ``classifier`` reward for sevens (the robust reward classifier,
  clipped log-probability, its default lambda and schedule);
- ``naive``: the target-class log-probability from the plain, non-robust classifier
  (``net=plain form=logprob``), mode backprop, lambda 3, no tilt, from half-way on.

    python benchmarks/hacking_gauge.py [--steps 1500] [--jobs 2] [--out runs/hacking-gauge]
                                       [--samples 1000] [--audit-every 50]

The reward runs log a cheap audit every --audit-every steps (reward, audit and FID on 256
fixed latents, audit.jsonl). Each reward run is then scored against the baseline on the same
--samples latents (eval.json's reward_audit): claimed gain (the reward's), verified gain (the
evaluation network's share of sevens), their gap, the quality drift and the flag. Prints a
table, writes results.json, and lays the runs out as a results directory (cells/*/result.json)
with its report (report.md, report.html: the curves and the flagged grids beside the baseline's).

Expected: ``naive`` flagged, its claimed gain far above the verified one; ``classifier`` not.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import torch

from rlgan_bench.atomic import write_json
from rlgan_bench.audits import gauge
from rlgan_bench.config import TrainConfig
from rlgan_bench.evaluate import evaluate
from rlgan_bench.train import Trainer

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
        "reward_weight": 3.0,
        "reward_tilt": 0.0,
        "reward_start": 0.5,
    },
}


def config_of(name: str, steps: int, width: int, audit_every: int) -> TrainConfig:
    fields = dict(SETTINGS[name])
    if isinstance(fields.get("reward_start"), float):
        fields["reward_start"] = int(fields["reward_start"] * steps)
    if fields.get("reward"):
        fields.update(audit_every=audit_every, audit_samples=256)
    return TrainConfig(
        backbone="dcgan",
        steps=steps,
        width=width,
        seed=0,
        device="cpu",
        log_every=25,
        sample_every=250,
        checkpoint_every=250,
        **fields,
    )


def train_one(name: str, out: str, steps: int, width: int, audit_every: int) -> float:
    torch.set_num_threads(1)
    run_dir = Path(out) / "cells" / name / "run"
    tic = time.perf_counter()
    if not (run_dir / "summary.json").exists():
        config = config_of(name, steps, width, audit_every)
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
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default="runs/hacking-gauge")
    args = parser.parse_args()
    out = Path(args.out)
    names = list(SETTINGS)
    with ProcessPoolExecutor(args.jobs) as pool:
        seconds = dict(
            zip(
                names,
                pool.map(
                    train_one,
                    names,
                    [str(out)] * len(names),
                    [args.steps] * len(names),
                    [args.width] * len(names),
                    [args.audit_every] * len(names),
                ),
            )
        )
    eval_settings = {"samples": args.samples, "metrics": ["fid", "prc"], "prompts": []}
    eval_settings["batch_size"] = 250  # evaluate()'s default
    evaluations = {
        name: evaluate(
            out / "cells" / name / "run",
            samples=args.samples,
            metrics=["fid", "prc"],
            device="cpu",
        )
        for name in names
    }
    rows = []
    for name in names:
        run_dir = out / "cells" / name / "run"
        if name != "baseline":
            section = gauge.measure(
                run_dir,
                out / "cells" / "baseline" / "run",
                samples=args.samples,
                device="cpu",
                baseline_cell="baseline",
            )
            evaluations[name] = gauge.write_section(run_dir, section)
        config = config_of(name, args.steps, args.width, args.audit_every)
        write_json(
            out / "cells" / name / "result.json",
            {
                "cell": name,
                "status": "done",
                "error": None,
                "config": {"id": name, "train": config.to_dict(), "eval": eval_settings},
                "seed": 0,
                "eval": evaluations[name],
                "timing_s": {"train": seconds[name]},
            },
        )
        rows.append(summarise(name, evaluations[name], seconds[name]))
    print_table(rows)
    write_json(
        out / "results.json",
        {"steps": args.steps, "width": args.width, "samples": args.samples, "runs": rows},
    )
    from rlgan_bench.report import write_reports

    paths = write_reports(out)
    print(f"results: {out / 'results.json'}; report: {paths['html']}")


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
    )
    print(" | ".join(header))
    for r in rows:
        print(
            " | ".join(
                [
                    r["run"],
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
                ]
            )
        )
    for r in rows:
        if r.get("reasons"):
            print(f"{r['run']}: {'; '.join(r['reasons'])}")
    print(json.dumps({r["run"]: r.get("hacked") for r in rows}))


if __name__ == "__main__":
    main()
