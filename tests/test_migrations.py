"""Migrations: up from empty on both engines, matching the table definitions exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from conftest import TestDatabase
from peaceops.storage import current_revision, head_revision, make_engine, upgrade
from peaceops.storage.migrate import downgrade, include_object
from peaceops.storage.tables import metadata


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
