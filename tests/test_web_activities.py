"""Web pages and API of programmes and trainings: the activity register and one activity,
import and exports, organisation merges, and trainee names only for those allowed."""

from __future__ import annotations

import html
import io
import json
import re
from datetime import date
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from conftest import api_token, csrf_from, login
from peaceops.domain.access import Principal
from peaceops.domain.actors import Actor, ActorCategory, OrganisationType
from peaceops.domain.coordination import (
    Activity,
    ActivityLocation,
    Budget,
    Capability,
    Money,
    OrgRole,
    Participant,
    Result,
    ResultIndicator,
    ResultPeriod,
    Transaction,
    TransactionType,
)
from peaceops.domain.training import (
    Course,
    DeploymentStatus,
    Participation,
    Sex,
    Trainee,
    TrainingRecords,
    TrainingSession,
    VettingStatus,
)
from peaceops.errors import NotFound
from peaceops.platform import Platform

IDENTIFIER = "XX-WEBTEST-2024-001"
TITLE = "Station management support to the Carana police"
IMPLEMENTER = "Webtest Implementing Partner"
FUNDER = "Webtest Donor Agency"
TRAINEE = "Quillon Vexbridge"
COURSE = "Webtest course on custody rights"


def add_activity(platform: Platform, system: Principal) -> Activity:
    from shapely.geometry import shape

    district = platform.places.admin_areas("XCA", level=2, with_geometry=True)[2]
    point = shape(district.geometry).representative_point()
    usd = "USD"
    act = Activity(
        identifier=IDENTIFIER,
        title={"en": TITLE, "fr": "Appui à la gestion des commissariats"},
        description={"en": "Registers, custody records and supervision at police stations."},
        planned_start=date(2023, 3, 1),
        planned_end=date(2025, 2, 28),
        reporting_org=Participant(OrgRole.FUNDING, FUNDER, ref="XX-WEBTEST"),
        participants=[
            Participant(OrgRole.FUNDING, FUNDER, ref="XX-WEBTEST"),
            Participant(OrgRole.IMPLEMENTING, IMPLEMENTER),
        ],
        countries=[("XCA", 100.0)],
        capabilities=[Capability.POLICE_REFORM],
        institution_refs=["CNP"],
        locations=[ActivityLocation("Webtest station", lon=point.x, lat=point.y)],
        budgets=[Budget(date(2023, 3, 1), date(2024, 2, 29), Money(150000.0, usd))],
        transactions=[
            Transaction(TransactionType.OUTGOING_COMMITMENT, date(2023, 3, 1), Money(250000, usd)),
            Transaction(TransactionType.DISBURSEMENT, date(2023, 6, 1), Money(90000.0, usd)),
            Transaction(TransactionType.DISBURSEMENT, date(2024, 6, 1), Money(110000.0, usd)),
            Transaction(TransactionType.EXPENDITURE, date(2024, 9, 1), Money(70000.0, usd)),
        ],
        results=[
            Result(
                "Custody records kept",
                type="2",
                indicators=(
                    ResultIndicator(
                        "Stations with complete custody registers",
                        measure="2",
                        baseline=12.0,
                        baseline_year=2022,
                        periods=(ResultPeriod(date(2024, 1, 1), date(2024, 12, 31), 60.0, 48.0),),
                        framework_indicator="POL-ACC-02",
                    ),
                ),
            )
        ],
        source="test",
    )
    report = platform.coordination.add_activities([act], label="webtest", by=system)
    assert report.created == 1
    return platform.coordination.activity(IDENTIFIER)


