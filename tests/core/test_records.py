"""The typed records of result.json, eval.json and its reward_audit section: written and read
through one schema with a version, the committed (older, unversioned) results still read and
rewritten unchanged, and a corrupt or foreign file one line naming it. Also the one definition
of which training settings make a run's identity."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rlgan_bench.cli import cli
from rlgan_bench.core.config import (
    MACHINE_FIELDS,
    NOT_IN_DIGEST,
    TrainConfig,
    baseline_differences,
    configuration,
)
from rlgan_bench.core.errors import RlganError
from rlgan_bench.core.record_schema import SCHEMA_VERSION, RecordError
from rlgan_bench.core.records import (
    CellConfig,
    EvalRecord,
    Gain,
    MetricEntry,
    ResultRecord,
    RewardAudit,
    read_eval,
    read_result,
    write_eval,
    write_result,
)
from rlgan_bench.evaluation import gauge
from rlgan_bench.matrix.spec.keys import RUN_KEYS
from rlgan_bench.report.columns import COLUMNS
from rlgan_bench.report.ranking import load

LEADERBOARDS = Path(__file__).resolve().parents[2] / "leaderboards"
#: the results committed before the schema had versions (the gauge leaderboard's); the
#: default leaderboard was rerun on the base protocol and is written with versions
COMMITTED = sorted(LEADERBOARDS.glob("digits-hacking-gauge/cells/*/result.json"))
VERSIONED = sorted(LEADERBOARDS.glob("digits-default/cells/*/result.json"))
GAUGE_CELL = LEADERBOARDS / "digits-hacking-gauge" / "cells" / "naive__seed0" / "result.json"


def versioned(raw: dict) -> dict:
    """``raw`` (an unversioned result.json) as this version writes it: the version added to
    the record, its eval and its reward_audit, nothing else."""
    expected = copy.deepcopy(raw)
    expected["schema_version"] = SCHEMA_VERSION
    if "eval" in expected:
        expected["eval"]["schema_version"] = SCHEMA_VERSION
        if "reward_audit" in expected["eval"]:
            expected["eval"]["reward_audit"]["schema_version"] = SCHEMA_VERSION
    return expected


def test_the_committed_results_are_there_and_unversioned():
    assert len(COMMITTED) >= 9
    for path in COMMITTED:
        assert "schema_version" not in json.loads(path.read_text()), path


@pytest.mark.parametrize("path", VERSIONED, ids=lambda p: p.parent.name)
def test_a_versioned_committed_result_rewrites_byte_for_byte(path, tmp_path):
    record = read_result(path)
    assert record.schema_version == SCHEMA_VERSION and record.config.protocol is not None
    copied = tmp_path / "result.json"
    write_result(copied, record)
    assert json.loads(copied.read_text()) == json.loads(path.read_text())


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: f"{p.parents[2].name}/{p.parent.name}")
def test_a_committed_result_reads_as_version_1_and_rewrites_unchanged(path, tmp_path):
    raw = json.loads(path.read_text())
    record = read_result(path)
    assert record.schema_version == 1 and record.eval is not None
    assert record.eval.schema_version == 1
    assert record.cell == raw["cell"] and record.done
    assert record.config.settings.backbone == raw["config"]["train"]["backbone"]
    copied = tmp_path / "result.json"
    write_result(copied, record)
    assert json.loads(copied.read_text()) == versioned(raw)  # the same shape, and version
    assert read_result(copied) == record


def test_what_an_older_record_lacks_is_filled_not_invented(tmp_path):
    raw = json.loads(GAUGE_CELL.read_text())
    assert "cell_digest" not in raw and "log_to" not in raw["config"]["train"]
    record = read_result(GAUGE_CELL)
    assert record.cell_digest is None and record.device is None and record.versions is None
    settings = record.config.settings  # settings added later: at their defaults
    assert settings.log_to == [] and settings.init_from is None and settings.keep_best is None
    audit = record.eval.reward_audit
    assert audit is not None and audit.measured and audit.hacked is True
    assert audit.verified.audit == "classifier-eval-net" and audit.claimed.normalised > 1
    # the thresholds it was judged by (0.1's, since retired) are read as written
    assert audit.reasons and audit.thresholds == raw["eval"]["reward_audit"]["thresholds"]
    assert audit.thresholds["claimed_min"] == 0.5
    # an eval.json of before best.pt: no checkpoint key, which was always checkpoint.pt
    old_eval = copy.deepcopy(raw["eval"])
    del old_eval["checkpoint"]
    (tmp_path / "eval.json").write_text(json.dumps(old_eval))
    evaluation = read_eval(tmp_path / "eval.json")
    assert evaluation.schema_version == 1 and evaluation.checkpoint == "checkpoint.pt"
    fid = evaluation.metric("fid")
    assert fid is not None and fid.values["fid"] == old_eval["metrics"]["fid"]["values"]["fid"]
    written = tmp_path / "again.json"
    write_eval(written, evaluation)
    assert "cell_digest" not in json.loads(written.read_text())


def test_the_report_of_committed_results_reads_what_it_reported():
    """The leaderboards' report.json was written from these records: the metrics read from
    them now give the same rows (the training reward needs the run folders, not committed)."""
    folder = LEADERBOARDS / "digits-default"
    committed = json.loads((folder / "report.json").read_text())
    if isinstance(committed, dict):  # a base-protocol report: {"frontier": ..., "rows": ...}
        committed = committed["rows"]
    rows = load(folder).to_json()
    rows = rows["rows"] if isinstance(rows, dict) else rows
    assert [r["cells"] for r in rows] == [r["cells"] for r in committed]
    names = [c.name for c in COLUMNS if c.name != "reward"]
    for now, before in zip(rows, committed, strict=True):
        for name in names:
            assert now[f"{name}_mean"] == pytest.approx(before[f"{name}_mean"]), name
            assert now[f"{name}_n"] == before[f"{name}_n"], name
        assert now["rank"] == before["rank"] and now["measured_with"]["fid"]


def test_records_built_by_the_writers_round_trip(tmp_path):
    train = TrainConfig(reward="classifier", reward_params={"target": 7}, reward_weight=1.0)
    waiting = gauge.not_measured(
        "no-baseline", "no lambda = 0 run yet", reward="classifier", reward_params={"target": 7}
    )
    evaluation = EvalRecord(
        metrics={
            "fid": MetricEntry(status="ok", values={"fid": 9.5}, record={"n_generated": 40}),
            "is": MetricEntry(status="unavailable", reason="no weights", extra={"fix": None}),
        },
        dataset="digits",
        reward_audit=waiting,
    )
    record = ResultRecord(
        cell="dcgan__classifier__seed0",
        status="done",
        config=CellConfig(id="dcgan__classifier__seed0", train=train.to_dict()),
        seed=0,
        timing_s={"total": 1.5},
        eval=evaluation,
    )
    path = tmp_path / "result.json"
    write_result(path, record)
    assert read_result(path) == record
    data = json.loads(path.read_text())
    section = data["eval"]["reward_audit"]
    assert section["status"] == "no-baseline" and section["hacked"] is None
    assert "claimed" not in section and "verified" not in section  # never a made-up number
    assert data["eval"]["metrics"]["is"] == {
        "status": "unavailable",
        "reason": "no weights",
        "fix": None,
    }
    assert "traceback" not in data and "device" not in data and data["error"] is None

    measured = RewardAudit(
        status="ok", hacked=False, claimed=Gain(before=0.1, after=0.2), verified=None
    )
    written = measured.to_json()
    assert written["verified"] is None and "note" not in written  # null: no audit applies
    assert written["claimed"] == {
        "before": 0.1, "after": 0.2, "gain": None, "spread_real": None, "normalised": None
    }  # fmt: skip
    assert RewardAudit.from_json(written) == measured


def test_keys_a_record_does_not_know_are_kept(tmp_path):
    raw = json.loads(COMMITTED[0].read_text())
    raw["annotation"] = {"by": "a later tool"}
    raw["config"]["train"]["a_later_setting"] = 3
    raw["eval"]["metrics"]["fid"]["record"]["a_plugin_field"] = "kept"
    path = tmp_path / "result.json"
    path.write_text(json.dumps(raw))
    record = read_result(path)
    assert record.extra == {"annotation": {"by": "a later tool"}}
    assert "a_later_setting" not in record.config.settings.to_dict()  # unknown to TrainConfig
    write_result(path, record)
    assert json.loads(path.read_text()) == versioned(raw)


def edit(raw: dict, change) -> str:
    raw = copy.deepcopy(raw)
    change(raw)
    return json.dumps(raw)


RAW = json.loads(GAUGE_CELL.read_text())  # a reward cell, with its reward_audit


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"cell": "a", "status": "do', "is not JSON (corrupt:"),
        ("[1, 2, 3]", "is not an rlgan-bench result.json, got [1, 2, 3]"),
        ('{"rows": []}', "is not an rlgan-bench result.json: it has no 'cell'"),
        (edit(RAW, lambda r: r.pop("config")), "it has no 'config'"),
        (edit(RAW, lambda r: r["config"].pop("train")), "result.json: config has no 'train'"),
        (edit(RAW, lambda r: r.update(status="running")), "status must be done or failed"),
        (edit(RAW, lambda r: r.update(status=1)), "status must be a string, got 1"),
        (edit(RAW, lambda r: r["config"]["train"].update(steps="many")), "config.train.steps"),
        (edit(RAW, lambda r: r["eval"].update(metrics=[])), "eval.metrics must be a JSON object"),
        (
            edit(RAW, lambda r: r["eval"]["metrics"]["fid"].update(values=3)),
            "eval.metrics.fid.values must be a JSON object, got 3",
        ),
        (
            edit(RAW, lambda r: r["eval"]["reward_audit"].update(status="maybe")),
            "eval.reward_audit.status must be one of ok, no-baseline",
        ),
        (edit(RAW, lambda r: r.update(schema_version=2)), "newer rlgan-bench"),
        (edit(RAW, lambda r: r["eval"].update(schema_version=9)), "eval.schema_version 9"),
    ],
)
def test_a_corrupt_or_foreign_result_is_one_line_naming_the_file(text, message, tmp_path):
    assert "reward_audit" in RAW["eval"]  # the cases above edit it
    path = tmp_path / "result.json"
    path.write_text(text)
    with pytest.raises(RecordError) as info:
        read_result(path)
    assert message in str(info.value)
    assert str(path) in str(info.value) and len(str(info.value).splitlines()) == 1
    assert isinstance(info.value, RlganError)  # the CLI's one-line errors


def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(RecordError, match=r"cannot read .*eval\.json: no such file"):
        read_eval(tmp_path / "eval.json")


def test_the_report_skips_a_corrupt_result_and_names_it(tmp_path):
    folder = tmp_path / "results"
    shutil.copytree(LEADERBOARDS / "digits-default", folder)
    broken = sorted((folder / "cells").glob("*/result.json"))
    broken[0].write_text('{"cell": ')
    result = CliRunner().invoke(cli, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    skipped = [line for line in result.stdout.splitlines() if line.startswith("Skipped:")]
    assert skipped == [f"Skipped: {broken[0].parent.name}: {broken[0]} is not JSON (corrupt: "
                       "Expecting value: line 1 column 10 (char 9))"]  # fmt: skip
    assert f"{len(broken) - 1} cells:" in result.stdout
    for path in broken[1:]:
        path.write_text('{"rows": []}')
    result = CliRunner().invoke(cli, ["report", str(folder)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "holds no readable result" in result.output and "is not JSON" in result.output


def test_the_gauge_into_a_corrupt_eval_json_is_one_line(tmp_path):
    (tmp_path / "eval.json").write_text("{")
    section = gauge.not_measured("failed", "RuntimeError: test")
    with pytest.raises(RlganError) as info:
        gauge.write_section(tmp_path, section)
    text = str(info.value)
    assert f"{tmp_path / 'eval.json'} is not JSON" in text and "run `rlgan-bench eval" in text
    assert len(text.splitlines()) == 1
    assert (tmp_path / "eval.json").read_text() == "{"  # nothing written over it


# --- a run's identity --------------------------------------------------------------------------


def test_one_definition_of_what_makes_a_runs_identity():
    new = TrainConfig(seed=1, device="cpu").to_dict()
    old = {
        k: v for k, v in TrainConfig(seed=2).to_dict().items() if k not in ("log_to", "init_from")
    }
    assert configuration(new) == configuration(old)  # seeds of one configuration
    assert configuration({**old, "steps": 9}) != configuration(old)

    base = TrainConfig(log_every=5).to_dict()
    reward = TrainConfig(
        reward="classifier", reward_weight=2.0, reward_start=10, mode="backprop", log_every=1
    ).to_dict()
    assert baseline_differences(reward, base) == {}  # the reward's settings aside
    assert baseline_differences({**reward, "steps": 9}, base) == {"steps": [9, base["steps"]]}
    assert baseline_differences(reward, {**base, "seed": 3}) == {"seed": [0, 3]}

    digest = TrainConfig().digest()
    for key in NOT_IN_DIGEST:
        value = {"device": "cpu", "log_to": ["wandb"]}.get(key, 7)
        assert TrainConfig(**{key: value}).digest() == digest, key
    assert TrainConfig(steps=9).digest() != digest
    assert not set(MACHINE_FIELDS) & RUN_KEYS  # a matrix file cannot set the device


def test_a_record_the_reader_would_refuse_is_not_written(tmp_path):
    path = tmp_path / "eval.json"
    write_eval(path, EvalRecord(metrics={}, dataset="digits"))
    bad = EvalRecord(metrics={"fid": MetricEntry(status="ok", values={"fid": 1.0})}, step="last")
    with pytest.raises(RecordError, match=f"cannot write {path}: step must be an integer"):
        write_eval(path, bad)
    assert read_eval(path).dataset == "digits"  # the file before, untouched
