"""Complaints against security forces, handled as confidential cases.

The public submits through the web form (no account), gateways (hotline, SMS) through the API
with a token, and clerks import paper registers. Each complaint gets an unguessable reference
(``PO-XXXXX-XXXXX-C``); with it the complainant learns the stage and the day it was reached,
nothing else. Case handlers (``HANDLE_COMPLAINTS``) read cases and move them through the
workflow of ``domain.complaints``; who complained is decrypted only for
``READ_COMPLAINANT_IDENTITY`` (case handlers, not administrators), on the page of one case,
and every such read is logged. Lists of cases never carry identities.

The narrative, the unit named, the complainant and the handlers' notes are encrypted at rest
with the data keys (``PEACEOPS_DATA_KEY``); audit entries record that they are set, never their
tokens, so ``rotate_keys`` can re-encrypt everything that holds them.

Everyone may read the aggregates (``accountability``): counts by institution, category,
region and month, with small cells suppressed; SGBV and torture complaints never appear by
region.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from peaceops.analytics.complaints import (
    NOT_RECORDED,
    Accountability,
    AccountabilityRow,
    accountability,
    case_facts,
)
from peaceops.config import Settings
from peaceops.domain.access import Permission, Principal, Role
from peaceops.domain.actors import Actor, ActorCategory
from peaceops.domain.assessment import AdminValue, Evidence
from peaceops.domain.audit import AuditAction
from peaceops.domain.complaints import (
    DEFAULT_DEADLINE_DAYS,
    TRANSITIONS,
    Category,
    Channel,
    Complainant,
    Complaint,
    Confidentiality,
    Status,
    Transition,
    can_move,
    new_reference,
    normalise_reference,
    stage_due,
)
from peaceops.domain.institutions import InstitutionType
from peaceops.errors import ConfigError, ConflictError, InputError, NotFound, Problem
from peaceops.ingest.complaints import strip_controls
from peaceops.platform import complaint_register as register
from peaceops.platform.access import require
from peaceops.platform.assessment import AssessmentService
from peaceops.platform.places import ImportReport
from peaceops.platform.unstorable import refuse_unstorable
from peaceops.storage import transaction
from peaceops.storage.crypto import FieldCipher
from peaceops.storage.repositories import actors as actors_repo
from peaceops.storage.repositories import audited, places
from peaceops.storage.repositories import complaints as repo
from peaceops.storage.repositories import institutions as institutions_repo
from peaceops.storage.types import utcnow

if TYPE_CHECKING:
    from peaceops.scenario.complaints import DemoComplaint

PUBLIC = Principal(username="public", role=Role.VIEWER, via="web")
"""Who the audit log names for the public web form."""
INTEGRITY_ITEM = "POL-INT-02-AD"
"""Administrative item of the rule-of-law framework fed by ``feed_assessment``."""
POLICE_TYPES = (InstitutionType.POLICE, InstitutionType.GENDARMERIE, InstitutionType.BORDER_AGENCY)
OVERSIGHT_TYPES = (
    InstitutionType.HUMAN_RIGHTS_INSTITUTION,
    InstitutionType.ANTI_CORRUPTION_BODY,
    InstitutionType.PARLIAMENTARY_OVERSIGHT,
)
OVERSIGHT_WORDS = (
    "ombuds",
    "human rights",
    "inspectorate",
    "inspector general",
    "inspection",
    "oversight",
    "complaints",
    "médiateur",
    "droits de l",
)
VICTIM_SEXES = ("female", "male", "other")
SHORT_TEXT = 300
REFERENCE_ATTEMPTS = 5
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class PublicStatus:
    """What a complainant learns with their code, nothing else."""

    reference: str
    status: Status
    updated_on: date


@dataclass(frozen=True, slots=True)
class CaseView:
    complaint: Complaint
    """``complainant`` is None unless the caller may read identities (and asked for one case)."""
    institution: str | None
    area: str | None
    """Name of the admin area, at the precision stored."""
    referred_to: str | None
    """Name of the oversight body of the latest referral."""
    transitions: tuple[Transition, ...]
    overdue: bool
    identity_visible: bool


class ComplaintsService:
    def __init__(
        self, settings: Settings, engine: Engine, *, assessment: AssessmentService
    ) -> None:
        self._settings = settings
        self._engine = engine
        self._assessment = assessment
        self._cipher = FieldCipher(settings.data_keys())

    # Settings ---------------------------------------------------------------------------------

    def deadlines(self) -> dict[Status, int]:
        """Days a case may stay in each open stage: the defaults, overridden by
        ``PEACEOPS_COMPLAINT_DEADLINE_DAYS``."""
        out = dict(DEFAULT_DEADLINE_DAYS)
        for key, days in self._settings.complaint_deadline_days.items():
            try:
                stage = Status(key.strip().lower())
            except ValueError:
                stage = None
            if stage is None or not stage.is_open:
                open_stages = ", ".join(s.value for s in Status if s.is_open)
                raise ConfigError(
                    f"PEACEOPS_COMPLAINT_DEADLINE_DAYS names '{key}', which is not an open "
                    f"stage; use {open_stages}"
                )
            if days < 1:
                raise ConfigError(f"PEACEOPS_COMPLAINT_DEADLINE_DAYS: {key} must be 1 day or more")
            out[stage] = days
        return out

    # Intake -----------------------------------------------------------------------------------

    def submit(
        self, complaint: Complaint, *, country: str, by: Principal | None = None
    ) -> Complaint:
        """Store a new complaint and return it with its reference and first deadline.

        ``by=None`` is the public web form: the audit log names "public", the time of receipt
        is the server's. A principal (hotline or SMS gateway, with ``HANDLE_COMPLAINTS``) may
        give the time of receipt. Whatever the caller sets, a new complaint starts as
        ``received`` with a fresh reference; an anonymous complaint keeps no identity. The same
        ``(channel, external_id)`` sent again returns the stored complaint and stores nothing
        (its narrative only for ``HANDLE_COMPLAINTS``, its complainant only for
        ``READ_COMPLAINANT_IDENTITY``). Text is stored as given, less control characters.
        """
        return self.submit_once(complaint, country=country, by=by)[0]

    def submit_once(
        self, complaint: Complaint, *, country: str, by: Principal | None = None
    ) -> tuple[Complaint, bool]:
        """``submit``, and whether the complaint was created (False when a repeated
        ``(channel, external_id)`` returned the complaint stored the first time)."""
        if by is not None:
            require(by, Permission.HANDLE_COMPLAINTS)
        actor = by or PUBLIC
        clean = self._validated(complaint, public=by is None)
        with transaction(self._engine) as conn:
            iso3 = self._country(conn, country)
            self._check_references(conn, clean, iso3)
            stored, created = self._create(conn, clean, iso3, actor)
            if created:
                return stored, True
            row = repo.get_complaint(conn, stored.id or 0)
        found = self._complaint(
            row,
            narrative=by is not None and by.can(Permission.HANDLE_COMPLAINTS),
            identity=by is not None and by.can(Permission.READ_COMPLAINANT_IDENTITY),
        )
        return found, False

    def status(self, reference: str) -> PublicStatus | None:
        """The stage of a complaint and the day it was reached, for whoever has the code."""
        canonical = normalise_reference(reference)
        if canonical is None:
            return None
        with transaction(self._engine, write=False) as conn:
            row = repo.find_by_reference(conn, canonical)
        if row is None:
            return None
        return PublicStatus(canonical, Status(row["status"]), row["stage_since"].date())

    @refuse_unstorable
    def import_register(self, path: Path, *, country: str, by: Principal) -> ImportReport:
        """Import a paper register (CSV, see ``ingest.complaints``). Bad rows are reported by
        line and column and left out; entries already imported (same register number) are
        left as they are, so importing the register again changes nothing."""
        from peaceops.ingest.complaints import read_register

        require(by, Permission.HANDLE_COMPLAINTS)
        found = read_register(path)
        with transaction(self._engine) as conn:
            iso3 = self._country(conn, country)
            return register.import_register(
                conn,
                found,
                source=path.name,
                iso3=iso3,
                by=by,
                validate=partial(self._validated, public=False),
                create=lambda c: self._create(conn, c, iso3, by),
                move=partial(self._move, conn, by=by),
            )

    # Cases ------------------------------------------------------------------------------------

    def cases(
        self,
        *,
        by: Principal,
        status: Status | None = None,
        overdue: bool | None = None,
        institution_id: int | None = None,
        country: str | None = None,
        now: datetime | None = None,
    ) -> list[CaseView]:
        """Cases, oldest stage first, without identities (open one case to see who
        complained). ``overdue`` uses the current deadlines."""
        require(by, Permission.HANDLE_COMPLAINTS)
        moment = _aware(now or utcnow(), "now")
        with transaction(self._engine, write=False) as conn:
            rows = repo.list_complaints(
                conn,
                status=Status(status) if status is not None else None,
                institution_id=institution_id,
                country_iso3=country,
                overdue=overdue,
                deadlines=self.deadlines(),
                now=moment,
            )
            steps = repo.transitions(conn, [r["id"] for r in rows])
        return [self._view(r, steps[r["id"]], identity=False, now=moment) for r in rows]

    def overdue(
        self, *, by: Principal, now: datetime | None = None, country: str | None = None
    ) -> list[CaseView]:
        """Open cases past the deadline of their stage, the longest waiting first."""
        return self.cases(by=by, overdue=True, now=now, country=country)

    def case(self, complaint_id: int, *, by: Principal) -> CaseView:
        """One case with its history; with the complainant's identity for
        ``READ_COMPLAINANT_IDENTITY``, a read that the audit log records."""
        require(by, Permission.HANDLE_COMPLAINTS)
        identity = by.can(Permission.READ_COMPLAINANT_IDENTITY)
        with transaction(self._engine, write=identity) as conn:
            row = repo.get_complaint(conn, complaint_id)
            steps = repo.transitions(conn, [complaint_id])[complaint_id]
            if identity and row["complainant_encrypted"]:
                repo.record_identity_read(conn, by, complaint_id)
        return self._view(row, steps, identity=identity, now=utcnow())

    def move(
        self,
        complaint_id: int,
        to: Status,
        *,
        by: Principal,
        note: str = "",
        actor_id: int | None = None,
        now: datetime | None = None,
    ) -> CaseView:
        """Move a case to the next stage (``ConflictError`` if the workflow forbids it).

        A referral needs ``actor_id``, the oversight body; only a referral takes one. The note
        is encrypted; the move and its transition are both in the audit log.
        """
        require(by, Permission.HANDLE_COMPLAINTS)
        with transaction(self._engine) as conn:
            self._move(conn, complaint_id, to, by=by, note=note, actor_id=actor_id, now=now)
            row = repo.get_complaint(conn, complaint_id)
            steps = repo.transitions(conn, [complaint_id])[complaint_id]
        return self._view(row, steps, identity=False, now=utcnow())

    def oversight_bodies(self, *, country: str | None = None) -> builtins.list[Actor]:
        """Host-government organisations that receive referrals.

        An actor of the category ``host_government`` counts when its name, acronym or a name
        variant is that of an institution of an oversight type (human-rights institution,
        anti-corruption body, parliamentary oversight), or when its name says what it does
        (ombudsperson, human rights, inspectorate, oversight, complaints...).
        """
        with transaction(self._engine, write=False) as conn:
            found = actors_repo.list_actors(conn, category=ActorCategory.HOST_GOVERNMENT)
            overseers = [
                i for i in institutions_repo.list_institutions(conn) if i.type in OVERSIGHT_TYPES
            ]
        out = []
        for a in found:
            if country and a.country_iso3 not in (None, country.upper()):
                continue
            names = " ".join((a.name, *a.name_variants)).casefold()
            by_word = any(w in names for w in OVERSIGHT_WORDS)
            by_institution = any(
                a.matches(i.name) or (i.acronym and a.matches(i.acronym)) for i in overseers
            )
            if by_word or by_institution:
                out.append(a)
        return out

    # Aggregates -------------------------------------------------------------------------------

    def accountability(
        self,
        *,
        country: str,
        by: Principal,
        period_start: date | None = None,
        period_end: date | None = None,
        now: datetime | None = None,
        as_of: date | None = None,
    ) -> Accountability:
        """Complaints by institution, category, region and month, for everyone.

        With ``as_of``, each case counts as it stood at the end of that day (its stage replayed
        from its transitions, referrals and closures after it ignored, deadlines judged then),
        so that a report of a past period shows what was known at its end.

        A cell with fewer than ``PEACEOPS_MIN_CELL_SIZE`` complaints is suppressed (its counts
        None, ``suppressed`` True); when only one cell of a breakdown would be, the next
        smallest is suppressed too, since the total would give it away. Regions are admin level
        1, never finer; SGBV and torture complaints are left out of the regional breakdown
        whatever the counts. ``per_100k`` divides by the sum of the country's settlement
        populations, for the period chosen (not per year).
        """
        require(by, Permission.READ_REFERENCE)
        moment = _aware(now or utcnow(), "now")
        start = datetime.combine(period_start, time(), tzinfo=UTC) if period_start else None
        end = (
            datetime.combine(period_end + timedelta(days=1), time(), tzinfo=UTC)
            if period_end
            else None
        )
        cutoff = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=UTC) if as_of else None
        if cutoff is not None:
            moment = min(moment, cutoff)
            end = cutoff if end is None else min(end, cutoff)
        with transaction(self._engine, write=False) as conn:
            iso3 = self._country(conn, country)
            rows = repo.statistics_rows(conn, iso3, start, end)
            if cutoff is not None:
                history = repo.transitions(conn, [r["id"] for r in rows])
                rows = [_stood(r, history.get(r["id"], []), cutoff) for r in rows]
                referred = {
                    r["id"]
                    for r in rows
                    if any(
                        t["to_status"] == Status.REFERRED.value and t["at"] < cutoff
                        for t in history.get(r["id"], [])
                    )
                }
            else:
                referred = repo.ever_referred(conn, [r["id"] for r in rows])
            regions = repo.regions_of_areas(conn, iso3)
            people = repo.population(conn, iso3)
        deadlines = self.deadlines()

        def region(area_id: int | None) -> tuple[str, str] | None:
            found = regions.get(area_id) if area_id else None
            return (found[1], found[2]) if found else None

        cases = [
            case_facts(
                Status(r["status"]),
                category=Category(r["category"]),
                received_at=r["received_at"],
                stage_since=r["stage_since"],
                closed_at=r["closed_at"],
                referred=r["id"] in referred,
                deadlines=deadlines,
                now=moment,
                institution=(
                    (str(r["institution_id"]), r["institution_name"] or NOT_RECORDED)
                    if r["institution_id"]
                    else None
                ),
                region=region(r["admin_area_id"]),
            )
            for r in rows
        ]
        return accountability(
            cases,
            country=iso3,
            period_start=period_start,
            period_end=period_end,
            min_cell=self._settings.min_cell_size,
            population=people,
        )

    def feed_assessment(self, round_id: int, *, by: Principal) -> ImportReport:
        """Write the complaints of the round's period as administrative evidence of
        ``POL-INT-02-AD``: complaints against police institutions (the framework's ``police``
        types) received in the period, and of those the ones resolved (investigated and closed
        with a decision) by now. Keyed on the round's last day, so feeding again changes
        nothing unless cases moved."""
        require(by, Permission.MANAGE_ASSESSMENTS)
        rnd = self._assessment.round(round_id)
        fw = self._assessment.framework(rnd.framework_id)
        try:
            indicator, _ = fw.item(INTEGRITY_ITEM)
            types = set(fw.institution(indicator.institution).types)
        except KeyError:
            raise InputError(
                f"framework {fw.key} has no item {INTEGRITY_ITEM}: complaints feed the "
                "rule-of-law framework",
                field="round_id",
            ) from None
        types = types or {t.value for t in POLICE_TYPES}
        start = datetime.combine(rnd.period_start, time(), tzinfo=UTC)
        end = datetime.combine(rnd.period_end + timedelta(days=1), time(), tzinfo=UTC)
        with transaction(self._engine, write=False) as conn:
            rows = [
                r
                for r in repo.statistics_rows(conn, rnd.country_iso3, start, end)
                if r["institution_type"] in types
            ]
        label = "complaints register"
        if not rows:
            report = ImportReport(source=label)
            report.warnings.append(
                Problem(
                    f"no complaints against police institutions were received between "
                    f"{rnd.period_start} and {rnd.period_end}; nothing was written",
                    source=label,
                    item=INTEGRITY_ITEM,
                )
            )
            return report
        resolved = sum(1 for r in rows if r["status"] == Status.RESOLVED.value)
        value = AdminValue(
            item_code=INTEGRITY_ITEM,
            numerator=float(resolved),
            denominator=float(len(rows)),
            source_name="PeaceOps complaints register",
            as_of=rnd.period_end,
        )
        return self._assessment.add_evidence(
            round_id, Evidence(admin_values=[value]), label=label, by=by
        )

    # Keys and the demo ------------------------------------------------------------------------

    def rotate_keys(self, *, by: Principal) -> int:
        """Re-encrypt every encrypted complaint field with the first data key; returns the
        rows rewritten (complaints and transitions). Afterwards the old keys may go."""
        require(by, Permission.MANAGE_USERS)
        cipher = self._cipher
        rewritten = 0
        with transaction(self._engine) as conn:
            for table in ("complaints", "complaint_transitions"):
                for row in repo.encrypted_values(conn, table):
                    values = {
                        k: cipher.encrypt(cipher.decrypt(v)) if v else v
                        for k, v in row.items()
                        if k != "id"
                    }
                    if any(values.values()):
                        repo.reencrypt(conn, table, row["id"], values)
                        rewritten += 1
            audited.record(
                conn, by, AuditAction.UPDATE, "complaints", None, after={"re_encrypted": rewritten}
            )
        return rewritten

    def load_demo(self, items: Sequence[DemoComplaint], *, country: str, by: Principal) -> int:
        """Submit and move generated complaints with their own timestamps (the demo)."""
        require(by, Permission.HANDLE_COMPLAINTS)
        with transaction(self._engine) as conn:
            iso3 = self._country(conn, country)
            inst = {
                i.name: i.id for i in institutions_repo.list_institutions(conn, country_iso3=iso3)
            }
            areas = places.area_ids_by_pcode(conn, iso3)
            bodies = {}
            for a in actors_repo.list_actors(conn):
                for name in (a.name, a.acronym):
                    if name:
                        bodies[name] = a.id
            for item in items:
                complaint = replace(
                    item.complaint,
                    institution_id=inst.get(item.institution),
                    admin_area_id=areas.get(item.area_pcode),
                )
                clean = self._validated(complaint, public=False, scripted=True)
                stored, _ = self._create(conn, clean, iso3, by)
                for step in item.steps:
                    self._move(
                        conn,
                        stored.id or 0,
                        step.to,
                        by=by,
                        note=step.note,
                        actor_id=bodies.get(step.body) if step.body else None,
                        now=step.at,
                    )
        return len(items)

    def counts(self) -> dict[str, int]:
        with transaction(self._engine, write=False) as conn:
            return repo.counts(conn)

    # Internals --------------------------------------------------------------------------------

    def _country(self, conn: Connection, country: str) -> str:
        iso3 = (country or "").strip().upper()
        if places.find_country(conn, iso3) is None:
            raise InputError(f"no country with the code '{country}'", field="country")
        return iso3

    def _validated(self, c: Complaint, *, public: bool, scripted: bool = False) -> Complaint:
        """The complaint with clean text, or ``InputError`` naming the first bad field
        (``scripted``: a generated stream with its own clock, whose times are not checked
        against the server's)."""

        def choice(enum: Any, value: Any, name: str) -> Any:
            try:
                return enum(value)
            except ValueError:
                allowed = ", ".join(m.value for m in enum)
                raise InputError(
                    f"'{value}' is not allowed; use one of {allowed}", field=name
                ) from None

        category = choice(Category, c.category, "category")
        channel = choice(Channel, c.channel, "channel")
        confidentiality = choice(Confidentiality, c.confidentiality, "confidentiality")
        description = strip_controls(str(c.description or ""), multiline=True)
        if not description:
            raise InputError("describe what happened", field="description")
        limit = self._settings.complaint_max_chars
        if len(description) > limit:
            raise InputError(
                f"the description has {len(description)} characters; at most {limit} are accepted",
                field="description",
            )
        now = utcnow()
        received = now if public else _aware(c.received_at, "received_at")
        if received > now + CLOCK_SKEW and not scripted:
            raise InputError("the time of receipt is in the future", field="received_at")
        if c.incident_date is not None and c.incident_date > received.date() + timedelta(days=1):
            raise InputError(
                f"the incident date {c.incident_date.isoformat()} is in the future",
                field="incident_date",
            )
        sex = (c.victim_sex or "").strip().lower() or None
        if sex == "unknown":
            sex = None
        if sex is not None and sex not in VICTIM_SEXES:
            raise InputError(
                f"use one of {', '.join(VICTIM_SEXES)} or leave it empty", field="victim_sex"
            )
        language = (c.language or "en").strip().lower()
        if not (2 <= len(language) <= 8 and language.replace("-", "").isalpha()):
            raise InputError(f"'{c.language}' is not a language code", field="language")
        person = None
        if c.complainant is not None and confidentiality == Confidentiality.CONFIDENTIAL:
            values = {
                f.name: strip_controls(str(getattr(c.complainant, f.name) or ""))
                for f in fields(Complainant)
            }
            for name, value in values.items():
                if len(value) > SHORT_TEXT:
                    raise InputError(
                        f"longer than {SHORT_TEXT} characters", field=f"complainant.{name}"
                    )
            person = Complainant(**values)
            person = None if person.is_empty else person
        unit = strip_controls(c.unit or "")
        if len(unit) > SHORT_TEXT:
            raise InputError(f"longer than {SHORT_TEXT} characters", field="unit")
        external = strip_controls(c.external_id or "") or None
        if external is not None and len(external) > 120:
            raise InputError("longer than 120 characters", field="external_id")
        return Complaint(
            category=category,
            description=description,
            channel=channel,
            confidentiality=confidentiality,
            received_at=received,
            institution_id=c.institution_id,
            unit=unit,
            admin_area_id=c.admin_area_id,
            incident_date=c.incident_date,
            victim_sex=sex,
            complainant=person,
            external_id=external,
            language=language,
        )

    def _check_references(self, conn: Connection, c: Complaint, iso3: str) -> None:
        if c.institution_id is not None:
            try:
                inst = institutions_repo.get_institution(conn, c.institution_id)
            except NotFound:
                inst = None
            if inst is None or inst.country_iso3 != iso3:
                raise InputError(
                    f"no institution {c.institution_id} in {iso3}", field="institution_id"
                )
        if c.admin_area_id is not None:
            try:
                area = places.get_admin_area(conn, c.admin_area_id)
            except NotFound:
                area = None
            if area is None or area.country_iso3 != iso3:
                raise InputError(
                    f"no admin area {c.admin_area_id} in {iso3}", field="admin_area_id"
                )

    def _create(
        self, conn: Connection, c: Complaint, iso3: str, by: Principal
    ) -> tuple[Complaint, bool]:
        """Insert a validated complaint (or find it by channel and external id): the stored
        complaint and whether it is new. Runs inside the caller's transaction."""
        if c.external_id:
            row = repo.find_by_external_id(conn, c.channel.value, c.external_id)
            if row is not None:
                return self._complaint(row, narrative=False, identity=False), False
        due = stage_due(Status.RECEIVED, c.received_at, self.deadlines())
        values: dict[str, Any] = {
            "country_iso3": iso3,
            "channel": c.channel.value,
            "external_id": c.external_id,
            "category": c.category.value,
            "confidentiality": c.confidentiality.value,
            "status": Status.RECEIVED.value,
            "institution_id": c.institution_id,
            "admin_area_id": c.admin_area_id,
            "incident_date": c.incident_date,
            "victim_sex": c.victim_sex,
            "language": c.language,
            "description_encrypted": self._cipher.encrypt(c.description),
            "unit_encrypted": self._cipher.encrypt(c.unit) if c.unit else None,
            "complainant_encrypted": (
                self._cipher.encrypt(json.dumps(asdict(c.complainant), ensure_ascii=False))
                if c.complainant is not None
                else None
            ),
            "received_at": c.received_at,
            "stage_since": c.received_at,
            "stage_due": due,
        }
        for _ in range(REFERENCE_ATTEMPTS):
            reference = new_reference()
            try:
                # A savepoint, so that a clash (the reference, or the same gateway message sent
                # twice at once) leaves the transaction usable.
                with conn.begin_nested():
                    new_id = repo.create_complaint(conn, by, {**values, "reference": reference})
            except IntegrityError:
                if c.external_id:
                    row = repo.find_by_external_id(conn, c.channel.value, c.external_id)
                    if row is not None:
                        return self._complaint(row, narrative=False, identity=False), False
                continue
            repo.add_transition(
                conn,
                by,
                {
                    "complaint_id": new_id,
                    "from_status": None,
                    "to_status": Status.RECEIVED.value,
                    "at": c.received_at,
                    "by": by.username,
                    "actor_id": None,
                    "note_encrypted": None,
                },
            )
            stored = replace(
                c, id=new_id, reference=reference, stage_since=c.received_at, stage_due=due
            )
            return stored, True
        raise ConflictError("the complaint could not be stored (reference clash); send it again")

    def _move(
        self,
        conn: Connection,
        complaint_id: int,
        to: Status,
        *,
        by: Principal,
        note: str,
        actor_id: int | None,
        now: datetime | None,
    ) -> None:
        try:
            target = Status(to)
        except ValueError:
            raise InputError(f"'{to}' is not a stage", field="to") from None
        moment = _aware(now or utcnow(), "now")
        text = strip_controls(note or "", multiline=True)
        if len(text) > self._settings.complaint_max_chars:
            raise InputError("the note is too long", field="note")
        row = repo.get_complaint(conn, complaint_id, for_update=True)
        current = Status(row["status"])
        if not can_move(current, target):
            allowed = (
                ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "nothing (finished)"
            )
            raise ConflictError(
                f"complaint {row['reference']} is {current.value} and cannot move to "
                f"{target.value}; from {current.value} it may go to {allowed}"
            )
        if moment < row["stage_since"]:
            raise InputError("a move cannot be dated before the current stage began", field="now")
        values: dict[str, Any] = {
            "status": target.value,
            "stage_since": moment,
            "stage_due": stage_due(target, moment, self.deadlines()),
            "closed_at": None if target.is_open else moment,
        }
        if target == Status.REFERRED:
            if actor_id is None:
                raise InputError("a referral names the oversight body", field="actor_id")
            try:
                actors_repo.get_actor(conn, actor_id)
            except NotFound:
                raise InputError(f"no organisation with id {actor_id}", field="actor_id") from None
            values["referred_to_actor_id"] = actor_id
        elif actor_id is not None:
            raise InputError("only a referral names an organisation", field="actor_id")
        repo.change_complaint(conn, by, complaint_id, values)
        repo.add_transition(
            conn,
            by,
            {
                "complaint_id": complaint_id,
                "from_status": current.value,
                "to_status": target.value,
                "at": moment,
                "by": by.username,
                "actor_id": actor_id,
                "note_encrypted": self._cipher.encrypt(text) if text else None,
            },
        )

    def _complaint(self, row: dict[str, Any], *, narrative: bool, identity: bool) -> Complaint:
        decrypt = self._cipher.decrypt
        person = None
        if identity and row["complainant_encrypted"]:
            data = json.loads(decrypt(row["complainant_encrypted"]))
            person = Complainant(
                **{f.name: str(data.get(f.name) or "") for f in fields(Complainant)}
            )
        return Complaint(
            category=Category(row["category"]),
            description=decrypt(row["description_encrypted"]) if narrative else "",
            channel=Channel(row["channel"]),
            confidentiality=Confidentiality(row["confidentiality"]),
            received_at=row["received_at"],
            status=Status(row["status"]),
            reference=row["reference"],
            institution_id=row["institution_id"],
            unit=decrypt(row["unit_encrypted"]) if narrative and row["unit_encrypted"] else "",
            admin_area_id=row["admin_area_id"],
            incident_date=row["incident_date"],
            victim_sex=row["victim_sex"],
            complainant=person,
            referred_to_actor_id=row["referred_to_actor_id"],
            stage_since=row["stage_since"],
            stage_due=row["stage_due"],
            external_id=row["external_id"],
            language=row["language"],
            id=row["id"],
        )

    def _view(
        self, row: dict[str, Any], steps: list[dict[str, Any]], *, identity: bool, now: datetime
    ) -> CaseView:
        complaint = self._complaint(row, narrative=True, identity=identity)
        # The deadline as the settings say now, so a changed deadline applies at once.
        complaint = replace(
            complaint, stage_due=stage_due(complaint.status, row["stage_since"], self.deadlines())
        )
        history = tuple(
            Transition(
                complaint_id=s["complaint_id"],
                from_status=Status(s["from_status"]) if s["from_status"] else None,
                to_status=Status(s["to_status"]),
                at=s["at"],
                by=s["by"],
                note=self._cipher.decrypt(s["note_encrypted"]) if s["note_encrypted"] else "",
                actor_id=s["actor_id"],
                id=s["id"],
            )
            for s in steps
        )
        return CaseView(
            complaint=complaint,
            institution=row["institution_name"],
            area=row["area_name"],
            referred_to=row["referred_to_name"],
            transitions=history,
            overdue=complaint.is_overdue(now),
            identity_visible=identity,
        )


# Helpers ----------------------------------------------------------------------------------------


def _stood(row: dict[str, Any], history: list[dict[str, Any]], cutoff: datetime) -> dict[str, Any]:
    """A statistics row as the case stood just before ``cutoff``: the stage of its last
    transition before then (received if none), since when, and closed only if it was by then."""
    before = [t for t in history if t["at"] < cutoff]
    last = before[-1] if before else None
    status = Status(last["to_status"]) if last else Status.RECEIVED
    closed = row["closed_at"]
    return {
        **row,
        "status": status.value,
        "stage_since": last["at"] if last else row["received_at"],
        "closed_at": closed
        if closed is not None and closed < cutoff and not status.is_open
        else None,
    }


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None:
        raise InputError("a time without a time zone; give it in UTC", field=name)
    return moment.astimezone(UTC)


__all__ = [
    "Accountability",
    "AccountabilityRow",
    "CaseView",
    "ComplaintsService",
    "PublicStatus",
]
