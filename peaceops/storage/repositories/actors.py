"""Organisations (actors)."""

from __future__ import annotations

from sqlalchemy import Connection, RowMapping, or_, select

from peaceops.domain.access import Principal
from peaceops.domain.actors import Actor, ActorCategory, OrganisationType
from peaceops.errors import ConflictError, NotFound
from peaceops.storage.repositories import audited
from peaceops.storage.tables import actors


def _actor(row: RowMapping) -> Actor:
    return Actor(
        id=row["id"],
        name=row["name"],
        acronym=row["acronym"],
        category=ActorCategory(row["category"]),
        org_type=OrganisationType(row["org_type"]),
        iati_org_id=row["iati_org_id"],
        country_iso3=row["country_iso3"],
        name_variants=tuple(row["name_variants"] or ()),
    )


def list_actors(
    conn: Connection, *, category: ActorCategory | None = None, query_text: str | None = None
) -> list[Actor]:
    query = select(actors).order_by(actors.c.name)
    if category:
        query = query.where(actors.c.category == category.value)
    if query_text:
        like = f"%{query_text}%"
        query = query.where(or_(actors.c.name.ilike(like), actors.c.acronym.ilike(like)))
    return [_actor(r) for r in conn.execute(query).mappings()]


def get_actor(conn: Connection, actor_id: int) -> Actor:
    row = conn.execute(select(actors).where(actors.c.id == actor_id)).mappings().first()
    if row is None:
        raise NotFound(f"actor {actor_id} does not exist")
    return _actor(row)


def actor_values(actor: Actor) -> dict[str, object]:
    return {
        "name": actor.name,
        "acronym": actor.acronym,
        "category": actor.category.value,
        "org_type": int(actor.org_type),
        # A blank identifier is none: the column is unique, but only among identifiers given.
        "iati_org_id": actor.iati_org_id or None,
        "country_iso3": actor.country_iso3,
        "name_variants": list(actor.name_variants),
    }


def create_actor(conn: Connection, by: Principal, actor: Actor) -> int:
    conditions = [actors.c.name == actor.name]
    if actor.iati_org_id:
        conditions.append(actors.c.iati_org_id == actor.iati_org_id)
    clash = conn.execute(select(actors.c.name).where(or_(*conditions))).scalars().first()
    if clash is not None:
        raise ConflictError(f"an actor with this name or IATI identifier exists: {clash!r}")
    new_id: int = audited.create(conn, by, actors, actor_values(actor))
    return new_id


def update_actor(conn: Connection, by: Principal, actor_id: int, values: dict[str, object]) -> bool:
    if "iati_org_id" in values:
        values = {**values, "iati_org_id": values["iati_org_id"] or None}
    return audited.change(conn, by, actors, actor_id, values)
