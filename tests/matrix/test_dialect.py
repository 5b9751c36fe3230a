"""One dialect in a matrix file (issue 23): a reward entry lists ``methods = { M = [strengths] }``
and its options as ``method_params``, from scratch as in the base protocol. The 0.1 dialect,
``modes`` x ``lambdas`` (``mode``, ``lambda``, ``matrix.modes``, ``matrix.lambdas``) and
``mode_params``, is translated into it with a deprecation warning that names what to write, and
gives the very same cells; no cell tilts the critic's real data but reward-weighted's."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from click.testing import CliRunner

from rlgan_bench.cli import cli
from rlgan_bench.core.deprecations import RlganBenchDeprecationWarning
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.host import get_host
from rlgan_bench.matrix.spec import build_matrix


def matrix(*rewards: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "run": {"steps": 4, "width": 8, "latent_dim": 8, "batch_size": 8},
        "eval": {"samples": 40, "metrics": ["fid"]},
        "matrix": {"backbones": ["dcgan"], "seeds": [0, 1], "rewards": list(rewards), **extra},
    }


def cells(raw: dict[str, Any]) -> list[tuple[str, str]]:
    return [(cell.id, cell.digest()) for cell in build_matrix(raw, get_host()).cells]


NEW = matrix(
    {"name": "none"},
    {
        "name": "jpeg",
        "methods": {"reinforce": [0.01, 0.1], "ppo": [0.01, 0.1]},
        "method_params": {"sigma": 0.2},
    },
    {"name": "classifier", "params": {"target": 3}, "methods": {"backprop": [1.0]}},
)


@pytest.mark.parametrize(
    "old,deprecated",
    [
        (
            matrix(
                {"name": "none"},
                {"name": "jpeg", "modes": ["reinforce", "ppo"], "lambdas": [0.01, 0.1]}
                | {"mode_params": {"sigma": 0.2}},
                {"name": "classifier", "params": {"target": 3}, "lambda": 1.0},
            ),
            [
                "matrix.rewards[1].modes and matrix.rewards[1].lambdas is deprecated since 0.2; "
                "use matrix.rewards[1].methods = { reinforce = [0.01, 0.1], ppo = [0.01, 0.1] }",
                "matrix.rewards[1].mode_params is deprecated since 0.2; use "
                "matrix.rewards[1].method_params",
                "matrix.rewards[2].lambda is deprecated since 0.2; use "
                "matrix.rewards[2].methods = { backprop = [1] }",
            ],
        ),
        (
            matrix(
                {"name": "none"},
                {"name": "jpeg", "mode_params": {"sigma": 0.2}, "lambdas": [0.01, 0.1]},
                {"name": "classifier", "params": {"target": 3}, "mode": "backprop"},
                modes=["reinforce", "ppo"],
            ),
            ["matrix.rewards[1].lambdas and matrix.modes is deprecated since 0.2"],
        ),
    ],
)
def test_the_old_dialect_is_the_same_cells_with_a_deprecation(old, deprecated):
    with pytest.warns(RlganBenchDeprecationWarning) as caught:
        translated = cells(old)
    assert translated == cells(NEW)
    texts = [str(w.message) for w in caught]
    for text in deprecated:
        assert any(t.startswith(text) for t in texts), (text, texts)


def test_from_scratch_cells_act_by_lambda_alone_from_the_rewards_own_start():
    """The seed's algorithm, adversarial - λ R(G(z)) from reward_start, and no tilt: the tilt
    the rewards of 0.1 declared is gone from every cell."""
    for cell in build_matrix(NEW, get_host()).cells:
        train = cell.train
        if train.reward is None:
            continue
        assert train.reward_tilt == 0.0 and train.reward_start is None
        assert cell.id.split("__")[2] == train.method
    # ids as the 0.1 dialect named them: backbone, reward, method, λ, options' hash, seed
    built = build_matrix(NEW, get_host()).cells
    ids = {cell.id.rsplit("__", 2)[0] for cell in built if cell.train.reward}
    assert ids == {
        "dcgan__jpeg__reinforce__lam0.01",
        "dcgan__jpeg__reinforce__lam0.1",
        "dcgan__jpeg__ppo__lam0.01",
        "dcgan__jpeg__ppo__lam0.1",
        "dcgan__classifier__backprop__lam1",
    }


@pytest.mark.parametrize("where", ["run", "backbone"])
def test_a_tilt_for_every_cell_is_refused_and_zero_is_accepted(where):
    raw = copy.deepcopy(NEW)
    table = raw["run"] if where == "run" else {"name": "dcgan"}
    if where == "backbone":
        raw["matrix"]["backbones"] = [table]
    table["reward_tilt"] = 1.0
    key = "run" if where == "run" else "matrix.backbones[0]"
    with pytest.raises(ConfigError, match=re.escape(f"{key}.reward_tilt: 1 would resample the")):
        build_matrix(raw, get_host())
    table["reward_tilt"] = 0.0
    assert len(build_matrix(raw, get_host()).cells) == len(build_matrix(NEW, get_host()).cells)


def test_giving_both_names_is_refused():
    raw = copy.deepcopy(NEW)
    raw["matrix"]["rewards"][1]["mode_params"] = {"sigma": 0.1}
    refused = pytest.raises(ConfigError, match="the old name of method_params; give method_")
    with refused, pytest.warns(RlganBenchDeprecationWarning):
        build_matrix(raw, get_host())
    raw = copy.deepcopy(NEW)
    raw["matrix"]["rewards"][1]["lambdas"] = [0.1]
    with pytest.raises(ConfigError, match="give methods, or modes and lambdas, not both"):
        build_matrix(raw, get_host())


def test_the_matrix_records_the_file_as_written():
    raw = copy.deepcopy(NEW)
    assert build_matrix(raw, get_host()).raw == NEW  # method_params, not the stored name
    assert raw == NEW  # and the caller's dict is untouched


def test_run_prints_each_deprecation_as_one_line_and_runs(tmp_path):
    config = tmp_path / "old.toml"
    config.write_text(
        "[run]\nsteps = 2\n[matrix]\nbackbones = ['dcgan']\n"
        "[[matrix.rewards]]\nname = 'jpeg'\nmodes = ['reinforce']\nlambdas = [0.01]\n"
    )
    result = CliRunner().invoke(cli, ["run", str(config), "--dry-run"])
    assert result.exit_code == 0, result.output
    warning = [line for line in result.output.splitlines() if line.startswith("Warning: ")]
    assert warning == [
        "Warning: matrix.rewards[0].modes and matrix.rewards[0].lambdas is deprecated since "
        "0.2; use matrix.rewards[0].methods = { reinforce = [0.01] }; it will be removed in 0.3"
    ]
    assert "dcgan__jpeg__reinforce__lam0.01__seed0" in result.output
