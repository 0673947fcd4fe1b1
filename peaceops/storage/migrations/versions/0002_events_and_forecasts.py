"""Early warning: conflict events (UCDP GED, own incidents) and stored forecast runs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 06:13:30.921480
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from peaceops.storage.types import UTCDateTime


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.String(length=40), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('digest', sa.String(length=40), nullable=False),
    sa.Column('type_of_violence', sa.SmallInteger(), nullable=False),
    sa.Column('date_start', sa.Date(), nullable=False),
    sa.Column('date_end', sa.Date(), nullable=False),
    sa.Column('month_id', sa.Integer(), nullable=False),
    sa.Column('best', sa.Integer(), nullable=False),
    sa.Column('low', sa.Integer(), nullable=False),
    sa.Column('high', sa.Integer(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('country_gw', sa.Integer(), nullable=True),
    sa.Column('country', sa.String(length=120), nullable=True),
    sa.Column('priogrid_gid', sa.Integer(), nullable=True),
    sa.Column('adm_1', sa.String(length=200), nullable=True),
    sa.Column('adm_2', sa.String(length=200), nullable=True),
    sa.Column('where_prec', sa.SmallInteger(), nullable=True),
    sa.Column('date_prec', sa.SmallInteger(), nullable=True),
    sa.Column('side_a', sa.String(length=300), nullable=True),
    sa.Column('side_b', sa.String(length=300), nullable=True),
    sa.Column('conflict_name', sa.String(length=300), nullable=True),
    sa.CheckConstraint('date_start <= date_end', name=op.f('ck_events_dates_ordered')),
    sa.CheckConstraint('low <= best AND best <= high AND low >= 0', name=op.f('ck_events_fatalities_ordered')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('source', 'source_id', 'version', name='uq_events_source_id_version')
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_country_month', ['country_gw', 'month_id'], unique=False)
        batch_op.create_index('ix_events_grid_month', ['priogrid_gid', 'month_id'], unique=False)

    op.create_table('forecast_runs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('country_iso3', sa.String(length=3), nullable=True),
    sa.Column('target', sa.String(length=10), nullable=False),
    sa.Column('model', sa.String(length=60), nullable=False),
    sa.Column('cutoff_month_id', sa.Integer(), nullable=False),
    sa.Column('data_vintage', sa.Text(), nullable=False),
    sa.Column('n_draws', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['country_iso3'], ['countries.iso3'], name=op.f('fk_forecast_runs_country_iso3_countries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forecast_runs'))
    )
    op.create_table('forecast_values',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('month_id', sa.Integer(), nullable=False),
    sa.Column('mean', sa.Float(), nullable=False),
    sa.Column('q05', sa.Float(), nullable=False),
    sa.Column('q50', sa.Float(), nullable=False),
    sa.Column('q95', sa.Float(), nullable=False),
    sa.Column('p_gt0', sa.Float(), nullable=False),
    sa.Column('p_ge25', sa.Float(), nullable=False),
    sa.Column('p_ge100', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['forecast_runs.id'], name=op.f('fk_forecast_values_run_id_forecast_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'unit', 'month_id', name=op.f('pk_forecast_values'))
    )


def downgrade() -> None:
    op.drop_table('forecast_values')
    op.drop_table('forecast_runs')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_grid_month')
        batch_op.drop_index('ix_events_country_month')

    op.drop_table('events')
