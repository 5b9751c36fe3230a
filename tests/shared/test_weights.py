"""`rlgan-bench weights`: where each model is looked for, and importing a file after checking
its hash (nothing is ever downloaded)."""

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rlgan_bench.cli import cli
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.shared import weights
from rlgan_bench.shared.nets import EMBEDDED


@pytest.fixture
def caches(tmp_path, monkeypatch):
    """Empty torch-hub and clip caches under tmp_path."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


@pytest.fixture
def fake_model(caches, monkeypatch):
    """A model entry whose 'weights' are a small file of known bytes."""
    blob = b"pretend these are weights"
    digest = hashlib.sha256(blob).hexdigest()
    source = caches / "downloaded.pt"
    source.write_bytes(blob)
    entry = weights.WeightsFile(
        "fake-net",
        "a test model",
        caches / "cache" / "fake.pt",
        digest[:8],
        "torch-fidelity cache",
        "https://example.org/fake.pt",
    )
    real_table = weights.table
    monkeypatch.setattr(weights, "table", lambda: {**real_table(), "fake-net": entry})
    return entry, source, digest


def test_status_lists_every_model_and_where_it_is_looked_for(caches):
    rows = {name: weights.status(name) for name in weights.table()}
    assert set(EMBEDDED) | {"inception-v3-compat", "clip-vit-b-32"} <= set(rows)
    inception = rows["inception-v3-compat"]
    assert inception["path"] == str(
        caches / "torch" / "hub" / "checkpoints" / "weights-inception-2015-12-05-6726825d.pth"
    )
    assert inception["status"] == "missing"
    assert "rlgan-bench weights import inception-v3-compat FILE" in inception["fix"]
    assert rows["clip-vit-b-32"]["path"] == str(caches / "home" / ".cache" / "clip" / "ViT-B-32.pt")
    for name, spec in EMBEDDED.items():  # shipped in the package, hashes from its manifest
        assert rows[name]["status"] == "present", rows[name]
        assert rows[name]["sha256"] == spec.sha256


def test_import_checks_the_hash_then_copies(fake_model):
    entry, source, digest = fake_model
    assert weights.status("fake-net")["status"] == "missing"
    target = weights.import_file("fake-net", source)
    assert target == entry.path and target.read_bytes() == source.read_bytes()
    row = weights.status("fake-net")
    assert row["status"] == "present" and row["sha256"] == digest and row["fix"] is None
    assert weights.require("fake-net") == (entry.path, digest)


def test_import_refuses_a_file_with_another_hash(fake_model, caches):
    entry, _, _ = fake_model
    other = caches / "other.pt"
    other.write_bytes(b"something else")
    with pytest.raises(ConfigError) as info:
        weights.import_file("fake-net", other)
    assert "nothing was copied" in str(info.value)
    assert not entry.path.exists()


def test_a_corrupt_cached_file_is_unavailable_with_the_fix(fake_model):
    entry, _, _ = fake_model
    entry.path.parent.mkdir(parents=True)
    entry.path.write_bytes(b"truncated")
    assert weights.status("fake-net")["status"] == "corrupt"
    with pytest.raises(weights.WeightsUnavailable) as info:
        weights.require("fake-net")
    assert "rlgan-bench weights import fake-net FILE" in info.value.fix


def test_cli_status_json_and_table(caches):
    runner = CliRunner()
    result = runner.invoke(cli, ["weights", "status", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert "fid" in rows["digit-eval-net"]["used_by"]
    assert "clip" in rows["clip-vit-b-32"]["used_by"]
    table = runner.invoke(cli, ["weights", "status"], env={"COLUMNS": "250"})
    assert table.exit_code == 0, table.output
    for text in ("inception-v3-compat", "missing", "weights import", "present"):
        assert text in table.output


def test_cli_import_errors_are_one_line(caches):
    bad = Path(caches) / "bad.pth"
    bad.write_bytes(b"not inception")
    runner = CliRunner()
    for args, expected in [
        (["inception-v3-compat", str(bad)], "nothing was copied"),
        (["no-such-model", str(bad)], "unknown model"),
        (["clip-vit-b-32", str(caches / "absent.pt")], "is not a file"),
    ]:
        result = runner.invoke(cli, ["weights", "import", *args])
        assert result.exit_code == 1, result.output
        assert expected in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
