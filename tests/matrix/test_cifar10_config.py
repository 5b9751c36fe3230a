"""configs/cifar10.toml: the shipped file validates as it is, and a copy with only its sizes
made tiny runs end to end, through ``rlgan-bench run``, on a CIFAR-10 folder in torchvision's
``cifar-10-batches-py`` layout that the test writes itself (20 random images a batch).

Two documented overrides, because this machine has neither the real data nor the Inception
weights: torchvision's md5 check of the batch files accepts any file that exists (the tiny
batches cannot have the real files' md5), and the end-to-end run scores with the digits'
evaluation network (``[eval] extractor = "rlgan-digit-eval-net"``). The unmodified extractor
is run too, without weights: every score is then unavailable with the one-line fix."""

import json
import os
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
import torchvision.datasets.cifar
from click.testing import CliRunner

from rlgan_bench.builtins.metrics import real_cache
from rlgan_bench.cli import cli
from rlgan_bench.host import get_host
from rlgan_bench.matrix.session import load_matrix

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "cifar10.toml"
IMAGES_PER_BATCH = 20
#: the sizes of the tiny copy; everything else is the shipped file's
TINY = {
    "run": {
        "steps": "4",
        "batch_size": "8",
        "width": "8",
        "latent_dim": "8",
        "log_every": "2",
        "sample_every": "2",
        "checkpoint_every": "2",
    },
    "eval": {"samples": "20"},
    "matrix": {"finetune_steps": "2"},
}


def write_cifar_folder(root: Path) -> Path:
    """torchvision's CIFAR-10 layout: data_batch_1..5, test_batch, batches.meta (pickles)."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        batch = {
            "data": rng.integers(0, 256, (IMAGES_PER_BATCH, 3 * 32 * 32), dtype=np.uint8),
            "labels": [int(v) for v in rng.integers(0, 10, IMAGES_PER_BATCH)],
        }
        (folder / name).write_bytes(pickle.dumps(batch))
    meta = {"label_names": ["airplane", "automobile", "bird", "cat", "deer"] * 2}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta))
    return root


def override(text: str, section: str, key: str, value: str) -> str:
    """``key = value`` in ``[section]`` of the TOML text (the key must be there once)."""
    start = text.index(f"\n[{section}]\n")
    following = text.find("\n[", start + 1)
    end = len(text) if following < 0 else following
    block, count = re.subn(
        rf"^{re.escape(key)} = .*$", f"{key} = {value}", text[start:end], flags=re.M
    )
    assert count == 1, f"{section}.{key} is not in {CONFIG.name}"
    return text[:start] + block + text[end:]


def tiny_copy(tmp_path: Path, data_root: Path, **eval_overrides: str) -> Path:
    text = CONFIG.read_text()
    for section, values in TINY.items():
        for key, value in values.items():
            text = override(text, section, key, value)
    text = override(text, "run", "data_root", json.dumps(str(data_root)))
    for key, value in eval_overrides.items():
        text = override(text, "eval", key, value)
    path = tmp_path / "cifar10-tiny.toml"
    path.write_text(text)
    return path


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv(real_cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))  # no Inception weights
    # the tiny batches cannot have the md5 of the real files; their presence is checked
    monkeypatch.setattr(
        torchvision.datasets.cifar, "check_integrity", lambda path, md5=None: os.path.isfile(path)
    )


def run(config: Path, out: Path):
    return CliRunner().invoke(
        cli, ["run", str(config), "--out", str(out), "--device", "cpu", "--quiet"]
    )


def evaluations(out: Path) -> dict[str, dict]:
    return {
        path.parents[1].name: json.loads(path.read_text())
        for path in sorted(out.glob("cells/*/run/eval.json"))
    }


def test_the_shipped_config_validates_as_it_is():
    result = CliRunner().invoke(cli, ["run", str(CONFIG), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "3 cells" in result.output
    matrix = load_matrix(CONFIG, get_host())
    for cell in matrix.cells:
        assert cell.train.dataset == "cifar10" and cell.train.image_size == 32
        assert cell.eval.extractor == "inception-v3-compat"
        assert cell.eval.samples == 10_000
        assert cell.eval.fid_resize == "torch-fidelity"
        assert set(cell.eval.metrics) == {"fid", "is", "kid", "prc"}


def test_the_config_runs_end_to_end_on_a_tiny_cifar10_folder(tmp_path):
    data = write_cifar_folder(tmp_path / "data")
    config = tiny_copy(tmp_path, data, extractor='"rlgan-digit-eval-net"', fid_resize='"clean"')
    result = run(config, tmp_path / "out")
    assert result.exit_code == 0, result.output
    evaluated = evaluations(tmp_path / "out")
    assert len(evaluated) == 3, sorted(evaluated)
    base = "dcgan__none__seed0"
    for cell, record in evaluated.items():
        assert record["dataset"] == "cifar10" and record["split"] == "heldout"
        assert record["n_real"] == IMAGES_PER_BATCH and record["samples"] == 20
        assert record["options"]["fid_resize"] == "clean"
        for name in ("fid", "is", "kid", "prc"):
            entry = record["metrics"][name]
            assert entry["status"] == "ok", (cell, name, entry)
            assert entry["record"]["extractor"] == "rlgan-digit-eval-net"
            assert entry["record"]["fid_resize"] == "clean"
            # the eval net's input is 32 px: no resize happens, and the record says so
            assert entry["record"]["resize"] == "none (native 32 px)"
        fid = record["metrics"]["fid"]["record"]
        # the real set is the same for every cell: computed for the base, read afterwards
        assert fid["real_features"] == ("computed" if cell == base else "cached"), cell
        assert fid["real_features_cache"].startswith("rlgan-cifar10-heldout-n20-3x32x32-")


def test_without_the_inception_weights_each_score_says_how_to_get_them(tmp_path):
    data = write_cifar_folder(tmp_path / "data")
    result = run(tiny_copy(tmp_path, data), tmp_path / "out")
    assert result.exit_code == 0, result.output  # the cells train; their scores cannot be had
    evaluated = evaluations(tmp_path / "out")
    assert len(evaluated) == 3
    for record in evaluated.values():
        for name in ("fid", "is", "kid", "prc"):
            entry = record["metrics"][name]
            assert entry["status"] == "unavailable"
            assert "inception-v3-compat weights not found at" in entry["reason"]
            assert "\n" not in entry["reason"]
            assert "rlgan-bench weights import inception-v3-compat FILE" in entry["fix"]


def test_a_folder_without_cifar10_is_a_one_line_message(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run(tiny_copy(tmp_path, empty), tmp_path / "out")
    assert result.exit_code == 1
    failed = [line for line in result.output.splitlines() if line.startswith("FAILED")]
    assert failed, result.output
    assert "cifar10 not found under" in failed[0]
    assert "torchvision.datasets.CIFAR10(" in failed[0] and "download=True" in failed[0]


def test_unknown_eval_choices_are_refused_before_anything_trains(tmp_path):
    config = tiny_copy(tmp_path, tmp_path, extractor='"inception"', fid_resize='"lanczos"')
    result = CliRunner().invoke(cli, ["run", str(config), "--dry-run"])
    assert result.exit_code == 1
    assert "eval.extractor: choose one of auto, inception-v3-compat" in result.output
    assert "eval.fid_resize: choose one of torch-fidelity, clean, got 'lanczos'" in result.output
