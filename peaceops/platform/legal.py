"""Legal frameworks: a country's laws and procedures for the security and justice sectors,
followed from draft to force, reviewed against standards checklists, and fed into the
institutional assessment as document-review evidence.

Everyone may read (``READ_REFERENCE``): laws are public. Recording instruments, steps and
reviews needs ``EDIT_REFERENCE``; importing a tracker ``IMPORT_DATA``; feeding an assessment
round ``MANAGE_ASSESSMENTS``. Every write is audited.

A step is checked by ``domain.legal.check_step``: a step that breaks a lifecycle rule is
refused unless it records an exception, and a date out of order or in the future is refused
whatever it records.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, select

from peaceops.config import Settings
from peaceops.domain.access import Permission, Principal
from peaceops.domain.assessment import Check, Evidence, EvidenceSource, Round
from peaceops.domain.legal import (
    EXCUSABLE,
    EXPECTED_DAYS,
    Checklist,
    ChecklistReview,
    Finding,
    Instrument,
    PipelineEntry,
    ProvisionReview,
    Stage,
    Step,
    binding_on,
    check_step,
    replacements,
)
from peaceops.errors import ConflictError, InputError, NotFound, Problem, RowErrors
from peaceops.ingest.legal_checklists import builtin_checklists
from peaceops.platform.access import require
from peaceops.platform.unstorable import refuse_unstorable
from peaceops.storage import transaction
from peaceops.storage.repositories import legal as repo
from peaceops.storage.tables import activities, actors, countries, documents

if TYPE_CHECKING:
    from peaceops.platform import Platform
    from peaceops.scenario.laws import DemoLaw

LABEL = "legal checklists"
"""The evidence label of checks fed from checklist reviews."""


@dataclass(slots=True)
class FeedReport:
    """What feeding a round wrote: checks per assessment item, and the instruments used."""

    round_id: int
    checks: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    used: builtins.list[tuple[str, str, int]] = field(default_factory=builtins.list)
    """(checklist, item code, instrument id)."""
    missing: builtins.list[tuple[str, str]] = field(default_factory=builtins.list)
    """(checklist, item code) with no binding, reviewed instrument at the round's end."""


