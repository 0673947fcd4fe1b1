"""The pure rules of alerts (``analytics.alerts``), checked on small hand-made inputs."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from peaceops.analytics.alerts import (
    IncidentPoint,
    Place,
    forecast_risk,
    haversine_km,
    incidents_near,
    sudden_rise,
)

PLACES = [
    Place("activity", 7, "Police training", area_id=1, link="/activities/7"),
    Place("activity", 8, "Court support", area_id=1, link="/activities/8"),
    Place("site", 3, "Nkoro police station", lon=30.0, lat=1.0, area_id=1),
    Place("site", 4, "Far court", lon=31.0, lat=2.0, area_id=2),
]


def test_forecast_risk_raises_only_above_the_threshold_where_places_are() -> None:
    found = forecast_risk(
        {1: 0.41, 2: 0.2, 3: 0.9},
        PLACES,
        area_names={1: "Nkoro", 2: "Lesedi", 3: "Empty"},
        threshold=0.3,
        months=3,
        run_id=5,
        month="2026-10",
    )
    assert [c.key for c in found] == ["area:1:2026-10"]
    (c,) = found
    assert c.explanation.startswith(
        "Forecast: 41% chance of 25 or more deaths in Nkoro in the next 3 months "
        "(threshold 30%); 2 programmes run there: Police training, Court support"
    )
    assert "1 institution site: Nkoro police station" in c.explanation
    assert c.evidence["forecast_run_id"] == 5
    assert c.evidence["activity_ids"] == [7, 8]
    assert c.evidence["site_ids"] == [3]
    assert "/activities/7" in c.evidence["links"]
    assert c.admin_area_id == 1


def test_forecast_risk_at_the_threshold_does_not_raise() -> None:
    found = forecast_risk(
        {1: 0.3}, PLACES, area_names={}, threshold=0.3, months=3, run_id=1, month="2026-10"
    )
    assert found == []


def test_incident_near_lists_places_within_the_distance_nearest_first() -> None:
    incidents = [
        IncidentPoint(42, 30.05, 1.0, date(2026, 10, 1), "armed_clash", fatalities=2),
        IncidentPoint(43, 35.0, 5.0, date(2026, 10, 2), "armed_clash"),
    ]
    found = incidents_near(PLACES, incidents, km=10, days=14)
    assert [c.key for c in found] == ["incident:42"]
    (c,) = found
    assert c.evidence["incident_ids"] == [42]
    assert c.evidence["site_ids"] == [3]
    assert c.evidence["links"][0] == "/incidents/42"
    assert "2 deaths" in c.explanation and "5.6 km" in c.explanation
    assert (c.lon, c.lat) == (30.05, 1.0)


def test_haversine_matches_a_known_distance() -> None:
    # One degree of latitude is about 111.2 km on the mean sphere.
    assert haversine_km(0, 0, 0, 1) == pytest.approx(111.19, abs=0.01)
    assert haversine_km(10, 10, 10, 10) == 0


def _naive_rise(
    rows: list[tuple[int, int, float]], last: int, recent: int, history: int, factor: float, m: int
) -> set[int]:
    """Reference: loop over the areas, months absent are zero."""
    out = set()
    for area in {r[0] for r in rows}:
        counts = {mo: v for a, mo, v in rows if a == area}
        r = sum(counts.get(mo, 0.0) for mo in range(last - recent + 1, last + 1))
        h = sum(counts.get(mo, 0.0) for mo in range(last - recent - history + 1, last - recent + 1))
        if r >= m and r > factor * (h / history) * recent:
            out.add(area)
    return out


def test_sudden_rise_agrees_with_a_naive_reference() -> None:
    import random

    rng = random.Random(3)
    rows = [
        (area, month, float(rng.choice([0, 0, 0, 1, 2, 5, 20])))
        for area in range(1, 30)
        for month in range(100, 130)
        if rng.random() < 0.7
    ]
    frame = pl.DataFrame(rows, schema=["area_id", "month_id", "fatalities"], orient="row")
    found = sudden_rise(
        frame,
        last_month=129,
        recent_months=3,
        history_months=12,
        factor=2.0,
        minimum=5,
        area_names={},
    )
    assert {c.admin_area_id for c in found} == _naive_rise(rows, 129, 3, 12, 2.0, 5)


def test_sudden_rise_explains_itself_and_respects_the_minimum() -> None:
    frame = pl.DataFrame(
        {"area_id": [1, 1, 2], "month_id": [10, 12, 12], "fatalities": [2.0, 30.0, 4.0]}
    )
    found = sudden_rise(
        frame,
        last_month=12,
        recent_months=1,
        history_months=2,
        factor=3,
        minimum=5,
        area_names={1: "Nkoro", 2: "Lesedi"},
        month_label={12: "1981-12"},
    )
    assert [c.key for c in found] == ["area:1:12"]
    assert found[0].explanation.startswith(
        "Sudden rise: 30 deaths in Nkoro in the 1 month to 1981-12, 30.0 times"
    )
    assert found[0].evidence["history_mean"] == 1.0
