"""Every route x every role (anonymous included): who may read and change what.

The table below states the expected answer for each cell. It is written by hand on purpose:
the test fails when the app gains a route the table does not list, and when a route's real
behaviour differs from the table for any role.

Letters: A admin, N analyst, P partner, C civil society, V viewer; "*" public (anonymous too).
Object-level rules show up as letters too: partners may change their own organisation only
(the path below names the partner's organisation, so civil society is refused), and tokens
may be revoked by their owner (the analyst here) or an admin.
"""

from __future__ import annotations

import pytest

from conftest import SYSTEM, TestDatabase
from peaceops.services.web.routes import route_table
from peaceops.services.web.security import CSRF_COOKIE, SESSION_COOKIE, csrf_token

EXPECTED: dict[tuple[str, str], str] = {
    ("GET", "/health"): "*",
    ("GET", "/docs"): "*",
    ("GET", "/openapi.json"): "*",
    ("GET", "/login"): "*",
    ("POST", "/login"): "*",
    ("GET", "/lang/{code}"): "*",
    ("POST", "/logout"): "ANPCV",
    ("GET", "/"): "ANPCV",
    ("GET", "/countries"): "ANPCV",
    ("GET", "/countries/{iso3}"): "ANPCV",
    ("GET", "/countries/{iso3}/map"): "ANPCV",
    ("GET", "/areas/{area_id}"): "ANPCV",
    ("GET", "/institutions/{institution_id}"): "ANPCV",
    ("POST", "/institutions/{institution_id}"): "AN",
    ("GET", "/missions/{mission_id}"): "ANPCV",
    ("GET", "/actors"): "ANPCV",
    ("GET", "/actors/{actor_id}"): "ANPCV",
    ("POST", "/actors/{actor_id}"): "ANP",
    ("GET", "/account"): "ANPCV",
    ("POST", "/account/password"): "ANPCV",
    ("POST", "/account/tokens"): "ANPC",
    ("POST", "/account/tokens/{token_id}/revoke"): "AN",
    ("GET", "/admin/users"): "A",
    ("POST", "/admin/users"): "A",
    ("POST", "/admin/users/{user_id}"): "A",
    ("GET", "/admin/audit"): "A",
    ("GET", "/api/v1/countries"): "ANPCV",
    ("GET", "/api/v1/countries/{iso3}"): "ANPCV",
    ("GET", "/api/v1/countries/{iso3}/context"): "ANPCV",
    ("GET", "/api/v1/admin-areas"): "ANPCV",
    ("GET", "/api/v1/admin-areas/locate"): "ANPCV",
    ("GET", "/api/v1/admin-areas/{area_id}"): "ANPCV",
    ("GET", "/api/v1/missions"): "ANPCV",
    ("GET", "/api/v1/missions/{mission_id}"): "ANPCV",
    ("POST", "/api/v1/missions"): "AN",
    ("GET", "/api/v1/institutions"): "ANPCV",
    ("GET", "/api/v1/institutions/{institution_id}"): "ANPCV",
    ("GET", "/api/v1/institutions/{institution_id}/sites"): "ANPCV",
    ("POST", "/api/v1/institutions"): "AN",
    ("PATCH", "/api/v1/institutions/{institution_id}"): "AN",
    ("DELETE", "/api/v1/institutions/{institution_id}"): "AN",
    ("GET", "/api/v1/actors"): "ANPCV",
    ("GET", "/api/v1/actors/{actor_id}"): "ANPCV",
    ("POST", "/api/v1/actors"): "AN",
    ("PATCH", "/api/v1/actors/{actor_id}"): "ANP",
    ("GET", "/api/v1/users"): "A",
    ("GET", "/api/v1/users/me"): "ANPCV",
    ("GET", "/api/v1/users/{user_id}"): "A",
    ("POST", "/api/v1/users"): "A",
    ("PATCH", "/api/v1/users/{user_id}"): "A",
    ("GET", "/api/v1/tokens"): "ANPC",
    ("POST", "/api/v1/tokens"): "ANPC",
    ("DELETE", "/api/v1/tokens/{token_id}"): "AN",
    ("GET", "/api/v1/audit"): "A",
    # Institutional assessment: scores for everyone, evidence rows and changes for analysts.
    ("GET", "/assessments"): "ANPCV",
    ("POST", "/assessments/rounds"): "AN",
    ("GET", "/assessments/frameworks/{framework_id}"): "ANPCV",
    ("GET", "/assessments/rounds/{round_id}"): "ANPCV",
    ("POST", "/assessments/rounds/{round_id}/evidence"): "AN",
    ("POST", "/assessments/rounds/{round_id}/records"): "AN",
    ("GET", "/assessments/rounds/{round_id}/template.xlsx"): "AN",
    ("GET", "/assessments/rounds/{round_id}/report"): "ANPCV",
    ("GET", "/assessments/rounds/{round_id}/indicators/{indicator}"): "ANPCV",
    ("GET", "/api/v1/assessments/frameworks"): "ANPCV",
    ("GET", "/api/v1/assessments/frameworks/{framework_id}"): "ANPCV",
    ("GET", "/api/v1/assessments/rounds"): "ANPCV",
    ("POST", "/api/v1/assessments/rounds"): "AN",
    ("GET", "/api/v1/assessments/rounds/{round_id}"): "ANPCV",
    ("GET", "/api/v1/assessments/rounds/{round_id}/evidence"): "AN",
    ("POST", "/api/v1/assessments/rounds/{round_id}/evidence"): "AN",
    ("GET", "/api/v1/assessments/rounds/{round_id}/scores"): "ANPCV",
    ("GET", "/api/v1/assessments/rounds/{round_id}/changes"): "ANPCV",
    ("GET", "/api/v1/assessments/rounds/{round_id}/priorities"): "ANPCV",
    # Coordination analyses: for everyone; decisions for coordinators (admins, analysts).
    ("GET", "/coordination"): "ANPCV",
    ("POST", "/coordination/decisions"): "AN",
    ("GET", "/coordination/gaps.csv"): "ANPCV",
    ("GET", "/api/v1/coordination/matrix"): "ANPCV",
    ("GET", "/api/v1/coordination/flows"): "ANPCV",
    ("GET", "/api/v1/coordination/duplicates"): "ANPCV",
    ("POST", "/api/v1/coordination/duplicates/decisions"): "AN",
    ("GET", "/api/v1/coordination/gaps"): "ANPCV",
    # Forecasts of violence: not for civil-society accounts (see domain/access.py).
    ("GET", "/countries/{iso3}/risk"): "ANPV",
    ("GET", "/forecasts/models/{name}"): "ANPV",
    ("GET", "/api/v1/forecasts"): "ANPV",
    ("GET", "/api/v1/forecasts/models"): "ANPV",
    ("GET", "/api/v1/forecasts/scores"): "ANPV",
    ("GET", "/api/v1/forecasts/{run_id}"): "ANPV",
    # Programmes and money: activities for everyone; import and delete for importers, merging
    # organisation records for those who edit them.
    ("GET", "/activities"): "ANPCV",
    ("POST", "/activities/import"): "AN",
    ("GET", "/activities/export.xml"): "ANPCV",
    ("GET", "/activities/export.xlsx"): "ANPCV",
    ("GET", "/activities/export.geojson"): "ANPCV",
    ("GET", "/activities/{activity_id}"): "ANPCV",
    ("POST", "/actors/{actor_id}/merge"): "AN",
    ("GET", "/api/v1/activities"): "ANPCV",
    ("GET", "/api/v1/activities/export.geojson"): "ANPCV",
    ("POST", "/api/v1/activities/import"): "AN",
    ("GET", "/api/v1/activities/{activity_id}"): "ANPCV",
    ("GET", "/api/v1/activities/{activity_id}/transactions"): "ANPCV",
    ("GET", "/api/v1/activities/{activity_id}/results"): "ANPCV",
    ("DELETE", "/api/v1/activities/{activity_id}"): "AN",
    ("POST", "/api/v1/actors/{actor_id}/merge"): "AN",
    # Trainings: aggregates for everyone (names only for analysts and admins, checked in
    # tests/test_web_activities.py); the register is kept by coordination managers.
    ("GET", "/trainings"): "ANPCV",
    ("POST", "/trainings/import"): "AN",
    ("GET", "/trainings/template.xlsx"): "AN",
    ("GET", "/trainings/sessions/{session_id}"): "ANPCV",
    ("GET", "/api/v1/trainings/sessions"): "ANPCV",
    ("GET", "/api/v1/trainings/sessions/{session_id}"): "ANPCV",
    ("GET", "/api/v1/trainings/follow-up"): "ANPCV",
    ("POST", "/api/v1/trainings/import"): "AN",
}
ROLES = {"A": "admin", "N": "analyst", "P": "partner", "C": "civil", "V": "viewer"}


