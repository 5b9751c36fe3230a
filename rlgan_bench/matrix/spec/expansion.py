"""A :class:`MatrixSpec` expanded into its cells: backbones x reward variants x seeds from
scratch, or, in the base protocol, per backbone x seed a base, its control, and each variant
fine-tuned from the base. Each cell comes with where its settings came from, so that a
problem found in a cell can name the TOML key that set it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.records import ROLE_BASE, ROLE_CONTROL, ROLE_FINETUNE, Protocol
from rlgan_bench.matrix.cell import Cell
from rlgan_bench.matrix.spec.backbone_entries import BackboneEntry
from rlgan_bench.matrix.spec.problems import sub_table
from rlgan_bench.matrix.spec.validation import MatrixSpec


@dataclass(frozen=True)
class Origin:
    """Where a cell's settings came from: its backbone table (key and run keys) and its
    reward entry (key and fields), to name the TOML key of a problem."""

    backbone: str
    backbone_keys: dict[str, Any]
    entry: str | None
    entry_fields: dict[str, Any]


def expand(spec: MatrixSpec) -> list[tuple[Cell, Origin]]:
    """Every cell of the matrix, in the order it runs and reports them."""
    if spec.finetune_steps is not None:
        return _protocol_cells(spec, spec.finetune_steps)
    return [
        _cell(spec, backbone, seed, variant.fields, variant.key)
        for backbone in spec.backbones
        for variant in spec.variants
        for seed in spec.seeds
    ]


def _cell(
    spec: MatrixSpec,
    backbone: BackboneEntry,
    seed: int,
    fields: dict[str, Any],
    entry: str | None,
    protocol: Protocol | None = None,
) -> tuple[Cell, Origin]:
    """The cell of ``backbone`` at ``seed`` with a reward entry's ``fields`` (``entry``: its
    key; None for a base or a control). Settings merge [run] < backbone table < command line
    < the entry; method options merge [run] < backbone table < entry."""
    keys = backbone.fields
    config = TrainConfig(
        **{
            **spec.run,
            **keys,
            **spec.run_overrides,
            "seed": seed,
            **fields,
            "mode_params": {
                **sub_table(spec.run, "mode_params"),
                **sub_table(keys, "mode_params"),
                **sub_table(fields, "mode_params"),
            },
            "backbone_params": keys["backbone_params"],
        }
    )
    return Cell(config, spec.eval, protocol), Origin(backbone.key, keys, entry, fields)


def _protocol_cells(spec: MatrixSpec, finetune_steps: int) -> list[tuple[Cell, Origin]]:
    """The base protocol: per backbone x seed one base (no reward, the matrix's steps), then
    each (method, strength, anchor) variant fine-tuned from it for ``finetune_steps`` (a
    backbone table may give its own), and the control when asked for."""
    cells: list[tuple[Cell, Origin]] = []
    for backbone in spec.backbones:
        steps = backbone.finetune_steps if backbone.finetune_steps is not None else finetune_steps
        for seed in spec.seeds:
            base = _cell(spec, backbone, seed, {"reward": None}, None, Protocol(role=ROLE_BASE))
            cells.append(base)
            link: dict[str, Any] = {"base": base[0].id, "base_digest": base[0].digest()}
            selects_from: dict[str, Any] = {}
            if spec.control:
                control = Protocol(role=ROLE_CONTROL, **link)
                cells.append(
                    _cell(spec, backbone, seed, {"reward": None, "steps": steps}, None, control)
                )
                # selection starts where training methods end without a reward: the control
                selects_from = {"selects_from": cells[-1][0].id}
            for variant in spec.variants:
                if not variant.has_reward:
                    continue  # the base is the lambda = 0 row
                meta = variant.protocol or {}
                source = selects_from if not meta.get("trains", True) else {}
                protocol = Protocol(role=ROLE_FINETUNE, **link, **meta, **source)
                fields = {**variant.fields, "steps": steps}
                cells.append(_cell(spec, backbone, seed, fields, variant.key, protocol))
    return cells
