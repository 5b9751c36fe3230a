"""Does ppo's clip range act as a trust region? DCGAN (width 32) on the embedded digits: one
base without a reward, then short ``ppo`` fine-tunings from it (the protocol's fine-tuning
cell: the reward from the first step, no tilt, the reward's warm-up), one per reward setting
and clip range, all in one process, one after the other.

    python benchmarks/ppo_trust_region.py [--base-steps 400] [--steps 30]
                                          [--clips 0.05,0.1,0.2] [--out runs/ppo-trust-region]

Prints, per (reward, lambda, clip range): the mean of the logged ``ppo_clipfrac`` and
``ppo_approx_kl`` over the fine-tuning; the mean of ``log r`` (the per-pixel log ratio that
``ppo`` clips: the whole sample's log ratio over D) and the 50% and 90% quantiles of ``|log r|``
over all inner epochs' samples, and its median per inner epoch (before the first inner update
it measures the main generator update alone); and the share of samples beyond other clip
ranges, read from the same ratios. Writes results.json in --out.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import torch

from rlgan_bench.builtins.methods.ppo import PPO
from rlgan_bench.core.atomic import write_json
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.training.trainer import Trainer

#: (label, reward, reward params, lambda): the classifier at the frontier's backprop strengths,
#: jpeg over the range its matrices sweep
REWARDS: list[tuple[str, str, dict[str, Any], float]] = [
    ("classifier", "classifier", {"target": 7}, 0.1),
    ("classifier", "classifier", {"target": 7}, 1.0),
    ("jpeg", "jpeg", {}, 0.01),
    ("jpeg", "jpeg", {}, 0.1),
    ("jpeg", "jpeg", {}, 1.0),
]

#: log r of every inner epoch's samples, per epoch index, filled by the patched surrogate
RECORDED: dict[int, list[torch.Tensor]] = {}
#: the share of samples beyond these clip ranges is read from the recorded ratios too
WHAT_IF = [0.025, 0.05, 0.1, 0.15, 0.2, 0.3]
_epoch = [0]


def _recording(surrogate: Any) -> Any:
    def wrapped(self: PPO, mean: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        loss, log_r = surrogate(self, mean)
        if mean.requires_grad and self.batch is not None:
            if bool((log_r == 0).all()):  # epoch 1 (the main update): ratio exactly 1
                _epoch[0] = 1
            else:
                _epoch[0] += 1
                RECORDED.setdefault(_epoch[0], []).append(log_r.detach().flatten())
        return loss, log_r

    return wrapped


def shared(**fields: Any) -> TrainConfig:
    values: dict[str, Any] = dict(
        backbone="dcgan", width=32, batch_size=64, device="cpu", seed=0, sample_every=10_000,
        checkpoint_every=10_000,
    )  # fmt: skip
    return TrainConfig(**values | fields)


def quantiles(values: list[torch.Tensor]) -> tuple[float, float]:
    """The 50% and 90% quantiles of |log r|."""
    every = torch.cat(values).abs()
    q = torch.quantile(every, torch.tensor([0.5, 0.9]))
    return float(q[0]), float(q[1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-steps", type=int, default=400)
    parser.add_argument("--base", default=None, help="a base run folder (else trained in --out)")
    parser.add_argument("--steps", type=int, default=30, help="fine-tuning steps per setting")
    parser.add_argument("--clips", default="0.05,0.1,0.2", help="comma-separated clip ranges")
    parser.add_argument("--epochs", type=int, default=None, help="ppo epochs (its default)")
    parser.add_argument("--sigma", type=float, default=None, help="ppo sigma (its default)")
    parser.add_argument("--only", default="", help="comma-separated reward labels")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="runs/ppo-trust-region")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    base = Path(args.base) if args.base else out / "base"
    if not (base / "summary.json").exists():
        tic = time.perf_counter()
        Trainer(shared(steps=args.base_steps, log_every=100), base, silent=True).run()
        print(f"base: {args.base_steps} steps in {time.perf_counter() - tic:.0f} s")
    PPO.surrogate = _recording(PPO.surrogate)  # type: ignore[method-assign]
    clips = [float(c) for c in args.clips.split(",")]
    extra = {k: v for k, v in (("epochs", args.epochs), ("sigma", args.sigma)) if v is not None}
    rows = []
    print(
        "log r = log(ratio of the whole sample) / D, the clipped ratio's log; q50, q90: "
        "quantiles of |log r| over all inner epochs' samples; '>c': the share of them with "
        "|r - 1| > c, other clip ranges read from the same ratios"
    )
    print(
        f"{'reward':<11} {'lambda':>6} {'clip':>5} {'clipfrac':>8} {'approx_kl':>9} "
        f"{'mean':>7} {'q50':>6} {'q90':>6}  {'q50 per epoch':<18} "
        + " ".join(f"{f'>{c:g}':>6}" for c in WHAT_IF)
    )
    only = set(filter(None, args.only.split(",")))
    for label, reward, params, lam in REWARDS:
        if only and label not in only:
            continue
        for clip in clips:
            RECORDED.clear()
            name = f"{label}-lam{lam:g}-clip{clip:g}"
            config = shared(
                steps=args.steps, log_every=5, init_from=str(base), reward=reward,
                reward_params=params, mode="ppo", reward_weight=lam, reward_tilt=0.0,
                reward_start=0, mode_params={"clip_range": clip, **extra},
            )  # fmt: skip
            tic = time.perf_counter()
            Trainer(config, out / name, silent=True).run()
            seconds = time.perf_counter() - tic
            lines = [json.loads(line) for line in (out / name / "metrics.jsonl").open()]
            clipfrac = sum(r["ppo_clipfrac"] for r in lines) / len(lines)
            kl = sum(r["ppo_approx_kl"] for r in lines) / len(lines)
            every = torch.cat([v for vs in RECORDED.values() for v in vs])
            q50, q90 = quantiles([every])
            per_epoch = {e: quantiles(RECORDED[e])[0] for e in sorted(RECORDED)}
            shares = {c: float(((every.exp() - 1).abs() > c).float().mean()) for c in WHAT_IF}
            row = {
                "reward": label, "lambda": lam, "clip_range": clip, "clipfrac": clipfrac,
                "approx_kl": kl, "mean_log_r": float(every.mean()), "abs_log_r_q50": q50,
                "abs_log_r_q90": q90, "abs_log_r_q50_per_epoch": per_epoch,
                "share_beyond": shares, "reward_first": lines[0]["reward_mean"],
                "reward_last": lines[-1]["reward_mean"], "seconds": seconds,
            }  # fmt: skip
            rows.append(row)
            epochs = " ".join(f"{v:.3f}" for v in per_epoch.values())
            print(
                f"{label:<11} {lam:>6g} {clip:>5g} {clipfrac:>8.3f} {kl:>9.2e} "
                f"{row['mean_log_r']:>7.3f} {q50:>6.3f} {q90:>6.3f}  {epochs:<18} "
                + " ".join(f"{shares[c]:>6.2f}" for c in WHAT_IF),
                flush=True,
            )
    write_json(out / "results.json", {"args": vars(args), "rows": rows})


if __name__ == "__main__":
    main()