class LegalService:
    def __init__(self, settings: Settings, engine: Engine, *, platform: Platform) -> None:
        self._settings = settings
        self._engine = engine
        self._platform = platform

    # Checklists ------------------------------------------------------------------------------

    def checklists(self) -> tuple[Checklist, ...]:
        return builtin_checklists()

    def checklist(self, code: str) -> Checklist:
        for c in self.checklists():
            if c.code == code:
                return c
        raise NotFound(f"no standards checklist '{code}'")

    def checklists_for(self, instrument: Instrument) -> builtins.list[Checklist]:
        """The checklists that apply to an instrument: its type is one they review, and it
        governs at least one institution type they are written for."""
        governed = set(instrument.institution_types)
        return [
            c
            for c in self.checklists()
            if instrument.type in c.instrument_types and governed & set(c.institution_types)
        ]

    # Instruments -----------------------------------------------------------------------------

    def _check_refs(self, conn: Connection, instrument: Instrument) -> None:
        if (
            conn.execute(
                select(countries.c.iso3).where(countries.c.iso3 == instrument.country_iso3)
            ).first()
            is None
        ):
            raise InputError(f"no country {instrument.country_iso3}", field="country_iso3")
        if not (instrument.title.get("en") or "").strip():
            raise InputError("an instrument needs a title in English", field="title")
        if not instrument.code.strip():
            raise InputError("an instrument needs a code", field="code")
        if instrument.amends_id is not None:
            amended = repo.get_instrument(conn, instrument.amends_id)
            if amended.country_iso3 != instrument.country_iso3:
                raise InputError(
                    "an instrument amends another of the same country", field="amends_id"
                )
            if instrument.id is not None and amended.id == instrument.id:
                raise InputError("an instrument cannot amend itself", field="amends_id")
        if (
            instrument.document_id is not None
            and conn.execute(
                select(documents.c.id).where(documents.c.id == instrument.document_id)
            ).first()
            is None
        ):
            raise InputError(f"no document {instrument.document_id}", field="document_id")

    def create(self, instrument: Instrument, *, by: Principal) -> int:
        require(by, Permission.EDIT_REFERENCE)
        with transaction(self._engine) as conn:
            self._check_refs(conn, instrument)
            if repo.find_instrument(conn, instrument.country_iso3, instrument.code):
                raise ConflictError(
                    f"{instrument.country_iso3} already has an instrument '{instrument.code}'"
                )
            new_id = repo.create_instrument(conn, by, replace(instrument, steps=()))
            for step in instrument.steps:
                self._add_step(conn, by, new_id, step, today=date.today())
        return new_id

    def instrument(self, instrument_id: int) -> Instrument:
        with transaction(self._engine, write=False) as conn:
            return repo.get_instrument(conn, instrument_id)

    def find(self, country_iso3: str, code: str) -> Instrument | None:
        with transaction(self._engine, write=False) as conn:
            return repo.find_instrument(conn, country_iso3, code)

    def instruments(self, country_iso3: str | None = None) -> builtins.list[Instrument]:
        with transaction(self._engine, write=False) as conn:
            return repo.list_instruments(conn, country_iso3)

    def amendments(self, instrument_id: int) -> builtins.list[tuple[int, str, dict[str, str]]]:
        with transaction(self._engine, write=False) as conn:
            return repo.amendments_of(conn, instrument_id)

    # Lifecycle -------------------------------------------------------------------------------

    def _add_step(
        self, conn: Connection, by: Principal, instrument_id: int, step: Step, *, today: date
    ) -> int:
        current = repo.get_instrument(conn, instrument_id)
        if not step.evidence.strip():
            raise InputError(
                "say what shows the step happened (a gazette number, a record)", field="evidence"
            )
        found = check_step(current.type, current.steps, step, today=today)
        hard = [b for b in found if b.rule not in EXCUSABLE]
        soft = [b for b in found if b.rule in EXCUSABLE]
        if hard or (soft and not step.exception.strip()):
            problems = [Problem(b.message, field="on", item=b.rule) for b in hard]
            problems += [
                Problem(
                    b.message + "; record the exception that allows it",
                    field="exception",
                    item=b.rule,
                )
                for b in soft
            ]
            raise RowErrors(problems, source=f"step {step.stage.value} of '{current.code}'")
        if any(s.stage == step.stage and s.on == step.on for s in current.steps):
            raise ConflictError(f"'{current.code}' already has {step.stage.value} on {step.on}")
        self._check_supporters(conn, step)
        return repo.add_step(conn, by, instrument_id, step)

    def _check_supporters(self, conn: Connection, step: Step) -> None:
        for table, ids, name in (
            (actors, step.actors, "actors"),
            (activities, step.activities, "activities"),
        ):
            if not ids:
                continue
            known = {int(r[0]) for r in conn.execute(select(table.c.id).where(table.c.id.in_(ids)))}
            unknown = sorted(set(ids) - known)
            if unknown:
                raise InputError(f"no {name} with id {', '.join(map(str, unknown))}", field=name)
        if (
            step.evidence_document_id is not None
            and conn.execute(
                select(documents.c.id).where(documents.c.id == step.evidence_document_id)
            ).first()
            is None
        ):
            raise InputError(
                f"no document {step.evidence_document_id}", field="evidence_document_id"
            )

    def add_step(
        self, instrument_id: int, step: Step, *, by: Principal, today: date | None = None
    ) -> int:
        require(by, Permission.EDIT_REFERENCE)
        with transaction(self._engine) as conn:
            return self._add_step(conn, by, instrument_id, step, today=today or date.today())

    def remove_last_step(self, instrument_id: int, *, by: Principal) -> Step:
        """Undo the latest step (a step recorded in error); the audit log keeps it."""
        require(by, Permission.EDIT_REFERENCE)
        with transaction(self._engine) as conn:
            current = repo.get_instrument(conn, instrument_id)
            if not current.steps:
                raise InputError("the instrument has no step to remove", field="steps")
            last = current.steps[-1]
            assert last.id is not None
            repo.remove_step(conn, by, last.id)
            return last

    def pipeline(
        self, country_iso3: str, *, today: date | None = None
    ) -> builtins.list[PipelineEntry]:
        """Every instrument of a country with a step: its stage, since when, for how many
        days, how long that stage should take, and the share of its latest review met.
        Ordered along the pipeline, the longest waits first."""
        today = today or date.today()
        with transaction(self._engine, write=False) as conn:
            found = repo.list_instruments(conn, country_iso3)
            reviews = repo.reviews_of(conn, [i.id for i in found if i.id is not None])
        replaced = replacements(found, today)
        out = []
        for i in found:
            if not i.steps or i.stage is None or i.since is None:
                continue
            latest = reviews.get(i.id or 0) or []
            share = latest[-1].share_met if latest else None
            expected = None if i.stage == Stage.IN_FORCE else EXPECTED_DAYS.get(i.stage)
            out.append(
                PipelineEntry(
                    instrument=i,
                    stage=i.stage,
                    since=i.since,
                    days=(today - i.since).days,
                    expected_days=expected,
                    share_met=share,
                    replaced_by=replaced.get(i.id or 0),
                )
            )
        out.sort(key=lambda e: (e.stage.order, -e.days))
        return out

    # Reviews ---------------------------------------------------------------------------------

    def review(
        self,
        instrument_id: int,
        checklist_code: str,
        findings: builtins.list[ProvisionReview],
        *,
        reviewed_on: date,
        by: Principal,
    ) -> str:
        """Record an instrument's review against a checklist: every provision, met (with the
        article), not met, or not applicable. "created", "updated" or "unchanged"."""
        require(by, Permission.EDIT_REFERENCE)
        checklist = self.checklist(checklist_code)
        instrument = self.instrument(instrument_id)
        problems = []
        if reviewed_on > date.today():
            problems.append(Problem(f"{reviewed_on} is in the future", field="reviewed_on"))
        if instrument.type not in checklist.instrument_types:
            problems.append(
                Problem(
                    "the checklist reviews "
                    + ", ".join(t.value for t in checklist.instrument_types)
                    + f", not a {instrument.type.value}",
                    field="checklist",
                )
            )
        keys = [f.provision for f in findings]
        known = {p.key for p in checklist.provisions}
        for key in sorted(set(keys) - known):
            problems.append(
                Problem("not a provision of this checklist", item=key, field="provision")
            )
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            problems.append(Problem("reviewed twice", item=key, field="provision"))
        for key in [p.key for p in checklist.provisions if p.key not in keys]:
            problems.append(Problem("not reviewed", item=key, field="finding"))
        for f in findings:
            if f.finding == Finding.MET and not f.article.strip():
                problems.append(
                    Problem("cite the article that meets it", item=f.provision, field="article")
                )
        if problems:
            raise RowErrors(problems, source=f"review of '{instrument.code}' ({checklist.code})")
        order = {p.key: i for i, p in enumerate(checklist.provisions)}
        review = ChecklistReview(
            instrument_id=instrument_id,
            checklist=checklist.code,
            reviewed_on=reviewed_on,
            findings=tuple(sorted(findings, key=lambda f: order[f.provision])),
        )
        with transaction(self._engine) as conn:
            return repo.store_review(conn, by, review, checklist.version)

    def reviews(self, instrument_id: int) -> builtins.list[ChecklistReview]:
        with transaction(self._engine, write=False) as conn:
            return repo.reviews_of(conn, [instrument_id])[instrument_id]

    # Into the assessment ---------------------------------------------------------------------

    def feeds(self, framework_code: str) -> builtins.list[tuple[Checklist, str]]:
        """(checklist, item code) pairs whose reviews feed ``framework_code``."""
        return [
            (c, item) for c in self.checklists() for fw, item in c.feeds if fw == framework_code
        ]

    def checks_for_round(self, rnd: Round) -> tuple[builtins.list[Check], FeedReport]:
        """The document-review checks a round gets from the checklists.

        The legal framework at the end of the round's period is every instrument of the
        country then binding (adopted, and not struck down, withdrawn or replaced by one in
        force) with a review against the checklist by that day, its latest. A provision is met
        when any of them meets it (a regulation may complete a law), not met when some review
        finds it missing and none meets it, and left out when all find it not applicable. One
        check per provision, citing the instruments and articles. An item with no reviewed
        binding instrument gets no check: no evidence, rather than evidence of absence."""
        framework = self._platform.assessment.framework(rnd.framework_id)
        report = FeedReport(round_id=rnd.id or 0)
        end = rnd.period_end
        with transaction(self._engine, write=False) as conn:
            found = repo.list_instruments(conn, rnd.country_iso3)
            reviews = repo.reviews_of(conn, [i.id for i in found if i.id is not None])
        replaced = replacements(found, end)
        checks: builtins.list[Check] = []
        for checklist, item in self.feeds(framework.code):
            try:
                framework.item(item)
            except KeyError:
                continue  # an older version of the framework, without the item
            framework_now: builtins.list[tuple[Instrument, ChecklistReview]] = []
            for instrument in found:
                if not binding_on(instrument, end, replaced):
                    continue
                dated = [
                    r
                    for r in reviews.get(instrument.id or 0, [])
                    if r.checklist == checklist.code and r.reviewed_on <= end
                ]
                if dated:
                    framework_now.append((instrument, dated[-1]))
            if not framework_now:
                report.missing.append((checklist.code, item))
                continue
            for provision in checklist.provisions:
                said = [
                    (instrument, review, f)
                    for instrument, review in framework_now
                    for f in review.findings
                    if f.provision == provision.key and f.finding != Finding.NOT_APPLICABLE
                ]
                if not said:
                    continue
                met = [x for x in said if x[2].finding == Finding.MET]
                cited = met or said
                checks.append(
                    Check(
                        source=EvidenceSource.DOCUMENT_REVIEW,
                        item_code=item,
                        met=bool(met),
                        # Keyed by checklist and provision, so a newer law's review updates
                        # the check rather than adding another.
                        reference=f"{checklist.code}: {provision.key}",
                        checked_on=max(r.reviewed_on for _, r, _ in cited),
                        notes="; ".join(
                            ", ".join(x for x in (i.reference or i.title_in("en"), f.article) if x)
                            for i, _, f in cited
                        )[:2000],
                    )
                )
            report.used.extend((checklist.code, item, i.id or 0) for i, _ in framework_now)
        report.checks = len(checks)
        return checks, report

    def feed_round(self, round_id: int, *, by: Principal) -> FeedReport:
        """Write the checklist checks into an assessment round (idempotent)."""
        require(by, Permission.MANAGE_ASSESSMENTS)
        rnd = self._platform.assessment.round(round_id)
        checks, report = self.checks_for_round(rnd)
        if checks:
            stored = self._platform.assessment.store_evidence(
                round_id, Evidence([], [], checks), label=LABEL, by=by
            )
            report.created, report.updated, report.unchanged = (
                stored.created,
                stored.updated,
                stored.unchanged,
            )
        return report

    # Demo ------------------------------------------------------------------------------------

    def load_demo(self, laws: Sequence[DemoLaw], *, country: str, by: Principal) -> None:
        """The scenario's instruments, their steps (supporters resolved by acronym, activities
        by identifier) and reviews; a law's text goes into the knowledge base and is linked."""
        with transaction(self._engine, write=False) as conn:
            acronyms = {
                str(r[1]).lower(): int(r[0])
                for r in conn.execute(select(actors.c.id, actors.c.acronym))
                if r[1]
            }
            identifiers = {
                str(r[1]): int(r[0])
                for r in conn.execute(select(activities.c.id, activities.c.identifier))
            }
        codes: dict[str, int] = {}
        for law in laws:
            document_id = None
            if law.text:
                self._platform.knowledge.ingest_text(
                    law.text, name=f"{law.code}.txt", by=by, countries=(country,)
                )
                docs, _ = self._platform.knowledge.documents(by=by)
                document_id = next(d.id for d in docs if d.source_name == f"{law.code}.txt")
            steps = tuple(
                Step(
                    stage=s.stage,
                    on=s.on,
                    evidence=s.evidence,
                    # A name the register lacks is a fault of the scenario: KeyError.
                    actors=tuple(acronyms[a.lower()] for a in s.supported_by),
                    activities=tuple(identifiers[a] for a in s.activities),
                    exception=s.exception,
                )
                for s in law.steps
            )
            new_id = self.create(
                Instrument(
                    country_iso3=country,
                    code=law.code,
                    title=law.title,
                    type=law.type,
                    sector=law.sector,
                    institution_types=law.institution_types,
                    reference=law.reference,
                    amends_id=codes.get(law.amends),
                    replaces=law.replaces,
                    document_id=document_id,
                    summary=law.summary,
                    steps=steps,
                ),
                by=by,
            )
            codes[law.code] = new_id
            for review in law.reviews:
                checklist = self.checklist(review.checklist)
                findings = [
                    ProvisionReview(
                        p.key,
                        Finding.MET
                        if p.key in review.met
                        else Finding.NOT_APPLICABLE
                        if p.key in review.not_applicable
                        else Finding.NOT_MET,
                        review.met.get(p.key, ""),
                    )
                    for p in checklist.provisions
                ]
                self.review(new_id, checklist.code, findings, reviewed_on=review.reviewed_on, by=by)

    # Import ----------------------------------------------------------------------------------

    @refuse_unstorable
    def import_tracker(
        self, path: Path, *, by: Principal, country: str = "", today: date | None = None
    ) -> dict[str, Any]:
        """A legislative tracker (CSV or XLSX, one row per step; ``ingest.legal_tracker``)."""
        from peaceops.platform.legal_import import import_tracker

        require(by, Permission.IMPORT_DATA)
        return import_tracker(self, self._engine, path, by=by, country=country, today=today)
