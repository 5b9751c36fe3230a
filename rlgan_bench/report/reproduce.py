"""``rlgan-bench compare RESULTS_DIR LEADERBOARD_DIR``: whether a results directory reproduces a
committed leaderboard within the board's own seed noise.

Runs repeat bit for bit only on the same machine, torch build, CPU capability and thread count
(README, "How results reproduce"); elsewhere the last bits differ, GAN training carries them
on, and a run lands somewhere within the spread that another seed would give. So each headline
value of each configuration (:data:`HEADLINE`) is judged against that spread:

- the **noise** of a value is the standard deviation over seeds of that configuration's value
  (:class:`Noise`): the board's own when it has two or more seeds; otherwise the one with more
  seeds of your results' own spread (when they have several seeds) and the spread of the same
  point (backbone, reward, method, strength, anchor) on ``noise_from``, another board with
  several seeds (its own training steps and N: an estimate, and said so); none, and the value is
  not judged (no noise is invented);
- a point fine-tuned from a base varies at least as its base does: its standard deviation is
  raised to the **noise floor** of its frontier on the same board where that is larger (the
  seed-to-seed standard deviation of the bases' own FID, precision, reward and audit:
  :class:`~rlgan_bench.analysis.noise_floors.NoiseFloors`, the calibrated gauge's floors). Three seeds
  estimate a spread roughly; without the floor a point whose seeds happened to agree (the
  frontier board's best-of-n gains: 0.004) would call a machine's ordinary difference a change;
- a value is **within noise** when ``|yours - board| <= NOISE_MULTIPLE x sd x sqrt(1/n_board +
  1/n_yours)``, the standard deviation of a difference of two means over n_board and n_yours
  seeds; otherwise it **differs**;
- configurations measured differently (extractor, N) or trained with other settings are **not
  comparable**, and fail the check like a difference;
- the overall verdict is "within noise" when at least one value was judged and none differs or
  is not comparable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from rlgan_bench.analysis.noise_floors import NoiseFloors
from rlgan_bench.analysis.results import Column, Leaderboard, Row, Stat
from rlgan_bench.core.errors import RlganError
from rlgan_bench.report.columns import get_column
from rlgan_bench.report.compare import Change, Pair, compare
from rlgan_bench.report.markdown import md_escape

#: the values judged, by column name: FID, precision and the gauge's gains
HEADLINE = ("fid", "precision", "verified", "claimed")
#: how many standard deviations of the difference a value may be off and still be within noise
NOISE_MULTIPLE = 3.0
#: the verdict of one value
WITHIN, DIFFERS, NO_NOISE, NOT_COMPARABLE = (
    "within noise",
    "differs",
    "no noise estimate",
    "not comparable",
)
#: where a noise estimate came from
FROM_BOARD, FROM_YOURS, FROM_OTHER = "board", "yours", "noise-from"


class NoNoiseEstimate(RlganError):
    """Nothing could be judged: no spread over seeds to judge against (or nothing in common)."""


@dataclass(frozen=True)
class Noise:
    """The seed-to-seed standard deviation a value is judged against."""

    #: the point's own standard deviation over seeds
    point_sd: float
    #: the seeds it was measured over
    n: int
    #: FROM_BOARD, FROM_YOURS or FROM_OTHER
    source: str
    #: the results directory it was measured on
    folder: str
    #: the noise floor of the point's frontier there (None: no frontier, or one base)
    floor: float | None = None

    @property
    def sd(self) -> float:
        """What the value is judged against: the point's sd, or the floor where larger."""
        return max(self.point_sd, self.floor or 0.0)

    def describe(self) -> str:
        where = {
            FROM_BOARD: "the board's seeds",
            FROM_YOURS: "your seeds",
            FROM_OTHER: f"the same point on {self.folder}",
        }[self.source]
        text = f"sd {self.sd:.3g} over {self.n} seeds ({where}"
        if self.floor is not None and self.floor > self.point_sd:
            text += f"; the bases' noise floor, the point's own {self.point_sd:.3g}"
        return text + ")"

    def to_json(self) -> dict[str, Any]:
        return {
            "sd": self.sd,
            "point_sd": self.point_sd,
            "floor": self.floor,
            "n": self.n,
            "source": self.source,
            "folder": self.folder,
        }


