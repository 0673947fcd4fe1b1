"""Shared results: what one app worker computed from stored data (duplicate pairs), kept for
the others under a key that names the data versions it is as of.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22 05:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from peaceops.storage.types import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shared_results",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_shared_results")),
    )
    op.create_index(op.f("ix_shared_results_kind"), "shared_results", ["kind"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_shared_results_kind"), table_name="shared_results")
    op.drop_table("shared_results")
