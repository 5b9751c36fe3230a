"""Small networks shipped inside the package (``rlgan_bench/assets``); nothing is downloaded.

Each file is written by a committed, seeded training script. The script also records the
file's sha256 and its measured accuracies in ``assets/manifest.json``: that manifest is the
one place the hashes live, and :data:`EMBEDDED` reads them from it. A missing or corrupt file
is reported as one line naming the command that regenerates it.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import torch
from torch import nn

from rlgan_bench.core.atomic import atomic_path, write_json
from rlgan_bench.core.errors import MissingFileError

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ModelFile:
    """One shipped weights file. ``sha256`` is empty when the manifest has no entry for it."""

    name: str
    filename: str
    sha256: str
    description: str
    #: the script under ``scripts/`` (without ``.py``) that trains and writes the file
    script: str

    @property
    def command(self) -> str:
        return f"python scripts/{self.script}.py"


# name -> (filename, description, script); the hashes come from the manifest.
_FILES: dict[str, tuple[str, str, str]] = {
    "digit-reward-classifier": (
        "digit_reward_classifier.pt",
        "DigitNet on digits 'reward-net' (augmented + PGD adversarial training); the "
        "differentiable classifier reward",
        "train_digit_nets",
    ),
    "digit-plain-classifier": (
        "digit_plain_classifier.pt",
        "DigitNet on digits 'reward-net' (shifts and rotations only, no noise or adversarial "
        "training, 30 epochs); the naive reward model of `classifier` with net=plain",
        "train_digit_nets",
    ),
    "digit-eval-net": (
        "digit_eval_net.pt",
        "DigitNet on digits 'eval-net' (augmented); features for FID/KID/PR, logits for IS",
        "train_digit_nets",
    ),
    "digits-clip-main": (
        "digits_clip_main.pt",
        "CLIP (ModifiedResNet vision tower) on digits 'reward-net' with templated captions; "
        "the clip reward and CLIP score",
        "train_digits_clip",
    ),
    "digits-clip-audit": (
        "digits_clip_audit.pt",
        "CLIP (ViT vision tower) on digits 'eval-net' with templated captions; audits the "
        "clip reward",
        "train_digits_clip",
    ),
}


def assets_dir() -> Path:
    return Path(str(resources.files("rlgan_bench"))) / "assets"


def read_manifest() -> dict[str, dict[str, Any]]:
    """The manifest's entries ({} when it is missing or unreadable: every load then fails
    with the regenerate command)."""
    try:
        return json.loads((assets_dir() / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _table() -> dict[str, ModelFile]:
    manifest = read_manifest()
    return {
        name: ModelFile(name, filename, str(manifest.get(name, {}).get("sha256", "")), text, script)
        for name, (filename, text, script) in _FILES.items()
    }


EMBEDDED: dict[str, ModelFile] = _table()


def _spec(name: str) -> ModelFile:
    if name not in EMBEDDED:
        raise MissingFileError(f"no embedded model {name!r}; embedded: {', '.join(EMBEDDED)}")
    return EMBEDDED[name]


def embedded_path(name: str) -> Path:
    return assets_dir() / _spec(name).filename


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_state(name: str, device: torch.device | str = "cpu") -> dict[str, Any]:
    """The file's state dict, after checking its sha256 against the manifest."""
    spec, path = _spec(name), embedded_path(name)
    fix = f"regenerate it with `{spec.command}`"
    if not path.is_file():
        raise MissingFileError(f"model file {name!r} ({path}) is missing; {fix}")
    if not spec.sha256:
        raise MissingFileError(f"model file {name!r} has no sha256 in {MANIFEST}; {fix}")
    digest = file_sha256(path)
    if digest != spec.sha256:
        raise MissingFileError(
            f"model file {name!r} ({path}) is corrupt: sha256 {digest[:12]}... is not the "
            f"{spec.sha256[:12]}... recorded in {MANIFEST}; {fix}"
        )
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # the hash matched, so this is a torch version problem
        raise MissingFileError(
            f"model file {name!r} ({path}) cannot be read ({type(exc).__name__}); {fix}"
        ) from None


def load_into(
    module: nn.Module,
    name: str,
    unpack: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> None:
    """Load the checked file into ``module``; a file of another architecture is one line too."""
    state = load_state(name, "cpu")
    try:
        module.load_state_dict(unpack(state) if unpack else state)
    except (RuntimeError, KeyError):
        raise MissingFileError(
            f"model file {name!r} does not fit this version's network; "
            f"regenerate it with `{_spec(name).command}`"
        ) from None


def save_state(name: str, state: dict[str, Any], metrics: dict[str, Any]) -> ModelFile:
    """Write the file and its manifest entry (for the training scripts). Returns the entry."""
    spec, path = _spec(name), embedded_path(name)
    # through memory: torch.save names the archive after the file, and the temporary
    # file's random name would make every rerun's bytes (and sha256) differ
    buffer = io.BytesIO()
    torch.save(state, buffer)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())
        tmp.chmod(0o644)  # package data: readable by all (the temporary file is 0600)
    digest = file_sha256(path)
    manifest = read_manifest()
    manifest[name] = {
        "filename": spec.filename,
        "sha256": digest,
        "bytes": path.stat().st_size,
        "script": f"scripts/{spec.script}.py",
        "torch": torch.__version__.split("+")[0],
        "metrics": metrics,
    }
    write_json(assets_dir() / MANIFEST, manifest)
    (assets_dir() / MANIFEST).chmod(0o644)
    return ModelFile(name, spec.filename, digest, spec.description, spec.script)


__all__ = [
    "EMBEDDED",
    "ModelFile",
    "assets_dir",
    "embedded_path",
    "file_sha256",
    "load_into",
    "load_state",
    "read_manifest",
    "save_state",
]
