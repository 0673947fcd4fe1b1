"""Shared results: something computed from stored data that every process of a server can
reuse, such as the duplicate pairs of a large portfolio (a minute of work each time).

A result is stored under the SHA-256 of a key that names the data versions it is as of, so a
changed version makes a new key and an old result is never read as a new one. Each kind keeps
only its latest few results. These rows are a cache, not records: they are not audited, and
losing them costs only the time to compute them again.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from peaceops.storage.engine import hold_lock, transaction
from peaceops.storage.tables import shared_results
from peaceops.storage.types import utcnow

KEEP = 8
"""Results of one kind kept (the latest by creation)."""


def digest(kind: str, key: Any) -> str:
    """The stored key: SHA-256 of the kind and the key's ``repr`` (tuples of plain values)."""
    return hashlib.sha256(f"{kind}\n{key!r}".encode()).hexdigest()


def read(conn: Connection, key: str) -> Any | None:
    payload = conn.execute(
        select(shared_results.c.payload).where(shared_results.c.key == key)
    ).scalar_one_or_none()
    return None if payload is None else json.loads(gzip.decompress(payload))


def write(conn: Connection, kind: str, key: str, value: Any) -> None:
    """Store ``value`` (JSON) under ``key``, unless another process already has; then keep only
    the latest ``KEEP`` of its kind."""
    payload = gzip.compress(json.dumps(value, separators=(",", ":")).encode(), compresslevel=5)
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(
        insert(shared_results)
        .values(key=key, kind=kind, created_at=utcnow(), payload=payload)
        .on_conflict_do_nothing(index_elements=[shared_results.c.key])
    )
    kept = (
        select(shared_results.c.key)
        .where(shared_results.c.kind == kind)
        .order_by(shared_results.c.created_at.desc(), shared_results.c.key)
        .limit(KEEP)
    )
    conn.execute(
        delete(shared_results).where(
            shared_results.c.kind == kind, shared_results.c.key.not_in(kept.scalar_subquery())
        )
    )


@contextmanager
def _one_at_a_time(engine: Engine, key: str) -> Iterator[Connection]:
    """A reading transaction that, on PostgreSQL, holds an advisory lock on ``key`` until it
    ends: processes needing the same result queue here while the first computes it."""
    with transaction(engine, write=False) as conn:
        if conn.dialect.name == "postgresql":
            hold_lock(conn, f"shared_results:{key}")
        yield conn


def computed_once(engine: Engine, kind: str, key: str, compute: Callable[[], Any]) -> Any:
    """The stored result under ``key``, or ``compute()`` stored for the other processes.

    On PostgreSQL one process computes while the others wait for it and then read what it
    stored. SQLite serves one process, so nothing waits there.
    """
    with transaction(engine, write=False) as conn:
        found = read(conn, key)
    if found is not None:
        return found
    with _one_at_a_time(engine, key) as conn:
        found = read(conn, key)
        if found is not None:
            return found
        value = compute()
        with transaction(engine) as writer:
            write(writer, kind, key, value)
    return value


__all__ = ["KEEP", "computed_once", "digest", "read", "write"]
