"""Forecasting service: the VIEWS country-month backtest and production runs."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from peaceops.analytics.forecasting import backtest, registry
from peaceops.analytics.forecasting.panel import Forecast, Panel
from peaceops.config import Settings
from peaceops.domain.places import Month
from peaceops.errors import InputError, NotFound
from peaceops.ingest.views_cm import ChallengeFolder, october

PUBLISHED = ("views_bootstrap", "views_poisson", "nb_bodentien_rueter")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class BacktestReport:
    result: backtest.Backtest
    scores: dict[str, Any]
    seconds: float


def _forecast_from_frame(
    frame: pl.DataFrame, units: np.ndarray, cutoff: int, name: str
) -> Forecast:
    frame = frame.filter(pl.col("country_id").is_in(units.tolist())).sort(
        ["country_id", "month_id", "draw"]
    )
    months = sorted(frame["month_id"].unique().to_list())
    n_draws = frame["draw"].n_unique()
    present = np.array(sorted(frame["country_id"].unique().to_list()))
    if len(present) != len(units):
        missing = sorted(set(units.tolist()) - set(present.tolist()))[:5]
        raise InputError(f"the published forecast {name} lacks countries {missing}")
    draws = frame["outcome"].to_numpy().reshape(len(present), len(months), n_draws)
    order = np.searchsorted(present, units)
    return Forecast(
        units,
        cutoff,
        tuple(m - cutoff for m in months),
        draws[order].astype(np.float32),
        model=name,
    )


class ForecastingService:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def ranking_file(self) -> Path:
        return self._settings.data_dir / "forecasts" / "cm_backtest_ranking.json"

    def models(self) -> list[registry.ModelSpec]:
        return list(registry.MODELS.values())

    def default_model(self) -> str:
        """The model the latest backtest ranked best on mean CRPS (pooled over its windows)."""
        if self.ranking_file.exists():
            ranking = json.loads(self.ranking_file.read_text())["ranking"]
            for name in ranking:
                if name in registry.MODELS:
                    return str(name)
        return registry.FALLBACK_DEFAULT

    def backtest_cm(
        self,
        data: Path,
        *,
        windows: Sequence[int] | None = None,
        models: Sequence[str] | None = None,
        n_draws: int = 1000,
        seed: int = 0,
        published: bool = True,
        progress: Progress | None = None,
    ) -> BacktestReport:
        started = time.perf_counter()
        folder = ChallengeFolder.open(data)
        available = folder.windows()
        chosen = list(windows or available)
        for w in chosen:
            if w not in available:
                raise InputError(
                    f"window {w} cannot be scored from this folder (it has {available})",
                    field="--windows",
                )
        names = list(models or registry.MODELS)
        for name in names:
            if name not in registry.MODELS:
                raise NotFound(f"no model {name!r}; see 'peaceops forecast models'")
        panels, actuals = {}, {}
        outside: dict[str, dict[int, Forecast]] = {}
        for w in chosen:
            cutoff = october(w - 1)
            arrays = folder.panel(cutoff)
            panels[w] = Panel(arrays.units, arrays.first_month, arrays.values)
            actuals[w] = {
                (int(u), int(m)): float(v) for u, m, v in folder.actuals_for(w).iter_rows()
            }
            if published:
                for name in PUBLISHED:
                    frame = folder.benchmark(name, w)
                    if frame is not None:
                        outside.setdefault(name, {})[w] = _forecast_from_frame(
                            frame, panels[w].units, cutoff, name
                        )
        result = backtest.run(
            [registry.build(n) for n in names],
            panels=panels,
            actuals=actuals,
            published=outside,
            n_draws=n_draws,
            seed=seed,
            progress=progress,
        )
        scores = self._scores(result, names)
        self.ranking_file.parent.mkdir(parents=True, exist_ok=True)
        self.ranking_file.write_text(json.dumps({"ranking": scores["ranking"], "windows": chosen}))
        return BacktestReport(result, scores, time.perf_counter() - started)

    @staticmethod
    def _scores(result: backtest.Backtest, names: Sequence[str]) -> dict[str, Any]:
        ranking = [m for m in result.ranking("crps") if m in names]
        best = ranking[0]
        comparisons = {}
        for other in ("conflictology", "nb_bodentien_rueter"):
            if other in result.models() and other != best:
                comparisons[other] = {
                    str(w): result.difference(best, other, windows=[w]) for w in result.windows()
                } | {"all": result.difference(best, other)}
        return {
            "protocol": "VIEWS 2023/24 country-month: data to October Y-1, forecasts for "
            "January-December Y (steps 3-14), target ged_sb",
            "windows": result.windows(),
            "table": result.table(),
            "by_step_crps": result.by_step("crps"),
            "by_situation_crps": result.by_situation("crps"),
            "ranking": ranking,
            "best": best,
            "best_minus_other_crps": comparisons,
            "seconds_per_model": result.seconds,
        }

    def run_cm(
        self,
        data: Path,
        *,
        cutoff: Month,
        out: Path,
        model: str | None = None,
        n_draws: int = 1000,
        seed: int = 0,
    ) -> tuple[str, Path, Forecast]:
        """Forecast the twelve months after ``cutoff`` + 2 (January-December for October)."""
        folder = ChallengeFolder.open(data)
        name = model or self.default_model()
        if name not in registry.MODELS:
            raise NotFound(f"no model {name!r}; see 'peaceops forecast models'")
        arrays = folder.panel(cutoff.month_id)
        if arrays.first_month + arrays.values.shape[1] - 1 < cutoff.month_id:
            raise InputError(f"the data end before {cutoff}", field="--cutoff")
        panel = Panel(arrays.units, arrays.first_month, arrays.values)
        forecast = registry.build(name).fit(panel).sample(n=n_draws, random_state=seed)
        year = (cutoff + 3).year
        target = out / "cm" / f"window=Y{year}"
        target.mkdir(parents=True, exist_ok=True)
        u, h, s = forecast.draws.shape
        frame = pl.DataFrame(
            {
                "month_id": np.tile(
                    np.repeat([forecast.month(st) for st in forecast.steps], s), u
                ).astype(np.int64),
                "country_id": np.repeat(forecast.units, h * s).astype(np.int64),
                "draw": np.tile(np.arange(s), u * h).astype(np.int64),
                "outcome": forecast.draws.reshape(-1).astype(np.float32),
            }
        ).sort(["month_id", "country_id", "draw"])
        path = target / f"{name}.parquet"
        frame.write_parquet(path)
        return name, path, forecast
