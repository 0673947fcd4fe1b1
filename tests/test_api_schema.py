"""The JSON API against its own OpenAPI document, with Schemathesis.

Every operation of ``/openapi.json`` (the JSON API; HTML pages are not in the document) is
called with generated requests, valid and invalid, by three callers: anonymous, an admin's
bearer token and a civil-society account's token (the role with the fewest permissions). No
answer may be a server error, and every answer's status, content type and body must be ones
the document declares for the operation. Each caller gets its own fresh copy of the demo
database on each engine, so what one caller writes or deletes never hides another's errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import assume
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import SYSTEM, api_token
from peaceops.platform import Platform

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass(frozen=True)
class Caller:
    """Who calls, with what must stay untouched so that later requests still authenticate."""

    name: str
    headers: dict[str, str]
    user_id: int | None = None
    token_ids: frozenset[int] = frozenset()


def config(*, examples: int, coverage: bool) -> schemathesis.Config:
    """Derandomised generation, bounded so both engines finish in a few minutes.

    The coverage phase sends each parameter's boundary values (lengths, enums, formats,
    numbers at their limits) once, valid ones only: invalid requests come from the fuzzing
    phase, ``examples`` per operation and generation mode. No stateful phase.
    """
    return schemathesis.Config.from_dict(
        {
            "generation": {"max-examples": examples, "deterministic": True},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {
                    "enabled": coverage,
                    "unexpected-methods": [],
                    "generation": {"mode": "positive"},
                },
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
        }
    )


# Anonymous callers are refused before their input is read (but for the public complaint
# status), so a few requests each suffice; the admin reaches every code path.
CONFIGS = {
    "anonymous": config(examples=2, coverage=False),
    "admin": config(examples=10, coverage=True),
    "civil": config(examples=5, coverage=False),
}


@pytest.fixture(params=list(CONFIGS))
def caller(request: pytest.FixtureRequest, platform: Platform) -> Caller:
    name: str = request.param
    if name == "anonymous":
        return Caller(name, {})
    headers = api_token(platform, name)
    user = next(u for u in platform.accounts.list_users(by=SYSTEM) if u.username == name)
    tokens = platform.accounts.list_tokens(by=user.principal(via="api"))
    return Caller(name, headers, user.id, frozenset(int(t["id"]) for t in tokens))


@pytest.fixture
def api_schema(app: Any, caller: Caller) -> Any:
    """The app's own OpenAPI document, read through the app (no server), once per caller.

    FastAPI builds the document on its first request and keeps it. It is built here first so
    that the load is not subject to Schemathesis's 10-second read timeout: on a loaded CI
    machine, building 109 operations' schemas once took longer than that.
    """
    app.openapi()
    return schemathesis.openapi.from_asgi(
        "/openapi.json", app, config=CONFIGS[caller.name], timeout=120
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_api_answers_as_its_schema_declares(case: schemathesis.Case, caller: Caller) -> None:
    # A caller that deactivates or demotes itself, or revokes its own token, turns every later
    # request into a 401 and so tests nothing more.
    label = case.operation.label
    if label == "PATCH /api/v1/users/{user_id}":
        assume(case.path_parameters.get("user_id") != caller.user_id)
    if label == "DELETE /api/v1/tokens/{token_id}":
        assume(case.path_parameters.get("token_id") not in caller.token_ids)
    case.call_and_validate(headers=caller.headers, checks=CHECKS)


# What Schemathesis found, kept as plain examples so they stay fixed whatever it generates.


def test_the_database_refusing_a_value_is_the_callers_error(
    client: Any, platform: Platform
) -> None:
    admin = api_token(platform, "admin")
    huge = 2**70  # beyond SQLite's 64-bit integers and PostgreSQL's int4 and int8
    for path in (f"/api/v1/incidents/{huge}", f"/api/v1/actors/{huge}", f"/api/v1/users/{2**40}"):
        answer = client.get(path, headers=admin)
        assert answer.status_code in (404, 422), (path, answer.text)
        assert isinstance(answer.json()["detail"], str)
    actor = {"name": "Kalari Legal Aid Clinic", "category": "research", "org_type": 10}
    unknown_country = client.post(
        "/api/v1/actors", json={**actor, "country_iso3": "000"}, headers=admin
    )
    assert unknown_country.status_code == 422
    assert "does not exist" in unknown_country.json()["detail"]
    # PostgreSQL stores no NUL character in text; SQLite does.
    nul = client.post("/api/v1/actors", json={**actor, "name": "Kalari\x00Clinic"}, headers=admin)
    assert nul.status_code == (422 if platform.engine.dialect.name == "postgresql" else 201)
    # A blank IATI identifier is none, so two organisations may both leave it blank.
    first = client.post("/api/v1/actors", json={**actor, "iati_org_id": ""}, headers=admin)
    second = client.post(
        "/api/v1/actors",
        json={**actor, "name": "Kalari Paralegals", "iati_org_id": ""},
        headers=admin,
    )
    assert (first.status_code, second.status_code) == (201, 201), second.text
    assert first.json()["iati_org_id"] is None
    renamed = client.patch(
        f"/api/v1/actors/{second.json()['id']}", json={"name": actor["name"]}, headers=admin
    )
    assert renamed.status_code == 409
    assert "exists already" in renamed.json()["detail"]


def test_an_actor_update_with_null_name_variants_clears_them(
    client: Any, platform: Platform
) -> None:
    admin = api_token(platform, "admin")
    actor = client.get("/api/v1/actors", headers=admin).json()["data"][0]
    changed = client.patch(
        f"/api/v1/actors/{actor['id']}", json={"name_variants": None}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["name_variants"] == []
    missing_name = client.patch(f"/api/v1/actors/{actor['id']}", json={"name": None}, headers=admin)
    assert missing_name.status_code == 422


def test_duplicates_of_a_country_without_activities_are_none(
    client: Any, platform: Platform
) -> None:
    answer = client.get(
        "/api/v1/coordination/duplicates",
        params={"country": "ZZZ"},
        headers=api_token(platform, "admin"),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["count"] == 0


def test_error_answers_have_the_declared_body(client: Any, platform: Platform) -> None:
    admin = api_token(platform, "admin")
    broken = client.post(
        "/api/v1/actors",
        content=b'{"name": "\xff"}',
        headers={**admin, "Content-Type": "application/json"},
    )
    invalid = client.get("/api/v1/incidents", params={"since": "never"}, headers=admin)
    anonymous = client.get("/api/v1/incidents")
    document = client.get("/openapi.json").json()
    declared = document["paths"]["/api/v1/incidents"]["get"]["responses"]
    assert {"401", "403", "404", "422"} <= set(declared)
    assert declared["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
    assert (broken.status_code, invalid.status_code, anonymous.status_code) == (400, 422, 401)
    assert invalid.json()["problems"][0]["field"] == "since"
    for answer in (broken, anonymous):
        assert set(answer.json()) == {"detail"}
