"""Transition: benchmark sets of a country, versioned, drafted, agreed and superseded.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-21 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from peaceops.storage.types import JSONType, UTCDateTime

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('benchmark_sets',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('country_iso3', sa.String(length=3), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('title', JSONType, nullable=False),
    sa.Column('target_date', sa.Date(), nullable=False),
    sa.Column('benchmarks', JSONType, nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('agreed_by', sa.String(length=200), nullable=False),
    sa.Column('agreed_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('revises_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['country_iso3'], ['countries.iso3'], name=op.f('fk_benchmark_sets_country_iso3_countries')),
    sa.ForeignKeyConstraint(['revises_id'], ['benchmark_sets.id'], name=op.f('fk_benchmark_sets_revises_id_benchmark_sets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benchmark_sets')),
    sa.UniqueConstraint('country_iso3', 'code', 'version', name='uq_benchmark_sets_country_code_version')
    )


def downgrade() -> None:
    op.drop_table('benchmark_sets')
