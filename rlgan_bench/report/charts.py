"""The report's SVG chart kit: round axis ticks, a plotting frame, line charts, the
reward-vs-FID trade-off scatter with its Pareto front, and the frontier of a base-protocol
matrix (verified gain against fidelity cost, one curve per method through its strengths).

Each chart is a pure function of its data returning inline SVG as :class:`markupsafe.Markup`
(a ``str``): every piece of text that comes in (titles, axis and series labels, point names) is
escaped where it is placed, so a template may insert the result as it is. Nothing here knows
about the page the charts go on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
FRONT_COLOR = "#d62728"
TEXT_COLOR = "#1d2330"
MUTED_COLOR = "#5f6b7a"


#: the charts' font size in px (style.css.j2: ``svg.plot { font: 11px ... }``)
FONT_SIZE = 11
#: a line of a wrapped title, in px
TITLE_LINE = 14
#: the width in em of each printable ASCII character in DejaVu Sans (the sans-serif of Linux
#: browsers; the other system fonts are narrower), rounded up to 0.01 em
_EM = {
    char: em
    for em, chars in (
        (0.28, "ijl'"), (0.30, "IJ"), (0.32, ",. "), (0.34, "/:;\\|"), (0.36, "f"),
        (0.37, "-"), (0.40, "t()[]"), (0.41, "!"), (0.42, "r"), (0.46, '"'), (0.50, "*_`"),
        (0.53, "sz"), (0.54, "?"), (0.55, "c"), (0.56, "L"), (0.58, "kF"), (0.60, "vxy"),
        (0.61, "P"), (0.62, "aeoTY"), (0.64, "0123456789bdghnpquES${}"), (0.66, "K"),
        (0.69, "ABVXZ"), (0.70, "CR"), (0.74, "U"), (0.75, "N"), (0.76, "H"), (0.77, "D"),
        (0.78, "G&"), (0.79, "OQ"), (0.82, "w"), (0.84, "#+<=>^~"), (0.87, "M"), (0.96, "%"),
        (0.98, "m"), (0.99, "W"), (1.00, "@"),
    )
    for char in chars
}  # fmt: skip
#: any other character (λ, β, arrows, ≤, ±: at most 0.84 em; … 1 em)
_OTHER_EM = 0.84
#: bold (the titles) is wider by at most this much on a label's mix of characters
BOLD = 1.15


def text_width(text: str, bold: bool = False, size: float = FONT_SIZE) -> float:
    """An estimate of the width in px of ``text`` in the charts' font that errs wide: each
    character's width in DejaVu Sans rounded up (:data:`_EM`), 0.84 em for any other (1 em
    for an ellipsis)."""
    em = sum(_EM.get(char, 1.0 if char == "…" else _OTHER_EM) for char in text)
    return em * size * (BOLD if bold else 1.0)


def wrap_text(text: str, width: float, bold: bool = False) -> list[str]:
    """``text`` in lines no wider than ``width`` (by :func:`text_width`), broken at spaces (a
    word wider than a line is broken inside)."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, bold) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while text_width(word, bold) > width and len(word) > 1:
            cut = max(1, len(fit_text(word, width, bold, ellipsis="")))
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    lines.append(line)
    return lines


def fit_text(text: str, width: float, bold: bool = False, ellipsis: str = "…") -> str:
    """``text``, or its longest start that fits ``width`` with ``ellipsis`` after it."""
    if text_width(text, bold) <= width:
        return text
    for end in range(len(text) - 1, 0, -1):
        start = text[:end].rstrip()
        if text_width(start + ellipsis, bold) <= width:
            return start + ellipsis
    return ""


def _label(text: str, width: float) -> Markup:
    """``text`` fitted to ``width``; when shortened, the whole text as its tooltip."""
    shown = fit_text(text, width)
    if shown == text:
        return Markup("{}").format(text)
    return Markup("{}<title>{}</title>").format(shown, text)


def title_space(title: str, width: float) -> float:
    """The height a chart of ``width`` adds above its content for a title of more than one
    line (:func:`svg` wraps it)."""
    return TITLE_LINE * (len(_title_lines(title, width)) - 1)


def _title_lines(title: str, width: float) -> list[str]:
    return wrap_text(title, width - 16, bold=True)


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
                self.left + self.width / 2, bottom + 30, TEXT_COLOR, _label(xlabel, self.width)
            )
        )
        cy = self.top + self.height / 2
        parts.append(
            Markup(
                '<text x="12" y="{cy:.1f}" transform="rotate(-90 12 {cy:.1f})" '
                'text-anchor="middle" fill="{color}">{label}</text>'
            ).format(cy=cy, color=TEXT_COLOR, label=_label(ylabel, self.height))
        )
        return parts


