"""National institutions and their sites."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import Engine

from peaceops.domain.access import Permission, Principal
from peaceops.domain.institutions import Institution, InstitutionType, Site
from peaceops.errors import InputError
from peaceops.platform.access import require
from peaceops.storage import transaction
from peaceops.storage.repositories import institutions as repo
from peaceops.storage.repositories import places

EDITABLE = ("name", "acronym", "type", "parent_id", "description")


class InstitutionsService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def list(
        self, *, country: str | None = None, type: InstitutionType | None = None
    ) -> builtins.list[Institution]:
        with transaction(self._engine, write=False) as conn:
            return repo.list_institutions(conn, country_iso3=country, type=type)

    def get(self, institution_id: int) -> Institution:
        with transaction(self._engine, write=False) as conn:
            return repo.get_institution(conn, institution_id)

    def create(self, institution: Institution, *, by: Principal) -> Institution:
        require(by, Permission.EDIT_REFERENCE)
        with transaction(self._engine) as conn:
            places.get_country(conn, institution.country_iso3)
            if institution.parent_id is not None:
                parent = repo.get_institution(conn, institution.parent_id)
                if parent.country_iso3 != institution.country_iso3:
                    raise InputError(
                        "the parent institution is in another country", field="parent_id"
                    )
            new_id = repo.create_institution(conn, by, institution)
            return repo.get_institution(conn, new_id)

    def update(self, institution_id: int, changes: dict[str, Any], *, by: Principal) -> Institution:
        require(by, Permission.EDIT_REFERENCE)
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise InputError(f"cannot change {', '.join(sorted(unknown))}", field=min(unknown))
        values = {k: (v.value if isinstance(v, InstitutionType) else v) for k, v in changes.items()}
        if values.get("parent_id") == institution_id:
            raise InputError("an institution cannot be its own parent", field="parent_id")
        with transaction(self._engine) as conn:
            repo.update_institution(conn, by, institution_id, values)
            return repo.get_institution(conn, institution_id)

    def delete(self, institution_id: int, *, by: Principal) -> None:
        require(by, Permission.EDIT_REFERENCE)
        with transaction(self._engine) as conn:
            repo.delete_institution(conn, by, institution_id)

    def sites(
        self, *, institution_id: int | None = None, country: str | None = None
    ) -> builtins.list[Site]:
        with transaction(self._engine, write=False) as conn:
            return repo.list_sites(conn, institution_id=institution_id, country_iso3=country)

    def add_site(self, site: Site, *, by: Principal) -> int:
        require(by, Permission.EDIT_REFERENCE)
        with transaction(self._engine) as conn:
            repo.get_institution(conn, site.institution_id)
            return repo.create_site(conn, by, site)

    def site_counts(self, country: str) -> dict[int, int]:
        with transaction(self._engine, write=False) as conn:
            return repo.count_sites_by_institution(conn, country)
