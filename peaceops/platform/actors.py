"""Organisations: funders, implementers, oversight bodies, civil society."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import Engine

from peaceops.domain.access import Permission, Principal
from peaceops.domain.actors import Actor, ActorCategory, OrganisationType
from peaceops.errors import InputError
from peaceops.platform.access import require, require_own_organisation
from peaceops.storage import transaction
from peaceops.storage.repositories import actors as repo

EDITABLE = (
    "name",
    "acronym",
    "category",
    "org_type",
    "iati_org_id",
    "country_iso3",
    "name_variants",
)


class ActorsService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def list(
        self, *, category: ActorCategory | None = None, query: str | None = None
    ) -> builtins.list[Actor]:
        with transaction(self._engine, write=False) as conn:
            return repo.list_actors(conn, category=category, query_text=query)

    def get(self, actor_id: int) -> Actor:
        with transaction(self._engine, write=False) as conn:
            return repo.get_actor(conn, actor_id)

    def resolve(self, name: str) -> Actor | None:
        """The actor a written name, acronym or IATI identifier refers to, if any."""
        return next((a for a in self.list() if a.matches(name)), None)

    def create(self, actor: Actor, *, by: Principal) -> Actor:
        require(by, Permission.EDIT_ACTORS)
        with transaction(self._engine) as conn:
            new_id = repo.create_actor(conn, by, actor)
            return repo.get_actor(conn, new_id)

    def update(self, actor_id: int, changes: dict[str, Any], *, by: Principal) -> Actor:
        require_own_organisation(by, actor_id)
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise InputError(f"cannot change {', '.join(sorted(unknown))}", field=min(unknown))
        try:
            wanted = {
                k: (
                    ActorCategory(v).value
                    if k == "category"
                    else int(OrganisationType(v))
                    if k == "org_type"
                    else list(v or ())  # null clears the variants, as it clears an acronym
                    if k == "name_variants"
                    else v
                )
                for k, v in changes.items()
            }
        except ValueError as exc:
            raise InputError(str(exc), field=next(iter(changes))) from exc
        with transaction(self._engine) as conn:
            values = {**repo.actor_values(repo.get_actor(conn, actor_id)), **wanted}
            repo.update_actor(conn, by, actor_id, values)
            return repo.get_actor(conn, actor_id)
