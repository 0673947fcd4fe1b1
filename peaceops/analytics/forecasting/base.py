"""The estimator contract every forecasting model follows (scikit-learn style).

``__init__`` only stores parameters; ``fit(panel)`` validates, learns, sets attributes ending
in ``_`` and returns ``self``; ``sample(steps, n=..., random_state=...)`` returns a
``Forecast`` of draws for the months ``cutoff + step``; ``predict_quantiles`` summarises them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from peaceops.analytics.forecasting.panel import Forecast, Panel

DEFAULT_STEPS = tuple(range(3, 15))  # the challenge's January-December after an October cutoff


class Forecaster(BaseEstimator):  # type: ignore[misc]
    """Base class: subclasses implement ``_fit`` and ``_draws``."""

    name = "forecaster"

    def fit(self, panel: Panel) -> Forecaster:
        if not isinstance(panel, Panel):
            raise TypeError("fit expects a Panel")
        if panel.values.size == 0:
            raise ValueError("the panel is empty")
        if np.nanmin(panel.values, initial=0.0) < 0:
            raise ValueError("fatality counts cannot be negative")
        self.units_ = panel.units.copy()
        self.cutoff_ = panel.cutoff
        self._fit(panel)
        return self

    def sample(
        self,
        steps: Sequence[int] = DEFAULT_STEPS,
        *,
        n: int = 1000,
        random_state: int | np.random.Generator | None = None,
    ) -> Forecast:
        check_is_fitted(self, "cutoff_")
        if not steps or min(steps) < 1:
            raise ValueError("steps must be positive whole numbers of months")
        rng = np.random.default_rng(random_state)
        draws = self._draws(tuple(steps), n, rng)
        draws = np.maximum(np.nan_to_num(draws, nan=0.0, posinf=0.0), 0.0)
        return Forecast(
            self.units_, self.cutoff_, tuple(steps), draws.astype(np.float32), model=self.name
        )

    def predict_quantiles(
        self,
        steps: Sequence[int] = DEFAULT_STEPS,
        *,
        q: Sequence[float] = (0.05, 0.5, 0.95),
        n: int = 1000,
        random_state: int | None = None,
    ) -> NDArray[np.float64]:
        """Quantiles of shape (units, steps, len(q))."""
        draws = self.sample(steps, n=n, random_state=random_state).draws
        return np.moveaxis(np.quantile(draws, q, axis=2), 0, -1)

    def _fit(self, panel: Panel) -> None:
        raise NotImplementedError

    def _draws(self, steps: tuple[int, ...], n: int, rng: np.random.Generator) -> Any:
        raise NotImplementedError
