"""Complaints as confidential cases, on SQLite and PostgreSQL: intake, workflow, identity,
aggregates, deadlines, paper registers, concurrency, key rotation and the integrity evidence."""

from __future__ import annotations

import csv
import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select
from typer.testing import CliRunner

from conftest import SYSTEM, TestDatabase
from peaceops.domain.access import Principal, Role
from peaceops.domain.audit import AuditAction
from peaceops.domain.complaints import (
    SENSITIVE_CATEGORIES,
    Category,
    Channel,
    Complainant,
    Complaint,
    Confidentiality,
    Status,
    normalise_reference,
)
from peaceops.errors import ConfigError, ConflictError, InputError, PermissionDenied
from peaceops.platform import Platform
from peaceops.platform.complaints import PublicStatus
from peaceops.services.cli.app import app as cli
from peaceops.storage import transaction
from peaceops.storage.tables import admin_areas, audit_log, complaint_transitions, complaints

HANDLER = Principal("handler", Role.CASE_HANDLER, via="web")
ADMIN = Principal("admin", Role.ADMIN, via="web")
ANALYST = Principal("analyst", Role.ANALYST, via="web")
GATEWAY = Principal("sms-gateway", Role.CASE_HANDLER, via="api")
OTHERS = [Principal(r.value, r) for r in (Role.PARTNER, Role.VIEWER, Role.CIVIL_SOCIETY)]
NAME, PHONE = "Amina Qorbeth-Zulu", "+999 71 555 0123"
STORY = "Officers at the <b>Kessaba</b> checkpoint took 5,000 francs & my phone."
runner = CliRunner()


def institution_id(platform: Platform, acronym: str) -> int:
    found = next(i for i in platform.institutions.list() if i.acronym == acronym)
    assert found.id is not None
    return found.id


def areas(platform: Platform, level: int) -> list[tuple[int, str]]:
    with transaction(platform.engine, write=False) as conn:
        rows = conn.execute(
            select(admin_areas.c.id, admin_areas.c.pcode).where(
                admin_areas.c.country_iso3 == "XCA", admin_areas.c.level == level
            )
        ).all()
    return [(int(r[0]), str(r[1])) for r in rows]


def body(platform: Platform, acronym: str) -> int:
    found = next(a for a in platform.complaints.oversight_bodies() if a.acronym == acronym)
    assert found.id is not None
    return found.id


def new(**changes: Any) -> Complaint:
    values: dict[str, Any] = {
        "category": Category.EXTORTION,
        "description": STORY,
        "channel": Channel.WEB,
        "confidentiality": Confidentiality.CONFIDENTIAL,
        "received_at": datetime.now(UTC),
        "complainant": Complainant(name=NAME, phone=PHONE),
        "unit": "Kessaba checkpoint",
    }
    values.update(changes)
    return Complaint(**values)


def count(platform: Platform) -> int:
    return platform.complaints.counts()["complaints"]


def audit_rows(platform: Platform) -> int:
    with transaction(platform.engine, write=False) as conn:
        return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


# Workflow -----------------------------------------------------------------------------------


