"""Where and how a run executes: the device, the seeds, and the versions recorded with it."""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any

import torch

from rlgan_bench.core.errors import ConfigError
from rlgan_bench.core.version import __version__


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"--device {name}: CUDA is not available here; use --device cpu")
    return torch.device(name)


def seed_everything(seed: int, device: torch.device) -> None:
    torch.manual_seed(seed)
    if device.type == "cuda":
        torch.cuda.manual_seed_all(seed)


def environment() -> dict[str, Any]:
    return {
        "rlgan_bench": __version__,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "torch_fidelity": metadata.version("torch-fidelity"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
    }
