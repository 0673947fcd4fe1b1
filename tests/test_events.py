"""Conflict events: GED import on both engines, panels from events, stored forecast runs."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from conftest import SYSTEM, TestDatabase, shared_file
from peaceops.analytics.forecasting.event_panels import panel_from_events
from peaceops.domain.access import Principal, Role
from peaceops.domain.events import EventSource
from peaceops.domain.places import Month
from peaceops.errors import InputError, PermissionDenied, Problem
from peaceops.ingest.ucdp_ged import read_ged, version_from_name
from peaceops.platform import Platform

HEADER = "id,type_of_violence,date_start,date_end,best,low,high,latitude,longitude,country_id\n"


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_bad_rows_are_named_and_the_rest_read(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "GEDEvent_v25_1.csv",
        [
            "1,1,2020-01-05,2020-01-05,3,2,4,5.0,20.0,482",
            "2,1,2020-01-05,2020-01-05,9,2,4,5.0,20.0,482",  # best above high
            "3,4,2020-01-05,2020-01-05,1,1,1,5.0,20.0,482",  # unknown violence type
            "4,1,2020-02-30,2020-02-30,1,1,1,5.0,20.0,482",  # no such day
            "5,1,2020-03-05,2020-03-01,1,1,1,5.0,20.0,482",  # ends before it starts
            "6,1,2020-01-05,2020-01-05,1,1,1,95.0,20.0,482",  # latitude out of range
            "7,2,2020-01-05,2020-01-06,0,0,2,,,482",  # no coordinates: fine
            "8,1,2020-01-05,2020-01-05,2.5,1,3,5.0,20.0,482",  # not a whole number
        ],
    )
    items = list(read_ged(path))
    events = [i for i in items if not isinstance(i, Problem)]
    problems = [str(i) for i in items if isinstance(i, Problem)]
    assert [e.source_id for e in events] == ["1", "7"]
    assert events[0].version == "25.1" and events[0].month == Month(2020, 1)
    assert problems == [
        "GEDEvent_v25_1.csv, line 3, id 2, field 'best': low <= best <= high fails (2, 9, 4)",
        "GEDEvent_v25_1.csv, line 4, id 3, field 'type_of_violence': must be 1, 2 or 3, not '4'",
        "GEDEvent_v25_1.csv, line 5, id 4, field 'date_start': not a date (day is out of range "
        "for month)",
        "GEDEvent_v25_1.csv, line 6, id 5, field 'date_end': before date_start (2020-03-01 < "
        "2020-03-05)",
        "GEDEvent_v25_1.csv, line 7, id 6, field 'latitude': impossible coordinates (95.0, 20.0)",
        "GEDEvent_v25_1.csv, line 9, id 8, field 'best': not a whole number",
    ]


def test_files_that_are_not_ged_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "GEDEvent_v25_1.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="columns id, type_of_violence"):
        list(read_ged(other))
    unnamed = write_csv(tmp_path / "events.csv", ["1,1,2020-01-05,2020-01-05,3,2,4,5,20,482"])
    with pytest.raises(InputError, match="--version"):
        list(read_ged(unnamed))
    assert version_from_name("ged201.csv") == "20.1"


def test_ged_sample_imports_once_on_both_engines(platform: Platform) -> None:
    source = shared_file("ucdp/ged231_sample.csv")
    first = platform.events.import_ucdp_ged(source, by=SYSTEM)
    assert (first.created, first.skipped) == (877, 9)  # nine rows break low <= best <= high
    assert all("line" in str(w) and "id " in str(w) for w in first.warnings)
    again = platform.events.import_ucdp_ged(source, by=SYSTEM)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 877)
    vintage = platform.events.vintage()
    assert vintage["ucdp_ged 23.1"]["events"] == 877
    audit = [
        e
        for e in platform.audit.entries(by=SYSTEM, entity="events")[0]
        if e.after and e.after.get("source") == "ged231_sample.csv"
    ]
    assert len(audit) == 1 and audit[0].after and audit[0].after["created"] == 877


def test_a_corrected_file_updates_and_candidates_are_kept_apart(
    platform: Platform, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "GEDEvent_v25_1.csv", ["11,1,2020-01-05,2020-01-05,3,2,4,5.0,20.0,482"]
    )
    assert platform.events.import_ucdp_ged(path, by=SYSTEM).created == 1
    write_csv(path, ["11,1,2020-01-05,2020-01-05,4,2,4,5.0,20.0,482"])
    assert platform.events.import_ucdp_ged(path, by=SYSTEM).updated == 1
    candidate = platform.events.import_ucdp_ged(path, by=SYSTEM, kind=EventSource.UCDP_CANDIDATE)
    assert candidate.created == 1  # a candidate event is another record than the final one
    with pytest.raises(PermissionDenied):
        platform.events.import_ucdp_ged(path, by=Principal("v", Role.VIEWER))


def test_panel_from_events_against_a_naive_sum() -> None:
    rng = np.random.default_rng(4)
    frame = pl.DataFrame(
        {
            "unit": rng.integers(1, 6, 400),
            "month_id": rng.integers(100, 140, 400),
            "best": rng.integers(0, 50, 400),
        }
    )
    panel = panel_from_events(frame, units=[1, 2, 3, 4, 5], first_month=110, cutoff=130)
    for i, unit in enumerate([1, 2, 3, 4, 5]):
        for month in range(110, 131):
            expected = sum(b for u, m, b in frame.iter_rows() if u == unit and m == month)
            assert panel.values[i, month - 110] == expected


def test_car_events_at_admin1_and_grid_level(platform: Platform) -> None:
    boundaries = shared_file("natural-earth/ne_10m_admin_1_target8_from_ems.geojson")
    platform.places.load_reference_countries(by=SYSTEM)
    platform.places.import_boundaries(boundaries, level=1, country="CAF", by=SYSTEM)
    report = platform.events.import_ucdp_ged(
        shared_file("ucdp/GEDEvent_v23_1_CAR_482.geojson"), by=SYSTEM
    )
    assert report.created == 1557 and report.skipped == 19
    assert "feature 281, id 256002" in str(report.warnings[0])
    cutoff = Month(2019, 12).month_id
    admin1 = platform.forecasting.event_panel("admin1", "CAF", cutoff=cutoff, history=360)
    assert admin1.panel.values.shape == (17, 360)  # the sixteen prefectures and Bangui
    grid = platform.forecasting.event_panel("pgm", "CAF", cutoff=cutoff, history=360)
    assert 200 < len(grid.panel.units) < 320
    # Nearly all state-based deaths fall in some prefecture and some cell of the country.
    assert grid.panel.values.sum() == pytest.approx(admin1.panel.values.sum(), rel=0.05)
    run_id = platform.forecasting.run_events(
        "pgm", "CAF", cutoff=Month(2019, 12), by=SYSTEM, n_draws=100, steps=3
    )
    values = platform.forecasting.run_values(run_id)
    assert len(values) == 3 * len(grid.panel.units)
    assert all(
        0 <= v["p_ge25"] <= v["p_gt0"] <= 1 and v["q05"] <= v["q50"] <= v["q95"] for v in values
    )
    run = platform.forecasting.run(run_id)
    assert run["model"] == platform.forecasting.default_model()
    assert "ucdp_ged 23.1" in json.loads(run["data_vintage"])


def test_events_after_the_cutoff_do_not_reach_the_panel(db: TestDatabase) -> None:
    platform = db.platform
    cutoff = Month(2023, 6).month_id
    before = platform.forecasting.event_panel("admin1", "XCA", cutoff=cutoff).panel.values
    with platform.engine.begin() as conn:  # move every later event: nothing may change
        conn.exec_driver_sql(
            "UPDATE events SET low = low * 10, best = best * 10, high = high * 10 "
            f"WHERE month_id > {cutoff}"
        )
    after = platform.forecasting.event_panel("admin1", "XCA", cutoff=cutoff).panel.values
    assert np.array_equal(before, after)


def test_the_demo_holds_a_stored_forecast(platform: Platform) -> None:
    # One run a quarter over the scenario's last year (the transition benchmarks judge the
    # risk's trend); the pages show the latest.
    runs = platform.forecasting.runs(country="XCA")
    cutoffs = sorted(r["cutoff_month_id"] for r in runs)
    assert len(runs) == 4 and {r["level"] for r in runs} == {"admin1"}
    assert [b - a for a, b in itertools.pairwise(cutoffs)] == [3, 3, 3]
    latest = max(runs, key=lambda r: r["cutoff_month_id"])
    values = platform.forecasting.run_values(latest["id"])
    assert {v["unit"] for v in values} == {f"XCA{i:02d}" for i in range(1, 9)}
    worst = max(values, key=lambda v: v["p_ge25"])
    assert worst["unit"] in ("XCA06", "XCA07")  # the scenario's 2026 flare-up
    with pytest.raises(InputError, match="no admin-1 boundaries"):
        platform.forecasting.event_panel("admin1", "LBR", cutoff=500)


def test_backtest_on_the_platforms_own_events(platform: Platform) -> None:
    report = platform.forecasting.backtest_events(
        "admin1", "XCA", windows=[2024, 2025], models=["conflictology", "hurdle_blend"], n_draws=100
    )
    rows = {(r["model"], r["window"]) for r in report.scores["table"]}
    assert rows >= {("conflictology", "2024"), ("hurdle_blend", "2025"), ("hurdle_blend", "all")}
    result = report.result.get("conflictology", 2024)
    assert len(result.actual) == 8 * 12  # eight regions, January to December
    # The actuals are the events of 2024 summed per region, as a plain count confirms.
    with platform.engine.connect() as conn:
        total = conn.exec_driver_sql(
            "SELECT SUM(best) FROM events WHERE type_of_violence = 1 AND month_id BETWEEN "
            f"{Month(2024, 1).month_id} AND {Month(2024, 12).month_id}"
        ).scalar_one()
    assert result.actual.sum() == total


def test_neighbours_come_from_the_map(platform: Platform) -> None:
    admin1 = platform.forecasting.event_panel("admin1", "XCA", cutoff=Month(2025, 1).month_id)
    neighbours = admin1.panel.neighbours
    assert len(neighbours) == 8 and all(len(n) >= 1 for n in neighbours)
    for i, ns in enumerate(neighbours):  # sharing a border is mutual
        assert all(i in neighbours[j] for j in ns)
    grid = platform.forecasting.event_panel("pgm", "XCA", cutoff=Month(2025, 1).month_id)
    assert all(len(n) <= 8 for n in grid.panel.neighbours)
    assert sum(len(n) == 8 for n in grid.panel.neighbours) > 10  # inland cells: all eight
