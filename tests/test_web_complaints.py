"""Web pages and API of complaints against security forces: the public form and status check,
the case board and workflow for case handlers, the accountability aggregates, and the rules
that protect complainants (escaping, identity for case handlers only, rate and size limits)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from conftest import SYSTEM, TestDatabase, api_token, csrf_from, login
from peaceops.domain.complaints import normalise_reference
from peaceops.platform import Platform

REFERENCE = re.compile(r'id="reference"[^>]*>([^<]+)<')
NAME = "Quirinus Vandermolt-Oyelaran"
PHONE = "+999 555 731 904"
XSS = '<script>alert(1)</script> and "><img src=x onerror=alert(1)>'
STORY = "Officers at the Kalari checkpoint took my phone and asked for money to give it back."


def police_id(platform: Platform) -> int:
    police = next(i for i in platform.institutions.list(country="XCA") if i.acronym == "CNP")
    assert police.id is not None
    return police.id


def district_id(platform: Platform, name: str = "Central Kalari") -> int:
    area = next(
        a for a in platform.places.admin_areas("XCA", with_geometry=False) if a.name == name
    )
    assert area.id is not None
    return area.id


def form_data(platform: Platform, csrf: str, **changes: str) -> dict[str, str]:
    data = {
        "csrf_token": csrf,
        "country": "XCA",
        "category": "extortion",
        "institution_id": str(police_id(platform)),
        "unit": "Checkpoint 4, Kalari road",
        "admin_area_id": str(district_id(platform)),
        "incident_date": (date.today() - timedelta(days=3)).isoformat(),
        "description": STORY,
        "victim_sex": "female",
        "confidentiality": "anonymous",
    }
    data.update(changes)
    return data


def submit(client: TestClient, platform: Platform, **changes: str) -> str:
    """File a complaint through the public form, as the public; returns the reference."""
    page = client.get("/complain")
    answer = client.post("/complain", data=form_data(platform, csrf_from(page.text), **changes))
    assert answer.status_code == 200, answer.text
    match = REFERENCE.search(answer.text)
    assert match, "the answer shows no reference"
    return html.unescape(match.group(1)).strip()


def case_id(platform: Platform, reference: str) -> int:
    found = next(
        v for v in platform.complaints.cases(by=SYSTEM) if v.complaint.reference == reference
    )
    assert found.complaint.id is not None
    return found.complaint.id


def stage_shown(client: TestClient, reference: str) -> str:
    page = client.get("/complain/status")
    answer = client.post(
        "/complain/status", data={"csrf_token": csrf_from(page.text), "reference": reference}
    )
    assert answer.status_code == 200
    match = re.search(r'<p class="stage stage-(\w+)">', answer.text)
    return match.group(1) if match else ""


def log_out(client: TestClient) -> None:
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/account").text)})
    client.cookies.clear()


@contextmanager
def browser_of(app: Any, username: str | None) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        if username is not None:
            assert login(c, username).status_code == 303
        yield c


def no_inline_code(text: str) -> None:
    """The CSP forbids inline scripts and styles: the pages must not need them."""
    assert " style=" not in text
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", text))


# The public side ----------------------------------------------------------------------------


def test_public_form_is_small_and_complete(client: TestClient, platform: Platform) -> None:
    page = client.get("/complain")
    assert page.status_code == 200
    text = page.text
    no_inline_code(text)
    assert len(text.encode()) < 40_000, "the form must stay small for slow lines"
    assert 'name="csrf_token"' in text and csrf_from(text)
    assert text.count('type="radio" name="category"') == 10
    assert "Carana National Police" in text and "Central Kalari" in text
    assert "National Human Rights Commission" not in text  # oversight bodies receive referrals
    max_chars = platform.settings.complaint_max_chars
    assert f'maxlength="{max_chars}"' in text
    assert "stored encrypted" in text
    assert '<html lang="en" dir="ltr">' in text
    assert 'href="/lang/ar?next=/complain"' in text
    arabic = client.get("/complain", headers={"Accept-Language": "ar"})
    assert '<html lang="ar" dir="rtl">' in arabic.text
    assert client.get("/complain?country=ZZZ").status_code == 422


def test_intake_status_and_the_whole_workflow_through_the_pages(
    client: TestClient, platform: Platform
) -> None:
    reference = submit(client, platform)
    assert normalise_reference(reference) == reference
    assert stage_shown(client, reference) == "received"
    assert stage_shown(client, reference.lower().replace("-", " ")) == "received"
    api = client.get(f"/api/v1/complaints/status/{reference}")
    assert api.status_code == 200
    assert set(api.json()) == {"reference", "status", "updated_on"}
    unknown = client.post(
        "/complain/status",
        data={"csrf_token": csrf_from(client.get("/complain/status").text), "reference": "PO-1"},
    )
    assert "could not find" in unknown.text
    assert client.get("/api/v1/complaints/status/PO-00000-00000-0").status_code == 404

    assert login(client, "handler").status_code == 303
    board = client.get("/cases")
    assert board.status_code == 200
    no_inline_code(board.text)
    assert reference in board.text
    assert "overdue" in board.text  # the demo has cases past their deadline
    cid = case_id(platform, reference)
    page = client.get(f"/cases/{cid}")
    assert STORY in page.text and "Checkpoint 4, Kalari road" in page.text
    csrf = csrf_from(page.text)
    body = platform.complaints.oversight_bodies()[0]

    # A referral without an oversight body, or a stage the workflow does not allow, is refused.
    skip = client.post(f"/cases/{cid}/move", data={"csrf_token": csrf, "to": "resolved"})
    assert skip.status_code == 422 and "Choose one of the next stages" in skip.text
    no_csrf = client.post(f"/cases/{cid}/move", data={"to": "acknowledged"})
    assert no_csrf.status_code == 403
    for to, extra in [
        ("acknowledged", {}),
        ("under_review", {}),
        ("referred", {"actor_id": str(body.id)}),
        ("resolved", {}),
    ]:
        if to == "referred":
            refused = client.post(
                f"/cases/{cid}/move", data={"csrf_token": csrf, "to": to, "note": "x"}
            )
            assert refused.status_code == 422 and "oversight body" in refused.text
        moved = client.post(
            f"/cases/{cid}/move",
            data={"csrf_token": csrf, "to": to, "note": f"step {to}", **extra},
            follow_redirects=False,
        )
        assert moved.status_code == 303, moved.text
        assert moved.headers["location"] == f"/cases/{cid}?msg=saved"
    page = client.get(f"/cases/{cid}?msg=saved")
    assert "Changes saved." in page.text
    assert all(f"step {s}" in page.text for s in ("acknowledged", "under_review", "resolved"))
    assert body.name in page.text
    assert "cannot move any more" in page.text
    resolved = client.get("/cases?status=resolved")
    assert reference in resolved.text
    log_out(client)

    assert stage_shown(client, reference) == "resolved"
    assert client.get(f"/api/v1/complaints/status/{reference}").json()["status"] == "resolved"


def test_validation_names_the_fields_and_keeps_what_was_typed(
    client: TestClient, platform: Platform
) -> None:
    csrf = csrf_from(client.get("/complain").text)
    future = (date.today() + timedelta(days=30)).isoformat()
    answer = client.post(
        "/complain",
        data=form_data(
            platform,
            csrf,
            category="",
            description="Too short",
            incident_date=future,
            confidentiality="confidential",
            name="",
            phone="",
            email="",
            unit="Station <b>9</b>",
        ),
    )
    assert answer.status_code == 422
    text = answer.text
    for field in ("category", "description", "incident_date", "name", "phone"):
        assert f'id="{field}-error"' in text, field
    assert 'id="email-error"' not in text and 'id="unit-error"' not in text
    assert "Choose what happened." in text
    assert "Tell us what happened" in text
    assert "not in the future" in text
    assert "Give a phone number or an email address" in text
    assert 'aria-invalid="true"' in text
    assert ">Too short</textarea>" in text  # kept
    assert 'value="Station &lt;b&gt;9&lt;/b&gt;"' in text  # kept, escaped
    assert 'value="confidential" checked' in text
    contact = client.post(
        "/complain",
        data=form_data(
            platform, csrf, confidentiality="confidential", name=NAME, phone="call me", email="a@"
        ),
    )
    assert contact.status_code == 422
    assert 'id="phone-error"' in contact.text and 'id="email-error"' in contact.text
    assert "does not look like a phone number" in contact.text
    too_long = client.post(
        "/complain",
        data=form_data(
            platform, csrf, description="x" * (platform.settings.complaint_max_chars + 1)
        ),
    )
    assert too_long.status_code == 422 and "at most" in too_long.text
    wrong_place = client.post("/complain", data=form_data(platform, csrf, admin_area_id="999999"))
    assert wrong_place.status_code == 422 and 'id="admin_area_id-error"' in wrong_place.text
    # Without the token of this browser, nothing is stored.
    before = platform.complaints.counts()["complaints"]
    forged = client.post("/complain", data=form_data(platform, "forged"))
    assert forged.status_code == 403
    assert platform.complaints.counts()["complaints"] == before


def test_anonymous_complaints_keep_no_contact_details(
    client: TestClient, platform: Platform
) -> None:
    reference = submit(client, platform, name=NAME, phone=PHONE)  # typed, then "anonymous"
    handler = next(
        u for u in platform.accounts.list_users(by=SYSTEM) if u.username == "handler"
    ).principal(via="web")
    view = platform.complaints.case(case_id(platform, reference), by=handler)
    assert view.complaint.complainant is None


def test_rate_limits_answer_429(db: TestDatabase) -> None:
    from peaceops.services.web.app import create_app

    app = create_app(db.settings(complaint_intake_per_hour=2), platform=db.platform)
    platform = db.platform
    with TestClient(app, base_url="http://testserver") as client:
        first = submit(client, platform)
        submit(client, platform)
        csrf = csrf_from(client.get("/complain").text)
        refused = client.post(
            "/complain",
            data=form_data(platform, csrf, description=STORY + " Third."),
            headers={"Accept-Language": "fr"},
        )
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        assert "Third." in refused.text  # what was typed is not lost
        assert '<html lang="fr"' in refused.text
        # Status look-ups: three times the intake limit, then refused (page and API alike).
        for _ in range(5):
            assert stage_shown(client, first) == "received"
        assert client.get(f"/api/v1/complaints/status/{first}").status_code == 200
        page = client.get("/complain/status")
        blocked = client.post(
            "/complain/status", data={"csrf_token": csrf_from(page.text), "reference": first}
        )
        assert blocked.status_code == 429 and "Retry-After" in blocked.headers
        assert first not in blocked.text
        api = client.get(f"/api/v1/complaints/status/{first}")
        assert api.status_code == 429 and int(api.headers["Retry-After"]) > 0


def test_oversized_bodies_are_refused_with_413(client: TestClient, platform: Platform) -> None:
    csrf = csrf_from(client.get("/complain").text)
    before = platform.complaints.counts()["complaints"]
    big = form_data(platform, csrf, description="x" * 70_000)
    answer = client.post("/complain", data=big)
    assert answer.status_code == 413
    assert "too large" in answer.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: the body is cut off as it grows
        yield f"csrf_token={csrf}&description=".encode()
        for _ in range(20):
            yield b"y" * 8192

    streamed = client.post(
        "/complain",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert streamed.status_code == 413
    status = client.post("/complain/status", data={"csrf_token": csrf, "reference": "x" * 70_000})
    assert status.status_code == 413
    assert platform.complaints.counts()["complaints"] == before


# What the pages and the API let out -----------------------------------------------------------


def test_typed_text_comes_back_escaped(client: TestClient, platform: Platform) -> None:
    reference = submit(client, platform, description=f"{STORY} {XSS}", unit=XSS)
    cid = case_id(platform, reference)
    login(client, "handler")
    page = client.get(f"/cases/{cid}")
    csrf = csrf_from(page.text)
    client.post(f"/cases/{cid}/move", data={"csrf_token": csrf, "to": "acknowledged", "note": XSS})
    for path in (f"/cases/{cid}", "/cases"):
        text = client.get(path).text
        assert "<script>alert(1)</script>" not in text
        assert "<img src=x" not in text
        no_inline_code(text)
    text = client.get(f"/cases/{cid}").text
    assert str(escape(XSS)) in text
    assert text.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # narrative, unit, note
    api = client.get(f"/api/v1/complaints/{cid}")
    # JSON, never sniffed as HTML: the text comes back as data, exactly as typed.
    assert api.headers["content-type"].startswith("application/json")
    assert api.headers["x-content-type-options"] == "nosniff"
    assert api.json()["description"].endswith(XSS)
    assert api.json()["unit"] == XSS
    assert api.json()["transitions"][-1]["note"] == XSS


def test_identity_is_shown_to_case_handlers_only(
    app: Any, client: TestClient, platform: Platform
) -> None:
    reference = submit(
        client, platform, confidentiality="confidential", name=NAME, phone=PHONE, email=""
    )
    cid = case_id(platform, reference)
    pages = [
        "/cases",
        f"/cases/{cid}",
        "/accountability",
        "/accountability.csv",
        "/api/v1/complaints",
        f"/api/v1/complaints/{cid}",
        f"/api/v1/complaints/status/{reference}",
        "/api/v1/accountability?country=XCA",
        "/complain/status",
        "/api/v1/audit",
        "/admin/audit",
    ]
    for username in (None, "admin", "analyst", "partner", "civil", "viewer", "handler"):
        with browser_of(app, username) as c:
            seen = {}
            for path in pages:
                answer = c.get(path)
                assert answer.status_code < 500, (username, path)
                seen[path] = answer.text
            status_page = c.get("/complain/status")
            seen["status"] = c.post(
                "/complain/status",
                data={"csrf_token": csrf_from(status_page.text), "reference": reference},
            ).text
        for path, text in seen.items():
            shown = NAME in text or PHONE in text or html.escape(NAME) in text
            if username == "handler" and path in (f"/cases/{cid}", f"/api/v1/complaints/{cid}"):
                assert NAME in text and PHONE in text, path
            else:
                assert not shown, f"{username or 'anonymous'} sees the complainant on {path}"
    with browser_of(app, "admin") as c:
        detail = c.get(f"/api/v1/complaints/{cid}").json()
        assert detail["complainant"] is None and detail["identity_visible"] is False
        assert "visible to case handlers only" in c.get(f"/cases/{cid}").text
    with browser_of(app, "handler") as c:
        listed = c.get("/api/v1/complaints").json()
        mine = next(row for row in listed["data"] if row["reference"] == reference)
        assert mine["complainant"] is None  # lists never carry identities
        detail = c.get(f"/api/v1/complaints/{cid}").json()
        assert detail["complainant"]["name"] == NAME and detail["identity_visible"] is True


# The API ------------------------------------------------------------------------------------


def test_api_intake_is_idempotent_by_external_id(client: TestClient, platform: Platform) -> None:
    headers = api_token(platform, "handler")
    body = {
        "channel": "sms",
        "external_id": "SMS-2026-000981",
        "category": "threats",
        "description": "Soldiers at the market threatened my brother after he complained.",
        "institution_id": police_id(platform),
        "admin_area_id": district_id(platform, "West Kalari"),
        "incident_date": (date.today() - timedelta(days=10)).isoformat(),
        "confidentiality": "confidential",
        "complainant": {"name": NAME, "phone": PHONE},
    }
    first = client.post("/api/v1/complaints", json=body, headers=headers)
    assert first.status_code == 201, first.text
    created = first.json()
    assert created["status"] == "received" and created["channel"] == "sms"
    assert created["complainant"]["name"] == NAME  # the case handler's own token
    count = platform.complaints.counts()["complaints"]
    again = client.post("/api/v1/complaints", json=body, headers=headers)
    assert again.status_code == 200
    assert again.json()["reference"] == created["reference"]
    assert again.json()["id"] == created["id"]
    assert platform.complaints.counts()["complaints"] == count
    other = client.post(
        "/api/v1/complaints", json={**body, "external_id": "SMS-2026-000982"}, headers=headers
    )
    assert other.status_code == 201 and other.json()["reference"] != created["reference"]

    anonymous_with_name = {**body, "external_id": "SMS-X", "confidentiality": "anonymous"}
    refused = client.post("/api/v1/complaints", json=anonymous_with_name, headers=headers)
    assert refused.status_code == 422 and refused.json()["field"] == "complainant"
    viewer = api_token(platform, "partner")
    assert client.post("/api/v1/complaints", json=body, headers=viewer).status_code == 403
    assert client.get("/api/v1/complaints", headers=viewer).status_code == 403

    cid = created["id"]
    admin = api_token(platform, "admin")
    as_admin = client.get(f"/api/v1/complaints/{cid}", headers=admin).json()
    assert as_admin["complainant"] is None and NAME not in str(as_admin)
    url = f"/api/v1/complaints/{cid}/transitions"
    wrong = client.post(url, json={"to": "resolved"}, headers=headers)
    assert wrong.status_code == 409
    client.post(url, json={"to": "acknowledged"}, headers=headers)
    client.post(url, json={"to": "under_review", "note": "called back"}, headers=headers)
    no_body = client.post(url, json={"to": "referred"}, headers=headers)
    assert no_body.status_code == 422
    actor = platform.complaints.oversight_bodies()[0]
    referred = client.post(url, json={"to": "referred", "actor_id": actor.id}, headers=headers)
    assert referred.status_code == 200
    assert referred.json()["referred_to"] == actor.name
    assert [t["to_status"] for t in referred.json()["transitions"]] == [
        "received",
        "acknowledged",
        "under_review",
        "referred",
    ]
    late = client.get("/api/v1/complaints", params={"overdue": "true"}, headers=headers).json()
    assert late["count"] > 0 and all(row["overdue"] for row in late["data"])


def test_accountability_page_csv_and_api(client: TestClient, platform: Platform) -> None:
    login(client, "civil")
    page = client.get("/accountability")
    assert page.status_code == 200
    no_inline_code(page.text)
    assert "svg" in page.text and 'class="bar' in page.text
    assert "Carana National Police" in page.text
    assert "Kalari" in page.text
    found = platform.complaints.accountability(country="XCA", by=SYSTEM)
    assert str(found.total) in page.text
    if any(r.suppressed for r in found.by_institution):
        assert "suppressed" in page.text
    csv_answer = client.get("/accountability.csv?country=XCA")
    assert csv_answer.headers["content-type"].startswith("text/csv")
    lines = csv_answer.text.splitlines()
    assert lines[0].startswith("section,label,received")
    assert any(line.startswith("month,") for line in lines)
    api = client.get("/api/v1/accountability", params={"country": "XCA"}).json()
    assert api["total"] == found.total and api["min_cell"] == platform.settings.min_cell_size
    period = client.get("/accountability?start=2026-01-01&end=2026-03-31")
    assert period.status_code == 200 and "2026-02" in period.text
    assert client.get("/cases").status_code == 403


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_public_pages_in_other_languages(client: TestClient, lang: str) -> None:
    client.get(f"/lang/{lang}?next=/complain")
    for path in ("/complain", "/complain/status"):
        text = client.get(path).text
        assert f'<html lang="{lang}"' in text
        assert ('dir="rtl"' in text) == (lang == "ar")
