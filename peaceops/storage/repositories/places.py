"""Countries, admin areas and settlements."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, func, select

from peaceops.domain.access import Principal
from peaceops.domain.places import AdminArea, Country, Settlement
from peaceops.errors import NotFound
from peaceops.storage.repositories import audited
from peaceops.storage.tables import admin_areas, countries, settlements


def _country(row: RowMapping) -> Country:
    return Country(
        iso3=row["iso3"],
        name=row["name"],
        iso2=row["iso2"],
        numeric=row["numeric"],
        gw_code=row["gw_code"],
        ucdp_id=row["ucdp_id"],
        fictional=bool(row["fictional"]),
    )


def list_countries(conn: Connection, *, with_data_only: bool = False) -> list[Country]:
    query = select(countries).order_by(countries.c.name)
    if with_data_only:
        query = query.where(
            countries.c.iso3.in_(select(admin_areas.c.country_iso3).distinct())
            | countries.c.fictional.is_(True)
        )
    return [_country(r) for r in conn.execute(query).mappings()]


def get_country(conn: Connection, iso3: str) -> Country:
    row = conn.execute(select(countries).where(countries.c.iso3 == iso3.upper())).mappings().first()
    if row is None:
        raise NotFound(f"country {iso3!r} is not in the database")
    return _country(row)


def find_country(conn: Connection, iso3: str) -> Country | None:
    try:
        return get_country(conn, iso3)
    except NotFound:
        return None


def upsert_country(conn: Connection, by: Principal, country: Country) -> bool:
    """Insert or update a country; returns whether anything changed."""
    values = {
        "name": country.name,
        "iso2": country.iso2,
        "numeric": country.numeric,
        "gw_code": country.gw_code,
        "ucdp_id": country.ucdp_id,
        "fictional": country.fictional,
    }
    if find_country(conn, country.iso3) is None:
        audited.create(conn, by, countries, {"iso3": country.iso3, **values})
        return True
    return audited.change(conn, by, countries, country.iso3, values)


def bulk_insert_countries(conn: Connection, rows: Sequence[Country]) -> int:
    """Load reference countries in one statement (used by ``init``; audited as one import)."""
    existing = set(conn.execute(select(countries.c.iso3)).scalars())
    new = [
        {
            "iso3": c.iso3,
            "name": c.name,
            "iso2": c.iso2,
            "numeric": c.numeric,
            "gw_code": c.gw_code,
            "ucdp_id": c.ucdp_id,
            "fictional": c.fictional,
        }
        for c in rows
        if c.iso3 not in existing
    ]
    if new:
        conn.execute(countries.insert(), new)
    return len(new)


def _area(row: RowMapping, parent_pcode: str | None = None) -> AdminArea:
    return AdminArea(
        id=row["id"],
        country_iso3=row["country_iso3"],
        level=row["level"],
        pcode=row["pcode"],
        name=row["name"],
        geometry=row["geometry"],
        parent_pcode=parent_pcode,
        source=row["source"],
    )


def list_admin_areas(
    conn: Connection,
    country_iso3: str,
    *,
    level: int | None = None,
    with_geometry: bool = True,
) -> list[AdminArea]:
    parent = admin_areas.alias("parent")
    columns: list[Any] = [c for c in admin_areas.c if with_geometry or c.name != "geometry"]
    query = (
        select(*columns, parent.c.pcode.label("parent_pcode"))
        .outerjoin(parent, parent.c.id == admin_areas.c.parent_id)
        .where(admin_areas.c.country_iso3 == country_iso3.upper())
        .order_by(admin_areas.c.level, admin_areas.c.name)
    )
    if level is not None:
        query = query.where(admin_areas.c.level == level)
    out = []
    for row in conn.execute(query).mappings():
        data = dict(row)
        data.setdefault("geometry", {})
        out.append(_area(data, row["parent_pcode"]))  # type: ignore[arg-type]
    return out


def get_admin_area(conn: Connection, area_id: int) -> AdminArea:
    parent = admin_areas.alias("parent")
    row = (
        conn.execute(
            select(admin_areas, parent.c.pcode.label("parent_pcode"))
            .outerjoin(parent, parent.c.id == admin_areas.c.parent_id)
            .where(admin_areas.c.id == area_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"admin area {area_id} does not exist")
    return _area(row, row["parent_pcode"])


def area_ids_by_pcode(conn: Connection, country_iso3: str | None = None) -> dict[str, int]:
    """P-code to area id, in one country or in all of them."""
    query = select(admin_areas.c.pcode, admin_areas.c.id)
    if country_iso3 is not None:
        query = query.where(admin_areas.c.country_iso3 == country_iso3)
    return dict(conn.execute(query).all())


def upsert_admin_area(
    conn: Connection,
    by: Principal,
    area: AdminArea,
    *,
    bbox: tuple[float, float, float, float],
    parent_id: int | None,
) -> str:
    """Insert or update an area by (country, pcode): 'created', 'updated' or 'unchanged'."""
    values = {
        "level": area.level,
        "name": area.name,
        "parent_id": parent_id,
        "geometry": dict(area.geometry),
        "min_lon": bbox[0],
        "min_lat": bbox[1],
        "max_lon": bbox[2],
        "max_lat": bbox[3],
        "source": area.source,
    }
    existing = conn.execute(
        select(admin_areas.c.id).where(
            admin_areas.c.country_iso3 == area.country_iso3, admin_areas.c.pcode == area.pcode
        )
    ).scalar_one_or_none()
    if existing is None:
        audited.create(
            conn,
            by,
            admin_areas,
            {"country_iso3": area.country_iso3, "pcode": area.pcode, **values},
        )
        return "created"
    return "updated" if audited.change(conn, by, admin_areas, existing, values) else "unchanged"


def count_admin_areas(conn: Connection, country_iso3: str) -> dict[int, int]:
    query = (
        select(admin_areas.c.level, func.count())
        .where(admin_areas.c.country_iso3 == country_iso3)
        .group_by(admin_areas.c.level)
    )
    return dict(conn.execute(query).all())


def _settlement(row: RowMapping) -> Settlement:
    return Settlement(
        id=row["id"],
        country_iso3=row["country_iso3"],
        name=row["name"],
        lon=row["lon"],
        lat=row["lat"],
        population=row["population"],
        admin_pcode=row.get("pcode"),
        is_capital=bool(row["is_capital"]),
    )


def list_settlements(conn: Connection, country_iso3: str) -> list[Settlement]:
    query = (
        select(settlements, admin_areas.c.pcode)
        .outerjoin(admin_areas, admin_areas.c.id == settlements.c.admin_area_id)
        .where(settlements.c.country_iso3 == country_iso3)
        .order_by(settlements.c.population.desc(), settlements.c.name)
    )
    return [_settlement(r) for r in conn.execute(query).mappings()]


def create_settlements(
    conn: Connection, by: Principal, rows: Iterable[Settlement], pcode_ids: dict[str, int]
) -> int:
    n = 0
    for s in rows:
        audited.create(
            conn,
            by,
            settlements,
            {
                "country_iso3": s.country_iso3,
                "name": s.name,
                "lon": s.lon,
                "lat": s.lat,
                "population": s.population,
                "admin_area_id": pcode_ids.get(s.admin_pcode) if s.admin_pcode else None,
                "is_capital": s.is_capital,
            },
        )
        n += 1
    return n
