"""Legal instruments, the steps of their lifecycle and their checklist reviews.

Every write goes through ``audited`` in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from peaceops.domain.access import Principal
from peaceops.domain.institutions import InstitutionType
from peaceops.domain.legal import (
    ChecklistReview,
    Finding,
    Instrument,
    InstrumentType,
    LegalSector,
    ProvisionReview,
    Stage,
    Step,
)
from peaceops.errors import NotFound
from peaceops.storage.repositories import audited
from peaceops.storage.tables import legal_instruments, legal_reviews, legal_steps
from peaceops.storage.types import utcnow

# Converting ------------------------------------------------------------------------------------


def instrument_values(i: Instrument) -> dict[str, Any]:
    """The stored columns of an instrument (all but its id and creation)."""
    return {
        "country_iso3": i.country_iso3,
        "code": i.code,
        "title": dict(i.title),
        "type": i.type.value,
        "sector": i.sector.value,
        "institution_types": [t.value for t in i.institution_types],
        "reference": i.reference,
        "amends_id": i.amends_id,
        "replaces": i.replaces,
        "document_id": i.document_id,
        "text_url": i.text_url,
        "summary": i.summary,
    }


def _instrument(row: Any, steps: Sequence[Step] = ()) -> Instrument:
    return Instrument(
        country_iso3=row["country_iso3"],
        code=row["code"],
        title=dict(row["title"] or {}),
        type=InstrumentType(row["type"]),
        sector=LegalSector(row["sector"]),
        institution_types=tuple(InstitutionType(t) for t in row["institution_types"] or ()),
        reference=row["reference"] or "",
        amends_id=row["amends_id"],
        replaces=bool(row["replaces"]),
        document_id=row["document_id"],
        text_url=row["text_url"] or "",
        summary=row["summary"] or "",
        steps=tuple(steps),
        id=row["id"],
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


def step_values(instrument_id: int, s: Step) -> dict[str, Any]:
    return {
        "instrument_id": instrument_id,
        "stage": s.stage.value,
        "date": s.on,
        "evidence": s.evidence,
        "evidence_document_id": s.evidence_document_id,
        "actors": list(s.actors),
        "activities": list(s.activities),
        "exception": s.exception,
    }


def _step(row: Any) -> Step:
    return Step(
        stage=Stage(row["stage"]),
        on=row["date"],
        evidence=row["evidence"],
        evidence_document_id=row["evidence_document_id"],
        actors=tuple(int(a) for a in row["actors"] or ()),
        activities=tuple(int(a) for a in row["activities"] or ()),
        exception=row["exception"] or "",
        id=row["id"],
        recorded_by=row["recorded_by"],
        recorded_at=row["recorded_at"],
    )


def _review(row: Any) -> ChecklistReview:
    return ChecklistReview(
        instrument_id=row["instrument_id"],
        checklist=row["checklist"],
        reviewed_on=row["reviewed_on"],
        findings=tuple(
            ProvisionReview(
                provision=f["provision"],
                finding=Finding(f["finding"]),
                article=f.get("article") or "",
                note=f.get("note") or "",
            )
            for f in row["findings"] or ()
        ),
        reviewed_by=row["reviewed_by"],
        id=row["id"],
    )


# Writing ---------------------------------------------------------------------------------------


def create_instrument(conn: Connection, by: Principal, instrument: Instrument) -> int:
    values = {**instrument_values(instrument), "created_by": by.username, "created_at": utcnow()}
    return int(audited.create(conn, by, legal_instruments, values))


def change_instrument(
    conn: Connection, by: Principal, instrument_id: int, values: dict[str, Any]
) -> bool:
    return audited.change(conn, by, legal_instruments, instrument_id, values)


def add_step(conn: Connection, by: Principal, instrument_id: int, step: Step) -> int:
    values = {
        **step_values(instrument_id, step),
        "recorded_by": by.username,
        "recorded_at": utcnow(),
    }
    return int(audited.create(conn, by, legal_steps, values))


def remove_step(conn: Connection, by: Principal, step_id: int) -> None:
    audited.remove(conn, by, legal_steps, step_id)


def store_review(conn: Connection, by: Principal, review: ChecklistReview, version: str) -> str:
    """Insert or update the review of (instrument, checklist, day): "created", "updated" or
    "unchanged"."""
    findings = [
        {"provision": f.provision, "finding": f.finding.value, "article": f.article, "note": f.note}
        for f in review.findings
    ]
    found = (
        conn.execute(
            select(legal_reviews).where(
                legal_reviews.c.instrument_id == review.instrument_id,
                legal_reviews.c.checklist == review.checklist,
                legal_reviews.c.reviewed_on == review.reviewed_on,
            )
        )
        .mappings()
        .first()
    )
    if found is None:
        audited.create(
            conn,
            by,
            legal_reviews,
            {
                "instrument_id": review.instrument_id,
                "checklist": review.checklist,
                "checklist_version": version,
                "reviewed_on": review.reviewed_on,
                "findings": findings,
                "reviewed_by": by.username,
                "recorded_at": utcnow(),
            },
        )
        return "created"
    changed = audited.change(
        conn,
        by,
        legal_reviews,
        found["id"],
        {"findings": findings, "checklist_version": version, "reviewed_by": by.username},
    )
    return "updated" if changed else "unchanged"


# Reading ---------------------------------------------------------------------------------------


def steps_of(conn: Connection, instrument_ids: Sequence[int]) -> dict[int, list[Step]]:
    out: dict[int, list[Step]] = {i: [] for i in instrument_ids}
    if not instrument_ids:
        return out
    rows = conn.execute(
        select(legal_steps)
        .where(legal_steps.c.instrument_id.in_(list(instrument_ids)))
        .order_by(legal_steps.c.instrument_id, legal_steps.c.date, legal_steps.c.id)
    ).mappings()
    for row in rows:
        out[row["instrument_id"]].append(_step(row))
    return out


def get_instrument(conn: Connection, instrument_id: int) -> Instrument:
    row = (
        conn.execute(select(legal_instruments).where(legal_instruments.c.id == instrument_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"legal instrument {instrument_id} does not exist")
    return _instrument(row, steps_of(conn, [instrument_id])[instrument_id])


def find_instrument(conn: Connection, country_iso3: str, code: str) -> Instrument | None:
    row = (
        conn.execute(
            select(legal_instruments).where(
                legal_instruments.c.country_iso3 == country_iso3,
                legal_instruments.c.code == code,
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    return _instrument(row, steps_of(conn, [row["id"]])[row["id"]])


def list_instruments(conn: Connection, country_iso3: str | None = None) -> list[Instrument]:
    query = select(legal_instruments).order_by(
        legal_instruments.c.country_iso3, legal_instruments.c.id
    )
    if country_iso3:
        query = query.where(legal_instruments.c.country_iso3 == country_iso3)
    rows = list(conn.execute(query).mappings())
    steps = steps_of(conn, [r["id"] for r in rows])
    return [_instrument(r, steps[r["id"]]) for r in rows]


def reviews_of(conn: Connection, instrument_ids: Sequence[int]) -> dict[int, list[ChecklistReview]]:
    """Each instrument's reviews, oldest first."""
    out: dict[int, list[ChecklistReview]] = {i: [] for i in instrument_ids}
    if not instrument_ids:
        return out
    rows = conn.execute(
        select(legal_reviews)
        .where(legal_reviews.c.instrument_id.in_(list(instrument_ids)))
        .order_by(legal_reviews.c.reviewed_on, legal_reviews.c.id)
    ).mappings()
    for row in rows:
        out[row["instrument_id"]].append(_review(row))
    return out


def amendments_of(conn: Connection, instrument_id: int) -> list[tuple[int, str, dict[str, str]]]:
    """(id, code, title) of the instruments that amend or replace this one."""
    rows = conn.execute(
        select(legal_instruments.c.id, legal_instruments.c.code, legal_instruments.c.title).where(
            legal_instruments.c.amends_id == instrument_id
        )
    )
    return [(int(r[0]), str(r[1]), dict(r[2] or {})) for r in rows]
