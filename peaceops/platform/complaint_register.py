"""Paper complaint registers into cases: names as written resolved to stored ids, then stored.

``ComplaintsService.import_register`` reads the register (``ingest.complaints``) and calls
``import_register`` here inside its transaction, handing over its own validation, creation and
moves, so that a paper complaint is checked and stored exactly as one from any other channel.
A register that records a later stage takes the new case along the shortest path of the
workflow to it, each move dated on the register's date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Connection

from peaceops.domain.access import Principal
from peaceops.domain.audit import AuditAction
from peaceops.domain.complaints import TRANSITIONS, Complaint, Status
from peaceops.errors import InputError, Problem
from peaceops.platform.places import ImportReport
from peaceops.storage.repositories import actors as actors_repo
from peaceops.storage.repositories import audited, places
from peaceops.storage.repositories import institutions as institutions_repo
from peaceops.storage.types import utcnow

if TYPE_CHECKING:
    from peaceops.ingest.complaints import RegisterEntry, RegisterReport

Resolve = Callable[["RegisterEntry"], tuple[list[Problem], Complaint, int | None]]
"""An entry to (problems, the complaint with stored ids, the oversight body's actor id)."""


class Move(Protocol):
    """Moves a stored case one stage on, inside the caller's transaction."""

    def __call__(
        self, complaint_id: int, to: Status, *, note: str, actor_id: int | None, now: datetime
    ) -> None: ...


def import_register(
    conn: Connection,
    found: RegisterReport,
    *,
    source: str,
    iso3: str,
    by: Principal,
    validate: Callable[[Complaint], Complaint],
    create: Callable[[Complaint], tuple[Complaint, bool]],
    move: Move,
) -> ImportReport:
    """Store the register's good entries; report the others by line and column.

    ``validate`` checks a complaint as the service does (``InputError`` naming a field),
    ``create`` stores it or finds it by register number (the stored complaint and whether it
    is new), ``move`` moves a case. Entries already stored are counted unchanged and left as
    they are; a stage that differs from the stored one is reported.
    """
    report = ImportReport(source=source, warnings=list(found.problems))
    lost: set[int | None] = {p.line for p in found.problems if p.line is not None}
    resolve = resolver(conn, iso3, source=source)
    for entry in found.entries:
        problems, complaint, body = resolve(entry)
        if not problems:
            try:
                complaint = validate(complaint)
            except InputError as exc:
                problems.append(register_problem(exc.problem, entry, source))
        if problems:
            report.warnings.extend(problems)
            lost.add(entry.line)
            continue
        stored, created = create(complaint)
        if not created:
            report.unchanged += 1
            if entry.status and stored.status != entry.status:
                report.warnings.append(
                    Problem(
                        f"register number {entry.register_no} is already stored, at "
                        f"stage {stored.status.value}; the register says "
                        f"{entry.status.value}: move the case in PeaceOps",
                        source=source,
                        field="status",
                    )
                )
            continue
        report.created += 1
        if entry.status is not None:
            at = (
                datetime.combine(entry.status_on, time(), tzinfo=UTC)
                if entry.status_on
                else utcnow()
            )
            advance(move, stored.id or 0, entry.status, at=at, body=body)
    report.skipped = len(lost)
    if report.created:
        audited.record(conn, by, AuditAction.IMPORT, "complaints", None, after=report.as_dict())
    return report


def advance(
    move: Move, complaint_id: int, target: Status, *, at: datetime, body: int | None
) -> None:
    """Take a new case along the shortest path of the workflow to ``target``."""
    for step in workflow_path(Status.RECEIVED, target):
        move(
            complaint_id,
            step,
            note="stage recorded in the paper register",
            actor_id=body if step == Status.REFERRED else None,
            now=at,
        )


def resolver(conn: Connection, iso3: str, *, source: str) -> Resolve:
    """Matches a register's institutions, places and bodies as written to stored ids."""

    def key(text: str) -> str:
        return " ".join(text.casefold().split())

    inst: dict[str, int] = {}
    for i in institutions_repo.list_institutions(conn, country_iso3=iso3):
        for name in (i.name, i.acronym):
            if name and i.id is not None:
                inst.setdefault(key(name), i.id)
    areas: dict[str, int] = {}
    for a in places.list_admin_areas(conn, iso3, with_geometry=False):
        if a.id is not None:
            areas.setdefault(key(a.pcode), a.id)
            areas.setdefault(key(a.name), a.id)
    bodies: dict[str, int] = {}
    for actor in actors_repo.list_actors(conn):
        for name in (actor.name, actor.acronym or "", *actor.name_variants):
            if name and actor.id is not None:
                bodies.setdefault(key(name), actor.id)

    def resolve(entry: RegisterEntry) -> tuple[list[Problem], Complaint, int | None]:
        problems = []

        def look(table: dict[str, int], text: str, column: str, what: str) -> int | None:
            if not text:
                return None
            found = table.get(key(text))
            if found is None:
                problems.append(
                    Problem(
                        f"{what} '{text}' is not known in {iso3}",
                        source=source,
                        line=entry.line,
                        field=column,
                    )
                )
            return found

        institution = look(inst, entry.institution, "institution", "institution")
        area = look(areas, entry.place, "place", "place (P-code or area name)")
        body = look(bodies, entry.referred_to, "referred_to", "organisation")
        complaint = replace(entry.complaint, institution_id=institution, admin_area_id=area)
        return problems, complaint, body

    return resolve


def workflow_path(start: Status, target: Status) -> list[Status]:
    """The shortest sequence of moves from ``start`` to ``target`` (breadth first)."""
    paths: dict[Status, list[Status]] = {start: []}
    queue = [start]
    while queue:
        here = queue.pop(0)
        if here == target:
            return paths[here]
        for nxt in sorted(TRANSITIONS[here], key=list(Status).index):
            if nxt not in paths:
                paths[nxt] = [*paths[here], nxt]
                queue.append(nxt)
    raise InputError(f"no way from {start.value} to {target.value}", field="status")


def register_problem(problem: Problem, entry: RegisterEntry, source: str) -> Problem:
    """A problem the service found, named by the register's line and column."""
    columns = {
        "institution_id": "institution",
        "admin_area_id": "place",
        "received_at": "received_on",
        "external_id": "register_no",
        "complainant.name": "complainant_name",
        "complainant.phone": "complainant_phone",
    }
    column = columns.get(problem.field or "", problem.field)
    return Problem(problem.message, source=source, line=entry.line, field=column)
