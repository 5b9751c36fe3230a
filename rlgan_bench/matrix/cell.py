"""A matrix's unit of work: the cell (its training settings, its evaluation settings, its place
in a base protocol), its digest, and the matrix as the list of its cells.

A cell's id and digest name its results on disk: both come from :mod:`rlgan_bench.core.identity`
and must not change for a cell that did not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.defaults import EVAL_DEFAULTS, MATRIX_EVAL_SAMPLES
from rlgan_bench.core.identity import NO_REWARD, cell_id, short_hash
from rlgan_bench.core.records import Protocol

DEFAULT_METRICS: tuple[str, ...] = tuple(EVAL_DEFAULTS["metrics"])

#: [eval] settings added after cells were first recorded, with their defaults
EVAL_LATER_DEFAULTS: dict[str, Any] = {
    "extractor": EVAL_DEFAULTS["extractor"],
    "fid_resize": EVAL_DEFAULTS["fid_resize"],
}


@dataclass(frozen=True)
class EvalSettings:
    """A matrix's [eval]: the evaluation options of core/defaults.py, with fewer samples."""

    samples: int = MATRIX_EVAL_SAMPLES
    metrics: tuple[str, ...] = DEFAULT_METRICS
    prompts: tuple[str, ...] = tuple(EVAL_DEFAULTS["prompts"])
    batch_size: int = EVAL_DEFAULTS["batch_size"]
    extractor: str = EVAL_DEFAULTS["extractor"]
    fid_resize: str = EVAL_DEFAULTS["fid_resize"]


@dataclass(frozen=True)
class Cell:
    """What a worker trains (or, for a method that does not train, assembles) and scores: in
    a matrix trained from scratch one backbone x reward x mode x lambda x seed; in a
    base-protocol matrix a base, a control, or one method at one strength on one base."""

    train: TrainConfig
    eval: EvalSettings
    #: the cell's place in a base-protocol matrix; None: trained from scratch
    protocol: Protocol | None = None

    @property
    def reward_label(self) -> str:
        return self.train.reward or NO_REWARD

    @property
    def base(self) -> str | None:
        """The id of the base cell this cell starts from, if any."""
        return self.protocol.base if self.protocol else None

    @property
    def id(self) -> str:
        return cell_id(self.train, self.protocol)

    def digest(self) -> str:
        # eval settings added later count only when set, so recorded cells keep their digests
        settings = {
            k: v
            for k, v in self.eval.__dict__.items()
            if not (k in EVAL_LATER_DEFAULTS and v == EVAL_LATER_DEFAULTS[k])
        }
        data: dict[str, Any] = {"train": self.train.identity(), "eval": settings}
        if self.protocol is not None:  # a cell from another base is another cell
            data["protocol"] = self.protocol.to_json()
        return short_hash(data)

    def to_dict(self) -> dict[str, Any]:
        data = {"id": self.id, "train": self.train.to_dict(), "eval": self.eval.__dict__}
        if self.protocol is not None:
            data["protocol"] = self.protocol.to_json()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cell:
        settings = dict(data["eval"])
        settings["metrics"] = tuple(settings["metrics"])
        settings["prompts"] = tuple(settings["prompts"])
        protocol = data.get("protocol")
        return cls(
            TrainConfig.from_dict(data["train"]),
            EvalSettings(**settings),
            Protocol.from_json(protocol, "a cell") if protocol is not None else None,
        )


@dataclass
class Matrix:
    """A validated matrix: its cells in the order they run, where it came from (a file's path
    or a name) and its tables as given (what matrix.json records)."""

    cells: list[Cell]
    source: str
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def bases(self) -> list[Cell]:
        """The cells that start from no other cell (all of them in a from-scratch matrix)."""
        return [cell for cell in self.cells if cell.base is None]
