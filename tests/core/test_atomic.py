import json

import pytest

from rlgan_bench.core.atomic import append_line, read_jsonl, write_json
from rlgan_bench.core.errors import RlganError


def test_write_json_replaces_whole_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "result.json"
    write_json(path, {"a": 1})
    write_json(path, {"a": 2})
    assert json.loads(path.read_text()) == {"a": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_torn_jsonl_line_is_skipped(tmp_path):
    path = tmp_path / "metrics.jsonl"
    append_line(path, json.dumps({"step": 1}))
    with open(path, "a") as handle:
        handle.write('{"step": 2, "d_lo')  # killed mid-write
    assert read_jsonl(path) == [{"step": 1}]


def test_write_json_refuses_nan_and_names_where_it_is(tmp_path):
    path = tmp_path / "config.json"
    write_json(path, {"a": 1})
    for bad in (float("nan"), float("inf")):
        with pytest.raises(RlganError) as info:
            write_json(path, {"config": {"reward_weight": bad}, "steps": [1, 2]})
        assert str(info.value) == (
            f"cannot write {path}: config.reward_weight is NaN or infinite, which JSON cannot hold"
        )
    assert json.loads(path.read_text()) == {"a": 1}  # the old file, untouched
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]