def svg(width: int, height: int, title: str, body: Sequence[Markup], css_class: str) -> Markup:
    """An ``<svg class="plot CSS_CLASS">`` of the given size around ``body``, with ``title``
    as its accessible name, tooltip and heading. A title wider than the chart is wrapped into
    lines (``<tspan>``), for which the caller leaves :func:`title_space` above its content
    (and in ``height``)."""
    lines = _title_lines(title, width)
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


def _dash(pattern: str) -> Markup:
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
        dash=_dash(pattern),
        tx=lx + 22,
        ty=ly,
        text=TEXT_COLOR,
        label=_label(label, width - 22),
    )


def legend_columns(labels: Sequence[str], width: float, most: int = 3) -> int:
    """How many columns a legend of ``labels`` across ``width`` px gets: the most (up to
    ``most``) in which every entry (its line and label) fits its column, else one."""
    widest = max((text_width(label) for label in labels), default=0.0) + 22 + 8
    return next((n for n in range(most, 1, -1) if widest <= width / n), 1)


@dataclass
class Series:
    label: str
    points: list[tuple[float, float]]
    color: str
    #: stroke-dasharray ("" for a solid line)
    dash: str = ""
    #: (x, low, high): a shaded band (mean ± std)
    band: list[tuple[float, float, float]] | None = None


def _polyline_points(frame: Frame, points: Sequence[tuple[float, float]]) -> str:
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
                    _label(text, width + 0.5),
                )
        return Markup("")


