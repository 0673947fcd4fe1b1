"""API token scopes narrow the owner's role: read, write, personal data; never beyond it."""

from __future__ import annotations

import pytest

from conftest import SYSTEM, TestDatabase
from peaceops.domain.access import Permission, Principal, Role, TokenScope
from peaceops.errors import InputError, PermissionDenied

READ = frozenset({TokenScope.READ})


def test_scopes_narrow_the_role_and_never_widen_it() -> None:
    reader = Principal("a", Role.ANALYST, scopes=READ)
    assert reader.can(Permission.READ_REFERENCE) and reader.can(Permission.READ_FORECASTS)
    assert not reader.can(Permission.IMPORT_DATA)
    assert not reader.can(Permission.READ_PERSONAL_DATA)
    assert not reader.may_write
    full = Principal("a", Role.ANALYST, scopes=frozenset(TokenScope))
    assert full.can(Permission.IMPORT_DATA) and full.can(Permission.READ_PERSONAL_DATA)
    # A viewer's token with every scope is still a viewer.
    viewer = Principal("v", Role.VIEWER, scopes=frozenset(TokenScope))
    assert not viewer.can(Permission.IMPORT_DATA)
    assert not viewer.can(Permission.READ_PERSONAL_DATA)
    # Sessions and the command line carry no scopes: the whole role.
    assert Principal("a", Role.ANALYST).can(Permission.IMPORT_DATA)


def _user(db: TestDatabase, username: str) -> int:
    user = next(u for u in db.platform.accounts.list_users(by=SYSTEM) if u.username == username)
    return user.id or 0


def _bearer(db: TestDatabase, username: str, *scopes: TokenScope) -> dict[str, str]:
    token = db.platform.accounts.create_token(
        "scoped",
        by=SYSTEM,
        user_id=_user(db, username),
        scopes=frozenset(scopes) if scopes else None,
    )
    return {"Authorization": f"Bearer {token.token}"}


def test_a_new_token_reads_only_unless_asked(db: TestDatabase) -> None:
    new = db.platform.accounts.create_token("x", by=SYSTEM, user_id=_user(db, "analyst"))
    assert new.scopes == READ
    listed = db.platform.accounts.list_tokens(
        by=Principal("analyst", Role.ANALYST, user_id=_user(db, "analyst"))
    )
    assert listed[0]["scopes"] == ["read"]


def test_token_limits_are_checked(db: TestDatabase) -> None:
    analyst = _user(db, "analyst")
    with pytest.raises(InputError, match="days"):
        db.platform.accounts.create_token("x", by=SYSTEM, user_id=analyst, days=366)
    with pytest.raises(InputError, match="scope"):
        db.platform.accounts.create_token("x", by=SYSTEM, user_id=analyst, scopes=frozenset())
    # A token cannot mint a token with more than it holds.
    through_token = Principal(
        "analyst", Role.ANALYST, user_id=analyst, via="api", scopes=frozenset({TokenScope.READ})
    )
    with pytest.raises(PermissionDenied, match="scopes it lacks"):
        db.platform.accounts.create_token(
            "x", by=through_token, scopes=frozenset({TokenScope.READ, TokenScope.WRITE})
        )


def test_last_use_is_not_written_on_every_request(db: TestDatabase) -> None:
    accounts = db.platform.accounts
    new = accounts.create_token("x", by=SYSTEM, user_id=_user(db, "analyst"))
    me = Principal("analyst", Role.ANALYST, user_id=_user(db, "analyst"))
    assert accounts.token_access(new.token) is not None
    first = next(t for t in accounts.list_tokens(by=me) if t["id"] == new.id)["last_used_at"]
    assert first is not None
    assert accounts.token_access(new.token) is not None
    again = next(t for t in accounts.list_tokens(by=me) if t["id"] == new.id)["last_used_at"]
    assert again == first


def test_read_only_token_may_not_write_through_the_api(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    reader = _bearer(db, "analyst")
    assert client.get("/api/v1/countries", headers=reader).status_code == 200
    body = {"name": "x", "days": 1}
    refused = client.post("/api/v1/tokens", json=body, headers=reader)
    assert refused.status_code == 403 and "read-only" in refused.text
    # Acknowledging an alert writes under a reading permission: the method is what counts.
    alert = next(iter(db.platform.alerts.list(by=SYSTEM)))
    answer = client.post(f"/api/v1/alerts/{alert.id}/acknowledge", headers=reader)
    assert answer.status_code == 403
    writer = _bearer(db, "analyst", TokenScope.READ, TokenScope.WRITE)
    made = client.post("/api/v1/tokens", json={**body, "scopes": ["read"]}, headers=writer)
    assert made.status_code == 201 and made.json()["scopes"] == ["read"]
    wider = client.post(
        "/api/v1/tokens", json={**body, "scopes": ["read", "personal"]}, headers=writer
    )
    assert wider.status_code == 403


def test_personal_data_needs_the_personal_scope(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    sessions = client.get("/api/v1/trainings/sessions", headers=_bearer(db, "analyst")).json()
    session_id = max(sessions["data"], key=lambda s: s["total"])["id"]
    url = f"/api/v1/trainings/sessions/{session_id}"
    plain = client.get(url, headers=_bearer(db, "analyst")).json()
    assert plain["attendees"] and all(a.get("name") is None for a in plain["attendees"])
    personal = client.get(url, headers=_bearer(db, "analyst", *TokenScope)).json()
    assert all(a["name"] for a in personal["attendees"])


def test_tokens_made_on_the_account_page_carry_the_ticked_scopes(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    from conftest import csrf_from, login

    login(client, "analyst")
    page = client.get("/account")
    answer = client.post(
        "/account/tokens",
        data={
            "name": "dashboard",
            "scopes": ["read", "personal"],
            "days": "30",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert answer.status_code == 201
    me = Principal("analyst", Role.ANALYST, user_id=_user(db, "analyst"))
    made = next(t for t in db.platform.accounts.list_tokens(by=me) if t["name"] == "dashboard")
    assert made["scopes"] == ["personal", "read"]
    assert "Personal data" in answer.text
