"""`rlgan-bench report`: rows aggregated over seeds, ranking in each metric's direction, rows
measured differently never ranked together, failed cells apart, JSON for tools, --compare, and
an HTML page that escapes what the results say and loads nothing from outside.

The results are real: tiny cells trained and scored by the runner, once per session."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import shutil
import statistics
from pathlib import Path

import pytest
from click.testing import CliRunner

from rlgan_bench.analysis.results import Column, Measure, load_results
from rlgan_bench.cli import cli
from rlgan_bench.report import render, write_reports
from rlgan_bench.report.columns import COLUMNS, FINAL_REWARD_WINDOW
from rlgan_bench.report.compare import compare
from rlgan_bench.report.ranking import build, pareto_front

EVIL = "<script>alert(1)</script>"
RUN = {
    "steps": 6,
    "batch_size": 8,
    "width": 8,
    "latent_dim": 8,
    "log_every": 1,
    "sample_every": 3,
    "checkpoint_every": 6,
}
EVAL = {"samples": 40, "batch_size": 40, "metrics": ["fid", "is", "kid", "prc", "clip"]}
NONE = ("dcgan", "none")
CLASSIFIER = ("dcgan", "classifier")


def make_results(tmp_path_factory) -> Path:
    """Seven real cells, built once per session and shared with test_report_browser.py:
    no reward and classifier(target=7) with seeds 0 and 1, a CLIP-reward cell whose prompt is a
    script tag, and a classifier(target=12) cell that fails at setup (made by hand: a matrix
    file with it is refused before any cell starts; results of earlier versions hold such cells)."""
    out = tmp_path_factory.getbasetemp() / "report-results"
    if (out / ".complete").exists():
        return out
    from rlgan_bench.host import get_host
    from rlgan_bench.matrix.runner import run_cell
    from rlgan_bench.matrix.spec import build_matrix

    host = get_host()
    seeded = {
        "run": RUN,
        "eval": EVAL,
        "matrix": {
            "backbones": ["dcgan"],
            "seeds": [0, 1],
            "rewards": [
                {"name": "none"},
                {"name": "classifier", "params": {"target": 7}, "lambdas": [1.0]},
            ],
        },
    }
    single = {
        "run": RUN,
        "eval": EVAL,
        "matrix": {
            "backbones": ["dcgan"],
            "seeds": [0],
            "rewards": [
                {"name": "clip", "params": {"prompt": EVIL}, "lambdas": [1.0]},
                {"name": "classifier", "params": {"target": 8}, "lambdas": [1.0]},
            ],
        },
    }
    for raw in (seeded, single):
        for cell in build_matrix(raw, host).cells:
            if cell.train.reward_params == {"target": 8}:
                train = dataclasses.replace(cell.train, reward_params={"target": 12})
                cell = dataclasses.replace(cell, train=train)
            run_cell(cell.to_dict(), str(out), device="cpu")
    (out / ".complete").write_text("")
    return out


@pytest.fixture(scope="session")
def results_dir(tmp_path_factory) -> Path:
    return make_results(tmp_path_factory)


@pytest.fixture
def results(results_dir):
    """A fresh in-memory copy (tests edit the records)."""
    loaded = load_results(results_dir)
    for cell in loaded.cells:
        cell.record = copy.deepcopy(cell.record)
    return loaded


@pytest.fixture
def copied(results_dir, tmp_path) -> Path:
    """A copy of the results on disk, for the tests that edit files."""
    target = tmp_path / "results"
    shutil.copytree(results_dir, target)
    return target


def cells_of(results, backbone: str, reward: str):
    """The cells that trained and were scored (not the failed one)."""
    return [c for c in results.cells if (c.backbone, c.reward) == (backbone, reward) and c.done]


def row_of(board, backbone: str, reward: str, target: int | None = None):
    found = [
        r
        for r in board.rows
        if (r.backbone, r.reward) == (backbone, reward)
        and (target is None or r.reward_params.get("target") == target)
    ]
    assert len(found) == 1, [r.label for r in board.rows]
    return found[0]


def set_fid(cell, value: float) -> None:
    cell.record["eval"]["metrics"]["fid"]["values"]["fid"] = value


def rewrite(folder: Path, cell_id: str, edit) -> None:
    path = folder / "cells" / cell_id / "result.json"
    record = json.loads(path.read_text())
    edit(record)
    path.write_text(json.dumps(record))


def invoke(*args: str):
    return CliRunner().invoke(cli, ["report", *args])


def test_the_runs_behind_the_report(results):
    statuses = {c.id: c.status for c in results.cells}
    assert len(statuses) == 6
    failed = [c for c in results.cells if c.status == "failed"]
    assert [c.train["reward_params"] for c in failed] == [{"target": 12}]
    assert "target must be a digit" in failed[0].error


def test_one_row_per_configuration_with_mean_and_std_over_seeds(results):
    board = build(results)
    none = row_of(board, *NONE)
    assert none.n_seeds == 2 and none.seeds == [0, 1] and none.status == "done"
    fids = [c.record["eval"]["metrics"]["fid"]["values"]["fid"] for c in none.cells]
    assert none.stats["fid"].mean == pytest.approx(statistics.fmean(fids))
    assert none.stats["fid"].std == pytest.approx(statistics.stdev(fids))
    assert none.stats["fid"].n == 2
    kids = [c.record["eval"]["metrics"]["kid"]["values"]["kid_mean"] for c in none.cells]
    assert none.stats["kid"].mean == pytest.approx(statistics.fmean(kids))
    clip = row_of(board, "dcgan", "clip")
    assert clip.n_seeds == 1 and clip.stats["fid"].std is None  # no std from one seed
    assert "clip" in clip.stats and "clip" not in none.stats  # no prompt: skipped, not 0


def test_final_reward_target_fraction_and_modes_covered(results):
    row = row_of(build(results), *CLASSIFIER, target=7)
    finals = []
    for cell in row.cells:
        logged = [
            json.loads(line)["reward_mean"]
            for line in (cell.run_dir / "metrics.jsonl").read_text().splitlines()
        ]
        assert len(logged) == 6 > FINAL_REWARD_WINDOW  # one per step
        finals.append(statistics.fmean(logged[-FINAL_REWARD_WINDOW:]))
    assert row.stats["reward"].mean == pytest.approx(statistics.fmean(finals))
    fractions = [c.record["eval"]["class_histogram"]["target_fraction"] for c in row.cells]
    assert row.stats["target_fraction"].mean == pytest.approx(statistics.fmean(fractions))
    modes = [c.record["eval"]["class_histogram"]["modes_covered"] for c in row.cells]
    assert row.stats["modes_covered"].mean == pytest.approx(statistics.fmean(modes))
    none = row_of(build(results), *NONE)
    assert "reward" not in none.stats and "target_fraction" not in none.stats


def test_ranking_follows_each_metric_direction(results):
    for cell, fid in zip(cells_of(results, *NONE), (10.0, 12.0), strict=True):
        set_fid(cell, fid)
    for cell, fid in zip(cells_of(results, *CLASSIFIER), (5.0, 7.0), strict=True):
        set_fid(cell, fid)
    for cell in results.cells:
        if cell.done:
            metrics = cell.record["eval"]["metrics"]
            metrics["is"]["values"]["is_mean"] = 2.0 if cell.reward == "none" else 1.5
    by_fid = build(results, "fid")
    ranked = [r for r in by_fid.boards[0].rows]
    assert [(r.reward, r.rank) for r in ranked[:2]] == [("classifier", 1), ("none", 2)]
    assert row_of(by_fid, *NONE).stats["fid"].mean == pytest.approx(11.0)
    by_is = build(results, "is")  # higher is better
    assert by_is.boards[0].rows[0].reward == "none" and by_is.boards[0].rows[0].rank == 1
    assert by_fid.sort.name == "fid" and not by_fid.sort.higher_is_better


def test_reward_ranks_only_rows_of_the_same_reward(results):
    board = build(results, "reward")
    for item in board.boards:
        if item.ranked:
            assert len({(r.reward, str(r.reward_params)) for r in item.rows}) == 1
    unranked = [b for b in board.boards if not b.ranked]
    assert [r.reward for b in unranked for r in b.rows] == ["none"]
    assert row_of(board, *NONE).rank is None


def test_rows_scored_with_different_extractors_are_never_ranked_together(results):
    for cell in cells_of(results, *CLASSIFIER):
        for name in ("fid", "kid", "is", "prc"):
            record = cell.record["eval"]["metrics"][name]["record"]
            record["extractor"], record["extractor_sha256"] = "inception-v3-compat", "f" * 64
    board = build(results)
    assert len([b for b in board.boards if b.ranked]) == 2
    for item in board.boards:
        assert len({r.keys["fid"] for r in item.rows}) == 1
    alone = row_of(board, *CLASSIFIER, target=7)
    assert alone.rank == 1 and [r.label for r in board.boards[alone.board].rows] == [alone.label]
    text = render(board, "md")
    assert "inception-v3-compat (sha256 ffffffffffff)" in text
    assert "rlgan-digit-eval-net" in text


def test_seeds_measured_differently_are_not_averaged(results):
    first = cells_of(results, *NONE)[0]
    first.record["eval"]["metrics"]["fid"]["record"]["n_generated"] = 10_000
    board = build(results)
    nones = [r for r in board.rows if r.reward == "none"]
    assert sorted(r.n_seeds for r in nones) == [1, 1]
    assert nones[0].board != nones[1].board


def test_failed_cells_are_listed_apart_with_their_errors(results, results_dir):
    board = build(results)
    assert [c.train["reward_params"] for c in board.failed_cells] == [{"target": 12}]
    ranked_rows = [r for b in board.boards for r in b.rows]
    assert all(r.reward_params.get("target") != 12 for r in ranked_rows)
    text = render(board, "md")
    failed_part = text.split("## Failed cells (1)")[1]
    assert "target must be a digit 0-9, got 12" in failed_part
    rows = json.loads(render(board, "json"))
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["rank"] is None and failed[0]["fid_mean"] is None
    assert "got 12" in failed[0]["failed"][0]["error"]


def test_a_failed_seed_makes_its_row_partial(results):
    cell = cells_of(results, *NONE)[1]
    cell.record["status"], cell.record["error"] = "failed", "RuntimeError: out of memory"
    row = row_of(build(results), *NONE)
    assert row.status == "partial" and row.n_seeds == 1 and len(row.failed) == 1
    assert "(+1 failed)" in render(build(results), "md")


def test_json_rows_for_other_tools(results_dir):
    result = invoke(str(results_dir), "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and len(rows) == 4
    for row in rows:
        for key in ("backbone", "reward", "mode", "lambda", "n_seeds", "status", "rank"):
            assert key in row
        for metric in ("fid", "kid", "is", "precision", "recall", "clip", "reward"):
            assert f"{metric}_mean" in row and f"{metric}_std" in row
        assert "target_fraction_mean" in row and "modes_covered_mean" in row
    done = [r for r in rows if r["status"] == "done"]
    assert [r["rank"] for r in done] == [1, 2, 3]
    fids = [r["fid_mean"] for r in done]
    assert fids == sorted(fids)
    classifier = next(r for r in done if r["reward"] == "classifier")
    assert classifier["lambda"] == 1.0 and classifier["mode"] == "backprop"
    assert classifier["n_seeds"] == 2 and classifier["reward_params"] == {"target": 7}
    assert classifier["measured_with"]["fid"]["extractor"] == "rlgan-digit-eval-net"


def test_markdown_header_states_dataset_extractor_and_n(results_dir):
    result = invoke(str(results_dir))
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "ranked by FID (lower is better)" in text
    assert "- dataset: digits" in text
    assert (
        "- FID, KID, precision, recall: rlgan-digit-eval-net (sha256 abadde160f0c), "
        "N = 40 generated vs 600 real (heldout)" in text
    )
    assert "- CLIP score: digits-clip-audit" in text and "N = 40 generated" in text
    leaderboard = text.split("## Failed cells")[0]
    table = [line for line in leaderboard.splitlines() if line.startswith("| ")]
    assert len(table) == 2 + 3
    assert table[0].startswith("| rank | backbone | reward | mode | λ | seeds | FID ↓")
    assert EVIL not in text and "&lt;script&gt;" in text  # inert in any Markdown renderer
    assert all(line.count(" | ") == table[0].count(" | ") for line in table)


def test_compare_gives_the_change_of_each_metric(results_dir, copied):
    for cell in ("dcgan__none__seed0", "dcgan__none__seed1"):
        rewrite(copied, cell, lambda r: r["eval"]["metrics"]["fid"]["values"].update(fid=9.0))
    for path in (copied / "cells").glob("dcgan__classifier*seed*/result.json"):
        record = json.loads(path.read_text())
        if record["status"] == "done":
            record["eval"]["metrics"]["fid"]["record"]["extractor"] = "inception-v3-compat"
            path.write_text(json.dumps(record))
    comparison = compare(build(load_results(results_dir)), build(load_results(copied)))
    by_reward = {(p.row.reward, p.row.reward_params.get("target")): p for p in comparison.pairs}
    none = {c.column.name: c for c in by_reward[("none", None)].changes}
    before = build(load_results(results_dir))
    old = row_of(before, *NONE).stats["fid"].mean
    assert none["fid"].delta == pytest.approx(9.0 - old) and none["fid"].better is True
    assert none["kid"].delta == 0 and none["kid"].better is None
    classifier = {c.column.name: c for c in by_reward[("classifier", 7)].changes}
    assert classifier["fid"].comparable is False and classifier["fid"].delta is None
    assert classifier["kid"].comparable is True

    result = CliRunner().invoke(
        cli, ["report", "--compare", str(results_dir), str(copied), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    row = next(r for r in data["rows"] if r["reward"] == "none")
    assert row["metrics"]["fid"]["b_mean"] == 9.0 and row["metrics"]["fid"]["better"] is True
    text = invoke("--compare", str(results_dir), str(copied)).stdout
    assert "better" in text and "not comparable" in text
    page = invoke("--compare", str(results_dir), str(copied), "--format", "html").stdout
    assert page.startswith("<!DOCTYPE html>") and 'class="num good"' in page


def test_compare_lists_changed_settings_and_rows_on_one_side(results_dir, copied):
    shutil.rmtree(copied / "cells" / "dcgan__none__seed0")
    shutil.rmtree(copied / "cells" / "dcgan__none__seed1")
    for path in (copied / "cells").glob("*/result.json"):
        record = json.loads(path.read_text())
        record["config"]["train"]["steps"] = 8
        path.write_text(json.dumps(record))
    comparison = compare(build(load_results(results_dir)), build(load_results(copied)))
    only = [p for p in comparison.pairs if p.only_in]
    assert [(p.only_in, p.row.reward) for p in only] == [("a", "none")]
    paired = next(p for p in comparison.pairs if p.row.reward == "clip")
    assert paired.config_differences == {"steps": [6, 8]}


def test_html_escapes_every_string_from_the_results(copied):
    evil_image = '"><img src=x onerror=alert(2)>'
    failed = next(
        p
        for p in (copied / "cells").glob("*/result.json")
        if json.loads(p.read_text())["status"] == "failed"
    )
    record = json.loads(failed.read_text())
    record["error"] = f"ValueError: {EVIL}{evil_image}"
    failed.write_text(json.dumps(record))

    def plugin_text(r):
        r["plugins"]["backbone"]["name"] = EVIL
        r["versions"]["torch"] = evil_image

    rewrite(copied, "dcgan__none__seed0", plugin_text)
    page = render(build(load_results(copied)), "html")
    lowered = page.lower()
    assert "<script" not in lowered
    assert "<img src=x" not in lowered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the prompt, shown as text
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in page  # error and versions
    # every tag the page has is one the report writes
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", page))
    assert tags <= {
        "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p",
        "nav", "a", "main", "section", "ul", "li", "b", "span", "div", "table", "thead",
        "tbody", "tr", "th", "td", "figure", "figcaption", "img", "svg", "text", "rect",
        "line", "polyline", "polygon", "circle", "code", "pre", "details", "summary",
    }  # fmt: skip


def test_html_is_one_self_contained_page(results_dir):
    page = render(build(load_results(results_dir)), "html")
    assert not re.search(r"(src|href|xlink:href|action)\s*=\s*[\"']?\s*(https?:)?//", page, re.I)
    assert "url(" not in page and "@import" not in page and "<link" not in page
    assert "http://" not in page and "https://" not in page
    assert "default-src &#39;none&#39;; img-src data:" in page  # CSP: no scripts, no loads
    images = re.findall(r'<img src="([^"]+)"', page)
    assert len(images) == 5  # one per cell that trained (the failed one never did)
    assert all(src.startswith("data:image/png;base64,iVBORw0KGgo") for src in images)
    assert page.count('<svg class="plot tradeoff"') == 2  # classifier(7) and clip
    assert 'class="point front"' in page
    assert page.count('<svg class="plot curve"') == 3 + 2  # losses per row, reward per reward row
    for section in ("leaderboard", "failed", "tradeoff", "curves", "samples", "environment"):
        assert f'<section id="{section}">' in page
    assert "torch_fidelity" in page  # the environment


def test_pareto_front():
    points = [(1.0, 10.0), (2.0, 12.0), (1.5, 15.0), (0.5, 9.0), (2.0, 13.0)]
    assert pareto_front(points) == [True, True, False, True, False]
    assert pareto_front([(1.0, 1.0), (1.0, 1.0)]) == [True, True]


def test_a_column_is_easy_to_add(results):
    """E.g. a reward audit: one Column, read from the cell's record."""

    def gap(cell):
        audit = cell.record.get("audit")
        if not audit:
            return None
        return Measure(audit["gap"], ("audit", audit["verifier"]), {"extractor": audit["verifier"]})

    for cell, value in zip(cells_of(results, *CLASSIFIER), (0.2, 0.4), strict=True):
        cell.record["audit"] = {"gap": value, "verifier": "digit-eval-net"}
    audit = Column("audit_gap", "reward gap", False, gap, "{:.2f}")
    board = build(results, "audit_gap", columns=[*COLUMNS, audit])
    row = row_of(board, *CLASSIFIER, target=7)
    assert row.rank == 1 and row.stats["audit_gap"].mean == pytest.approx(0.3)
    assert "reward gap ↓" in render(board, "md")
    assert json.loads(render(board, "json"))[0]["audit_gap_mean"] == pytest.approx(0.3)


