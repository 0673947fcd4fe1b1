"""Legal frameworks: instruments of a country, the dated steps of their lifecycle, and their
reviews against the standards checklists.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-21 16:37:17
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from peaceops.storage.types import JSONType, UTCDateTime

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('legal_instruments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('country_iso3', sa.String(length=3), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('title', JSONType, nullable=False),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('sector', sa.String(length=20), nullable=False),
    sa.Column('institution_types', JSONType, nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=False),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('replaces', sa.Boolean(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('text_url', sa.String(length=500), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['amends_id'], ['legal_instruments.id'], name=op.f('fk_legal_instruments_amends_id_legal_instruments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['country_iso3'], ['countries.iso3'], name=op.f('fk_legal_instruments_country_iso3_countries')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_legal_instruments_document_id_documents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_instruments')),
    sa.UniqueConstraint('country_iso3', 'code', name='uq_legal_instruments_country_code')
    )
    op.create_table('legal_reviews',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('checklist', sa.String(length=60), nullable=False),
    sa.Column('checklist_version', sa.String(length=20), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=False),
    sa.Column('findings', JSONType, nullable=False),
    sa.Column('reviewed_by', sa.String(length=120), nullable=False),
    sa.Column('recorded_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['legal_instruments.id'], name=op.f('fk_legal_reviews_instrument_id_legal_instruments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_reviews')),
    sa.UniqueConstraint('instrument_id', 'checklist', 'reviewed_on', name='uq_legal_reviews_instrument_checklist_on')
    )
    op.create_table('legal_steps',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('evidence_document_id', sa.Integer(), nullable=True),
    sa.Column('actors', JSONType, nullable=False),
    sa.Column('activities', JSONType, nullable=False),
    sa.Column('exception', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('recorded_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_document_id'], ['documents.id'], name=op.f('fk_legal_steps_evidence_document_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['instrument_id'], ['legal_instruments.id'], name=op.f('fk_legal_steps_instrument_id_legal_instruments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_steps')),
    sa.UniqueConstraint('instrument_id', 'stage', 'date', name='uq_legal_steps_instrument_stage_date')
    )


def downgrade() -> None:
    op.drop_table('legal_steps')
    op.drop_table('legal_reviews')
    op.drop_table('legal_instruments')
