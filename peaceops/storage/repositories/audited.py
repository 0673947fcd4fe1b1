"""Writes that leave a trace: every insert, update and delete records an audit entry.

Every repository that changes data goes through these three functions, in the caller's
transaction, so that a write and its audit entry commit or roll back together.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Column, Connection, Table, delete, insert, select, text, update

from peaceops.domain.access import Principal
from peaceops.domain.audit import AuditAction
from peaceops.errors import NotFound
from peaceops.storage.tables import audit_log
from peaceops.storage.types import utcnow

LARGE_VALUE = 2000  # characters of JSON above which the log keeps a digest, not the value
SECRET_COLUMNS = frozenset({"password_hash", "token_hash"})


def jsonable(value: Any) -> Any:
    """A value as plain JSON: dates as ISO text, enums by value, big blobs as a digest."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list):
        text = json.dumps(value, sort_keys=True, default=str)
        if len(text) > LARGE_VALUE:
            return {"sha256": hashlib.sha256(text.encode()).hexdigest(), "chars": len(text)}
        return value
    return value


def snapshot(row: dict[str, Any]) -> dict[str, Any]:
    return {k: ("<redacted>" if k in SECRET_COLUMNS else jsonable(v)) for k, v in row.items()}


CHAIN_LOCK = 7_365_616  # PostgreSQL advisory lock key held while an entry joins the chain
HASHED = ("at", "user_id", "username", "via", "action", "entity", "entity_id", "before", "after")


def _canon(value: Any) -> Any:
    """A value as both engines give it back: numbers as floats (JSONB rewrites 1e16 as
    10000000000000000), dates as ISO text, other objects as text."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return repr(float(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _canon(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canon(v) for v in value]
    return str(value)


def entry_hash(prev_hash: str | None, entry: dict[str, Any]) -> str:
    """The SHA-256 chaining an audit entry to the one before it: any change to an entry, or
    an entry removed or inserted in the middle, breaks every hash after it."""
    body = [prev_hash or "", *(_canon(entry.get(k)) for k in HASHED)]
    text_ = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text_.encode()).hexdigest()


def record(
    conn: Connection,
    by: Principal,
    action: AuditAction,
    entity: str,
    entity_id: object | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    entry = {
        "at": utcnow(),
        "user_id": by.user_id,
        "username": by.username,
        "via": by.via,
        "action": action.value,
        "entity": entity,
        "entity_id": None if entity_id is None else str(entity_id),
        "before": snapshot(before) if before is not None else None,
        "after": snapshot(after) if after is not None else None,
    }
    if conn.dialect.name == "postgresql":
        # One writer at a time joins the chain; SQLite's BEGIN IMMEDIATE already serialises.
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    prev = conn.execute(
        select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)
    ).scalar_one_or_none()
    conn.execute(insert(audit_log).values(**entry, prev_hash=prev, hash=entry_hash(prev, entry)))


def _key(table: Table) -> Column[Any]:
    (column,) = table.primary_key.columns
    return column


def create(conn: Connection, by: Principal, table: Table, values: dict[str, Any]) -> Any:
    """Insert one row and log it; returns the primary key."""
    key = _key(table)
    new_id = conn.execute(insert(table).values(**values).returning(key)).scalar_one()
    after = conn.execute(select(table).where(key == new_id)).mappings().one()
    record(conn, by, AuditAction.CREATE, table.name, new_id, after=dict(after))
    return new_id


def change(
    conn: Connection, by: Principal, table: Table, row_id: Any, values: dict[str, Any]
) -> bool:
    """Update one row and log before and after; returns False (and logs nothing) if unchanged."""
    key = _key(table)
    before = conn.execute(select(table).where(key == row_id)).mappings().one_or_none()
    if before is None:
        raise NotFound(f"{table.name} {row_id} does not exist")
    if all(before[k] == v for k, v in values.items()):
        return False
    conn.execute(update(table).where(key == row_id).values(**values))
    after = conn.execute(select(table).where(key == row_id)).mappings().one()
    changed_before = {k: before[k] for k in values if before[k] != after[k]}
    changed_after = {k: after[k] for k in values if before[k] != after[k]}
    record(
        conn, by, AuditAction.UPDATE, table.name, row_id, before=changed_before, after=changed_after
    )
    return True


def remove(conn: Connection, by: Principal, table: Table, row_id: Any) -> None:
    key = _key(table)
    before = conn.execute(select(table).where(key == row_id)).mappings().one_or_none()
    if before is None:
        raise NotFound(f"{table.name} {row_id} does not exist")
    conn.execute(delete(table).where(key == row_id))
    record(conn, by, AuditAction.DELETE, table.name, row_id, before=dict(before))
