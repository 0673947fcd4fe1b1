"""A unit-by-month panel of one outcome, the input every forecasting model takes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from peaceops.domain.places import Month

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Panel:
    """Outcome ``values[u, t]`` for unit ``units[u]`` in month ``first_month + t`` (VIEWS ids).

    Unknown cells are NaN. ``cutoff`` is the last month whose data may be used: a panel never
    holds anything after it (``truncate`` enforces that), which is what keeps forecasts free
    of leakage.
    """

    units: NDArray[np.int64]
    first_month: int
    values: FloatArray
    # Country-year covariates by name, each units x months like ``values`` (NaN unknown).
    covariates: dict[str, FloatArray] = field(default_factory=dict)
    # neighbours[u]: the row indices of unit u's neighbours (areas sharing a border, queen
    # neighbours on the grid); empty when the panel has no geography.
    neighbours: tuple[NDArray[np.int64], ...] = ()

    def __post_init__(self) -> None:
        if self.values.shape[0] != len(self.units):
            raise ValueError("values must have one row per unit")
        for name, matrix in self.covariates.items():
            if matrix.shape != self.values.shape:
                raise ValueError(f"covariate {name} is {matrix.shape}, not {self.values.shape}")

    @property
    def cutoff(self) -> int:
        """month_id of the last column."""
        return int(self.first_month + self.values.shape[1] - 1)

    @property
    def months(self) -> NDArray[np.int64]:
        return np.arange(self.first_month, self.cutoff + 1)

    def column(self, month_id: int) -> int:
        return month_id - self.first_month

    def truncate(self, cutoff: int) -> Panel:
        """The panel as it was known at ``cutoff`` (later months dropped)."""
        if cutoff < self.first_month:
            raise ValueError(f"cutoff {Month.from_month_id(cutoff)} is before the panel starts")
        keep = min(self.values.shape[1], cutoff - self.first_month + 1)
        return Panel(
            self.units,
            self.first_month,
            self.values[:, :keep].copy(),
            {name: m[:, :keep].copy() for name, m in self.covariates.items()},
            self.neighbours,
        )

    def last(self, months: int) -> FloatArray:
        """The last ``months`` columns (NaN where unknown)."""
        return self.values[:, -months:]


@dataclass(frozen=True)
class Forecast:
    """Draws of the outcome per unit, step and draw: ``draws[u, h, s]`` for month cutoff + step."""

    units: NDArray[np.int64]
    cutoff: int
    steps: tuple[int, ...]
    draws: NDArray[np.float32]
    model: str = ""

    def month(self, step: int) -> int:
        return self.cutoff + step

    def for_step(self, step: int) -> NDArray[np.float32]:
        return self.draws[:, self.steps.index(step), :]

    def summary(self, *, q: tuple[float, ...] = (0.05, 0.5, 0.95)) -> dict[str, Any]:
        """Mean, quantiles and exceedance probabilities, each of shape (units, steps)."""
        d = self.draws
        out: dict[str, Any] = {"mean": d.mean(axis=2)}
        for level in q:
            out[f"q{level:g}"] = np.quantile(d, level, axis=2)
        for threshold in (0, 25, 100):
            out[f"p_gt{threshold}" if threshold == 0 else f"p_ge{threshold}"] = (
                (d > 0).mean(axis=2) if threshold == 0 else (d >= threshold).mean(axis=2)
            )
        return out
