"""The only package that writes SQL: engine, tables, migrations and repositories."""

from peaceops.storage.engine import hold_lock, make_engine, transaction
from peaceops.storage.migrate import current_revision, head_revision, upgrade

__all__ = [
    "current_revision",
    "head_revision",
    "hold_lock",
    "make_engine",
    "transaction",
    "upgrade",
]
