"""docs/protocol.md's account of the frontier board, written from the committed board's JSON.

    python scripts/frontier_board.py            # rewrite the block in docs/protocol.md
    python scripts/frontier_board.py --check    # exit 1 if the block is not what the JSON gives
    python scripts/frontier_board.py --pilot RESULTS/report.json   # keep a pilot's points

Every number in the block between ``<!-- frontier-board:start -->`` and
``<!-- frontier-board:end -->`` of docs/protocol.md is computed here from
``leaderboards/digits-frontier`` (report.json, the cells' result.json and metrics.jsonl) and
from the one-seed pilot that placed its strengths (``docs/protocol/frontier-pilot.json``, the
points of the pilot's report.json that ``--pilot`` keeps);
the sentences around them are this script's templates. A test runs ``--check``, so the docs
cannot drift from the board.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rlgan_bench.analysis.budget import Budget

ROOT = Path(__file__).resolve().parents[1]
BOARD = ROOT / "leaderboards" / "digits-frontier"
DOC = ROOT / "docs" / "protocol.md"
PILOT = ROOT / "docs" / "protocol" / "frontier-pilot.json"
LENGTH = ROOT / "docs" / "protocol" / "finetune-length.json"
START, END = "<!-- frontier-board:start -->", "<!-- frontier-board:end -->"


class Board:
    """The committed board's report.json, looked up by reward, method and strength."""

    def __init__(self, folder: Path = BOARD) -> None:
        self.folder = folder
        self.report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        self.frontiers = self.report["frontier"]["frontiers"]

    def frontier(self, reward: str) -> dict[str, Any]:
        return next(f for f in self.frontiers if f["reward"] == reward)

    def curve(self, reward: str, method: str) -> dict[str, Any]:
        return next(c for c in self.frontier(reward)["curves"] if c["method"] == method)

    def cells(self, pattern: str) -> Iterator[Path]:
        return iter(sorted((self.folder / "cells").glob(pattern)))


def pm(estimate: dict[str, Any] | None, digits: int = 2) -> str:
    """``mean ± half-width`` of a report.json estimate (the board's one ± convention)."""
    if estimate is None:
        return "–"
    mean = f"{estimate['mean']:.{digits}f}"
    if estimate.get("half_width") is None:
        return mean
    return f"{mean} ± {estimate['half_width']:.{digits}f}"


