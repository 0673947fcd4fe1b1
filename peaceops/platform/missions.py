"""Peace operations and their mandates."""

from __future__ import annotations

import builtins
from collections.abc import Iterable

from sqlalchemy import Engine

from peaceops.domain.access import Permission, Principal
from peaceops.domain.missions import MandatePeriod, Mission
from peaceops.errors import InputError
from peaceops.platform.access import require
from peaceops.storage import transaction
from peaceops.storage.repositories import missions as repo
from peaceops.storage.repositories import places


class MissionsService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def list(self, *, country: str | None = None) -> builtins.list[Mission]:
        with transaction(self._engine, write=False) as conn:
            return repo.list_missions(conn, country_iso3=country)

    def get(self, mission_id: int) -> Mission:
        with transaction(self._engine, write=False) as conn:
            return repo.get_mission(conn, mission_id)

    def create(self, mission: Mission, *, by: Principal) -> Mission:
        require(by, Permission.EDIT_REFERENCE)
        if mission.end is not None and mission.end < mission.start:
            raise InputError("the mission ends before it starts", field="end")
        for period in mission.mandates:
            if period.start < mission.start:
                raise InputError(
                    f"mandate {period.resolution or period.start} starts before the mission",
                    field="mandates",
                )
        with transaction(self._engine) as conn:
            for iso3 in mission.countries:
                places.get_country(conn, iso3)
            mission_id = repo.create_mission(conn, by, mission)
            return repo.get_mission(conn, mission_id)

    def add_mandate(self, mission_id: int, period: MandatePeriod, *, by: Principal) -> Mission:
        require(by, Permission.EDIT_REFERENCE)
        with transaction(self._engine) as conn:
            mission = repo.get_mission(conn, mission_id)
            if period.start < mission.start:
                raise InputError("the mandate starts before the mission", field="start")
            repo.add_mandate(conn, by, mission_id, period)
            return repo.get_mission(conn, mission_id)

    def save_all(
        self, items: Iterable[Mission], *, by: Principal
    ) -> builtins.list[tuple[Mission, str]]:
        """Create missions, or bring those stored under the same acronym in line (name,
        organisation, dates, countries; mandates are kept), in one transaction.

        Returns each mission with what happened to it: ``created``, ``updated`` or
        ``unchanged``. Every country must be in the database.
        """
        require(by, Permission.EDIT_REFERENCE)
        outcomes: builtins.list[tuple[Mission, str]] = []
        with transaction(self._engine) as conn:
            for mission in items:
                if mission.end is not None and mission.end < mission.start:
                    raise InputError(
                        f"{mission.acronym}: the mission ends before it starts", field="end"
                    )
                for iso3 in mission.countries:
                    places.get_country(conn, iso3)
                mission_id = repo.find_mission_id(conn, mission.acronym)
                if mission_id is None:
                    repo.create_mission(conn, by, mission)
                    outcomes.append((mission, "created"))
                elif repo.update_mission(conn, by, mission_id, mission):
                    outcomes.append((mission, "updated"))
                else:
                    outcomes.append((mission, "unchanged"))
        return outcomes
