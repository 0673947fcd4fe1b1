"""Alembic environment: the engine comes from ``peaceops.storage.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from peaceops.storage import tables  # noqa: F401  (registers every table on the metadata)
from peaceops.storage.migrate import include_object
from peaceops.storage.tables import metadata

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through peaceops.storage.migrate (peaceops db upgrade)")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=engine.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
