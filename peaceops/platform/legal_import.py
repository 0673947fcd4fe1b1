"""Importing a legislative tracker: rows grouped into instruments, names resolved against the
database, steps checked by the lifecycle rules, all in one transaction.

An instrument with a bad row is left out whole, and its problems are reported with their rows,
so a tracker never half-imports a law; the other instruments import. Instruments are matched on
(country, code) and steps on (stage, date): importing the same tracker again changes nothing,
and a tracker that grew adds only the new steps.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, func, or_, select

from peaceops.domain.access import Principal
from peaceops.domain.audit import AuditAction
from peaceops.domain.legal import Instrument, InstrumentType, Step
from peaceops.errors import PeaceOpsError, Problem, RowErrors
from peaceops.ingest.legal_tracker import TrackerRow, read_tracker
from peaceops.storage import transaction
from peaceops.storage.repositories import audited
from peaceops.storage.repositories import legal as repo
from peaceops.storage.tables import activities, actors, countries, documents

if TYPE_CHECKING:
    from peaceops.platform.legal import LegalService


def _first(rows: list[TrackerRow], attr: str) -> Any:
    for r in rows:
        value = getattr(r, attr)
        if value not in (None, "", (), {}):
            return value
    return None


def _actor_ids(conn: Connection) -> dict[str, int]:
    """Lower-cased names, acronyms and name variants of the register's actors."""
    out: dict[str, int] = {}
    for row in conn.execute(
        select(actors.c.id, actors.c.name, actors.c.acronym, actors.c.name_variants)
    ):
        for name in (row[1], row[2], *(row[3] or ())):
            if name:
                out.setdefault(str(name).strip().lower(), int(row[0]))
    return out


def _document_id(conn: Connection, ref: str) -> int | None:
    row = conn.execute(
        select(documents.c.id).where(
            or_(documents.c.symbol == ref, func.lower(documents.c.source_name) == ref.lower())
        )
    ).first()
    return int(row[0]) if row else None