def test_write_reports_beside_the_results(copied):
    paths = write_reports(copied)
    assert paths["html"] == copied / "report.html" and paths["html"].read_text().startswith(
        "<!DOCTYPE html>"
    )
    assert json.loads((copied / "report.json").read_text())[0]["rank"] == 1
    assert paths["markdown_text"] == (copied / "report.md").read_text()


def test_out_writes_the_file_and_its_suffix_picks_the_format(results_dir, tmp_path):
    out = tmp_path / "board.html"
    result = invoke(str(results_dir), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and f"wrote {out}" in result.stderr
    assert out.read_text().startswith("<!DOCTYPE html>")
    md = tmp_path / "board.txt"
    assert invoke(str(results_dir), "--out", str(md), "--sort", "KID").exit_code == 0
    assert "ranked by KID (lower is better)" in md.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{empty}"], "holds no results"),
        (["{missing}"], "is not a results directory"),
        (["{results}", "--sort", "speed"], "unknown column (columns: fid, kid, is"),
        ([], "give a results directory"),
        (["{results}", "--compare", "{results}", "{results}"], "not both"),
    ],
)
def test_bad_input_is_one_line(args, message, results_dir, tmp_path):
    (tmp_path / "empty").mkdir()
    values = {"empty": tmp_path / "empty", "missing": tmp_path / "nope", "results": results_dir}
    result = invoke(*(arg.format(**values) for arg in args))
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_sort_by_a_metric_no_cell_has(results, results_dir):
    for cell in results.cells:
        if cell.done:
            cell.record["eval"]["metrics"].pop("clip")
    with pytest.raises(Exception, match="no cell of .* has a CLIP score"):
        build(results, "clip")


