"""Reading the audit log (writing goes through ``audited``)."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from peaceops.domain.audit import AuditAction, AuditEntry
from peaceops.storage.tables import audit_log


def list_entries(
    conn: Connection,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    username: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[AuditEntry], int]:
    query = select(audit_log)
    if entity:
        query = query.where(audit_log.c.entity == entity)
    if entity_id:
        query = query.where(audit_log.c.entity_id == entity_id)
    if username:
        query = query.where(audit_log.c.username == username)
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = conn.execute(
        query.order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
    ).mappings()
    entries = [
        AuditEntry(
            id=r["id"],
            at=r["at"],
            action=AuditAction(r["action"]),
            entity=r["entity"],
            entity_id=r["entity_id"],
            username=r["username"],
            user_id=r["user_id"],
            before=r["before"],
            after=r["after"],
            via=r["via"],
        )
        for r in rows
    ]
    return entries, int(total)
