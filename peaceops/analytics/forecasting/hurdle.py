"""A hurdle model: will there be any fatality, and if so how many, with honest spread.

Part one is a gradient-boosted classifier of P(y > 0) for the month ``step`` months after the
origin; part two a gradient-boosted regression of log(1 + y) on the months that had some.
Draws combine a Bernoulli draw of the first with the second's prediction plus a residual drawn
from training rows of units at a similar level of violence, so the spread is as wide as such
units' months really vary. Training rows are every (unit, origin, step) whose target month is
at or before the cutoff, so nothing after it is ever seen; each window is fitted afresh.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

from peaceops.analytics.forecasting import features
from peaceops.analytics.forecasting.base import DEFAULT_STEPS, Forecaster
from peaceops.analytics.forecasting.panel import Panel


def training_rows(
    values: NDArray[np.float64],
    steps: tuple[int, ...],
    *,
    origins: int,
    min_history: int = 12,
    neighbours: Sequence[NDArray[np.int64]] = (),
    covariates: Mapping[str, NDArray[np.float64]] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(X, y) for every unit, recent origin and step whose target is known and not after the end."""
    n_months = values.shape[1]
    xs, ys = [], []
    first_origin = max(min_history - 1, n_months - 1 - max(steps) - origins)
    for origin in range(first_origin, n_months - min(steps)):
        known_history = ~np.isnan(values[:, max(0, origin - min_history + 1) : origin + 1])
        eligible = known_history.all(axis=1)
        if not eligible.any():
            continue
        x = features.at_origin(values, origin, neighbours, covariates)[eligible]
        for step in steps:
            target_col = origin + step
            if target_col >= n_months:
                continue
            y = values[eligible, target_col]
            ok = ~np.isnan(y)
            if ok.any():
                xs.append(np.column_stack([x[ok], np.full(ok.sum(), step)]))
                ys.append(y[ok])
    if not xs:
        raise ValueError("the panel is too short to learn from")
    return np.vstack(xs), np.concatenate(ys)


LEVEL = features.NAMES.index("mean12")
LEVEL_EDGES = (0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5)  # log(1 + monthly deaths)
MIN_POOL = 50


class HurdleGBM(Forecaster):
    name = "hurdle_gbm"

    def __init__(
        self,
        *,
        origins: int = 120,
        steps: tuple[int, ...] = DEFAULT_STEPS,
        max_iter: int = 200,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 15,
        noise_scale: float = 1.0,
        relative: bool = True,
        random_state: int = 0,
    ) -> None:
        self.origins = origins
        self.steps = steps
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.noise_scale = noise_scale
        self.relative = relative
        self.random_state = random_state

    def _fit(self, panel: Panel) -> None:
        x, y = training_rows(
            panel.values,
            tuple(self.steps),
            origins=self.origins,
            neighbours=panel.neighbours,
            covariates=panel.covariates,
        )
        positive = y > 0
        common = {
            "max_iter": self.max_iter,
            "learning_rate": self.learning_rate,
            "max_leaf_nodes": self.max_leaf_nodes,
            "random_state": self.random_state,
            "l2_regularization": 1.0,
        }
        self.any_ = HistGradientBoostingClassifier(**common).fit(x, positive)
        # With ``relative``, the size model learns the change from the unit's own 12-month
        # level, which carries over to intensities beyond those seen in training (trees cannot
        # predict past their largest training target).
        target = np.log1p(y[positive]) - self._level(x[positive])
        self.size_ = HistGradientBoostingRegressor(**common).fit(x[positive], target)
        fitted = self.size_.predict(x[positive]) + self._level(x[positive])
        residuals = np.log1p(y[positive]) - fitted
        # Residuals pooled by the unit's own level (log of its 12-month mean, on fixed edges):
        # a war of thousands of deaths a month varies less, relatively, than one of ten, so
        # each unit draws its spread from units of its size. A thin pool borrows from the
        # nearest smaller level.
        levels = np.digitize(x[positive][:, LEVEL], LEVEL_EDGES)
        pools = [residuals[levels == g] for g in range(len(LEVEL_EDGES) + 1)]
        for g in range(1, len(pools)):
            if len(pools[g]) < MIN_POOL:
                pools[g] = pools[g - 1]
        self.residuals_ = pools
        self.origin_features_ = features.at_origin(
            panel.values, panel.values.shape[1] - 1, panel.neighbours, panel.covariates
        )
        self.n_train_ = len(y)

    def _level(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """log(1 + the 12-month mean), the unit's own level, when the model is relative."""
        if not self.relative:
            return np.zeros(len(x))
        level: NDArray[np.float64] = x[:, features.NAMES.index("mean12")]
        return level

    def _draws(self, steps: tuple[int, ...], n: int, rng: np.random.Generator) -> Any:
        units = len(self.origin_features_)
        out = np.zeros((units, len(steps), n), dtype=np.float32)
        for j, step in enumerate(steps):
            x = np.column_stack([self.origin_features_, np.full(units, step)])
            p_any = self.any_.predict_proba(x)[:, 1]
            mu = self.size_.predict(x) + self._level(x)
            groups = np.digitize(x[:, LEVEL], LEVEL_EDGES)
            for u in range(units):
                pool = self.residuals_[groups[u]]
                noise = rng.choice(pool, size=n) if pool.size else np.zeros(n)
                noise = noise * self.noise_scale
                size = np.maximum(np.round(np.expm1(mu[u] + noise)), 1.0)
                out[u, j] = np.where(rng.random(n) < p_any[u], size, 0.0)
        return out


class Blend(Forecaster):
    """A mixture of two models' draws: a share ``weight`` from ``first``, the rest ``second``."""

    def __init__(
        self, first: Forecaster, second: Forecaster, *, weight: float = 0.5, name: str = "blend"
    ) -> None:
        self.first = first
        self.second = second
        self.weight = weight
        self.name = name

    def _fit(self, panel: Panel) -> None:
        self.first.fit(panel)
        self.second.fit(panel)

    def _draws(self, steps: tuple[int, ...], n: int, rng: np.random.Generator) -> Any:
        k = round(self.weight * n)
        a = self.first.sample(steps, n=max(k, 1), random_state=rng).draws[:, :, :k]
        b = self.second.sample(steps, n=max(n - k, 1), random_state=rng).draws[:, :, : n - k]
        mixed = np.concatenate([a, b], axis=2)
        return rng.permuted(mixed, axis=2)
