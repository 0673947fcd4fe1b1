"""The audit log becomes tamper-evident: each entry carries the SHA-256 of its content and of
the entry before it (``prev_hash``, ``hash``); entries already written are chained in order.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-21 21:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from peaceops.storage.repositories.audited import HASHED, entry_hash
from peaceops.storage.types import JSONType, UTCDateTime

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

CHUNK = 5000


def _log() -> sa.TableClause:
    return sa.table(
        'audit_log',
        sa.column('id', sa.Integer()),
        sa.column('at', UTCDateTime()),
        sa.column('user_id', sa.Integer()),
        sa.column('username', sa.String()),
        sa.column('via', sa.String()),
        sa.column('action', sa.String()),
        sa.column('entity', sa.String()),
        sa.column('entity_id', sa.String()),
        sa.column('before', JSONType),
        sa.column('after', JSONType),
        sa.column('prev_hash', sa.String()),
        sa.column('hash', sa.String()),
    )


def upgrade() -> None:
    op.add_column('audit_log', sa.Column('prev_hash', sa.String(length=64), nullable=True))
    op.add_column('audit_log', sa.Column('hash', sa.String(length=64), nullable=True))
    conn = op.get_bind()
    postgres = conn.dialect.name == "postgresql"
    # The append-only guard is lifted for this one backfill, in this transaction only.
    if postgres:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    log = _log()
    rows = conn.execute(sa.select(log).order_by(log.c.id)).mappings().all()
    prev = None
    changes = []
    for row in rows:
        digest = entry_hash(prev, {k: row[k] for k in HASHED})
        changes.append({"_id": row["id"], "_prev": prev, "_hash": digest})
        prev = digest
    statement = (
        sa.update(log)
        .where(log.c.id == sa.bindparam("_id"))
        .values(prev_hash=sa.bindparam("_prev"), hash=sa.bindparam("_hash"))
    )
    for start in range(0, len(changes), CHUNK):
        conn.execute(statement, changes[start : start + CHUNK])
    if postgres:
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")
    else:
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )


def downgrade() -> None:
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_column('hash')
        batch.drop_column('prev_hash')
    if op.get_bind().dialect.name != "postgresql":
        # SQLite's batch mode rebuilt the table without its triggers: put the guard back.
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS audit_log_no_{event.lower()} BEFORE {event} "
                "ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )
