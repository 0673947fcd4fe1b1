"""Charts drawn as SVG geometry on the server (no JavaScript): the forecast fan chart."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    label: str


@dataclass(slots=True)
class FanChart:
    """History as a line, the forecast as a 90% band and a median line, on a log-ish scale."""

    width: float
    height: float
    history: str = ""
    band: str = ""
    median: str = ""
    cutoff_x: float = 0.0
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"


def _scale(value: float) -> float:
    """sqrt scale: keeps months of 0-10 deaths visible next to months of hundreds."""
    return math.sqrt(max(value, 0.0))


def fan_chart(
    history_months: Sequence[int],
    history: Sequence[float],
    forecast_months: Sequence[int],
    low: Sequence[float],
    median: Sequence[float],
    high: Sequence[float],
    *,
    month_label: Callable[[int], str] = str,
    width: float = 640,
    height: float = 240,
) -> FanChart:
    """Geometry of a fan chart; ``month_label(month_id)`` names the x ticks.

    >>> chart = fan_chart([1, 2], [0, 4], [3, 4], [0, 0], [2, 3], [9, 16])
    >>> chart.median.startswith("M") and chart.band.endswith("Z")
    True
    """
    left, right, top, bottom = 44.0, 12.0, 10.0, 28.0
    months = [*history_months, *forecast_months]
    top_value = max([*history, *high, 1.0])
    x0, x1 = min(months), max(months)
    span = max(x1 - x0, 1)

    def x(month: int) -> float:
        return left + (month - x0) / span * (width - left - right)

    def y(value: float) -> float:
        return top + (1 - _scale(value) / _scale(top_value)) * (height - top - bottom)

    chart = FanChart(width=width, height=height)
    if history_months:
        chart.history = "M" + "L".join(
            f"{x(m):.1f} {y(v):.1f}" for m, v in zip(history_months, history, strict=True)
        )
        chart.cutoff_x = round(x(history_months[-1]), 1)
    if forecast_months:
        upper = [f"{x(m):.1f} {y(v):.1f}" for m, v in zip(forecast_months, high, strict=True)]
        lower = [f"{x(m):.1f} {y(v):.1f}" for m, v in zip(forecast_months, low, strict=True)]
        chart.band = "M" + "L".join(upper + lower[::-1]) + "Z"
        chart.median = "M" + "L".join(
            f"{x(m):.1f} {y(v):.1f}" for m, v in zip(forecast_months, median, strict=True)
        )
    for value in _nice_ticks(top_value):
        chart.y_ticks.append(Tick(round(y(value), 1), f"{value:g}"))
    step = max(1, span // 6)
    for month in range(x0, x1 + 1, step):
        chart.x_ticks.append(Tick(round(x(month), 1), month_label(month)))
    return chart


def _nice_ticks(top: float) -> list[float]:
    candidates = [0.0, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]
    return [c for c in candidates if c <= top][-5:] if top >= 1 else [0.0]


# Assessment scores (0 worst .. 1 best) -----------------------------------------------------

# Colour-blind-safe diverging scale (ColorBrewer RdYlBu, 7 classes), worst to best.
SCORE_COLOURS = ("#d73027", "#fc8d59", "#fee090", "#ffffbf", "#e0f3f8", "#91bfdb", "#4575b4")


def score_class(value: float | None) -> int:
    """Class 0..6 of a normalised score on ``SCORE_COLOURS``; -1 when there is no score.

    >>> score_class(0.0), score_class(0.5), score_class(1.0), score_class(None)
    (0, 3, 6, -1)
    """
    if value is None:
        return -1
    return min(len(SCORE_COLOURS) - 1, int(max(0.0, value) * len(SCORE_COLOURS)))


def score_colour(value: float | None) -> str:
    return "#dddddd" if value is None else SCORE_COLOURS[score_class(value)]


@dataclass(slots=True)
class TrendSeries:
    name: str
    line: str
    band: str
    points: list[tuple[float, float, str]]
    """(x, y, label) of each scored round."""


@dataclass(slots=True)
class TrendChart:
    """Scores across rounds: one line per series with its 95% band, on a 0-1 axis."""

    width: float
    height: float
    series: list[TrendSeries] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"


def trend_chart(
    rounds: Sequence[str],
    series: Sequence[tuple[str, Sequence[tuple[float, float, float] | None]]],
    *,
    width: float = 560,
    height: float = 220,
) -> TrendChart:
    """Geometry of score trends: ``series`` is (name, per round (value, low, high) or None).

    >>> chart = trend_chart(["2024", "2025"], [("police", [(0.4, 0.3, 0.5), (0.6, 0.5, 0.7)])])
    >>> chart.series[0].line.startswith("M") and chart.series[0].band.endswith("Z")
    True
    """
    left, right, top, bottom = 36.0, 16.0, 10.0, 28.0
    n = max(len(rounds) - 1, 1)

    def x(i: int) -> float:
        if len(rounds) == 1:
            return (left + width - right) / 2
        return left + i / n * (width - left - right)

    def y(value: float) -> float:
        return top + (1 - value) * (height - top - bottom)

    chart = TrendChart(width=width, height=height)
    for name, values in series:
        known = [(i, v) for i, v in enumerate(values) if v is not None]
        if not known:
            continue
        line = "M" + "L".join(f"{x(i):.1f} {y(v[0]):.1f}" for i, v in known)
        upper = [f"{x(i):.1f} {y(v[2]):.1f}" for i, v in known]
        lower = [f"{x(i):.1f} {y(v[1]):.1f}" for i, v in known]
        band = "M" + "L".join(upper + lower[::-1]) + "Z"
        points = [(round(x(i), 1), round(y(v[0]), 1), f"{v[0]:.2f}") for i, v in known]
        chart.series.append(TrendSeries(name, line, band, points))
    for value in (0.0, 0.25, 0.5, 0.75, 1.0):
        chart.y_ticks.append(Tick(round(y(value), 1), f"{value:g}"))
    for i, label in enumerate(rounds):
        chart.x_ticks.append(Tick(round(x(i), 1), label))
    return chart


# Counts per period (complaints per month) --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int | None
    """None: the count is suppressed (too small to publish); drawn as a short stub."""


@dataclass(slots=True)
class BarChart:
    """Vertical bars on a count axis starting at zero."""

    width: float
    height: float
    baseline: float = 0.0
    bars: list[Bar] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"


def _count_step(top: float) -> int:
    """A round step (1, 2, 5, 10, 20, 50 ...) that reaches ``top`` in at most five steps."""
    step = 1
    while top / step > 5:
        for factor in (2, 5 / 2, 2):
            step = int(step * factor)
            if top / step <= 5:
                break
    return step


def bar_chart(
    values: Sequence[tuple[str, int | None]],
    *,
    width: float = 640,
    height: float = 200,
    max_labels: int = 12,
) -> BarChart:
    """Geometry of a bar chart of counts; ``values`` are (label, count or None if hidden).

    >>> chart = bar_chart([("2024-01", 4), ("2024-02", None), ("2024-03", 10)])
    >>> [b.value for b in chart.bars], chart.bars[2].height > chart.bars[0].height
    ([4, None, 10], True)
    """
    left, right, top, bottom = 36.0, 8.0, 10.0, 26.0
    chart = BarChart(width=width, height=height, baseline=height - bottom)
    top_value = max([v for _, v in values if v is not None] + [1])
    step = _count_step(top_value)
    axis_top = step * math.ceil(top_value / step)
    plot = height - top - bottom
    slot = (width - left - right) / max(len(values), 1)
    gap = min(slot * 0.2, 6.0)
    for i, (label, value) in enumerate(values):
        h = plot * value / axis_top if value is not None else 3.0
        chart.bars.append(
            Bar(
                x=round(left + i * slot + gap / 2, 1),
                y=round(chart.baseline - h, 1),
                width=round(slot - gap, 1),
                height=round(h, 1),
                label=label,
                value=value,
            )
        )
    every = max(1, math.ceil(len(values) / max_labels))
    for i, (label, _) in enumerate(values):
        if i % every == 0:
            chart.x_ticks.append(Tick(round(left + (i + 0.5) * slot, 1), label))
    for value in range(0, axis_top + 1, step):
        chart.y_ticks.append(Tick(round(chart.baseline - plot * value / axis_top, 1), str(value)))
    return chart