def logged(board: Board, pattern: str, key: str) -> list[float]:
    """Every logged value of ``key`` in the metrics.jsonl of the cells matching ``pattern``."""
    found = []
    for path in board.cells(f"{pattern}/metrics.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if key in row:
                found.append(float(row[key]))
    return found


def spread(values: list[float], digits: int = 2) -> str:
    """``median (min-max)`` of logged values."""
    return (
        f"{statistics.median(values):.{digits}f} "
        f"({min(values):.{digits}f}-{max(values):.{digits}f})"
    )


def in_budget(board: Board, reward: str, curve: dict[str, Any]) -> list[dict[str, Any]]:
    """The points of ``curve`` within the budget by the ranking's own rule
    (:meth:`rlgan_bench.analysis.budget.Budget.within`), costs against the control."""
    given = board.frontier(reward)["budget"]
    budget = Budget(
        given["fid_cost"], given["precision_drop"], given["source"], given["recall_drop"]
    )

    def cost(point: dict[str, Any], name: str) -> float | None:
        found = point.get(f"{name}_vs_control") or point.get(name)
        return None if found is None else found["mean"]

    return [
        p
        for p in curve["points"]
        if budget.within(cost(p, "fid_cost"), cost(p, "precision_drop"), cost(p, "recall_drop"))
    ]


def outside_text(board: Board, reward: str, curve: dict[str, Any]) -> str:
    """The points of ``curve`` outside the budget, each with the costs that put it there."""
    given = board.frontier(reward)["budget"]
    inside = {p["label"] for p in in_budget(board, reward, curve)}
    out = []
    for point in curve["points"]:
        if point["label"] in inside:
            continue
        reasons = []
        for name, label, digits in (
            ("fid_cost", "FID cost", 1),
            ("precision_drop", "precision drop", 3),
            ("recall_drop", "recall drop", 3),
        ):
            found = point.get(f"{name}_vs_control") or point.get(name)
            if found is not None and given.get(name) is not None and found["mean"] > given[name]:
                reasons.append(f"{label} {found['mean']:.{digits}f}")
        out.append(f"{point['label']} ({', '.join(reasons) or 'no costs measured'})")
    return ", ".join(out)


def flagged(board: Board, reward: str, flag: str) -> list[str]:
    """``method label`` of every point of the frontier of ``reward`` flagged ``flag``."""
    return [
        f"{curve['method']} {point['label']}"
        for curve in board.frontier(reward)["curves"]
        for point in curve["points"]
        if flag in point["flagged"]
    ]


def listing(items: list[str]) -> str:
    if not items:
        return "none"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def controls_text(board: Board, reward: str) -> str:
    frontier = board.frontier(reward)
    negative = [c for c in frontier["controls"] if c["role"] == "negative-control"]
    positive = [c for c in frontier["controls"] if c["role"] == "positive-control"]
    if not negative:
        return "no controls (the audit is the reward itself: nothing to hack)"
    deficits = [c["hacking"]["deficit"] for c in negative]
    fired = [c["label"] for c in negative if c["hacking"]["status"] == "hacked"]
    text = (
        f"the negative controls (best of {', '.join(str(int(c['strength'])) for c in negative)}"
        f" real held-out images) have deficits {min(deficits):.2f} to {max(deficits):.2f} sd "
        f"and {'fire at ' + listing(fired) if fired else 'none fires'}"
    )
    for control in positive:
        verdict = control["hacking"]
        low, high = verdict["deficit_ci95"]
        text += (
            f"; the positive control claims {pm(control['claimed'])} sd, verifies "
            f"{pm(control['verified'])} where selection verifies {verdict['expected']:.2f}: "
            f"deficit {verdict['deficit']:.2f} ({low:.2f} to {high:.2f}), "
            f"{'hacked' if verdict['status'] == 'hacked' else 'NOT flagged'}"
        )
    return text


def method_lines(board: Board, reward: str) -> list[str]:
    frontier = board.frontier(reward)
    lines = []
    for curve in sorted(frontier["curves"], key=lambda c: (c["rank"] is None, c["rank"] or 0)):
        inside = in_budget(board, reward, curve)
        strengths = ", ".join(p["label"] for p in curve["points"])
        if curve["best"] is None:
            where = curve["unranked"]
        else:
            best = next(p for p in curve["points"] if p["label"] == curve["best"])
            where = (
                f"best within the budget {best['label']}: verified gain "
                f"{pm(best.get('verified_vs_control') or best['verified'])} sd against the "
                f"control (against the base {pm(best['verified'])}, claimed "
                f"{pm(best['claimed'])}) for a FID cost of "
                f"{pm(best.get('fid_cost_vs_control') or best['fid_cost'])} and a recall drop "
                f"of {pm(best.get('recall_drop_vs_control') or best['recall_drop'], 3)}"
            )
        rank = f"rank {curve['rank']}" if curve["rank"] else "unranked"
        note = f"; {curve['not_distinguishable']}" if curve.get("not_distinguishable") else ""
        lines.append(
            f"- **{curve['method']}** ({rank}{note}): strengths {strengths}, "
            f"{len(inside)} within the budget; {where}."
        )
    return lines


def control_gain_text(board: Board, reward: str) -> str:
    control = board.frontier(reward).get("control")
    if not control or not control.get("claimed"):
        return "not measured"
    return (
        f"FID {pm(control['fid_cost'])}, recall drop {pm(control['recall_drop'], 3)}, reward "
        f"{pm(control['claimed'])} sd and verified {pm(control['verified'])} sd, against the base"
    )


def ppo_text(board: Board) -> str:
    parts = []
    for point in board.curve("jpeg", "ppo")["points"]:
        label = point["label"].replace("λ=", "")
        clip = logged(board, f"dcgan__jpeg__ppo__lam{label}__seed*", "ppo_clipfrac")
        kl = logged(board, f"dcgan__jpeg__ppo__lam{label}__seed*", "ppo_approx_kl")
        if clip:
            parts.append(
                f"λ {label}: clipfrac {spread(clip)}, approx_kl {spread(kl, 3)} "
                f"({len(clip)} logged steps)"
            )
    return "; ".join(parts)


def keep_pilot(report: Path) -> None:
    """The points of a pilot's report.json (costs against the control, gains against the
    base) as docs/protocol/frontier-pilot.json."""
    frontiers = json.loads(report.read_text(encoding="utf-8"))["frontier"]["frontiers"]
    names = ("fid_cost_vs_control", "precision_drop_vs_control", "recall_drop_vs_control")
    kept = {
        f["reward"]: {
            c["method"]: [
                {
                    "label": p["label"],
                    "strength": p["strength"],
                    **{n: p[n]["mean"] if p.get(n) else None for n in names},
                    "verified": p["verified"]["mean"] if p.get("verified") else None,
                }
                for p in c["points"]
            ]
            for c in f["curves"]
        }
        for f in frontiers
    }
    PILOT.write_text(json.dumps(kept, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def pilot_text(budget: dict[str, Any]) -> str:
    """Where the one-seed pilot put each method's budget edge."""
    pilot = json.loads(PILOT.read_text(encoding="utf-8"))
    parts = []
    for reward, curves in sorted(pilot.items()):
        for method, points in sorted(curves.items()):
            out = []
            for p in points:
                reasons = [
                    f"FID cost {p['fid_cost_vs_control']:.1f}"
                    if p["fid_cost_vs_control"] > budget["fid_cost"]
                    else "",
                    f"precision drop {p['precision_drop_vs_control']:.2f}"
                    if p["precision_drop_vs_control"] > budget["precision_drop"]
                    else "",
                    f"recall drop {p['recall_drop_vs_control']:.2f}"
                    if p["recall_drop_vs_control"] > budget["recall_drop"]
                    else "",
                ]
                if any(reasons):
                    out.append(f"{p['label']} ({', '.join(r for r in reasons if r)})")
            inside = len(points) - len(out)
            parts.append(
                f"{reward} {method} {points[0]['label']}-{points[-1]['label']}: {inside} of "
                f"{len(points)} inside" + (f", out: {'; '.join(out)}" if out else "")
            )
    return "; ".join(parts)


def length_text() -> str:
    """How far each method's reward curve gets in the board's 100 steps
    (benchmarks/finetune_length.py's results.json)."""
    found = json.loads(LENGTH.read_text(encoding="utf-8"))
    runs = {k: v for k, v in found.items() if isinstance(v, dict)}
    parts = [
        f"{name}: {r['share_at_100']:.2f} of its {found['steps']}-step gain at step 100, 90% "
        f"first at step {r['steps_to_90']}"
        for name, r in sorted(runs.items())
        if r.get("share_at_100") is not None
    ]
    slow = [n for n, r in sorted(runs.items()) if (r.get("share_at_100") or 0) < 0.9]
    return (
        f"seeds {', '.join(map(str, found['seeds']))}, {found['steps']} fine-tuning steps from "
        f"the board's bases, the batch reward smoothed over 50 steps: {'; '.join(parts)}. "
        + (
            f"Below 0.9 at step 100, still rising: {listing(slow)}; their points on the board "
            "understate what longer fine-tuning buys (and costs) them, most for the slowest. "
            "The others have flattened by step 100 (a share above 1: the curve peaked before "
            "step 100 and fell back). 100 steps is the length that the five-seed board could "
            "afford on 2 cores; 300 would triple the fine-tuning cells' cost."
            if slow
            else "Every curve has flattened by step 100."
        )
    )


def write(board: Board) -> str:
    config = board.report["frontier"]
    budget = config["budget"]
    seeds = board.frontier("classifier")["base"]["seeds"]
    lines = [
        "",
        f"Seeds {', '.join(map(str, seeds))}; budget: FID cost ≤ {budget['fid_cost']:g}, "
        f"precision drop ≤ {budget['precision_drop']:g}, recall drop ≤ "
        f"{budget['recall_drop']:g}, against the control. Each number: mean over the seeds ± "
        "the 95% Student-t half-width. (Written by `python scripts/frontier_board.py` from "
        "`leaderboards/digits-frontier`; `--check` is a test.)",
        "",
        f"**The pilot** (seed 0, against its control): {pilot_text(budget)}.",
        "",
        "**The fine-tuning length** (100 steps; `benchmarks/finetune_length.py`, "
        f"`docs/protocol/finetune-length.json`): {length_text()}",
        "",
    ]
    for reward, title in (("classifier", "classifier (target 7)"), ("jpeg", "jpeg")):
        lines += [
            f"**{title}.** Controls of the hacked verdict: {controls_text(board, reward)}. "
            f"The control (the base trained as long without a reward) moved "
            f"{control_gain_text(board, reward)}. Flagged hacked: "
            f"{listing(flagged(board, reward, 'hacked'))}; diversity collapse: "
            f"{listing(flagged(board, reward, 'diversity collapse'))}; memorisation: "
            f"{listing(flagged(board, reward, 'memorisation'))}; over-optimised: "
            f"{listing(flagged(board, reward, 'over-optimised'))}.",
            "",
            *method_lines(board, reward),
            "",
        ]
    counts = [
        (reward, curve, len(in_budget(board, reward, curve)))
        for reward in ("classifier", "jpeg")
        for curve in board.frontier(reward)["curves"]
    ]
    few = [f"{curve['method']} on {reward} ({n})" for reward, curve, n in counts if n < 3]
    edges = [
        f"{curve['method']} on {reward}: {outside}"
        for reward, curve, _ in counts
        if (outside := outside_text(board, reward, curve))
    ]
    lines += [
        "**Points within the budget.** "
        + (
            f"Fewer than three: {listing(few)}; their best points are still ranked, on fewer "
            "points. "
            if few
            else f"Every method has at least three ({min(n for *_, n in counts)} to "
            f"{max(n for *_, n in counts)}). "
        )
        + f"Outside it (costs against the control over the budget): {'; '.join(edges)}.",
        "",
        f"**ppo's trust region** at the board's strengths (clip range 0.2; median (range) over "
        f"the logged steps of every seed): {ppo_text(board)}.",
        "",
    ]
    return "\n".join(lines)


def with_block(doc: str, text: str) -> str:
    if doc.count(START) != 1 or doc.count(END) != 1:
        raise SystemExit(f"docs/protocol.md needs one '{START}' followed by one '{END}'")
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{text}{END}{tail}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--pilot", type=Path, help="a pilot's report.json to keep")
    args = parser.parse_args()
    if args.pilot:
        keep_pilot(args.pilot)
    doc = DOC.read_text(encoding="utf-8")
    expected = with_block(doc, write(Board()))
    if args.check:
        if expected != doc:
            sys.exit(
                "docs/protocol.md's frontier-board block is not what "
                "leaderboards/digits-frontier gives: run python scripts/frontier_board.py"
            )
        return
    DOC.write_text(expected, encoding="utf-8")
    print("rewrote the frontier-board block of docs/protocol.md")


if __name__ == "__main__":
    main()
