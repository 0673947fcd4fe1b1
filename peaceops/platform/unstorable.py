"""Values a file brings that PostgreSQL refuses, refused as bad input naming the file.

SQLite stores text longer than its column, NUL bytes in text and large integers; PostgreSQL
refuses them with a ``DataError`` in the middle of the import's transaction, which then rolls
back. The importers check the lengths and ranges they know of; this is the net under them:
whatever value still slips through ends the import as an ``InputError`` naming the file (and
the table), with nothing written, instead of a database error.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DataError

from peaceops.errors import InputError

P = ParamSpec("P")
R = TypeVar("R")
_TABLE = re.compile(r"\b(?:INSERT INTO|UPDATE|FROM)\s+(\w+)", re.IGNORECASE)


def refusal(exc: DataError, source: str | None) -> InputError:
    """The ``InputError`` for a value the database refused while importing ``source``."""
    table = _TABLE.search(exc.statement or "")
    reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "refused"
    where = f" in {table.group(1)}" if table else ""
    return InputError(
        f"a value the database cannot store{where} ({reason}): shorten the text, remove NUL "
        "bytes or correct the number; nothing was imported",
        source=source,
    )


def refuse_unstorable(method: Callable[P, R]) -> Callable[P, R]:
    """Turn a ``DataError`` of an import method into ``InputError`` naming its file (the first
    ``Path`` argument)."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except DataError as exc:
            path = next((a for a in (*args, *kwargs.values()) if isinstance(a, Path)), None)
            raise refusal(exc, path.name if path else None) from None

    return wrapper


__all__ = ["refusal", "refuse_unstorable"]
