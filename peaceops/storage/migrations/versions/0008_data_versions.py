"""Data versions: a counter per kind of data, raised by each write, for caches.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('data_versions',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_data_versions'))
    )


def downgrade() -> None:
    op.drop_table('data_versions')