def add_training(platform: Platform, system: Principal) -> int:
    n = 12
    records = TrainingRecords(
        courses=[Course("WEBTEST-CR", COURSE, Capability.HUMAN_RIGHTS_TRAINING.value)],
        sessions=[
            TrainingSession(
                "WEBTEST-CR",
                date(2024, 4, 8),
                date(2024, 4, 12),
                "Webtest academy",
                provider=IMPLEMENTER,
                activity_identifier=IDENTIFIER,
            )
        ],
        trainees=[
            Trainee(
                f"WT-{i:03d}",
                "CNP",
                TRAINEE if i == 0 else f"Trainee Number{i} Webtest",
                sex=Sex.FEMALE if i < 3 else Sex.MALE,
                vetting=VettingStatus.CLEARED if i < 9 else VettingStatus.PENDING,
                deployment=DeploymentStatus.SERVING if i < 7 else DeploymentStatus.LEFT,
            )
            for i in range(n)
        ],
        attendance=[
            (0, Participation(None, f"WT-{i:03d}", "CNP", completed=True, certified=i % 2 == 0))
            for i in range(n)
        ],
    )
    report = platform.trainings.add_records(records, label="webtest", by=system)
    assert report.created == n and not report.warnings
    session = next(s for s in platform.trainings.sessions(by=system) if s["code"] == "WEBTEST-CR")
    return int(session["id"])


def test_activity_list_and_detail_pages(client, platform: Platform, system: Principal) -> None:  # type: ignore[no-untyped-def]
    act = add_activity(platform, system)
    police = next(i for i in platform.institutions.list(country="XCA") if i.acronym == "CNP")
    assert act.institution_ids == [police.id]
    login(client, "viewer")
    page = client.get("/activities")
    assert page.status_code == 200
    assert TITLE in page.text and IDENTIFIER in page.text and IMPLEMENTER in page.text
    assert "USD 250,000" in page.text and "USD 200,000" in page.text
    found = client.get("/activities", params={"q": "station management"})
    assert IDENTIFIER in found.text
    assert IDENTIFIER in client.get(f"/activities?institution_id={police.id}").text
    other = client.get("/activities", params={"capability": "legal_aid", "q": "webtest"})
    assert IDENTIFIER not in other.text
    assert "import_data" not in page.text and 'action="/activities/import"' not in page.text

    detail = client.get(f"/activities/{act.id}")
    assert detail.status_code == 200
    html = detail.text
    assert TITLE in html and IMPLEMENTER in html
    assert f'href="/institutions/{police.id}"' in html
    area = act.locations[0].admin_area_id
    assert area is not None and f'href="/areas/{area}"' in html
    assert 'class="money-chart"' in html and 'class="bar disbursement"' in html
    assert "POL-ACC-02" in html and "Stations with complete custody registers" in html
    assert "USD 110,000" in html

    french = client.get(f"/activities/{act.id}", headers={"Accept-Language": "fr"})
    assert french.status_code == 200

    api = client.get("/api/v1/activities", params={"q": IDENTIFIER}).json()
    assert api["count"] == 1 and api["data"][0]["committed"] == {"USD": 250000.0}
    one = client.get(f"/api/v1/activities/{act.id}").json()
    assert one["identifier"] == IDENTIFIER and one["institution_ids"] == [police.id]
    tx = client.get(f"/api/v1/activities/{act.id}/transactions").json()
    assert tx["count"] == 4 and tx["data"][0]["type"] == 2
    results = client.get(f"/api/v1/activities/{act.id}/results").json()
    assert results["data"][0]["indicators"][0]["framework_indicator"] == "POL-ACC-02"
    assert client.get("/api/v1/activities/999999").status_code == 404
    assert client.get("/activities/999999").status_code == 404


HXL = (
    "Activity code,Activity,Implementer,Funder,Institution,Capability,Start,End,Committed,"
    "Currency\n"
    "#activity+code,#activity+name,#org+impl,#org+funder,#org+beneficiary,#sector+capability,"
    "#date+start,#date+end,#value+commitment,#currency\n"
    "XX-HXL-WEB-1,Community policing forums,Webtest NGO,Webtest Donor Agency,CNP,"
    "community_policing,2024-01-01,2024-12-31,50000,USD\n"
    "XX-HXL-WEB-2,Legal aid desks,Webtest NGO,Webtest Donor Agency,Nowhere Court,"
    "legal_aid,2024-02-01,2024-11-30,20000,USD\n"
)