def test_a_case_goes_from_received_to_resolved_with_every_step_audited(
    platform: Platform,
) -> None:
    police = institution_id(platform, "CNP")
    stored = platform.complaints.submit(new(institution_id=police), country="XCA")
    assert stored.status == Status.RECEIVED and stored.id is not None
    assert normalise_reference(stored.reference) == stored.reference
    assert stored.stage_due == stored.received_at + timedelta(days=3)
    ignp = body(platform, "IGNP")
    start = datetime.now(UTC)
    steps = [
        (Status.ACKNOWLEDGED, "called back", None),
        (Status.UNDER_REVIEW, "statement taken", None),
        (Status.REFERRED, "sent to the inspectorate", ignp),
        (Status.RESOLVED, "officer sanctioned", None),
    ]
    for n, (to, note, actor) in enumerate(steps, start=1):
        view = platform.complaints.move(
            stored.id, to, by=HANDLER, note=note, actor_id=actor, now=start + timedelta(hours=n)
        )
        assert view.complaint.status == to
    assert view.referred_to == "Inspectorate General of the National Police"
    assert view.institution == "Carana National Police" and not view.overdue
    assert [t.to_status for t in view.transitions] == [Status.RECEIVED, *(s[0] for s in steps)]
    assert [t.note for t in view.transitions[1:]] == [s[1] for s in steps]
    assert view.transitions[3].actor_id == ignp and view.transitions[-1].by == "handler"
    entries, _ = platform.audit.entries(by=SYSTEM, entity="complaints", entity_id=str(stored.id))
    actions = Counter(e.action for e in entries)
    assert actions[AuditAction.CREATE] == 1 and actions[AuditAction.UPDATE] == 4
    created = next(e for e in entries if e.action == AuditAction.CREATE)
    assert created.username == "public" and created.via == "web"
    moves = sorted((e for e in entries if e.action == AuditAction.UPDATE), key=lambda e: e.id or 0)
    assert [e.after["status"] for e in moves if e.after] == [s[0].value for s in steps]
    assert all(e.username == "handler" for e in moves)
    with transaction(platform.engine, write=False) as conn:
        logged = conn.execute(
            select(func.count()).where(audit_log.c.entity == "complaint_transitions")
        ).scalar_one()
        closed = conn.execute(
            select(complaints.c.closed_at).where(complaints.c.id == stored.id)
        ).scalar_one()
    assert logged >= 5 and closed is not None
    public = platform.complaints.status(stored.reference)
    assert public is not None and public.status == Status.RESOLVED


def test_moves_against_the_workflow_are_refused(platform: Platform) -> None:
    stored = platform.complaints.submit(new(), country="XCA")
    assert stored.id is not None
    with pytest.raises(ConflictError, match=r"received.*resolved"):
        platform.complaints.move(stored.id, Status.RESOLVED, by=HANDLER)
    platform.complaints.move(stored.id, Status.ACKNOWLEDGED, by=HANDLER)
    platform.complaints.move(stored.id, Status.UNDER_REVIEW, by=HANDLER)
    with pytest.raises(InputError) as missing:
        platform.complaints.move(stored.id, Status.REFERRED, by=HANDLER)
    assert missing.value.problem.field == "actor_id"
    with pytest.raises(InputError):
        platform.complaints.move(stored.id, Status.REFERRED, by=HANDLER, actor_id=999_999)
    with pytest.raises(InputError):
        platform.complaints.move(
            stored.id, Status.RESOLVED, by=HANDLER, actor_id=body(platform, "OMB")
        )
    platform.complaints.move(stored.id, Status.CLOSED, by=HANDLER, note="withdrawn")
    with pytest.raises(ConflictError, match="closed"):
        platform.complaints.move(stored.id, Status.UNDER_REVIEW, by=HANDLER)
    for other in [*OTHERS, ANALYST]:
        with pytest.raises(PermissionDenied):
            platform.complaints.move(stored.id, Status.CLOSED, by=other)


def test_the_public_status_shows_the_stage_and_its_day_only(platform: Platform) -> None:
    stored = platform.complaints.submit(new(), country="XCA")
    typed = stored.reference.lower().replace("-", " ").replace("0", "o")
    found = platform.complaints.status(typed)
    assert found == PublicStatus(stored.reference, Status.RECEIVED, stored.received_at.date())
    assert set(PublicStatus.__dataclass_fields__) == {"reference", "status", "updated_on"}
    assert platform.complaints.status("PO-00000-00000-0") is None
    assert platform.complaints.status("not a code") is None
    broken = stored.reference[:-1] + ("A" if stored.reference[-1] != "A" else "B")
    assert platform.complaints.status(broken) is None


# Identity ------------------------------------------------------------------------------------


