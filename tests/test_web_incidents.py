"""Web pages and API of the incident log: the log and one incident for every role (verified
incidents only for roles that may not report), the entry form on a phone, verification and
merges through the pages, the CSV import, and the API's filters, GeoJSON and workflow."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import shape

from conftest import SYSTEM, api_token, csrf_from, login
from peaceops.domain.incidents import Incident, Verification
from peaceops.platform import Platform
from peaceops.platform.incidents import EVENT_VERSION
from peaceops.storage import transaction
from peaceops.storage.tables import events

ROLES = ("admin", "analyst", "partner", "civil", "viewer", "handler")
INSIDERS = ("admin", "analyst")
DAY = date.today() - timedelta(days=10)
STATIC = Path(__file__).resolve().parents[1] / "peaceops" / "services" / "web" / "static"


@contextmanager
def browser_of(app: Any, username: str) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        assert login(c, username).status_code == 303
        yield c


def no_inline_code(text: str) -> None:
    """The CSP forbids inline scripts and styles: the pages must not need them."""
    assert " style=" not in text
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", text))


def demo(platform: Platform, status: Verification) -> Incident:
    return next(i for i in platform.incidents.list(by=SYSTEM, country="XCA") if i.status is status)


def point(platform: Platform, name: str = "Central Kalari") -> tuple[float, float]:
    area = next(a for a in platform.places.admin_areas("XCA", level=2) if a.name == name)
    x, y = shape(area.geometry).representative_point().coords[0][:2]
    return round(x, 5), round(y, 5)


def form(csrf: str, platform: Platform, **changes: str) -> dict[str, str]:
    lon, lat = point(platform)
    data = {
        "csrf_token": csrf,
        "country": "XCA",
        "type": "state_based",
        "date": DAY.isoformat(),
        "date_precision": "day",
        "lon": str(lon),
        "lat": str(lat),
        "place_name": "Kalari road, km 12",
        "actors": "Carana Defence Forces\nMovement for the Liberation of Carana",
        "fatalities_best": "3",
        "fatalities_low": "2",
        "fatalities_high": "5",
        "injured": "4",
        "sources": "JOC flash report\nRadio Kessaba",
        "narrative": "Exchange of fire at the Kalari road checkpoint.",
        "attachments": "photo-checkpoint.jpg",
    }
    data.update(changes)
    return data


def has_event(platform: Platform, incident_id: int) -> bool:
    with transaction(platform.engine, write=False) as conn:
        found = conn.execute(
            events.select().where(
                events.c.source_id == str(incident_id), events.c.version == EVENT_VERSION
            )
        ).first()
    return found is not None


# Pages for each role ----------------------------------------------------------------------------


@pytest.mark.parametrize("username", ROLES)
def test_the_log_and_an_incident_render_for_each_role(
    app: Any, platform: Platform, username: str
) -> None:
    shown = demo(platform, Verification.VERIFIED)
    hidden = demo(platform, Verification.UNDER_VERIFICATION)
    insider = username in INSIDERS
    with browser_of(app, username) as c:
        home = c.get("/incidents")
        assert home.status_code == 200
        no_inline_code(home.text)
        assert 'href="/incidents" aria-current="page"' in home.text
        assert f'href="/incidents/{shown.id}"' in home.text
        assert (f'href="/incidents/{hidden.id}"' in home.text) is insider
        assert ("Report an incident" in home.text) is insider
        assert ('action="/incidents/import"' in home.text) is insider
        filtered = c.get(f"/incidents?type={shown.type.value}&since=2025-01-01&area=")
        assert filtered.status_code == 200 and f'href="/incidents/{shown.id}"' in filtered.text
        page = c.get(f"/incidents/{shown.id}")
        assert page.status_code == 200
        no_inline_code(page.text)
        assert "<svg" in page.text and 'class="incident-point' in page.text
        assert shown.sources[0] in page.text
        assert ("Verification history" in page.text) is insider
        assert (f'action="/incidents/{shown.id}/move"' in page.text) is insider
        assert c.get(f"/incidents/{hidden.id}").status_code == (200 if insider else 404)
        assert c.get("/incidents/new").status_code == (200 if insider else 403)
        assert c.get("/incidents/template.csv").status_code == (200 if insider else 403)


def test_the_entry_form_fits_a_phone(app: Any) -> None:
    with browser_of(app, "analyst") as c:
        page = c.get("/incidents/new", headers={"User-Agent": "Mozilla/5.0 (Linux; Android 9)"})
    assert page.status_code == 200
    text = page.text
    no_inline_code(text)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert '<link rel="stylesheet" href="/static/css/incidents.css">' in text
    assert len(text.encode()) < 60_000, "the form must stay small for slow lines"
    controls = re.findall(r"<(?:input|select|textarea)\b[^>]*>", text)
    labelled = set(re.findall(r'<label for="([^"]+)"', text))
    for tag in controls:
        if 'type="hidden"' in tag or 'type="radio"' in tag:
            continue
        found = re.search(r'id="([^"]+)"', tag)
        assert found and found.group(1) in labelled, f"no label for {tag}"
    radios = re.findall(r'<label><input type="radio" name="type"[^>]*><span>([^<]+)</span>', text)
    assert len(radios) == 12 and "Attack on police" in radios
    for label in ("Longitude", "Latitude", "Region or district", "Sources (one per line)"):
        assert f">{label}</label>" in text, label
    assert 'inputmode="decimal"' in text and 'inputmode="numeric"' in text
    assert 'name="csrf_token"' in text and "<script>" not in text
    css = (STATIC / "css" / "incidents.css").read_text(encoding="utf-8")
    rules = "\n".join(line for line in css.splitlines() if not line.startswith("@media"))
    widths = [int(n) for n in re.findall(r"(?:width|inline-size)\s*:\s*(\d+)px", rules)]
    assert all(n <= 360 for n in widths), "nothing in the stylesheet is wider than a phone"
    assert "max-width: 600px" in css and "min(100%" in css


# The workflow through the pages -----------------------------------------------------------------


def test_an_analyst_logs_verifies_and_merges_through_the_pages(
    client: TestClient, platform: Platform
) -> None:
    assert login(client, "analyst").status_code == 303
    csrf = csrf_from(client.get("/incidents/new").text)
    created = client.post("/incidents/new", data=form(csrf, platform), follow_redirects=False)
    assert created.status_code == 303, created.text
    location = created.headers["location"]
    match = re.fullmatch(r"/incidents/(\d+)\?msg=created", location)
    assert match
    first = int(match.group(1))
    page = client.get(location)
    assert "Created." in page.text and "Kalari road, km 12" in page.text
    assert "photo-checkpoint.jpg" in page.text and "Radio Kessaba" in page.text
    stored = platform.incidents.get(first, by=SYSTEM)
    assert stored.admin_area_id is not None and stored.fatalities_high == 5
    assert stored.status is Verification.REPORTED

    csrf = csrf_from(page.text)
    skip = client.post(f"/incidents/{first}/move", data={"csrf_token": csrf, "to": "verified"})
    assert skip.status_code == 422 and "Choose one of the next steps" in skip.text
    opened = client.post(
        f"/incidents/{first}/move",
        data={"csrf_token": csrf, "to": "under_verification"},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    no_reason = client.post(f"/incidents/{first}/move", data={"csrf_token": csrf, "to": "verified"})
    assert no_reason.status_code == 422 and "a reason is required" in no_reason.text
    done = client.post(
        f"/incidents/{first}/move",
        data={"csrf_token": csrf, "to": "verified", "reason": "Two sources agree."},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert has_event(platform, first)
    page = client.get(f"/incidents/{first}")
    assert "Two sources agree." in page.text and "Counted as an event" in page.text

    again = client.post(
        "/incidents/new",
        data=form(csrf, platform, fatalities_best="6", fatalities_low="", fatalities_high="8",
                  sources="Human rights officer, Kessaba"),
        follow_redirects=False,
    )  # fmt: skip
    second = int(again.headers["location"].split("/")[2].split("?")[0])
    duplicate_page = client.get(f"/incidents/{second}")
    assert f'<option value="{first}"' in duplicate_page.text, "offered as a possible duplicate"
    no_why = client.post(
        f"/incidents/{second}/merge", data={"csrf_token": csrf, "into": str(first)}
    )
    assert no_why.status_code == 422
    merged = client.post(
        f"/incidents/{second}/merge",
        data={"csrf_token": csrf, "into": str(first), "reason": "Same clash, other source."},
        follow_redirects=False,
    )
    assert merged.status_code == 303 and merged.headers["location"].startswith(
        f"/incidents/{first}"
    )
    kept = platform.incidents.get(first, by=SYSTEM)
    assert (kept.fatalities_low, kept.fatalities_best, kept.fatalities_high) == (2, 3, 8)
    assert "Human rights officer, Kessaba" in kept.sources
    page = client.get(f"/incidents/{first}")
    assert "Duplicate merged in" in page.text and "Same clash, other source." in page.text
    gone = client.get(f"/incidents/{second}")
    assert "into which it was merged" in gone.text and f'href="/incidents/{first}"' in gone.text


def test_form_problems_are_shown_by_field_and_what_was_typed_is_kept(
    client: TestClient, platform: Platform
) -> None:
    assert login(client, "analyst").status_code == 303
    csrf = csrf_from(client.get("/incidents/new").text)
    before = platform.incidents.counts()["incidents"]
    xss = "<script>alert(1)</script>"
    cases = [
        ({"fatalities_low": "9"}, "fatalities"),
        ({"fatalities_best": "many"}, "fatalities"),
        ({"date": (date.today() + timedelta(days=5)).isoformat()}, "date"),
        ({"type": ""}, "type"),
        ({"lon": "", "lat": ""}, "place"),
        ({"lon": "10", "lat": "10"}, "lon"),
        ({"lat": ""}, "lon"),
        (
            {"lon": "", "lat": "", "admin_area_id": "1", "place_precision": "exact"},
            "place_precision",
        ),
    ]
    for changes, field in cases:
        answer = client.post("/incidents/new", data=form(csrf, platform, narrative=xss, **changes))
        assert answer.status_code == 422, (changes, answer.status_code)
        assert f'id="{field}-error"' in answer.text, (changes, field)
        assert 'aria-invalid="true"' in answer.text or 'class="invalid"' in answer.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in answer.text
        assert xss not in answer.text
    assert platform.incidents.counts()["incidents"] == before
    forged = client.post("/incidents/new", data=form("forged", platform))
    assert forged.status_code == 403


def test_a_log_imports_through_the_page_and_the_report_is_shown(
    client: TestClient, platform: Platform
) -> None:
    assert login(client, "analyst").status_code == 303
    template = client.get("/incidents/template.csv")
    assert template.status_code == 200 and template.headers["content-type"].startswith("text/csv")
    header = next(csv.reader(io.StringIO(template.text)))
    lon, lat = point(platform)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerow(["W-1", DAY.isoformat(), "", "protest", str(lon), str(lat)])
    writer.writerow(["W-2", DAY.isoformat(), "", "protest", str(lon), "95"])
    body = buffer.getvalue().encode()
    csrf = csrf_from(client.get("/incidents").text)
    sent = client.post(
        "/incidents/import",
        data={"csrf_token": csrf, "country": "XCA"},
        files={"file": ("field-log.csv", body, "text/csv")},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/incidents#import"
    page = client.get("/incidents")
    assert "Imported field-log.csv" in page.text
    assert "1 new, 0 updated, 0 unchanged, 1 skipped." in page.text
    assert "line 3" in page.text and "field &#39;lat&#39;" in page.text
    assert "Imported field-log.csv" not in client.get("/incidents").text, "shown once"
    again = client.post(
        "/incidents/import",
        data={"csrf_token": csrf, "country": "XCA"},
        files={"file": ("field-log.csv", body, "text/csv")},
    )
    assert "0 new, 0 updated, 1 unchanged, 1 skipped." in again.text
    wrong = client.post(
        "/incidents/import",
        data={"csrf_token": csrf, "country": "XCA"},
        files={"file": ("log.xlsx", b"PK", "application/octet-stream")},
    )
    assert wrong.status_code == 422


# The API ----------------------------------------------------------------------------------------


def test_the_api_filters_by_status_type_dates_and_box(
    client: TestClient, platform: Platform
) -> None:
    viewer = api_token(platform, "partner")  # viewers hold no API tokens
    analyst = api_token(platform, "analyst")
    seen = client.get("/api/v1/incidents?country=XCA", headers=viewer).json()
    assert seen["count"] == len(seen["data"]) > 0
    assert {r["status"] for r in seen["data"]} == {"verified"}
    assert "steps" in seen["data"][0] and seen["data"][0]["steps"] == []
    assert client.get("/api/v1/incidents?status=reported", headers=viewer).json()["count"] == 0
    everything = client.get("/api/v1/incidents", headers=analyst).json()
    assert {r["status"] for r in everything["data"]} >= {"verified", "merged", "discredited"}
    one = seen["data"][0]
    by_type = client.get(f"/api/v1/incidents?type={one['type']}", headers=viewer).json()
    assert by_type["count"] and {r["type"] for r in by_type["data"]} == {one["type"]}
    day = one["date"]
    on_day = client.get(f"/api/v1/incidents?since={day}&until={day}", headers=viewer).json()
    assert one["id"] in {r["id"] for r in on_day["data"]}
    assert all(r["date"] == day for r in on_day["data"])
    lon, lat = one["lon"], one["lat"]
    box = f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"
    boxed = client.get(f"/api/v1/incidents?bbox={box}", headers=viewer).json()
    assert one["id"] in {r["id"] for r in boxed["data"]}
    assert all(
        abs(r["lon"] - lon) <= 0.001 and abs(r["lat"] - lat) <= 0.001
        for r in boxed["data"]
        if r["lon"] is not None
    )
    far = client.get("/api/v1/incidents?bbox=10,10,11,11", headers=viewer).json()
    assert far["count"] == 0
    geo = client.get(f"/api/v1/incidents?format=geojson&bbox={box}", headers=viewer)
    assert geo.status_code == 200 and geo.headers["content-type"] == "application/geo+json"
    features = geo.json()["features"]
    assert geo.json()["type"] == "FeatureCollection"
    assert any(f["id"] == one["id"] for f in features)
    assert all(f["properties"]["status"] == "verified" for f in features)
    for bad in ("1,2,3", "a,b,c,d", "20,0,10,5", "0,95,1,96"):
        answer = client.get(f"/api/v1/incidents?bbox={bad}", headers=viewer)
        assert answer.status_code == 422 and answer.json()["field"] == "bbox", bad
    hidden = demo(platform, Verification.UNDER_VERIFICATION)
    assert client.get(f"/api/v1/incidents/{hidden.id}", headers=viewer).status_code == 404
    got = client.get(f"/api/v1/incidents/{hidden.id}", headers=analyst).json()
    assert got["status"] == "under_verification" and got["steps"][0]["to_status"] == "reported"


def test_the_api_reports_verifies_and_merges(client: TestClient, platform: Platform) -> None:
    analyst = api_token(platform, "analyst")
    partner = api_token(platform, "partner")
    told: list[tuple[str, str | None]] = []
    platform.listeners.append(lambda kind, country: told.append((kind, country)))
    lon, lat = point(platform)
    body = {
        "country": "XCA",
        "type": "attack_on_police",
        "date": DAY.isoformat(),
        "lon": lon,
        "lat": lat,
        "fatalities_best": 2,
        "sources": ["CNP incident report"],
        "attachments": [{"name": "statement.pdf", "size": 2048, "location": "DMS 4411"}],
        "reference": "API-1",
    }
    created = client.post("/api/v1/incidents", json=body, headers=analyst)
    assert created.status_code == 201, created.text
    first = created.json()
    assert first["status"] == "reported" and first["admin_area_id"] is not None
    assert (first["fatalities_low"], first["fatalities_high"]) == (2, 2)
    assert first["place_precision"] == "exact" and first["violence_type"] == 1
    assert first["attachments"][0]["location"] == "DMS 4411"
    assert client.post("/api/v1/incidents", json=body, headers=analyst).status_code == 200
    assert client.post("/api/v1/incidents", json=body, headers=partner).status_code == 403
    bad = client.post(
        "/api/v1/incidents",
        json={**body, "reference": "API-X", "fatalities_low": 5},
        headers=analyst,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "fatalities"
    area = platform.places.admin_areas("XCA", level=1)[0]
    by_area = client.post(
        "/api/v1/incidents",
        json={**body, "reference": "API-2", "lon": None, "lat": None, "admin_area_id": area.id},
        headers=analyst,
    )
    assert by_area.status_code == 201 and by_area.json()["place_precision"] == "region"

    url = f"/api/v1/incidents/{first['id']}/verification"
    assert (
        client.post(url, json={"to": "verified", "reason": "x"}, headers=analyst).status_code == 409
    )
    assert client.post(url, json={"to": "under_verification"}, headers=partner).status_code == 403
    assert client.post(url, json={"to": "under_verification"}, headers=analyst).status_code == 200
    missing = client.post(url, json={"to": "verified"}, headers=analyst)
    assert missing.status_code == 422 and missing.json()["field"] == "reason"
    done = client.post(url, json={"to": "verified", "reason": "Patrol saw it"}, headers=analyst)
    assert done.status_code == 200
    assert [s["to_status"] for s in done.json()["steps"]] == [
        "reported",
        "under_verification",
        "verified",
    ]
    assert has_event(platform, first["id"])
    assert told == [("incident_verified", "XCA")], "the alert rules hear of it once committed"
    merge = f"/api/v1/incidents/{by_area.json()['id']}/merge"
    assert (
        client.post(merge, json={"into": first["id"], "reason": ""}, headers=analyst).status_code
        == 422
    )
    kept = client.post(merge, json={"into": first["id"], "reason": "same attack"}, headers=analyst)
    assert kept.status_code == 200 and kept.json()["id"] == first["id"]
    assert (
        client.get(f"/api/v1/incidents/{by_area.json()['id']}", headers=analyst).json()[
            "merged_into_id"
        ]
        == first["id"]
    )
    reopened = client.post(
        url, json={"to": "under_verification", "reason": "doubt"}, headers=analyst
    )
    assert reopened.status_code == 200 and not has_event(platform, first["id"])
    assert told[-1] == ("events", "XCA")
