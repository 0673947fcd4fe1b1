"""The VIEWS 2023/24 country-month protocol: fit at October of Y-1, forecast January-December Y.

Each model is fitted on the panel as known at the cutoff (nothing later is ever in it), draws
1,000 samples for steps 3-14, and is scored against the actuals of Y: by window, by step, and
by situation. Published forecasts (VIEWS's own benchmark files, a challenge entry) are scored
with the same code. Differences between models come with a bootstrap confidence interval over
countries (a country's twelve months are resampled together, since they are not independent).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from peaceops.analytics.forecasting import scoring
from peaceops.analytics.forecasting.base import DEFAULT_STEPS, Forecaster
from peaceops.analytics.forecasting.panel import Forecast, Panel

SITUATIONS = ("peace", "onset", "ongoing", "de-escalation")


def situation(history: NDArray[np.float64], actual: NDArray[np.float64]) -> NDArray[np.str_]:
    """Peace, onset, ongoing or de-escalation for each row.

    ``history`` is whether the unit had any fatality in the 12 months to the cutoff; the
    situation compares it with the month forecast: none then, none now is peace; none then,
    some now is onset; some then, some now is ongoing; some then, none now is de-escalation.
    """
    before = history > 0
    now = actual > 0
    return np.select(
        [~before & ~now, ~before & now, before & now],
        ["peace", "onset", "ongoing"],
        "de-escalation",
    )


@dataclass
class WindowResult:
    """Row-level scores of one model in one window, kept for every later cut."""

    model: str
    window: int
    units: NDArray[np.int64]
    steps: NDArray[np.int64]
    actual: NDArray[np.float64]
    situation: NDArray[np.str_]
    rows: dict[str, NDArray[np.float64]]

    def mean(self, mask: NDArray[np.bool_] | None = None) -> dict[str, float]:
        keep = np.ones(len(self.actual), bool) if mask is None else mask
        return {
            k: float(v[keep].mean()) if keep.any() else float("nan") for k, v in self.rows.items()
        }


@dataclass
class Backtest:
    results: list[WindowResult] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def models(self) -> list[str]:
        return list(dict.fromkeys(r.model for r in self.results))

    def windows(self) -> list[int]:
        return sorted({r.window for r in self.results})

    def get(self, model: str, window: int) -> WindowResult:
        return next(r for r in self.results if r.model == model and r.window == window)

    def pooled(self, model: str, windows: Sequence[int] | None = None) -> dict[str, float]:
        chosen = [self.get(model, w) for w in (windows or self.windows())]
        return {
            k: float(np.mean(np.concatenate([r.rows[k] for r in chosen]))) for k in scoring.METRICS
        }

    def ranking(self, metric: str = "crps", windows: Sequence[int] | None = None) -> list[str]:
        return sorted(self.models(), key=lambda m: self.pooled(m, windows)[metric])

    def difference(
        self,
        model: str,
        other: str,
        *,
        metric: str = "crps",
        windows: Sequence[int] | None = None,
        n_boot: int = 2000,
        seed: int = 0,
    ) -> dict[str, float]:
        """Mean of (model - other) and its 95% bootstrap interval, resampling countries."""
        diffs = []
        for w in windows or self.windows():
            a, b = self.get(model, w), self.get(other, w)
            if not (np.array_equal(a.units, b.units) and np.array_equal(a.steps, b.steps)):
                raise ValueError(f"{model} and {other} were scored on different rows in {w}")
            diffs.append((a.units + w * 10_000, a.rows[metric] - b.rows[metric]))
        keys = np.concatenate([d[0] for d in diffs])
        values = np.concatenate([d[1] for d in diffs])
        groups, index = np.unique(keys, return_inverse=True)
        sums = np.bincount(index, weights=values)
        counts = np.bincount(index)
        rng = np.random.default_rng(seed)
        picks = rng.integers(0, len(groups), size=(n_boot, len(groups)))
        boot = sums[picks].sum(axis=1) / counts[picks].sum(axis=1)
        low, high = np.quantile(boot, [0.025, 0.975])
        return {"mean": float(values.mean()), "low": float(low), "high": float(high)}

    def table(self) -> list[dict[str, Any]]:
        """One row per model and window (and 'all'), with every metric."""
        rows = []
        for model in self.models():
            for w in self.windows():
                rows.append({"model": model, "window": str(w), **self.get(model, w).mean()})
            rows.append({"model": model, "window": "all", **self.pooled(model)})
        return rows

    def by_step(self, metric: str = "crps") -> dict[str, dict[int, float]]:
        out: dict[str, dict[int, float]] = {}
        for model in self.models():
            rs = [self.get(model, w) for w in self.windows()]
            steps = np.concatenate([r.steps for r in rs])
            values = np.concatenate([r.rows[metric] for r in rs])
            out[model] = {int(s): float(values[steps == s].mean()) for s in np.unique(steps)}
        return out

    def by_situation(self, metric: str = "crps") -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for model in self.models():
            rs = [self.get(model, w) for w in self.windows()]
            sits = np.concatenate([r.situation for r in rs])
            values = np.concatenate([r.rows[metric] for r in rs])
            out[model] = {
                s: float(values[sits == s].mean()) if (sits == s).any() else float("nan")
                for s in SITUATIONS
            }
        return out


def score_forecast(
    forecast: Forecast,
    actuals: dict[tuple[int, int], float],
    history12: dict[int, float],
    *,
    window: int,
    model: str | None = None,
) -> WindowResult:
    """Score a forecast against actuals keyed by (unit, month_id); every cell must be known.

    Scored month by month (one step's draws at a time), so that a grid of thousands of cells
    never needs all its draws in double precision at once.
    """
    unit_list = forecast.units.tolist()
    hist = np.asarray([history12.get(u, 0.0) for u in unit_list])
    parts: dict[str, list[NDArray[np.float64]]] = {name: [] for name in scoring.METRICS}
    actual_parts, step_parts = [], []
    for step in forecast.steps:
        month = forecast.month(step)
        missing = [u for u in unit_list if (u, month) not in actuals]
        if missing:
            raise ValueError(f"no actual for unit {missing[0]} in month {month}")
        actual = np.asarray([actuals[(u, month)] for u in unit_list], dtype=np.float64)
        for name, values in scoring.score_rows(actual, forecast.for_step(step)).items():
            parts[name].append(values)
        actual_parts.append(actual)
        step_parts.append(np.full(len(unit_list), step, dtype=np.int64))
    actual_all = np.concatenate(actual_parts)
    return WindowResult(
        model=model or forecast.model,
        window=window,
        units=np.tile(forecast.units, len(forecast.steps)),
        steps=np.concatenate(step_parts),
        actual=actual_all,
        situation=situation(np.tile(hist, len(forecast.steps)), actual_all),
        rows={name: np.concatenate(values) for name, values in parts.items()},
    )


def run(
    models: Sequence[Forecaster],
    *,
    panels: dict[int, Panel],
    actuals: dict[int, dict[tuple[int, int], float]],
    published: dict[str, dict[int, Forecast]] | None = None,
    steps: Sequence[int] = DEFAULT_STEPS,
    n_draws: int = 1000,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> Backtest:
    """Fit and score each model in each window; score published forecasts alongside."""
    import time

    result = Backtest()
    for window, panel in sorted(panels.items()):
        known = np.nan_to_num(panel.last(12), nan=0.0).sum(axis=1)
        history12 = dict(zip(panel.units.tolist(), known.tolist(), strict=True))
        for model in models:
            started = time.perf_counter()
            forecast = model.fit(panel).sample(steps, n=n_draws, random_state=seed + window)
            scored = score_forecast(
                forecast, actuals[window], history12, window=window, model=model.name
            )
            result.results.append(scored)
            key = model.name
            result.seconds[key] = result.seconds.get(key, 0.0) + time.perf_counter() - started
            if progress:
                progress(f"{window} {model.name}")
        for name, forecasts in (published or {}).items():
            if window in forecasts:
                result.results.append(
                    score_forecast(
                        forecasts[window], actuals[window], history12, window=window, model=name
                    )
                )
    return result
