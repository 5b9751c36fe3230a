"""The keys a matrix file may have, table by table (docs/configuration.md describes each)."""

from __future__ import annotations

from dataclasses import fields

from rlgan_bench.core.config import MACHINE_FIELDS, TrainConfig

SECTIONS = ("run", "eval", "matrix")
#: TrainConfig keys a matrix sets per cell rather than in [run]
CELL_KEYS = {"backbone", "reward", "reward_params", "mode", "reward_weight", "seed"}
#: [run]'s keys, which a backbone table may also set: TrainConfig's, less the cell's and the
#: machine's (the command line's --device)
RUN_KEYS = {f.name for f in fields(TrainConfig)} - CELL_KEYS - set(MACHINE_FIELDS)
EVAL_KEYS = {"samples", "metrics", "prompts", "batch_size", "extractor", "fid_resize"}
MATRIX_KEYS = {
    "backbones",
    "rewards",
    "seeds",
    "modes",
    "lambdas",
    "finetune_steps",
    "control",
    "budget",
}
REWARD_KEYS = {
    "name",
    "params",
    "modes",
    "mode",
    "lambdas",
    "lambda",
    "mode_params",
    "method_params",
    "methods",
    "anchor",
    "anchors",
}
BUDGET_KEYS = ("fid_cost", "precision_drop", "recall_drop")

#: the 0.1 dialect of a reward entry: read (as methods), not listed among the keys to use
OLD_REWARD_KEYS = ("modes", "mode", "lambdas", "lambda")
OLD_KEYS = {*OLD_REWARD_KEYS, "mode_params"}


def listed(keys: set[str]) -> str:
    """The keys to write, for "unknown key" messages: the option tables as ``method_params``
    (stored as ``mode_params``, core/config.STORED_AS), the 0.1 dialect left out."""
    return ", ".join(
        sorted({"method_params" if k == "mode_params" else k for k in keys} - OLD_KEYS)
    )
