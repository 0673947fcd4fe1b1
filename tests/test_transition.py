"""Transition benchmarks: judging a condition from its observations (status, trend, projected
date with its interval, confidence) and a benchmark from its conditions. Pure functions."""

from __future__ import annotations

from datetime import date

import pytest

from peaceops.analytics.transition import combine, fit_trend, judge
from peaceops.domain.transition import (
    Benchmark,
    Condition,
    ConditionKind,
    Direction,
    Observation,
    Status,
)

SCORE = Condition("police_integrity", ConditionKind.DIMENSION_SCORE, 0.6, target="police/integrity")
RISK = Condition("calm", ConditionKind.FORECAST_RISK, 0.1, Direction.AT_MOST, months=6)
TARGET = date(2028, 12, 31)


def series(*values: float, se: float | None = 0.03, start: int = 2023) -> list[Observation]:
    return [Observation(date(start + i, 6, 1), v, se) for i, v in enumerate(values)]


def test_no_evidence_and_met_are_said_plainly() -> None:
    none = judge(SCORE, [], target_date=TARGET)
    assert none.status is Status.NO_EVIDENCE and none.confidence == 0.0
    met = judge(SCORE, series(0.4, 0.65), target_date=TARGET)
    assert met.status is Status.MET and met.confidence == 1.0 and met.projected is None


def test_one_measurement_is_too_thin_to_project() -> None:
    one = judge(SCORE, series(0.4), target_date=TARGET)
    assert one.status is Status.AT_RISK and one.trend_per_year is None
    assert "single measurement" in one.reason
    two = judge(SCORE, series(0.4, 0.5, se=None), target_date=TARGET)
    assert two.status is Status.AT_RISK and two.trend_se is None
    assert two.projected is not None  # 0.1 a year: from 0.5 to 0.6 a year after June 2024
    assert abs((two.projected - date(2025, 6, 1)).days) <= 1


def test_a_steady_rise_is_on_track_with_an_interval_around_its_crossing() -> None:
    rising = judge(SCORE, series(0.30, 0.38, 0.45, 0.52), target_date=TARGET, seed=1)
    assert rising.status is Status.ON_TRACK and rising.confidence >= 0.8
    assert rising.trend_per_year == pytest.approx(0.074, abs=0.01)
    assert rising.projected is not None and rising.projected_low is not None
    assert rising.projected_low <= rising.projected <= (rising.projected_high or date.max)
    assert date(2026, 6, 1) < rising.projected < date(2027, 12, 31)
    again = judge(SCORE, series(0.30, 0.38, 0.45, 0.52), target_date=TARGET, seed=1)
    assert again == rising


def test_a_flat_or_falling_series_is_off_track_and_a_slow_one_at_risk() -> None:
    falling = judge(SCORE, series(0.50, 0.47, 0.44, 0.41), target_date=TARGET)
    assert falling.status is Status.OFF_TRACK and falling.projected is None
    slow = judge(SCORE, series(0.40, 0.43, 0.46, 0.49, se=0.06), target_date=date(2029, 12, 31))
    assert slow.status is Status.AT_RISK and 0.2 <= slow.confidence < 0.8


def test_a_ceiling_condition_is_judged_downwards() -> None:
    calm = judge(RISK, series(0.30, 0.22, 0.15, se=0.02), target_date=TARGET)
    assert calm.status is Status.ON_TRACK
    assert judge(RISK, series(0.30, 0.08), target_date=TARGET).status is Status.MET


def test_fit_weights_precise_observations_more() -> None:
    obs = [
        Observation(date(2023, 1, 1), 0.2, 0.01),
        Observation(date(2024, 1, 1), 0.9, 0.5),
        Observation(date(2025, 1, 1), 0.4, 0.01),
    ]
    fit = fit_trend(obs)
    assert fit is not None and fit[1] == pytest.approx(0.1, abs=0.01)


def test_a_benchmark_takes_its_worst_condition_and_needs_evidence_for_each() -> None:
    b = Benchmark("police", {"en": "The police provide security in all regions"})
    met = judge(SCORE, series(0.7), target_date=TARGET)
    falling = judge(SCORE, series(0.50, 0.47, 0.44, 0.41), target_date=TARGET)
    nothing = judge(RISK, [], target_date=TARGET)
    assert combine(b, [met, met]).status is Status.MET
    assert combine(b, [met, nothing]).status is Status.NO_EVIDENCE
    assert combine(b, [met, nothing, falling]).status is Status.OFF_TRACK
    assert combine(b, []).status is Status.NO_EVIDENCE


# The benchmark sets ---------------------------------------------------------------------------


def test_the_template_set_loads_and_a_faulty_one_is_refused_by_name() -> None:
    import yaml

    from peaceops.errors import RowErrors
    from peaceops.ingest.benchmarks import BUILTIN, builtin_benchmark_sets, validate

    (template,) = builtin_benchmark_sets()
    kinds = {c.kind for b in template.benchmarks for c in b.conditions}
    assert kinds == set(ConditionKind)  # every kind of evidence is used at least once
    assert all(b.statement["fr"] for b in template.benchmarks)
    data = yaml.safe_load((BUILTIN / "un_multidimensional.yaml").read_text(encoding="utf-8"))
    data["benchmarks"][4]["conditions"][0]["direction"] = "at_least"
    data["benchmarks"][0]["conditions"][1]["threshold"] = 3
    del data["benchmarks"][1]["statement"]["fr"]
    with pytest.raises(RowErrors) as info:
        validate(data, source="set.yaml")
    shown = str(info.value)
    assert "benchmark 'police_security', condition 'police_capacity'" in shown
    assert "benchmark 'police_accountable', field 'statement.fr'" in shown
    assert "condition 'country_risk', field 'condition'" in shown and "at_most" in shown
