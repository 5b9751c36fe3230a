"""`rlgan-bench compare RESULTS_DIR LEADERBOARD_DIR`: each headline value of each configuration
judged against the board's seed noise, one verdict line last, exit code 0 / 1 / 2; on copies of
the committed leaderboards' records."""

import json
import math
import shutil
import statistics
from pathlib import Path

import pytest
from click.testing import CliRunner

from rlgan_bench.cli import cli
from rlgan_bench.report.ranking import load
from rlgan_bench.report.reproduce import (
    DIFFERS,
    FROM_BOARD,
    FROM_OTHER,
    FROM_YOURS,
    NO_NOISE,
    NOISE_MULTIPLE,
    WITHIN,
    reproduce,
)

LEADERBOARDS = Path(__file__).resolve().parents[2] / "leaderboards"
BASE = "dcgan__none__seed0"
#: a point on both committed boards (the default and the five-seed frontier board)
BACKPROP = "dcgan__classifier__backprop__lam0.3__859fdd73__seed0"


def copy_board(name: str, to: Path, seeds: tuple[int, ...] | None = None) -> Path:
    """The records of a committed board (result.json files and matrix.json, no pictures)."""
    source = LEADERBOARDS / name
    for cell in sorted((source / "cells").iterdir()):
        if seeds is not None and not any(cell.name.endswith(f"__seed{s}") for s in seeds):
            continue
        (to / "cells" / cell.name).mkdir(parents=True)
        shutil.copy(cell / "result.json", to / "cells" / cell.name / "result.json")
    shutil.copy(source / "matrix.json", to / "matrix.json")
    return to


def set_fid(results: Path, cell: str, fid: float) -> None:
    path = results / "cells" / cell / "result.json"
    record = json.loads(path.read_text())
    record["eval"]["metrics"]["fid"]["values"]["fid"] = fid
    path.write_text(json.dumps(record))


def fid_of(results: Path, cell: str) -> float:
    record = json.loads((results / "cells" / cell / "result.json").read_text())
    return record["eval"]["metrics"]["fid"]["values"]["fid"]


def fid_sd_over_seeds(results: Path, cell: str) -> float:
    """The sample sd of a cell's FID over the seeds of a board (``cell`` without its seed)."""
    return statistics.stdev(fid_of(results, f"{cell}{seed}") for seed in range(5))


@pytest.fixture
def default(tmp_path):
    """The one-seed default board and an identical copy as "your" results."""
    board = copy_board("digits-default", tmp_path / "board")
    yours = copy_board("digits-default", tmp_path / "yours")
    return board, yours


@pytest.fixture(scope="module")
def frontier(tmp_path_factory):
    return copy_board("digits-frontier", tmp_path_factory.mktemp("frontier"))


def invoke(*args):
    return CliRunner().invoke(cli, ["compare", *map(str, args)])


def test_identical_results_are_within_noise(default, frontier):
    board, yours = default
    result = invoke(yours, board, "--noise-from", frontier)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("verdict: within noise (38 of 38 judged values within noise")
    assert "differs" not in result.output
    # what each value was judged against is said: the same point's spread on the frontier board
    base_fid = next(line for line in lines if "base (no reward) | FID" in line)
    sd = fid_sd_over_seeds(frontier, "dcgan__none__seed")
    assert f"sd {sd:.3g} over 5 seeds (the same point on {frontier}" in base_fid
    fid = fid_of(board, BASE)
    assert f"| {fid:.2f} | {fid:.2f} | +0.00 |" in base_fid


def test_a_fid_far_beyond_the_noise_differs(default, frontier):
    board, yours = default
    fid = fid_of(yours, BACKPROP)
    set_fid(yours, BACKPROP, fid + 30.0)
    result = invoke(yours, board, "--noise-from", frontier)
    assert result.exit_code == 1, result.output
    differing = [line for line in result.output.splitlines() if "**differs**" in line]
    expected = f"backprop · λ=0.3 | FID | {fid:.2f} | {fid + 30:.2f} | +30.00"
    assert len(differing) == 1 and expected in differing[0]
    assert result.output.strip().splitlines()[-1].startswith("verdict: differs (")


