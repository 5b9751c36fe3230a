"""Checkpoints: everything needed to continue a run bit for bit, written atomically and read
with ``torch.load(weights_only=True)`` (no pickled code runs on load)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from rlgan_bench.core.atomic import atomic_path
from rlgan_bench.core.errors import RlganError


def save(
    path: Path,
    *,
    step: int,
    config_digest: str,
    generator,
    critic,
    ema,
    opt_g,
    opt_d,
    scaler,
    data_rng: torch.Generator,
    noise_rng: torch.Generator,
    mode=None,
    reference=None,
) -> None:
    state: dict[str, Any] = {
        "step": step,
        "config_digest": config_digest,
        "generator": generator.state_dict(),
        "critic": critic.state_dict(),
        "ema_generator": ema.state_dict(),
        "opt_g": opt_g.state_dict(),
        "opt_d": opt_d.state_dict(),
        "scaler": scaler.state_dict(),
        "rng": {
            "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "data": data_rng.get_state(),
            "noise": noise_rng.get_state(),
        },
        "mode": mode.state_dict() if mode is not None else {},
        "reference": reference.state_dict() if reference is not None else {},
    }
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load(path: Path, device: torch.device | str = "cpu") -> dict[str, Any]:
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:
        raise RlganError(
            f"cannot read checkpoint {str(path)!r} ({type(exc).__name__}: {exc}); "
            f"delete it to start the run again"
        ) from None


def restore(
    state: dict[str, Any],
    *,
    generator,
    critic,
    ema,
    opt_g,
    opt_d,
    scaler,
    data_rng: torch.Generator,
    noise_rng: torch.Generator,
    mode=None,
) -> None:
    generator.load_state_dict(state["generator"])
    critic.load_state_dict(state["critic"])
    ema.load_state_dict(state["ema_generator"])
    opt_g.load_state_dict(state["opt_g"])
    opt_d.load_state_dict(state["opt_d"])
    scaler.load_state_dict(state["scaler"])
    rng = state["rng"]
    torch.set_rng_state(rng["torch"].cpu())
    if rng["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in rng["cuda"]])
    data_rng.set_state(rng["data"].cpu())
    noise_rng.set_state(rng["noise"].cpu())
    if mode is not None:
        mode.load_state_dict(state.get("mode", {}))


def load_generator_weights(path: Path, prefer_ema: bool = True) -> tuple[dict[str, Any], str]:
    """The generator's weights from a checkpoint: the EMA ones when present."""
    state = load(path)
    key = "ema_generator" if prefer_ema and "ema_generator" in state else "generator"
    return state[key], key
