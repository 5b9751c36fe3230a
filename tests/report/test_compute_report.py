"""What users look at beside the means: each point's compute (reward calls, generator calls,
seconds, counted where the calls happen) and its reward histogram against its base's, on a
real tiny base-protocol matrix (a base, backprop fine-tuned, best-of-n selecting), through
result.json, report.json, the Markdown and HTML reports and ``rlgan-bench report --x-axis``;
and records written before the counts existed, which show "–"."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from rlgan_bench.cli import cli
from rlgan_bench.host import get_host, reset_host
from rlgan_bench.matrix.session import run_matrix_cells
from rlgan_bench.matrix.spec import build_matrix
from rlgan_bench.report import render
from rlgan_bench.report.compute import COMPUTE_HEADER
from rlgan_bench.report.ranking import load

BATCH, FINETUNE_STEPS, SAMPLES, N = 8, 3, 40, 4
RUN = {
    "steps": 4,
    "batch_size": BATCH,
    "latent_dim": 8,
    "width": 8,
    "log_every": 2,
    "sample_every": 2,
    "checkpoint_every": 2,
}
MATRIX = {
    "run": RUN,
    "eval": {"samples": SAMPLES, "metrics": ["fid", "prc"], "batch_size": 20},
    "matrix": {
        "backbones": ["dcgan"],
        "seeds": [0],
        "finetune_steps": FINETUNE_STEPS,
        "rewards": [{"name": "brightness", "methods": {"backprop": [1.0], "best-of-n": [N]}}],
    },
}
BACKPROP = "dcgan__brightness__backprop__lam1__seed0"
BEST_OF_N = f"dcgan__brightness__best-of-n__n{N}__seed0"


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("compute") / "out"
    reset_host()
    try:
        host = get_host()
        outcome = run_matrix_cells(build_matrix(MATRIX, host), out, host, device="cpu")
    finally:
        reset_host()
    assert not outcome.failed, outcome.failed
    return out


def record(out: Path, cell: str) -> dict:
    return json.loads((out / "cells" / cell / "result.json").read_text())


def test_backprop_pays_steps_x_batch_reward_calls_in_training(results):
    compute = record(results, BACKPROP)["compute"]
    train, sampling = compute["parts"]["train"], compute["parts"]["sampling"]
    # one reward call per sample of each step; DCGAN: one critic step, whose fake batch is
    # reused for the generator update: one generator call per sample of each step
    assert train["reward_calls"] == FINETUNE_STEPS * BATCH
    assert train["generator_calls"] == FINETUNE_STEPS * BATCH
    assert train["seconds"] > 0
    # its samples are drawn plainly: one generator call each, no reward call
    assert (sampling["reward_calls"], sampling["generator_calls"]) == (0, SAMPLES)
    assert sampling["samples"] == SAMPLES
    assert compute["reward_calls"] == FINETUNE_STEPS * BATCH
    assert compute["generator_calls"] == FINETUNE_STEPS * BATCH + SAMPLES
    summary = json.loads((results / "cells" / BACKPROP / "run/summary.json").read_text())
    assert summary["compute"]["reward_calls"] == FINETUNE_STEPS * BATCH


def test_best_of_n_pays_n_reward_and_generator_calls_per_sample(results):
    compute = record(results, BEST_OF_N)["compute"]
    assert compute["parts"]["train"]["reward_calls"] == 0
    sampling = compute["parts"]["sampling"]
    assert (sampling["reward_calls"], sampling["generator_calls"]) == (N * SAMPLES, N * SAMPLES)
    evaluation = record(results, BEST_OF_N)["eval"]
    assert evaluation["sampling"]["reward_calls"] == N * SAMPLES
    # the base trained without a reward: generator calls, no reward call
    base = record(results, "dcgan__none__seed0")["compute"]["parts"]["train"]
    assert base["reward_calls"] == 0 and base["generator_calls"] == RUN["steps"] * BATCH


def test_report_json_has_each_points_compute_and_histogram_counts(results):
    data = json.loads(render(load(results), "json"))
    (frontier,) = data["frontier"]["frontiers"]
    points = {p["cells"][0]: p for c in frontier["curves"] for p in c["points"]}
    assert points[BACKPROP]["compute"]["reward_calls"]["mean"] == FINETUNE_STEPS * BATCH
    assert points[BEST_OF_N]["compute"]["reward_calls"]["mean"] == N * SAMPLES
    assert frontier["base"]["compute"]["reward_calls"]["mean"] == 0
    assert frontier["base_cost"]["generator_calls"]["mean"] == RUN["steps"] * BATCH + SAMPLES
    shared = frontier["reward_histograms"]
    assert len(shared["edges"]) == shared["bins"] + 1
    assert sum(shared["base"]["counts"]) == shared["base"]["n"] == SAMPLES
    assert sum(shared["real"]["counts"]) == shared["real"]["n"] > SAMPLES
    for point in points.values():
        histogram = point["reward_histogram"]
        assert len(histogram["counts"]) == shared["bins"]
        assert sum(histogram["counts"]) == histogram["n"] == SAMPLES  # one seed's samples
        assert sum(histogram["base"]["counts"]) == SAMPLES
    # the counts are the recorded rewards binned: the mean is theirs
    rewards = record(results, BEST_OF_N)["eval"]["reward_audit"]["per_sample"]["reward"]["run"]
    mean = points[BEST_OF_N]["reward_histogram"]["mean"]
    assert mean == pytest.approx(sum(rewards) / len(rewards))
    # best of 4 by brightness: brighter than its base
    assert mean > points[BEST_OF_N]["reward_histogram"]["base"]["mean"]
    assert "compute" in data["frontier"]["definitions"]


def test_the_tables_show_compute_and_the_page_the_histograms(results):
    markdown = render(load(results), "md")
    assert COMPUTE_HEADER in markdown
    row = next(line for line in markdown.splitlines() if "best-of-n" in line and "N=4" in line)
    assert f"{N * SAMPLES} · {N * SAMPLES} · " in row
    page = render(load(results), "html")
    assert COMPUTE_HEADER in page and "Reward histograms" in page
    panels = [svg for svg in page.split("<svg")[1:] if 'class="plot histogram"' in svg]
    assert len(panels) == 2  # one per point
    ET.fromstring("<svg" + panels[0].split("</svg>")[0] + "</svg>")  # well-formed


def test_the_x_axis_option_adds_a_chart_against_compute(results, tmp_path):
    runner = CliRunner()
    out = tmp_path / "report.html"
    result = runner.invoke(cli, ["report", str(results), "--out", str(out), "--x-axis", "seconds"])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert "verified gain vs wall seconds" in page
    default = render(load(results), "html")
    assert "verified gain vs" in default and "vs reward calls" not in default
    calls = render(load(results), "html", "reward-calls")
    assert "verified gain vs reward calls (images scored)" in calls


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--x-axis", "flops"], "--x-axis 'flops' is not one of fid-cost, reward-calls, seconds"),
        (["--x-axis", "seconds", "--format", "md"], "--x-axis seconds sets the charts of the HTML"),
    ],
)
def test_a_bad_x_axis_is_one_line(results, args, expected):
    result = CliRunner().invoke(cli, ["report", str(results), *args])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and expected in lines[0]


def test_records_without_the_counts_show_a_dash(results, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(results, old)
    for path in (old / "cells").glob("*/result.json"):
        data = json.loads(path.read_text())
        data.pop("compute", None)
        if data.get("eval"):
            data["eval"].pop("sampling", None)
        path.write_text(json.dumps(data))
    data = json.loads(render(load(old), "json"))
    (frontier,) = data["frontier"]["frontiers"]
    assert all(p["compute"] is None for c in frontier["curves"] for p in c["points"])
    assert frontier["base_cost"] is None
    markdown = render(load(old), "md")
    row = next(line for line in markdown.splitlines() if "best-of-n" in line and "N=4" in line)
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    header = next(line for line in markdown.splitlines() if COMPUTE_HEADER in line)
    column = [cell.strip() for cell in header.strip("|").split("|")].index(COMPUTE_HEADER)
    assert cells[column] == "–"
    page = render(load(old), "html", "reward-calls")  # no point to draw: still a page
    assert "no point" in page
