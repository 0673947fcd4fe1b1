"""National institutions and their sites."""

from __future__ import annotations

from sqlalchemy import Connection, RowMapping, func, select

from peaceops.domain.access import Principal
from peaceops.domain.institutions import Institution, InstitutionType, Site, SiteKind
from peaceops.errors import ConflictError, NotFound
from peaceops.storage.repositories import audited, versions
from peaceops.storage.repositories.coordination import VERSION as ACTIVITIES_VERSION
from peaceops.storage.tables import institutions, sites


def _institution(row: RowMapping) -> Institution:
    return Institution(
        id=row["id"],
        country_iso3=row["country_iso3"],
        type=InstitutionType(row["type"]),
        name=row["name"],
        acronym=row["acronym"],
        parent_id=row["parent_id"],
        description=row["description"],
    )


def list_institutions(
    conn: Connection, *, country_iso3: str | None = None, type: InstitutionType | None = None
) -> list[Institution]:
    query = select(institutions).order_by(institutions.c.type, institutions.c.name)
    if country_iso3:
        query = query.where(institutions.c.country_iso3 == country_iso3)
    if type:
        query = query.where(institutions.c.type == type.value)
    return [_institution(r) for r in conn.execute(query).mappings()]


def get_institution(conn: Connection, institution_id: int) -> Institution:
    row = (
        conn.execute(select(institutions).where(institutions.c.id == institution_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"institution {institution_id} does not exist")
    return _institution(row)


def create_institution(conn: Connection, by: Principal, inst: Institution) -> int:
    clash = conn.execute(
        select(institutions.c.id).where(
            institutions.c.country_iso3 == inst.country_iso3, institutions.c.name == inst.name
        )
    ).scalar_one_or_none()
    if clash is not None:
        raise ConflictError(f"{inst.country_iso3} already has an institution named {inst.name!r}")
    new_id: int = audited.create(
        conn,
        by,
        institutions,
        {
            "country_iso3": inst.country_iso3,
            "type": inst.type.value,
            "name": inst.name,
            "acronym": inst.acronym,
            "parent_id": inst.parent_id,
            "description": inst.description,
        },
    )
    return new_id


def update_institution(
    conn: Connection, by: Principal, institution_id: int, values: dict[str, object]
) -> bool:
    return audited.change(conn, by, institutions, institution_id, values)


def delete_institution(conn: Connection, by: Principal, institution_id: int) -> None:
    audited.remove(conn, by, institutions, institution_id)
    # Activities linked to the institution lose the link (ON DELETE CASCADE).
    versions.bump(conn, ACTIVITIES_VERSION)


def _site(row: RowMapping) -> Site:
    return Site(
        id=row["id"],
        institution_id=row["institution_id"],
        name=row["name"],
        kind=SiteKind(row["kind"]),
        lon=row["lon"],
        lat=row["lat"],
        admin_area_id=row["admin_area_id"],
    )


def list_sites(
    conn: Connection, *, institution_id: int | None = None, country_iso3: str | None = None
) -> list[Site]:
    query = select(sites).order_by(sites.c.name)
    if institution_id is not None:
        query = query.where(sites.c.institution_id == institution_id)
    if country_iso3:
        query = query.join(institutions, institutions.c.id == sites.c.institution_id).where(
            institutions.c.country_iso3 == country_iso3
        )
    return [_site(r) for r in conn.execute(query).mappings()]


def create_site(conn: Connection, by: Principal, site: Site) -> int:
    new_id: int = audited.create(
        conn,
        by,
        sites,
        {
            "institution_id": site.institution_id,
            "name": site.name,
            "kind": site.kind.value,
            "lon": site.lon,
            "lat": site.lat,
            "admin_area_id": site.admin_area_id,
        },
    )
    return new_id


def count_sites_by_institution(conn: Connection, country_iso3: str) -> dict[int, int]:
    query = (
        select(sites.c.institution_id, func.count())
        .join(institutions, institutions.c.id == sites.c.institution_id)
        .where(institutions.c.country_iso3 == country_iso3)
        .group_by(sites.c.institution_id)
    )
    return dict(conn.execute(query).all())