def test_every_route_is_in_the_table(app) -> None:  # type: ignore[no-untyped-def]
    served = {(r.method, r.path) for r in route_table(app)}
    assert served - set(EXPECTED) == set(), "new routes need a row in EXPECTED"
    assert set(EXPECTED) - served == set(), "EXPECTED lists routes the app no longer has"


def test_public_routes_are_exactly_those_without_a_requirement(app) -> None:  # type: ignore[no-untyped-def]
    public = {(r.method, r.path) for r in route_table(app) if r.requires is None}
    assert public == {k for k, v in EXPECTED.items() if v == "*"}


@pytest.mark.parametrize(("method", "template"), sorted(EXPECTED))
def test_route_answers_each_role_as_expected(
    db: TestDatabase,
    app,
    method: str,  # type: ignore[no-untyped-def]
    template: str,
) -> None:
    from fastapi.testclient import TestClient

    platform = db.platform
    users = {u.username: u for u in platform.accounts.list_users(by=SYSTEM)}
    police = next(i for i in platform.institutions.list(country="XCA") if i.acronym == "CNP")
    analyst_token = platform.accounts.create_token("matrix", by=SYSTEM, user_id=users["analyst"].id)
    last_round = platform.assessment.rounds(country="XCA")[-1]
    values = {
        "iso3": "XCA",
        "area_id": "1",
        "institution_id": str(police.id),
        "mission_id": str(platform.missions.list()[0].id),
        "actor_id": str(users["partner"].actor_id),
        "user_id": str(users["viewer"].id),
        "token_id": str(analyst_token.id),
        "code": "fr",
        "name": "hurdle_blend",
        "run_id": str(platform.forecasting.runs()[0]["id"]),
        "framework_id": str(last_round.framework_id),
        "round_id": str(last_round.id),
        "indicator": platform.assessment.framework(last_round.framework_id).indicators[0].code,
        "activity_id": str(next((a.id for a in platform.coordination.activities()), 1)),
        "session_id": str(next((s["id"] for s in platform.trainings.sessions(by=SYSTEM)), 1)),
    }
    path = template.format(**values)
    if template == "/api/v1/admin-areas":
        path += "?country=XCA"
    if template in ("/coordination/gaps.csv", "/api/v1/coordination/gaps"):
        path += "?country=XCA"
    if template == "/api/v1/admin-areas/locate":
        path += "?country=XCA&lon=-24&lat=-21"
    secret_key = db.settings().secret_key.get_secret_value()
    allowed = EXPECTED[(method, template)]
    is_api = template.startswith("/api/")

    for letter, username in [("-", None), *ROLES.items()]:
        cookies = {CSRF_COOKIE: "matrix-browser-secret"}
        token = csrf_token(secret_key, "matrix-browser-secret")
        if username is not None:
            cookies[SESSION_COOKIE] = platform.accounts.start_session(users[username])
        with TestClient(app, cookies=cookies) as client:
            kwargs: dict[str, object] = {
                "headers": {"x-csrf-token": token},
                "follow_redirects": False,
            }
            if method in ("POST", "PATCH"):
                if is_api:
                    kwargs["json"] = {}
                else:
                    kwargs["data"] = {"csrf_token": token}
            answer = client.request(method, path, **kwargs)  # type: ignore[arg-type]
        who = username or "anonymous"
        status = answer.status_code
        assert status < 500, f"{method} {path} as {who}: server error {status}"
        if allowed == "*" or letter in allowed:
            assert status not in (401, 403), f"{method} {path} as {who} was refused ({status})"
            if status in (302, 303, 307):
                assert not answer.headers["location"].startswith("/login?next"), who
        elif username is None:
            if is_api:
                assert status == 401, f"{method} {path} anonymous: {status}"
            else:
                assert status == 303 and answer.headers["location"].startswith("/login?next="), (
                    f"{method} {path} anonymous: {status}"
                )
        else:
            assert status == 403, f"{method} {path} as {who} should be refused, got {status}"
