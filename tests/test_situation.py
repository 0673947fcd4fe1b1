"""The situation map's layers in the platform: grid clustering against a naive loop, events
as points or clusters with counts conserved, windows by bbox and time, per-layer rules."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from sqlalchemy import select

from conftest import SYSTEM
from peaceops.analytics.clustering import cell_size, grid_clusters
from peaceops.domain.access import Principal, Role
from peaceops.domain.places import Month
from peaceops.errors import InputError, PermissionDenied
from peaceops.platform import Platform
from peaceops.platform.situation import MAX_POINTS, parse_bbox
from peaceops.storage import transaction
from peaceops.storage.repositories import events as events_repo
from peaceops.storage.tables import events


def naive_clusters(
    lon: list[float], lat: list[float], deaths: list[int], cell: float, bbox: tuple[float, ...]
) -> dict[tuple[int, int], tuple[int, int, float, float]]:
    """The reference: one dictionary entry per cell, filled point by point."""
    found: dict[tuple[int, int], list[float]] = {}
    for x, y, f in zip(lon, lat, deaths, strict=True):
        if not (bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]):
            continue
        key = (math.floor((x + 180) / cell), math.floor((y + 90) / cell))
        entry = found.setdefault(key, [0, 0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += f
        entry[2] += x
        entry[3] += y
    return {k: (int(n), int(f), sx / n, sy / n) for k, (n, f, sx, sy) in found.items()}


@pytest.mark.parametrize("zoom", [3, 6, 9])
def test_grid_clusters_match_a_naive_loop(zoom: int) -> None:
    rng = np.random.default_rng(7)
    lon = rng.uniform(-27, -21, 5000)
    lat = rng.uniform(-24, -18, 5000)
    deaths = rng.poisson(3, 5000)
    bbox = (-26.0, -23.0, -22.0, -19.0)
    cell = cell_size(zoom)
    got = grid_clusters(lon, lat, deaths, cell=cell, bbox=bbox)
    want = naive_clusters(lon.tolist(), lat.tolist(), deaths.tolist(), cell, bbox)
    assert len(got) == len(want)
    for i in range(len(got)):
        key = (round((got.west[i] + 180) / cell), round((got.south[i] + 90) / cell))
        n, f, mx, my = want[key]
        assert got.count[i] == n and got.fatalities[i] == f
        assert got.lon[i] == pytest.approx(mx) and got.lat[i] == pytest.approx(my)
        assert got.west[i] <= got.lon[i] <= got.east[i]
        assert got.south[i] <= got.lat[i] <= got.north[i]
    inside = sum(1 for x, y in zip(lon, lat, strict=True) if -26 <= x <= -22 and -23 <= y <= -19)
    assert int(got.count.sum()) == inside


def test_grid_clusters_edge_cases() -> None:
    empty = grid_clusters([], [], [], cell=1.0)
    assert len(empty) == 0
    nan = grid_clusters([float("nan"), 1.5], [0.5, 0.5], [1, 2], cell=1.0)
    assert nan.count.tolist() == [1] and nan.fatalities.tolist() == [2]
    with pytest.raises(ValueError):
        grid_clusters([0], [0], [0], cell=0)
    assert cell_size(1) == cell_size(0) / 2


def test_bbox_is_checked() -> None:
    assert parse_bbox("-25,-23,-22.5,-19") == (-25.0, -23.0, -22.5, -19.0)
    for bad in ("1,2,3", "a,b,c,d", "10,0,5,1", "0,95,1,96"):
        with pytest.raises(InputError) as info:
            parse_bbox(bad)
        assert info.value.problem.field == "bbox"


def events_in(platform: Platform, bbox: tuple[float, ...], since: int, until: int) -> int:
    with transaction(platform.engine, write=False) as conn:
        rows = conn.execute(events.select()).mappings().all()
    return sum(
        1
        for r in rows
        if r["lon"] is not None
        and bbox[0] <= r["lon"] <= bbox[2]
        and bbox[1] <= r["lat"] <= bbox[3]
        and since <= r["month_id"] <= until
    )


def test_events_points_when_few_clusters_when_many(platform: Platform) -> None:
    situation = platform.situation
    narrow = situation.window("XCA", since="2026-06", until="2026-08")
    few = situation.events(narrow)
    assert few["clustered"] is False and few["total"] <= MAX_POINTS
    assert len(few["features"]) == few["total"]
    assert (
        events_in(platform, narrow.bbox, narrow.since.month_id, narrow.until.month_id)
        == few["total"]
    )

    wide = situation.window("XCA", since="2010-01", until="2030-12", zoom=6)
    many = situation.events(wide)
    assert many["clustered"] is True and many["total"] > MAX_POINTS
    counted = sum(f["properties"]["count"] for f in many["features"])
    assert (
        counted
        == many["total"]
        == events_in(platform, wide.bbox, wide.since.month_id, wide.until.month_id)
    )
    assert len(many["features"]) < many["total"]
    for f in many["features"]:
        west, south, east, north = f["properties"]["cell"]
        x, y = f["geometry"]["coordinates"]
        assert west <= x <= east and south <= y <= north
        assert east - west == pytest.approx(cell_size(6))

    finer = situation.events(situation.window("XCA", since="2010-01", until="2030-12", zoom=9))
    assert len(finer["features"]) > len(many["features"])
    assert sum(f["properties"]["count"] for f in finer["features"]) == many["total"]


@pytest.mark.parametrize("zoom", [2, 6, 9])
def test_database_cells_match_the_in_memory_grid(platform: Platform, zoom: int) -> None:
    """The database's grouping (CAST on SQLite, floor on PostgreSQL) puts every event in the
    cell ``grid_clusters`` puts it in, west and south of the origin included."""
    with transaction(platform.engine, write=False) as conn:
        rows = conn.execute(
            select(events.c.lon, events.c.lat, events.c.best).where(events.c.lon.is_not(None))
        ).all()
        cell = cell_size(zoom)
        cells = events_repo.grid_cells_in_window(
            conn, bbox=(-180, -90, 180, 90), since_month=0, until_month=10**6, cell=cell
        )
    lon, lat, deaths = (np.array(c, dtype=np.float64) for c in zip(*rows, strict=True))
    assert (lon < 0).all() and (lat < 0).all()  # Carana lies south-west of (0, 0)
    want = grid_clusters(lon, lat, deaths, cell=cell)
    assert len(cells) == len(want) > 1
    got = {(col, row): (n, d, x, y) for col, row, n, d, x, y in cells}
    for i in range(len(want)):
        key = (round((want.west[i] + 180) / cell), round((want.south[i] + 90) / cell))
        n, d, x, y = got[key]
        assert (n, d) == (int(want.count[i]), int(want.fatalities[i]))
        assert (x, y) == (pytest.approx(want.lon[i]), pytest.approx(want.lat[i]))


def test_bbox_and_time_narrow_the_events(platform: Platform) -> None:
    situation = platform.situation
    whole = situation.window("XCA", since="2010-01", until="2030-12")
    west, south, east, north = whole.bbox
    half = f"{west},{south},{(west + east) / 2},{north}"
    part = situation.window("XCA", bbox=half, since="2010-01", until="2030-12")
    all_events = situation.events(whole)["total"]
    some = situation.events(part)["total"]
    assert 0 < some < all_events
    assert some == events_in(platform, part.bbox, part.since.month_id, part.until.month_id)
    one_year = situation.events(situation.window("XCA", since="2020-01", until="2020-12"))
    assert 0 < one_year["total"] < all_events
    typed = situation.events(whole, event_type="one_sided")["total"]
    assert typed < all_events


def test_window_rejects_bad_parameters(platform: Platform) -> None:
    situation = platform.situation
    for kwargs, field in (
        ({"since": "2020-13"}, "since"),
        ({"until": "soon"}, "until"),
        ({"since": "2021-01", "until": "2020-01"}, "since"),
        ({"zoom": 40}, "zoom"),
        ({"bbox": "1,2"}, "bbox"),
    ):
        with pytest.raises(InputError) as info:
            situation.window("XCA", **kwargs)  # type: ignore[arg-type]
        assert info.value.problem.field == field
    window = situation.window("XCA")
    with pytest.raises(InputError) as bad:
        situation.layer("tiles", window, by=SYSTEM)
    assert bad.value.problem.field == "layer"


def test_every_layer_is_a_feature_collection(platform: Platform) -> None:
    window = platform.situation.window("XCA")
    for name in platform.situation.visible_layers(SYSTEM):
        found = platform.situation.layer(name, window, by=SYSTEM)
        assert found["type"] == "FeatureCollection"
        assert found["features"], f"the demo has no {name} in the window"
    both = platform.situation.collection(window, ["sites", "areas"], by=SYSTEM)
    assert {f["properties"]["layer"] for f in both["features"]} == {"sites", "areas"}


def test_risk_layer_needs_forecast_reading(platform: Platform) -> None:
    window = platform.situation.window("XCA")
    risk = platform.situation.risk(window, by=SYSTEM)
    assert risk["run"] and risk["months"]
    assert all(0 <= f["properties"]["value"] <= 1 for f in risk["features"])
    later = platform.situation.risk(window, by=SYSTEM, month=risk["months"][-1], measure="mean")
    assert later["month"] == risk["months"][-1]
    with pytest.raises(InputError):
        platform.situation.risk(window, by=SYSTEM, month="1999-01")
    civil = Principal("civil", Role.CIVIL_SOCIETY)
    assert "risk" not in platform.situation.visible_layers(civil)
    with pytest.raises(PermissionDenied):
        platform.situation.layer("risk", window, by=civil)


def test_cached_cells_follow_every_change_of_the_events(platform: Platform) -> None:
    """Cells are cached by the events' data version: an insert, an update and a delete each
    move it, and the next view shows the change."""
    situation = platform.situation
    wide = situation.window("XCA", since="2010-01", until="2030-12", zoom=6)
    before = situation.events(wide)
    assert before["clustered"] and situation.events(wide) == before
    west, south, east, north = wide.bbox
    lon, lat = (west + east) / 2, (south + north) / 2
    row = {
        "source": "test",
        "source_id": "cache-1",
        "version": "1",
        "digest": "x",
        "type_of_violence": 1,
        "date_start": date(2020, 5, 1),
        "date_end": date(2020, 5, 1),
        "month_id": Month(2020, 5).month_id,
        "best": 7,
        "low": 7,
        "high": 7,
        "lon": lon,
        "lat": lat,
    }
    with transaction(platform.engine) as conn:
        start = events_repo.data_version(conn)
        events_repo.insert_events(conn, [row])
    added = situation.events(wide)
    assert added["total"] == before["total"] + 1
    deaths = sum(f["properties"]["fatalities"] for f in added["features"])
    assert deaths == sum(f["properties"]["fatalities"] for f in before["features"]) + 7
    with transaction(platform.engine) as conn:
        stored = events_repo.find_event(conn, "test", "cache-1", "1")
        assert stored is not None
        events_repo.update_event(conn, stored["id"], {"best": 9, "high": 9})
    changed = situation.events(wide)
    assert sum(f["properties"]["fatalities"] for f in changed["features"]) == deaths + 2
    with transaction(platform.engine) as conn:
        events_repo.delete_event(conn, stored["id"])
        assert events_repo.data_version(conn) == start + 3
    assert situation.events(wide) == before