def test_identity_and_narrative_are_encrypted_and_identity_is_for_case_handlers(
    platform: Platform,
) -> None:
    stored = platform.complaints.submit(new(), country="XCA")
    assert stored.id is not None
    platform.complaints.move(stored.id, Status.ACKNOWLEDGED, by=HANDLER, note=f"rang {PHONE}")
    with transaction(platform.engine, write=False) as conn:
        row = conn.execute(select(complaints).where(complaints.c.id == stored.id)).mappings().one()
        notes = conn.execute(
            select(complaint_transitions.c.note_encrypted).where(
                complaint_transitions.c.complaint_id == stored.id
            )
        ).all()
        logged = conn.execute(select(audit_log.c.before, audit_log.c.after)).all()
    raw = json.dumps({k: str(v) for k, v in row.items()}) + str(notes)
    for secret in (NAME, PHONE, "Kessaba", "francs"):
        assert secret not in raw
    trail = json.dumps([list(r) for r in logged], default=str)
    assert NAME not in trail and PHONE not in trail and "francs" not in trail
    assert row["complainant_encrypted"][:20] not in trail  # no tokens in the append-only log

    seen = platform.complaints.case(stored.id, by=HANDLER)
    assert seen.identity_visible and seen.complaint.complainant == Complainant(NAME, PHONE)
    assert seen.complaint.description == STORY  # stored as given, escaping is the view's job
    reads, _ = platform.audit.entries(by=SYSTEM, entity="complaints", entity_id=str(stored.id))
    assert any(e.action == AuditAction.READ and e.username == "handler" for e in reads)

    as_admin = platform.complaints.case(stored.id, by=ADMIN)
    assert as_admin.complaint.complainant is None and not as_admin.identity_visible
    assert as_admin.complaint.description == STORY
    listed = platform.complaints.cases(by=HANDLER, status=Status.ACKNOWLEDGED)
    assert listed and all(v.complaint.complainant is None for v in listed)
    for other in [*OTHERS, ANALYST]:
        with pytest.raises(PermissionDenied):
            platform.complaints.cases(by=other)
        with pytest.raises(PermissionDenied):
            platform.complaints.case(stored.id, by=other)


def test_intake_validates_and_strips_control_characters(platform: Platform) -> None:
    def field_of(**changes: Any) -> str | None:
        with pytest.raises(InputError) as caught:
            platform.complaints.submit(new(**changes), country="XCA")
        return caught.value.problem.field

    assert field_of(description="  \x00 ") == "description"
    assert field_of(description="x" * 5001) == "description"
    assert field_of(category="beating") == "category"
    assert field_of(institution_id=999_999) == "institution_id"
    assert field_of(admin_area_id=999_999) == "admin_area_id"
    assert field_of(incident_date=date.today() + timedelta(days=5)) == "incident_date"
    assert field_of(victim_sex="x") == "victim_sex"
    with pytest.raises(InputError):
        platform.complaints.submit(new(), country="ZZZ")
    with pytest.raises(PermissionDenied):
        platform.complaints.submit(new(), country="XCA", by=OTHERS[0])
    before = count(platform)
    stored = platform.complaints.submit(
        new(
            description="line one\x1b[2J\r\nline two\x07", confidentiality=Confidentiality.ANONYMOUS
        ),
        country="XCA",
    )
    assert count(platform) == before + 1
    assert stored.id is not None
    view = platform.complaints.case(stored.id, by=HANDLER)
    assert view.complaint.description == "line one[2J\nline two"
    assert view.complaint.complainant is None  # an anonymous complaint keeps no identity


def test_a_gateway_message_sent_twice_is_stored_once(platform: Platform) -> None:
    before = count(platform)
    message = new(channel=Channel.SMS, external_id="sms-7781", received_at=datetime.now(UTC))
    first = platform.complaints.submit(message, country="XCA", by=GATEWAY)
    again = platform.complaints.submit(message, country="XCA", by=GATEWAY)
    assert again.id == first.id and again.reference == first.reference
    assert again.complainant == Complainant(NAME, PHONE)  # the gateway is a case handler
    public = platform.complaints.submit(message, country="XCA")
    assert public.id == first.id and public.description == "" and public.complainant is None
    assert count(platform) == before + 1


def test_submit_once_says_whether_it_created_the_complaint(platform: Platform) -> None:
    message = new(channel=Channel.HOTLINE, external_id="call-4410")
    first, created = platform.complaints.submit_once(message, country="XCA", by=GATEWAY)
    again, created_again = platform.complaints.submit_once(message, country="XCA", by=GATEWAY)
    assert created is True and created_again is False
    assert again.id == first.id and again.reference == first.reference
    without_id, fresh = platform.complaints.submit_once(new(), country="XCA")
    assert fresh is True and without_id.id not in (None, first.id)