def line_chart(
    series: Sequence[Series],
    title: str,
    xlabel: str,
    ylabel: str,
    width: int = 420,
    height: int = 250,
) -> Markup:
    """Lines (one per series; a dot for a single point) over a shared x axis, each with its
    optional band, and a legend (one entry per label, color and dash) above the plot."""
    legend: list[tuple[str, str, str]] = []
    for item in series:
        entry = (item.label, item.color, item.dash)
        if entry not in legend:
            legend.append(entry)
    lift = title_space(title, width)
    height = int(height + lift)
    columns = legend_columns([label for label, _, _ in legend], width - 60)
    rows = max(1, math.ceil(len(legend) / columns))
    top = 24 + 15 * rows + lift
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points]
    ys += [v for s in series for _, lo, hi in (s.band or []) for v in (lo, hi)]
    frame = Frame(padded_span(xs, 0.0), padded_span(ys), 54, top, width - 66, height - top - 40)
    body = frame.axes(xlabel, ylabel)
    column = (width - 60) / columns
    for index, (label, color, pattern) in enumerate(legend):
        lx, ly = 56 + (index % columns) * column, 30 + lift + 15 * (index // columns)
        body.append(legend_entry(lx, ly, label, color, pattern, column - 6))
    for item in series:
        if item.band:
            upper = [(x, hi) for x, _, hi in item.band]
            lower = [(x, lo) for x, lo, _ in reversed(item.band)]
            body.append(
                Markup(
                    '<polygon class="band" points="{}" fill="{}" fill-opacity="0.15" '
                    'stroke="none"/>'
                ).format(_polyline_points(frame, upper + lower), item.color)
            )
        if len(item.points) == 1:
            ((x, y),) = item.points
            body.append(
                Markup('<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="{}"/>').format(
                    frame.x(x), frame.y(y), item.color
                )
            )
        elif item.points:
            body.append(
                Markup(
                    '<polyline class="series" points="{}" fill="none" stroke="{}" '
                    'stroke-width="1.8"{}><title>{}</title></polyline>'
                ).format(
                    _polyline_points(frame, item.points),
                    item.color,
                    _dash(item.dash),
                    item.label,
                )
            )
    if not any(item.points for item in series):
        body.append(
            Markup(
                '<text x="{:.1f}" y="{:.1f}" text-anchor="middle" fill="{}">nothing logged</text>'
            ).format(width / 2, top + frame.height / 2, MUTED_COLOR)
        )
    return svg(width, height, title, body, "curve")


@dataclass
class ScatterPoint:
    label: str
    x: float
    y: float
    x_std: float | None = None
    y_std: float | None = None
    #: no other point has both a higher x and a lower y (the caller decides)
    on_front: bool = False
    #: the point's name in its tooltip, when the label is a short form of it
    tip: str = ""


TRADEOFF_LEGEND = Markup(
    '<circle cx="66" cy="30" r="4.5" fill="{front}"/><text x="75" y="34" fill="{text}">Pareto '
    'front</text><circle cx="170" cy="30" r="4.5" fill="#fff" stroke="{muted}" '
    'stroke-width="1.5"/><text x="179" y="34" fill="{text}">dominated</text><line x1="262" '
    'y1="30" x2="282" y2="30" stroke="#7f7f7f" stroke-width="1.5" stroke-dasharray="5 3"/>'
    '<text x="287" y="34" fill="{text}">no reward</text>'
).format(front=FRONT_COLOR, text=TEXT_COLOR, muted=MUTED_COLOR)


def tradeoff_chart(
    points: Sequence[ScatterPoint],
    baselines: Sequence[tuple[str, float]],
    title: str,
    xlabel: str,
    ylabel: str,
    width: int = 560,
    height: int = 360,
) -> Markup:
    """A scatter of (reward, FID) with error bars, the points on the Pareto front filled and
    joined by a line in x order, and the no-reward baselines as labelled dashed levels."""
    xs = [v for p in points for v in (p.x - (p.x_std or 0), p.x + (p.x_std or 0))]
    ys = [v for p in points for v in (p.y - (p.y_std or 0), p.y + (p.y_std or 0))]
    ys += [value for _, value in baselines]
    lift = title_space(title, width)
    height = int(height + lift)
    top = 40 + lift
    frame = Frame(
        padded_span(xs, 0.12), padded_span(ys, 0.1), 60, top, width - 80, height - top - 44
    )
    body = frame.axes(xlabel, ylabel)
    body.append(
        Markup('<g transform="translate(0 {})">{}</g>').format(lift, TRADEOFF_LEGEND)
        if lift
        else TRADEOFF_LEGEND
    )
    body.append(
        Markup(
            '<text x="{}" y="{}" text-anchor="end" fill="#1a7f37">better: → and ↓</text>'
        ).format(width - 12, 34 + lift)
    )
    right = frame.left + frame.width
    # point and baseline labels stay inside the plot, off each other and off the markers
    labels = Labels((frame.left + 2, frame.top, right - 2, frame.top + frame.height))
    for point in points:
        labels.marker(frame.x(point.x), frame.y(point.y))
    for label, value in baselines:
        py = frame.y(value)
        body.append(
            Markup(
                '<line class="baseline" x1="{left:.1f}" y1="{py:.1f}" x2="{right:.1f}" '
                'y2="{py:.1f}" stroke="#7f7f7f" stroke-width="1.5" stroke-dasharray="5 3">'
                "<title>{label}: {value}</title></line>"
            ).format(left=frame.left, right=right, py=py, label=label, value=tick_label(value))
        )
        body.append(labels.place(right - 2, py, label, offset=4, fill=MUTED_COLOR))
    on_front = sorted((p for p in points if p.on_front), key=lambda p: p.x)
    if len(on_front) > 1:
        body.append(
            Markup(
                '<polyline class="pareto" points="{}" fill="none" stroke="{}" stroke-width="2" '
                'stroke-opacity="0.7"/>'
            ).format(_polyline_points(frame, [(p.x, p.y) for p in on_front]), FRONT_COLOR)
        )
    for point in points:
        body += _scatter_point(frame, point, xlabel, ylabel)
    # the front's labels first: where labels compete for room, they are the ones to read
    for point in sorted(points, key=lambda p: not p.on_front):
        body.append(labels.place(frame.x(point.x), frame.y(point.y), point.label, offset=7))
    return svg(width, height, title, body, "tradeoff")


def _scatter_point(frame: Frame, point: ScatterPoint, xlabel: str, ylabel: str) -> list[Markup]:
    """A point's error bars, its marker (filled on the front) with a tooltip, and its label."""
    parts = []
    px, py = frame.x(point.x), frame.y(point.y)
    error_bar = Markup('<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#9aa5b1"/>')
    if point.x_std:
        low, high = frame.x(point.x - point.x_std), frame.x(point.x + point.x_std)
        parts.append(error_bar.format(low, py, high, py))
    if point.y_std:
        low, high = frame.y(point.y - point.y_std), frame.y(point.y + point.y_std)
        parts.append(error_bar.format(px, low, px, high))
    style = (
        Markup('fill="{}" class="point front"').format(FRONT_COLOR)
        if point.on_front
        else Markup('fill="#ffffff" stroke="{}" stroke-width="1.5" class="point"').format(
            MUTED_COLOR
        )
    )
    tip = f"{point.tip or point.label}: {xlabel} {point.x:.4g}, {ylabel} {point.y:.4g}"
    parts.append(
        Markup(
            '<circle cx="{px:.1f}" cy="{py:.1f}" r="5" {style}><title>{tip}</title></circle>'
        ).format(px=px, py=py, style=style, tip=tip)
    )
    return parts


@dataclass
class FrontierMark:
    """One point of a frontier curve: its mean cost and gains, each with the half-width of
    its interval (None: one seed, no bar), a label and what its tooltip adds."""

    label: str
    x: float
    y: float
    x_half: float | None = None
    y_half: float | None = None
    #: the claimed gain at the same cost (drawn dashed); None: not measured
    claimed: float | None = None
    #: flagged by the calibrated gauge: drawn with a red ring, the flags in the tooltip
    flags: str = ""


@dataclass
class FrontierSeries:
    """One method's curve: its points in strength order (the base, the origin, comes first)."""

    label: str
    color: str
    marks: list[FrontierMark]


def frontier_chart(
    series: Sequence[FrontierSeries],
    title: str,
    xlabel: str,
    ylabel: str,
    controls: Sequence[FrontierMark] = (),
    budget: float | None = None,
    width: int = 560,
    height: int = 380,
) -> Markup:
    """Verified gain (y) against a cost (x): per series a solid polyline from the base at the
    origin through its points, error bars of both intervals, and its claimed gain as a
    dashed line of the same colour; flagged points ringed in red. ``controls``: points
    without a reward (the control), drawn as a diamond, or as a dashed vertical line at
    their cost when their gain is not measured (``y`` NaN). ``budget``: the cost up to which
    methods are ranked, a labelled vertical line."""
    legend = [(item.label, item.color, "") for item in series]
    legend += [("claimed gain", MUTED_COLOR, "5 3")]
    lift = title_space(title, width)
    height = int(height + lift)
    columns = legend_columns([label for label, _, _ in legend], width - 66)
    rows = max(1, math.ceil(len(legend) / columns))
    top = 24 + 15 * rows + lift
    xs, ys = [0.0], [0.0]
    if budget is not None and math.isfinite(budget):
        xs.append(budget)
    for item in series:
        for mark in item.marks:
            xs += [mark.x - (mark.x_half or 0), mark.x + (mark.x_half or 0)]
            ys += [mark.y - (mark.y_half or 0), mark.y + (mark.y_half or 0)]
            if mark.claimed is not None:
                ys.append(mark.claimed)
    for control in controls:
        xs.append(control.x)
        if math.isfinite(control.y):
            ys.append(control.y)
    frame = Frame(
        padded_span(xs, 0.08), padded_span(ys, 0.1), 60, top, width - 80, height - top - 44
    )
    body = frame.axes(xlabel, ylabel)
    column = (width - 66) / columns
    for index, (label, color, pattern) in enumerate(legend):
        lx = 62 + (index % columns) * column
        ly = 30 + lift + 15 * (index // columns)
        body.append(legend_entry(lx, ly, label, color, pattern, column - 6))
    labels = Labels(
        (frame.left + 2, frame.top, frame.left + frame.width - 2, frame.top + frame.height)
    )
    ox, oy = frame.x(0.0), frame.y(0.0)
    labels.block((ox - 4.5, oy - 4.5, ox + 4.5, oy + 4.5))
    for item in series:
        for mark in item.marks:
            labels.marker(frame.x(mark.x), frame.y(mark.y), 4.5)
    for value, horizontal in ((0.0, True), (0.0, False)):
        inside = frame.y_range if horizontal else frame.x_range
        if not inside[0] <= value <= inside[1]:
            continue
        if horizontal:
            ends = (frame.left, frame.y(value), frame.left + frame.width, frame.y(value))
        else:
            ends = (frame.x(value), frame.top, frame.x(value), frame.top + frame.height)
        body.append(
            Markup(
                '<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#c3cad3"/>'
            ).format(*ends)
        )
    bottom = frame.top + frame.height
    if budget is not None and math.isfinite(budget):
        px = frame.x(budget)
        body.append(
            Markup(
                '<line class="budget" x1="{px:.1f}" y1="{top:.1f}" x2="{px:.1f}" '
                'y2="{bottom:.1f}" stroke="{color}" stroke-width="1.2" stroke-dasharray="6 3" '
                'stroke-opacity="0.6"><title>budget: {xlabel} {value}</title></line>'
                '<text x="{tx:.1f}" y="{ty:.1f}" text-anchor="end" fill="{color}">budget</text>'
            ).format(
                px=px,
                top=frame.top,
                bottom=bottom,
                color=FRONT_COLOR,
                xlabel=xlabel,
                value=tick_label(budget),
                tx=px - 4,
                ty=bottom - 6,
            )
        )
        labels.block((px - 4 - text_width("budget"), bottom - 15, px - 4, bottom - 3))
    for control in controls:
        tip = f"{control.label}: {xlabel} {control.x:.4g}"
        if math.isfinite(control.y):
            px, py = frame.x(control.x), frame.y(control.y)
            body.append(
                Markup(
                    '<polygon class="control" points="{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} '
                    '{:.1f},{:.1f}" fill="{}"><title>{}, {} {:.4g}</title></polygon>'
                ).format(
                    px,
                    py - 6,
                    px + 6,
                    py,
                    px,
                    py + 6,
                    px - 6,
                    py,
                    MUTED_COLOR,
                    tip,
                    ylabel,
                    control.y,
                )
            )
            continue
        px = frame.x(control.x)
        body.append(
            Markup(
                '<line class="control" x1="{px:.1f}" y1="{top:.1f}" x2="{px:.1f}" '
                'y2="{bottom:.1f}" stroke="{muted}" stroke-width="1.5" stroke-dasharray="2 3">'
                "<title>{tip} (no reward: no gain)</title></line>"
            ).format(px=px, top=frame.top, bottom=bottom, muted=MUTED_COLOR, tip=tip)
        )
        body.append(labels.place(px, frame.top + 14, control.label, 4, MUTED_COLOR))
    bar = Markup(
        '<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="{}" stroke-opacity="0.55"/>'
    )
    for item in series:
        path = [(0.0, 0.0)] + [(m.x, m.y) for m in item.marks]
        body.append(
            Markup(
                '<polyline class="frontier" points="{}" fill="none" stroke="{}" '
                'stroke-width="2"><title>{}</title></polyline>'
            ).format(_polyline_points(frame, path), item.color, item.label)
        )
        claimed = [(0.0, 0.0)] + [(m.x, m.claimed) for m in item.marks if m.claimed is not None]
        if len(claimed) > 1:
            body.append(
                Markup(
                    '<polyline class="claimed" points="{}" fill="none" stroke="{}" '
                    'stroke-width="1.5" stroke-dasharray="5 3"><title>{}: claimed gain</title>'
                    "</polyline>"
                ).format(_polyline_points(frame, claimed), item.color, item.label)
            )
        for mark in item.marks:
            px, py = frame.x(mark.x), frame.y(mark.y)
            if mark.x_half:
                low, high = frame.x(mark.x - mark.x_half), frame.x(mark.x + mark.x_half)
                body.append(bar.format(low, py, high, py, item.color))
            if mark.y_half:
                low, high = frame.y(mark.y - mark.y_half), frame.y(mark.y + mark.y_half)
                body.append(bar.format(px, low, px, high, item.color))
            tip = f"{item.label} {mark.label}: {xlabel} {mark.x:.4g}, {ylabel} {mark.y:.4g}"
            if mark.claimed is not None:
                tip += f", claimed {mark.claimed:.4g}"
            if mark.flags:
                tip += f"; {mark.flags}"
            ring = (
                Markup(' stroke="{}" stroke-width="2.5"').format(FRONT_COLOR)
                if mark.flags
                else Markup(' stroke="#ffffff" stroke-width="1"')
            )
            body.append(
                Markup(
                    '<circle class="{css}" cx="{px:.1f}" cy="{py:.1f}" r="4.5" fill="{color}"'
                    "{ring}><title>{tip}</title></circle>"
                ).format(
                    css="point flagged" if mark.flags else "point",
                    px=px,
                    py=py,
                    color=item.color,
                    ring=ring,
                    tip=tip,
                )
            )
    body.append(
        Markup(
            '<rect class="base" x="{:.1f}" y="{:.1f}" width="9" height="9" fill="{}">'
            "<title>base: {} 0, {} 0</title></rect>"
        ).format(ox - 4.5, oy - 4.5, TEXT_COLOR, xlabel, ylabel)
    )
    body.append(labels.place(ox, oy, "base", 7, below=True))
    for item in series:
        for mark in item.marks:
            body.append(labels.place(frame.x(mark.x), frame.y(mark.y), mark.label))
    if not any(item.marks for item in series):
        body.append(
            Markup(
                '<text x="{:.1f}" y="{:.1f}" text-anchor="middle" fill="{}">no point</text>'
            ).format(width / 2, top + frame.height / 2, MUTED_COLOR)
        )
    return svg(width, height, title, body, "frontier")


__all__ = [
    "FRONT_COLOR",
    "PALETTE",
    "Frame",
    "FrontierMark",
    "FrontierSeries",
    "ScatterPoint",
    "Series",
    "frontier_chart",
    "line_chart",
    "nice_ticks",
    "padded_span",
    "svg",
    "tick_label",
    "tradeoff_chart",
]
