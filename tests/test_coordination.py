"""Programmes and money through the platform: imports stored and re-imported, resolution of
actors, institutions and places, decisions, merges, exports (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import police_training, shared_file
from peaceops.domain.access import Principal, Role
from peaceops.domain.coordination import (
    Activity,
    ActivityLocation,
    Capability,
    Decision,
    Money,
    OrgRole,
    Participant,
    Transaction,
    TransactionType,
)
from peaceops.errors import InputError, PermissionDenied
from peaceops.ingest.iati import load_schema, read_iati
from peaceops.platform import Platform
from peaceops.storage import transaction
from peaceops.storage.tables import audit_log

VIEWER = Principal(user_id=None, username="viewer", role=Role.VIEWER)


def audit_count(platform: Platform) -> int:
    with transaction(platform.engine, write=False) as conn:
        return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


def test_iati_file_imports_once_and_reimport_changes_nothing(
    platform: Platform, system: Principal
) -> None:
    path = shared_file("iati/activities/dfid-GB-1_drc_CD_2013-04-30_v1.01.xml")
    before = platform.coordination.count()
    first = platform.coordination.import_iati(path, by=system)
    assert first.created == 205 and first.updated == 0
    assert platform.coordination.count() == before + 205
    logged = audit_count(platform)
    again = platform.coordination.import_iati(path, by=system)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 205)
    assert audit_count(platform) == logged, "a no-op re-import writes no audit entry"
    direct = max(
        (a for a in read_iati(path) if isinstance(a, Activity)),
        key=lambda a: (len(a.transactions), a.identifier),
    )
    assert len(direct.transactions) > 5
    stored = platform.coordination.activity(direct.identifier)
    assert stored.title == direct.title
    assert sorted(stored.transactions, key=lambda t: (t.date, t.amount.value)) == sorted(
        direct.transactions, key=lambda t: (t.date, t.amount.value)
    )
    assert {c for c, _ in stored.countries} == {"COD"}


def test_schema_invalid_activities_are_reported_and_the_rest_import(
    platform: Platform, system: Principal, tmp_path: Path
) -> None:
    schema_folder = shared_file("iati/schema-2.03/iati-activities-schema.xsd").parent
    load_schema(schema_folder)
    source = tmp_path / "two.xml"
    source.write_text(
        """<?xml version="1.0"?>
<iati-activities version="2.03" generated-datetime="2026-01-01T00:00:00">
 <iati-activity last-updated-datetime="2026-01-01T00:00:00" xml:lang="en" default-currency="USD">
  <iati-identifier>XX-TEST-1</iati-identifier>
  <reporting-org ref="XX-TEST" type="10"><narrative>Test donor</narrative></reporting-org>
  <title><narrative>Police training in Carana</narrative></title>
  <description><narrative>Training.</narrative></description>
  <participating-org role="1" ref="XX-TEST"><narrative>Test donor</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2024-01-01"/>
  <recipient-country code="CF"/>
  <sector code="15210" vocabulary="1"/>
 </iati-activity>
 <iati-activity>
  <iati-identifier>XX-TEST-2</iati-identifier>
  <title><narrative>Missing everything the schema needs</narrative></title>
 </iati-activity>
