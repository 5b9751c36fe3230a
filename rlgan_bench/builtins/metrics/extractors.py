"""Which network FID, IS, KID and precision/recall are computed with.

- ``inception-v3-compat``: torch-fidelity's standard extractor (the TF FID Inception), when
  its weights are on this machine (torch-fidelity's cache, or ``--inception-weights PATH``).
- ``rlgan-digit-eval-net``: the evaluation network shipped in this package, trained on the
  digits' ``eval-net`` split (never on what the reward classifier learned from). It is the
  default on the embedded digits, where Inception's ImageNet features say little, and the
  fallback wherever the Inception weights are missing.

The two give different quantities: a FID from one is never compared with a FID from the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlgan_bench.api import EXTRACTOR_CHOICES, ConfigError, weights

INCEPTION = weights.INCEPTION
DIGIT_EVAL_NET = "rlgan-digit-eval-net"
#: torch-fidelity extractor name -> the weights file it reads
WEIGHTS_OF = {INCEPTION: weights.INCEPTION, DIGIT_EVAL_NET: "digit-eval-net"}
CHOICES = EXTRACTOR_CHOICES
#: datasets on which the domain network is the default even when Inception is present
DOMAIN_DEFAULT_DATASETS = frozenset({"digits"})


@dataclass(frozen=True)
class Extractor:
    """A resolved feature extractor: its torch-fidelity name and the checked weights."""

    name: str
    weights_path: Path
    sha256: str
    #: torch-fidelity's Inception takes 3-channel images only
    needs_rgb: bool
    note: str = ""

    def record(self) -> dict[str, Any]:
        return {"extractor": self.name, "extractor_sha256": self.sha256}


def choose(requested: str, dataset: str, inception_weights: str | None = None) -> Extractor:
    """Resolve ``--extractor`` (raises :class:`weights.WeightsUnavailable` with the fix)."""
    if requested not in CHOICES:
        raise ConfigError(f"--extractor {requested!r}: choose one of {', '.join(CHOICES)}")
    if requested == "auto":
        requested = _auto(dataset, inception_weights)
    if requested == INCEPTION:
        path, digest = weights.require(weights.INCEPTION, inception_weights)
        return Extractor(INCEPTION, path, digest, needs_rgb=True)
    path, digest = weights.require(WEIGHTS_OF[DIGIT_EVAL_NET])
    note = ""
    if dataset not in DOMAIN_DEFAULT_DATASETS:
        note = (
            f"features of a network trained on the embedded digits, not on {dataset}: "
            f"compare these scores only with scores from the same extractor"
        )
    return Extractor(DIGIT_EVAL_NET, path, digest, needs_rgb=False, note=note)


def _auto(dataset: str, inception_weights: str | None) -> str:
    if inception_weights is not None:
        return INCEPTION  # asked for by giving the file
    if dataset in DOMAIN_DEFAULT_DATASETS:
        return DIGIT_EVAL_NET
    return INCEPTION if weights.status(weights.INCEPTION)["status"] == "present" else DIGIT_EVAL_NET
