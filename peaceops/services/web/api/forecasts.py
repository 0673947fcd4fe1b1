from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from peaceops.analytics.forecasting import registry
from peaceops.services.web.api.schemas import Page
from peaceops.services.web.deps import ForecastReader, PlatformDep

router = APIRouter(prefix="/forecasts", tags=["forecasts"])


@router.get("", response_model=Page[dict[str, Any]])
def read_forecast_runs(
    platform: PlatformDep, _by: ForecastReader, country: str | None = None
) -> Page[dict[str, Any]]:
    """Stored forecast runs: level, country, target, model, cutoff and data vintage."""
    runs = platform.forecasting.runs(country=country.upper() if country else None)
    return Page(data=runs, count=len(runs))


@router.get("/models", response_model=list[dict[str, Any]])
def read_forecast_models(platform: PlatformDep, _by: ForecastReader) -> list[dict[str, Any]]:
    default = platform.forecasting.default_model()
    return [
        {"name": s.name, "kind": s.kind, "description": s.description, "default": s.name == default}
        for s in registry.MODELS.values()
    ]


@router.get("/scores", response_model=dict[str, Any] | None)
def read_forecast_scores(platform: PlatformDep, _by: ForecastReader) -> dict[str, Any] | None:
    """The latest country-month backtest on this installation (null if none was run)."""
    return platform.forecasting.last_scores()


@router.get("/{run_id}", response_model=dict[str, Any])
def read_forecast_run(run_id: int, platform: PlatformDep, _by: ForecastReader) -> dict[str, Any]:
    """One run with, per unit and month: mean, 5/50/95% quantiles, P(>0), P(>=25), P(>=100)."""
    run = platform.forecasting.run(run_id)
    return {**run, "values": platform.forecasting.run_values(run_id)}
