"""Engines for the embedded default (SQLite) and the multi-user server (PostgreSQL)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from peaceops.errors import ConfigError


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url`` with the settings PeaceOps relies on.

    SQLite gets foreign keys, WAL journaling and a busy timeout so that the web server and a
    command-line import can share the file; PostgreSQL gets pre-ping so a restarted server does
    not surface as errors.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            folder = Path(database).expanduser().resolve().parent
            if not folder.is_dir():
                raise ConfigError(f"database folder {folder} does not exist")
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_on_connect)
        # pysqlite's own transaction handling defers BEGIN; take it over so that a
        # transaction really starts when SQLAlchemy says it does.
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)
    raise ConfigError(
        f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql"
    )


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    # A writing transaction takes the write lock at once (BEGIN IMMEDIATE) so two writers
    # queue on the busy timeout instead of failing mid-way on a lock upgrade; readers stay
    # deferred and run beside a writer under WAL.
    if conn.get_execution_options().get("peaceops_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


@contextmanager
def transaction(engine: Engine, *, write: bool = True) -> Iterator[Connection]:
    """One transaction: committed when the block ends, rolled back on any exception."""
    with engine.connect() as conn:
        conn = conn.execution_options(peaceops_write=write)
        with conn.begin():
            yield conn


def hold_lock(conn: Connection, name: str) -> None:
    """Hold the lock ``name`` until the transaction ends, so that work reading what is stored
    and then writing (an import matching its rows against the stored ones) runs one at a
    time and the later run sees what the earlier one committed.

    PostgreSQL takes a transaction-scoped advisory lock keyed on the name; on SQLite a
    writing transaction already holds the database's write lock (``BEGIN IMMEDIATE``).
    """
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
