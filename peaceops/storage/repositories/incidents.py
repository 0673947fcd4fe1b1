"""Incidents, their verification steps, and the events that verified incidents become.

Every write goes through ``audited`` in the caller's transaction. The event of a verified
incident is written through the events repository and logged here, one entry per change (an
import of UCDP data logs one summary instead: those are not decisions of the mission's staff).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select

from peaceops.domain.access import Principal
from peaceops.domain.audit import AuditAction
from peaceops.domain.events import Event
from peaceops.domain.incidents import (
    Attachment,
    DatePrecision,
    Incident,
    IncidentType,
    PlacePrecision,
    Verification,
    VerificationStep,
)
from peaceops.errors import NotFound
from peaceops.storage.repositories import audited
from peaceops.storage.repositories import events as events_repo
from peaceops.storage.tables import admin_areas, incident_steps, incidents

# Converting ------------------------------------------------------------------------------------


def values_of(incident: Incident) -> dict[str, Any]:
    """The stored columns of an incident (all but its id)."""
    return {
        "country_iso3": incident.country_iso3,
        "type": incident.type.value,
        "date": incident.date,
        "date_precision": incident.date_precision.value,
        "lon": incident.lon,
        "lat": incident.lat,
        "admin_area_id": incident.admin_area_id,
        "place_precision": incident.place_precision.value,
        "place_name": incident.place_name,
        "actors": list(incident.actors),
        "fatalities_best": incident.fatalities_best,
        "fatalities_low": incident.fatalities_low,
        "fatalities_high": incident.fatalities_high,
        "injured": incident.injured,
        "sources": list(incident.sources),
        "narrative": incident.narrative,
        "attachments": [attachment_values(a) for a in incident.attachments],
        "institution_site_id": incident.institution_site_id,
        "status": incident.status.value,
        "reference": incident.reference,
        "reported_by": incident.reported_by,
        "reported_at": incident.reported_at,
        "merged_into_id": incident.merged_into_id,
    }


def attachment_values(a: Attachment) -> dict[str, Any]:
    return {
        "name": a.name,
        "media_type": a.media_type,
        "size": a.size,
        "sha256": a.sha256,
        "location": a.location,
    }


def _attachment(data: dict[str, Any]) -> Attachment:
    size = data.get("size")
    return Attachment(
        name=str(data.get("name") or ""),
        media_type=str(data.get("media_type") or ""),
        size=int(size) if size is not None else None,
        sha256=str(data.get("sha256") or ""),
        location=str(data.get("location") or ""),
    )


def _incident(row: Any) -> Incident:
    return Incident(
        type=IncidentType(row["type"]),
        date=row["date"],
        country_iso3=row["country_iso3"],
        date_precision=DatePrecision(row["date_precision"]),
        lon=row["lon"],
        lat=row["lat"],
        admin_area_id=row["admin_area_id"],
        place_precision=PlacePrecision(row["place_precision"]),
        place_name=row["place_name"] or "",
        actors=tuple(row["actors"] or ()),
        fatalities_best=row["fatalities_best"],
        fatalities_low=row["fatalities_low"],
        fatalities_high=row["fatalities_high"],
        injured=row["injured"],
        sources=tuple(row["sources"] or ()),
        narrative=row["narrative"] or "",
        attachments=tuple(_attachment(a) for a in row["attachments"] or ()),
        institution_site_id=row["institution_site_id"],
        status=Verification(row["status"]),
        reference=row["reference"],
        reported_by=row["reported_by"],
        reported_at=row["reported_at"],
        merged_into_id=row["merged_into_id"],
        id=row["id"],
    )


def _step(row: Any) -> VerificationStep:
    return VerificationStep(
        incident_id=row["incident_id"],
        from_status=Verification(row["from_status"]) if row["from_status"] else None,
        to_status=Verification(row["to_status"]),
        at=row["at"],
        by=row["by"],
        reason=row["reason"] or "",
        id=row["id"],
    )


# Writing ---------------------------------------------------------------------------------------


def create_incident(conn: Connection, by: Principal, incident: Incident) -> int:
    """Insert an incident and log it; returns its id. A clash on (country, reference) raises
    ``IntegrityError``: run it in a savepoint to recover."""
    new_id: int = audited.create(conn, by, incidents, values_of(incident))
    return new_id


def change_incident(
    conn: Connection, by: Principal, incident_id: int, values: dict[str, Any]
) -> bool:
    """Update columns with their before and after in the log; False when nothing changed."""
    return audited.change(conn, by, incidents, incident_id, values)


def add_step(conn: Connection, by: Principal, step: VerificationStep) -> int:
    values = {
        "incident_id": step.incident_id,
        "from_status": step.from_status.value if step.from_status else None,
        "to_status": step.to_status.value,
        "at": step.at,
        "by": step.by,
        "reason": step.reason,
    }
    new_id = int(
        conn.execute(
            insert(incident_steps).values(**values).returning(incident_steps.c.id)
        ).scalar_one()
    )
    audited.record(
        conn, by, AuditAction.CREATE, "incident_steps", new_id, after={"id": new_id, **values}
    )
    return new_id


def publish_event(conn: Connection, by: Principal, event: Event) -> str:
    """Write or update the event of a verified incident: "created", "updated" or "unchanged"."""
    values = events_repo.values_of(event)
    found = events_repo.find_event(conn, event.source.value, event.source_id, event.version)
    if found is None:
        row = {
            "source": event.source.value,
            "source_id": event.source_id,
            "version": event.version,
            **values,
        }
        events_repo.insert_events(conn, [row])
        stored = events_repo.find_event(conn, event.source.value, event.source_id, event.version)
        assert stored is not None
        audited.record(conn, by, AuditAction.CREATE, "events", stored["id"], after=stored)
        return "created"
    if found["digest"] == values["digest"]:
        return "unchanged"
    events_repo.update_event(conn, found["id"], values)
    changed = [k for k in values if found.get(k) != values[k]]
    audited.record(
        conn,
        by,
        AuditAction.UPDATE,
        "events",
        found["id"],
        before={k: found[k] for k in changed},
        after={k: values[k] for k in changed},
    )
    return "updated"


def withdraw_event(
    conn: Connection, by: Principal, source: str, source_id: str, version: str
) -> bool:
    """Delete the event of an incident that no longer counts; False when there was none."""
    found = events_repo.find_event(conn, source, source_id, version)
    if found is None:
        return False
    events_repo.delete_event(conn, found["id"])
    audited.record(conn, by, AuditAction.DELETE, "events", found["id"], before=found)
    return True


# Reading ---------------------------------------------------------------------------------------


def get_incident(conn: Connection, incident_id: int, *, for_update: bool = False) -> Incident:
    """One incident; ``for_update`` locks its row until the transaction ends (PostgreSQL)."""
    query = select(incidents).where(incidents.c.id == incident_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound(f"incident {incident_id} does not exist")
    return _incident(row)


def find_by_reference(conn: Connection, country_iso3: str, reference: str) -> Incident | None:
    query = select(incidents).where(
        incidents.c.country_iso3 == country_iso3, incidents.c.reference == reference
    )
    row = conn.execute(query).mappings().first()
    return None if row is None else _incident(row)


def list_incidents(
    conn: Connection,
    *,
    country_iso3: str | None = None,
    statuses: Sequence[Verification] | None = None,
    types: Sequence[IncidentType] | None = None,
    since: date | None = None,
    until: date | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    area_ids: Sequence[int] | None = None,
    merged_into_id: int | None = None,
) -> list[Incident]:
    """Incidents, the latest first. ``bbox`` (min lon, min lat, max lon, max lat) keeps those
    whose point is inside it, and those known only by an area whose bounds touch it."""
    t = incidents
    query = select(t).order_by(t.c.date.desc(), t.c.id.desc())
    if country_iso3 is not None:
        query = query.where(t.c.country_iso3 == country_iso3.upper())
    if statuses is not None:
        query = query.where(t.c.status.in_([s.value for s in statuses]))
    if types is not None:
        query = query.where(t.c.type.in_([k.value for k in types]))
    if since is not None:
        query = query.where(t.c.date >= since)
    if until is not None:
        query = query.where(t.c.date <= until)
    if area_ids is not None:
        query = query.where(t.c.admin_area_id.in_(list(area_ids)))
    if merged_into_id is not None:
        query = query.where(t.c.merged_into_id == merged_into_id)
    if bbox is not None:
        x0, y0, x1, y1 = bbox
        a = admin_areas
        query = query.outerjoin(a, a.c.id == t.c.admin_area_id).where(
            or_(
                and_(t.c.lon >= x0, t.c.lon <= x1, t.c.lat >= y0, t.c.lat <= y1),
                and_(
                    t.c.lon.is_(None),
                    a.c.min_lon <= x1,
                    a.c.max_lon >= x0,
                    a.c.min_lat <= y1,
                    a.c.max_lat >= y0,
                ),
            )
        )
    return [_incident(r) for r in conn.execute(query).mappings()]


def steps(conn: Connection, incident_ids: Sequence[int]) -> dict[int, list[VerificationStep]]:
    """The verification history of each incident, oldest first."""
    out: dict[int, list[VerificationStep]] = {i: [] for i in incident_ids}
    if not incident_ids:
        return out
    s = incident_steps
    query = select(s).where(s.c.incident_id.in_(list(incident_ids))).order_by(s.c.at, s.c.id)
    for row in conn.execute(query).mappings():
        out[row["incident_id"]].append(_step(row))
    return out


def last_date(conn: Connection, country_iso3: str) -> date | None:
    """The date of a country's latest incident, whatever its status."""
    query = select(func.max(incidents.c.date)).where(incidents.c.country_iso3 == country_iso3)
    found = conn.execute(query).scalar_one_or_none()
    return found if isinstance(found, date) or found is None else date.fromisoformat(str(found))


def counts(conn: Connection) -> dict[str, int]:
    return {
        "incidents": conn.execute(select(func.count()).select_from(incidents)).scalar_one(),
        "steps": conn.execute(select(func.count()).select_from(incident_steps)).scalar_one(),
    }


__all__ = [
    "add_step",
    "change_incident",
    "counts",
    "create_incident",
    "find_by_reference",
    "get_incident",
    "last_date",
    "list_incidents",
    "publish_event",
    "steps",
    "values_of",
    "withdraw_event",
]
