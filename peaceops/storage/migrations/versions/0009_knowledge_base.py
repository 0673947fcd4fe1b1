"""The knowledge base: documents, passages with their embeddings and themes, trained theme
models; full-text search by engine (FTS5 on SQLite; on PostgreSQL a stored, generated
``tsvector`` column, the heading weighted above the text, under a GIN index).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from peaceops.storage.types import JSONType, UTCDateTime

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

SQLITE_FTS = (
    "CREATE VIRTUAL TABLE passages_fts USING fts5(heading, text, content='passages', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER passages_fts_insert AFTER INSERT ON passages BEGIN "
    "INSERT INTO passages_fts(rowid, heading, text) VALUES (new.id, new.heading, new.text); END",
    "CREATE TRIGGER passages_fts_delete AFTER DELETE ON passages BEGIN "
    "INSERT INTO passages_fts(passages_fts, rowid, heading, text) "
    "VALUES ('delete', old.id, old.heading, old.text); END",
    "CREATE TRIGGER passages_fts_update AFTER UPDATE OF heading, text ON passages BEGIN "
    "INSERT INTO passages_fts(passages_fts, rowid, heading, text) "
    "VALUES ('delete', old.id, old.heading, old.text); "
    "INSERT INTO passages_fts(rowid, heading, text) VALUES (new.id, new.heading, new.text); END",
)
POSTGRES_FTS = (
    "ALTER TABLE passages ADD COLUMN passages_fts tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', heading), 'A') || "
    "setweight(to_tsvector('english', text), 'B')) STORED",
    "CREATE INDEX ix_passages_fts ON passages USING gin (passages_fts)",
)


def upgrade() -> None:
    op.create_table('documents',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('symbol', sa.String(length=60), nullable=True),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('missions', JSONType, nullable=False),
    sa.Column('countries', JSONType, nullable=False),
    sa.Column('source_name', sa.String(length=300), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('chars', sa.Integer(), nullable=False),
    sa.Column('passage_count', sa.Integer(), nullable=False),
    sa.Column('added_at', UTCDateTime(), nullable=False),
    sa.Column('added_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('digest', name='uq_documents_digest')
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_date', ['date'], unique=False)
        batch_op.create_index('ix_documents_symbol', ['symbol'], unique=False)

    op.create_table('passages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=True),
    sa.Column('heading', sa.String(length=500), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('themes', JSONType, nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_passages_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_passages')),
    sa.UniqueConstraint('document_id', 'ordinal', name='uq_passages_document_ordinal')
    )
    op.create_table('theme_models',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('trained_at', UTCDateTime(), nullable=False),
    sa.Column('trained_by', sa.String(length=120), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('scores', JSONType, nullable=False),
    sa.Column('model', JSONType, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme_models'))
    )
    statements = SQLITE_FTS if op.get_bind().dialect.name == "sqlite" else POSTGRES_FTS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS passages_fts")
    op.drop_table('theme_models')
    op.drop_table('passages')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_symbol')
        batch_op.drop_index('ix_documents_date')
    op.drop_table('documents')
