"""Rich tables of an evaluation and of the weights files (what a person reads; eval.json is
what a program reads)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text


def _values(name: str, values: dict[str, float]) -> str:
    if name == "is":
        return f"{values['is_mean']:.3f} ± {values['is_std']:.3f}"
    if name == "kid":
        return f"{values['kid_mean']:.5f} ± {values['kid_std']:.5f}"
    if name == "prc":
        return f"P {values['precision']:.3f}  R {values['recall']:.3f}  F {values['f_score']:.3f}"
    return "  ".join(f"{value:.4g}" for value in values.values())


def eval_table(result: dict[str, Any]) -> Table:
    table = Table(
        title=f"{result['run_dir']}: step {result['step']}, {result['generator']} generator, "
        f"{result['samples']:,} samples vs {result['n_real']:,} "
        f"{result['dataset']}/{result['split']}",
        caption="Scores by different extractors are different quantities: compare a score only "
        "with scores from the same extractor, sha256 and N.",
    )
    for column in ("metric", "score", "extractor (sha256)", "N gen / real", "note"):
        table.add_column(column)
    for name, entry in result["metrics"].items():
        if entry["status"] != "ok":
            style = "red" if entry["status"] in ("unavailable", "failed") else "dim"
            note = entry.get("fix") or entry.get("reason", "")
            table.add_row(name, Text(entry["status"], style=style), "", "", note)
            continue
        record = entry["record"]
        extractor = f"{record['extractor']} ({str(record['extractor_sha256'])[:12]})"
        counts = f"{record['n_generated']:,} / {record['n_real'] or '-'}"
        if name == "clip":  # one row per prompt
            for prompt, value in entry["values"].items():
                table.add_row(
                    f"clip {prompt!r}", f"{value:.2f}", extractor, counts, record["model"]
                )
            continue
        table.add_row(
            name, _values(name, entry["values"]), extractor, counts, record.get("note", "")
        )
    return table


def histogram_lines(histogram: dict[str, Any] | None) -> list[str]:
    if histogram is None:
        return []
    if histogram.get("status") != "ok":
        return [f"class histogram unavailable: {histogram.get('fix') or histogram.get('reason')}"]
    parts = [
        f"{name} {fraction:.1%}"
        for name, fraction in zip(histogram["classes"], histogram["fractions"], strict=True)
    ]
    lines = [
        f"classes by {histogram['classifier']}: " + ", ".join(parts),
        f"modes covered: {histogram['modes_covered']}/{histogram['num_classes']} "
        f"(a class is covered with >= {histogram['mode_threshold']:.1%} of the samples)",
    ]
    if "target" in histogram:
        name = histogram["classes"][histogram["target"]]
        lines.append(f"target {name}: {histogram['target_fraction']:.1%} of the samples")
    return lines


def print_eval(result: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    console.print(eval_table(result))
    for line in histogram_lines(result.get("class_histogram")):
        console.print(line, highlight=False)
    if result.get("note"):
        console.print(Text(result["note"], style="yellow"))


def print_weights(rows: list[dict[str, Any]], console: Console | None = None) -> None:
    table = Table(title="rlgan-bench weights")
    for column in ("model", "used by", "looked for in", "status", "sha256"):
        table.add_column(column, overflow="fold")
    styles = {"present": "green", "missing": "red", "corrupt": "red"}
    for row in rows:
        status = Text(row["status"], style=styles.get(row["status"], ""))
        if row["fix"]:
            status.append(f"\n{row['fix']}", style="")
        table.add_row(
            row["name"],
            ", ".join(row["used_by"]) or "-",
            f"{row['path']} ({row['location']})",
            status,
            row["sha256"] or f"expected {row['expected_sha256'] or '?'}",
        )
    (console or Console()).print(table)


def _number(value: Any, fmt: str = "{:.2f}") -> str:
    return "-" if not isinstance(value, (int, float)) else fmt.format(value)


def audit_table(sections: list[tuple[str, dict[str, Any]]]) -> Table:
    """The reward-hacking gauge of runs: claimed and verified gains (in standard deviations
    of real images), their gap, the quality drift and the flag."""
    table = Table(
        title="What the reward really bought (against the lambda = 0 run)",
        caption="gains in standard deviations of the quantity over real held-out images",
    )
    for column in (
        "run",
        "reward",
        "claimed",
        "verified (audit)",
        "gap",
        "FID ratio",
        "precision drop",
        "hacked",
    ):
        table.add_column(column)
    for name, section in sections:
        if section.get("status") != "ok":
            table.add_row(
                name,
                str(section.get("reward", "")),
                Text(str(section.get("status")), style="dim"),
                Text(str(section.get("reason", "")), style="dim"),
                "",
                "",
                "",
                "-",
            )
            continue
        verified = section.get("verified") or {}
        drift = section.get("drift") or {}
        hacked = section.get("hacked")
        if hacked is None:  # a base-protocol cell: judged on the frontier, over seeds
            flag, reasons = Text("on the frontier", style="dim"), ""
        else:
            flag = Text("HACKED", style="bold red") if hacked else Text("no", style="green")
            reasons = "; ".join(section.get("reasons") or [])
        table.add_row(
            name,
            str(section.get("reward")),
            _number((section.get("claimed") or {}).get("normalised")),
            f"{_number(verified.get('normalised'))} ({verified.get('audit', 'none')})",
            _number(section.get("gap")),
            _number((drift.get("fid") or {}).get("ratio")),
            _number((drift.get("precision") or {}).get("drop")),
            Text.assemble(flag, f" {reasons}" if reasons else ""),
        )
    return table


def print_audits(sections: list[tuple[str, dict[str, Any]]]) -> None:
    Console().print(audit_table(sections))
