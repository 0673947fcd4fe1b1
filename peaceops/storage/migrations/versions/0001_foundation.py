"""Foundation: places, missions, institutions, actors, users, sessions, tokens, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-21 05:29:42.036410
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from peaceops.storage.types import UTCDateTime

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('via', sa.String(length=20), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('entity', sa.String(length=60), nullable=False),
    sa.Column('entity_id', sa.String(length=100), nullable=True),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_log_entity', ['entity', 'entity_id'], unique=False)

    op.create_table('countries',
    sa.Column('iso3', sa.String(length=3), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('iso2', sa.String(length=2), nullable=True),
    sa.Column('numeric', sa.Integer(), nullable=True),
    sa.Column('gw_code', sa.Integer(), nullable=True),
    sa.Column('ucdp_id', sa.Integer(), nullable=True),
    sa.Column('fictional', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('iso3', name=op.f('pk_countries')),
    sa.UniqueConstraint('gw_code', name=op.f('uq_countries_gw_code'))
    )
    op.create_table('missions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('acronym', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('organisation', sa.String(length=20), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_missions')),
    sa.UniqueConstraint('acronym', name=op.f('uq_missions_acronym'))
    )
    op.create_table('actors',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('acronym', sa.String(length=40), nullable=True),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('org_type', sa.SmallInteger(), nullable=False),
    sa.Column('iati_org_id', sa.String(length=100), nullable=True),
    sa.Column('country_iso3', sa.String(length=3), nullable=True),
    sa.Column('name_variants', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['country_iso3'], ['countries.iso3'], name=op.f('fk_actors_country_iso3_countries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actors')),
    sa.UniqueConstraint('iati_org_id', name=op.f('uq_actors_iati_org_id')),
    sa.UniqueConstraint('name', name=op.f('uq_actors_name'))
    )
    op.create_table('admin_areas',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('country_iso3', sa.String(length=3), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('pcode', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('geometry', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('min_lon', sa.Float(), nullable=False),
    sa.Column('min_lat', sa.Float(), nullable=False),
    sa.Column('max_lon', sa.Float(), nullable=False),
    sa.Column('max_lat', sa.Float(), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=True),
    sa.CheckConstraint('level BETWEEN 1 AND 4', name=op.f('ck_admin_areas_level_range')),
    sa.ForeignKeyConstraint(['country_iso3'], ['countries.iso3'], name=op.f('fk_admin_areas_country_iso3_countries')),
    sa.ForeignKeyConstraint(['parent_id'], ['admin_areas.id'], name=op.f('fk_admin_areas_parent_id_admin_areas'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_areas')),
    sa.UniqueConstraint('country_iso3', 'pcode', name='uq_admin_areas_country_pcode')
    )
    with op.batch_alter_table('admin_areas', schema=None) as batch_op:
        batch_op.create_index('ix_admin_areas_country_level', ['country_iso3', 'level'], unique=False)

    op.create_table('institutions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('country_iso3', sa.String(length=3), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('acronym', sa.String(length=40), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['country_iso3'], ['countries.iso3'], name=op.f('fk_institutions_country_iso3_countries')),
    sa.ForeignKeyConstraint(['parent_id'], ['institutions.id'], name=op.f('fk_institutions_parent_id_institutions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institutions')),
    sa.UniqueConstraint('country_iso3', 'name', name='uq_institutions_country_name')
    )
    op.create_table('mandate_periods',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('mission_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('resolution', sa.String(length=100), nullable=True),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_mandate_periods_dates_ordered')),
    sa.ForeignKeyConstraint(['mission_id'], ['missions.id'], name=op.f('fk_mandate_periods_mission_id_missions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mandate_periods'))
    )
    op.create_table('mission_countries',
    sa.Column('mission_id', sa.Integer(), nullable=False),
    sa.Column('country_iso3', sa.String(length=3), nullable=False),
    sa.ForeignKeyConstraint(['country_iso3'], ['countries.iso3'], name=op.f('fk_mission_countries_country_iso3_countries')),
    sa.ForeignKeyConstraint(['mission_id'], ['missions.id'], name=op.f('fk_mission_countries_mission_id_missions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('mission_id', 'country_iso3', name=op.f('pk_mission_countries'))
    )
    op.create_table('mandate_tasks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['mandate_periods.id'], name=op.f('fk_mandate_tasks_period_id_mandate_periods'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mandate_tasks'))
    )
    op.create_table('settlements',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('country_iso3', sa.String(length=3), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('admin_area_id', sa.Integer(), nullable=True),
    sa.Column('is_capital', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['admin_area_id'], ['admin_areas.id'], name=op.f('fk_settlements_admin_area_id_admin_areas'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['country_iso3'], ['countries.iso3'], name=op.f('fk_settlements_country_iso3_countries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlements')),
    sa.UniqueConstraint('country_iso3', 'name', name='uq_settlements_country_name')
    )
    op.create_table('sites',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('admin_area_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['admin_area_id'], ['admin_areas.id'], name=op.f('fk_sites_admin_area_id_admin_areas'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_sites_institution_id_institutions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites')),
    sa.UniqueConstraint('institution_id', 'name', name='uq_sites_institution_name')
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=300), nullable=True),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', UTCDateTime(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('last_login_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_users_actor_id_actors'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('last_used_at', UTCDateTime(), nullable=True),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_table('web_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_web_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_web_sessions'))
    )

    # The audit log is append-only: the database itself refuses UPDATE and DELETE on it.
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_log is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    op.drop_table('web_sessions')
    op.drop_table('api_tokens')
    op.drop_table('users')
    op.drop_table('sites')
    op.drop_table('settlements')
    op.drop_table('mandate_tasks')
    op.drop_table('mission_countries')
    op.drop_table('mandate_periods')
    op.drop_table('institutions')
    with op.batch_alter_table('admin_areas', schema=None) as batch_op:
        batch_op.drop_index('ix_admin_areas_country_level')

    op.drop_table('admin_areas')
    op.drop_table('actors')
    op.drop_table('missions')
    op.drop_table('countries')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_entity')
        batch_op.drop_index('ix_audit_log_at')

    op.drop_table('audit_log')
