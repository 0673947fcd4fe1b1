"""One command re-encrypts every personal field at rest under a new data key: complaints,
trainees and survey respondents; afterwards the new key alone reads them all."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from conftest import SYSTEM, TestDatabase
from peaceops.domain.access import Principal, Role
from peaceops.errors import ConfigError, PermissionDenied
from peaceops.platform import Platform
from peaceops.services.cli.app import app

HANDLER = Principal("handler", Role.CASE_HANDLER, via="web")


def _read_everything(platform: Platform) -> tuple[list[str], int, int]:
    """Trainee names of the largest session, respondents with personal answers, complainants."""
    sessions = platform.trainings.sessions(by=SYSTEM)
    largest = max(sessions, key=lambda s: s["total"])
    _, people = platform.trainings.session(largest["id"], by=SYSTEM)
    survey = platform.surveys.surveys()[0]
    rows = platform.surveys.submissions(survey.survey.id or 0, by=SYSTEM)
    named = 0
    for view in platform.complaints.cases(by=HANDLER)[:20]:
        case = platform.complaints.case(view.complaint.id or 0, by=HANDLER)
        named += case.complaint.complainant is not None
    return [p["name"] for p in people], sum("personal" in r for r in rows), named


def test_rotating_every_personal_field(db: TestDatabase) -> None:
    old = db.settings().data_keys()[0].decode()
    fresh = Fernet.generate_key().decode()
    before = _read_everything(db.platform)
    assert before[0] and before[1] > 0 and before[2] > 0

    both = Platform(db.settings(data_key=f"{fresh},{old}"))
    only_new = Platform(db.settings(data_key=fresh))
    try:
        with pytest.raises(ConfigError):
            _read_everything(only_new)
        with pytest.raises(PermissionDenied):
            both.rotate_keys(by=Principal("analyst", Role.ANALYST))
        audit_before = both.audit.entries(by=SYSTEM, limit=1)[1]
        counts = both.rotate_keys(by=SYSTEM)
        # One audit entry per kind, and the chain still holds.
        assert both.audit.entries(by=SYSTEM, limit=1)[1] == audit_before + 3
        assert both.audit.verify(by=SYSTEM)["broken_at"] is None
        assert set(counts) == {"complaints", "trainees", "survey_submissions"}
        assert all(n > 0 for n in counts.values()), counts
        # The new key alone now reads exactly what the old one did.
        assert _read_everything(only_new) == before
        with pytest.raises(ConfigError):
            _read_everything(db.platform)  # the old key alone no longer reads
    finally:
        both.close()
        only_new.close()


def test_rotate_keys_command(db: TestDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    old = db.settings().data_keys()[0].decode()
    fresh = Fernet.generate_key().decode()
    monkeypatch.setenv("PEACEOPS_DATA_KEY", f"{fresh},{old}")
    result = CliRunner().invoke(
        app, ["--database-url", db.url, "db", "rotate-keys", "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert '"trainees"' in result.output
    only_new = Platform(db.settings(data_key=fresh))
    try:
        assert _read_everything(only_new)[0]
    finally:
        only_new.close()
