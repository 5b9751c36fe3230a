"""Benchmark matrices: a TOML file -> a validated list of cells (train + evaluate each).

A matrix is backbones x rewards (each with its parameters, and its methods, each at its
strengths) x seeds::

    [run]                      # training settings shared by every cell (TrainConfig keys)
    dataset = "digits"
    steps = 600

    [eval]
    samples = 1000
    metrics = ["fid", "is", "kid", "prc", "clip"]

    [matrix]
    backbones = ["dcgan", "wgan-gp"]
    seeds = [0]

    [[matrix.rewards]]
    name = "none"              # the lambda = 0 baseline

    [[matrix.rewards]]
    name = "classifier"
    params = { target = 7 }
    methods = { backprop = [0.3, 1.0] }

Every problem is reported with its TOML key before anything trains. The 0.1 dialect,
``modes`` x ``lambdas`` and ``mode_params``, is read as ``methods`` and ``method_params``
with a deprecation warning (:mod:`.dialect`).

How it is read, each step a module: :mod:`.validation` checks the file table by table
(:mod:`.backbone_entries`, :mod:`.reward_entries`, :mod:`.eval_table`; :mod:`.keys` lists
the keys) into a :class:`~.validation.MatrixSpec`, :mod:`.expansion` expands it into cells,
:mod:`.cell_checks` checks each cell as it will check itself when it starts; every problem
goes into one :class:`~.problems.Problems`, raised as one :class:`ConfigError`.
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from rlgan_bench.core.errors import ConfigError
from rlgan_bench.host import PluginHost

# Cell, EvalSettings: where the 0.1 names of rlgan_bench.matrix point (core/deprecations.MOVED)
from rlgan_bench.matrix.cell import Cell, EvalSettings, Matrix
from rlgan_bench.matrix.spec.cell_checks import check_cells
from rlgan_bench.matrix.spec.expansion import expand
from rlgan_bench.matrix.spec.problems import Problems
from rlgan_bench.matrix.spec.validation import validate

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "DEFAULT_MATRIX_NAME",
    "Cell",
    "EvalSettings",
    "Matrix",
    "build_matrix",
    "default_matrix_path",
    "load_toml",
]

#: how a run of the shipped default matrix names its source in matrix.json and reports
DEFAULT_MATRIX_NAME = "rlgan_bench/default_matrix.toml"


def default_matrix_path() -> Path:
    return Path(str(resources.files("rlgan_bench").joinpath("default_matrix.toml")))


def load_toml(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config {str(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {str(path)!r} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config {str(path)!r}: {exc}") from None


def build_matrix(
    raw: dict[str, Any],
    host: PluginHost,
    overrides: dict[str, Any] | None = None,
    source: str = "<config>",
) -> Matrix:
    """Validate a parsed TOML matrix and expand it; raise one ConfigError listing every problem
    with its key. ``overrides``: the command line's ``steps`` and ``seeds``."""
    problems = Problems()
    given = json.loads(json.dumps(raw))  # what the matrix records (matrix.json): the file
    spec = validate(raw, host, overrides or {}, problems)
    cells = expand(spec)
    check_cells(cells, spec.run, host, problems)
    if not problems and not cells:
        problems.add("matrix", "empty (no backbone, reward or seed)")
    ids = [cell.id for cell, _ in cells]
    if len(set(ids)) != len(ids):
        problems.add("matrix", "the same cell appears twice (duplicate reward entries?)")
    problems.raise_if_any(source)
    return Matrix([cell for cell, _ in cells], source, given)
