"""Events and stored forecasts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Integer, and_, cast, delete, func, insert, select, update

from peaceops.domain.events import Event
from peaceops.storage.repositories import versions
from peaceops.storage.tables import events, forecast_runs, forecast_values

GridCell = tuple[int, int, int, int, float, float]
"""(column, row, events, fatalities, mean longitude, mean latitude) of a grid cell."""
VERSION = "events"
"""The name of the events' counter in ``data_versions``."""

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
        versions.bump(conn, VERSION)


def update_event(conn: Connection, row_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(events).where(events.c.id == row_id).values(**values))
    versions.bump(conn, VERSION)


def find_event(
    conn: Connection, source: str, source_id: str, version: str
) -> dict[str, Any] | None:
    """The stored row of one event (by its source, id and version), or None."""
    query = select(events).where(
        events.c.source == source, events.c.source_id == source_id, events.c.version == version
    )
    row = conn.execute(query).mappings().first()
    return None if row is None else dict(row)


def delete_event(conn: Connection, row_id: int) -> None:
    conn.execute(delete(events).where(events.c.id == row_id))
    versions.bump(conn, VERSION)


def data_version(conn: Connection) -> int:
    """The events' counter: it changes with every insert, update or delete of an event."""
    return versions.current(conn, VERSION)


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


_POINT_COLUMNS = (
    events.c.lon,
    events.c.lat,
    events.c.best,
    events.c.id,
    events.c.date_start,
    events.c.type_of_violence,
    events.c.source,
    events.c.conflict_name,
)


def _window(
    bbox: tuple[float, float, float, float],
    since_month: int,
    until_month: int,
    types: Iterable[int] | None,
) -> list[Any]:
    west, south, east, north = bbox
    where: list[Any] = [
        events.c.month_id >= since_month,
        events.c.month_id <= until_month,
        events.c.lon >= west,
        events.c.lon <= east,
        events.c.lat >= south,
        events.c.lat <= north,
    ]
    if types is not None:
        where.append(events.c.type_of_violence.in_(list(types)))
    return where


def events_in_window(
    conn: Connection,
    *,
    bbox: tuple[float, float, float, float],
    since_month: int,
    until_month: int,
    types: Iterable[int] | None = None,
    limit: int,
) -> list[tuple[Any, ...]]:
    """Up to ``limit`` events of a window, latest first, as
    (lon, lat, best, id, date_start, type_of_violence, source, conflict_name)."""
    query = (
        select(*_POINT_COLUMNS)
        .where(*_window(bbox, since_month, until_month, types))
        .order_by(events.c.date_start.desc(), events.c.id.desc())
        .limit(limit)
    )
    return [tuple(r) for r in conn.execute(query)]


def count_in_window(
    conn: Connection,
    *,
    bbox: tuple[float, float, float, float],
    since_month: int,
    until_month: int,
    types: Iterable[int] | None = None,
    limit: int | None = None,
) -> int:
    """How many events a window holds; with ``limit``, counting stops past it."""
    query = select(events.c.id).where(*_window(bbox, since_month, until_month, types))
    if limit is not None:
        query = query.limit(limit + 1)
    return int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())


def grid_cells_in_window(
    conn: Connection,
    *,
    bbox: tuple[float, float, float, float],
    since_month: int,
    until_month: int,
    cell: float,
    types: Iterable[int] | None = None,
) -> list[GridCell]:
    """(column, row, events, fatalities, mean lon, mean lat) per non-empty grid cell.

    Cells are squares of ``cell`` degrees anchored at (-180, -90), as in
    ``analytics.clustering``. The database does the grouping, so only one row per cell
    leaves it: the whole GED history at a world zoom is a few hundred rows, not 400,000.
    Longitudes and latitudes shifted by 180 and 90 are never negative, so truncation
    (SQLite's ``CAST AS INTEGER``) is the floor; PostgreSQL's cast rounds, so it gets
    ``floor`` instead.
    """
    shifted_x = (events.c.lon + 180.0) / cell
    shifted_y = (events.c.lat + 90.0) / cell
    if conn.dialect.name == "sqlite":
        col = cast(shifted_x, Integer).label("col")
        row = cast(shifted_y, Integer).label("row")
    else:
        col = cast(func.floor(shifted_x), Integer).label("col")
        row = cast(func.floor(shifted_y), Integer).label("row")
    query = (
        select(
            col,
            row,
            func.count().label("n"),
            func.coalesce(func.sum(events.c.best), 0).label("deaths"),
            func.avg(events.c.lon).label("lon"),
            func.avg(events.c.lat).label("lat"),
        )
        .where(*_window(bbox, since_month, until_month, types))
        .group_by(col, row)
        .order_by(col, row)
    )
    return [
        (int(c), int(r), int(n), int(d), float(x), float(y))
        for c, r, n, d, x, y in conn.execute(query)
    ]