@dataclass
class Check:
    """One headline value of one configuration: the board's, yours, and the verdict."""

    configuration: str
    column: Column
    board: Stat | None
    yours: Stat | None
    noise: Noise | None
    verdict: str
    #: why a value is not comparable
    reason: str = ""

    @property
    def difference(self) -> float | None:
        if self.board is None or self.yours is None or self.verdict == NOT_COMPARABLE:
            return None
        return self.yours.mean - self.board.mean

    @property
    def allowed(self) -> float | None:
        """The largest difference within noise."""
        if self.noise is None or self.board is None or self.yours is None:
            return None
        return NOISE_MULTIPLE * self.noise.sd * math.sqrt(1 / self.board.n + 1 / self.yours.n)

    @property
    def passed(self) -> bool:
        return self.verdict in (WITHIN, NO_NOISE)

    def to_json(self) -> dict[str, Any]:
        return {
            "configuration": self.configuration,
            "metric": self.column.name,
            "board": self.board.mean if self.board else None,
            "board_seeds": self.board.n if self.board else 0,
            "yours": self.yours.mean if self.yours else None,
            "your_seeds": self.yours.n if self.yours else 0,
            "difference": self.difference,
            "noise": self.noise.to_json() if self.noise else None,
            "allowed": self.allowed,
            "verdict": self.verdict,
            "reason": self.reason or None,
        }


@dataclass
class Reproduction:
    """Every check of a results directory against a board, and the overall verdict."""

    results: str
    board: str
    noise_from: str | None
    checks: list[Check]
    #: configurations of the board that the results do not have
    missing: list[str] = field(default_factory=list)

    @property
    def judged(self) -> list[Check]:
        return [c for c in self.checks if c.verdict != NO_NOISE]

    @property
    def ok(self) -> bool:
        return any(c.verdict == WITHIN for c in self.checks) and all(c.passed for c in self.checks)

    @property
    def verdict(self) -> str:
        return WITHIN if self.ok else DIFFERS

    def summary(self) -> str:
        """The one-line overall verdict."""
        within = sum(c.verdict == WITHIN for c in self.checks)
        differ = sum(c.verdict == DIFFERS for c in self.checks)
        apart = sum(c.verdict == NOT_COMPARABLE for c in self.checks)
        unjudged = len(self.checks) - len(self.judged)
        counts = [f"{within} of {len(self.judged)} judged values within noise"]
        if differ:
            counts.append(f"{differ} differ")
        if apart:
            counts.append(f"{apart} not comparable")
        if unjudged:
            counts.append(f"{unjudged} not judged (no noise estimate)")
        if self.missing:
            counts.append(f"{len(self.missing)} configurations of the board not in your results")
        return f"verdict: {self.verdict} ({'; '.join(counts)})"

    def to_json(self) -> dict[str, Any]:
        return {
            "results": self.results,
            "board": self.board,
            "noise_from": self.noise_from,
            "rule": RULE,
            "noise_multiple": NOISE_MULTIPLE,
            "verdict": self.verdict,
            "summary": self.summary(),
            "checks": [c.to_json() for c in self.checks],
            "missing": self.missing,
        }


RULE = (
    f"within noise when |yours - board| <= {NOISE_MULTIPLE:g} x sd x sqrt(1/n_board + "
    "1/n_yours), sd the seed-to-seed standard deviation of the value: the board's own (two or "
    "more seeds), else the one over more seeds of your results' and the same point's on "
    "--noise-from; raised to the noise floor of the bases there where that is larger"
)


@dataclass
class _Source:
    """A leaderboard that can give noise: its rows by configuration, and the noise floors of
    the frontier each of its cells is on."""

    board: Leaderboard
    kind: str
    rows: dict[tuple[Any, ...], Row] = field(default_factory=dict)
    floors: dict[str, NoiseFloors] = field(default_factory=dict)

    @classmethod
    def of(cls, board: Leaderboard, kind: str) -> _Source:
        source = cls(board, kind)
        for row in board.rows:
            source.rows.setdefault((row.dataset, *row.identity), row)
        for frontier in board.frontier.frontiers if board.frontier is not None else []:
            points = [frontier.base, *(p for curve in frontier.curves for p in curve.points)]
            if frontier.control is not None:
                points.append(frontier.control)
            for point in points:
                for cell in point.cells:
                    source.floors.setdefault(cell, frontier.floors)
        return source

    def noise(self, key: tuple[Any, ...], column: Column) -> Noise | None:
        row = self.rows.get(key)
        stat = row.stats.get(column.name) if row is not None else None
        if row is None or stat is None or stat.n < 2 or stat.std is None:
            return None
        floors = next((self.floors[c.id] for c in row.cells if c.id in self.floors), None)
        floor = getattr(floors, FLOORS[column.name], None) if floors is not None else None
        folder = str(self.board.results.folder)
        return Noise(stat.std, stat.n, self.kind, folder, floor)


#: the noise floor (NoiseFloors field) of each headline value
FLOORS = {"fid": "fid", "precision": "precision", "verified": "verified", "claimed": "claimed"}


def _noise(key: tuple[Any, ...], column: Column, sources: list[_Source]) -> Noise | None:
    """The board's noise when it has several seeds, else the one over more seeds of yours and
    the noise board's (``sources`` in that order)."""
    found = [noise for source in sources if (noise := source.noise(key, column)) is not None]
    if found and found[0].source == FROM_BOARD:
        return found[0]
    return max(found, key=lambda noise: noise.n) if found else None


