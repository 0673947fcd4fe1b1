"""Survey charts as geometry for templates (no JavaScript): estimates with interval whiskers
on a shared axis, estimates across waves, and the classes of a choropleth map.

Estimates come in as anything with ``value``, ``low`` and ``high`` (None when suppressed), so
this module needs neither the analytics nor the web layer. A suppressed estimate is drawn
as suppressed: nothing here derives a position from its neighbours.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from peaceops.reports.charts import Tick

# ColorBrewer PuBu, 5 classes, light to dark: sequential, colour-blind safe, prints in grey.
CLASS_COLOURS = ("#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d")
SHARE_BREAKS = (0.2, 0.4, 0.6, 0.8)
"""Fixed breaks for shares, so that maps of two waves can be compared class by class."""


class Interval(Protocol):
    """An estimate with its interval; all three are None when the cell is suppressed."""

    @property
    def value(self) -> float | None: ...

    @property
    def low(self) -> float | None: ...

    @property
    def high(self) -> float | None: ...


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def published(est: Interval | None) -> bool:
    """Whether the estimate has a value to draw (not suppressed, not missing)."""
    return est is not None and _finite(est.value) is not None


# Axes ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Axis:
    """A value axis from 0 to ``top``; tick positions are percent of its length."""

    top: float
    ticks: tuple[Tick, ...]

    def percent(self, value: float) -> float:
        """Where ``value`` lies on the axis, in percent, kept inside 0..100."""
        return round(min(100.0, max(0.0, 100.0 * value / self.top)), 2)


def _nice_top(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 x 10^k at or above ``value``."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        top = factor * math.pow(10.0, exponent)
        if top >= value * (1 - 1e-9):
            return top
    return math.pow(10.0, exponent + 1)


def value_axis(
    estimates: Sequence[Interval | None],
    *,
    share: bool,
    label: Callable[[float], str],
) -> Axis:
    """Shares on 0..100%; means on 0 to a round number above the highest interval end.

    >>> axis = value_axis([], share=True, label=lambda v: f"{v:.0%}")
    >>> [t.label for t in axis.ticks], axis.percent(0.3)
    (['0%', '25%', '50%', '75%', '100%'], 30.0)
    """
    if share:
        top = 1.0
    else:
        ends = [_finite(e.high) or _finite(e.value) or 0.0 for e in estimates if e is not None]
        top = _nice_top(max([*ends, 0.0]))
    ticks = tuple(Tick(25.0 * i, label(top * i / 4)) for i in range(5))
    return Axis(top, ticks)


@dataclass(frozen=True, slots=True)
class IntervalBar:
    """One estimate on an axis, in percent of its length: a bar from 0 to the value and a
    whisker from ``low`` to ``high``. ``suppressed`` bars carry no positions."""

    suppressed: bool
    bar: float = 0.0
    low: float = 0.0
    high: float = 0.0


def interval_bar(est: Interval | None, axis: Axis) -> IntervalBar:
    """The bar of one estimate (a suppressed one is only marked as such).

    >>> from types import SimpleNamespace as E
    >>> axis = value_axis([], share=True, label=str)
    >>> interval_bar(E(value=0.5, low=0.4, high=0.62), axis)
    IntervalBar(suppressed=False, bar=50.0, low=40.0, high=62.0)
    >>> interval_bar(E(value=None, low=None, high=None), axis).suppressed
    True
    """
    if est is None or not published(est):
        return IntervalBar(True)
    value = _finite(est.value) or 0.0
    low = _finite(est.low)
    high = _finite(est.high)
    return IntervalBar(
        False,
        axis.percent(value),
        axis.percent(value if low is None else low),
        axis.percent(value if high is None else high),
    )


# Estimates across waves ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WavePoint:
    x: float
    label: str
    suppressed: bool
    y: float = 0.0
    low_y: float = 0.0
    high_y: float = 0.0
    text: str = ""


@dataclass(slots=True)
class WaveChart:
    """One estimate per wave, a point with its interval, on a value axis from 0."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    points: list[WavePoint] = field(default_factory=list)
    line: str = ""
    """Dashed line through consecutive published points (None between suppressed ones)."""
    y_ticks: list[Tick] = field(default_factory=list)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"

    @property
    def baseline(self) -> float:
        return self.height - self.bottom