# Aggregates ----------------------------------------------------------------------------------


def test_accountability_suppresses_small_cells_and_shows_regions_only(platform: Platform) -> None:
    districts = areas(platform, 2)
    regions = {p for _, p in areas(platform, 1)}
    police, gendarmerie, army = (institution_id(platform, a) for a in ("CNP", "NG", "CDF"))
    plan = (
        [(police, Category.EXTORTION, districts[0][0])] * 12
        + [(army, Category.EXTORTION, districts[1][0])] * 2
        + [(army, Category.EXCESSIVE_FORCE, districts[1][0])] * 9
        + [(gendarmerie, Category.SGBV, districts[2][0])] * 3
    )
    when = datetime(2024, 3, 5, 10, tzinfo=UTC)
    for n, (inst, category, area) in enumerate(plan):
        platform.complaints.submit(
            new(
                institution_id=inst,
                category=category,
                admin_area_id=area,
                received_at=when + timedelta(days=n % 2 * 40),
            ),
            country="XCA",
            by=GATEWAY,
        )
    report = platform.complaints.accountability(
        country="XCA", by=OTHERS[2], period_start=date(2024, 1, 1), period_end=date(2024, 12, 31)
    )
    assert report.total == 26 and report.min_cell == 10 and report.population > 0
    inst = {r.label: r for r in report.by_institution}
    assert inst["Carana National Police"].received == 12
    assert inst["Carana National Police"].per_100k == pytest.approx(12 / report.population * 1e5)
    # The gendarmerie's 3 are small; the defence forces' 11 go too, or 26 - 12 would give 3.
    assert inst["National Gendarmerie"].suppressed and inst["National Gendarmerie"].received is None
    assert inst["Carana Defence Forces"].suppressed
    cats = {r.key: r for r in report.by_category}
    assert cats["extortion"].received == 14 and cats["sgbv"].suppressed
    assert cats["excessive_force"].suppressed  # complementary
    assert {r.key for r in report.by_area} <= regions
    assert (
        sum(r.received or 0 for r in report.by_area)
        + sum(1 for r in report.by_area if r.suppressed)
        <= 23
    )  # the SGBV complaints are never in regional rows
    assert all(r.received is None or r.received >= 10 for r in report.by_area)
    months = dict(report.by_month)
    assert len(months) == 12 and months["2024-03"] == 13 and months["2024-04"] == 13
    assert months["2024-01"] == 0
    everything = platform.complaints.accountability(country="XCA", by=OTHERS[1])
    assert everything.total == report.total + count(platform) - 26
    for breakdown in (everything.by_institution, everything.by_category, everything.by_area):
        hidden = [r for r in breakdown if r.suppressed]
        assert len(hidden) != 1
        assert all(r.received is None and r.open is None for r in hidden)
    sensitive = {c.value for c in SENSITIVE_CATEGORIES}
    assert not sensitive & {r.key for r in everything.by_area}
    assert {r.key for r in everything.by_area} <= regions | {""}


# Deadlines -----------------------------------------------------------------------------------


def test_overdue_follows_the_deadlines_and_their_setting(db: TestDatabase) -> None:
    platform = db.platform
    now = datetime.now(UTC)
    stored = platform.complaints.submit(
        new(channel=Channel.HOTLINE, external_id="HL-T-1", received_at=now - timedelta(days=5)),
        country="XCA",
        by=GATEWAY,
    )
    late = {v.complaint.id for v in platform.complaints.overdue(by=HANDLER, now=now)}
    assert stored.id in late
    assert stored.id not in {
        v.complaint.id for v in platform.complaints.overdue(by=HANDLER, now=now - timedelta(days=3))
    }
    view = platform.complaints.case(stored.id or 0, by=ADMIN)
    assert view.overdue and view.complaint.stage_due == stored.received_at + timedelta(days=3)
    longer = Platform(db.settings(complaint_deadline_days={"received": 7}))
    try:
        assert longer.complaints.deadlines()[Status.RECEIVED] == 7
        assert stored.id not in {
            v.complaint.id for v in longer.complaints.overdue(by=HANDLER, now=now)
        }
        assert not longer.complaints.case(stored.id or 0, by=ADMIN).overdue
        not_late = longer.complaints.cases(by=HANDLER, overdue=False, status=Status.RECEIVED)
        assert stored.id in {v.complaint.id for v in not_late}
    finally:
        longer.close()
    wrong = Platform(db.settings(complaint_deadline_days={"resolved": 7}))
    try:
        with pytest.raises(ConfigError):
            wrong.complaints.deadlines()
    finally:
        wrong.close()
    # The demo leaves some cases overdue on 15 November 2026, at every open stage but one.
    demo = platform.complaints.overdue(by=HANDLER, now=datetime(2026, 11, 15, tzinfo=UTC))
    assert len(demo) >= 5 and {v.complaint.status for v in demo} >= {Status.UNDER_REVIEW}
    assert all(v.overdue and v.complaint.complainant is None for v in demo)


