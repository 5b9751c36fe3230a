"""The Python API (`import rlgan_bench as rb`): the README's example runs as written, and each
function goes through the same code as its command."""

import json
import re
from pathlib import Path

import pytest
import torch
from conftest import tiny_config

import rlgan_bench as rb

ROOT = Path(__file__).parents[1]


def test_the_readme_example_runs(tmp_path, monkeypatch, capsys):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## From Python", 1)[1]
    [example] = re.findall(r"```python\n(.*?)```", section.split("\n## ", 1)[0], re.S)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)
    assert re.search(r"FID \d+\.\d after 60 steps", capsys.readouterr().out)
    assert namespace["images"].shape == (16, 1, 32, 32)
    assert namespace["images"].min() >= -1 and namespace["images"].max() <= 1
    recorded = json.loads((tmp_path / "runs" / "seven" / "eval.json").read_text())
    assert recorded["metrics"]["kid"]["status"] == "ok"


def test_train_takes_a_config_or_its_fields_and_refuses_both(tmp_path):
    result = rb.train(tiny_config(), out_dir=tmp_path / "a")
    assert isinstance(result, rb.TrainResult) and result.steps == 6
    assert (tmp_path / "a" / "checkpoint.pt").exists()
    with pytest.raises(rb.api.ConfigError, match="not both"):
        rb.train(tiny_config(), out_dir=tmp_path / "b", steps=3)
    with pytest.raises(rb.api.ConfigError, match="unknown training settings: stepz"):
        rb.train(out_dir=tmp_path / "c", stepz=3)


def test_load_generator_matches_what_evaluation_scores(tmp_path):
    rb.train(tiny_config(), out_dir=tmp_path / "run")
    generator = rb.load_generator(tmp_path / "run")
    assert not generator.training
    same = generator.sample(8, seed=3)
    assert torch.equal(same, generator.sample(8, seed=3))
    loaded = rb.load_run(tmp_path / "run", rb.get_host(), torch.device("cpu"))
    z = loaded.backbone.sample_latent(8, "cpu", torch.Generator().manual_seed(3))
    assert torch.equal(same, loaded.generator(z).float())


def test_run_matrix_records_every_cell_and_writes_the_report(tmp_path):
    matrix = {
        "matrix": {
            "backbones": ["dcgan"],
            "seeds": [0],
            "rewards": [{"name": "none"}, {"name": "brightness"}],
        },
        "run": {
            "steps": 4,
            "batch_size": 8,
            "latent_dim": 8,
            "width": 8,
            "log_every": 2,
            "sample_every": 2,
            "checkpoint_every": 2,
        },
        "eval": {"samples": 20, "metrics": ["fid"]},
    }
    outcome = rb.run_matrix(matrix, out=tmp_path / "out", device="cpu")
    assert len(outcome.records) == 2 and outcome.failed == []
    assert (tmp_path / "out" / "report.html").exists()
    again = rb.run_matrix(matrix, out=tmp_path / "out", device="cpu", report=False)
    assert again.skipped == 2  # resumable: recorded cells are not trained again