def _import(client, csrf: str, name: str, data: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        "/activities/import",
        data={"csrf_token": csrf},
        files={"file": (name, io.BytesIO(data), "text/csv")},
    )


def test_import_through_the_page_and_again(client, platform: Platform) -> None:  # type: ignore[no-untyped-def]
    login(client, "analyst")
    csrf = csrf_from(client.get("/activities").text)
    first = _import(client, csrf, "webtest-3w.csv", HXL.encode())
    assert first.status_code == 200 and first.url.path == "/activities"
    assert "Imported webtest-3w.csv:" in first.text
    assert "2 new, 0 updated, 0 unchanged, 0 skipped." in first.text
    assert "Nowhere Court" in first.text, "the unknown institution is a warning"
    stored = platform.coordination.activity("XX-HXL-WEB-1")
    assert stored.capabilities == [Capability.COMMUNITY_POLICING] and stored.institution_ids
    assert "Imported" not in client.get("/activities").text, "the report is shown once"
    again = _import(client, csrf, "webtest-3w.csv", HXL.encode())
    assert "0 new, 0 updated, 2 unchanged, 0 skipped." in again.text

    wrong = _import(client, csrf, "notes.txt", b"hello")
    assert wrong.status_code == 422
    no_csrf = client.post(
        "/activities/import", files={"file": ("a.csv", io.BytesIO(HXL.encode()), "text/csv")}
    )
    assert no_csrf.status_code == 403

    headers = api_token(platform, "analyst")
    api = client.post(
        "/api/v1/activities/import",
        files={"file": ("webtest-3w.csv", io.BytesIO(HXL.encode()), "text/csv")},
        headers=headers,
    )
    assert api.status_code == 200, api.text
    assert api.json()["unchanged"] == 2
    gone = client.delete(f"/api/v1/activities/{stored.id}", headers=headers)
    assert gone.status_code == 204
    assert client.get(f"/api/v1/activities/{stored.id}", headers=headers).status_code == 404


def test_viewer_cannot_import(client, platform: Platform) -> None:  # type: ignore[no-untyped-def]
    login(client, "viewer")
    csrf = csrf_from(client.get("/activities").text)
    refused = _import(client, csrf, "webtest-3w.csv", HXL.encode())
    assert refused.status_code == 403
    api = client.post(
        "/api/v1/activities/import",
        files={"file": ("webtest-3w.csv", io.BytesIO(HXL.encode()), "text/csv")},
        headers={"x-csrf-token": csrf},
    )
    assert api.status_code == 403
    partner = client.post(
        "/api/v1/activities/import",
        files={"file": ("webtest-3w.csv", io.BytesIO(HXL.encode()), "text/csv")},
        headers=api_token(platform, "partner"),
    )
    assert partner.status_code == 403
    training = client.post(
        "/trainings/import",
        data={"csrf_token": csrf},
        files={"file": ("register.xlsx", io.BytesIO(b"x"), "application/octet-stream")},
    )
    assert training.status_code == 403
    with pytest.raises(NotFound):
        platform.coordination.activity("XX-HXL-WEB-1")


