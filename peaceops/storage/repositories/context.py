"""External governance indices (``context_values``): one row per source, indicator, country
and year.

Imports write in bulk and leave one audit entry per import (see ``platform/context.py``), not
one per value: a World Governance Indicators file alone holds some 26,000 values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from peaceops.domain.context import ContextValue
from peaceops.storage.tables import context_values, countries

Key = tuple[str, str, str, int]
"""source, indicator, country_iso3, year"""


@dataclass(frozen=True, slots=True)
class Stored:
    """A stored value with its row id, to tell an unchanged value from a changed one."""

    row_id: int
    value: ContextValue

    def same_as(self, other: ContextValue) -> bool:
        mine = self.value
        return (
            math.isclose(mine.value, other.value, rel_tol=1e-12, abs_tol=1e-15)
            and mine.label == other.label
            and mine.scale_low == other.scale_low
            and mine.scale_high == other.scale_high
            and mine.higher_is_better == other.higher_is_better
        )


def _value(row: Any) -> ContextValue:
    return ContextValue(
        source=row.source,
        indicator=row.indicator,
        label=row.label,
        country_iso3=row.country_iso3,
        year=int(row.year),
        value=float(row.value),
        scale_low=None if row.scale_low is None else float(row.scale_low),
        scale_high=None if row.scale_high is None else float(row.scale_high),
        higher_is_better=bool(row.higher_is_better),
    )


def values_of(item: ContextValue) -> dict[str, Any]:
    """The columns of one value, as the table stores them."""
    return {
        "source": item.source,
        "indicator": item.indicator,
        "label": item.label,
        "country_iso3": item.country_iso3,
        "year": item.year,
        "value": item.value,
        "scale_low": item.scale_low,
        "scale_high": item.scale_high,
        "higher_is_better": item.higher_is_better,
    }


def country_codes(conn: Connection) -> set[str]:
    """The ISO3 codes of the countries table: values for other codes cannot be stored."""
    return {code for (code,) in conn.execute(select(countries.c.iso3))}


def existing_values(conn: Connection, source: str) -> dict[Key, Stored]:
    """Every stored value of one source, by key (what an import compares against)."""
    query = select(context_values).where(context_values.c.source == source)
    found: dict[Key, Stored] = {}
    for row in conn.execute(query):
        value = _value(row)
        found[value.key] = Stored(int(row.id), value)
    return found


def insert_values(conn: Connection, items: Sequence[ContextValue]) -> int:
    if items:
        conn.execute(insert(context_values), [values_of(i) for i in items])
    return len(items)


def update_values(conn: Connection, changes: Iterable[tuple[int, ContextValue]]) -> int:
    """Rewrite changed values in place (by row id); returns how many."""
    rows = [
        {
            "row_id": row_id,
            "new_label": item.label,
            "new_value": item.value,
            "new_low": item.scale_low,
            "new_high": item.scale_high,
            "new_better": item.higher_is_better,
        }
        for row_id, item in changes
    ]
    if rows:
        statement = (
            update(context_values)
            .where(context_values.c.id == bindparam("row_id"))
            .values(
                label=bindparam("new_label"),
                value=bindparam("new_value"),
                scale_low=bindparam("new_low"),
                scale_high=bindparam("new_high"),
                higher_is_better=bindparam("new_better"),
            )
        )
        conn.execute(statement, rows)
    return len(rows)


def series(
    conn: Connection, country_iso3: str, sources: Iterable[str] | None = None
) -> list[ContextValue]:
    """A country's values, ordered by source, indicator and year."""
    query = select(context_values).where(context_values.c.country_iso3 == country_iso3)
    if sources is not None:
        query = query.where(context_values.c.source.in_(list(sources)))
    query = query.order_by(
        context_values.c.source, context_values.c.indicator, context_values.c.year
    )
    return [_value(row) for row in conn.execute(query)]


def sources_for(conn: Connection, country_iso3: str) -> list[str]:
    """The sources holding at least one value for a country, in order."""
    query = (
        select(context_values.c.source)
        .where(context_values.c.country_iso3 == country_iso3)
        .distinct()
        .order_by(context_values.c.source)
    )
    return [source for (source,) in conn.execute(query)]


__all__ = [
    "Key",
    "Stored",
    "country_codes",
    "existing_values",
    "insert_values",
    "series",
    "sources_for",
    "update_values",
    "values_of",
]