def import_tracker(
    service: LegalService,
    engine: Engine,
    path: Path,
    *,
    by: Principal,
    country: str = "",
    today: date | None = None,
) -> dict[str, Any]:
    today = today or date.today()
    tracker = read_tracker(path, country=country, today=today)
    problems: list[Problem] = list(tracker.problems)
    groups: OrderedDict[tuple[str, str], list[TrackerRow]] = OrderedDict()
    for row in tracker.rows:
        groups.setdefault((row.country, row.code), []).append(row)
    summary: dict[str, Any] = {
        "source": path.name,
        "instruments_created": 0,
        "instruments_updated": 0,
        "instruments_unchanged": 0,
        "steps_added": 0,
        "steps_unchanged": 0,
        "skipped": [],
    }
    # A bad row takes its whole instrument out (a law never half-imports).
    bad_codes = {code for _, code in tracker.rejected}
    summary["skipped"].extend(sorted(c for c in bad_codes if c))

    def fail(rows: list[TrackerRow], message: str, *, line: int | None, field: str) -> None:
        problems.append(Problem(message, source=path.name, line=line, field=field))
        summary["skipped"].append(rows[0].code)

    with transaction(engine) as conn:
        known_countries = {r[0] for r in conn.execute(select(countries.c.iso3))}
        actor_ids = _actor_ids(conn)
        ids: dict[tuple[str, str], int] = {}
        pending_amends: list[tuple[int, str, str, int]] = []
        for (place, code), rows in groups.items():
            if code in bad_codes:
                continue
            if place not in known_countries:
                fail(rows, f"no country {place} in PeaceOps", line=rows[0].line, field="country")
                continue
            existing = repo.find_instrument(conn, place, code)
            given: dict[str, str] = {}
            for r in rows:
                for lang, text in r.title.items():
                    given.setdefault(lang, text)
            title = {**existing.title, **given} if existing else given
            sector = _first(rows, "sector") or (existing.sector if existing else None)
            if not title.get("en"):
                fail(
                    rows, "the instrument has no English title", line=rows[0].line, field="title_en"
                )
                continue
            if sector is None:
                fail(rows, "the instrument has no sector", line=rows[0].line, field="sector")
                continue
            document_ref = _first(rows, "document")
            document_id = existing.document_id if existing else None
            if document_ref:
                document_id = _document_id(conn, document_ref)
                if document_id is None:
                    line = next(r.line for r in rows if r.document)
                    fail(
                        rows,
                        f"no document '{document_ref}' in the knowledge base (ingest it first, "
                        "or leave the column empty)",
                        line=line,
                        field="document",
                    )
                    continue
            replaces = _first(rows, "replaces")
            instrument = Instrument(
                country_iso3=place,
                code=code,
                title=title,
                type=_first(rows, "type") or (existing.type if existing else InstrumentType.LAW),
                sector=sector,
                institution_types=_first(rows, "institution_types")
                or (existing.institution_types if existing else ()),
                reference=_first(rows, "reference") or (existing.reference if existing else ""),
                amends_id=existing.amends_id if existing else None,
                replaces=bool(replaces)
                if replaces is not None
                else bool(existing and existing.replaces),
                document_id=document_id,
                text_url=_first(rows, "text_url") or (existing.text_url if existing else ""),
                summary=_first(rows, "summary") or (existing.summary if existing else ""),
            )
            # Counted only once the instrument's savepoint commits.
            counts = dict.fromkeys(
                (
                    "instruments_created",
                    "instruments_updated",
                    "instruments_unchanged",
                    "steps_added",
                    "steps_unchanged",
                ),
                0,
            )
            savepoint = conn.begin_nested()
            try:
                if existing is None:
                    instrument_id = repo.create_instrument(conn, by, instrument)
                    counts["instruments_created"] += 1
                else:
                    assert existing.id is not None
                    instrument_id = existing.id
                    changed = repo.change_instrument(
                        conn, by, instrument_id, repo.instrument_values(instrument)
                    )
                    counts["instruments_updated" if changed else "instruments_unchanged"] += 1
                have = {(s.stage, s.on) for s in (existing.steps if existing else ())}
                steps = sorted(
                    (r for r in rows if r.stage is not None), key=lambda r: (r.on, r.line)
                )
                for r in steps:
                    assert r.stage is not None and r.on is not None
                    if (r.stage, r.on) in have:
                        counts["steps_unchanged"] += 1
                        continue
                    unknown = [n for n in r.supported_by if n.lower() not in actor_ids]
                    if unknown:
                        raise _RowProblem(
                            r.line,
                            "supported_by",
                            f"no organisation named {', '.join(unknown)} in the register",
                        )
                    activity_ids = []
                    for ref in r.activities:
                        found = conn.execute(
                            select(activities.c.id).where(activities.c.identifier == ref)
                        ).first()
                        if found is None:
                            raise _RowProblem(r.line, "activities", f"no activity '{ref}'")
                        activity_ids.append(int(found[0]))
                    step = Step(
                        stage=r.stage,
                        on=r.on,
                        evidence=r.evidence,
                        actors=tuple(actor_ids[n.lower()] for n in r.supported_by),
                        activities=tuple(activity_ids),
                        exception=r.exception,
                    )
                    try:
                        service._add_step(conn, by, instrument_id, step, today=today)
                    except RowErrors as exc:
                        raise _RowProblem(
                            r.line,
                            exc.problems[0].field or "stage",
                            "; ".join(p.message for p in exc.problems),
                        ) from None
                    except PeaceOpsError as exc:
                        raise _RowProblem(r.line, "stage", str(exc)) from None
                    have.add((r.stage, r.on))
                    counts["steps_added"] += 1
            except _RowProblem as exc:
                savepoint.rollback()
                fail(
                    rows,
                    exc.message + f" (instrument '{code}' left out)",
                    line=exc.line,
                    field=exc.field,
                )
                continue
            savepoint.commit()
            for key, n in counts.items():
                summary[key] += n
            ids[(place, code)] = instrument_id
            amends = _first(rows, "amends")
            if amends:
                line = next(r.line for r in rows if r.amends)
                pending_amends.append((instrument_id, place, amends, line))
        linked = 0
        for instrument_id, place, amends, line in pending_amends:
            target = ids.get((place, amends))
            if target is None:
                found_target = repo.find_instrument(conn, place, amends)
                target = found_target.id if found_target else None
            if target is None or target == instrument_id:
                problems.append(
                    Problem(
                        f"no other instrument '{amends}' in {place}; the link is left empty",
                        source=path.name,
                        line=line,
                        field="amends",
                    )
                )
                continue
            linked += repo.change_instrument(conn, by, instrument_id, {"amends_id": target})
        summary["problems"] = [str(p) for p in problems]
        # An import that changed nothing leaves no entry: the same tracker again changes nothing.
        written = ("instruments_created", "instruments_updated", "steps_added")
        if linked or any(summary[k] for k in written):
            audited.record(conn, by, AuditAction.IMPORT, "legal_instruments", None, after=summary)
    summary["problem_records"] = problems
    return summary


class _RowProblem(Exception):
    def __init__(self, line: int, field: str, message: str) -> None:
        super().__init__(message)
        self.line, self.field, self.message = line, field, message