# Paper registers -----------------------------------------------------------------------------


def register(path: Path, rows: list[dict[str, str]]) -> Path:
    from peaceops.ingest.complaints import COLUMNS

    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_paper_register_imports_its_good_rows_once(platform: Platform, tmp_path: Path) -> None:
    district = areas(platform, 2)[0][1]
    good = {
        "register_no": "R-001",
        "received_on": "2026-09-01",
        "category": "Extortion",
        "institution": "CNP",
        "place": district,
        "description": "Asked for money at the market.\nTwice.",
        "complainant_name": NAME,
        "complainant_phone": PHONE,
    }
    rows = [
        good,
        {**good, "register_no": "R-002", "received_on": "2026-13-40"},
        {**good, "register_no": "R-003", "institution": "Secret Police", "anonymous": "no"},
        {
            **good,
            "register_no": "R-004",
            "anonymous": "yes",
            "complainant_name": "",
            "complainant_phone": "",
            "status": "resolved",
            "status_on": "2026-10-01",
        },
        {
            **good,
            "register_no": "R-005",
            "status": "referred",
            "referred_to": "NHRC",
            "status_on": "2026-09-20",
            "place": "Kalari",
        },
    ]
    path = register(tmp_path / "register.csv", rows)
    before = count(platform)
    report = platform.complaints.import_register(path, country="XCA", by=ADMIN)
    assert (report.created, report.unchanged, report.skipped) == (3, 0, 2)
    where = {(w.line, w.field) for w in report.warnings}
    assert (3, "received_on") in where and (4, "institution") in where
    assert all(NAME not in str(w) for w in report.warnings)
    assert count(platform) == before + 3
    again = platform.complaints.import_register(path, country="XCA", by=ADMIN)
    assert (again.created, again.unchanged) == (0, 3) and count(platform) == before + 3
    cases = {
        v.complaint.external_id: v
        for v in platform.complaints.cases(by=HANDLER)
        if v.complaint.channel == Channel.PAPER
    }
    assert cases["R-001"].complaint.status == Status.RECEIVED
    assert cases["R-001"].complaint.description == "Asked for money at the market.\nTwice."
    assert cases["R-004"].complaint.status == Status.RESOLVED
    assert cases["R-004"].complaint.confidentiality == Confidentiality.ANONYMOUS
    assert [t.to_status for t in cases["R-004"].transitions][-1] == Status.RESOLVED
    assert cases["R-004"].transitions[-1].at == datetime(2026, 10, 1, tzinfo=UTC)
    assert cases["R-005"].referred_to == "National Human Rights Commission"
    assert cases["R-005"].area == "Kalari"
    identity = platform.complaints.case(cases["R-001"].complaint.id or 0, by=HANDLER)
    assert identity.complaint.complainant == Complainant(NAME, PHONE)


# Concurrency ---------------------------------------------------------------------------------


