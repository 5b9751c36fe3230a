"""The pieces every SVG chart of the report is built of: the colours, round axis ticks, a
plotting frame with its axes, the ``<svg>`` around a chart with its (wrapped) title, legend
entries, and labels placed next to their points without overlapping.

Each piece returns inline SVG as :class:`markupsafe.Markup` (a ``str``): every piece of text
that comes in (titles, axis and series labels, point names) is escaped where it is placed, so a
template may insert a chart as it is. Nothing here knows about the page the charts go on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from rlgan_bench.report.chart_text import (
    FONT_SIZE,
    TITLE_LINE,
    fit_text,
    fitted_label,
    text_width,
    title_lines,
)

PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
FRONT_COLOR = "#d62728"
TEXT_COLOR = "#1d2330"
MUTED_COLOR = "#5f6b7a"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values (steps of 1, 2, 2.5 or 5 times a power of ten)
    covering [low, high]; just ``[low]`` for an empty or non-finite range."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = start
    while value <= high + step * 1e-6:
        # repeated addition leaves 1e-17 where zero is meant
        ticks.append(0.0 if abs(value) < step * 1e-9 else value)
        value += step
    return ticks


def padded_span(values: Sequence[float], pad: float = 0.06) -> tuple[float, float]:
    """The range of the finite ``values`` widened by ``pad`` of its width on each side; a
    single value gets a range around it, no value at all (0, 1)."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    low, high = min(finite), max(finite)
    if high - low < 1e-12:
        width = abs(high) * 0.1 or 1.0
        return low - width, high + width
    margin = (high - low) * pad
    return low - margin, high + margin


def tick_label(value: float) -> str:
    """``0.25``, ``12``, ``5000``, ``20k``, ``1.5M``: large counts (a compute axis) with a
    suffix rather than in exponent notation."""
    for size, suffix in ((1e6, "M"), (1e4, "k")):
        if abs(value) >= size:
            return f"{value / (size if suffix == 'M' else 1e3):.4g}{suffix}"
    return f"{value:.4g}"


@dataclass
class Frame:
    """A plotting area: data ranges mapped onto a pixel box inside an SVG (y grows upwards)."""

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    left: float
    top: float
    width: float
    height: float

    def x(self, value: float) -> float:
        low, high = self.x_range
        return self.left + (value - low) / (high - low) * self.width

    def y(self, value: float) -> float:
        low, high = self.y_range
        return self.top + self.height - (value - low) / (high - low) * self.height

    def axes(self, xlabel: str, ylabel: str) -> list[Markup]:
        """The box, a grid line and label per tick inside the ranges, and the axis labels."""
        parts = [
            Markup(
                '<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="#fbfcfd" '
                'stroke="#9aa5b1"/>'
            ).format(self.left, self.top, self.width, self.height)
        ]
        bottom = self.top + self.height
        for tick in nice_ticks(*self.x_range):
            if not self.x_range[0] <= tick <= self.x_range[1]:
                continue
            px = self.x(tick)
            parts.append(
                Markup(
                    '<line x1="{px:.1f}" y1="{top:.1f}" x2="{px:.1f}" y2="{bottom:.1f}" '
                    'stroke="#e6eaef"/><text x="{px:.1f}" y="{below:.1f}" '
                    'text-anchor="middle" fill="{muted}">{label}</text>'
                ).format(
                    px=px,
                    top=self.top,
                    bottom=bottom,
                    below=bottom + 14,
                    muted=MUTED_COLOR,
                    label=tick_label(tick),
                )
            )
        for tick in nice_ticks(*self.y_range):
            if not self.y_range[0] <= tick <= self.y_range[1]:
                continue
            py = self.y(tick)
            parts.append(
                Markup(
                    '<line x1="{left:.1f}" y1="{py:.1f}" x2="{right:.1f}" y2="{py:.1f}" '
                    'stroke="#e6eaef"/><text x="{label_x:.1f}" y="{label_y:.1f}" '
                    'text-anchor="end" fill="{muted}">{label}</text>'
                ).format(
                    left=self.left,
                    right=self.left + self.width,
                    py=py,
                    label_x=self.left - 5,
                    label_y=py + 3.5,
                    muted=MUTED_COLOR,
                    label=tick_label(tick),
                )
            )
        parts.append(
            Markup('<text x="{:.1f}" y="{:.1f}" text-anchor="middle" fill="{}">{}</text>').format(
                self.left + self.width / 2,
                bottom + 30,
                TEXT_COLOR,
                fitted_label(xlabel, self.width),
            )
        )
        cy = self.top + self.height / 2
        parts.append(
            Markup(
                '<text x="12" y="{cy:.1f}" transform="rotate(-90 12 {cy:.1f})" '
                'text-anchor="middle" fill="{color}">{label}</text>'
            ).format(cy=cy, color=TEXT_COLOR, label=fitted_label(ylabel, self.height))
        )
        return parts


def svg(width: int, height: int, title: str, body: Sequence[Markup], css_class: str) -> Markup:
    """An ``<svg class="plot CSS_CLASS">`` of the given size around ``body``, with ``title``
    as its accessible name, tooltip and heading. A title wider than the chart is wrapped into
    lines (``<tspan>``), for which the caller leaves :func:`title_space` above its content
    (and in ``height``)."""
    lines = title_lines(title, width)
    middle = width / 2
    heading: Markup = Markup("{}").format(title)
    if len(lines) > 1:
        heading = Markup("").join(
            Markup('<tspan x="{:.1f}" dy="{}">{}</tspan>').format(
                middle, 0 if index == 0 else TITLE_LINE, line
            )
            for index, line in enumerate(lines)
        )
    return Markup(
        '<svg class="plot {css}" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
        'aria-label="{title}"><title>{title}</title><text x="{middle:.1f}" y="15" '
        'text-anchor="middle" font-weight="600" fill="{color}">{heading}</text>{body}</svg>'
    ).format(
        css=css_class,
        w=width,
        h=height,
        title=title,
        middle=middle,
        color=TEXT_COLOR,
        heading=heading,
        body=Markup("").join(body),
    )


