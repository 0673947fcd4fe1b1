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
