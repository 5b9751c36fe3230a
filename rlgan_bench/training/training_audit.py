"""The reward-hacking gauge during training: every ``audit_every`` steps, a cheap evaluation
of the EMA generator on a fixed latent batch (``audit_samples`` of them): the reward's mean,
its audit's value and an FID against the held-out split, one line of ``audit.jsonl`` per
audit. Plotted against the steps, the reward and the audit part where hacking starts.

The audit never consumes the training's random streams: its latents come from their own
``torch.Generator`` and the global generators are restored after it (``fork_rng``), so a
run with audits trains exactly the weights of a run without them, and resumes identically.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from rlgan_bench.core import checkpoint
from rlgan_bench.core.atomic import append_line, read_jsonl, write_text
from rlgan_bench.core.audit import Audit
from rlgan_bench.core.backbone import Backbone, ModelShape
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.dataset import DatasetSpec, to_uint8
from rlgan_bench.core.defaults import resolve
from rlgan_bench.core.errors import ConfigError, RlganError
from rlgan_bench.core.metric import EvalContext
from rlgan_bench.evaluation.audit_lookup import applicable
from rlgan_bench.evaluation.evaluate import score
from rlgan_bench.host import PluginHost

AUDIT_LOG = "audit.jsonl"
BEST_FILE = "best.pt"
#: latent seed offset of the audit's batch (the trainer uses seed + 1 .. seed + 3)
LATENT_SEED_OFFSET = 4


@dataclass(frozen=True)
class AuditedRun:
    """What a training-time audit reads of its run, and nothing else: the trainer builds it
    (``Trainer._audited_run``), so the audit does not reach into the trainer's attributes."""

    config: TrainConfig
    #: the host the audits and the FID metric are looked up on
    host: PluginHost
    device: torch.device
    #: the reward's scores of a batch of images, as the run's method computes them
    score_rewards: Callable[[Tensor], Tensor]
    #: the reward's parameters as the reward resolved them (its target class, its prompt, ...)
    reward_params: Mapping[str, Any]
    #: the step the reward acts from: audits from here on may be a best state (keep_best)
    reward_start: int
    #: the run's dataset (its held-out split is the FID's reference)
    dataset: DatasetSpec
    shape: ModelShape
    out_dir: Path


class TrainingAudit:
    """What the trainer calls every ``audit_every`` steps (runs with a reward only). A
    training-time audit is not an :class:`Audit`: it is the periodic evaluation that reads the
    run's verified audit (``audit``) beside the reward and an FID."""

    def __init__(self, run: AuditedRun) -> None:
        config = run.config
        self.config = config
        self.host = run.host
        #: audits from this step on may be a best state (keep_best): the reward acts from here
        self.reward_start = run.reward_start
        self.device = run.device
        self.score_rewards = run.score_rewards
        self.reward_params: dict[str, Any] = dict(run.reward_params)
        self.dataset = run.dataset
        self.shape = run.shape
        self.path = run.out_dir / AUDIT_LOG
        audits, skipped = applicable(
            self.host, config.reward or "", self.reward_params, self.dataset.name
        )
        self.audit: Audit | None = audits[0] if audits else None
        self.skipped = skipped
        if config.keep_best == "audit" and self.audit is None:
            why = "; ".join(f"{k}: {v}" for k, v in skipped.items()) or "none is registered"
            raise ConfigError(
                f"--keep-best audit: reward {config.reward!r} has no audit that applies ({why}); "
                f"use --keep-best reward or register an audit (the register_audits hook)"
            )
        self.best: float = -math.inf
        self.real: Any = None
        self.latents: Tensor | None = None

    @property
    def key(self) -> str | None:
        return self.config.keep_best

    def start(self, backbone: Backbone, start_step: int, resumed: bool) -> None:
        """Draw the fixed latents and load the held-out images; on resume, drop the lines of
        the steps that are trained again and recover the best value so far."""
        rng = torch.Generator(device=self.device).manual_seed(self.config.seed + LATENT_SEED_OFFSET)
        self.latents = backbone.sample_latent(self.config.audit_samples, self.device, rng)
        self.real = self.dataset.load(
            "heldout", self.config.data_root, self.shape.image_size, self.shape.channels
        )
        best_path = self.path.parent / BEST_FILE
        if not resumed:
            self.path.unlink(missing_ok=True)
            best_path.unlink(missing_ok=True)  # left by a run killed before its checkpoint
            return
        kept = [r for r in read_jsonl(self.path) if r.get("step", 0) <= start_step]
        write_text(self.path, "".join(json.dumps(r) + "\n" for r in kept))
        # the best so far is the value of the state best.pt holds (it is never newer than
        # checkpoint.pt, which is written first)
        best_step = _step_of(best_path)
        if best_step is None or best_step > start_step:
            best_path.unlink(missing_ok=True)
            return
        for record in kept:
            value = record.get(self.key) if self.key else None
            if record.get("step") == best_step and isinstance(value, (int, float)):
                self.best = float(value)

    @torch.no_grad()
    def run(
        self, step: int, ema: nn.Module, candidate: bool, reward_weight: float = 0.0
    ) -> dict[str, Any]:
        """Audit the EMA generator at ``step``; returns the audit.jsonl record (written), with
        ``improved`` set when it is a new best of the ``keep_best`` key."""

        assert self.latents is not None, "start() draws the latents"
        tic = time.perf_counter()
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            was_training = ema.training
            ema.eval()
            try:
                images = torch.cat(
                    [ema(z).float() for z in self.latents.split(self.config.batch_size)]
                )
            finally:
                ema.train(was_training)
            rewards = torch.cat(
                [self.score_rewards(x).float() for x in images.split(self.config.batch_size)]
            )
            record: dict[str, Any] = {
                "kind": "training-audit",
                "step": step,
                "reward_weight": reward_weight,
                "n": len(images),
                "reward": float(rewards.mean()),
                "reward_std": float(rewards.std()) if len(rewards) > 1 else 0.0,
                "audit_name": self.audit.name if self.audit else None,
                "audit": (
                    self.audit.measure(images, self.reward_params, self.device)
                    if self.audit
                    else None
                ),
            }
            options = resolve(metrics=("fid",), device=str(self.device))  # EVAL_DEFAULTS batch
            ctx = EvalContext(
                to_uint8(images).cpu(),
                self.real,
                self.dataset,
                self.device,
                options,
                {**self.config.to_dict(), "reward_params": self.reward_params},
            )
            fid = score(ctx, ("fid",), self.host)["fid"]
        if fid.get("status") == "ok":
            record["fid"] = float(fid["values"]["fid"])
            record["fid_extractor"] = fid["record"].get("extractor")
            record["n_real"] = fid["record"].get("n_real")
        else:
            record["fid"] = None
            record["fid_status"] = fid.get("reason") or fid.get("status")
        record["candidate"] = candidate
        value = record.get(self.key) if self.key else None
        record["improved"] = bool(
            candidate and isinstance(value, float) and math.isfinite(value) and value > self.best
        )
        if record["improved"]:
            self.best = float(value)  # type: ignore[arg-type]
        record["seconds"] = round(time.perf_counter() - tic, 3)
        append_line(self.path, json.dumps(record))
        return record


def _step_of(path: Path) -> int | None:
    """The step of a checkpoint file, or None when it is missing or unreadable."""

    if not path.is_file():
        return None
    try:
        return int(checkpoint.load(path, "cpu")["step"])
    except (RlganError, KeyError, TypeError, ValueError):
        return None


__all__ = ["AUDIT_LOG", "BEST_FILE", "AuditedRun", "TrainingAudit"]