@pytest.mark.parametrize("username", ["viewer", "partner"])
def test_trainee_names_only_for_those_allowed(  # type: ignore[no-untyped-def]
    client, platform: Platform, system: Principal, username: str
) -> None:
    add_activity(platform, system)
    session_id = add_training(platform, system)
    login(client, "analyst")
    page = client.get(f"/trainings/sessions/{session_id}")
    assert page.status_code == 200 and TRAINEE in page.text and "WT-000" in page.text
    analyst_api = client.get(
        f"/api/v1/trainings/sessions/{session_id}", headers=api_token(platform, "analyst")
    ).json()
    assert TRAINEE in {a["name"] for a in analyst_api["attendees"]}
    register = client.get("/trainings")
    assert COURSE in register.text and f'href="/trainings/sessions/{session_id}"' in register.text
    client.post("/logout", data={"csrf_token": csrf_from(register.text)})

    login(client, username)
    hidden = client.get(f"/trainings/sessions/{session_id}")
    assert hidden.status_code == 200
    assert TRAINEE not in hidden.text and "WT-000" not in hidden.text
    # The demo's partner reads French: compare with the catalogue, not the English text.
    from peaceops.services.web.i18n import load_catalogues

    lang = re.search(r'<html lang="(\w+)"', hidden.text)
    assert lang is not None
    notice = load_catalogues()[lang.group(1)].gettext(
        "Personal data is hidden for your role: attendees are shown under pseudonyms (the same "
        "person has the same reference in every session), without names, service numbers or "
        "scores."
    )
    assert notice in html.unescape(hidden.text)
    assert re.search(r"T-[0-9a-f]{10}", hidden.text), "attendees under pseudonyms"
    # Viewers have no API tokens: the API answers their session cookie.
    headers = api_token(platform, username) if username == "partner" else {}
    body = client.get(f"/api/v1/trainings/sessions/{session_id}", headers=headers)
    assert body.status_code == 200
    assert TRAINEE not in body.text and "WT-000" not in body.text
    assert all("name" not in a for a in body.json()["attendees"])
    assert body.json()["session"]["female"] is None, "3 women: a small cell"
    assert "&lt;10" in hidden.text
    register = client.get("/trainings")
    assert TRAINEE not in register.text
    assert COURSE in register.text and "&lt;10" in register.text, "3 women: a small cell"
    sessions = client.get("/api/v1/trainings/sessions", headers=headers).json()
    mine = next(s for s in sessions["data"] if s["code"] == "WEBTEST-CR")
    assert mine["female"] is None and mine["suppressed"] is True and mine["total"] == 12
    follow = client.get("/api/v1/trainings/follow-up", headers=headers).json()
    assert any(f["trained"] >= 12 for f in follow["data"])


def test_merge_moves_participants_to_the_kept_record(  # type: ignore[no-untyped-def]
    client, platform: Platform, system: Principal
) -> None:
    keep = platform.actors.create(
        Actor(
            "Webtest Implementing Partner",
            ActorCategory.INTERNATIONAL_NGO,
            OrganisationType.INTERNATIONAL_NGO,
        ),
        by=system,
    )
    dup = platform.actors.create(
        Actor(
            "Webtest Implementing Partner Intl.",
            ActorCategory.INTERNATIONAL_NGO,
            OrganisationType.INTERNATIONAL_NGO,
            acronym="WIPI",
        ),
        by=system,
    )
    act = Activity(
        identifier="XX-WEBTEST-MERGE",
        title={"en": "Merge test"},
        participants=[Participant(OrgRole.IMPLEMENTING, "Webtest Implementing Partner Intl.")],
        transactions=[
            Transaction(TransactionType.OUTGOING_COMMITMENT, date(2024, 1, 1), Money(5000, "EUR"))
        ],
        source="test",
    )
    platform.coordination.add_activities([act], label="webtest", by=system)
    assert platform.coordination.activity(act.identifier).participants[0].actor_id == dup.id

    login(client, "viewer")
    viewer_page = client.get(f"/actors/{keep.id}")
    assert 'action="/actors/' + str(keep.id) + '/merge"' not in viewer_page.text
    refused = client.post(
        f"/actors/{keep.id}/merge",
        data={"csrf_token": csrf_from(viewer_page.text), "other_id": str(dup.id)},
    )
    assert refused.status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(viewer_page.text)})

    login(client, "analyst")
    page = client.get(f"/actors/{dup.id}")
    assert "Merge test" in page.text and "EUR 5,000" in page.text
    page = client.get(f"/actors/{keep.id}")
    assert f'action="/actors/{keep.id}/merge"' in page.text
    merged = client.post(
        f"/actors/{keep.id}/merge",
        data={"csrf_token": csrf_from(page.text), "other_id": str(dup.id)},
    )
    assert merged.status_code == 200 and merged.url.path == f"/actors/{keep.id}"
    stored = platform.coordination.activity(act.identifier)
    assert stored.participants[0].actor_id == keep.id
    assert "Records merged into this one" in merged.text and "WIPI" in merged.text
    assert "Merge test" in merged.text
    assert client.get(f"/actors/{dup.id}").status_code == 404

    other = platform.actors.create(
        Actor("Webtest Third Record", ActorCategory.NATIONAL_NGO, OrganisationType.NATIONAL_NGO),
        by=system,
    )
    api = client.post(
        f"/api/v1/actors/{keep.id}/merge",
        json={"other_id": other.id},
        headers=api_token(platform, "analyst"),
    )
    assert api.status_code == 200 and "Webtest Third Record" in api.json()["name_variants"]
    again = client.post(
        f"/api/v1/actors/{keep.id}/merge",
        json={"other_id": keep.id},
        headers=api_token(platform, "analyst"),
    )
    assert again.status_code == 422


