"""The models PeaceOps can run, by name, with one line on what each is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from peaceops.analytics.forecasting import baselines
from peaceops.analytics.forecasting.base import Forecaster
from peaceops.analytics.forecasting.hurdle import Blend, HurdleGBM

FALLBACK_DEFAULT = "hurdle_blend"


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    kind: str  # "benchmark" (as VIEWS defines it), "baseline" or "learned"
    description: str
    build: Callable[[], Forecaster]


def _named(model: Forecaster, name: str) -> Forecaster:
    model.name = name
    return model


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("zero", "benchmark", "no fatalities, ever", baselines.ZeroForecaster),
        ModelSpec(
            "global_bootstrap",
            "benchmark",
            "draws from every country's last 12 months, pooled",
            baselines.GlobalBootstrap,
        ),
        ModelSpec(
            "last_historical_poisson",
            "benchmark",
            "Poisson around each country's last observed month",
            baselines.LastHistoricalPoisson,
        ),
        ModelSpec(
            "conflictology",
            "benchmark",
            "draws from the country's own last 12 months",
            baselines.Conflictology,
        ),
        ModelSpec(
            "conflictology_36",
            "benchmark",
            "draws from the country's own last 36 months",
            lambda: baselines.Conflictology(36),
        ),
        ModelSpec(
            "decay_conflictology",
            "baseline",
            "the country's last 24 months, recent ones drawn more (half-life 6 months)",
            lambda: baselines.DecayConflictology(24, 6.0),
        ),
        ModelSpec(
            "hurdle_gbm",
            "learned",
            "gradient-boosted P(any fatality) and change from the unit's own level; lags, "
            "covariates, spatial lag",
            lambda: HurdleGBM(noise_scale=0.8),
        ),
        ModelSpec(
            "hurdle_blend",
            "learned",
            "30% hurdle_gbm draws mixed with 70% decay_conflictology draws",
            lambda: Blend(
                HurdleGBM(noise_scale=0.8),
                baselines.DecayConflictology(24, 6.0),
                weight=0.3,
                name="hurdle_blend",
            ),
        ),
    )
}


def build(name: str) -> Forecaster:
    if name not in MODELS:
        raise KeyError(name)
    return _named(MODELS[name].build(), name)