def test_simultaneous_submissions_are_each_stored_once(platform: Platform) -> None:
    before = count(platform)
    unique = [new(description=f"complaint number {n}") for n in range(40)]
    sms = new(channel=Channel.SMS, external_id="burst-1")
    hotline = new(channel=Channel.HOTLINE, external_id="burst-2")
    jobs: list[tuple[Complaint, Principal | None]] = [(c, None) for c in unique]
    jobs += [(sms, GATEWAY)] * 8 + [(hotline, GATEWAY)] * 8
    start = threading.Barrier(len(jobs))

    def send(job: tuple[Complaint, Principal | None]) -> Complaint:
        start.wait(timeout=60)
        return platform.complaints.submit(job[0], country="XCA", by=job[1])

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        stored = list(pool.map(send, jobs))
    assert count(platform) == before + 42
    assert len({s.reference for s in stored[:40]}) == 40
    assert len({s.id for s in stored[40:48]}) == 1 and len({s.id for s in stored[48:]}) == 1
    references = {s.reference for s in stored}
    assert len(references) == 42
    with transaction(platform.engine, write=False) as conn:
        per_text = conn.execute(
            select(complaints.c.external_id, func.count())
            .where(complaints.c.external_id.in_(["burst-1", "burst-2"]))
            .group_by(complaints.c.external_id)
        ).all()
        distinct = conn.execute(select(func.count(func.distinct(complaints.c.reference)))).scalar()
    assert dict(per_text) == {"burst-1": 1, "burst-2": 1}
    assert distinct == before + 42
    seen = {platform.complaints.case(s.id or 0, by=ADMIN).complaint.description for s in stored}
    assert {c.description for c in unique} <= seen