def test_the_title_names_the_results_folder_or_the_board_never_a_path(results_dir, copied):
    """A report is read where it was copied to: its title names the results folder (or the
    name it is published under), never the absolute (often temporary) path it was written in."""
    from conftest import ROOT, load_script

    board = load_results_board(results_dir)
    md, page = render(board, "md"), render(board, "html")
    assert md.splitlines()[0] == f"# rlgan-bench report: {results_dir.name}"
    assert f"<title>rlgan-bench report: {results_dir.name}</title>" in page
    assert f"<h1>rlgan-bench report: {results_dir.name}</h1>" in page
    for text in (md, page, render(board, "json")):
        assert str(results_dir) not in text and str(results_dir.parent) not in text

    # scripts/publish_leaderboard.py titles the board with its name: what `rlgan-bench report`
    # renders for a folder of that name, in place of the results folder's
    publish = load_script("publish_leaderboard")
    write_reports(copied)
    target = copied.parent / "leaderboards" / "digits-x"
    publish.publish(copied, target)
    from rlgan_bench.report.html import render as render_html
    from rlgan_bench.report.markdown import render as render_md

    assert (target / "report.md").read_text() == render_md(board, "digits-x")
    assert (target / "report.html").read_text() == render_html(board, "digits-x")
    assert (target / "report.json").read_text() == (copied / "report.json").read_text()
    # older reports named the path under an untitled heading; retitling gives today's header
    old = page.replace(
        f"<h1>rlgan-bench report: {results_dir.name}</h1><p>",
        "<h1>rlgan-bench report</h1><p><code>/tmp/board_out</code> · ",
    ).replace(
        f"<title>rlgan-bench report: {results_dir.name}</title>",
        "<title>rlgan-bench report</title>",
    )
    assert publish.retitle(old, "html", "digits-x") == render_html(board, "digits-x")

    # the committed boards: titled by their folders' names
    for folder in sorted((ROOT / "leaderboards").glob("*/report.md")):
        name = folder.parent.name
        assert folder.read_text().splitlines()[0] == f"# rlgan-bench report: {name}"
        page = (folder.parent / "report.html").read_text()
        assert f"<title>rlgan-bench report: {name}</title>" in page
        assert f"<h1>rlgan-bench report: {name}</h1><p>" in page
        for file in ("report.md", "report.html", "report.json", "matrix.json"):
            if (folder.parent / file).exists():  # older boards kept no matrix.json
                assert "/tmp/" not in (folder.parent / file).read_text(), (name, file)


def load_results_board(folder: Path):
    from rlgan_bench.report.ranking import load

    return load(folder)
