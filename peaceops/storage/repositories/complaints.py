"""Complaints and their transitions. Encrypted columns arrive encrypted: the caller (the
platform) holds the key, this module stores and returns the tokens.

Audit entries of complaints never carry the encrypted columns, only whether they are set:
the audit log is append-only, so a token written there could not be re-encrypted when the
data key is rotated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from peaceops.domain.access import Principal
from peaceops.domain.audit import AuditAction
from peaceops.domain.complaints import Status
from peaceops.errors import NotFound
from peaceops.storage.repositories import audited
from peaceops.storage.tables import (
    actors,
    admin_areas,
    complaint_transitions,
    complaints,
    institutions,
    settlements,
)

ENCRYPTED = {
    "complaints": ("description_encrypted", "unit_encrypted", "complainant_encrypted"),
    "complaint_transitions": ("note_encrypted",),
}


def redacted(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row for the audit log: encrypted columns replaced by a marker of whether they are set."""
    hidden = ENCRYPTED.get(table, ())
    return {k: ("<encrypted>" if v else None) if k in hidden else v for k, v in row.items()}


def _named() -> Any:
    """The complaint columns with the names of its institution, area and referral body."""
    return (
        select(
            complaints,
            institutions.c.name.label("institution_name"),
            institutions.c.type.label("institution_type"),
            admin_areas.c.name.label("area_name"),
            actors.c.name.label("referred_to_name"),
        )
        .outerjoin(institutions, institutions.c.id == complaints.c.institution_id)
        .outerjoin(admin_areas, admin_areas.c.id == complaints.c.admin_area_id)
        .outerjoin(actors, actors.c.id == complaints.c.referred_to_actor_id)
    )


# Writing ---------------------------------------------------------------------------------------


def create_complaint(conn: Connection, by: Principal, values: dict[str, Any]) -> int:
    """Insert a complaint and log it (without its encrypted columns); returns its id.

    A clash on the reference or on (channel, external_id) raises ``IntegrityError``: run it in
    a savepoint to recover.
    """
    new_id = int(
        conn.execute(insert(complaints).values(**values).returning(complaints.c.id)).scalar_one()
    )
    row = conn.execute(select(complaints).where(complaints.c.id == new_id)).mappings().one()
    audited.record(
        conn, by, AuditAction.CREATE, "complaints", new_id, after=redacted("complaints", dict(row))
    )
    return new_id


def change_complaint(
    conn: Connection, by: Principal, complaint_id: int, values: dict[str, Any]
) -> bool:
    """Update workflow columns (never encrypted ones) with their before and after in the log."""
    assert not set(values) & set(ENCRYPTED["complaints"]), "use reencrypt for encrypted columns"
    return audited.change(conn, by, complaints, complaint_id, values)


def add_transition(conn: Connection, by: Principal, values: dict[str, Any]) -> int:
    new_id = int(
        conn.execute(
            insert(complaint_transitions).values(**values).returning(complaint_transitions.c.id)
        ).scalar_one()
    )
    audited.record(
        conn,
        by,
        AuditAction.CREATE,
        "complaint_transitions",
        new_id,
        after=redacted("complaint_transitions", {"id": new_id, **values}),
    )
    return new_id


def record_identity_read(conn: Connection, by: Principal, complaint_id: int) -> None:
    audited.record(
        conn, by, AuditAction.READ, "complaints", complaint_id, after={"shown": ["complainant"]}
    )


def encrypted_values(conn: Connection, table: str) -> list[dict[str, Any]]:
    """Id and encrypted columns of every row of ``complaints`` or ``complaint_transitions``."""
    t = complaints if table == "complaints" else complaint_transitions
    columns = [t.c[c] for c in ENCRYPTED[table]]
    return [dict(r) for r in conn.execute(select(t.c.id, *columns).order_by(t.c.id)).mappings()]


def reencrypt(conn: Connection, table: str, row_id: int, values: dict[str, str | None]) -> None:
    """Replace encrypted tokens by new ones of the same plaintext (key rotation only)."""
    t = complaints if table == "complaints" else complaint_transitions
    assert set(values) <= set(ENCRYPTED[table])
    conn.execute(update(t).where(t.c.id == row_id).values(**values))


# Reading ---------------------------------------------------------------------------------------


def find_by_reference(conn: Connection, reference: str) -> dict[str, Any] | None:
    row = conn.execute(_named().where(complaints.c.reference == reference)).mappings().first()
    return None if row is None else dict(row)


def find_by_external_id(conn: Connection, channel: str, external_id: str) -> dict[str, Any] | None:
    query = _named().where(complaints.c.channel == channel, complaints.c.external_id == external_id)
    row = conn.execute(query).mappings().first()
    return None if row is None else dict(row)


