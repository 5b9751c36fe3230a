"""Every weights file the metrics and rewards can use: where it is looked for, whether it is
there and intact, and how to put it there on a machine without internet.

Nothing is downloaded at run time. The embedded networks ship inside the package; the
standard Inception and CLIP weights are read from the caches their libraries use (so a file
that torch-fidelity or clip-anytorch downloaded on this machine is found), and
``rlgan-bench weights import NAME FILE`` copies a file fetched elsewhere into that cache
after checking its hash.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch

from rlgan_bench.core.atomic import atomic_path
from rlgan_bench.core.errors import ConfigError, MissingFileError
from rlgan_bench.shared.nets import EMBEDDED, embedded_path

#: torch-fidelity's Inception (the TF FID network): torch.hub file name; its hash prefix is
#: the start of its sha256, as torch.hub checks it
INCEPTION_URL = (
    "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/"
    "weights-inception-2015-12-05-6726825d.pth"
)
#: OpenAI's ViT-B/32 as clip-anytorch downloads it; the URL holds the full sha256
CLIP_VIT_B_32_SHA256 = "40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af"
CLIP_VIT_B_32_URL = (
    f"https://openaipublic.azureedge.net/clip/models/{CLIP_VIT_B_32_SHA256}/ViT-B-32.pt"
)

INCEPTION = "inception-v3-compat"
CLIP_VIT_B_32 = "clip-vit-b-32"

#: what each model is used for by the built-in metrics (rewards declare their own)
METRIC_USES: dict[str, tuple[str, ...]] = {
    "digit-eval-net": ("fid", "is", "kid", "prc", "class histogram"),
    INCEPTION: ("fid", "is", "kid", "prc"),
    CLIP_VIT_B_32: ("clip",),
    "digits-clip-main": ("clip",),
    "digits-clip-audit": ("clip (--clip-model digits-clip-audit)",),
}


class WeightsUnavailable(MissingFileError):
    """A weights file that is missing or corrupt; ``fix`` is the command that repairs it."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(f"{message}; fix: {fix}")
        self.fix = fix


@dataclass(frozen=True)
class WeightsFile:
    name: str
    description: str
    #: where it is looked for
    path: Path
    #: the expected sha256, or its first hex digits (torch.hub names carry only a prefix)
    sha256: str
    #: "embedded", "torch-fidelity cache" or "clip cache"
    location: str
    #: where to obtain it on a machine with internet
    source: str

    @property
    def fix(self) -> str:
        """The exact command that puts this file in place."""
        if self.location == "embedded":
            command = EMBEDDED[self.name].command
            return f"`{command}` (or `rlgan-bench weights import {self.name} FILE`)"
        return (
            f"download {self.source} on a machine with internet, then run "
            f"`rlgan-bench weights import {self.name} FILE`"
        )

    def matches(self, digest: str) -> bool:
        return bool(self.sha256) and digest.startswith(self.sha256)


def table() -> dict[str, WeightsFile]:
    """All known weights files, by name (paths follow TORCH_HOME and HOME when called)."""

    files = {
        name: WeightsFile(
            name,
            spec.description,
            embedded_path(name),
            spec.sha256,
            "embedded",
            f"`{spec.command}` (a committed, seeded script)",
        )
        for name, spec in EMBEDDED.items()
    }
    inception_file = INCEPTION_URL.rsplit("/", 1)[1]
    files[INCEPTION] = WeightsFile(
        INCEPTION,
        "torch-fidelity's InceptionV3 (TF FID weights): the standard FID/IS/KID extractor",
        Path(torch.hub.get_dir()) / "checkpoints" / inception_file,
        inception_file.rsplit("-", 1)[1].split(".")[0],
        "torch-fidelity cache",
        INCEPTION_URL,
    )
    files[CLIP_VIT_B_32] = WeightsFile(
        CLIP_VIT_B_32,
        "OpenAI CLIP ViT-B/32 (clip-anytorch): the standard CLIP score model",
        Path(os.path.expanduser("~/.cache/clip")) / "ViT-B-32.pt",
        CLIP_VIT_B_32_SHA256,
        "clip cache",
        CLIP_VIT_B_32_URL,
    )
    return files


def get(name: str) -> WeightsFile:
    files = table()
    if name not in files:
        raise ConfigError(f"unknown model {name!r}; known models: {', '.join(files)}")
    return files[name]


def sha256_of(path: Path) -> str:
    stat = path.stat()
    return _sha256_cached(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=32)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    # keyed on size and mtime: a replaced file is hashed again, an unchanged one once
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def status(name: str) -> dict[str, Any]:
    """Where the file is looked for, whether it is there, and its actual sha256."""
    entry = get(name)
    row: dict[str, Any] = {
        "name": name,
        "description": entry.description,
        "location": entry.location,
        "path": str(entry.path),
        "expected_sha256": entry.sha256,
        "sha256": None,
        "status": "missing",
        "fix": entry.fix,
    }
    if entry.path.is_file():
        row["sha256"] = sha256_of(entry.path)
        row["status"] = "present" if entry.matches(row["sha256"]) else "corrupt"
    if row["status"] == "present":
        row["fix"] = None
    return row


def require(name: str, path: str | os.PathLike[str] | None = None) -> tuple[Path, str]:
    """The checked file (its cache path, or ``path``) and its sha256, or
    :class:`WeightsUnavailable` naming the command that fixes it."""
    entry = get(name)
    target = Path(path) if path is not None else entry.path
    if not target.is_file():
        raise WeightsUnavailable(f"{name} weights not found at {target}", entry.fix)
    digest = sha256_of(target)
    if not entry.matches(digest):
        raise WeightsUnavailable(
            f"{target} is not the {name} weights (sha256 {digest[:12]}..., expected "
            f"{entry.sha256[:12]}...)",
            entry.fix,
        )
    return target, digest


def import_file(name: str, source: str | os.PathLike[str]) -> Path:
    """Copy ``source`` to where ``name`` is looked for, after checking its hash."""
    entry = get(name)
    source = Path(source)
    if not source.is_file():
        raise ConfigError(f"{str(source)!r} is not a file")
    digest = sha256_of(source)
    if not entry.matches(digest):
        raise ConfigError(
            f"{source} has sha256 {digest}, which is not the {name} file (expected "
            f"{entry.sha256 or 'a manifest entry'}{'...' if len(entry.sha256) < 64 else ''}); "
            f"nothing was copied"
        )
    with atomic_path(entry.path) as tmp:
        shutil.copyfile(source, tmp)
    return entry.path


__all__ = [
    "CLIP_VIT_B_32",
    "INCEPTION",
    "METRIC_USES",
    "WeightsFile",
    "WeightsUnavailable",
    "get",
    "import_file",
    "require",
    "sha256_of",
    "status",
    "table",
]
