"""Peace operations, their countries and mandate periods."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, select

from peaceops.domain.access import Principal
from peaceops.domain.audit import AuditAction
from peaceops.domain.missions import (
    MandatePeriod,
    MandateTask,
    MandateTaskArea,
    Mission,
    MissionOrganisation,
)
from peaceops.errors import ConflictError, NotFound
from peaceops.storage.repositories import audited
from peaceops.storage.tables import mandate_periods, mandate_tasks, mission_countries, missions


def list_missions(conn: Connection, *, country_iso3: str | None = None) -> list[Mission]:
    query = select(missions).order_by(missions.c.start_date.desc(), missions.c.acronym)
    if country_iso3:
        query = query.where(
            missions.c.id.in_(
                select(mission_countries.c.mission_id).where(
                    mission_countries.c.country_iso3 == country_iso3
                )
            )
        )
    rows = conn.execute(query).mappings().all()
    ids = [r["id"] for r in rows]
    if not ids:
        return []
    countries: dict[int, list[str]] = defaultdict(list)
    for mid, iso3 in conn.execute(
        select(mission_countries.c.mission_id, mission_countries.c.country_iso3)
        .where(mission_countries.c.mission_id.in_(ids))
        .order_by(mission_countries.c.country_iso3)
    ):
        countries[mid].append(iso3)
    tasks: dict[int, list[MandateTask]] = defaultdict(list)
    for pid, area, text in conn.execute(
        select(mandate_tasks.c.period_id, mandate_tasks.c.area, mandate_tasks.c.text)
        .join(mandate_periods, mandate_periods.c.id == mandate_tasks.c.period_id)
        .where(mandate_periods.c.mission_id.in_(ids))
        .order_by(mandate_tasks.c.id)
    ):
        tasks[pid].append(MandateTask(MandateTaskArea(area), text))
    periods: dict[int, list[MandatePeriod]] = defaultdict(list)
    for p in conn.execute(
        select(mandate_periods)
        .where(mandate_periods.c.mission_id.in_(ids))
        .order_by(mandate_periods.c.start_date)
    ).mappings():
        periods[p["mission_id"]].append(
            MandatePeriod(
                id=p["id"],
                start=p["start_date"],
                end=p["end_date"],
                resolution=p["resolution"],
                tasks=tuple(tasks[p["id"]]),
            )
        )
    return [
        Mission(
            id=r["id"],
            acronym=r["acronym"],
            name=r["name"],
            organisation=MissionOrganisation(r["organisation"]),
            start=r["start_date"],
            end=r["end_date"],
            countries=tuple(countries[r["id"]]),
            mandates=tuple(periods[r["id"]]),
        )
        for r in rows
    ]


def get_mission(conn: Connection, mission_id: int) -> Mission:
    for m in list_missions(conn):
        if m.id == mission_id:
            return m
    raise NotFound(f"mission {mission_id} does not exist")


def create_mission(conn: Connection, by: Principal, mission: Mission) -> int:
    taken = conn.execute(
        select(missions.c.id).where(missions.c.acronym == mission.acronym)
    ).scalar_one_or_none()
    if taken is not None:
        raise ConflictError(f"a mission with acronym {mission.acronym!r} exists already")
    mission_id: int = audited.create(
        conn,
        by,
        missions,
        {
            "acronym": mission.acronym,
            "name": mission.name,
            "organisation": mission.organisation.value,
            "start_date": mission.start,
            "end_date": mission.end,
        },
    )
    for iso3 in mission.countries:
        conn.execute(mission_countries.insert().values(mission_id=mission_id, country_iso3=iso3))
    for period in mission.mandates:
        add_mandate(conn, by, mission_id, period)
    return mission_id


def add_mandate(conn: Connection, by: Principal, mission_id: int, period: MandatePeriod) -> int:
    period_id: int = audited.create(
        conn,
        by,
        mandate_periods,
        {
            "mission_id": mission_id,
            "start_date": period.start,
            "end_date": period.end,
            "resolution": period.resolution,
        },
    )
    if period.tasks:
        conn.execute(
            mandate_tasks.insert(),
            [{"period_id": period_id, "area": t.area.value, "text": t.text} for t in period.tasks],
        )
    return period_id


def find_mission_id(conn: Connection, acronym: str) -> int | None:
    found: int | None = conn.execute(
        select(missions.c.id).where(missions.c.acronym == acronym)
    ).scalar_one_or_none()
    return found


def update_mission(conn: Connection, by: Principal, mission_id: int, mission: Mission) -> bool:
    """Bring a stored mission's name, organisation, dates and countries in line with
    ``mission`` (mandates are left alone); returns whether anything changed."""
    changed = audited.change(
        conn,
        by,
        missions,
        mission_id,
        {
            "name": mission.name,
            "organisation": mission.organisation.value,
            "start_date": mission.start,
            "end_date": mission.end,
        },
    )
    stored = sorted(
        conn.execute(
            select(mission_countries.c.country_iso3).where(
                mission_countries.c.mission_id == mission_id
            )
        ).scalars()
    )
    wanted = sorted(set(mission.countries))
    if stored != wanted:
        conn.execute(mission_countries.delete().where(mission_countries.c.mission_id == mission_id))
        for iso3 in wanted:
            conn.execute(
                mission_countries.insert().values(mission_id=mission_id, country_iso3=iso3)
            )
        audited.record(
            conn,
            by,
            AuditAction.UPDATE,
            "mission_countries",
            mission_id,
            before={"countries": stored},
            after={"countries": wanted},
        )
        changed = True
    return changed
