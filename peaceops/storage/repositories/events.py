"""Events and stored forecasts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from peaceops.domain.events import Event
from peaceops.storage.tables import events, forecast_runs, forecast_values

COLUMNS = (
    "type_of_violence",
    "date_start",
    "date_end",
    "best",
    "low",
    "high",
    "lon",
    "lat",
    "country_gw",
    "country",
    "priogrid_gid",
    "adm_1",
    "adm_2",
    "where_prec",
    "date_prec",
    "side_a",
    "side_b",
    "conflict_name",
)


def values_of(event: Event) -> dict[str, Any]:
    values = {name: getattr(event, name) for name in COLUMNS}
    values["type_of_violence"] = int(event.type_of_violence)
    values["month_id"] = event.month.month_id
    values["digest"] = hashlib.sha1(  # noqa: S324 - a change detector, not security
        repr(tuple(values[n] for n in COLUMNS)).encode()
    ).hexdigest()
    return values


def existing_digests(conn: Connection, source: str, version: str) -> dict[str, tuple[int, str]]:
    query = select(events.c.source_id, events.c.id, events.c.digest).where(
        events.c.source == source, events.c.version == version
    )
    return {sid: (row_id, digest) for sid, row_id, digest in conn.execute(query)}


def insert_events(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(events), list(rows))


def update_event(conn: Connection, row_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(events).where(events.c.id == row_id).values(**values))


def event_rows(
    conn: Connection,
    *,
    types: Iterable[int],
    until_month: int | None = None,
    country_gw: int | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> list[tuple[Any, ...]]:
    """(month_id, best, lon, lat, priogrid_gid, country_gw) of matching events."""
    query = select(
        events.c.month_id,
        events.c.best,
        events.c.lon,
        events.c.lat,
        events.c.priogrid_gid,
        events.c.country_gw,
    ).where(events.c.type_of_violence.in_(list(types)))
    if until_month is not None:
        query = query.where(events.c.month_id <= until_month)
    if country_gw is not None:
        query = query.where(events.c.country_gw == country_gw)
    if bbox is not None:
        x0, y0, x1, y1 = bbox
        query = query.where(
            and_(events.c.lon >= x0, events.c.lon <= x1, events.c.lat >= y0, events.c.lat <= y1)
        )
    return [tuple(r) for r in conn.execute(query)]


def vintage(conn: Connection) -> dict[str, Any]:
    """What event data the database holds: sources, versions, counts, last month."""
    query = select(
        events.c.source, events.c.version, func.count(), func.max(events.c.date_end)
    ).group_by(events.c.source, events.c.version)
    return {
        f"{source} {version}": {"events": int(n), "last": str(last)}
        for source, version, n, last in conn.execute(query)
    }


def create_run(conn: Connection, values: dict[str, Any], rows: Sequence[dict[str, Any]]) -> int:
    run_id: int = conn.execute(
        insert(forecast_runs).values(**values).returning(forecast_runs.c.id)
    ).scalar_one()
    if rows:
        conn.execute(insert(forecast_values), [{"run_id": run_id, **r} for r in rows])
    return run_id


def list_runs(conn: Connection, *, country_iso3: str | None = None) -> list[dict[str, Any]]:
    query = select(forecast_runs).order_by(forecast_runs.c.id.desc())
    if country_iso3:
        query = query.where(forecast_runs.c.country_iso3 == country_iso3)
    return [dict(r) for r in conn.execute(query).mappings()]


def run_values(conn: Connection, run_id: int) -> list[dict[str, Any]]:
    query = (
        select(forecast_values)
        .where(forecast_values.c.run_id == run_id)
        .order_by(forecast_values.c.unit, forecast_values.c.month_id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]
