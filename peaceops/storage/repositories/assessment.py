"""Assessment frameworks, rounds and evidence records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, update

from peaceops.domain.access import Principal
from peaceops.domain.assessment import (
    AdminValue,
    Check,
    Evidence,
    EvidenceSource,
    Round,
    SurveyResponse,
)
from peaceops.errors import ConflictError, NotFound
from peaceops.storage.repositories import audited
from peaceops.storage.tables import (
    assessment_admin_values,
    assessment_checks,
    assessment_frameworks,
    assessment_responses,
    assessment_rounds,
    audit_log,
)
from peaceops.storage.types import utcnow


@dataclass(frozen=True, slots=True)
class StoredFramework:
    id: int
    code: str
    version: str
    title: dict[str, str]
    content: dict[str, Any]
    sha256: str
    origin: str
    loaded_at: datetime


def _framework(row: Any) -> StoredFramework:
    return StoredFramework(
        id=row.id,
        code=row.code,
        version=row.version,
        title=dict(row.title),
        content=dict(row.content),
        sha256=row.sha256,
        origin=row.origin,
        loaded_at=row.loaded_at,
    )


def store_framework(
    conn: Connection,
    by: Principal,
    *,
    code: str,
    version: str,
    title: dict[str, str],
    content: dict[str, Any],
    sha256: str,
    origin: str,
) -> tuple[int, bool]:
    """Store a framework version; returns (id, created). Same version, other content: refused."""
    row = conn.execute(
        select(assessment_frameworks).where(
            assessment_frameworks.c.code == code, assessment_frameworks.c.version == version
        )
    ).one_or_none()
    if row is not None:
        if row.sha256 != sha256:
            raise ConflictError(
                f"framework {code}@{version} is already loaded with other content; rounds "
                "keep the version they used, so give the changed framework a new version"
            )
        return row.id, False
    new_id = audited.create(
        conn,
        by,
        assessment_frameworks,
        {
            "code": code,
            "version": version,
            "title": title,
            "content": content,
            "sha256": sha256,
            "origin": origin,
            "loaded_at": utcnow(),
        },
    )
    return int(new_id), True


def list_frameworks(conn: Connection) -> list[StoredFramework]:
    query = select(assessment_frameworks).order_by(
        assessment_frameworks.c.code, assessment_frameworks.c.loaded_at
    )
    return [_framework(r) for r in conn.execute(query)]


def get_framework(conn: Connection, framework_id: int) -> StoredFramework:
    row = conn.execute(
        select(assessment_frameworks).where(assessment_frameworks.c.id == framework_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"framework {framework_id} does not exist")
    return _framework(row)


def find_framework(conn: Connection, code: str, version: str | None = None) -> StoredFramework:
    """A framework by code, at ``version`` or its most recently loaded version."""
    query = select(assessment_frameworks).where(assessment_frameworks.c.code == code)
    if version is not None:
        query = query.where(assessment_frameworks.c.version == version)
    row = conn.execute(
        query.order_by(assessment_frameworks.c.loaded_at.desc(), assessment_frameworks.c.id.desc())
    ).first()
    if row is None:
        shown = code if version is None else f"{code}@{version}"
        raise NotFound(f"framework {shown} is not loaded (see `peaceops assess frameworks`)")
    return _framework(row)


# Rounds -------------------------------------------------------------------------------------


def _round(row: Any) -> Round:
    return Round(
        id=row.id,
        country_iso3=row.country_iso3,
        framework_id=row.framework_id,
        name=row.name,
        period_start=row.period_start,
        period_end=row.period_end,
        sample_frame=row.sample_frame,
        notes=row.notes,
        institutions=tuple(row.institutions or ()),
    )


def create_round(conn: Connection, by: Principal, rnd: Round) -> int:
    exists = conn.execute(
        select(assessment_rounds.c.id).where(
            assessment_rounds.c.country_iso3 == rnd.country_iso3,
            assessment_rounds.c.name == rnd.name,
        )
    ).first()
    if exists is not None:
        raise ConflictError(f"{rnd.country_iso3} already has a round named '{rnd.name}'")
    return int(
        audited.create(
            conn,
            by,
            assessment_rounds,
            {
                "country_iso3": rnd.country_iso3,
                "framework_id": rnd.framework_id,
                "name": rnd.name,
                "period_start": rnd.period_start,
                "period_end": rnd.period_end,
                "institutions": list(rnd.institutions),
                "sample_frame": rnd.sample_frame,
                "notes": rnd.notes,
                "created_at": utcnow(),
            },
        )
    )


def get_round(conn: Connection, round_id: int) -> Round:
    row = conn.execute(
        select(assessment_rounds).where(assessment_rounds.c.id == round_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"assessment round {round_id} does not exist")
    return _round(row)


def list_rounds(
    conn: Connection, *, country_iso3: str | None = None, framework_code: str | None = None
) -> list[Round]:
    query = select(assessment_rounds).order_by(
        assessment_rounds.c.country_iso3, assessment_rounds.c.period_end, assessment_rounds.c.id
    )
    if country_iso3:
        query = query.where(assessment_rounds.c.country_iso3 == country_iso3)
    if framework_code:
        query = query.join(
            assessment_frameworks, assessment_frameworks.c.id == assessment_rounds.c.framework_id
        ).where(assessment_frameworks.c.code == framework_code)
    return [_round(r) for r in conn.execute(query)]


# Evidence -----------------------------------------------------------------------------------


def load_evidence(conn: Connection, round_id: int) -> Evidence:
    ev = Evidence()
    for r in conn.execute(
        select(assessment_responses)
        .where(assessment_responses.c.round_id == round_id)
        .order_by(assessment_responses.c.id)
    ):
        ev.responses.append(
            SurveyResponse(
                source=EvidenceSource(r.source),
                respondent_ref=r.respondent_ref,
                answers={k: int(v) for k, v in dict(r.answers).items()},
                weight=r.weight,
                sex=r.sex,
                region=r.region,
                group=r.group_name,
                collected_on=r.collected_on,
            )
        )
    for r in conn.execute(
        select(assessment_admin_values)
        .where(assessment_admin_values.c.round_id == round_id)
        .order_by(assessment_admin_values.c.id)
    ):
        ev.admin_values.append(
            AdminValue(
                item_code=r.item_code,
                numerator=r.numerator,
                denominator=r.denominator,
                source_name=r.source_name,
                as_of=r.as_of,
                breakdown=r.breakdown,
            )
        )
    for r in conn.execute(
        select(assessment_checks)
        .where(assessment_checks.c.round_id == round_id)
        .order_by(assessment_checks.c.id)
    ):
        ev.checks.append(
            Check(
                source=EvidenceSource(r.source),
                item_code=r.item_code,
                met=bool(r.met),
                reference=r.reference,
                checked_on=r.checked_on,
                notes=r.notes,
            )
        )
    return ev


@dataclass(slots=True)
class StoreCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _upsert(
    conn: Connection,
    table: Table,
    key_columns: Sequence[str],
    rows: Sequence[dict[str, Any]],
    counts: StoreCounts,
) -> None:
    if not rows:
        return
    round_id = rows[0]["round_id"]
    existing = {
        tuple(r[c] for c in key_columns): dict(r)
        for r in conn.execute(select(table).where(table.c.round_id == round_id)).mappings()
    }
    new = []
    for row in rows:
        key = tuple(row[c] for c in key_columns)
        old = existing.get(key)
        if old is None:
            new.append(row)
            counts.created += 1
        elif all(old[k] == v for k, v in row.items()):
            counts.unchanged += 1
        else:
            conn.execute(update(table).where(table.c.id == old["id"]).values(**row))
            counts.updated += 1
    if new:
        conn.execute(insert(table), new)


def store_evidence(conn: Connection, round_id: int, evidence: Evidence) -> StoreCounts:
    """Insert new records and update changed ones, keyed so that a re-import changes nothing.

    The caller records the audit entry for the import as a whole.
    """
    counts = StoreCounts()
    _upsert(
        conn,
        assessment_responses,
        ("source", "respondent_ref"),
        [
            {
                "round_id": round_id,
                "source": r.source.value,
                "respondent_ref": r.respondent_ref,
                "weight": r.weight,
                "sex": r.sex,
                "region": r.region,
                "group_name": r.group,
                "collected_on": r.collected_on,
                "answers": dict(sorted(r.answers.items())),
            }
            for r in evidence.responses
        ],
        counts,
    )
    _upsert(
        conn,
        assessment_admin_values,
        ("item_code", "breakdown", "as_of"),
        [
            {
                "round_id": round_id,
                "item_code": v.item_code,
                "breakdown": v.breakdown,
                "as_of": v.as_of,
                "numerator": v.numerator,
                "denominator": v.denominator,
                "source_name": v.source_name,
            }
            for v in evidence.admin_values
        ],
        counts,
    )
    _upsert(
        conn,
        assessment_checks,
        ("source", "item_code", "reference"),
        [
            {
                "round_id": round_id,
                "source": c.source.value,
                "item_code": c.item_code,
                "reference": c.reference,
                "met": c.met,
                "checked_on": c.checked_on,
                "notes": c.notes,
            }
            for c in evidence.checks
        ],
        counts,
    )
    return counts


def evidence_counts(conn: Connection, round_id: int) -> dict[str, int]:
    """Records per source for one round."""
    out = {s.value: 0 for s in EvidenceSource}
    for source, n in conn.execute(
        select(assessment_responses.c.source, func.count())
        .where(assessment_responses.c.round_id == round_id)
        .group_by(assessment_responses.c.source)
    ):
        out[source] = int(n)
    out[EvidenceSource.ADMINISTRATIVE.value] = int(
        conn.execute(
            select(func.count()).where(assessment_admin_values.c.round_id == round_id)
        ).scalar_one()
    )
    for source, n in conn.execute(
        select(assessment_checks.c.source, func.count())
        .where(assessment_checks.c.round_id == round_id)
        .group_by(assessment_checks.c.source)
    ):
        out[source] = int(n)
    return out


def evidence_changes(conn: Connection, round_id: int) -> int:
    """How many imports changed a round's evidence (one audit entry each)."""
    return int(
        conn.execute(
            select(func.count()).where(
                audit_log.c.entity == "assessment_evidence",
                audit_log.c.entity_id == str(round_id),
            )
        ).scalar_one()
    )
