"""``init_from``: a run that starts from the generator and critic of another (its base), as
reward fine-tuning starts from a pretrained model.

The base is a run folder (its ``checkpoint.pt``, the state the run ended with) or a checkpoint
file: one of this package's (``checkpoint.pt``, ``best.pt``) or any ``torch.save`` of a dict
with ``generator`` and ``critic`` state dicts whose names and shapes are the configured
backbone's. Weights only (``torch.load(weights_only=True)``): the optimisers, random streams and
step start afresh, and the EMA generator starts at the loaded generator (the base's own EMA is
not used: the critic was trained against the raw generator, and fine-tuning continues that
game). Everything is checked when the trainer is built, before anything trains or is written.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from rlgan_bench.core import checkpoint
from rlgan_bench.core.backbone import Backbone
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.training.context import CHECKPOINT_FILE

PARTS = ("generator", "critic")
#: the state a checkpoint keeps its EMA generator under (training/checkpoint's name)
EMA_PART = "ema_generator"
HINT = "give a run folder (with checkpoint.pt) or a checkpoint file"


@dataclass(frozen=True)
class Base:
    given: str  # the path as configured (part of the run's digest)
    checkpoint: Path  # the file the weights came from
    weights: dict[str, dict[str, Tensor]]  # "generator" and "critic" state dicts
    step: int | None  # the base's step, when the file says
    config_digest: str | None  # the base run's config digest, when known
    sha256: str  # of the checkpoint file, to notice a base that changed under a resumed run
    #: which of the file's generators the run starts from: "ema" or "generator"
    generator_source: str = "generator"

    def record(self) -> dict[str, Any]:
        """What config.json's ``resolved.init_from`` says about where the run started."""
        return {
            "path": self.given,
            "checkpoint": str(self.checkpoint),
            "step": self.step,
            "config_digest": self.config_digest,
            "sha256": self.sha256,
            "generator_source": self.generator_source,
        }

    def load_into(self, generator: nn.Module, critic: nn.Module) -> None:
        generator.load_state_dict(self.weights["generator"])
        critic.load_state_dict(self.weights["critic"])


def load_base(given: str, backbone: Backbone, label: str) -> Base:
    """Read and check the base for ``backbone`` (``label`` names it in errors)."""
    path = Path(given).expanduser()
    if not path.exists():
        raise ConfigError(f"init_from {given!r} does not exist; {HINT}")
    file = path / CHECKPOINT_FILE if path.is_dir() else path
    if not file.is_file():
        raise ConfigError(f"init_from {given!r} is a folder without {CHECKPOINT_FILE}; {HINT}")
    try:
        state = checkpoint.load_weights(file)
    except ConfigError as exc:
        raise ConfigError(f"init_from {given!r}: {exc}") from None
    missing = [part for part in PARTS if part not in state]
    if missing:
        raise ConfigError(
            f"init_from {given!r}: {file.name} has no {' or '.join(missing)} weights (its keys: "
            f"{', '.join(map(str, state)) or 'none'}); {HINT} with generator and critic"
        )
    # the configured networks, built for their shapes only, without touching the random
    # streams that seed the run
    with torch.random.fork_rng(devices=[]):
        expected = {"generator": backbone.build_generator(), "critic": backbone.build_critic()}
    source = EMA_PART if isinstance(state.get(EMA_PART), dict) else "generator"
    chosen = {"generator": state[source], "critic": state["critic"]}
    for part, model in expected.items():
        problem = checkpoint.weights_mismatch(model.state_dict(), chosen[part])
        if problem:
            raise ConfigError(
                f"init_from {given!r}: its {part} {problem} for {label}; start from a run of "
                f"the same backbone and shape (image_size, channels, latent_dim, width)"
            )
    step, digest = state.get("step"), state.get("config_digest")
    return Base(
        given=given,
        checkpoint=file,
        weights=chosen,
        step=int(step) if isinstance(step, int) else None,
        config_digest=digest if isinstance(digest, str) else None,
        sha256=_sha256(file),
        generator_source="ema" if source == EMA_PART else "generator",
    )


def check_unchanged(base: Base, out_dir: Path) -> None:
    """On resume: the base must be the one the run started from (config.json says which)."""
    try:
        record = json.loads((out_dir / "config.json").read_text())
    except (OSError, ValueError):
        return  # no record to hold it against (the digest still names the path)
    started = (record.get("resolved") or {}).get("init_from") or {}
    if started.get("sha256") not in (None, base.sha256):
        raise ConfigError(
            f"init_from {base.given!r} changed since {out_dir} started from it ({base.checkpoint} "
            f"is another file now); start a new run in another --out, or restore the base"
        )


def _sha256(path: Path) -> str:
    sink = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sink.update(block)
    return sink.hexdigest()
