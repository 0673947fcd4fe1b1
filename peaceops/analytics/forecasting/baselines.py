"""The VIEWS benchmark models, as estimators, so every model runs through the same backtest.

- ``ZeroForecaster``: no fatalities, ever.
- ``GlobalBootstrap``: every unit and step draws from the pooled values of all units over the
  last ``window`` months before the cutoff.
- ``LastHistoricalPoisson``: Poisson draws with the mean equal to each unit's last observed
  month.
- ``Conflictology``: each unit draws from its own last ``window`` months (12, or 36).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from peaceops.analytics.forecasting.base import Forecaster
from peaceops.analytics.forecasting.panel import Panel


class ZeroForecaster(Forecaster):
    name = "zero"

    def _fit(self, panel: Panel) -> None:
        self.n_units_ = len(panel.units)

    def _draws(self, steps: tuple[int, ...], n: int, rng: np.random.Generator) -> Any:
        return np.zeros((self.n_units_, len(steps), n), dtype=np.float32)


class GlobalBootstrap(Forecaster):
    name = "global_bootstrap"

    def __init__(self, window: int = 12) -> None:
        self.window = window

    def _fit(self, panel: Panel) -> None:
        pool = panel.last(self.window).ravel()
        self.pool_ = pool[~np.isnan(pool)]
        if self.pool_.size == 0:
            self.pool_ = np.zeros(1)
        self.n_units_ = len(panel.units)

    def _draws(self, steps: tuple[int, ...], n: int, rng: np.random.Generator) -> Any:
        out = np.empty((self.n_units_, len(steps), n), dtype=np.float32)
        for u in range(self.n_units_):  # unit by unit: no float64 copy of every draw
            out[u] = rng.choice(self.pool_, size=(len(steps), n), replace=True)
        return out


class LastHistoricalPoisson(Forecaster):
    name = "last_historical_poisson"

    def _fit(self, panel: Panel) -> None:
        values = panel.values
        known = ~np.isnan(values)
        # The last known month of each unit (zero where nothing is known).
        last_index = np.where(
            known.any(axis=1), values.shape[1] - 1 - np.argmax(known[:, ::-1], axis=1), -1
        )
        self.mean_ = np.where(
            last_index >= 0, values[np.arange(len(values)), np.maximum(last_index, 0)], 0.0
        )

    def _draws(self, steps: tuple[int, ...], n: int, rng: np.random.Generator) -> Any:
        lam = np.broadcast_to(self.mean_[:, None, None], (len(self.mean_), len(steps), n))
        return rng.poisson(lam).astype(np.float32)


class Conflictology(Forecaster):
    name = "conflictology"

    def __init__(self, window: int = 12) -> None:
        self.window = window

    def _fit(self, panel: Panel) -> None:
        recent = panel.last(self.window)
        self.history_ = np.where(np.isnan(recent), 0.0, recent)
        # Units with some unknown months draw only from the months that are known.
        self.known_ = ~np.isnan(recent)

    def _draws(self, steps: tuple[int, ...], n: int, rng: np.random.Generator) -> Any:
        units = len(self.history_)
        out = np.zeros((units, len(steps), n), dtype=np.float32)
        for u in range(units):
            pool = self.history_[u][self.known_[u]]
            if pool.size:
                out[u] = rng.choice(pool, size=(len(steps), n), replace=True)
        return out


class DecayConflictology(Forecaster):
    """Conflictology with recent months drawn more often: weight 2^(-age / half_life).

    Not a VIEWS benchmark: a learned-free refinement that lets a unit's latest months count
    more than those a year ago, while keeping its own historical range.
    """

    name = "decay_conflictology"

    def __init__(self, window: int = 24, half_life: float = 6.0) -> None:
        self.window = window
        self.half_life = half_life

    def _fit(self, panel: Panel) -> None:
        recent = panel.last(self.window)
        self.history_ = np.where(np.isnan(recent), 0.0, recent)
        age = np.arange(recent.shape[1])[::-1]
        weights = np.where(np.isnan(recent), 0.0, 2.0 ** (-age / self.half_life))
        totals = weights.sum(axis=1, keepdims=True)
        self.weights_ = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)

    def _draws(self, steps: tuple[int, ...], n: int, rng: np.random.Generator) -> Any:
        out = np.zeros((len(self.history_), len(steps), n), dtype=np.float32)
        for u, (values, weights) in enumerate(zip(self.history_, self.weights_, strict=True)):
            if weights.sum() > 0:
                out[u] = rng.choice(values, size=(len(steps), n), p=weights)
        return out