def get_complaint(
    conn: Connection, complaint_id: int, *, for_update: bool = False
) -> dict[str, Any]:
    """One complaint; ``for_update`` locks its row until the transaction ends (PostgreSQL;
    SQLite's writers are serialised already)."""
    query = _named().where(complaints.c.id == complaint_id)
    if for_update:
        query = query.with_for_update(of=complaints)
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound(f"complaint {complaint_id} does not exist")
    return dict(row)


def list_complaints(
    conn: Connection,
    *,
    status: Status | None = None,
    institution_id: int | None = None,
    country_iso3: str | None = None,
    overdue: bool | None = None,
    deadlines: dict[Status, int] | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Complaints, oldest stage first; ``overdue`` compares ``stage_since`` with the
    deadlines given (so a changed deadline applies to cases already in a stage)."""
    query = _named().order_by(complaints.c.stage_since, complaints.c.id)
    if status is not None:
        query = query.where(complaints.c.status == status.value)
    if institution_id is not None:
        query = query.where(complaints.c.institution_id == institution_id)
    if country_iso3 is not None:
        query = query.where(complaints.c.country_iso3 == country_iso3.upper())
    if overdue is not None:
        assert deadlines is not None and now is not None
        late = overdue_clause(deadlines, now)
        query = query.where(late if overdue else ~late)
    return [dict(r) for r in conn.execute(query).mappings()]


def overdue_clause(deadlines: dict[Status, int], now: datetime) -> Any:
    clauses = [
        and_(complaints.c.status == s.value, complaints.c.stage_since < now - timedelta(days=d))
        for s, d in deadlines.items()
        if s.is_open
    ]
    return or_(*clauses) if clauses else complaints.c.id.is_(None)


def transitions(conn: Connection, complaint_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in complaint_ids}
    if not complaint_ids:
        return out
    t = complaint_transitions
    query = (
        select(t)
        .where(t.c.complaint_id.in_(list(complaint_ids)))
        .order_by(t.c.complaint_id, t.c.at, t.c.id)
    )
    for r in conn.execute(query).mappings():
        out[r["complaint_id"]].append(dict(r))
    return out


def statistics_rows(
    conn: Connection, country_iso3: str, start: datetime | None, end: datetime | None
) -> list[dict[str, Any]]:
    """What the public aggregates need, and nothing encrypted: one row per complaint received
    in ``[start, end)``."""
    c = complaints
    query = (
        select(
            c.c.id,
            c.c.category,
            c.c.status,
            c.c.institution_id,
            institutions.c.name.label("institution_name"),
            institutions.c.type.label("institution_type"),
            c.c.admin_area_id,
            c.c.referred_to_actor_id,
            c.c.received_at,
            c.c.stage_since,
            c.c.closed_at,
        )
        .outerjoin(institutions, institutions.c.id == c.c.institution_id)
        .where(c.c.country_iso3 == country_iso3.upper())
        .order_by(c.c.received_at, c.c.id)
    )
    if start is not None:
        query = query.where(c.c.received_at >= start)
    if end is not None:
        query = query.where(c.c.received_at < end)
    return [dict(r) for r in conn.execute(query).mappings()]


def ever_referred(conn: Connection, complaint_ids: Iterable[int]) -> set[int]:
    """Complaints that were referred at least once (a referral may be sent back)."""
    ids = list(complaint_ids)
    if not ids:
        return set()
    t = complaint_transitions
    query = select(t.c.complaint_id).where(
        t.c.to_status == Status.REFERRED.value, t.c.complaint_id.in_(ids)
    )
    return {int(r[0]) for r in conn.execute(query.distinct())}


def regions_of_areas(conn: Connection, country_iso3: str) -> dict[int, tuple[int, str, str]]:
    """Every admin area of a country -> its level-1 ancestor (id, P-code, name)."""
    rows = {
        r.id: r
        for r in conn.execute(
            select(
                admin_areas.c.id,
                admin_areas.c.level,
                admin_areas.c.parent_id,
                admin_areas.c.pcode,
                admin_areas.c.name,
            ).where(admin_areas.c.country_iso3 == country_iso3.upper())
        )
    }
    out: dict[int, tuple[int, str, str]] = {}
    for area_id in rows:
        row = rows[area_id]
        seen = 0
        while row.level > 1 and row.parent_id in rows and seen < 5:
            row = rows[row.parent_id]
            seen += 1
        if row.level == 1:
            out[area_id] = (row.id, row.pcode, row.name)
    return out


def population(conn: Connection, country_iso3: str) -> int:
    """The sum of the populations of the country's settlements (0 when none is known)."""
    total = conn.execute(
        select(func.sum(settlements.c.population)).where(
            settlements.c.country_iso3 == country_iso3.upper()
        )
    ).scalar_one()
    return int(total or 0)


def counts(conn: Connection) -> dict[str, int]:
    return {
        "complaints": conn.execute(select(func.count()).select_from(complaints)).scalar_one(),
        "transitions": conn.execute(
            select(func.count()).select_from(complaint_transitions)
        ).scalar_one(),
    }