def wave_chart(
    waves: Sequence[tuple[str, Interval | None]],
    axis: Axis,
    *,
    text: Callable[[float], str] = str,
    width: float = 460,
    height: float = 220,
) -> WaveChart:
    """Geometry of estimates across waves: ``waves`` is (wave name, estimate or None).

    >>> from types import SimpleNamespace as E
    >>> axis = value_axis([], share=True, label=str)
    >>> chart = wave_chart([("W1", E(value=0.5, low=0.4, high=0.6)),
    ...                     ("W2", E(value=None, low=None, high=None))], axis)
    >>> [p.suppressed for p in chart.points], chart.line
    ([False, True], '')
    """
    left, right, top, bottom = 52.0, 20.0, 14.0, 34.0
    plot_h = height - top - bottom
    chart = WaveChart(width, height, left, right, top, bottom)
    n = len(waves)
    slot = (width - left - right) / max(n, 1)

    def y(value: float) -> float:
        return round(top + (1 - axis.percent(value) / 100) * plot_h, 1)

    segments: list[str] = []
    previous: WavePoint | None = None
    for i, (name, est) in enumerate(waves):
        x = round(left + (i + 0.5) * slot, 1)
        if est is None or not published(est):
            point = WavePoint(x, name, True)
            previous = None
        else:
            value = _finite(est.value) or 0.0
            low = _finite(est.low)
            high = _finite(est.high)
            point = WavePoint(
                x,
                name,
                False,
                y(value),
                y(value if low is None else low),
                y(value if high is None else high),
                text(value),
            )
            if previous is not None:
                segments.append(f"M{previous.x} {previous.y}L{point.x} {point.y}")
            previous = point
        chart.points.append(point)
    chart.line = "".join(segments)
    for tick in axis.ticks:
        chart.y_ticks.append(Tick(round(top + (1 - tick.position / 100) * plot_h, 1), tick.label))
    return chart


# Choropleth classes ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MapClass:
    index: int
    low: float | None
    high: float | None


def class_breaks(values: Sequence[float], *, share: bool) -> tuple[float, ...]:
    """Breaks between five classes: fixed fifths for shares, equal steps between the lowest
    and highest published value for means.

    >>> class_breaks([], share=True)
    (0.2, 0.4, 0.6, 0.8)
    >>> class_breaks([1.0, 3.0], share=False)
    (1.4, 1.8, 2.2, 2.6)
    """
    if share:
        return SHARE_BREAKS
    if not values:
        return ()
    lo, hi = min(values), max(values)
    if hi - lo <= 1e-12:
        return ()
    step = (hi - lo) / len(CLASS_COLOURS)
    return tuple(round(lo + step * k, 10) for k in range(1, len(CLASS_COLOURS)))


def class_of(value: float, breaks: Sequence[float]) -> int:
    """Index of the class of ``value``: the number of breaks at or below it (at most 4).

    >>> class_of(0.19, SHARE_BREAKS), class_of(0.2, SHARE_BREAKS), class_of(1.0, SHARE_BREAKS)
    (0, 1, 4)
    """
    if not breaks:
        return len(CLASS_COLOURS) // 2
    return min(len(CLASS_COLOURS) - 1, sum(1 for b in breaks if value >= b))


def map_classes(breaks: Sequence[float], *, share: bool) -> list[MapClass]:
    """The classes in the legend, with their ranges (open ends as None)."""
    if not breaks:
        return [MapClass(len(CLASS_COLOURS) // 2, None, None)]
    edges: list[float | None] = [0.0 if share else None, *breaks, 1.0 if share else None]
    return [MapClass(i, edges[i], edges[i + 1]) for i in range(len(edges) - 1)]


__all__ = [
    "CLASS_COLOURS",
    "SHARE_BREAKS",
    "Axis",
    "Interval",
    "IntervalBar",
    "MapClass",
    "WaveChart",
    "WavePoint",
    "class_breaks",
    "class_of",
    "interval_bar",
    "map_classes",
    "published",
    "value_axis",
    "wave_chart",
]
