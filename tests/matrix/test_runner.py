import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from rlgan_bench.cli import cli
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.host import get_host
from rlgan_bench.matrix.executors import execute
from rlgan_bench.matrix.runner import matrix_lock, pending_cells, read_result
from rlgan_bench.matrix.spec import build_matrix, default_matrix_path, load_toml

TINY_RUN = {
    "steps": 4,
    "batch_size": 8,
    "width": 8,
    "latent_dim": 8,
    "log_every": 2,
    "sample_every": 2,
    "checkpoint_every": 2,
}
TINY_EVAL = {"samples": 40, "metrics": ["fid", "is"]}


def tiny_matrix(rewards=None, seeds=(0,), backbones=("dcgan",), **run):
    return {
        "run": {**TINY_RUN, **run},
        "eval": TINY_EVAL,
        "matrix": {
            "backbones": list(backbones),
            "seeds": list(seeds),
            "rewards": rewards or [{"name": "none"}],
        },
    }


def write_toml(path: Path, matrix: dict) -> Path:
    lines = []
    for section in ("run", "eval"):
        lines.append(f"[{section}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in matrix[section].items()]
    lines.append("[matrix]")
    lines.append(f"backbones = {json.dumps(matrix['matrix']['backbones'])}")
    lines.append(f"seeds = {json.dumps(matrix['matrix']['seeds'])}")
    for reward in matrix["matrix"]["rewards"]:
        lines.append("[[matrix.rewards]]")
        for key, value in reward.items():
            if isinstance(value, dict):
                inner = ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items())
                lines.append(f"{key} = {{ {inner} }}")
            else:
                lines.append(f"{key} = {json.dumps(value)}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_default_matrix_is_valid_and_covers_the_issue():
    matrix = build_matrix(load_toml(default_matrix_path()), get_host())
    combos = {(c.train.backbone, c.reward_label, c.train.mode) for c in matrix.cells}
    assert {
        ("dcgan", "none", None),
        ("dcgan", "classifier", "backprop"),
        ("dcgan", "jpeg", "reinforce"),
        ("wgan-gp", "none", None),
        ("wgan-gp", "classifier", "backprop"),
        ("wgan-gp", "jpeg", "reinforce"),
    } <= combos


def test_run_records_the_default_matrix_by_name(tmp_path, monkeypatch):
    """`rlgan-bench run` with no config builds the matrix whose source matrix.json records."""
    from rlgan_bench import workflows
    from rlgan_bench.matrix.spec import DEFAULT_MATRIX_NAME

    plan_matrix, built = workflows.plan_matrix, []
    monkeypatch.setattr(
        workflows, "plan_matrix", lambda *a, **k: built.append(plan_matrix(*a, **k)) or built[-1]
    )
    result = CliRunner().invoke(cli, ["run", "--dry-run", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert [m.source for m in built] == [DEFAULT_MATRIX_NAME]


def test_the_default_matrix_is_named_not_located():
    # a published board's matrix.json and report show this, not the (temporary) install path
    from rlgan_bench.matrix.session import load_matrix
    from rlgan_bench.matrix.spec import DEFAULT_MATRIX_NAME

    assert (
        load_matrix(None, get_host()).source
        == DEFAULT_MATRIX_NAME
        == "rlgan_bench/default_matrix.toml"
    )
    assert default_matrix_path().as_posix().endswith(DEFAULT_MATRIX_NAME)


def test_every_problem_is_listed_with_its_key():
    raw = tiny_matrix(
        rewards=[
            {"name": "nope"},
            {"name": "jpeg", "methods": {"backprop": [1.0]}},
            {"name": "classifier", "params": {"targett": 7}},
        ],
        backbones=("dcgan", "stylegan"),
    )
    raw["run"]["steps"] = "many"
    raw["run"]["colour"] = 1
    with pytest.raises(ConfigError) as info:
        build_matrix(raw, get_host())
    message = str(info.value)
    for expected in (
        "run.colour",
        "run:",
        "matrix.backbones[1]",
        "matrix.rewards[0].name",
        "matrix.rewards[1].methods.backprop",
        "matrix.rewards[2].params",
    ):
        assert expected in message, (expected, message)


def test_empty_matrix_and_bad_toml_are_refused(tmp_path):
    raw = tiny_matrix(seeds=())
    with pytest.raises(ConfigError, match="empty"):
        build_matrix(raw, get_host())
    bad = tmp_path / "bad.toml"
    bad.write_text("[run\nsteps = 3")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_toml(bad)


def test_dry_run_prints_the_matrix(tmp_path):
    config = write_toml(tmp_path / "m.toml", tiny_matrix(seeds=(0, 1, 2)))
    result = CliRunner().invoke(cli, ["run", str(config), "--dry-run", "--seeds", "0,1"])
    assert result.exit_code == 0, result.output
    assert "2 cells" in result.output


def test_dry_run_into_a_pipe_is_one_whole_line_per_cell():
    """Not a terminal (CliRunner's output, a pipe, a file): no table folded at 80 columns but
    one tab-separated line per cell, whatever the length of its id or backbone label."""
    result = CliRunner().invoke(cli, ["run", "--dry-run"])
    assert result.exit_code == 0, result.output
    matrix = build_matrix(load_toml(default_matrix_path()), get_host())
    lines = result.output.splitlines()
    assert lines[0].split("\t") == ["cell", "backbone", "reward", "method", "strength"] + [
        "seed",
        "steps",
    ]
    assert lines[-1] == f"{len(matrix.cells)} cells"
    rows = [line.split("\t") for line in lines[1:-1]]
    assert [row[0] for row in rows] == [cell.id for cell in matrix.cells]
    assert all(len(row) == 7 for row in rows)
    long = [row for row in rows if "critic_steps=2" in row[1]]  # wgan-gp with its settings
    assert long and all(row[1].startswith("wgan-gp (betas=0.5,0.9, ") for row in long)
    assert not any(ch in result.output for ch in "│┃━")


def test_run_records_cells_and_skips_them_on_rerun(tmp_path):
    config = write_toml(
        tmp_path / "m.toml",
        tiny_matrix(
            rewards=[{"name": "none"}, {"name": "brightness", "methods": {"backprop": [0.5]}}]
        ),
    )
    out = tmp_path / "out"
    args = ["run", str(config), "--out", str(out), "--device", "cpu", "--quiet"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.output.count("done ") == 2
    record = json.loads((out / "cells" / "dcgan__none__seed0" / "result.json").read_text())
    assert record["status"] == "done" and record["error"] is None
    assert record["versions"]["torch"] and record["device"] == "cpu"
    assert {"train", "eval", "total"} <= set(record["timing_s"])
    assert record["eval"]["metrics"]["fid"]["record"]["extractor"]
    assert record["config"]["train"]["backbone"] == "dcgan" and record["config_hash"]
    again = CliRunner().invoke(cli, args)
    assert "2 of 2 cells already recorded" in again.output
    assert again.output.count("done dcgan") == 0


def test_a_failing_cell_is_isolated_and_retried(tmp_path, monkeypatch):
    # a failure of the machine, not of the file (validation refuses those before any cell)
    from rlgan_bench.builtins.rewards.brightness import Brightness
    from rlgan_bench.core.errors import RlganError

    def unavailable(self, device, image_size, channels):
        raise RlganError("the reward's scoring service did not answer")

    config = write_toml(
        tmp_path / "m.toml", tiny_matrix(rewards=[{"name": "none"}, {"name": "brightness"}])
    )
    out = tmp_path / "out"
    args = ["run", str(config), "--out", str(out), "--device", "cpu", "--quiet"]
    monkeypatch.setattr(Brightness, "setup", unavailable)
    result = CliRunner().invoke(cli, args)
    monkeypatch.undo()
    assert result.exit_code == 1
    assert "1 done, 1 failed" in result.output
    assert "scoring service did not answer" in result.output
    assert (
        read_result(out, build_matrix(load_toml(config), get_host()).cells[0])["status"] == "done"
    )
    # --retry-failed runs only the failed cell again
    matrix = build_matrix(load_toml(config), get_host())
    assert [c.id for c in pending_cells(matrix, out, retry_failed=True)] == [matrix.cells[1].id]
    assert pending_cells(matrix, out, retry_failed=False) == []


@pytest.mark.slow
def test_lock_refuses_a_second_run_and_dies_with_its_holder(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from rlgan_bench.matrix.runner import matrix_lock\n"
            "with matrix_lock(Path(sys.argv[1])):\n print('locked', flush=True); time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    with pytest.raises(ConfigError, match="another `rlgan-bench run`"), matrix_lock(tmp_path):
        pass
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with matrix_lock(tmp_path):  # the kernel released the killed run's lock
        pass


@pytest.mark.slow
def test_kill_minus_9_then_rerun_completes_the_matrix(tmp_path):
    """Kill a real run in the middle of training; the rerun resumes and finishes."""
    matrix = tiny_matrix(seeds=(0, 1), steps=60, checkpoint_every=5)
    config = write_toml(tmp_path / "m.toml", matrix)
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "rlgan_bench",
        "run",
        str(config),
        "--out",
        str(out),
        "--device",
        "cpu",
        "--quiet",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    victim = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoint = out / "cells" / "dcgan__none__seed0" / "run" / "checkpoint.pt"
    deadline = time.time() + 120
    while not checkpoint.exists() and time.time() < deadline:
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    finished = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    cells = build_matrix(load_toml(config), get_host()).cells
    assert all(read_result(out, c)["status"] == "done" for c in cells)
    assert not list(out.rglob("*.tmp"))


@pytest.mark.slow
def test_two_workers_give_the_same_results_as_one(tmp_path):
    matrix = build_matrix(tiny_matrix(seeds=(0, 1)), get_host())
    one = execute(matrix.cells, tmp_path / "one", workers=1, device="cpu")
    two = execute(matrix.cells, tmp_path / "two", workers=2, device="cpu")
    fid = {r["cell"]: r["eval"]["metrics"]["fid"]["values"]["fid"] for r in one}
    assert {r["cell"]: r["eval"]["metrics"]["fid"]["values"]["fid"] for r in two} == pytest.approx(
        fid
    )


@pytest.mark.slow
def test_ray_executor_on_a_local_instance(tmp_path):
    pytest.importorskip("ray")
    matrix = build_matrix(tiny_matrix(), get_host())
    records = execute(matrix.cells, tmp_path / "ray", executor="ray", device="cpu")
    assert [r["status"] for r in records] == ["done"]
    assert (tmp_path / "ray" / "cells" / matrix.cells[0].id / "result.json").exists()


def test_steps_override_beats_backbone_tables_and_method_params_merge():
    raw = tiny_matrix(
        rewards=[{"name": "jpeg", "methods": {"reinforce": 0.01}, "method_params": {"sigma": 0.2}}],
        backbones=(),
    )
    raw["matrix"]["backbones"] = [{"name": "dcgan", "steps": 9, "method_params": {"group": 4}}]
    cell = build_matrix(raw, get_host(), overrides={"steps": 3}).cells[0]
    assert cell.train.steps == 3
    assert cell.train.method_params == {"group": 4, "sigma": 0.2}
    raw["matrix"]["rewards"][0]["method_params"] = {"sigmaa": 1}
    with pytest.raises(ConfigError, match="method_params: method 'reinforce' has no option sigmaa"):
        build_matrix(raw, get_host())


def test_a_cell_trained_with_other_settings_is_not_scored_as_this_one(tmp_path):
    out = tmp_path / "out"
    first = build_matrix(tiny_matrix(), get_host())
    assert execute(first.cells, out, device="cpu")[0]["status"] == "done"
    edited = build_matrix(tiny_matrix(steps=5), get_host())
    record = execute(edited.cells, out, device="cpu")[0]
    assert record["status"] == "failed" and "trained with other settings" in record["error"]


def test_backbone_hyperparameters_make_their_own_cells_and_baselines():
    from rlgan_bench.matrix.runner import baseline_label

    raw = tiny_matrix(
        rewards=[{"name": "none"}, {"name": "brightness", "methods": {"backprop": [0.5]}}]
    )
    raw["run"]["backbone_params"] = {"critic_steps": 2}
    raw["matrix"]["backbones"] = ["dcgan", {"name": "dcgan", "backbone_params": {"lr": 1e-3}}]
    cells = build_matrix(raw, get_host()).cells
    params = [c.train.backbone_params for c in cells]
    assert params.count({"critic_steps": 2}) == 2  # [run] < the backbone's table
    assert params.count({"critic_steps": 2, "lr": 1e-3}) == 2
    assert len({c.id for c in cells}) == 4  # two settings of one backbone: four cells
    for cell in cells:
        if cell.train.reward:
            baseline = baseline_label(cell.train.to_dict())
            assert (
                baseline in {c.id for c in cells}
                and baseline.split("__")[0] == cell.id.split("__")[0]
            )
    # typed once, as the trainer types them: one spelling, one cell, one digest (resumable)
    from rlgan_bench.training.trainer import Trainer

    ids, digests = set(), set()
    for betas in ([0, 0.9], [0.0, 0.9], "0,0.9"):
        raw["matrix"]["backbones"] = [{"name": "wgan-gp", "backbone_params": {"betas": betas}}]
        cell = build_matrix(raw, get_host()).cells[0]
        assert Trainer(cell.train, "unused").config.digest() == cell.train.digest()
        ids.add(cell.id)
        digests.add(cell.train.digest())
    assert len(ids) == 1 and len(digests) == 1
    raw["matrix"]["backbones"] = [{"name": "dcgan", "backbone_params": {"lr": "quick"}}]
    with pytest.raises(ConfigError, match=r"matrix.backbones\[0\].backbone_params: .*lr='quick'"):
        build_matrix(raw, get_host())
    raw["matrix"]["backbones"] = ["dcgan"]
    raw["run"]["backbone_params"] = {"momentum": 0.9}
    with pytest.raises(ConfigError, match="run.backbone_params: .* has no hyperparameter momentum"):
        build_matrix(raw, get_host())