def empty_note(frame: Frame, width: float, top: float, text: str) -> Markup:
    """A muted line of text in the middle of a chart that has nothing to draw."""
    return Markup('<text x="{:.1f}" y="{:.1f}" text-anchor="middle" fill="{}">{}</text>').format(
        width / 2, top + frame.height / 2, MUTED_COLOR, text
    )


def dash_attribute(pattern: str) -> Markup:
    """The ``stroke-dasharray`` attribute of a dash ``pattern`` (nothing for a solid line)."""
    return Markup(' stroke-dasharray="{}"').format(pattern) if pattern else Markup("")


def legend_entry(
    lx: float, ly: float, label: str, color: str, pattern: str = "", width: float = math.inf
) -> Markup:
    """A legend item at (lx, ly) at most ``width`` wide: a short line in the series' colour
    and dash, its label (shortened to fit, the whole label as its tooltip)."""
    return Markup(
        '<line x1="{lx:.1f}" y1="{ly:.1f}" x2="{end:.1f}" y2="{ly:.1f}" stroke="{color}" '
        'stroke-width="2"{dash}/><text x="{tx:.1f}" y="{ty:.1f}" fill="{text}">{label}'
        "</text>"
    ).format(
        lx=lx,
        ly=ly - 4,
        end=lx + 18,
        color=color,
        dash=dash_attribute(pattern),
        tx=lx + 22,
        ty=ly,
        text=TEXT_COLOR,
        label=fitted_label(label, width - 22),
    )


def legend_columns(labels: Sequence[str], width: float, most: int = 3) -> int:
    """How many columns a legend of ``labels`` across ``width`` px gets: the most (up to
    ``most``) in which every entry (its line and label) fits its column, else one."""
    widest = max((text_width(label) for label in labels), default=0.0) + 22 + 8
    return next((n for n in range(most, 1, -1) if widest <= width / n), 1)


def polyline_points(frame: Frame, points: Sequence[tuple[float, float]]) -> str:
    """The ``points`` attribute of a polyline through data ``points`` in ``frame``."""
    return " ".join(f"{frame.x(x):.1f},{frame.y(y):.1f}" for x, y in points)


Box = tuple[float, float, float, float]  # left, top, right, bottom


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class Labels:
    """Text labels placed next to their points inside ``bounds``, none over another label or
    over a marker: each goes above right of its point, else above left, below right, below
    left, whole where it fits, shortened (the whole label as its tooltip) where only a start
    fits; a label with no free place is left out (its point's tooltip names it)."""

    def __init__(self, bounds: Box) -> None:
        self.bounds = bounds
        self.taken: list[Box] = []

    def block(self, box: Box) -> None:
        """Keep labels off ``box`` (a marker, a fixed text)."""
        self.taken.append(box)

    def marker(self, px: float, py: float, radius: float = 5.0) -> None:
        self.block((px - radius, py - radius, px + radius, py + radius))

    def place(
        self,
        px: float,
        py: float,
        text: str,
        offset: float = 6.0,
        fill: str = TEXT_COLOR,
        below: bool = False,
    ) -> Markup:
        """The ``<text>`` of ``text`` next to (px, py) (``below``: tried below first), or
        nothing when it has no free place."""
        left, top, right, bottom = self.bounds
        places = [("start", -1), ("end", -1), ("start", 1), ("end", 1)]
        if below:
            places = places[2:] + places[:2]
        for whole in (True, False):
            for anchor, side in places:
                tx = px + offset if anchor == "start" else px - offset
                room = right - tx if anchor == "start" else tx - left
                shown = text if whole else fit_text(text, room)
                if not shown or text_width(shown) > room:
                    continue
                ty = py - offset if side < 0 else py + offset + FONT_SIZE - 2
                width = text_width(shown)
                x0 = tx if anchor == "start" else tx - width
                box = (x0, ty - FONT_SIZE + 2, x0 + width, ty + 3)
                if box[1] < top or box[3] > bottom:
                    continue
                if any(_overlaps(box, other) for other in self.taken):
                    continue
                self.taken.append(box)
                # a halo in the plot's colour keeps it readable over the lines it crosses
                return Markup(
                    '<text class="label" x="{:.1f}" y="{:.1f}"{} fill="{}" stroke="#fbfcfd" '
                    'stroke-width="3" stroke-linejoin="round" paint-order="stroke">{}</text>'
                ).format(
                    tx,
                    ty,
                    Markup(' text-anchor="end"') if anchor == "end" else Markup(""),
                    fill,
                    fitted_label(text, width + 0.5),
                )
        return Markup("")


__all__ = [
    "FRONT_COLOR",
    "MUTED_COLOR",
    "empty_note",
    "PALETTE",
    "TEXT_COLOR",
    "Box",
    "Frame",
    "Labels",
    "dash_attribute",
    "legend_columns",
    "legend_entry",
    "nice_ticks",
    "padded_span",
    "polyline_points",
    "svg",
    "tick_label",
]
