"""API tokens gain scopes (read, write, personal) that narrow their owner's role; tokens made
before keep the whole role.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-21 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column("scopes", sa.String(40), nullable=False, server_default="read write personal")
        )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("scopes")