def _judge(pair: Pair, change: Change, sources: list[_Source]) -> Check:
    board, yours = change.a, change.b
    label = pair.row.label
    if pair.config_differences:
        settings = "; ".join(f"{k} {a!r} → {b!r}" for k, (a, b) in pair.config_differences.items())
        return Check(label, change.column, board, yours, None, NOT_COMPARABLE, settings)
    if yours is None:
        return Check(label, change.column, board, None, None, NOT_COMPARABLE, "not in yours")
    if not change.comparable:
        reason = "measured differently (extractor, N or split)"
        return Check(label, change.column, board, yours, None, NOT_COMPARABLE, reason)
    noise = _noise((pair.row.dataset, *pair.row.identity), change.column, sources)
    check = Check(label, change.column, board, yours, noise, NO_NOISE)
    if noise is not None:
        assert check.difference is not None and check.allowed is not None
        check.verdict = WITHIN if abs(check.difference) <= check.allowed else DIFFERS
    return check


def reproduce(
    results: Leaderboard, board: Leaderboard, noise_from: Leaderboard | None = None
) -> Reproduction:
    """Judge each headline value of each configuration of ``board`` that ``results`` has
    against the seed noise (module docstring); :class:`NoNoiseEstimate` when nothing can be
    judged."""
    folders = (
        str(board.results.folder),
        str(results.results.folder),
        str(noise_from.results.folder) if noise_from is not None else None,
    )
    columns = [get_column(name) for name in HEADLINE]
    sources = [_Source.of(board, FROM_BOARD), _Source.of(results, FROM_YOURS)]
    if noise_from is not None:
        sources.append(_Source.of(noise_from, FROM_OTHER))
    comparison = compare(board, results)
    checks: list[Check] = []
    missing: list[str] = []
    for pair in comparison.pairs:
        if pair.only_in == "b":
            continue
        if pair.only_in == "a":
            missing.append(pair.row.label)
            continue
        changes = {c.column.name: c for c in pair.changes}
        for column in columns:
            change = changes.get(column.name)
            if change is None or change.a is None:
                continue  # the board has no such value (the base has no gains)
            checks.append(_judge(pair, change, sources))
    if not checks:
        raise NoNoiseEstimate(
            f"{folders[1]} has no configuration of {folders[0]} (compare a run of the same "
            "matrix: rlgan-bench run --out DIR with the board's config)"
        )
    reproduction = Reproduction(folders[1], folders[0], folders[2], checks, missing)
    if not reproduction.judged:
        raise NoNoiseEstimate(
            f"no noise estimate: {folders[0]} and {folders[1]} have one seed per configuration"
            + (
                f" and {folders[2]} has none of their points with several seeds"
                if folders[2] is not None
                else "; give --noise-from DIR, a board with several seeds of the same points "
                "(leaderboards/digits-frontier for the default benchmark's DCGAN points), or "
                "run several seeds (--seeds 0,1,2)"
            )
        )
    return reproduction


def _format(column: Column, value: float | None, signed: bool = False) -> str:
    if value is None:
        return "–"
    text = column.format(abs(value) if signed else value)
    return (("+" if value >= 0 else "−") + text) if signed else text


def render_text(reproduction: Reproduction) -> str:
    """The checks as a Markdown table, the rule, and the one-line verdict last."""
    lines = [
        f"# rlgan-bench compare: {md_escape(reproduction.results)} against "
        f"{md_escape(reproduction.board)}",
        "",
        f"Rule: {RULE}.",
        "",
        "| configuration | metric | board | yours | difference | noise | allowed | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for check in reproduction.checks:
        column = check.column
        board = _format(column, check.board.mean if check.board else None)
        yours = _format(column, check.yours.mean if check.yours else None)
        if check.board and check.board.n > 1:
            board += f" ({check.board.n} seeds)"
        if check.yours and check.yours.n > 1:
            yours += f" ({check.yours.n} seeds)"
        allowed = check.allowed
        verdict = check.verdict + (f": {check.reason}" if check.reason else "")
        cells = [
            check.configuration,
            column.label,
            board,
            yours,
            _format(column, check.difference, signed=True),
            check.noise.describe() if check.noise else "–",
            "–" if allowed is None else "±" + column.format(allowed),
            verdict,
        ]
        cells = [md_escape(c) for c in cells]
        if check.verdict in (DIFFERS, NOT_COMPARABLE):
            cells[-1] = f"**{cells[-1]}**"
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    if reproduction.missing:
        lines.append(
            "Not in your results: " + ", ".join(md_escape(m) for m in reproduction.missing)
        )
        lines.append("")
    lines.append(reproduction.summary())
    return "\n".join(lines) + "\n"


__all__ = [
    "HEADLINE",
    "NOISE_MULTIPLE",
    "RULE",
    "Check",
    "NoNoiseEstimate",
    "Noise",
    "Reproduction",
    "render_text",
    "reproduce",
]
