"""The reward-hacking gauge of a from-scratch matrix in the HTML report (``hacking.html.j2``):
a row per audited cell, and for the flagged ones their reward and audit over training and their
sample grid beside the lambda = 0 grid."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from rlgan_bench.analysis.json_numbers import number
from rlgan_bench.analysis.results import CellResult, Leaderboard
from rlgan_bench.report.chart_kit import PALETTE
from rlgan_bench.report.line_chart import Series, line_chart
from rlgan_bench.report.page.parts import SampleGrid, png_data_uri


@dataclass
class AuditCurves:
    scaled: Markup
    fid: Markup
    #: the range of each scaled curve and where they part, as text
    ranges: str


@dataclass
class AuditRow:
    cell: str
    reward: str
    #: "status: reason" when the section is not complete (its numbers are then not shown)
    problem: str | None = None
    claimed: str = ""
    claimed_normalised: str = ""
    verified: str = ""
    verified_normalised: str = ""
    gap: str = ""
    fid_basis: str = ""
    drift: str = ""
    hacked: bool = False
    reasons: str = ""
    #: the section gives no per-cell verdict: the frontier flags its point over seeds
    calibrated: bool = False


@dataclass
class FlaggedCell:
    cell: str
    curves: AuditCurves | None
    grids: tuple[SampleGrid, SampleGrid]
    reasons: str


@dataclass
class Hacking:
    rows: list[AuditRow] = field(default_factory=list)
    flagged: list[FlaggedCell] = field(default_factory=list)
    #: (cell id, curves) of the audited cells that are not flagged
    quiet: list[tuple[str, AuditCurves]] = field(default_factory=list)


def _fmt(value: Any, fmt: str = "{:.2f}") -> str:
    found = number(value)
    return "–" if found is None else fmt.format(found)


def _scaled(points: Sequence[tuple[float, float]]) -> tuple[list[tuple[float, float]], str]:
    """Points with y mapped to [0, 1] over their range, and that range as text."""
    ys = [y for _, y in points]
    if not ys:
        return [], ""
    low, high = min(ys), max(ys)
    width = high - low
    scaled = [(x, 0.0 if width <= 0 else (y - low) / width) for x, y in points]
    return scaled, f"{low:.3g} … {high:.3g}"


def audit_curves(cell: CellResult, section: dict[str, Any] | None) -> AuditCurves | None:
    """Reward and audit against the steps (each scaled to its range, so that where they part
    shows) and the cheap FID, from the run's audit.jsonl; None without one."""
    log = [entry for entry in cell.audit_log() if number(entry.get("step")) is not None]
    if not log:
        return None
    pick = {
        key: [
            (float(entry["step"]), value)
            for entry in log
            if (value := number(entry.get(key))) is not None
        ]
        for key in ("reward", "audit", "fid")
    }
    audit_name = next((str(r["audit_name"]) for r in log if r.get("audit_name")), "none")
    n = log[-1].get("n")
    reward_points, reward_range = _scaled(pick["reward"])
    audit_points, audit_range = _scaled(pick["audit"])
    series = [Series("reward", reward_points, PALETTE[2])]
    if audit_points:
        series.append(Series("audit", audit_points, PALETTE[3], "5 3"))
    over = (section or {}).get("over_training") or {}
    parts = number(over.get("parts_at"))
    if parts is not None:
        series.append(Series(f"part: {parts:g}", [(parts, 0.0), (parts, 1.0)], "#7f7f7f", "2 2"))
    scaled = line_chart(
        series, "reward and audit over training", "step", "each scaled to its range", 420, 260
    )
    fid = line_chart(
        [Series(f"FID, N = {n}", pick["fid"], PALETTE[0])],
        f"FID over training (cheap: N = {n})",
        "step",
        "FID",
        380,
        260,
    )
    ranges = f"reward {cell.reward}: {reward_range}"
    if audit_points:
        ranges += f"; audit {audit_name}: {audit_range}"
    if parts is not None:
        ranges += f"; they part at step {parts:g}"
    return AuditCurves(scaled, fid, ranges)


def _grid(cell: CellResult | None, caption: str) -> SampleGrid:
    path = cell.samples_png if cell is not None else None
    uri = png_data_uri(path) if path is not None else None
    return SampleGrid(uri, f"samples: {caption}", caption)


def _baseline_of(cells: Sequence[CellResult], section: dict[str, Any]) -> CellResult | None:
    found = section.get("baseline")
    baseline: dict[str, Any] = found if isinstance(found, dict) else {}
    wanted = baseline.get("cell")
    for cell in cells:
        if wanted is not None and cell.id == wanted:
            return cell
    run_dir = baseline.get("run_dir")
    for cell in cells:
        if run_dir is not None and str(cell.run_dir) == str(run_dir):
            return cell
    return None


def _reasons(section: dict[str, Any]) -> str:
    return "; ".join(str(r) for r in section.get("reasons") or [])


def _audit_row(cell: CellResult, section: dict[str, Any]) -> AuditRow:
    if section.get("status") != "ok":
        problem = f"{section.get('status')}: {section.get('reason', '')}"
        return AuditRow(cell.id, cell.reward, problem)
    claimed = section.get("claimed") or {}
    verified = section.get("verified") or {}
    drift = section.get("drift") or {}
    fid = drift.get("fid") or {}
    precision = drift.get("precision") or {}

    def before_after(values: dict[str, Any]) -> str:
        return f"{_fmt(values.get('before'), '{:.4g}')} → {_fmt(values.get('after'), '{:.4g}')}"

    return AuditRow(
        cell.id,
        cell.reward,
        claimed=before_after(claimed),
        claimed_normalised=_fmt(claimed.get("normalised")),
        verified=f"{verified.get('audit', 'no audit')}: {before_after(verified)}",
        verified_normalised=_fmt(verified.get("normalised")),
        gap=_fmt(section.get("gap")),
        fid_basis=str(fid.get("basis", "")),
        drift=f"{_fmt(fid.get('ratio'))} / {_fmt(precision.get('drop'))}",
        hacked=bool(section.get("hacked")),
        reasons=_reasons(section),
        calibrated=section.get("hacked") is None,
    )


def hacking(board: Leaderboard) -> Hacking | None:
    """The reward-hacking gauge: a row per audited cell, and for the flagged ones their curves
    over training and their sample grid beside the lambda = 0 grid; None when no cell has a
    reward_audit section."""
    cells = board.results.cells
    audited = [(c, c.reward_audit) for c in cells if c.done and c.reward_audit is not None]
    if not audited:
        return None
    gauge = Hacking(rows=[_audit_row(cell, section) for cell, section in audited])
    for cell, section in audited:
        curves = audit_curves(cell, section)
        if section.get("hacked"):
            baseline = _baseline_of(cells, section)
            grids = (
                _grid(cell, f"{cell.id} (flagged)"),
                _grid(baseline, f"{baseline.id if baseline else 'λ = 0 cell'} (λ = 0)"),
            )
            gauge.flagged.append(FlaggedCell(cell.id, curves, grids, _reasons(section)))
        elif curves:
            gauge.quiet.append((cell.id, curves))
    return gauge


__all__ = ["AuditCurves", "AuditRow", "FlaggedCell", "Hacking", "audit_curves", "hacking"]
