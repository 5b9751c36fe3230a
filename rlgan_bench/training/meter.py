"""The logged statistics: losses, reward statistics and the method's own statistics summed on
the device between logged steps (no host sync per step) and read back as their means, with
the speed since the last logged step."""

from __future__ import annotations

import time
from collections.abc import Mapping

import torch
from torch import Tensor


class StepMeter:
    def __init__(self, start_step: int) -> None:
        self.sums: dict[str, Tensor] = {}
        self.counts: dict[str, Tensor] = {}  # steps summed per key, on the device too
        self.started = time.perf_counter()
        self.last_step, self.last_time = start_step, self.started

    def add(
        self,
        d_loss: Tensor,
        g_loss: Tensor,
        scores: Tensor | None,
        anchor: Tensor | None,
        extra: Mapping[str, Tensor] | None = None,
    ) -> None:
        """One step's values; ``extra`` (the method's statistics, 0-d tensors) are averaged
        over the steps that gave them."""
        values = {"d_loss": d_loss.detach().float(), "g_loss": g_loss.detach().float()}
        if anchor is not None:
            values["anchor"] = anchor.detach().float()
        if scores is not None:
            values["reward_mean"] = scores.float().mean()
            spread = scores.float().std() if scores.numel() > 1 else scores.new_zeros(())
            values["reward_std"] = spread
        for key, value in (extra or {}).items():
            values[key] = value.detach().float().reshape(())
        for key, value in values.items():
            if key in self.sums:
                self.sums[key] = self.sums[key] + value
                self.counts[key] = self.counts[key] + 1
            else:
                self.sums[key] = value
                self.counts[key] = torch.ones((), device=value.device)

    def drain(self, step: int, reward_weight: float) -> dict[str, float]:
        """The means since the last call (one device read), the step, λ and the speed."""
        now = time.perf_counter()
        keys = list(self.sums)
        stats: dict[str, float] = {}
        if keys:
            means = torch.stack([self.sums[k] / self.counts[k] for k in keys]).cpu()
            stats = dict(zip(keys, means.tolist()))
        self.sums.clear()
        self.counts.clear()
        stats.update(
            step=step,
            reward_weight=reward_weight,
            it_per_s=(step - self.last_step) / max(now - self.last_time, 1e-9),
            elapsed_s=now - self.started,
        )
        self.last_step, self.last_time = step, now
        return stats

    def elapsed(self) -> float:
        return time.perf_counter() - self.started
