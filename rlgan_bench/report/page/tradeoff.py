"""The reward-vs-FID plots of a from-scratch matrix in the HTML report (``tradeoff.html.j2``):
one per reward and way of measuring FID, its Pareto front, the rows without a reward as the
baseline levels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rlgan_bench.analysis.results import Leaderboard, Row
from rlgan_bench.report.page.parts import Figure
from rlgan_bench.report.ranking import pareto_front
from rlgan_bench.report.tradeoff_chart import ScatterPoint, tradeoff_chart


def _point_label(row: Row, backbone: str | None = None) -> str:
    """``dcgan backprop λ1``: the row's backbone (``backbone``: a shorter name of it), method
    and strength (a base-protocol row's by its name: ``reward-weighted β=0.3``)."""
    parts = [backbone or row.backbone_label]
    if row.mode:
        parts.append(row.mode)
    if row.protocol is not None and row.protocol.strength is not None:
        parts.append(row.strength_label)
    elif row.lam is not None:
        parts.append(f"λ{row.lam:g}")
    return " ".join(parts)


def _backbone_names(rows: Sequence[Row]) -> dict[str, str]:
    """Each backbone label of ``rows`` -> the backbone's bare name where that is the only
    setting of it among them (``wgan-gp`` for ``wgan-gp (betas=0.5,0.9, ...)``), else the
    label itself: the names a chart's labels need to tell its points apart."""
    settings: dict[str, set[str]] = {}
    for row in rows:
        settings.setdefault(row.backbone, set()).add(row.backbone_label)
    return {
        label: name if len(labels) == 1 else label
        for name, labels in settings.items()
        for label in labels
    }


def tradeoff_figures(board: Leaderboard) -> list[Figure] | None:
    """One reward-vs-FID plot per reward (each reward has its own scale) and way of measuring
    FID; the rows without a reward give the baseline FID levels. None when the leaderboard
    has no reward or no FID column."""
    if not {"fid", "reward"} <= {c.name for c in board.columns}:
        return None
    rows = [r for r in board.rows if "fid" in r.stats]
    groups: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        if "reward" in row.stats:
            groups.setdefault((row.keys["fid"], row.keys["reward"]), []).append(row)
    figures = []
    for (fid_key, _), members in groups.items():
        scores = [(r.stats["reward"], r.stats["fid"]) for r in members]
        front = pareto_front([(reward.mean, fid.mean) for reward, fid in scores])
        unrewarded = [r for r in rows if r.reward == "none" and r.keys["fid"] == fid_key]
        # on the chart a backbone is its bare name where the chart has one setting of it; the
        # settings are in the caption, the whole label in each point's tooltip
        names = _backbone_names([*members, *unrewarded])
        points = [
            ScatterPoint(
                _point_label(r, names[r.backbone_label]),
                reward.mean,
                fid.mean,
                reward.std,
                fid.std,
                on_front,
                tip=_point_label(r),
            )
            for r, (reward, fid), on_front in zip(members, scores, front, strict=True)
        ]
        baselines = [
            (f"{names[r.backbone_label]}, no reward", r.stats["fid"].mean) for r in unrewarded
        ]
        first = members[0]
        title = f"{first.reward_label} on {first.dataset}"
        chart = tradeoff_chart(points, baselines, title, f"{first.reward} reward ↑", "FID ↓")
        scope = first.scopes["fid"]
        shortened = sorted(label for label, name in names.items() if name != label)
        caption = (
            f"{first.reward_label}: {len(points)} "
            f"configuration{'s' if len(points) > 1 else ''}; FID by "
            f"{scope.get('extractor')}, N = {scope.get('n_generated')}."
            + "".join(f" {label.replace(' (', ': ', 1).rstrip(')')}." for label in shortened)
        )
        figures.append(Figure([chart], caption))
    return figures


__all__ = ["tradeoff_figures"]
