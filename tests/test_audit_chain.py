"""The audit log is tamper-evident: every entry is chained to the one before it by a SHA-256,
``peaceops audit verify`` recomputes the chain, and a change, a removal or an insertion made
behind the application's back (the append-only triggers switched off, as a database
administrator could) is found and named. Concurrent writers keep one chain."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text
from typer.testing import CliRunner

from conftest import SYSTEM, TestDatabase
from peaceops.domain.actors import Actor, ActorCategory, OrganisationType
from peaceops.storage.migrate import downgrade, upgrade


def _unguarded(db: TestDatabase, statement: str) -> None:
    """Run a statement on the audit log with its append-only guard switched off."""
    engine = db.platform.engine
    with engine.begin() as conn:
        if db.engine == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"))
            conn.execute(text(statement))
            conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
            conn.execute(text(statement))


def test_the_demo_log_is_one_unbroken_chain(db: TestDatabase) -> None:
    result = db.platform.audit.verify(by=SYSTEM)
    _, total = db.platform.audit.entries(by=SYSTEM)
    assert result["broken_at"] is None and result["checked"] == total > 1000
    assert isinstance(result["head"], str) and len(result["head"]) == 64


def test_a_changed_entry_is_found_and_named(db: TestDatabase) -> None:
    _unguarded(db, "UPDATE audit_log SET username = 'mallory' WHERE id = 100")
    result = db.platform.audit.verify(by=SYSTEM)
    assert result == {**result, "broken_at": 100, "checked": 99}
    assert "content changed" in str(result["reason"])
    runner = CliRunner()
    from peaceops.services.cli.app import app

    shown = runner.invoke(app, ["audit", "verify"], env={"PEACEOPS_DATABASE_URL": db.url})
    assert shown.exit_code == 1 and "Audit entry 100" in shown.output


def test_a_removed_entry_breaks_the_chain_after_it(db: TestDatabase) -> None:
    _unguarded(db, "DELETE FROM audit_log WHERE id = 50")
    result = db.platform.audit.verify(by=SYSTEM)
    assert result["broken_at"] == 51 and "one removed or inserted" in str(result["reason"])


def test_concurrent_writers_keep_one_chain(db: TestDatabase) -> None:
    platform = db.platform

    def create(i: int) -> int | None:
        return platform.actors.create(
            Actor(
                name=f"Chain test organisation {i}",
                category=ActorCategory.NATIONAL_NGO,
                org_type=OrganisationType.INTERNATIONAL_NGO,
            ),
            by=SYSTEM,
        ).id

    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(create, range(80)))
    assert len(set(made)) == 80
    result = platform.audit.verify(by=SYSTEM)
    assert result["broken_at"] is None, result
    _, entries = platform.audit.entries(by=SYSTEM, entity="actors")
    assert entries >= 80


def test_the_migration_chains_entries_written_before_it(db: TestDatabase) -> None:
    engine = db.platform.engine
    downgrade(engine, "0011")
    upgrade(engine)
    result = db.platform.audit.verify(by=SYSTEM)
    assert result["broken_at"] is None and result["checked"] > 1000
    # The guard is back after the backfill.
    with engine.connect() as conn:
        try:
            conn.execute(text("UPDATE audit_log SET username = 'x' WHERE id = 1"))
            conn.commit()
            changed = True
        except Exception:
            changed = False
    assert not changed


def test_verify_prints_json(db: TestDatabase) -> None:
    from peaceops.services.cli.app import app

    shown = CliRunner().invoke(
        app, ["audit", "verify", "--json"], env={"PEACEOPS_DATABASE_URL": db.url}
    )
    assert shown.exit_code == 0 and json.loads(shown.stdout)["broken_at"] is None
