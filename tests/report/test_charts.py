"""The SVG chart kit on its own: round ticks, the frame's mapping and axes, line charts, the
trade-off scatter and its Pareto front on hand-made points, and escaping of every label.

Each chart is parsed as XML, so a test fails on markup that is not well formed as well as on a
misplaced tick or point."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest
from jinja2 import Environment
from markupsafe import Markup

from rlgan_bench.report.chart_kit import (
    FRONT_COLOR,
    PALETTE,
    Frame,
    nice_ticks,
    padded_span,
    tick_label,
)
from rlgan_bench.report.chart_text import FONT_SIZE, TITLE_LINE, fit_text, text_width, wrap_text
from rlgan_bench.report.frontier_chart import FrontierMark, FrontierSeries, frontier_chart
from rlgan_bench.report.line_chart import Series, line_chart
from rlgan_bench.report.ranking import pareto_front
from rlgan_bench.report.tradeoff_chart import ScatterPoint, tradeoff_chart

EVIL = "<script>alert('x')</script> & \"quoted\""
NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)  # 10: a step of 1 seen from below


def parse(svg: str) -> ET.Element:
    assert isinstance(svg, Markup)
    return ET.fromstring(svg)


def floats(text: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in text.split())]


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.0, 1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0.0, 100.0, [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]),
        (3.0, 7.5, [3.0, 4.0, 5.0, 6.0, 7.0]),
        (-0.3, 0.3, [-0.2, 0.0, 0.2]),
        (0.0, 12.5, [0.0, 2.5, 5.0, 7.5, 10.0, 12.5]),
    ],
)
def test_nice_ticks_on_hand_computed_ranges(low, high, expected):
    assert nice_ticks(low, high) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("low", "high"),
    [(0.0, 1.0), (-3.7, 12.2), (1e-9, 3e-9), (0.0, 1e12), (-250.0, -249.5), (214.28, 214.29)],
)
def test_nice_ticks_are_round_evenly_spaced_and_inside_the_range(low, high):
    ticks = nice_ticks(low, high)
    assert 2 <= len(ticks) <= 11
    step = ticks[1] - ticks[0]
    assert all(b - a == pytest.approx(step) for a, b in zip(ticks, ticks[1:]))
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(mantissa == pytest.approx(m) for m in NICE_STEPS)
    assert all(low - step * 1e-6 <= t <= high + step * 1e-6 for t in ticks)
    # no room for another tick at either end
    assert ticks[0] - step < low and ticks[-1] + step > high + step * 1e-6


def test_nice_ticks_put_an_exact_zero_where_the_range_crosses_it():
    ticks = nice_ticks(-0.7, 0.9)
    assert 0.0 in ticks and all(t == 0.0 or abs(t) > 1e-6 for t in ticks)


@pytest.mark.parametrize(
    ("low", "high"), [(5.0, 5.0), (5.0, 1.0), (0.0, math.inf), (-math.inf, 0.0)]
)
def test_nice_ticks_of_a_degenerate_range_is_its_low_end(low, high):
    assert nice_ticks(low, high) == [low]


def test_nice_ticks_of_nan_is_nan():
    (tick,) = nice_ticks(math.nan, 1.0)
    assert math.isnan(tick)


def test_padded_span():
    assert padded_span([]) == (0.0, 1.0)
    assert padded_span([math.nan, math.inf]) == (0.0, 1.0)
    assert padded_span([5.0]) == pytest.approx((4.5, 5.5))
    assert padded_span([0.0, 0.0]) == (-1.0, 1.0)
    assert padded_span([0.0, 10.0, math.nan], pad=0.1) == pytest.approx((-1.0, 11.0))
    assert padded_span([2.0, 4.0], pad=0.0) == (2.0, 4.0)


def test_frame_maps_the_ranges_onto_its_box_with_y_upwards():
    frame = Frame((0.0, 10.0), (0.0, 100.0), left=50, top=20, width=200, height=100)
    assert (frame.x(0), frame.x(10), frame.x(5)) == (50, 250, 150)
    assert (frame.y(0), frame.y(100), frame.y(25)) == (120, 20, 95)


def test_axes_place_a_label_at_each_tick_inside_the_ranges():
    frame = Frame((0.5, 9.5), (-1.0, 3.0), left=60, top=40, width=300, height=200)
    svg = Markup("<svg>{}</svg>").format(Markup("").join(frame.axes("steps", "loss")))
    root = parse(svg)
    texts = root.findall("text")
    x_ticks = [t for t in texts if t.get("text-anchor") == "middle" and t.get("transform") is None]
    y_ticks = [t for t in texts if t.get("text-anchor") == "end"]
    expected_x = [t for t in nice_ticks(0.5, 9.5) if 0.5 <= t <= 9.5]
    assert [t.text for t in x_ticks[:-1]] == [tick_label(t) for t in expected_x]
    for text, value in zip(x_ticks, expected_x):
        assert float(text.get("x")) == pytest.approx(frame.x(value), abs=0.05)
        assert float(text.get("y")) == pytest.approx(40 + 200 + 14)
    assert [t.text for t in y_ticks] == [tick_label(t) for t in nice_ticks(-1.0, 3.0)]
    for text, value in zip(y_ticks, nice_ticks(-1.0, 3.0)):
        assert float(text.get("x")) == pytest.approx(55)
        assert float(text.get("y")) == pytest.approx(frame.y(value) + 3.5, abs=0.05)
    # one grid line per tick, the axis labels below and rotated on the left
    assert len(root.findall("line")) == len(expected_x) + len(y_ticks)
    assert x_ticks[-1].text == "steps"
    (ylabel,) = [t for t in texts if t.get("transform")]
    assert ylabel.text == "loss" and ylabel.get("transform").startswith("rotate(-90")


def test_line_chart_draws_each_series_and_one_legend_entry_per_style():
    seeds = [
        Series("D loss", [(0, 1.0), (1, 0.5), (2, 0.25)], "#1f77b4"),
        Series("D loss", [(0, 1.2), (1, 0.7), (2, 0.3)], "#1f77b4"),  # same style: one entry
        Series("G loss", [(0, 2.0), (2, 1.0)], "#ff7f0e", "5 3"),
        Series("reward", [(1, 0.4)], "#2ca02c", band=[(1, 0.3, 0.5)]),
    ]
    root = parse(line_chart(seeds, "losses", "step", "loss"))
    assert root.get("class") == "plot curve" and root.findtext("title") == "losses"
    lines = root.findall("polyline")
    assert [p.findtext("title") for p in lines] == ["D loss", "D loss", "G loss"]
    assert lines[2].get("stroke-dasharray") == "5 3" and lines[0].get("stroke-dasharray") is None
    legend = [t.text for t in root.findall("text") if t.get("text-anchor") is None]
    assert legend == ["D loss", "G loss", "reward"]
    (dot,) = root.findall("circle")  # a series of one point is a dot
    (band,) = root.findall("polygon")
    assert len(band.get("points").split()) == 2
    box = root.find("rect")
    left, top = float(box.get("x")), float(box.get("y"))
    right, bottom = left + float(box.get("width")), top + float(box.get("height"))
    for line in lines:
        xs, ys = zip(*floats(line.get("points")))
        assert min(xs) == pytest.approx(left, abs=0.05) and max(xs) <= right + 0.05
        assert all(top <= y <= bottom for y in ys)
    # the first series falls: its y pixels grow
    ys = [y for _, y in floats(lines[0].get("points"))]
    assert ys == sorted(ys) and float(dot.get("cy")) < bottom


def test_line_chart_without_points_says_so():
    root = parse(line_chart([Series("reward", [], "#2ca02c")], "reward", "step", "reward"))
    assert "nothing logged" in [t.text for t in root.findall("text")]
    assert root.findall("polyline") == []


def test_tradeoff_chart_draws_the_pareto_front_of_hand_made_points():
    scores = [(1.0, 10.0), (2.0, 12.0), (1.5, 15.0), (0.5, 9.0), (2.0, 13.0)]
    front = pareto_front(scores)
    assert front == [True, True, False, True, False]
    points = [
        ScatterPoint(f"p{i}", x, y, 0.1, 0.5, on_front)
        for i, ((x, y), on_front) in enumerate(zip(scores, front, strict=True))
    ]
    root = parse(tradeoff_chart(points, [("no reward", 11.0)], "classifier", "reward ↑", "FID ↓"))
    circles = [c for c in root.findall("circle") if "point" in (c.get("class") or "")]
    assert [c.get("class") for c in circles] == ["point front" if f else "point" for f in front]
    assert all(c.get("fill") == FRONT_COLOR for c in circles if c.get("class") == "point front")
    assert circles[0].findtext("title") == "p0: reward ↑ 1, FID ↓ 10"
    # the front's line joins its points in x order
    (pareto,) = [p for p in root.findall("polyline") if p.get("class") == "pareto"]
    on_front = sorted(
        (float(c.get("cx")), float(c.get("cy"))) for c in circles if c.get("class") == "point front"
    )
    assert floats(pareto.get("points")) == on_front  # both drawn at 0.1 px
    # a higher reward is further right, a higher FID further up (better: → and ↓)
    by_label = {c.findtext("title").split(":")[0]: c for c in circles}
    assert float(by_label["p1"].get("cx")) > float(by_label["p0"].get("cx"))
    assert float(by_label["p2"].get("cy")) < float(by_label["p0"].get("cy"))
    # error bars: one per axis per point
    bars = [line for line in root.findall("line") if line.get("stroke") == "#9aa5b1"]
    assert len(bars) == 2 * len(points)
    (baseline,) = [line for line in root.findall("line") if line.get("class") == "baseline"]
    assert baseline.findtext("title") == "no reward: 11"
    y_fid_11 = float(baseline.get("y1"))
    assert float(by_label["p0"].get("cy")) > y_fid_11 > float(by_label["p1"].get("cy"))


def test_tradeoff_chart_with_one_point_on_the_front_draws_no_line():
    root = parse(tradeoff_chart([ScatterPoint("only", 1.0, 5.0, on_front=True)], [], "t", "x", "y"))
    assert [p.get("class") for p in root.findall("polyline")] == []
    assert [c.get("class") for c in root.findall("circle")][-1] == "point front"


def test_every_label_is_escaped_and_reads_back_unchanged():
    series = [Series(EVIL, [(0, 1.0), (1, 2.0)], "#1f77b4")]
    points = [ScatterPoint(EVIL, 1.0, 2.0, on_front=True), ScatterPoint("b", 0.5, 3.0)]
    charts = [
        line_chart(series, EVIL, EVIL, EVIL),
        tradeoff_chart(points, [(EVIL, 2.5)], EVIL, EVIL, EVIL),
    ]
    for chart in charts:
        assert "<script" not in chart and "&lt;script&gt;" in chart
        root = parse(chart)
        assert root.get("aria-label") == EVIL and root.findtext("title") == EVIL
        # a label shortened to fit has the whole of it as its tooltip
        texts = [t.findtext("title") or t.text for t in root.iter("text")]
        assert texts.count(EVIL) >= 4  # the heading, both axis labels, the legend or a point
    # a chart goes into an autoescaping template as it is, not escaped a second time
    page = Environment(autoescape=True).from_string("<div>{{ chart }}</div>")
    rendered = page.render(chart=charts[0])
    assert rendered == f"<div>{charts[0]}</div>" and "&amp;lt;" not in rendered


# --- long labels: wrapped or shortened, inside the chart, never over each other -------------

WGAN_GP = "wgan-gp (betas=0.5,0.9, critic_steps=2, lr=0.0002)"
LONG_TITLE = f"{WGAN_GP} · classifier (target=7) on digits: verified gain vs FID cost"


def node_boxes(node: ET.Element) -> list[tuple[str, float, float, float]]:
    """(text, left, right, baseline y) of each line of a ``<text>``, its width estimated as
    the charts estimate it (text_width; the heading is bold)."""
    bold = node.get("font-weight") == "600"
    lines = [(t.text or "", t.get("x")) for t in node.findall("tspan")] or [
        (node.text or "", node.get("x"))
    ]
    boxes = []
    for text, x in lines:
        width = text_width(text, bold)
        anchor = node.get("text-anchor") or "start"
        left = {"middle": float(x) - width / 2, "end": float(x) - width}.get(anchor, float(x))
        boxes.append((text, left, left + width, float(node.get("y"))))
    return boxes


def text_boxes(root: ET.Element) -> list[tuple[str, float, float, float]]:
    """Every line of text but the y axis label (rotated: checked against the height)."""
    return [b for n in root.iter("text") if not n.get("transform") for b in node_boxes(n)]


def assert_inside(root: ET.Element) -> None:
    width, height = float(root.get("width")), float(root.get("height"))
    for text, left, right, y in text_boxes(root):
        assert left >= 0 and right <= width, (text, left, right, width)
        assert 0 < y <= height, (text, y)
    for node in root.iter("text"):
        if node.get("transform"):
            assert text_width(node.text or "") <= height


def test_text_width_wrap_and_fit():
    assert text_width("mmm") > text_width("iii") > 0
    assert text_width("ab", bold=True) > text_width("ab")
    assert text_width("λ=0.3") > text_width("l=0.3")
    lines = wrap_text(LONG_TITLE, 300, bold=True)
    assert len(lines) > 1 and " ".join(lines) == LONG_TITLE
    assert all(text_width(line, bold=True) <= 300 for line in lines)
    assert wrap_text("x" * 80, 100) == ["x" * len(line) for line in wrap_text("x" * 80, 100)]
    assert "".join(wrap_text("x" * 80, 100)) == "x" * 80
    short = fit_text(WGAN_GP, 100)
    assert short.endswith("…") and WGAN_GP.startswith(short[:-1]) and text_width(short) <= 100
    assert fit_text("dcgan", 100) == "dcgan"


def test_a_long_title_is_wrapped_inside_the_chart_with_the_whole_of_it_as_its_tooltip():
    marks = [FrontierMark("λ=0.3", -1.1, 0.12, 0.4, 0.05, 0.05), FrontierMark("λ=1", -0.5, 0.26)]
    series = [
        FrontierSeries("backprop", PALETTE[0], marks),
        FrontierSeries("reward-weighted (uses R on real data)", PALETTE[2], marks[:1]),
    ]
    chart = frontier_chart(series, LONG_TITLE, "FID cost (vs base) →", "verified gain ↑")
    root = parse(chart)
    assert root.findtext("title") == LONG_TITLE == root.get("aria-label")
    heading = next(t for t in root.iter("text") if t.get("font-weight") == "600")
    lines = [t.text for t in heading.findall("tspan")]
    assert len(lines) == 2 and " ".join(lines) == LONG_TITLE
    assert_inside(root)
    # the plot moved down by the second line, and the chart grew by as much
    assert float(root.get("height")) == 380 + TITLE_LINE
    box = root.find("rect")
    short = parse(frontier_chart(series, "short", "FID cost (vs base) →", "verified gain ↑"))
    assert float(box.get("y")) == float(short.find("rect").get("y")) + TITLE_LINE


def test_long_point_legend_and_baseline_labels_stay_inside_and_apart():
    points = [
        ScatterPoint(f"{WGAN_GP} backprop λ=0.3", -3.78, 15.0),
        ScatterPoint(f"{WGAN_GP} backprop λ=1", -3.35, 15.6, on_front=True),
        ScatterPoint(f"{WGAN_GP} reward-weighted β=0.3", -3.15, 16.4, on_front=True),
        ScatterPoint("dcgan backprop λ=1", -2.95, 16.9, on_front=True),
        ScatterPoint("dcgan reward-weighted β=1", -2.55, 23.3, on_front=True),
        ScatterPoint("dcgan backprop λ=0.3", -3.8, 11.5, on_front=True),
        ScatterPoint("dcgan reward-weighted β=0.3", -3.55, 11.8, on_front=True),
    ]
    baselines = [(f"{WGAN_GP}, no reward", 16.1), ("dcgan, no reward", 13.3)]
    charts = [
        tradeoff_chart(points, baselines, LONG_TITLE, "classifier reward ↑", "FID ↓"),
        line_chart(
            [Series(f"{WGAN_GP} D loss", [(0, 1.0), (1, 0.5)], PALETTE[0]) for _ in range(2)]
            + [Series(f"{WGAN_GP} G loss", [(0, 2.0), (1, 1.0)], PALETTE[1], "5 3")],
            LONG_TITLE,
            "step",
            "loss",
        ),
    ]
    for chart in charts:
        root = parse(chart)
        assert_inside(root)
    root = parse(charts[0])
    placed = [
        (node.findtext("title") or node.text, node_boxes(node)[0])
        for node in root.iter("text")
        if node.get("class") == "label"
    ]
    assert len(placed) >= 6  # most labels find room; a shortened one has its whole as tooltip
    assert {text for text, _ in placed} <= {p.label for p in points} | {b for b, _ in baselines}
    for index, (_, (_, left, right, y)) in enumerate(placed):
        for _, (_, other_left, other_right, other_y) in placed[index + 1 :]:
            apart = right <= other_left or other_right <= left or abs(y - other_y) >= FONT_SIZE
            assert apart, placed
    # every point keeps its whole name in its marker's tooltip
    tips = [c.findtext("title") for c in root.iter("circle") if c.get("class")]
    assert all(any(tip.startswith(p.label) for tip in tips) for p in points)
