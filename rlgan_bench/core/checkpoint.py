"""Checkpoints: everything needed to continue a run bit for bit, written atomically and read
with ``torch.load(weights_only=True)`` (no pickled code runs on load)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor, nn

from rlgan_bench.core.atomic import atomic_path
from rlgan_bench.core.errors import ConfigError, RlganError

if TYPE_CHECKING:  # named for type checkers only: loading a checkpoint needs neither
    from rlgan_bench.core.calls import CallCounter
    from rlgan_bench.core.method import Method


def save(
    path: Path,
    *,
    step: int,
    config_digest: str,
    generator: nn.Module,
    critic: nn.Module,
    ema: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    data_rng: torch.Generator,
    noise_rng: torch.Generator,
    mode: Method | None = None,
    reference: nn.Module | None = None,
    compute: CallCounter | None = None,
    method_rng: torch.Generator | None = None,
) -> None:
    """``compute``: the run's
    :class:`~rlgan_bench.core.calls.CallCounter`, saved as ``compute`` (its counts so far)."""
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
    if compute is not None:
        state["compute"] = compute.state_dict()
    if method_rng is not None:  # the method's own stream (runs with a reward)
        state["rng"]["method"] = method_rng.get_state()
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
    generator: nn.Module,
    critic: nn.Module,
    ema: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    data_rng: torch.Generator,
    noise_rng: torch.Generator,
    mode: Method | None = None,
    compute: CallCounter | None = None,
    method_rng: torch.Generator | None = None,
) -> None:
    """A checkpoint without ``compute`` marks the counts incomplete. The ``opt_inner`` of
    older PPO checkpoints (the inner epochs' Adam before 0.2) is not read: the inner steps
    keep no state now (:mod:`rlgan_bench.training.inner_steps`)."""
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
    if compute is not None:
        compute.load_state_dict(state.get("compute"))
    if method_rng is not None and "method" in rng:  # (older checkpoints: left as seeded)
        method_rng.set_state(rng["method"].cpu())


def load_weights(path: Path) -> dict[str, Any]:
    """A checkpoint file read for its weights only (``weights_only=True``, on the CPU), e.g.
    the base a run starts from (``init_from``); a file that is not one is a one-line
    :class:`ConfigError` (torch's own message runs over many lines)."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ConfigError(
            f"cannot read {str(path)!r} as weights ({_load_failure(exc)}); give a run's "
            f"checkpoint.pt or best.pt, or a torch.save of a dict of state dicts"
        ) from None
    if not isinstance(state, dict):
        raise ConfigError(
            f"{str(path)!r} holds a {type(state).__name__}, not a dict of state dicts; give a "
            f"run's checkpoint.pt or best.pt, or a torch.save of a dict of state dicts"
        )
    return state


def weights_mismatch(expected: Mapping[str, Tensor], given: Any) -> str | None:
    """How ``given`` fails to fit ``expected`` (a module's ``state_dict()``), in a few words
    naming the first tensor that is missing, of another shape, or extra; None when it fits."""
    if not isinstance(given, Mapping):
        return f"is a {type(given).__name__}, not a state dict"
    for name, tensor in expected.items():
        if name not in given:
            return f"lacks tensor {name!r} {_shape(tensor)}"
        if not isinstance(given[name], Tensor) or given[name].shape != tensor.shape:
            needed = tuple(tensor.shape)
            return f"has tensor {name!r} {_shape(given[name])}, where {needed} is needed"
    for name, value in given.items():
        if name not in expected:
            return f"has tensor {name!r} {_shape(value)}, which is not needed"
    return None


def _load_failure(exc: Exception) -> str:
    """The gist of torch.load's error, whose message runs over many lines and suggests
    ``weights_only=False`` (which would run the file's pickled code)."""
    text = str(exc)
    refused = re.search(r"WeightsUnpickler error:\s*(.+?)(?:\.\s|\n|$)", text)
    if refused:
        return f"more than weights, or not a torch file: {refused.group(1).strip()}"
    return f"{type(exc).__name__}: {(text.strip().splitlines() or [''])[0]}"


def _shape(value: Any) -> str:
    shape = getattr(value, "shape", None)
    return f"of shape {tuple(shape)}" if shape is not None else f"(a {type(value).__name__})"
