"""Peacekeeping deployments: one row per mission, place and month (or year, as month 0)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update

from peaceops.domain.incidents import Deployment
from peaceops.storage.tables import deployments

Key = tuple[str, str, int, int, str, float, float]
"""source, mission, year, month (0 for a year), place, longitude, latitude."""
VALUE_COLUMNS = ("country", "troops", "units", "contributors", "is_hq", "admin_area_id")


def key_of(d: Deployment) -> Key:
    return (d.source, d.mission, d.year, d.month or 0, d.location, d.lon, d.lat)


def values_of(d: Deployment) -> dict[str, Any]:
    """The stored values outside the key."""
    return {
        "country": d.country,
        "troops": d.troops,
        "units": dict(sorted(d.units.items())),
        "contributors": list(d.contributors),
        "is_hq": d.is_hq,
        "admin_area_id": d.admin_area_id,
    }


def row_of(d: Deployment) -> dict[str, Any]:
    source, mission, year, month, location, lon, lat = key_of(d)
    return {
        "source": source,
        "mission": mission,
        "year": year,
        "month": month,
        "location": location,
        "lon": lon,
        "lat": lat,
        **values_of(d),
    }


def existing(
    conn: Connection, *, sources: Collection[str], missions: Collection[str]
) -> dict[Key, tuple[int, dict[str, Any]]]:
    """Stored rows of these sources and missions: key -> (id, values)."""
    if not sources or not missions:
        return {}
    query = select(deployments).where(
        deployments.c.source.in_(sorted(sources)), deployments.c.mission.in_(sorted(missions))
    )
    found: dict[Key, tuple[int, dict[str, Any]]] = {}
    for r in conn.execute(query).mappings():
        key = (r["source"], r["mission"], r["year"], r["month"], r["location"], r["lon"], r["lat"])
        values = {c: r[c] for c in VALUE_COLUMNS}
        values["units"] = dict(sorted((values["units"] or {}).items()))
        values["contributors"] = list(values["contributors"] or [])
        found[key] = (r["id"], values)
    return found


def insert_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(deployments), list(rows))


def update_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Rows of ``{"row_id": ..., <value columns>}``."""
    if rows:
        statement = (
            update(deployments)
            .where(deployments.c.id == bindparam("row_id"))
            .values({c: bindparam(c) for c in VALUE_COLUMNS})
        )
        conn.execute(statement, list(rows))


def _deployment(r: Any) -> Deployment:
    return Deployment(
        mission=r["mission"],
        location=r["location"],
        year=r["year"],
        month=r["month"] or None,
        lon=r["lon"],
        lat=r["lat"],
        country=r["country"],
        troops=r["troops"],
        units=dict(r["units"] or {}),
        contributors=tuple(r["contributors"] or ()),
        is_hq=bool(r["is_hq"]),
        source=r["source"],
        admin_area_id=r["admin_area_id"],
        id=r["id"],
    )


def list_deployments(
    conn: Connection,
    *,
    mission: str | None = None,
    year: int | None = None,
    month: int | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    country: str | None = None,
    source: str | None = None,
) -> list[Deployment]:
    """Matching rows, by mission, year, month, place. ``month`` 0 keeps the yearly rows; a box
    whose west edge lies east of its east edge crosses the antimeridian."""
    query = select(deployments).order_by(
        deployments.c.mission,
        deployments.c.year,
        deployments.c.month,
        deployments.c.troops.desc().nulls_last(),
        deployments.c.location,
        deployments.c.id,
    )
    if mission is not None:
        query = query.where(deployments.c.mission == mission)
    if year is not None:
        query = query.where(deployments.c.year == year)
    if month is not None:
        query = query.where(deployments.c.month == month)
    if country is not None:
        query = query.where(deployments.c.country == country)
    if source is not None:
        query = query.where(deployments.c.source == source)
    if bbox is not None:
        west, south, east, north = bbox
        lon = deployments.c.lon
        across = or_(lon >= west, lon <= east) if west > east else and_(lon >= west, lon <= east)
        query = query.where(across, deployments.c.lat >= south, deployments.c.lat <= north)
    return [_deployment(r) for r in conn.execute(query).mappings()]


def yearly_totals(conn: Connection, mission: str) -> dict[int, tuple[int, int]]:
    """year -> (places, troops) from the yearly rows (troops: the sum of places' averages)."""
    query = (
        select(deployments.c.year, func.count(), func.coalesce(func.sum(deployments.c.troops), 0))
        .where(deployments.c.mission == mission, deployments.c.month == 0)
        .group_by(deployments.c.year)
    )
    return {int(y): (int(n), int(t)) for y, n, t in conn.execute(query)}


def monthly_totals(conn: Connection, mission: str) -> dict[tuple[int, int], int]:
    """(year, month) -> troops, from the monthly rows."""
    query = (
        select(
            deployments.c.year,
            deployments.c.month,
            func.coalesce(func.sum(deployments.c.troops), 0),
        )
        .where(deployments.c.mission == mission, deployments.c.month > 0)
        .group_by(deployments.c.year, deployments.c.month)
    )
    return {(int(y), int(m)): int(t) for y, m, t in conn.execute(query)}


def places_by_year(conn: Connection, mission: str, *, monthly: bool) -> dict[int, int]:
    """year -> number of distinct place names among the monthly (or yearly) rows."""
    month = deployments.c.month > 0 if monthly else deployments.c.month == 0
    query = (
        select(deployments.c.year, func.count(func.distinct(deployments.c.location)))
        .where(deployments.c.mission == mission, month)
        .group_by(deployments.c.year)
    )
    return {int(y): int(n) for y, n in conn.execute(query)}


def periods(conn: Connection, mission: str) -> list[tuple[int, int]]:
    """(year, month) pairs holding rows of a mission, month 0 for yearly rows."""
    query = (
        select(deployments.c.year, deployments.c.month)
        .where(deployments.c.mission == mission)
        .distinct()
        .order_by(deployments.c.year, deployments.c.month)
    )
    return [(int(y), int(m)) for y, m in conn.execute(query)]


def missions_summary(conn: Connection) -> list[dict[str, Any]]:
    """Per mission: first and last year, rows, distinct places, countries."""
    query = (
        select(
            deployments.c.mission,
            func.min(deployments.c.year),
            func.max(deployments.c.year),
            func.count(),
            func.count(func.distinct(deployments.c.location)),
        )
        .group_by(deployments.c.mission)
        .order_by(deployments.c.mission)
    )
    out = [
        {"mission": m, "first": int(a), "last": int(b), "records": int(n), "places": int(p)}
        for m, a, b, n, p in conn.execute(query)
    ]
    countries: dict[str, list[str]] = {}
    for mission, country in conn.execute(
        select(deployments.c.mission, deployments.c.country)
        .distinct()
        .order_by(deployments.c.mission, deployments.c.country)
    ):
        if country:
            countries.setdefault(mission, []).append(country)
    for item in out:
        item["countries"] = countries.get(item["mission"], [])
    return out
