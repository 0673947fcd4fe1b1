"""Every route x every role (anonymous included): who may read and change what.

The table below states the expected answer for each cell. It is written by hand on purpose:
the test fails when the app gains a route the table does not list, and when a route's real
behaviour differs from the table for any role.

Letters: A admin, N analyst, P partner, C civil society, V viewer, H case handler; "*" public
(anonymous too).
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
    ("POST", "/logout"): "ANPCVH",
    ("GET", "/"): "ANPCVH",
    ("GET", "/countries"): "ANPCVH",
    ("GET", "/countries/{iso3}"): "ANPCVH",
    ("GET", "/countries/{iso3}/map"): "ANPCVH",
    ("GET", "/areas/{area_id}"): "ANPCVH",
    ("GET", "/institutions/{institution_id}"): "ANPCVH",
    ("POST", "/institutions/{institution_id}"): "AN",
    ("GET", "/missions/{mission_id}"): "ANPCVH",
    ("GET", "/actors"): "ANPCVH",
    ("GET", "/actors/{actor_id}"): "ANPCVH",
    ("POST", "/actors/{actor_id}"): "ANP",
    ("GET", "/account"): "ANPCVH",
    ("POST", "/account/password"): "ANPCVH",
    ("POST", "/account/tokens"): "ANPCH",
    ("POST", "/account/tokens/{token_id}/revoke"): "AN",
    ("GET", "/admin/users"): "A",
    ("POST", "/admin/users"): "A",
    ("POST", "/admin/users/{user_id}"): "A",
    ("GET", "/admin/audit"): "A",
    ("GET", "/api/v1/countries"): "ANPCVH",
    ("GET", "/api/v1/countries/{iso3}"): "ANPCVH",
    ("GET", "/api/v1/countries/{iso3}/context"): "ANPCVH",
    ("GET", "/api/v1/admin-areas"): "ANPCVH",
    ("GET", "/api/v1/admin-areas/locate"): "ANPCVH",
    ("GET", "/api/v1/admin-areas/{area_id}"): "ANPCVH",
    ("GET", "/api/v1/missions"): "ANPCVH",
    ("GET", "/api/v1/missions/{mission_id}"): "ANPCVH",
    ("POST", "/api/v1/missions"): "AN",
    ("GET", "/api/v1/institutions"): "ANPCVH",
    ("GET", "/api/v1/institutions/{institution_id}"): "ANPCVH",
    ("GET", "/api/v1/institutions/{institution_id}/sites"): "ANPCVH",
    ("POST", "/api/v1/institutions"): "AN",
    ("PATCH", "/api/v1/institutions/{institution_id}"): "AN",
    ("DELETE", "/api/v1/institutions/{institution_id}"): "AN",
    ("GET", "/api/v1/actors"): "ANPCVH",
    ("GET", "/api/v1/actors/{actor_id}"): "ANPCVH",
    ("POST", "/api/v1/actors"): "AN",
    ("PATCH", "/api/v1/actors/{actor_id}"): "ANP",
    ("GET", "/api/v1/users"): "A",
    ("GET", "/api/v1/users/me"): "ANPCVH",
    ("GET", "/api/v1/users/{user_id}"): "A",
    ("POST", "/api/v1/users"): "A",
    ("PATCH", "/api/v1/users/{user_id}"): "A",
    ("GET", "/api/v1/tokens"): "ANPCH",
    ("POST", "/api/v1/tokens"): "ANPCH",
    ("DELETE", "/api/v1/tokens/{token_id}"): "AN",
    ("GET", "/api/v1/audit"): "A",
    # Institutional assessment: scores for everyone, evidence rows and changes for analysts.
    ("GET", "/assessments"): "ANPCVH",
    ("POST", "/assessments/rounds"): "AN",
    ("GET", "/assessments/frameworks/{framework_id}"): "ANPCVH",
    ("GET", "/assessments/rounds/{round_id}"): "ANPCVH",
    ("POST", "/assessments/rounds/{round_id}/evidence"): "AN",
    ("POST", "/assessments/rounds/{round_id}/records"): "AN",
    ("GET", "/assessments/rounds/{round_id}/template.xlsx"): "AN",
    ("GET", "/assessments/rounds/{round_id}/report"): "ANPCVH",
    ("GET", "/assessments/rounds/{round_id}/indicators/{indicator}"): "ANPCVH",
    ("GET", "/api/v1/assessments/frameworks"): "ANPCVH",
    ("GET", "/api/v1/assessments/frameworks/{framework_id}"): "ANPCVH",
    ("GET", "/api/v1/assessments/rounds"): "ANPCVH",
    ("POST", "/api/v1/assessments/rounds"): "AN",
    ("GET", "/api/v1/assessments/rounds/{round_id}"): "ANPCVH",
    ("GET", "/api/v1/assessments/rounds/{round_id}/evidence"): "AN",
    ("POST", "/api/v1/assessments/rounds/{round_id}/evidence"): "AN",
    ("GET", "/api/v1/assessments/rounds/{round_id}/scores"): "ANPCVH",
    ("GET", "/api/v1/assessments/rounds/{round_id}/changes"): "ANPCVH",
    ("GET", "/api/v1/assessments/rounds/{round_id}/priorities"): "ANPCVH",
    # Coordination analyses: for everyone; decisions for coordinators (admins, analysts).
    ("GET", "/coordination"): "ANPCVH",
    ("POST", "/coordination/decisions"): "AN",
    ("GET", "/coordination/gaps.csv"): "ANPCVH",
    ("GET", "/api/v1/coordination/matrix"): "ANPCVH",
    ("GET", "/api/v1/coordination/flows"): "ANPCVH",
    ("GET", "/api/v1/coordination/duplicates"): "ANPCVH",
    ("POST", "/api/v1/coordination/duplicates/decisions"): "AN",
    ("GET", "/api/v1/coordination/gaps"): "ANPCVH",
    # Forecasts of violence: not for civil-society accounts (see domain/access.py).
    ("GET", "/countries/{iso3}/risk"): "ANPV",
    ("GET", "/forecasts/models/{name}"): "ANPV",
    ("GET", "/api/v1/forecasts"): "ANPV",
    ("GET", "/api/v1/forecasts/models"): "ANPV",
    ("GET", "/api/v1/forecasts/scores"): "ANPV",
    ("GET", "/api/v1/forecasts/{run_id}"): "ANPV",
    # Programmes and money: activities for everyone; import and delete for importers, merging
    # organisation records for those who edit them.
    ("GET", "/activities"): "ANPCVH",
    ("POST", "/activities/import"): "AN",
    ("GET", "/activities/export.xml"): "ANPCVH",
    ("GET", "/activities/export.xlsx"): "ANPCVH",
    ("GET", "/activities/export.geojson"): "ANPCVH",
    ("GET", "/activities/{activity_id}"): "ANPCVH",
    ("POST", "/actors/{actor_id}/merge"): "AN",
    ("GET", "/api/v1/activities"): "ANPCVH",
    ("GET", "/api/v1/activities/export.geojson"): "ANPCVH",
    ("POST", "/api/v1/activities/import"): "AN",
    ("GET", "/api/v1/activities/{activity_id}"): "ANPCVH",
    ("GET", "/api/v1/activities/{activity_id}/transactions"): "ANPCVH",
    ("GET", "/api/v1/activities/{activity_id}/results"): "ANPCVH",
    ("DELETE", "/api/v1/activities/{activity_id}"): "AN",
    ("POST", "/api/v1/actors/{actor_id}/merge"): "AN",
    # Trainings: aggregates for everyone (names only for analysts and admins, checked in
    # tests/test_web_activities.py); the register is kept by coordination managers.
    ("GET", "/trainings"): "ANPCVH",
    ("POST", "/trainings/import"): "AN",
    ("GET", "/trainings/template.xlsx"): "AN",
    # Community voice: surveys (rows added with the survey pages).
    # Estimates for everyone; loading forms and submissions for survey managers (admins,
    # analysts); respondent-level answers for evidence readers (personal data only for
    # survey administrators, checked in tests/test_web_surveys.py).
    ("GET", "/surveys"): "ANPCVH",
    ("POST", "/surveys/import-form"): "AN",
    ("GET", "/surveys/method"): "ANPCVH",
    ("GET", "/surveys/{survey_id}"): "ANPCVH",
    ("POST", "/surveys/{survey_id}/import"): "AN",
    ("GET", "/surveys/{survey_id}/estimates.csv"): "ANPCVH",
    ("GET", "/surveys/{survey_id}/submissions.csv"): "AN",
    ("GET", "/api/v1/surveys"): "ANPCVH",
    ("POST", "/api/v1/surveys"): "AN",
    ("GET", "/api/v1/surveys/{survey_id}"): "ANPCVH",
    ("GET", "/api/v1/surveys/{survey_id}/estimates"): "ANPCVH",
    ("GET", "/api/v1/surveys/{survey_id}/trend"): "ANPCVH",
    ("POST", "/api/v1/surveys/{survey_id}/submissions"): "AN",
    ("GET", "/api/v1/surveys/{survey_id}/submissions"): "AN",
    # Complaints (rows added with the complaint pages).
    # The public files and follows complaints without an account; cases are for those who
    # handle them (who complained: case handlers only, tested in test_web_complaints.py);
    # the aggregates are for everyone logged in.
    ("GET", "/complain"): "*",
    ("POST", "/complain"): "*",
    ("GET", "/complain/status"): "*",
    ("POST", "/complain/status"): "*",
    ("GET", "/cases"): "AH",
    ("GET", "/cases/{complaint_id}"): "AH",
    ("POST", "/cases/{complaint_id}/move"): "AH",
    ("GET", "/accountability"): "ANPCVH",
    ("GET", "/accountability.csv"): "ANPCVH",
    ("POST", "/api/v1/complaints"): "AH",
    ("GET", "/api/v1/complaints"): "AH",
    ("GET", "/api/v1/complaints/status/{reference}"): "*",
    ("GET", "/api/v1/complaints/{complaint_id}"): "AH",
    ("POST", "/api/v1/complaints/{complaint_id}/transitions"): "AH",
    ("GET", "/api/v1/accountability"): "ANPCVH",
    ("GET", "/trainings/sessions/{session_id}"): "ANPCVH",
    ("GET", "/api/v1/trainings/sessions"): "ANPCVH",
    ("GET", "/api/v1/trainings/sessions/{session_id}"): "ANPCVH",
    ("GET", "/api/v1/trainings/follow-up"): "ANPCVH",
    ("POST", "/api/v1/trainings/import"): "AN",
    # Incidents
    # Verified incidents for everyone logged in (unverified reports and the verification
    # history for reporters, checked in test_web_incidents.py); logging and importing for
    # reporters, verifying and merging for verifiers (admins, analysts).
    ("GET", "/incidents"): "ANPCVH",
    ("GET", "/incidents/new"): "AN",
    ("POST", "/incidents/new"): "AN",
    ("GET", "/incidents/template.csv"): "AN",
    ("POST", "/incidents/import"): "AN",
    ("GET", "/incidents/{incident_id}"): "ANPCVH",
    ("POST", "/incidents/{incident_id}/move"): "AN",
    ("POST", "/incidents/{incident_id}/merge"): "AN",
    ("GET", "/api/v1/incidents"): "ANPCVH",
    ("POST", "/api/v1/incidents"): "AN",
    ("GET", "/api/v1/incidents/{incident_id}"): "ANPCVH",
    ("POST", "/api/v1/incidents/{incident_id}/verification"): "AN",
    ("POST", "/api/v1/incidents/{incident_id}/merge"): "AN",
    # Deployments
    # Where a mission's troops are (Geo-PKO and the mission's own records): reference data
    # for everyone logged in; imports run from the command line.
    ("GET", "/deployments"): "ANPCVH",
    ("GET", "/api/v1/deployments"): "ANPCVH",
    ("GET", "/api/v1/deployments/timeline"): "ANPCVH",
    # Situation map
    # The map, its exports and the layers for everyone logged in; the forecast risk layer has
    # its own route for forecast readers (not civil society, not case handlers), and the page
    # and exports leave it out for them. Unverified incidents only for reporters (checked in
    # tests/test_web_situation.py).
    ("GET", "/countries/{iso3}/situation"): "ANPCVH",
    ("GET", "/countries/{iso3}/situation.svg"): "ANPCVH",
    ("GET", "/countries/{iso3}/situation.geojson"): "ANPCVH",
    ("GET", "/api/v1/layers/risk"): "ANPV",
    ("GET", "/api/v1/layers/{layer}"): "ANPCVH",
    # Alerts
    # Read and acknowledged by those who may read forecasts; rules (with their recipients'
    # addresses) created, edited and run by administrators.
    ("GET", "/alerts"): "ANPV",
    ("POST", "/alerts/{alert_id}/acknowledge"): "ANPV",
    ("POST", "/alerts/run"): "A",
    ("POST", "/alert-rules"): "A",
    ("POST", "/alert-rules/{rule_id}"): "A",
    ("GET", "/api/v1/alerts"): "ANPV",
    ("POST", "/api/v1/alerts/run"): "A",
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): "ANPV",
    ("GET", "/api/v1/alert-rules"): "A",
    ("POST", "/api/v1/alert-rules"): "A",
    ("PATCH", "/api/v1/alert-rules/{rule_id}"): "A",
    # Lessons learned (the knowledge base): mission documents are reference material, read
    # and searched by everyone logged in; ingesting them is the command line's (IMPORT_DATA).
    ("GET", "/lessons"): "ANPCVH",
    ("GET", "/lessons/documents/{document_id}"): "ANPCVH",
    ("GET", "/lessons/passages/{passage_id}"): "ANPCVH",
    ("GET", "/api/v1/documents"): "ANPCVH",
    ("GET", "/api/v1/documents/{document_id}"): "ANPCVH",
    ("GET", "/api/v1/passages/{passage_id}/similar"): "ANPCVH",
    ("GET", "/api/v1/search"): "ANPCVH",
    # Legal frameworks: laws are public texts, read by everyone logged in; recording
    # instruments, steps and reviews is for editors of reference data (EDIT_REFERENCE), and
    # feeding an assessment round for those who manage assessments.
    ("GET", "/countries/{iso3}/laws"): "ANPCVH",
    ("GET", "/laws/{instrument_id}"): "ANPCVH",
    ("POST", "/laws/{instrument_id}/steps"): "AN",
    ("GET", "/api/v1/laws"): "ANPCVH",
    ("POST", "/api/v1/laws"): "AN",
    ("GET", "/api/v1/laws/{instrument_id}"): "ANPCVH",
    ("POST", "/api/v1/laws/{instrument_id}/steps"): "AN",
    ("POST", "/api/v1/laws/{instrument_id}/reviews"): "AN",
    ("GET", "/api/v1/countries/{iso3}/legislative-pipeline"): "ANPCVH",
    ("GET", "/api/v1/legal-checklists"): "ANPCVH",
    ("GET", "/api/v1/legal-checklists/{code}"): "ANPCVH",
    ("POST", "/api/v1/assessments/rounds/{round_id}/legal-feed"): "AN",
    # Transition: readiness and benchmark sets are read by everyone logged in (forecast-risk
    # conditions show no evidence to roles that may not read forecasts); drafting, agreeing
    # and revising sets needs MANAGE_TRANSITION (admins, analysts).
    ("GET", "/countries/{iso3}/transition"): "ANPCVH",
    ("GET", "/countries/{iso3}/transition/benchmarks/{key}"): "ANPCVH",
    ("POST", "/countries/{iso3}/transition/sets"): "AN",
    ("POST", "/countries/{iso3}/transition/sets/{set_id}/agree"): "AN",
    ("POST", "/countries/{iso3}/transition/sets/{set_id}/revise"): "AN",
    ("GET", "/api/v1/benchmark-templates"): "ANPCVH",
    ("GET", "/api/v1/countries/{iso3}/benchmark-sets"): "ANPCVH",
    ("POST", "/api/v1/countries/{iso3}/benchmark-sets"): "AN",
    ("GET", "/api/v1/benchmark-sets/{set_id}"): "ANPCVH",
    ("GET", "/api/v1/benchmark-sets/{set_id}/yaml"): "ANPCVH",
    ("POST", "/api/v1/benchmark-sets/{set_id}/agree"): "AN",
    ("POST", "/api/v1/benchmark-sets/{set_id}/revise"): "AN",
    ("DELETE", "/api/v1/benchmark-sets/{set_id}"): "AN",
    ("GET", "/api/v1/countries/{iso3}/readiness"): "ANPCVH",
    # The mission report: everyone logged in makes it; the platform leaves out the security
    # outlook for roles that may not read forecasts (tests/test_mission_report.py).
    ("GET", "/countries/{iso3}/report"): "ANPCVH",
}
ROLES = {
    "A": "admin",
    "N": "analyst",
    "P": "partner",
    "C": "civil",
    "V": "viewer",
    "H": "handler",
}


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
        "survey_id": str(next((s.survey.id for s in platform.surveys.surveys()), 1)),
        "complaint_id": str(
            next((v.complaint.id for v in platform.complaints.cases(by=SYSTEM)), 1)
        ),
        "reference": "PO-00000-00000-0",
        "layer": "events",
        "alert_id": str(next((a.id for a in platform.alerts.list(by=SYSTEM)), 1)),
        "rule_id": str(next((r.id for r in platform.alerts.rules(by=SYSTEM)), 1)),
        "document_id": str(platform.knowledge.documents(by=SYSTEM)[0][0].id),
        "passage_id": str(
            platform.knowledge.document(
                platform.knowledge.documents(by=SYSTEM)[0][0].id or 0, by=SYSTEM
            )[1][0].id
        ),
        "incident_id": str(
            next((i.id for i in platform.incidents.list(by=SYSTEM) if i.status.counts), 1)
        ),
        "instrument_id": str(platform.legal.instruments("XCA")[0].id),
        "set_id": str(platform.transition.sets(country="XCA", by=SYSTEM)[0].id),
        "key": "police_security",
    }
    path = template.format(**values)
    if template == "/api/v1/admin-areas":
        path += "?country=XCA"
    if template in ("/coordination/gaps.csv", "/api/v1/coordination/gaps"):
        path += "?country=XCA"
    if template == "/api/v1/admin-areas/locate":
        path += "?country=XCA&lon=-24&lat=-21"
    if template == "/api/v1/deployments/timeline":
        path += "?mission=UNMICA"
    if template.startswith("/api/v1/layers/"):
        path += "?country=XCA"
    if template in ("/api/v1/search", "/lessons"):
        path += "?q=police+vetting"
    if template == "/api/v1/legal-checklists/{code}":
        path = "/api/v1/legal-checklists/police_law"
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
