"""Data versions: one counter per kind of data, raised by every write to it in the same
transaction, so that a cache of something computed from that data knows when it is stale,
across processes and app workers, at the cost of one primary-key read."""

from __future__ import annotations

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from peaceops.storage.tables import data_versions


def bump(conn: Connection, name: str) -> None:
    """Raise ``name``'s counter (creating it at 1). Concurrent writers queue on the row."""
    changed = conn.execute(
        update(data_versions)
        .where(data_versions.c.name == name)
        .values(version=data_versions.c.version + 1)
    )
    if changed.rowcount:
        return
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(data_versions).values(name=name, version=1)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[data_versions.c.name],
            set_={"version": data_versions.c.version + 1},
        )
    )


def current(conn: Connection, name: str) -> int:
    """``name``'s counter; 0 before its first write."""
    found = conn.execute(
        select(data_versions.c.version).where(data_versions.c.name == name)
    ).scalar_one_or_none()
    return int(found or 0)


__all__ = ["bump", "current"]