def test_exports_are_valid(client, platform: Platform, system: Principal) -> None:  # type: ignore[no-untyped-def]
    add_activity(platform, system)
    login(client, "partner")
    xml = client.get("/activities/export.xml", params={"q": IDENTIFIER})
    assert xml.status_code == 200 and "attachment" in xml.headers["content-disposition"]
    root = ElementTree.fromstring(xml.content)
    assert root.tag == "iati-activities"
    assert [e.text for e in root.iter("iati-identifier")] == [IDENTIFIER]
    everything = ElementTree.fromstring(client.get("/activities/export.xml").content)
    assert len(everything.findall("iati-activity")) == platform.coordination.count()

    geo = client.get("/activities/export.geojson")
    assert geo.status_code == 200 and "attachment" in geo.headers["content-disposition"]
    data = json.loads(geo.content)
    assert data["type"] == "FeatureCollection"
    assert any(f["properties"]["identifier"] == IDENTIFIER for f in data["features"])
    api = client.get("/api/v1/activities/export.geojson", params={"q": IDENTIFIER}).json()
    assert [f["properties"]["identifier"] for f in api["features"]] == [IDENTIFIER]

    sheet = client.get("/activities/export.xlsx", params={"q": IDENTIFIER})
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert "#activity+code" in rows[1] and any(IDENTIFIER in r for r in rows[2:])


def test_training_register_page_and_template(client, platform: Platform, system: Principal) -> None:  # type: ignore[no-untyped-def]
    add_activity(platform, system)
    session_id = add_training(platform, system)
    act = platform.coordination.activity(IDENTIFIER)
    login(client, "analyst")
    page = client.get("/trainings")
    assert page.status_code == 200
    assert f'href="/activities/{act.id}"' in page.text, "the session links its activity"
    assert 'class="stack"' in page.text and 'action="/trainings/import"' in page.text
    detail = client.get(f"/trainings/sessions/{session_id}")
    assert "Webtest academy" in detail.text
    assert client.get("/trainings/sessions/999999").status_code == 404

    template = client.get("/trainings/template.xlsx")
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.content))
    assert {"courses", "sessions", "participants"} <= set(book.sheetnames)
    book["courses"].append(["WEBTEST-UP", "Uploaded course", "police_reform", "", 5, ""])
    book["sessions"].append(
        ["S-1", "WEBTEST-UP", "2024-05-06", "2024-05-10", "Webtest hall", "", "", IDENTIFIER]
    )
    for i in range(3):
        book["participants"].append(
            [
                "S-1",
                f"UP-{i}",
                "CNP",
                f"Uploaded Person{i}",
                "male",
                "",
                "",
                "yes",
                "no",
                "",
                "cleared",
                "serving",
                "2024-06-01",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    csrf = csrf_from(page.text)

    def upload():  # type: ignore[no-untyped-def]
        return client.post(
            "/trainings/import",
            data={"csrf_token": csrf},
            files={"file": ("register.xlsx", io.BytesIO(buffer.getvalue()), "application/zip")},
        )

    first = upload()
    assert first.status_code == 200 and first.url.path == "/trainings"
    assert "Imported register.xlsx:" in first.text and "3 new" in first.text
    assert "Uploaded course" in first.text
    again = upload()
    assert "0 new, 0 updated, 3 unchanged" in again.text
