"""Peace operations and their mandates."""

from __future__ import annotations

import builtins

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