</iati-activities>
""",
        encoding="utf-8",
    )
    report = platform.coordination.import_iati(source, by=system, schema_folder=schema_folder)
    assert report.created == 1 and report.skipped == 1
    assert any("XX-TEST-2" in str(w) and "not valid" in str(w) for w in report.warnings)
    stored = platform.coordination.activity("XX-TEST-1")
    assert stored.capabilities == [Capability.SSR_GENERAL], "inferred from DAC 15210"


def test_resolution_of_actors_institutions_and_places(
    platform: Platform, system: Principal
) -> None:
    districts = platform.places.admin_areas("XCA", level=2, with_geometry=True)
    target = districts[3]
    from shapely.geometry import shape

    point = shape(target.geometry).representative_point()
    act = Activity(
        identifier="XX-RES-1",
        title={"en": "Support to the police"},
        countries=[("XCA", 100.0)],
        participants=[
            Participant(OrgRole.FUNDING, "Northland Aid"),
            Participant(OrgRole.IMPLEMENTING, "Nobody we know"),
        ],
        institution_refs=["CNP", "No such court"],
        locations=[
            ActivityLocation("Somewhere", lon=point.x, lat=point.y),
            ActivityLocation(districts[0].name, admin_level=2),
        ],
        transactions=[
            Transaction(TransactionType.OUTGOING_COMMITMENT, date(2024, 1, 1), Money(1000.0, "USD"))
        ],
        source="test",
    )
    report = platform.coordination.add_activities([act], label="test", by=system)
    assert report.created == 1
    assert any("No such court" in str(w) for w in report.warnings)
    stored = platform.coordination.activity("XX-RES-1")
    naic = platform.actors.resolve("NAIC")
    assert naic is not None
    assert stored.participants[0].actor_id == naic.id
    assert stored.participants[1].actor_id is None
    police = [i for i in platform.institutions.list() if i.acronym == "CNP"]
    assert stored.institution_ids == [police[0].id]
    assert stored.locations[0].admin_area_id == target.id
    assert stored.locations[0].admin_code == target.pcode
    assert stored.locations[1].admin_area_id == districts[0].id
    assert ("Nobody we know", 1) in platform.coordination.unresolved_organisations()


def test_only_importers_import_and_only_coordinators_decide(platform: Platform) -> None:
    act = Activity(identifier="XX-P-1", title={"en": "x"}, source="test")
    with pytest.raises(PermissionDenied):
        platform.coordination.add_activities([act], label="t", by=VIEWER)
    with pytest.raises(PermissionDenied):
        platform.coordination.decide("a", "b", Decision.DISMISSED, by=VIEWER)


def test_decisions_are_kept_per_unordered_pair_and_replaced(
    platform: Platform, system: Principal
) -> None:
    acts = [
        Activity(identifier=f"XX-D-{n}", title={"en": f"activity {n}"}, source="test")
        for n in (1, 2)
    ]
    platform.coordination.add_activities(acts, label="t", by=system)
    platform.coordination.decide("XX-D-2", "XX-D-1", Decision.CONFIRMED, note="same", by=system)
    kept = platform.coordination.decisions()[("XX-D-1", "XX-D-2")]
    assert kept.decision == Decision.CONFIRMED and kept.decided_by == system.username
    platform.coordination.decide("XX-D-1", "XX-D-2", Decision.DISMISSED, by=system)
    assert platform.coordination.decisions()[("XX-D-1", "XX-D-2")].decision == Decision.DISMISSED
    with pytest.raises(InputError):
        platform.coordination.decide("XX-D-1", "XX-D-1", Decision.DISMISSED, by=system)


def test_duplicates_are_found_once_per_data_version_and_decisions_show_at_once(
    platform: Platform, system: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peaceops.analytics.coordination import duplicates

    platform.coordination.add_activities(
        [police_training("XX-P-1", "Donor"), police_training("XX-P-2", "NGO")],
        label="t",
        by=system,
    )
    searches: list[int] = []
    real = duplicates.find_duplicates

    def counted(*args: object, **kwargs: object) -> list[duplicates.DuplicatePair]:
        searches.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    def ours(threshold: float | None = None) -> list[duplicates.DuplicatePair]:
        found = platform.coordination.duplicates(country="XCA", threshold=threshold)
        return [p for p in found if p.first.startswith("XX-P-")]

    monkeypatch.setattr(duplicates, "find_duplicates", counted)
    (pair,) = ours()
    assert pair.key == ("XX-P-1", "XX-P-2") and pair.decision is None
    platform.coordination.decide("XX-P-2", "XX-P-1", Decision.DISMISSED, by=system)
    (pair,) = ours()
    assert pair.decision == Decision.DISMISSED and len(searches) == 1  # no new search
    # A change to the activities is a new version: searched again, the decision still shown.
    platform.coordination.add_activities(
        [police_training("XX-P-3", "Agency", "Rehabilitation of water points")],
        label="t",
        by=system,
    )
    found = ours()
    assert len(searches) == 2
    assert {p.key: p.decision for p in found}[("XX-P-1", "XX-P-2")] == Decision.DISMISSED
    # A pair decided before a search is listed with its decision whatever its score.
    platform.coordination.decide("XX-P-1", "XX-P-3", Decision.DISMISSED, by=system)
    high = ours(threshold=0.99)
    assert {p.key: p.decision for p in high} == {
        ("XX-P-1", "XX-P-2"): Decision.DISMISSED,
        ("XX-P-1", "XX-P-3"): Decision.DISMISSED,
    }
    assert all(p.score < 0.99 for p in high)


def test_merging_two_actor_records_moves_links_and_keeps_the_trail(
    platform: Platform, system: Principal
) -> None:
    """The demo holds JWBI twice, once as "Justice Without Borders Intl."."""
    keep = platform.actors.resolve("JWBI")
    twin = next(a for a in platform.actors.list() if a.name == "Justice Without Borders Intl.")
    assert keep is not None and keep.id is not None and twin.id is not None and keep != twin
    act = Activity(
        identifier="XX-M-1",
        title={"en": "Legal aid clinics"},
        participants=[Participant(OrgRole.IMPLEMENTING, "Justice Without Borders Intl.")],
        source="test",
    )
    platform.coordination.add_activities([act], label="t", by=system)
    assert platform.coordination.activity("XX-M-1").participants[0].actor_id == twin.id
    moved = [a.identifier for a in platform.coordination.activities(actor_id=twin.id)]
    merged = platform.coordination.merge_actors(keep.id, twin.id, by=system)
    assert "Justice Without Borders Intl." in merged.name_variants
    assert platform.coordination.activity("XX-M-1").participants[0].actor_id == keep.id
    assert platform.coordination.activities(actor_id=twin.id) == []
    kept = {a.identifier for a in platform.coordination.activities(actor_id=keep.id)}
    assert set(moved) <= kept
    assert platform.actors.resolve("Justice Without Borders Intl.") == merged
    trail = platform.coordination.merges(keep.id)
    assert trail[0]["merged_name"] == "Justice Without Borders Intl."
    entries, _ = platform.audit.entries(by=system, entity="actors")
    assert any(e.action.value == "delete" and e.entity_id == str(twin.id) for e in entries)


def test_exports_round_trip_through_iati_and_geojson(
    platform: Platform, system: Principal, tmp_path: Path
) -> None:
    path = shared_file("iati/activities/wvuk-cd_2013-02-12.xml")
    platform.coordination.import_iati(path, by=system)
    mine = [a for a in platform.coordination.activities() if a.source != "demo"]
    out = tmp_path / "out.xml"
    assert platform.coordination.export_iati(out, activities=mine) == len(mine)
    schema = load_schema(shared_file("iati/schema-2.03/iati-activities-schema.xsd").parent)
    from peaceops.ingest.iati import validate_file

    assert validate_file(out, schema) == []
    back = [a for a in read_iati(out) if isinstance(a, Activity)]
    assert sorted(a.identifier for a in back) == sorted(a.identifier for a in mine)
    n = platform.coordination.export_geojson(tmp_path / "a.geojson")
    data = json.loads((tmp_path / "a.geojson").read_text())
    assert data["type"] == "FeatureCollection" and len(data["features"]) == n


def test_dashboard_api_and_gap_export_answer_by_role(db, client) -> None:  # type: ignore[no-untyped-def]
    from conftest import api_token, csrf_from, login

    platform = db.platform
    headers = api_token(platform, "analyst")
    pairs = client.get("/api/v1/coordination/duplicates?country=XCA", headers=headers).json()
    planted = {("XX-JWBI-CAR-2023-002", "XX-NAIC-CAR-2023-014")}
    assert planted <= {(p["first"], p["second"]) for p in pairs["data"]}
    first = next(p for p in pairs["data"] if (p["first"], p["second"]) in planted)
    assert {r["code"] for r in first["explanation"]} >= {"declared_link", "funder_implementer"}
    answer = client.post(
        "/api/v1/coordination/duplicates/decisions",
        headers=headers,
        json={"first": first["second"], "second": first["first"], "decision": "confirmed"},
    )
    assert answer.status_code == 201 and answer.json()["decided_by"] == "analyst"
    again = client.get("/api/v1/coordination/duplicates?country=XCA", headers=headers).json()
    kept = next(p for p in again["data"] if (p["first"], p["second"]) in planted)
    assert kept["decision"] == "confirmed"
    # Pages of the same ranking: limit and offset, with the total in count.
    assert again["count"] == len(again["data"]) >= 3
    second = client.get(
        "/api/v1/coordination/duplicates?country=XCA&limit=2&offset=1", headers=headers
    ).json()
    assert second["count"] == again["count"]
    assert [p["first"] for p in second["data"]] == [p["first"] for p in again["data"][1:3]]
    # The dashboard lists the most likely pairs first and offers the rest.
    login(client, "analyst")
    page = client.get("/coordination?country=XCA&pairs=1").text
    assert page.count('name="decision" value="confirmed"') == 1
    assert "pairs=51" in page and f"of {again['count']} pairs" in page

    gaps = client.get("/api/v1/coordination/gaps?country=XCA", headers=headers).json()
    kinds = [g["kind"] for g in gaps["data"]]
    assert kinds[0] == "weakness" and "area_at_risk" in kinds
    civil = api_token(platform, "civil")
    theirs = client.get("/api/v1/coordination/gaps?country=XCA", headers=civil).json()
    assert "area_at_risk" not in {g["kind"] for g in theirs["data"]}

    flows = client.get("/api/v1/coordination/flows?country=XCA", headers=headers).json()
    assert {n["column"] for n in flows["nodes"]} == {0, 1, 2}
    total_out = sum(x["value"] for x in flows["links"] if x["source"].startswith("funder"))
    assert total_out > 0
    matrix = client.get(
        "/api/v1/coordination/matrix?country=XCA&capability=legal_aid", headers=headers
    ).json()
    assert matrix["count"] > 0 and all(r["capability"] == "legal_aid" for r in matrix["data"])

    login(client, "analyst")
    page = client.get("/coordination?country=XCA")
    assert page.status_code == 200 and "Lesedi" in page.text
    csv_text = client.get("/coordination/gaps.csv?country=XCA").text
    assert csv_text.splitlines()[0].startswith("kind,round,what")
    form = client.post(
        "/coordination/decisions",
        data={
            "csrf_token": csrf_from(page.text),
            "first": "XX-USS-CAR-2024-003",
            "second": "XX-WJNC-CAR-2024-001",
            "decision": "dismissed",
            "country": "XCA",
        },
        follow_redirects=False,
    )
    assert form.status_code == 303
    decided = platform.coordination.decisions()[("XX-USS-CAR-2024-003", "XX-WJNC-CAR-2024-001")]
    assert decided.decision == Decision.DISMISSED
