"""Deployments on both engines: Geo-PKO imports, the UN missions list, filters, the API, the
pages and the demo's drawdown."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import SYSTEM, TestDatabase, api_token, login, shared_file
from peaceops.domain.access import Principal, Role
from peaceops.domain.incidents import Deployment
from peaceops.domain.missions import Mission, MissionOrganisation
from peaceops.errors import InputError, PermissionDenied
from peaceops.ingest.geopko import write_geopko
from peaceops.platform import Platform
from peaceops.platform.deployments import parse_bbox
from peaceops.storage import transaction
from peaceops.storage.tables import audit_log

VIEWER = Principal("viewer", Role.VIEWER)


def audit_count(platform: Platform, entity: str) -> int:
    with transaction(platform.engine, write=False) as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(audit_log).where(audit_log.c.entity == entity)
            ).scalar_one()
        )


# The demonstration scenario ----------------------------------------------------------------


def test_demo_has_a_drawdown(platform: Platform) -> None:
    timeline = {p.year: p for p in platform.deployments.timeline("UNMICA")}
    assert sorted(timeline) == [2021, 2022, 2023, 2024, 2025, 2026]
    assert timeline[2026].troops < timeline[2025].troops < timeline[2024].troops
    assert timeline[2026].locations < timeline[2024].locations
    records = platform.deployments.deployments(mission="UNMICA")
    assert {d.month for d in records} == {None, *range(1, 13)}
    monthly_2026 = platform.deployments.deployments(mission="UNMICA", year=2026, month=10)
    assert monthly_2026 and all(d.month == 10 for d in monthly_2026)
    hq = [d for d in records if d.is_hq]
    capital = next(s for s in platform.places.settlements("XCA") if s.is_capital)
    assert {d.location for d in hq} == {capital.name}
    assert {"infantry", "formed_police", "medical", "engineering", "aviation"} <= set(hq[0].units)
    assert all(d.admin_area_id is not None for d in records)  # placed in Carana's districts
    assert {c for d in records for c in d.contributors} >= {"Northland", "Westmark"}
    assert [m.mission for m in platform.deployments.missions_with_deployments()] == ["UNMICA"]


def test_view_picks_the_yearly_records_or_a_month(platform: Platform) -> None:
    view = platform.deployments.view("unmica")
    assert (view.year, view.month, view.has_yearly) == (2026, None, True)
    assert view.months == list(range(1, 11))
    assert all(d.month is None for d in view.records)
    march = platform.deployments.view("UNMICA", year=2025, month=3)
    assert march.month == 3 and all(d.month == 3 for d in march.records)
    assert platform.deployments.view("NOPE").records == []


# Geo-PKO imports ----------------------------------------------------------------------------


def test_frontmap_import_is_idempotent(platform: Platform, tmp_path: Path) -> None:
    folder = shared_file("geo-pko/FrontMap_v.2.3.csv").parent
    report = platform.deployments.import_geopko(folder / "FrontMap_v.2.3.csv", by=SYSTEM)
    assert (report.rows, report.records, report.created) == (7903, 6579, 6579)
    assert report.kind == "frontmap" and report.skipped == 1  # Ethiopia/Eritrea, kept as written
    assert audit_count(platform, "deployments") == 2  # the demo's load and this import
    again = platform.deployments.import_geopko(folder / "FrontMap_v.2.3.csv", by=SYSTEM)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6579)
    assert audit_count(platform, "deployments") == 2  # nothing changed, nothing logged
    # A corrected file updates what changed.
    for sibling in ("TTMap_v.2.3.csv", "TCCMap_v.2.3.csv"):
        shutil.copyfile(folder / sibling, tmp_path / sibling)
    changed = tmp_path / "FrontMap_v.2.3.csv"
    text = (folder / "FrontMap_v.2.3.csv").read_text(encoding="utf-8")
    changed.write_text(
        text.replace(
            "BINUB,2007,Burundi,Bujumbura,-3.3822,29.3644,0,0,0,3,0,0,0,0,0",
            "BINUB,2007,Burundi,Bujumbura,-3.3822,29.3644,0,0,0,3,0,0,0,0,12",
        ),
        encoding="utf-8",
    )
    fixed = platform.deployments.import_geopko(changed, by=SYSTEM)
    assert (fixed.created, fixed.updated) == (0, 1)
    (binub,) = platform.deployments.deployments(mission="BINUB", year=2007)
    assert binub.troops == 12 and binub.units == {"headquarters": 3} and binub.is_hq


def test_raw_import_with_mission_and_country_filters(platform: Platform) -> None:
    path = shared_file("geo-pko/geopko_raw_v2x_1994-2020.csv")
    report = platform.deployments.import_geopko(path, by=SYSTEM, mission="minusca")
    assert report.kind == "raw" and report.rows == 18699
    stored = platform.deployments.deployments(mission="MINUSCA")
    assert report.created == len(stored) and report.filtered == 18699 - len(stored) - report.skipped
    months = {d.month for d in stored}
    assert len(months) > 4 and months <= set(range(1, 13))  # the months a UN map was coded
    again = platform.deployments.import_geopko(path, by=SYSTEM, country="caf")
    assert again.unchanged == len(stored)  # MINUSCA, MINURCA, MINURCAT in the CAR
    assert {d.country for d in platform.deployments.deployments(country="CAF")} == {"CAF"}


def test_broken_copy_reports_lines_and_imports_the_rest(platform: Platform, tmp_path: Path) -> None:
    source = shared_file("geo-pko/geopko_raw_v2x_1994-2020.csv")
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[:101]
    header = rows[0]
    rows[3][header.index("latitude")] = "33,5,1"
    rows[5][header.index("month")] = "13"
    rows[7][header.index("no.troops")] = "-35"
    path = tmp_path / "geopko_broken.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    report = platform.deployments.import_geopko(path, by=SYSTEM)
    where = [(w.line, w.field) for w in report.warnings]
    assert where == [(4, "latitude"), (6, "month"), (8, "no.troops")]
    assert report.created == 100 - 3 and report.skipped == 3
    assert "geopko_broken.csv, line 6" in str(report.warnings[1])


def test_points_fall_in_stored_areas(platform: Platform, tmp_path: Path) -> None:
    town = next(s for s in platform.places.settlements("XCA") if not s.is_capital)
    record = Deployment("UNMICA", "Team site", 2026, town.lon, town.lat, 11, "XCA", 40)
    path = write_geopko([record], tmp_path / "team_site.csv")
    report = platform.deployments.import_geopko(path, by=SYSTEM)
    assert report.created == 1 and report.located == 1
    (stored,) = platform.deployments.deployments(mission="UNMICA", year=2026, month=11)
    area = platform.places.admin_area(stored.admin_area_id or 0)
    assert area.pcode == town.admin_pcode


def test_minusca_bases_fall_in_car_prefectures(platform: Platform) -> None:
    boundaries = shared_file("natural-earth/ne_10m_admin_1_target8_from_ems.geojson")
    platform.places.import_boundaries(boundaries, level=1, country="CAF", by=SYSTEM)
    front = shared_file("geo-pko/FrontMap_v.2.3.csv")
    report = platform.deployments.import_geopko(front, by=SYSTEM, mission="MINUSCA")
    assert report.records == report.created == 111
    # Natural Earth's coast-free outline holds nearly every base; those on the Ubangi river
    # bank may fall just outside it.
    assert report.located >= 0.95 * report.records
    (bangui,) = platform.deployments.deployments(
        mission="MINUSCA", year=2019, bbox=(18.5, 4.3, 18.6, 4.45)
    )
    assert platform.places.admin_area(bangui.admin_area_id or 0).name == "Bangui"
    view = platform.deployments.view("MINUSCA", year=2019)
    assert view.countries == ["CAF"] and view.has_yearly


def test_imports_need_the_import_permission(platform: Platform, tmp_path: Path) -> None:
    path = write_geopko([], tmp_path / "empty.csv")
    with pytest.raises(PermissionDenied):
        platform.deployments.import_geopko(path, by=VIEWER)
    with pytest.raises(PermissionDenied):
        platform.deployments.add_deployments([], label="x", by=VIEWER)


# Filters ----------------------------------------------------------------------------------


def test_filters_by_year_month_bbox_and_country(platform: Platform) -> None:
    yearly = platform.deployments.deployments(mission="UNMICA", year=2024, month=0)
    assert len(yearly) == 12 and all(d.year == 2024 and d.month is None for d in yearly)
    west = min(d.lon for d in yearly)
    box = (west - 0.01, -90.0, west + 0.01, 90.0)
    inside = platform.deployments.deployments(year=2024, month=0, bbox=box)
    assert inside and all(abs(d.lon - west) <= 0.01 for d in inside)
    assert platform.deployments.deployments(year=2024, month=0, bbox=(0, 0, 10, 10)) == []
    # A box crossing the antimeridian (west edge east of the east edge) holds Carana's west.
    across = platform.deployments.deployments(year=2024, month=0, bbox=(170, -90, west + 0.01, 90))
    assert {d.id for d in across} == {d.id for d in inside}
    assert platform.deployments.deployments(country="xca", year=2024, month=0) == yearly
    assert platform.deployments.deployments(country="CAF") == []
    with pytest.raises(InputError):
        platform.deployments.deployments(month=13)
    assert parse_bbox("-25, -23, -22, -19") == (-25.0, -23.0, -22.0, -19.0)
    for bad in ("1,2,3", "a,b,c,d", "0,10,1,5"):
        with pytest.raises(InputError):
            parse_bbox(bad)


# The UN missions list -----------------------------------------------------------------------


def test_un_missions_import_through_the_missions_service(platform: Platform) -> None:
    listing = shared_file("un-pko-missions/DPPADPOSS-PKO.csv")
    crosswalk = shared_file("un-pko-missions/unpko_country_crosswalk.xlsx")
    # A mission stored before, by hand, with a shorter name: the list brings it in line.
    start = date(2014, 4, 10)
    platform.missions.create(
        Mission("MINUSCA", "MINUSCA", MissionOrganisation.UN, start, countries=("CAF",)),
        by=SYSTEM,
    )
    report = platform.deployments.import_un_missions(listing, crosswalk=crosswalk, by=SYSTEM)
    assert (report.created, report.updated, report.unchanged) == (77, 1, 0)
    assert report.skipped == 3  # UNOHCI, UNFOR and UNSCOB have no start date
    assert any("XKX" in str(w) and w.item == "UNMIK" for w in report.warnings)
    missions = {m.acronym: m for m in platform.missions.list()}
    assert missions["UNPROFOR"].countries == ("BIH", "HRV", "MKD", "SRB")
    assert missions["UNDOF"].countries == ("ISR", "LBN", "SYR")
    assert missions["MINUSCA"].name.startswith("United Nations Multidimensional")
    assert missions["MINUSCA"].start == start and missions["MINUSCA"].end is None
    assert str(missions["UNAMID"].end) == "2020-12-31"
    assert "UNMICA" in missions  # the demo's mission is left alone
    again = platform.deployments.import_un_missions(listing, crosswalk=crosswalk, by=SYSTEM)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 78)


# The API and the pages --------------------------------------------------------------------


def test_api_gives_geojson_and_the_timeline(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    headers = api_token(db.platform, "partner")
    answer = client.get(
        "/api/v1/deployments",
        params={"mission": "UNMICA", "year": 2026, "month": 0},
        headers=headers,
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/geo+json")
    data = answer.json()
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 9
    hq = next(f for f in data["features"] if f["properties"]["is_hq"])
    assert hq["geometry"]["type"] == "Point" and len(hq["geometry"]["coordinates"]) == 2
    assert hq["properties"]["headquarters"] == "mission"
    assert hq["properties"]["country"] == "XCA" and hq["properties"]["troops"] > 0
    lon, lat = hq["geometry"]["coordinates"]
    boxed = client.get(
        "/api/v1/deployments",
        params={"bbox": f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}", "month": 0},
        headers=headers,
    ).json()
    assert {f["properties"]["location"] for f in boxed["features"]} == {
        hq["properties"]["location"]
    }
    assert client.get("/api/v1/deployments?bbox=1,2", headers=headers).status_code == 422
    assert client.get("/api/v1/deployments?month=13", headers=headers).status_code == 422
    timeline = client.get("/api/v1/deployments/timeline?mission=unmica", headers=headers).json()
    assert timeline["mission"] == "UNMICA" and timeline["count"] == 6
    by_year = {p["year"]: p for p in timeline["data"]}
    assert by_year[2026]["troops"] < by_year[2024]["troops"]
    assert client.get("/api/v1/deployments").status_code == 401


def test_pages_show_the_table_chart_and_map(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    login(client, "civil")
    page = client.get("/deployments", params={"mission": "UNMICA", "year": 2024})
    assert page.status_code == 200
    html = page.text
    assert 'class="troops-chart"' in html and 'class="map-svg deployments-map"' in html
    assert "dep dep-hq3" in html and "Northland" in html
    assert " style=" not in html and "<script>" not in html  # the CSP forbids both
    month = client.get("/deployments", params={"mission": "UNMICA", "year": 2025, "month": 3})
    assert "2025-03" in month.text
    unknown = client.get("/deployments", params={"mission": "NOPE"})
    assert unknown.status_code == 200 and "NOPE" in unknown.text
    mission = next(m for m in db.platform.missions.list() if m.acronym == "UNMICA")
    profile = client.get(f"/missions/{mission.id}").text
    assert 'id="deployments"' in profile and 'class="troops-chart"' in profile
    assert "/deployments?mission=UNMICA" in profile


def test_a_mission_without_deployments_shows_none(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    created = db.platform.missions.create(
        Mission("UNTEST", "Test mission", MissionOrganisation.UN, date(2020, 1, 1)), by=SYSTEM
    )
    login(client, "viewer")
    assert 'id="deployments"' not in client.get(f"/missions/{created.id}").text


def test_demo_records_round_trip_through_the_file(platform: Platform, tmp_path: Path) -> None:
    """Monthly records written in the Geo-PKO layout import back unchanged."""
    monthly = [d for d in platform.deployments.deployments(mission="UNMICA") if d.month is not None]
    path = write_geopko([d for d in monthly if d.source == monthly[0].source], tmp_path / "u.csv")
    copy = tmp_path / "copy.csv"
    shutil.copyfile(path, copy)
    # The file's records carry Geo-PKO's source name: a new set, equal in content.
    report = platform.deployments.import_geopko(copy, by=SYSTEM)
    assert report.created == len(monthly) and report.located == len(monthly)
    again = platform.deployments.import_geopko(path, by=SYSTEM)
    assert again.unchanged == len(monthly)
