"""The incident log on SQLite and PostgreSQL: reporting, the verification steps with their
audit trail, who may do what, merges, the events that only verified incidents become, the
CSV log import, the look-ups the map and the alerts use, and the demo log."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import Point, shape
from sqlalchemy import func, select
from typer.testing import CliRunner

from conftest import SYSTEM, TestDatabase
from peaceops.domain.access import Principal, Role
from peaceops.domain.audit import AuditAction
from peaceops.domain.incidents import (
    UCDP_DATE_PREC,
    UCDP_WHERE_PREC,
    Attachment,
    DatePrecision,
    Incident,
    IncidentType,
    PlacePrecision,
    Verification,
)
from peaceops.domain.places import AdminArea, Month, PriogridCell
from peaceops.errors import ConflictError, InputError, NotFound, PermissionDenied
from peaceops.platform import Platform
from peaceops.platform.incidents import EVENT_VERSION, haversine_km
from peaceops.services.cli.app import app as cli
from peaceops.storage import transaction
from peaceops.storage.tables import audit_log, events, incident_steps

ANALYST = Principal("analyst", Role.ANALYST, via="web")
ADMIN = Principal("admin", Role.ADMIN, via="web")
PARTNER = Principal("partner", Role.PARTNER, via="web")
VIEWER = Principal("viewer", Role.VIEWER, via="web")
OUTSIDERS = [
    PARTNER,
    VIEWER,
    Principal("civil", Role.CIVIL_SOCIETY),
    Principal("h", Role.CASE_HANDLER),
]
DAY = date.today() - timedelta(days=20)
runner = CliRunner()


def district(platform: Platform, name: str = "Central Kalari") -> AdminArea:
    return next(a for a in platform.places.admin_areas("XCA", level=2) if a.name == name)


def inside(area: AdminArea) -> tuple[float, float]:
    x, y = shape(area.geometry).representative_point().coords[0][:2]
    return round(x, 5), round(y, 5)


def new(platform: Platform, **changes: Any) -> Incident:
    lon, lat = inside(district(platform))
    values: dict[str, Any] = {
        "type": IncidentType.STATE_BASED,
        "date": DAY,
        "country_iso3": "XCA",
        "lon": lon,
        "lat": lat,
        "actors": ("Carana Defence Forces", "Movement for the Liberation of Carana"),
        "fatalities_best": 4,
        "fatalities_low": 3,
        "fatalities_high": 6,
        "injured": 2,
        "sources": ("UNPOL daily situation report",),
        "narrative": "Exchange of fire at a checkpoint.",
    }
    values.update(changes)
    return Incident(**values)


def stored_event(platform: Platform, incident_id: int) -> dict[str, Any] | None:
    with transaction(platform.engine, write=False) as conn:
        row = (
            conn.execute(
                select(events).where(
                    events.c.source == "incident",
                    events.c.source_id == str(incident_id),
                    events.c.version == EVENT_VERSION,
                )
            )
            .mappings()
            .first()
        )
    return None if row is None else dict(row)


def audit_count(platform: Platform, **where: str) -> int:
    with transaction(platform.engine, write=False) as conn:
        query = select(func.count()).select_from(audit_log)
        for column, value in where.items():
            query = query.where(audit_log.c[column] == value)
        return int(conn.execute(query).scalar_one())


def verified(platform: Platform, incident: Incident, *, by: Principal = ANALYST) -> Incident:
    stored = platform.incidents.report(incident, by=by)
    assert stored.id is not None
    platform.incidents.move(stored.id, Verification.UNDER_VERIFICATION, reason="", by=by)
    return platform.incidents.move(
        stored.id, Verification.VERIFIED, reason="two independent sources", by=by
    )


# The workflow -------------------------------------------------------------------------------


def test_a_report_is_verified_step_by_step_with_who_and_why_audited(
    platform: Platform,
) -> None:
    area = district(platform)
    stored = platform.incidents.report(new(platform), by=ANALYST)
    assert stored.id is not None and stored.status is Verification.REPORTED
    assert stored.admin_area_id == area.id, "the point's district is found"
    assert stored.reported_by == "analyst" and stored.reported_at is not None
    moved = platform.incidents.move(
        stored.id, Verification.UNDER_VERIFICATION, reason="", by=ANALYST
    )
    assert moved.status is Verification.UNDER_VERIFICATION
    done = platform.incidents.move(
        stored.id, Verification.VERIFIED, reason="UNPOL patrol confirmed it", by=ADMIN
    )
    assert done.status is Verification.VERIFIED
    steps = platform.incidents.steps(stored.id)
    assert [(s.from_status, s.to_status) for s in steps] == [
        (None, Verification.REPORTED),
        (Verification.REPORTED, Verification.UNDER_VERIFICATION),
        (Verification.UNDER_VERIFICATION, Verification.VERIFIED),
    ]
    assert [s.by for s in steps] == ["analyst", "analyst", "admin"]
    assert steps[-1].reason == "UNPOL patrol confirmed it"
    entries, _ = platform.audit.entries(by=SYSTEM, entity="incidents", entity_id=str(stored.id))
    actions = Counter(e.action for e in entries)
    assert actions[AuditAction.CREATE] == 1 and actions[AuditAction.UPDATE] == 2
    updates = sorted(
        (e for e in entries if e.action == AuditAction.UPDATE), key=lambda e: e.id or 0
    )
    assert [e.after["status"] for e in updates if e.after] == ["under_verification", "verified"]
    assert [e.username for e in updates] == ["analyst", "admin"]
    with transaction(platform.engine, write=False) as conn:
        logged = conn.execute(
            select(audit_log.c.after).where(audit_log.c.entity == "incident_steps")
        ).all()
        kept = conn.execute(
            select(func.count())
            .select_from(incident_steps)
            .where(incident_steps.c.incident_id == stored.id)
        ).scalar_one()
    assert kept == 3
    assert any(r[0]["reason"] == "UNPOL patrol confirmed it" for r in logged)


def test_a_verified_incident_becomes_an_event_and_leaves_when_reopened(
    platform: Platform,
) -> None:
    area = district(platform)
    region = next(
        a for a in platform.places.admin_areas("XCA", level=1) if a.pcode == area.parent_pcode
    )
    incident = new(platform, date_precision=DatePrecision.WEEK, place_precision=PlacePrecision.NEAR)
    stored = platform.incidents.report(incident, by=ANALYST)
    assert stored.id is not None
    platform.incidents.move(stored.id, Verification.UNDER_VERIFICATION, reason="", by=ANALYST)
    assert stored_event(platform, stored.id) is None, "an unverified report feeds nothing"
    platform.incidents.move(stored.id, Verification.VERIFIED, reason="confirmed", by=ANALYST)
    event = stored_event(platform, stored.id)
    assert event is not None
    assert event["type_of_violence"] == 1
    assert (event["best"], event["low"], event["high"]) == (4, 3, 6)
    assert event["date_start"] == DAY and event["month_id"] == Month(DAY.year, DAY.month).month_id
    assert (event["lon"], event["lat"]) == (incident.lon, incident.lat)
    assert event["where_prec"] == UCDP_WHERE_PREC[PlacePrecision.NEAR] == 2
    assert event["date_prec"] == UCDP_DATE_PREC[DatePrecision.WEEK] == 2
    assert (event["adm_1"], event["adm_2"]) == (region.pcode, area.pcode)
    assert event["priogrid_gid"] == PriogridCell.at(incident.lon or 0, incident.lat or 0).gid
    assert event["side_a"] == "Carana Defence Forces" and event["country"] == "Carana"
    assert audit_count(platform, entity="events", action="create") >= 1

    platform.incidents.move(
        stored.id, Verification.UNDER_VERIFICATION, reason="new information", by=ANALYST
    )
    assert stored_event(platform, stored.id) is None, "a reopened incident no longer counts"
    assert audit_count(platform, entity="events", action="delete") >= 1
    platform.incidents.move(stored.id, Verification.VERIFIED, reason="checked again", by=ANALYST)
    assert stored_event(platform, stored.id) is not None


def test_only_organised_violence_becomes_an_event_and_areas_give_their_point(
    platform: Platform,
) -> None:
    protest = verified(platform, new(platform, type=IncidentType.PROTEST))
    assert protest.id is not None and stored_event(platform, protest.id) is None
    region = platform.places.admin_areas("XCA", level=1)[0]
    attack = verified(
        platform,
        new(
            platform,
            type=IncidentType.ATTACK_ON_COURT,
            lon=None,
            lat=None,
            admin_area_id=region.id,
            place_precision=PlacePrecision.REGION,
        ),
    )
    assert attack.id is not None
    event = stored_event(platform, attack.id)
    assert event is not None and event["type_of_violence"] == 3  # one-sided, as UCDP codes it
    assert event["where_prec"] == 4 and event["adm_1"] == region.pcode and event["adm_2"] is None
    assert shape(region.geometry).covers(Point(event["lon"], event["lat"]))


# Refusals -----------------------------------------------------------------------------------


def test_steps_against_the_workflow_and_without_reasons_are_refused(platform: Platform) -> None:
    stored = platform.incidents.report(new(platform), by=ANALYST)
    assert stored.id is not None
    with pytest.raises(ConflictError, match=r"reported.*verified"):
        platform.incidents.move(stored.id, Verification.VERIFIED, reason="sure", by=ANALYST)
    platform.incidents.move(stored.id, Verification.UNDER_VERIFICATION, reason="", by=ANALYST)
    for target in (Verification.VERIFIED, Verification.DISCREDITED):
        with pytest.raises(InputError) as missing:
            platform.incidents.move(stored.id, target, reason="  ", by=ANALYST)
        assert missing.value.problem.field == "reason"
    with pytest.raises(InputError) as merged:
        platform.incidents.move(stored.id, Verification.MERGED, reason="dup", by=ANALYST)
    assert merged.value.problem.field == "to"
    platform.incidents.move(stored.id, Verification.DISCREDITED, reason="a rumour", by=ANALYST)
    other = platform.incidents.report(new(platform, reference="other"), by=ANALYST)
    with pytest.raises(ConflictError, match="discredited"):
        platform.incidents.merge(stored.id, other.id or 0, reason="same", by=ANALYST)
    with pytest.raises(InputError):
        platform.incidents.move(
            stored.id,
            Verification.UNDER_VERIFICATION,
            reason="",
            by=ANALYST,
            at=datetime.now(UTC) - timedelta(days=400),
        )


@pytest.mark.parametrize("who", OUTSIDERS, ids=lambda p: p.role.value)
def test_other_roles_may_neither_report_nor_verify(platform: Platform, who: Principal) -> None:
    stored = platform.incidents.report(new(platform), by=ANALYST)
    assert stored.id is not None
    with pytest.raises(PermissionDenied):
        platform.incidents.report(new(platform, reference="x-1"), by=who)
    with pytest.raises(PermissionDenied):
        platform.incidents.move(stored.id, Verification.UNDER_VERIFICATION, reason="", by=who)
    with pytest.raises(PermissionDenied):
        platform.incidents.merge(stored.id, stored.id + 1, reason="same", by=who)
    with pytest.raises(PermissionDenied):
        platform.incidents.import_log(Path("missing.csv"), country="XCA", by=who)


def test_roles_that_may_not_report_see_verified_incidents_only(platform: Platform) -> None:
    waiting = platform.incidents.report(new(platform, reference="wait-1"), by=ANALYST)
    done = verified(platform, new(platform, reference="done-1"))
    assert waiting.id is not None and done.id is not None
    seen = platform.incidents.list(by=VIEWER, country="XCA")
    assert seen and all(i.status is Verification.VERIFIED for i in seen)
    assert done.id in {i.id for i in seen} and waiting.id not in {i.id for i in seen}
    assert platform.incidents.list(by=VIEWER, status=Verification.REPORTED) == []
    assert platform.incidents.get(done.id, by=VIEWER).id == done.id
    with pytest.raises(NotFound):
        platform.incidents.get(waiting.id, by=VIEWER)
    assert waiting.id in {i.id for i in platform.incidents.list(by=ANALYST)}
    view = platform.incidents.view(done.id, by=VIEWER)
    assert view.steps == () and view.area is not None
    assert len(platform.incidents.view(done.id, by=ANALYST).steps) == 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"fatalities_low": 5}, "fatalities"),
        ({"date": date.today() + timedelta(days=3)}, "date"),
        ({"lon": 200.0}, "lon/lat"),
        ({"lat": None}, "lon/lat"),
        ({"lon": 10.0, "lat": 10.0}, "lon/lat"),  # on Earth, but far from Carana
        ({"lon": None, "lat": None}, "place"),
        ({"injured": -1}, "injured"),
        ({"admin_area_id": 999_999}, "admin_area_id"),
        ({"institution_site_id": 999_999}, "institution_site_id"),
        ({"type": "riot"}, "type"),
    ],
)
def test_impossible_reports_are_refused_naming_the_field(
    platform: Platform, changes: dict[str, Any], field: str
) -> None:
    before = platform.incidents.counts()
    with pytest.raises(InputError) as refused:
        platform.incidents.report(new(platform, **changes), by=ANALYST)
    assert refused.value.problem.field == field
    assert platform.incidents.counts() == before


def test_the_same_reference_is_stored_once(platform: Platform) -> None:
    first, created = platform.incidents.report_once(new(platform, reference="JOC-X-1"), by=ANALYST)
    again, created_again = platform.incidents.report_once(
        new(platform, reference=" JOC-X-1 ", fatalities_best=5, fatalities_high=6), by=ANALYST
    )
    assert created and not created_again and again.id == first.id
    assert again.fatalities_best == 4


# Merges ---------------------------------------------------------------------------------------


def test_a_duplicate_merges_into_the_incident_kept(platform: Platform) -> None:
    kept = verified(
        platform,
        new(
            platform, reference="K-1", attachments=(Attachment("photo-1.jpg", "image/jpeg", 1200),)
        ),
    )
    duplicate = platform.incidents.report(
        new(
            platform,
            reference="D-1",
            fatalities_best=7,
            fatalities_low=2,
            fatalities_high=9,
            injured=5,
            actors=("Movement for the Liberation of Carana", "Lesedi Self-Defence Militia"),
            sources=("Radio Kessaba", "UNPOL daily situation report"),
            attachments=(Attachment("witness.pdf", location="DMS 2026/114"),),
        ),
        by=ANALYST,
    )
    earlier = platform.incidents.report(
        new(platform, reference="E-1", sources=("OCHA",)), by=ANALYST
    )
    assert kept.id and duplicate.id and earlier.id
    platform.incidents.merge(earlier.id, duplicate.id, reason="same clash", by=ANALYST)
    platform.incidents.move(duplicate.id, Verification.UNDER_VERIFICATION, reason="", by=ANALYST)
    platform.incidents.move(duplicate.id, Verification.VERIFIED, reason="radio", by=ANALYST)
    assert stored_event(platform, duplicate.id) is not None

    with pytest.raises(InputError) as no_reason:
        platform.incidents.merge(duplicate.id, kept.id, reason="", by=ANALYST)
    assert no_reason.value.problem.field == "reason"
    with pytest.raises(InputError):
        platform.incidents.merge(kept.id, kept.id, reason="same", by=ANALYST)
    result = platform.incidents.merge(
        duplicate.id, kept.id, reason="same clash, reported by the radio", by=ANALYST
    )
    assert result.id == kept.id and result.status is Verification.VERIFIED
    assert (result.fatalities_low, result.fatalities_best, result.fatalities_high) == (2, 4, 9)
    assert result.injured == 5
    assert result.sources == ("UNPOL daily situation report", "Radio Kessaba", "OCHA")
    assert result.actors == (
        "Carana Defence Forces",
        "Movement for the Liberation of Carana",
        "Lesedi Self-Defence Militia",
    )
    assert [a.name for a in result.attachments] == ["photo-1.jpg", "witness.pdf"]
    gone = platform.incidents.get(duplicate.id, by=ANALYST)
    assert gone.status is Verification.MERGED and gone.merged_into_id == kept.id
    assert platform.incidents.get(earlier.id, by=ANALYST).merged_into_id == kept.id
    assert stored_event(platform, duplicate.id) is None, "a merged duplicate no longer counts"
    event = stored_event(platform, kept.id)
    assert event is not None and (event["low"], event["best"], event["high"]) == (2, 4, 9)
    history = platform.incidents.steps(kept.id)
    assert history[-1].from_status == history[-1].to_status == Verification.VERIFIED
    assert f"incident {duplicate.id}" in history[-1].reason
    assert platform.incidents.steps(duplicate.id)[-1].to_status is Verification.MERGED
    with pytest.raises(ConflictError):
        platform.incidents.move(
            duplicate.id, Verification.UNDER_VERIFICATION, reason="", by=ANALYST
        )
    with pytest.raises(ConflictError, match="merged"):
        platform.incidents.merge(kept.id, duplicate.id, reason="other way", by=ANALYST)
    view = platform.incidents.view(kept.id, by=ANALYST)
    assert {d.id for d in view.merged_from} == {duplicate.id, earlier.id}


def test_a_merge_may_set_the_best_estimate_within_the_widened_range(platform: Platform) -> None:
    kept = platform.incidents.report(new(platform, reference="K-2"), by=ANALYST)
    duplicate = platform.incidents.report(
        new(platform, reference="D-2", fatalities_best=10, fatalities_low=8, fatalities_high=12),
        by=ANALYST,
    )
    assert kept.id and duplicate.id
    with pytest.raises(InputError) as outside:
        platform.incidents.merge(duplicate.id, kept.id, reason="same", best=20, by=ANALYST)
    assert outside.value.problem.field == "best"
    result = platform.incidents.merge(
        duplicate.id, kept.id, reason="hospital register says 8", best=8, by=ANALYST
    )
    assert (result.fatalities_low, result.fatalities_best, result.fatalities_high) == (3, 8, 12)
    assert result.status is Verification.REPORTED
    assert stored_event(platform, kept.id) is None


# Look-ups ---------------------------------------------------------------------------------------


def test_filters_bbox_areas_and_geojson(platform: Platform) -> None:
    area = district(platform)
    other = next(
        a
        for a in platform.places.admin_areas("XCA", level=2)
        if a.parent_pcode != area.parent_pcode
    )
    here = verified(platform, new(platform, reference="B-1", type=IncidentType.PROTEST))
    lon, lat = inside(other)
    there = verified(platform, new(platform, reference="B-2", lon=lon, lat=lat))
    assert here.lon is not None and here.lat is not None and here.id and there.id
    box = (here.lon - 0.01, here.lat - 0.01, here.lon + 0.01, here.lat + 0.01)
    found = {i.id for i in platform.incidents.list(by=VIEWER, bbox=box)}
    assert here.id in found and there.id not in found
    region = next(
        a for a in platform.places.admin_areas("XCA", level=1) if a.pcode == area.parent_pcode
    )
    in_region = {i.id for i in platform.incidents.list(by=VIEWER, area_id=region.id)}
    assert here.id in in_region
    assert {i.id for i in platform.incidents.list(by=VIEWER, area_id=area.id)} >= {here.id}
    protests = platform.incidents.list(by=VIEWER, type=IncidentType.PROTEST, since=DAY, until=DAY)
    assert here.id in {i.id for i in protests} and there.id not in {i.id for i in protests}
    assert platform.incidents.list(by=VIEWER, since=DAY + timedelta(days=1), bbox=box) == []
    with pytest.raises(InputError):
        platform.incidents.list(by=VIEWER, bbox=(10, 10, 5, 5))
    collection = platform.incidents.geojson(by=VIEWER, country="XCA", bbox=box)
    assert collection["type"] == "FeatureCollection"
    feature = next(f for f in collection["features"] if f["id"] == here.id)
    assert feature["geometry"] == {"type": "Point", "coordinates": [here.lon, here.lat]}
    assert feature["properties"]["status"] == "verified"
    assert feature["properties"]["pcode"] == area.pcode
    json.dumps(collection)  # plain JSON


def test_near_finds_verified_incidents_within_a_distance(platform: Platform) -> None:
    base = new(platform)
    assert base.lon is not None and base.lat is not None
    close = verified(platform, new(platform, reference="N-1"))
    waiting = platform.incidents.report(new(platform, reference="N-2"), by=ANALYST)
    found = platform.incidents.near(base.lon, base.lat, 5, since=DAY, by=VIEWER)
    assert close.id in {i.id for i in found} and waiting.id not in {i.id for i in found}
    assert all(i.status is Verification.VERIFIED for i in found)
    assert close.id not in {
        i.id
        for i in platform.incidents.near(
            base.lon, base.lat, 5, since=DAY + timedelta(days=1), by=VIEWER
        )
    }
    far = platform.incidents.near(base.lon + 1, base.lat, 5, since=DAY, by=VIEWER)
    assert close.id not in {i.id for i in far}
    everything = platform.incidents.near(base.lon, base.lat, 400, since=None, by=VIEWER)
    distances = [
        haversine_km(base.lon, base.lat, i.lon, i.lat) for i in everything if i.lon is not None
    ]
    assert distances == sorted(distances) and all(d <= 400 for d in distances)
    assert round(haversine_km(0, 0, 0, 1), 1) == 111.2
    with pytest.raises(InputError):
        platform.incidents.near(base.lon, base.lat, 0, since=None, by=VIEWER)


# The CSV log ------------------------------------------------------------------------------------


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = sorted({k for r in rows for k in r})
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def log_rows(platform: Platform) -> list[dict[str, str]]:
    lon, lat = inside(district(platform))
    region = platform.places.admin_areas("XCA", level=1)[0]
    site = platform.institutions.sites(country="XCA")[0]
    good = {"date": DAY.isoformat(), "type": "state_based", "lon": str(lon), "lat": str(lat)}
    return [
        {**good, "reference": "L-1", "fatalities_best": "3", "sources": "JOC\nRadio"},
        {"reference": "L-2", "date": DAY.isoformat(), "type": "protest", "place": region.pcode},
        {**good, "reference": "L-3", "type": "attack_on_police", "site": site.name},
        {**good, "reference": "L-4", "fatalities_best": "2", "fatalities_low": "5"},
        {**good, "reference": "L-5", "date": (date.today() + timedelta(days=9)).isoformat()},
        {**good, "reference": "L-6", "lat": "123.5"},
        {**good, "reference": "L-7", "lon": "10.0", "lat": "10.0"},
        {"reference": "L-8", "date": DAY.isoformat(), "type": "crime", "place": "Atlantis"},
    ]


def test_a_log_imports_its_good_rows_and_reports_the_bad_ones_by_line_and_column(
    platform: Platform, tmp_path: Path
) -> None:
    path = write_rows(tmp_path / "log.csv", log_rows(platform))
    before = platform.incidents.counts()["incidents"]
    report = platform.incidents.import_log(path, country="xca", by=ANALYST)
    assert (report.created, report.unchanged, report.skipped) == (3, 0, 5)
    where = {(w.line, w.field) for w in report.warnings}
    assert where == {
        (5, "fatalities_low"),
        (6, "date"),
        (7, "lat"),
        (8, "lon"),
        (9, "place"),
    }
    assert all(w.source == "log.csv" for w in report.warnings)
    assert platform.incidents.counts()["incidents"] == before + 3
    imported = {i.reference: i for i in platform.incidents.list(by=ANALYST, country="XCA")}
    assert imported["L-1"].sources == ("JOC", "Radio") and imported["L-1"].fatalities_high == 3
    assert imported["L-2"].place_precision is PlacePrecision.REGION
    assert imported["L-2"].lon is None and imported["L-2"].admin_area_id is not None
    assert imported["L-3"].institution_site_id is not None
    assert imported["L-1"].status is Verification.REPORTED
    assert audit_count(platform, entity="incidents", action="import") == 1

    again = platform.incidents.import_log(path, country="XCA", by=ANALYST)
    assert (again.created, again.unchanged, again.skipped) == (0, 3, 5)
    assert platform.incidents.counts()["incidents"] == before + 3
    assert audit_count(platform, entity="incidents", action="import") == 1


def test_the_command_line_imports_lists_verifies_and_merges(
    db: TestDatabase, tmp_path: Path
) -> None:
    url = ["--database-url", db.url]
    template = tmp_path / "template.csv"
    assert runner.invoke(cli, [*url, "incidents", "template", str(template)]).exit_code == 0
    assert "reference" in template.read_text(encoding="utf-8").splitlines()[0]
    path = write_rows(tmp_path / "log.csv", log_rows(db.platform)[:2])
    imported = runner.invoke(cli, [*url, "incidents", "import", str(path), "--country", "XCA"])
    assert imported.exit_code == 0, imported.output
    again = runner.invoke(
        cli, [*url, "import", "incidents", str(path), "--country", "XCA", "--json"]
    )
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["unchanged"] == 2
    listed = runner.invoke(cli, [*url, "incidents", "list", "--status", "reported", "--json"])
    rows = {r["reference"]: r for r in json.loads(listed.stdout)}
    first, second = rows["L-1"]["id"], rows["L-2"]["id"]
    assert (
        runner.invoke(cli, [*url, "incidents", "move", str(first), "under_verification"]).exit_code
        == 0
    )
    refused = runner.invoke(cli, [*url, "incidents", "move", str(first), "verified"])
    assert refused.exit_code != 0
    ok = runner.invoke(cli, [*url, "incidents", "move", str(first), "verified", "--reason", "JOC"])
    assert ok.exit_code == 0, ok.output
    merged = runner.invoke(
        cli, [*url, "incidents", "merge", str(second), str(first), "--reason", "same"]
    )
    assert merged.exit_code == 0, merged.output
    assert db.platform.incidents.get(second, by=SYSTEM).merged_into_id == first
    bad = runner.invoke(cli, [*url, "incidents", "import", str(path), "--country", "QQQ"])
    assert bad.exit_code != 0


# The demo ---------------------------------------------------------------------------------------


def test_the_demo_log_holds_verified_disputed_and_merged_reports(platform: Platform) -> None:
    items = platform.incidents.list(by=SYSTEM, country="XCA")
    statuses = Counter(i.status for i in items)
    assert 60 <= len(items) <= 90
    assert statuses[Verification.VERIFIED] > len(items) / 2
    assert statuses[Verification.MERGED] >= 4 and statuses[Verification.DISCREDITED] >= 2
    assert statuses[Verification.UNDER_VERIFICATION] + statuses[Verification.REPORTED] >= 2
    assert {i.date.year for i in items} == {2025, 2026}
    merged = [i for i in items if i.status is Verification.MERGED]
    ids = {i.id: i for i in items}
    assert all(ids[m.merged_into_id or 0].status is not Verification.MERGED for m in merged)
    sites = {s.id: s for s in platform.institutions.sites(country="XCA")}
    attacked = [i for i in items if i.type.threatens_institutions and i.institution_site_id]
    assert attacked and all(i.institution_site_id in sites for i in attacked)
    counted = {
        str(i.id) for i in items if i.status is Verification.VERIFIED and i.type.violence_type
    }
    with transaction(platform.engine, write=False) as conn:
        written = {
            r[0]
            for r in conn.execute(
                select(events.c.source_id).where(events.c.version == EVENT_VERSION)
            )
        }
    assert written == counted
    for i in items[:20]:
        history = platform.incidents.steps(i.id or 0)
        assert [s.at for s in history] == sorted(s.at for s in history)
        assert history[0].to_status is Verification.REPORTED
