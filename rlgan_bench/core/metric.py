"""Metrics: what ``rlgan-bench eval`` measures, registered through the ``register_metrics`` hook.

A metric is a :class:`MetricSpec`. Its ``compute(context, names)`` gets an
:class:`EvalContext` (the generated samples, the real images, the options) and returns one
entry per requested name, made with :func:`ok`, :func:`unavailable` or :func:`skipped`.
Metrics that share a ``group`` are computed by a single call, so that FID, IS, KID and
precision/recall share one feature extraction.

Every successful entry carries a ``record`` saying exactly what was measured (extractor and
the sha256 of its weights, sample counts, split, library version): scores are comparable only
when :func:`comparison_key` of their records is equal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # kept out of the import: plugin loading and the CLI stay light
    import torch
    from torch import Tensor

    from rlgan_bench.core.dataset import DatasetSpec, ImageData

Entry = dict[str, Any]


@dataclass
class EvalContext:
    """What a metric sees of one evaluation."""

    #: uint8 samples (N, C, H, W) on the CPU
    generated: Tensor
    #: the real images scored against (the held-out split)
    real: ImageData
    dataset: DatasetSpec
    device: torch.device
    #: the resolved options (see :data:`rlgan_bench.core.defaults.EVAL_DEFAULTS`)
    options: dict[str, Any]
    #: the run's training configuration (reward parameters hold prompts and targets)
    run_config: dict[str, Any] = field(default_factory=dict)
    #: results one metric computes and another reuses (e.g. the eval net's logits)
    shared: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MetricSpec:
    """A metric a plugin registers. ``name`` is what ``--metrics`` takes."""

    name: str
    description: str
    compute: Callable[[EvalContext, tuple[str, ...]], dict[str, Entry]]
    #: metrics of one group are computed by one ``compute`` call (default: the name)
    group: str = ""
    higher_is_better: bool | None = None
    #: the fewest samples ``compute`` can score with the given evaluation options (None: any
    #: number); an evaluation asking for fewer is refused before it draws a sample
    min_samples: Callable[[dict[str, Any]], int] | None = None

    @property
    def group_key(self) -> str:
        return self.group or self.name


def ok(values: dict[str, float], record: dict[str, Any]) -> Entry:
    return {"status": "ok", "values": values, "record": record}


def unavailable(reason: str, fix: str | None = None) -> Entry:
    """A metric that could not run here (missing weights, ...): never a 0, never a crash."""
    return {"status": "unavailable", "reason": reason, "fix": fix}


def skipped(reason: str) -> Entry:
    """A metric that does not apply to this run (e.g. CLIP score without prompts)."""
    return {"status": "skipped", "reason": reason}


#: record fields that must agree for two scores to be compared
COMPARISON_FIELDS = (
    "extractor",
    "extractor_sha256",
    "split",
    "n_real",
    "n_generated",
    "fid_resize",
)
#: what a record written before a field existed measured with (every FID was resized the
#: torch-fidelity way before ``fid_resize`` was recorded)
_RECORDED_BEFORE = {"fid_resize": "torch-fidelity"}


def comparison_key(record: dict[str, Any]) -> tuple[Any, ...]:
    """Scores whose records give different keys must never be ranked together: a FID from the
    digits network and one from Inception are different quantities, FID is biased by N, and
    a clean resize moves FID as much as a model change."""
    return tuple(record.get(name, _RECORDED_BEFORE.get(name)) for name in COMPARISON_FIELDS)


__all__ = [
    "COMPARISON_FIELDS",
    "Entry",
    "EvalContext",
    "MetricSpec",
    "comparison_key",
    "ok",
    "skipped",
    "unavailable",
]
