"""The real images' features kept on disk between evaluations, and the resize the feature
extractor's input sees.

torch-fidelity caches the features (and the FID statistics) of an input that has a cache
name: ``calculate_metrics(cache=True, cache_root=..., input2_cache_name=...)``. The real set
of an evaluation gets a name made of everything its features depend on (the dataset and
split, the number of images and a sha256 of their bytes, their size, the extractor and the
sha256 of its weights, the resize, the device type, torch-fidelity's version), so a name is
reused only for the same features. The generated samples get no name and are never cached.

The cache lives in ``$RLGAN_BENCH_CACHE/fidelity`` (default ``~/.cache/rlgan-bench/fidelity``);
deleting that folder, or any file in it, only costs a recomputation.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch_fidelity
from torch import Tensor
from torch.nn import functional as F

from rlgan_bench.api import PluginError

#: the environment variable of rlgan-bench's cache folder (features under its ``fidelity/``)
CACHE_ENV = "RLGAN_BENCH_CACHE"
#: bumped when what a cache file holds, or how its name is made, changes
CACHE_FORMAT = "c1"
FIDELITY_SUBDIR = "fidelity"

#: the input size of each extractor, and what its own resize does
INPUT_SIZE = {"inception-v3-compat": 299, "rlgan-digit-eval-net": 32}
OWN_RESIZE = {
    "inception-v3-compat": "torch-fidelity: the extractor's TF1-compatible bilinear "
    "(interpolate_bilinear_2d_like_tensorflow1x) to 299 px, no antialiasing",
    "rlgan-digit-eval-net": "torch-fidelity: the eval net's own bilinear to 32 px "
    "(antialiased when downscaling)",
}
CLEAN_RESIZE = (
    "clean: antialiased bicubic (torch interpolate antialias=True, as PIL's) to {size} px "
    "before the extractor, rounded to uint8"
)


def cache_root() -> Path:
    """Where torch-fidelity's cache files of the real sets are kept."""
    base = os.environ.get(CACHE_ENV)
    root = Path(base).expanduser() if base else Path.home() / ".cache" / "rlgan-bench"
    return root / FIDELITY_SUBDIR


@dataclass(frozen=True)
class ResizePlan:
    """How images reach the extractor's input size."""

    #: resize every image to this size before the extractor (None: hand them over as they are)
    size: int | None
    #: what was done, as eval.json records it
    description: str
    #: the resize's part of the cache name (equal for equal features)
    key: str


def resize_plan(extractor: str, fid_resize: str, image_size: int) -> ResizePlan:
    """The resize of ``fid_resize`` ("torch-fidelity" or "clean") for this extractor."""
    target = INPUT_SIZE.get(extractor)
    if target is None:
        raise PluginError(f"no input size is known for the feature extractor {extractor!r}")
    if image_size == target:
        return ResizePlan(None, f"none (native {target} px)", "native")
    if fid_resize == "clean":
        return ResizePlan(target, CLEAN_RESIZE.format(size=target), f"clean{target}")
    return ResizePlan(None, OWN_RESIZE[extractor], "tf")


def clean_resize(images: Tensor, size: int) -> Tensor:
    """uint8 (..., C, H, W) -> uint8 (..., C, size, size): antialiased bicubic on floats (the
    PIL bicubic clean-fid uses, to < 1e-3 grey levels), rounded and clipped to 0..255."""
    batch = images.reshape(-1, *images.shape[-3:]).float()
    out = F.interpolate(
        batch, size=(size, size), mode="bicubic", align_corners=False, antialias=True
    )
    out = out.round_().clamp_(0, 255).to(torch.uint8)
    return out.reshape(*images.shape[:-2], size, size)


def fingerprint(images: Tensor) -> str:
    """sha256 of the images' shape and bytes: equal only for the same real set."""
    digest = hashlib.sha256(f"{images.dtype} {tuple(images.shape)}".encode())
    digest.update(images.contiguous().numpy().tobytes())
    return digest.hexdigest()


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._]+", "_", text) or "_"


def cache_name(
    *,
    dataset: str,
    split: str,
    images: Tensor,
    extractor: str,
    extractor_sha256: str,
    resize: ResizePlan,
    device_type: str,
) -> str:
    """The torch-fidelity cache name of a real set (torch-fidelity appends the extractor and
    the layer to it: ``NAME-EXTRACTOR-features-LAYER.pt``, ``NAME-EXTRACTOR-stat-fid-LAYER.pt``)."""
    n, channels, height, width = images.shape
    parts = [
        "rlgan",
        _safe(dataset),
        _safe(split),
        f"n{n}",
        f"{channels}x{height}x{width}",
        _safe(extractor),
        f"w{extractor_sha256[:12]}",
        f"resize-{resize.key}",
        _safe(device_type),
        f"tf{_safe(torch_fidelity.__version__)}",
        CACHE_FORMAT,
        f"x{fingerprint(images)[:16]}",
    ]
    return "-".join(parts)


def cache_files(root: Path, name: str) -> list[Path]:
    return sorted(root.glob(f"{name}-*.pt"))


def _problem(path: Path, n_real: int) -> str | None:
    """Why the cache file cannot be what torch-fidelity wrote for this real set, or None."""
    try:
        # mmap: the features are not read, only their shape (torch-fidelity reads them next)
        item: Any = torch.load(path, map_location="cpu", mmap=True, weights_only=False)
    except Exception as exc:  # a cache file may be broken in any way
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"unreadable ({first[:120]})"
    if "-features-" in path.name:
        if not torch.is_tensor(item) or item.dim() != 2 or item.shape[0] != n_real:
            shape = tuple(item.shape) if torch.is_tensor(item) else type(item).__name__
            return f"holds {shape}, not the features of {n_real} images"
    elif "-stat-fid-" in path.name:
        mu, sigma = (item.get("mu"), item.get("sigma")) if isinstance(item, dict) else (None, None)
        dim: tuple[int, ...] = tuple(getattr(mu, "shape", ()))
        if len(dim) != 1 or tuple(getattr(sigma, "shape", ())) != (dim[0], dim[0]):
            return "holds no FID statistics (mu, sigma)"
    return None


def repair(root: Path, name: str, n_real: int) -> list[str]:
    """Delete this real set's cache files that are not what torch-fidelity wrote (truncated,
    overwritten...), so that it recomputes them; one warning line on stderr for each."""
    notes = []
    for path in cache_files(root, name):
        problem = _problem(path, n_real)
        if problem is None:
            continue
        try:
            path.unlink()
        except OSError as exc:
            raise PluginError(
                f"the feature cache file {path} is {problem} and cannot be deleted "
                f"({exc.strerror}); delete it by hand"
            ) from None
        note = (
            f"cache file {path.name} was {problem}: deleted, the real features are computed again"
        )
        print(f"rlgan-bench: warning: {note}", file=sys.stderr)
        notes.append(note)
    return notes


def usable_root() -> tuple[Path | None, str | None]:
    """The cache folder, created if need be; (None, why) when it cannot be written."""
    root = cache_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
        writable = os.access(root, os.W_OK)
        reason = "not writable"
    except OSError as exc:
        writable, reason = False, exc.strerror or type(exc).__name__
    if not writable:
        note = f"feature cache off: cannot write to {root} ({reason}); set {CACHE_ENV} to a folder"
        print(f"rlgan-bench: warning: {note}", file=sys.stderr)
        return None, note
    return root, None


__all__ = [
    "CACHE_ENV",
    "ResizePlan",
    "cache_files",
    "cache_name",
    "cache_root",
    "clean_resize",
    "fingerprint",
    "repair",
    "resize_plan",
    "usable_root",
]
