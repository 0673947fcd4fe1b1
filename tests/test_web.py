"""The web app in-process: login, CSRF, rate limits, headers, languages, API behaviour."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from conftest import SYSTEM, TestDatabase, api_token, csrf_from, login
from peaceops.services.web.app import create_app


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    spec = client.get("/openapi.json").json()
    assert "/api/v1/institutions" in spec["paths"]
    docs = client.get("/docs").text
    assert "/static/swagger/swagger-ui-bundle.js" in docs
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200


def test_no_page_loads_anything_from_another_host(client: TestClient) -> None:
    login(client, "admin")
    for path in ("/login", "/countries/XCA", "/countries/XCA/map", "/admin/audit", "/docs"):
        html = client.get(path).text
        external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
        assert external == [], f"{path} loads {external}"


def test_login_flow_sets_a_hardened_session_cookie(client: TestClient) -> None:
    answer = login(client, "analyst")
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/countries/XCA").status_code == 200
    me = client.get("/api/v1/users/me").json()
    assert me["username"] == "analyst" and "password_hash" not in me


def test_login_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    answer = client.post("/login", data={"username": "admin", "password": "peace-in-carana"})
    assert answer.status_code == 403


def test_wrong_password_then_rate_limit(db: TestDatabase) -> None:
    app = create_app(db.settings(login_attempts=3), platform=db.platform)
    with TestClient(app) as client:
        codes = [login(client, "viewer", "wrong-password").status_code for _ in range(3)]
        assert codes == [401, 401, 401]
        blocked = login(client, "viewer")  # even the right password waits now
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


def test_login_redirects_only_to_local_paths(client: TestClient) -> None:
    page = client.get("/login?next=https://evil.example/")
    answer = client.post(
        "/login",
        data={
            "username": "viewer",
            "password": "peace-in-carana",
            "csrf_token": csrf_from(page.text),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"


def test_logout_ends_the_session(client: TestClient) -> None:
    login(client, "viewer")
    page = client.get("/account")
    answer = client.post(
        "/logout", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False
    )
    assert answer.headers["location"].startswith("/login")
    assert client.get("/countries/XCA", follow_redirects=False).status_code == 303


def test_forms_without_csrf_are_refused_even_when_logged_in(client: TestClient) -> None:
    login(client, "admin")
    answer = client.post("/institutions/1", data={"name": "Hijacked", "type": "police"})
    assert answer.status_code == 403
    assert client.get("/api/v1/institutions/1").json()["name"] != "Hijacked"


def test_security_headers(client: TestClient) -> None:
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"


def test_no_inline_scripts_in_pages(client: TestClient) -> None:
    login(client, "admin")
    for path in ("/login", "/countries/XCA", "/countries/XCA/map", "/admin/users", "/account"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+=", html), f"inline handler on {path}"
        assert " style=" not in html, f"inline style on {path}"


def test_languages_switch_and_arabic_is_right_to_left(client: TestClient) -> None:
    login(client, "analyst")
    english = client.get("/countries/XCA").text
    assert 'lang="en" dir="ltr"' in english and "Institutions" in english
    client.get("/lang/fr?next=/countries/XCA")
    french = client.get("/countries/XCA").text
    assert 'lang="fr" dir="ltr"' in french and "Opérations de paix" in french
    client.get("/lang/ar")
    arabic = client.get("/countries/XCA").text
    assert 'lang="ar" dir="rtl"' in arabic and "المؤسسات" in arabic


def test_user_language_preference_and_accept_language(client: TestClient) -> None:
    login(client, "partner")  # the demo partner prefers French
    assert 'lang="fr"' in client.get("/countries/XCA").text
    assert 'lang="ar"' in client.get("/login", headers={"Accept-Language": "ar,en;q=0.5"}).text


def test_user_text_is_escaped(db: TestDatabase, client: TestClient) -> None:
    headers = api_token(db.platform, "analyst")
    client.patch(
        "/api/v1/institutions/1", json={"description": "<script>alert(1)</script>"}, headers=headers
    )
    login(client, "viewer")
    html = client.get("/institutions/1").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_api_with_bearer_token_creates_and_audits(db: TestDatabase, client: TestClient) -> None:
    headers = api_token(db.platform, "analyst")
    created = client.post(
        "/api/v1/institutions",
        headers=headers,
        json={
            "country_iso3": "xca",
            "type": "prosecution",
            "name": "Special Criminal Court Office",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["country_iso3"] == "XCA"
    audit = db.platform.audit.entries(by=SYSTEM, entity="institutions", entity_id=str(body["id"]))[
        0
    ]
    assert audit[0].username == "analyst" and audit[0].via == "api"
    patched = client.patch(
        f"/api/v1/institutions/{body['id']}", headers=headers, json={"acronym": "SCCO"}
    )
    assert patched.json()["acronym"] == "SCCO"
    assert client.delete(f"/api/v1/institutions/{body['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/institutions/{body['id']}", headers=headers).status_code == 404


def test_api_errors_name_the_field(db: TestDatabase, client: TestClient) -> None:
    headers = api_token(db.platform, "analyst")
    answer = client.post(
        "/api/v1/institutions",
        headers=headers,
        json={"country_iso3": "XCA", "type": "magic", "name": "X Y"},
    )
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["field"] == "type"
    unknown = client.post(
        "/api/v1/institutions",
        headers=headers,
        json={"country_iso3": "QQQ", "type": "police", "name": "X Y"},
    )
    assert unknown.status_code == 404 and "QQQ" in unknown.json()["detail"]
    extra = client.patch("/api/v1/institutions/1", headers=headers, json={"country_iso3": "LBR"})
    assert extra.status_code == 422


def test_api_rejects_bad_tokens(client: TestClient) -> None:
    answer = client.get("/api/v1/countries", headers={"Authorization": "Bearer po_forged"})
    assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"


def test_admin_creates_a_user_and_sees_the_one_time_password_once(client: TestClient) -> None:
    login(client, "admin")
    page = client.get("/admin/users")
    answer = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf_from(page.text),
            "username": "oversight.officer",
            "display_name": "Oversight officer",
            "role": "analyst",
        },
    )
    assert answer.status_code == 201
    shown = re.search(r'<code class="secret">([^<]+)</code>', answer.text)
    assert shown and len(shown.group(1)) >= 10
    assert shown.group(1) not in client.get("/admin/users").text


def test_geojson_boundaries_api(client: TestClient, db: TestDatabase) -> None:
    headers = api_token(db.platform, "partner")
    collection = client.get(
        "/api/v1/admin-areas?country=XCA&level=1&format=geojson", headers=headers
    ).json()
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 8
    town = db.platform.places.settlements("XCA")[0]
    located = client.get(
        f"/api/v1/admin-areas/locate?country=XCA&lon={town.lon}&lat={town.lat}&level=2",
        headers=headers,
    ).json()
    assert located["pcode"] == town.admin_pcode


def test_audit_api_pages_newest_first(db: TestDatabase, client: TestClient) -> None:
    headers = api_token(db.platform, "admin")
    page = client.get("/api/v1/audit?limit=5", headers=headers).json()
    assert len(page["data"]) == 5 and page["count"] > 100
    ids = [e["id"] for e in page["data"]]
    assert ids == sorted(ids, reverse=True)


def test_risk_page_shows_the_map_the_interval_and_what_it_is_not(client: TestClient) -> None:
    login(client, "analyst")
    page = client.get("/countries/XCA/risk")
    assert page.status_code == 200
    assert "must never be used to target anyone" in page.text
    assert page.text.count('class="area level1 risk') == 8  # every region coloured
    assert 'class="band"' in page.text and 'class="median"' in page.text
    other = client.get("/countries/XCA/risk?measure=p_gt0&month=999999&unit=nowhere")
    assert other.status_code == 200  # unknown month and unit fall back, nothing breaks
    card = client.get("/forecasts/models/hurdle_blend")
    assert "Limitations" in card.text
    assert client.get("/forecasts/models/nothing").status_code == 404


def test_civil_society_does_not_see_area_forecasts(client: TestClient) -> None:
    login(client, "civil")
    assert client.get("/countries/XCA/risk").status_code == 403
    assert "Risk outlook" not in client.get("/countries/XCA").text


def test_forecast_api(db: TestDatabase, client: TestClient) -> None:
    headers = api_token(db.platform, "partner")
    runs = client.get("/api/v1/forecasts?country=xca", headers=headers).json()
    # The demo's four quarterly runs, the latest first.
    assert runs["count"] == 4 and {r["level"] for r in runs["data"]} == {"admin1"}
    cutoffs = [r["cutoff_month_id"] for r in runs["data"]]
    assert cutoffs == sorted(cutoffs, reverse=True)
    run = client.get(f"/api/v1/forecasts/{runs['data'][0]['id']}", headers=headers).json()
    assert len(run["values"]) == 8 * 12
    assert set(run["values"][0]) >= {"unit", "month_id", "mean", "q05", "q95", "p_ge25"}
    assert client.get("/api/v1/forecasts/999", headers=headers).status_code == 404
    models = client.get("/api/v1/forecasts/models", headers=headers).json()
    assert sum(m["default"] for m in models) == 1