def test_another_machines_run_is_within_noise(default, frontier):
    """Measured: a fresh default run on another machine gave the base FID 13.67 against the
    0.1 board's 13.22 and backprop lambda 1 FID 18.78 against 16.89. The same differences on
    this board's base and backprop lambda 0.3, judged against the five-seed frontier board's
    spread there (FID sd about 1.3 for both)."""
    board, yours = default
    base_shift, backprop_shift = 13.67 - 13.224, 18.78 - 16.888
    set_fid(yours, BASE, fid_of(board, BASE) + base_shift)
    set_fid(yours, BACKPROP, fid_of(board, BACKPROP) + backprop_shift)
    result = invoke(yours, board, "--noise-from", frontier, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["verdict"] == WITHIN
    fids = {c["configuration"]: c for c in data["checks"] if c["metric"] == "fid" and c["noise"]}
    base = fids["dcgan · none · base (no reward)"]
    assert base["difference"] == pytest.approx(base_shift, abs=1e-3)
    assert base["noise"]["source"] == FROM_OTHER and base["noise"]["n"] == 5
    assert base["noise"]["sd"] == pytest.approx(fid_sd_over_seeds(frontier, "dcgan__none__seed"))
    assert base["allowed"] == pytest.approx(NOISE_MULTIPLE * base["noise"]["sd"] * math.sqrt(2))
    backprop = fids["dcgan · classifier (target=7) · backprop · λ=0.3"]
    assert backprop["difference"] == pytest.approx(backprop_shift, abs=1e-3)
    assert backprop["verdict"] == WITHIN


def test_a_point_varies_at_least_as_its_bases_do(default, frontier):
    """A value is judged against its point's spread over the frontier board's seeds, raised to
    the bases' noise floor where that is larger, as the gauge's flags are: a point whose five
    seeds happen to agree is not held to that agreement."""
    board, yours = default
    reproduction = reproduce(load(yours), load(board), load(frontier))
    judged = [c.noise for c in reproduction.checks if c.noise is not None and c.noise.floor]
    raised = [noise for noise in judged if noise.point_sd < noise.floor]
    own = [noise for noise in judged if noise.point_sd > noise.floor]
    assert raised and own  # both happen on the committed boards
    for noise in raised:
        assert noise.sd == noise.floor
        assert f"the bases' noise floor, the point's own {noise.point_sd:.3g}" in noise.describe()
    for noise in own:
        assert noise.sd == noise.point_sd and "noise floor" not in noise.describe()


def test_without_a_noise_estimate_it_refuses_in_one_line(default):
    board, yours = default
    result = invoke(yours, board)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "no noise estimate" in result.output
    assert "--noise-from" in result.output


def test_points_without_a_noise_estimate_are_not_judged(default, frontier):
    """The frontier board has DCGAN only: the WGAN-GP values are listed, not judged."""
    board, yours = default
    set_fid(yours, "wgan-gp-731370d7__none__seed0", 99.0)
    reproduction = reproduce(load(yours), load(board), load(frontier))
    wgan = [c for c in reproduction.checks if c.configuration.startswith("wgan-gp")]
    assert wgan and {c.verdict for c in wgan} == {NO_NOISE}
    assert all(c.allowed is None for c in wgan)
    assert reproduction.ok and "62 not judged (no noise estimate)" in reproduction.summary()


def test_a_board_with_seeds_is_its_own_noise(frontier, tmp_path):
    yours = copy_board("digits-frontier", tmp_path / "yours")
    reproduction = reproduce(load(yours), load(frontier))
    assert reproduction.ok
    assert {c.noise.source for c in reproduction.checks if c.noise} == {FROM_BOARD}
    # one seed's FID far off moves the mean over five by a fifth of it
    set_fid(yours, BASE, fid_of(yours, BASE) + 60.0)
    shifted = reproduce(load(yours), load(frontier))
    verdicts = {(c.configuration, c.column.name): c.verdict for c in shifted.checks}
    assert verdicts[("dcgan · none · base (no reward)", "fid")] == DIFFERS
    assert not shifted.ok


def test_your_seeds_give_the_noise_of_a_one_seed_board(tmp_path):
    board = copy_board("digits-frontier", tmp_path / "board", seeds=(0,))
    yours = copy_board("digits-frontier", tmp_path / "yours")
    reproduction = reproduce(load(yours), load(board))
    assert {c.noise.source for c in reproduction.checks if c.noise} == {FROM_YOURS}
    base = next(c for c in reproduction.checks if c.configuration.endswith("base (no reward)"))
    assert (base.board.n, base.yours.n) == (1, 5)
    assert base.allowed == pytest.approx(NOISE_MULTIPLE * base.noise.sd * math.sqrt(1 + 1 / 5))


def test_other_settings_are_not_comparable(default, frontier):
    board, yours = default
    path = yours / "cells" / BASE / "result.json"
    record = json.loads(path.read_text())
    record["config"]["train"]["steps"] = 100
    path.write_text(json.dumps(record))
    result = invoke(yours, board, "--noise-from", frontier)
    assert result.exit_code == 1
    assert "not comparable: steps 400 → 100" in result.output


def test_another_matrix_is_not_comparable(default, frontier):
    """The frontier board's points are the default's trained longer: no value is judged."""
    board, _ = default
    result = invoke(frontier, board, "--json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["verdict"] == DIFFERS and {c["verdict"] for c in data["checks"]} == {
        "not comparable"
    }


def test_nothing_in_common_is_refused(default, tmp_path):
    board, _ = default
    other = copy_board("digits-default", tmp_path / "other")
    for path in (other / "cells").glob("*/result.json"):
        record = json.loads(path.read_text())
        record["config"]["train"]["batch_size"] = 32
        record["config"]["train"]["backbone"] = "wgan"
        path.write_text(json.dumps(record))
    result = invoke(other, board)
    assert result.exit_code == 2 and "has no configuration of" in result.output
    assert invoke(tmp_path / "nowhere", board).exit_code == 2
