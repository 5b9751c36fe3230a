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
    """The versions and the machine a run's numbers came from. Results repeat bit for bit only
    where the torch build, the CPU capability (the SIMD kernels torch picked: AVX512, AVX2,
    DEFAULT...; ``ATEN_CPU_CAPABILITY`` lowers it) and the thread count all match; elsewhere
    they agree within seed noise (README, "How results reproduce")."""
    return {
        "rlgan_bench": __version__,
        "torch": torch.__version__,
        "torch_git": torch.version.git_version,
        "cuda": torch.version.cuda,
        "torch_fidelity": metadata.version("torch-fidelity"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "torch_threads": torch.get_num_threads(),
        "deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
        "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
    }
