"""Migrations: up from empty on both engines, matching the table definitions exactly, and
up from every earlier revision of a database holding the demo's data, which survives."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, select

from conftest import SYSTEM, TestDatabase
from peaceops.storage import current_revision, head_revision, make_engine, upgrade
from peaceops.storage.backup import table_counts
from peaceops.storage.crypto import FieldCipher
from peaceops.storage.migrate import MIGRATIONS, downgrade, include_object
from peaceops.storage.tables import audit_log, metadata, trainees


def earlier_revisions() -> list[str]:
    """Every revision before the newest, oldest first: each stands for a release an
    installation may still run (there are no release tags; each migration shipped alone)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    revisions = [r.revision for r in ScriptDirectory.from_config(config).walk_revisions()]
    return [r for r in reversed(revisions) if r != head_revision()]


def test_upgrade_from_empty_matches_the_tables(empty_db: TestDatabase) -> None:
    engine = make_engine(empty_db.url)
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_object}
            ),
            metadata,
        )
    assert diff == [], f"migrations and tables differ: {diff}"
    engine.dispose()


def test_downgrade_to_empty_and_up_again(empty_db: TestDatabase) -> None:
    engine = make_engine(empty_db.url)
    upgrade(engine)
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert "audit_log" in inspect(engine).get_table_names()
    engine.dispose()


def test_upgrade_is_a_no_op_on_a_current_database(db: TestDatabase) -> None:
    before = db.platform.institutions.list()
    assert db.platform.upgrade() == head_revision()
    assert db.platform.institutions.list() == before


CHAIN = select(audit_log.c.id, audit_log.c.hash).order_by(audit_log.c.id)
NAMES = select(trainees.c.name_encrypted).order_by(trainees.c.id).limit(5)


def rows_of(conn: Connection, columns: dict[str, list[str]]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the named tables, only the named columns, in primary-key order (the
    full-text column PostgreSQL generates is not data of its own)."""
    found = {}
    for name, names in columns.items():
        table = metadata.tables[name]
        chosen = [table.c[c] for c in names if c in table.c]
        query = select(*chosen).order_by(*table.primary_key.columns)
        found[name] = [tuple(r) for r in conn.execute(query)]
    return found


@pytest.mark.parametrize("revision", earlier_revisions())
def test_an_upgrade_from_each_earlier_revision_keeps_the_data(
    db: TestDatabase, revision: str
) -> None:
    """The demo (with a session and an API token besides) is taken down to ``revision`` and
    brought back up: every row of every table that exists at ``revision`` comes back with
    the same values, the audit chain is rebuilt to the same hashes and verifies, and the
    demo users still log in. Tables created after ``revision`` come back empty: their rows
    were dropped with them by the downgrade, which is what a downgrade does (an installation
    at ``revision`` never had them)."""
    platform = db.platform
    admin = next(u for u in platform.accounts.list_users(by=SYSTEM) if u.username == "admin")
    platform.accounts.start_session(admin)
    platform.accounts.create_token("migration test", by=SYSTEM, user_id=admin.id)
    platform.close()
    engine = make_engine(db.url)
    with engine.connect() as conn:
        before = table_counts(conn)
        hashes = [tuple(r) for r in conn.execute(CHAIN)]
        names = list(conn.execute(NAMES).scalars())

    downgrade(engine, revision)
    assert current_revision(engine) == revision
    with engine.connect() as conn:
        at_revision = table_counts(conn)
        columns = {t: [c["name"] for c in inspect(conn).get_columns(t)] for t in at_revision}
        kept = rows_of(conn, columns)
    assert at_revision == {t: before[t] for t in at_revision}, "the downgrade lost rows"
    assert set(at_revision) <= set(before)

    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        after = table_counts(conn)
        assert rows_of(conn, columns) == kept
        assert [tuple(r) for r in conn.execute(CHAIN)] == hashes
        restored = list(conn.execute(NAMES).scalars())
    engine.dispose()
    assert set(after) == set(before)
    assert {t: after[t] for t in at_revision} == at_revision
    if "trainees" in at_revision:
        cipher = FieldCipher(db.settings().data_keys())
        assert [cipher.decrypt(t) for t in restored] == [cipher.decrypt(t) for t in names]
    platform = db.platform
    assert platform.audit.verify(by=SYSTEM)["broken_at"] is None
    assert (
        platform.accounts.authenticate("analyst", "peace-in-carana", via="cli").username
        == "analyst"
    )
    assert platform.audit.verify(by=SYSTEM)["broken_at"] is None
