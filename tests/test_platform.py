"""Platform services on both engines: audit trail, accounts, permissions, reference data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from conftest import SYSTEM
from peaceops.domain.access import Principal, Role
from peaceops.domain.actors import ActorCategory
from peaceops.domain.institutions import Institution, InstitutionType
from peaceops.domain.missions import MandatePeriod, Mission, MissionOrganisation
from peaceops.errors import (
    AuthenticationError,
    ConflictError,
    InputError,
    NotFound,
    PermissionDenied,
)
from peaceops.platform import Platform
from peaceops.storage.types import utcnow

ANALYST = Principal("analyst-test", Role.ANALYST, user_id=None)


def user(platform: Platform, username: str) -> Principal:
    found = next(u for u in platform.accounts.list_users(by=SYSTEM) if u.username == username)
    return found.principal(via="test")


def test_every_change_lands_in_the_audit_log_with_before_and_after(platform: Platform) -> None:
    police = platform.institutions.list(country="XCA", type=InstitutionType.POLICE)[0]
    analyst = user(platform, "analyst")
    platform.institutions.update(police.id or 0, {"acronym": "CNPS"}, by=analyst)
    entries, _ = platform.audit.entries(by=SYSTEM, entity="institutions", entity_id=str(police.id))
    latest = entries[0]
    assert latest.action.value == "update" and latest.username == "analyst"
    assert latest.before == {"acronym": "CNP"} and latest.after == {"acronym": "CNPS"}
    # An update that changes nothing writes nothing.
    platform.institutions.update(police.id or 0, {"acronym": "CNPS"}, by=analyst)
    assert platform.audit.entries(by=SYSTEM, entity="institutions", entity_id=str(police.id))[
        1
    ] == len(entries)


def test_created_and_deleted_records_are_logged(platform: Platform) -> None:
    created = platform.institutions.create(
        Institution("XCA", InstitutionType.LEGAL_AID, "Bar Pro Bono Scheme"), by=SYSTEM
    )
    platform.institutions.delete(created.id or 0, by=SYSTEM)
    entries, _ = platform.audit.entries(by=SYSTEM, entity="institutions", entity_id=str(created.id))
    assert [e.action.value for e in entries] == ["delete", "create"]
    assert entries[0].before is not None and entries[0].before["name"] == "Bar Pro Bono Scheme"
    with pytest.raises(NotFound):
        platform.institutions.get(created.id or 0)


def test_audit_log_refuses_updates_and_deletes(platform: Platform) -> None:
    for statement in ("UPDATE audit_log SET username = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), platform.engine.begin() as conn:
            conn.execute(text(statement))
    assert platform.audit.entries(by=SYSTEM, username="mallory")[1] == 0


def test_audit_log_never_holds_password_hashes(platform: Platform) -> None:
    entries, _ = platform.audit.entries(by=SYSTEM, entity="users", limit=1000)
    created = [e for e in entries if e.action.value == "create"]
    assert created and all(e.after and e.after["password_hash"] == "<redacted>" for e in created)


def test_only_admins_read_the_audit_log(platform: Platform) -> None:
    with pytest.raises(PermissionDenied):
        platform.audit.entries(by=user(platform, "analyst"))


def test_viewer_and_partner_cannot_edit_reference_data(platform: Platform) -> None:
    police = platform.institutions.list(type=InstitutionType.POLICE)[0]
    for name in ("viewer", "partner", "civil"):
        with pytest.raises(PermissionDenied):
            platform.institutions.update(police.id or 0, {"name": "X"}, by=user(platform, name))


def test_partners_edit_only_their_own_organisation(platform: Platform) -> None:
    partner = user(platform, "partner")
    own = platform.actors.get(partner.actor_id or 0)
    updated = platform.actors.update(own.id or 0, {"acronym": "NAIC-2"}, by=partner)
    assert updated.acronym == "NAIC-2"
    other = next(a for a in platform.actors.list() if a.id != own.id)
    with pytest.raises(PermissionDenied, match="your own organisation"):
        platform.actors.update(other.id or 0, {"acronym": "X"}, by=partner)
    with pytest.raises(PermissionDenied):
        platform.actors.update(own.id or 0, {"acronym": "X"}, by=user(platform, "viewer"))


def test_actor_resolution_by_variant(platform: Platform) -> None:
    assert getattr(platform.actors.resolve("Northland Aid"), "acronym", None) == "NAIC"
    assert platform.actors.resolve("Nobody at all") is None
    donors = platform.actors.list(category=ActorCategory.BILATERAL_DONOR)
    assert {a.acronym for a in donors} == {"NAIC", "WFM", "EADC"}


def test_duplicate_names_conflict(platform: Platform) -> None:
    with pytest.raises(ConflictError):
        platform.institutions.create(
            Institution("XCA", InstitutionType.POLICE, "Carana National Police"), by=SYSTEM
        )


def test_missions_validate_their_mandates(platform: Platform) -> None:
    mission = Mission(
        "UNTEST",
        "Test",
        MissionOrganisation.UN,
        date(2024, 1, 1),
        countries=("XCA",),
        mandates=(MandatePeriod(date(2023, 1, 1), date(2023, 12, 31)),),
    )
    with pytest.raises(InputError, match="starts before the mission"):
        platform.missions.create(mission, by=SYSTEM)
    unknown = Mission(
        "UNTEST", "Test", MissionOrganisation.UN, date(2024, 1, 1), countries=("QQQ",)
    )
    with pytest.raises(NotFound):
        platform.missions.create(unknown, by=SYSTEM)
    unmica = platform.missions.list(country="XCA")[0]
    assert unmica.mandate_on(date(2025, 6, 1)) is not None
    assert len(unmica.mandates) == 4


# Accounts ----------------------------------------------------------------------------------


def test_login_with_the_right_password(platform: Platform) -> None:
    found = platform.accounts.authenticate("Analyst ", "peace-in-carana")
    assert found.username == "analyst" and found.role == Role.ANALYST
    entries, _ = platform.audit.entries(by=SYSTEM, username="analyst")
    assert entries[0].action.value == "login"


def test_failed_logins_lock_the_account(db, platform: Platform) -> None:  # type: ignore[no-untyped-def]
    attempts = db.settings().login_attempts
    for _ in range(attempts):
        with pytest.raises(AuthenticationError, match="wrong user name or password"):
            platform.accounts.authenticate("viewer", "not the password")
    with pytest.raises(AuthenticationError, match="locked"):
        platform.accounts.authenticate("viewer", "peace-in-carana")
    failed = platform.audit.entries(by=SYSTEM, username="viewer")[0]
    assert [e.action.value for e in failed[: attempts + 1]] == ["login_failed"] * (attempts + 1)


def test_unknown_users_fail_like_wrong_passwords(platform: Platform) -> None:
    with pytest.raises(AuthenticationError, match="wrong user name or password"):
        platform.accounts.authenticate("nobody", "whatever-it-is")


def test_new_users_get_a_one_time_password_that_must_be_changed(platform: Platform) -> None:
    new, one_time = platform.accounts.create_user(
        username="Field.Officer", role=Role.ANALYST, display_name="Field officer", by=SYSTEM
    )
    assert new.username == "field.officer" and one_time
    assert platform.accounts.must_change_password("field.officer")
    me = new.principal(via="test")
    with pytest.raises(AuthenticationError):
        platform.accounts.set_password(new.id or 0, "a-new-password-1", by=me, current="wrong")
    platform.accounts.set_password(new.id or 0, "a-new-password-1", by=me, current=one_time)
    assert not platform.accounts.must_change_password("field.officer")
    assert platform.accounts.authenticate("field.officer", "a-new-password-1").id == new.id


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("ok.user", "short", "at least 10"),
        ("ok.user", "my-ok.user-pass", "must not contain the user name"),
        ("ok.user", "aaaaaaaaaaaa", "too repetitive"),
        ("Bad Name!", "good-password-1", "user names"),
    ],
)
def test_password_and_username_rules(
    platform: Platform, username: str, password: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        platform.accounts.create_user(
            username=username, role=Role.VIEWER, display_name="x", password=password, by=SYSTEM
        )


def test_partner_users_need_an_organisation(platform: Platform) -> None:
    with pytest.raises(InputError, match="must belong to an organisation"):
        platform.accounts.create_user(
            username="donor", role=Role.PARTNER, display_name="x", by=SYSTEM
        )


def test_sessions_end_on_logout_and_on_deactivation(platform: Platform) -> None:
    viewer = platform.accounts.authenticate("viewer", "peace-in-carana")
    token = platform.accounts.start_session(viewer)
    assert getattr(platform.accounts.session_user(token), "username", None) == "viewer"
    platform.accounts.end_session(token)
    assert platform.accounts.session_user(token) is None
    token = platform.accounts.start_session(viewer)
    platform.accounts.update_user(viewer.id or 0, {"is_active": False}, by=SYSTEM)
    assert platform.accounts.session_user(token) is None
    with pytest.raises(AuthenticationError):
        platform.accounts.authenticate("viewer", "peace-in-carana")


def test_api_tokens_expire_and_can_be_revoked(platform: Platform) -> None:
    analyst = user(platform, "analyst")
    new = platform.accounts.create_token("script", by=analyst, days=1)
    assert getattr(platform.accounts.token_user(new.token), "username", None) == "analyst"
    assert platform.accounts.token_user(new.token + "x") is None
    assert platform.accounts.token_user("not-a-token") is None
    platform.accounts.revoke_token(new.id, by=analyst)
    assert platform.accounts.token_user(new.token) is None
    # Expiry: a token whose time has passed no longer works.
    old = platform.accounts.create_token("old", by=analyst, days=1)
    with platform.engine.begin() as conn:
        conn.execute(
            text("UPDATE api_tokens SET expires_at = :t WHERE id = :i"),
            {"t": utcnow() - timedelta(minutes=1), "i": old.id},
        )
    assert platform.accounts.token_user(old.token) is None


def test_only_admins_make_tokens_for_others(platform: Platform) -> None:
    analyst = user(platform, "analyst")
    viewer = user(platform, "viewer")
    with pytest.raises(PermissionDenied):
        platform.accounts.create_token("x", by=analyst, user_id=viewer.user_id)
    with pytest.raises(PermissionDenied):  # viewers may not hold API tokens at all
        platform.accounts.create_token("x", by=SYSTEM, user_id=viewer.user_id)


def test_admins_cannot_lock_themselves_out(platform: Platform) -> None:
    admin = user(platform, "admin")
    with pytest.raises(ConflictError):
        platform.accounts.update_user(admin.user_id or 0, {"is_active": False}, by=admin)