def test_a_duplicate_past_the_first_check_is_caught_by_the_constraint(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What happens to the later of two simultaneous messages: the insert clashes on the
    unique (channel, external_id), the savepoint rolls back, the stored one is read back."""
    from peaceops.storage.repositories import complaints as repo

    message = new(channel=Channel.SMS, external_id="race-1")
    first = platform.complaints.submit(message, country="XCA", by=GATEWAY)
    before, logged = count(platform), audit_rows(platform)
    real = repo.find_by_external_id
    calls: list[str] = []

    def late(conn: Any, channel: str, external_id: str) -> Any:
        calls.append(external_id)
        return None if len(calls) == 1 else real(conn, channel, external_id)

    monkeypatch.setattr(repo, "find_by_external_id", late)
    again = platform.complaints.submit(message, country="XCA", by=GATEWAY)
    assert again.id == first.id and len(calls) == 2
    assert count(platform) == before and audit_rows(platform) == logged


def test_a_clashing_reference_is_drawn_again(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peaceops.domain import complaints as domain
    from peaceops.platform import complaints as service

    taken = platform.complaints.submit(new(), country="XCA").reference
    codes = iter([taken, taken, domain.new_reference()])
    monkeypatch.setattr(service, "new_reference", lambda: next(codes))
    stored = platform.complaints.submit(new(), country="XCA")
    assert stored.reference != taken and stored.id is not None
    monkeypatch.setattr(service, "new_reference", lambda: taken)
    with pytest.raises(ConflictError):
        platform.complaints.submit(new(), country="XCA")


# Keys ----------------------------------------------------------------------------------------


def test_rotating_keys_re_encrypts_every_field(db: TestDatabase) -> None:
    old = db.settings().data_keys()[0].decode()
    fresh = Fernet.generate_key().decode()
    first = db.platform
    stored = first.complaints.submit(new(), country="XCA")
    first.complaints.move(stored.id or 0, Status.ACKNOWLEDGED, by=HANDLER, note="called")
    both = Platform(db.settings(data_key=f"{fresh},{old}"))
    only_new = Platform(db.settings(data_key=fresh))
    try:
        with pytest.raises(ConfigError):
            only_new.complaints.case(stored.id or 0, by=HANDLER)
        with pytest.raises(PermissionDenied):
            both.complaints.rotate_keys(by=HANDLER)
        with transaction(first.engine, write=False) as conn:
            rows = conn.execute(select(func.count()).select_from(complaints)).scalar_one()
            notes = conn.execute(
                select(func.count()).where(complaint_transitions.c.note_encrypted.is_not(None))
            ).scalar_one()
        assert both.complaints.rotate_keys(by=SYSTEM) == rows + notes
        view = only_new.complaints.case(stored.id or 0, by=HANDLER)
        assert view.complaint.complainant == Complainant(NAME, PHONE)
        assert view.transitions[-1].note == "called" and view.complaint.description == STORY
        assert len(only_new.complaints.cases(by=HANDLER)) == rows  # the demo's too
        with pytest.raises(ConfigError):
            first.complaints.case(stored.id or 0, by=ADMIN)  # the old key alone no longer reads
    finally:
        both.close()
        only_new.close()


# Assessment ----------------------------------------------------------------------------------


def test_complaints_feed_the_police_integrity_evidence(platform: Platform) -> None:
    rounds = platform.assessment.rounds(country="XCA", framework="rule_of_law")
    latest = rounds[-1]
    assert latest.id is not None
    evidence = platform.assessment.evidence(latest.id, by=SYSTEM)
    fed = [
        v
        for v in evidence.admin_values
        if v.item_code == "POL-INT-02-AD" and v.source_name == "PeaceOps complaints register"
    ]
    assert len(fed) == 1 and fed[0].as_of == latest.period_end
    start = datetime.combine(latest.period_start, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(latest.period_end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    police = {institution_id(platform, a) for a in ("CNP", "NG", "BIS")}
    received = resolved = 0
    for v in platform.complaints.cases(by=ADMIN, country="XCA"):
        c = v.complaint
        if c.institution_id in police and start <= c.received_at < end:
            received += 1
            resolved += c.status == Status.RESOLVED
    assert (fed[0].numerator, fed[0].denominator) == (resolved, received) and received > 20
    again = platform.complaints.feed_assessment(latest.id, by=SYSTEM)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    with pytest.raises(PermissionDenied):
        platform.complaints.feed_assessment(latest.id, by=HANDLER)
    score = platform.assessment.score(latest.id).scores.indicators["POL-INT-02"]
    admin = [s for s in score.sources if s.source.value == "administrative"]
    assert admin and admin[0].raw.value == pytest.approx(resolved / received, abs=1e-6)


# Demo and command line -----------------------------------------------------------------------


def test_the_demo_stream_is_realistic() -> None:
    from peaceops.scenario.carana import build_carana
    from peaceops.scenario.complaints import AS_OF, build_complaints

    scenario = build_carana()
    items = build_complaints(scenario, seed=scenario.seed)
    assert items == build_complaints(scenario, seed=scenario.seed)
    assert 250 <= len(items) <= 400
    cats = Counter(i.complaint.category for i in items)
    top = {c for c, _ in cats.most_common(2)}
    assert top == {Category.EXTORTION, Category.EXCESSIVE_FORCE} and cats[Category.SGBV] > 0
    assert {s.body for i in items for s in i.steps if s.body} == {"IGNP", "NHRC", "OMB"}
    assert all(s.at <= AS_OF for i in items for s in i.steps)
    assert len({i.complaint.channel for i in items}) == 5
    first = min(i.complaint.received_at for i in items)
    last = max(i.complaint.received_at for i in items)
    assert first.date() >= date(2025, 1, 1) and last.date() <= date(2026, 10, 31)


def test_command_line_lists_overdue_cases_without_identities(
    db: TestDatabase, tmp_path: Path
) -> None:
    url = ["--database-url", db.url]
    result = runner.invoke(cli, [*url, "complaints", "overdue", "--country", "XCA", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows and set(rows[0]) == {"reference", "stage", "days_overdue", "institution"}
    table = runner.invoke(cli, [*url, "complaints", "overdue"])
    assert table.exit_code == 0 and rows[0]["reference"] in table.stdout
    template = tmp_path / "register.csv"
    assert runner.invoke(cli, [*url, "complaints", "template", str(template)]).exit_code == 0
    with template.open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    path = register(
        tmp_path / "paper.csv",
        [
            {
                "register_no": "P-9",
                "received_on": "2026-10-02",
                "category": "threats",
                "description": "Threatened at the market",
                header[3]: "NG",
            }
        ],
    )
    imported = runner.invoke(cli, [*url, "complaints", "import", str(path), "--country", "XCA"])
    assert imported.exit_code == 0, imported.output
    assert "1" in imported.stdout
    bad = runner.invoke(cli, [*url, "complaints", "import", str(path), "--country", "QQQ"])
    assert bad.exit_code == 3
    rotated = runner.invoke(cli, [*url, "complaints", "rotate-keys"])
    assert rotated.exit_code == 0 and "Re-encrypted" in rotated.stdout
