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


def verify_chain(conn: Connection, *, chunk: int = 5000) -> dict[str, object]:
    """Walk the log in id order, recomputing each entry's hash from its content and the hash
    before it. Returns how many entries were checked, the head hash (to record elsewhere:
    removing entries at the end is only seen against a head recorded earlier), and the first
    broken entry with the reason, if any."""
    from peaceops.storage.repositories.audited import HASHED, entry_hash

    checked, prev, last_id = 0, None, 0
    while True:
        rows = (
            conn.execute(
                select(audit_log)
                .where(audit_log.c.id > last_id)
                .order_by(audit_log.c.id)
                .limit(chunk)
            )
            .mappings()
            .all()
        )
        if not rows:
            return {"checked": checked, "head": prev, "broken_at": None, "reason": None}
        for r in rows:
            if r["hash"] is None:
                return {
                    "checked": checked,
                    "head": prev,
                    "broken_at": r["id"],
                    "reason": "entry without a hash",
                }
            if (r["prev_hash"] or None) != prev:
                return {
                    "checked": checked,
                    "head": prev,
                    "broken_at": r["id"],
                    "reason": "does not follow the entry before it (one removed or inserted)",
                }
            if entry_hash(prev, {k: r[k] for k in HASHED}) != r["hash"]:
                return {
                    "checked": checked,
                    "head": prev,
                    "broken_at": r["id"],
                    "reason": "content changed since it was written",
                }
            prev, last_id = r["hash"], r["id"]
            checked += 1
