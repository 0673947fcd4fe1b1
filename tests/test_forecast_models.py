"""Forecasting models, the challenge reader and the backtest: behaviour, contract, no leakage."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from typer.testing import CliRunner

from conftest import shared_file
from peaceops.analytics.forecasting import backtest, baselines, registry
from peaceops.analytics.forecasting.hurdle import HurdleGBM
from peaceops.analytics.forecasting.panel import Forecast, Panel
from peaceops.ingest.views_cm import ChallengeFolder, october
from peaceops.services.cli.app import app


def synthetic_panel(months: int = 200, seed: int = 3) -> Panel:
    """Ten peaceful units, ten with steady low violence, five at war (rates 0, 2, 80)."""
    rng = np.random.default_rng(seed)
    rates = np.array([0.0] * 10 + [2.0] * 10 + [80.0] * 5)
    values = rng.poisson(rates[:, None], size=(len(rates), months)).astype(float)
    return Panel(np.arange(1, len(rates) + 1), 300, values)


def test_conflictology_draws_only_the_units_own_recent_months() -> None:
    panel = synthetic_panel()
    draws = baselines.Conflictology().fit(panel).sample(n=300, random_state=1).draws
    for u in range(len(panel.units)):
        assert set(np.unique(draws[u])) <= set(panel.last(12)[u])
    assert baselines.Conflictology(36).fit(panel).sample(n=5).draws.shape == (25, 12, 5)


def test_poisson_bootstrap_and_zero_baselines() -> None:
    panel = synthetic_panel()
    poisson = baselines.LastHistoricalPoisson().fit(panel)
    assert np.array_equal(poisson.mean_, panel.values[:, -1])
    boot = baselines.GlobalBootstrap().fit(panel).sample(n=200, random_state=0).draws
    assert set(np.unique(boot)) <= set(panel.last(12).ravel())
    assert baselines.ZeroForecaster().fit(panel).sample(n=3).draws.max() == 0


def test_decay_conflictology_favours_recent_months() -> None:
    values = np.zeros((1, 24))
    values[0, -1] = 100.0  # one violent month, the latest
    panel = Panel(np.array([1]), 100, values)
    recent = baselines.DecayConflictology(24, 3.0).fit(panel).sample(n=4000, random_state=0)
    plain = baselines.Conflictology(24).fit(panel).sample(n=4000, random_state=0)
    assert (recent.draws > 0).mean() > 3 * (plain.draws > 0).mean()


def test_unknown_months_are_skipped_not_taken_as_zero() -> None:
    values = np.full((1, 12), np.nan)
    values[0, -2:] = 40.0
    draws = baselines.Conflictology().fit(Panel(np.array([7]), 1, values)).sample(n=50).draws
    assert (draws == 40.0).all()


@pytest.mark.parametrize("name", sorted(registry.MODELS))
def test_every_model_keeps_the_estimator_contract(name: str) -> None:
    model = registry.build(name)
    with pytest.raises(NotFittedError):
        model.sample(n=2)
    assert repr(clone(model)) == repr(model)  # __init__ only stores parameters
    panel = synthetic_panel(months=80)
    assert model.fit(panel) is model
    first = model.sample((3, 4), n=40, random_state=5)
    again = model.sample((3, 4), n=40, random_state=5)
    assert first.draws.shape == (25, 2, 40) and first.draws.dtype == np.float32
    assert np.array_equal(first.draws, again.draws)  # seeded: reproducible
    assert (first.draws >= 0).all()
    quantiles = model.predict_quantiles((3,), q=(0.1, 0.9), n=40, random_state=5)
    assert quantiles.shape == (25, 1, 2) and (quantiles[..., 0] <= quantiles[..., 1]).all()
    summary = first.summary()
    assert set(summary) >= {"mean", "q0.5", "p_gt0", "p_ge25", "p_ge100"}


@pytest.mark.parametrize("name", sorted(registry.MODELS))
def test_records_after_the_cutoff_change_nothing(name: str) -> None:
    """Leakage: shifting or removing every record after the cutoff leaves the forecast."""
    full = synthetic_panel(months=120)
    cutoff = full.first_month + 99
    altered_values = full.values.copy()
    altered_values[:, 100:] = altered_values[:, 100:][:, ::-1] * 7 + 3  # shifted, rescaled
    altered = Panel(full.units, full.first_month, altered_values)
    removed = Panel(full.units, full.first_month, full.values[:, :100])
    draws = [
        registry.build(name).fit(p.truncate(cutoff)).sample(n=30, random_state=2).draws
        for p in (full, altered, removed)
    ]
    assert np.array_equal(draws[0], draws[1]) and np.array_equal(draws[0], draws[2])


def test_hurdle_learns_who_is_at_war() -> None:
    panel = synthetic_panel()
    forecast = HurdleGBM(origins=60, max_iter=60).fit(panel).sample(n=400, random_state=0)
    p_any = (forecast.draws > 0).mean(axis=(1, 2))
    median = np.median(forecast.draws, axis=(1, 2))
    assert p_any[:10].max() < 0.2 and p_any[20:].min() > 0.9
    assert 40 < np.median(median[20:]) < 160  # the scale of the wars (rate 80)


def write_challenge(folder: Path, *, tamper_after: int | None = None) -> None:
    """A tiny challenge folder: 3 countries, features to October 2018 and 2019, actuals."""
    rng = np.random.default_rng(0)
    series = {c: rng.poisson(rate, 60).astype(float) for c, rate in ((1, 0.2), (2, 5), (3, 60))}
    first = october(2019) - 59  # the series' first month_id

    def value(c: int, m: int) -> float:
        v = series[c][m - first]
        return float(v * 10 + 999) if tamper_after is not None and m > tamper_after else float(v)

    for year in (2018, 2019):
        rows = []
        for m in range(october(year) - 11, october(year) + 1):
            for c in series:
                row = {"month_id": m, "country_id": c, "gleditsch_ward": c, "ged_sb": value(c, m)}
                for lag in range(1, 7):
                    row[f"ged_sb_tlag_{lag}"] = value(c, m - lag)
                rows.append(row)
        pl.DataFrame(rows).write_parquet(folder / f"cm_features_to_oct{year}.parquet")
    actual_rows = [
        {"ged_sb": value(c, m), "month_id": m, "country_id": c}
        for m in range(october(2019) - 9, october(2019) + 1)
        for c in series
    ]
    pl.DataFrame(actual_rows).write_parquet(folder / "cm_actuals_2019.parquet")


def test_reader_never_reads_past_the_cutoff(tmp_path: Path) -> None:
    clean, tampered = tmp_path / "clean", tmp_path / "tampered"
    clean.mkdir()
    tampered.mkdir()
    cutoff = october(2018)
    write_challenge(clean)
    write_challenge(tampered, tamper_after=cutoff)
    a = ChallengeFolder.open(clean).panel(cutoff)
    b = ChallengeFolder.open(tampered).panel(cutoff)
    assert a.first_month + a.values.shape[1] - 1 == cutoff
    assert np.array_equal(a.values, b.values, equal_nan=True)
    # ... and the lags reach back six months before the first feature month.
    assert a.first_month == october(2018) - 11 - 6
    later = ChallengeFolder.open(tampered).panel(october(2019))
    assert later.values[0, -1] >= 999  # after that cutoff, the tampered values are visible


def test_situations_and_bootstrap_difference() -> None:
    sits = backtest.situation(np.array([0, 0, 5, 5.0]), np.array([0, 3, 2, 0.0]))
    assert sits.tolist() == ["peace", "onset", "ongoing", "de-escalation"]
    units = np.arange(1, 41)
    truth = np.repeat(units * 3.0, 1)
    actuals = {(int(u), 5): float(t) for u, t in zip(units, truth, strict=True)}
    good = Forecast(
        units, 2, (3,), np.repeat(truth[:, None, None], 50, axis=2).astype("f4"), "good"
    )
    bad = Forecast(units, 2, (3,), np.zeros((40, 1, 50), dtype="f4"), "bad")
    result = backtest.Backtest(
        [backtest.score_forecast(f, actuals, {}, window=2000) for f in (good, bad)]
    )
    assert result.ranking() == ["good", "bad"]
    diff = result.difference("good", "bad")
    assert diff["high"] < 0 < -diff["mean"]
    with pytest.raises(ValueError, match="no actual"):
        backtest.score_forecast(good, {}, {}, window=2000)


def test_forecast_cli_on_the_challenge_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = shared_file("views-challenge-cm/cm_features_to_oct2019.parquet").parent
    monkeypatch.setenv("PEACEOPS_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "forecast",
            "backtest",
            "--level",
            "cm",
            "--data",
            str(data),
            "--windows",  # the issue's own syntax: --windows 2019 2020
            "2019",
            "2020",
            "--model",
            "conflictology",
            "--model",
            "hurdle_blend",
            "--draws",
            "100",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    scores = json.loads((tmp_path / "scores.json").read_text())
    rows = {(r["model"], r["window"]): r for r in scores["table"]}
    # VIEWS's own last-historical-Poisson file is scored with the same code, as a check.
    assert ("views_poisson", "2019") in rows and ("nb_bodentien_rueter", "2020") in rows
    assert set(scores["by_situation_crps"]["conflictology"]) == set(backtest.SITUATIONS)
    assert "| conflictology | 2019 |" in (tmp_path / "scores.md").read_text()
    models = json.loads(runner.invoke(app, ["forecast", "models", "--json"]).stdout)
    default = next(m["name"] for m in models if m["default"])
    assert default == scores["ranking"][0]  # the default follows the backtest
    run = runner.invoke(
        app,
        [
            "forecast",
            "run",
            "--level",
            "cm",
            "--data",
            str(data),
            "--cutoff",
            "2020-10",
            "--draws",
            "20",
            "--out",
            str(tmp_path),
        ],
    )
    assert run.exit_code == 0, run.output
    written = pl.read_parquet(tmp_path / "cm" / "window=Y2021" / f"{default}.parquet")
    assert written.columns == ["month_id", "country_id", "draw", "outcome"]
    assert (written["month_id"].min(), written["month_id"].max()) == (493, 504)
    assert written.shape[0] == 191 * 12 * 20
    bad = runner.invoke(
        app, ["forecast", "run", "--data", str(data), "--cutoff", "2020/10", "--out", str(tmp_path)]
    )
    assert bad.exit_code == 3 and "--cutoff" in bad.output
    grid = runner.invoke(
        app, ["forecast", "backtest", "--level", "pgm", "--data", str(data), "--out", str(tmp_path)]
    )
    assert grid.exit_code == 3 and "needs --country" in grid.output


def test_covariates_after_the_cutoff_change_nothing() -> None:
    base = synthetic_panel(months=120)
    rng = np.random.default_rng(9)
    covariate = rng.normal(size=base.values.shape)
    altered = covariate.copy()
    altered[:, 100:] = 1e6  # a wild value after the cutoff
    cutoff = base.first_month + 99
    draws = []
    for matrix in (covariate, altered):
        panel = Panel(base.units, base.first_month, base.values, {"vdem_v2x_rule": matrix})
        model = HurdleGBM(origins=40, max_iter=30).fit(panel.truncate(cutoff))
        draws.append(model.sample((3,), n=20, random_state=1).draws)
    assert np.array_equal(draws[0], draws[1])
    with pytest.raises(ValueError, match="covariate"):
        Panel(base.units, base.first_month, base.values, {"x": covariate[:, :5]})
