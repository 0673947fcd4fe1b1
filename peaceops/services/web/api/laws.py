"""Legal frameworks: instruments, their lifecycle steps, checklist reviews, the pipeline of a
country, the standards checklists, and feeding an assessment round."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from peaceops.domain.institutions import InstitutionType
from peaceops.domain.legal import (
    Checklist,
    ChecklistReview,
    Finding,
    Instrument,
    InstrumentType,
    LegalSector,
    PipelineEntry,
    ProvisionReview,
    Stage,
    Step,
)
from peaceops.services.web.deps import AssessmentManager, Editor, PlatformDep, Reader

router = APIRouter(tags=["legal frameworks"])


class StepIn(BaseModel):
    stage: Stage
    on: date
    evidence: str = Field(min_length=1, max_length=2000)
    evidence_document_id: int | None = None
    actors: list[int] = Field(default_factory=list, max_length=50)
    activities: list[int] = Field(default_factory=list, max_length=50)
    exception: str = Field(default="", max_length=2000)

    def step(self) -> Step:
        return Step(
            stage=self.stage,
            on=self.on,
            evidence=self.evidence,
            evidence_document_id=self.evidence_document_id,
            actors=tuple(self.actors),
            activities=tuple(self.activities),
            exception=self.exception,
        )


class StepPublic(StepIn):
    id: int
    recorded_by: str
    recorded_at: datetime | None

    @classmethod
    def of(cls, s: Step) -> StepPublic:
        return cls(
            id=s.id or 0,
            stage=s.stage,
            on=s.on,
            evidence=s.evidence,
            evidence_document_id=s.evidence_document_id,
            actors=list(s.actors),
            activities=list(s.activities),
            exception=s.exception,
            recorded_by=s.recorded_by,
            recorded_at=s.recorded_at,
        )


class InstrumentIn(BaseModel):
    country_iso3: str = Field(min_length=3, max_length=3)
    code: str = Field(min_length=1, max_length=80, pattern=r"^[\w.-]+$")
    title: dict[str, str] = Field(description='{"en": "...", "fr": "..."}')
    type: InstrumentType = InstrumentType.LAW
    sector: LegalSector
    institution_types: list[InstitutionType] = Field(default_factory=list)
    reference: str = Field(default="", max_length=120)
    amends_id: int | None = None
    replaces: bool = False
    document_id: int | None = None
    text_url: str = Field(default="", max_length=500)
    summary: str = Field(default="", max_length=4000)
    steps: list[StepIn] = Field(default_factory=list, max_length=30)

    def instrument(self) -> Instrument:
        return Instrument(
            country_iso3=self.country_iso3.upper(),
            code=self.code,
            title={k: v.strip() for k, v in self.title.items() if v.strip()},
            type=self.type,
            sector=self.sector,
            institution_types=tuple(self.institution_types),
            reference=self.reference,
            amends_id=self.amends_id,
            replaces=self.replaces,
            document_id=self.document_id,
            text_url=self.text_url,
            summary=self.summary,
            steps=tuple(s.step() for s in self.steps),
        )


class FindingIn(BaseModel):
    provision: str = Field(min_length=1, max_length=60)
    finding: Finding
    article: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=2000)


class ReviewIn(BaseModel):
    checklist: str = Field(min_length=1, max_length=60)
    reviewed_on: date
    findings: list[FindingIn] = Field(max_length=100)


class ReviewPublic(ReviewIn):
    id: int
    reviewed_by: str
    met: int
    applicable: int
    share_met: float | None

    @classmethod
    def of(cls, r: ChecklistReview) -> ReviewPublic:
        return cls(
            id=r.id or 0,
            checklist=r.checklist,
            reviewed_on=r.reviewed_on,
            findings=[
                FindingIn(provision=f.provision, finding=f.finding, article=f.article, note=f.note)
                for f in r.findings
            ],
            reviewed_by=r.reviewed_by,
            met=r.met,
            applicable=r.applicable,
            share_met=r.share_met,
        )


class InstrumentPublic(BaseModel):
    id: int
    country_iso3: str
    code: str
    title: dict[str, str]
    type: InstrumentType
    sector: LegalSector
    institution_types: list[InstitutionType]
    reference: str
    amends_id: int | None
    replaces: bool
    document_id: int | None
    text_url: str
    summary: str
    stage: Stage | None
    since: date | None
    steps: list[StepPublic]
    reviews: list[ReviewPublic] = Field(default_factory=list)
    checklists: list[str] = Field(default_factory=list)

    @classmethod
    def of(
        cls,
        i: Instrument,
        reviews: list[ChecklistReview] | None = None,
        checklists: list[Checklist] | None = None,
    ) -> InstrumentPublic:
        return cls(
            id=i.id or 0,
            country_iso3=i.country_iso3,
            code=i.code,
            title=i.title,
            type=i.type,
            sector=i.sector,
            institution_types=list(i.institution_types),
            reference=i.reference,
            amends_id=i.amends_id,
            replaces=i.replaces,
            document_id=i.document_id,
            text_url=i.text_url,
            summary=i.summary,
            stage=i.stage,
            since=i.since,
            steps=[StepPublic.of(s) for s in i.steps],
            reviews=[ReviewPublic.of(r) for r in reviews or []],
            checklists=[c.code for c in checklists or []],
        )


class InstrumentsPublic(BaseModel):
    data: list[InstrumentPublic]
    count: int


class PipelineRow(BaseModel):
    id: int
    code: str
    title: dict[str, str]
    type: InstrumentType
    stage: Stage
    since: date
    days: int
    expected_days: int | None
    stuck: bool
    share_met: float | None

    @classmethod
    def of(cls, e: PipelineEntry) -> PipelineRow:
        return cls(
            id=e.instrument.id or 0,
            code=e.instrument.code,
            title=e.instrument.title,
            type=e.instrument.type,
            stage=e.stage,
            since=e.since,
            days=e.days,
            expected_days=e.expected_days,
            stuck=e.stuck,
            share_met=e.share_met,
        )


class PipelinePublic(BaseModel):
    country: str
    on: date
    data: list[PipelineRow]
    stuck: int


class ProvisionPublic(BaseModel):
    key: str
    text: dict[str, str]
    look_for: dict[str, str]
    standards: list[str]


class ChecklistPublic(BaseModel):
    code: str
    version: str
    title: dict[str, str]
    description: dict[str, str]
    instrument_types: list[InstrumentType]
    institution_types: list[InstitutionType]
    standards: dict[str, dict[str, str]]
    provisions: list[ProvisionPublic]
    feeds: list[str]

    @classmethod
    def of(cls, c: Checklist) -> ChecklistPublic:
        return cls(
            code=c.code,
            version=c.version,
            title=c.title,
            description=c.description,
            instrument_types=list(c.instrument_types),
            institution_types=list(c.institution_types),
            standards={s.key: s.title for s in c.standards},
            provisions=[
                ProvisionPublic(
                    key=p.key, text=p.text, look_for=p.look_for, standards=list(p.standards)
                )
                for p in c.provisions
            ],
            feeds=[f"{fw}:{item}" for fw, item in c.feeds],
        )


class FeedPublic(BaseModel):
    round_id: int
    checks: int
    created: int
    updated: int
    unchanged: int
    used: list[dict[str, str | int]]
    missing: list[dict[str, str]]


def _full(platform: PlatformDep, instrument: Instrument) -> InstrumentPublic:
    assert instrument.id is not None
    return InstrumentPublic.of(
        instrument,
        platform.legal.reviews(instrument.id),
        platform.legal.checklists_for(instrument),
    )


@router.get("/laws", response_model=InstrumentsPublic)
def read_laws(
    platform: PlatformDep,
    by: Reader,
    country: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
) -> InstrumentsPublic:
    """Legal instruments with their steps, of one country or all."""
    found = platform.legal.instruments(country.upper() if country else None)
    return InstrumentsPublic(data=[InstrumentPublic.of(i) for i in found], count=len(found))


@router.post("/laws", response_model=InstrumentPublic, status_code=201)
def create_law(body: InstrumentIn, platform: PlatformDep, by: Editor) -> InstrumentPublic:
    """Record an instrument, with the steps it has already taken (each checked in turn)."""
    new_id = platform.legal.create(body.instrument(), by=by)
    return _full(platform, platform.legal.instrument(new_id))


@router.get("/laws/{instrument_id}", response_model=InstrumentPublic)
def read_law(instrument_id: int, platform: PlatformDep, by: Reader) -> InstrumentPublic:
    return _full(platform, platform.legal.instrument(instrument_id))


@router.post("/laws/{instrument_id}/steps", response_model=InstrumentPublic, status_code=201)
def create_step(
    instrument_id: int, body: StepIn, platform: PlatformDep, by: Editor
) -> InstrumentPublic:
    """Record the next step. One that breaks a lifecycle rule (adoption before tabling, a
    step back) is refused with 422 unless it gives the ``exception`` that allows it; a date
    before the last step or in the future is always refused."""
    platform.legal.add_step(instrument_id, body.step(), by=by)
    return _full(platform, platform.legal.instrument(instrument_id))


@router.post("/laws/{instrument_id}/reviews", response_model=ReviewPublic, status_code=201)
def create_review(
    instrument_id: int, body: ReviewIn, platform: PlatformDep, by: Editor
) -> ReviewPublic:
    """Review the instrument against a checklist: every provision met (citing the article),
    not met or not applicable. The same day's review sent again replaces it."""
    platform.legal.review(
        instrument_id,
        body.checklist,
        [ProvisionReview(f.provision, f.finding, f.article, f.note) for f in body.findings],
        reviewed_on=body.reviewed_on,
        by=by,
    )
    stored = [
        r
        for r in platform.legal.reviews(instrument_id)
        if r.checklist == body.checklist and r.reviewed_on == body.reviewed_on
    ]
    return ReviewPublic.of(stored[0])


@router.get("/countries/{iso3}/legislative-pipeline", response_model=PipelinePublic)
def read_pipeline(
    iso3: str, platform: PlatformDep, by: Reader, on: date | None = None
) -> PipelinePublic:
    """Where each instrument stands, for how many days, and which are stuck."""
    day = on or date.today()
    entries = platform.legal.pipeline(iso3.upper(), today=day)
    return PipelinePublic(
        country=iso3.upper(),
        on=day,
        data=[PipelineRow.of(e) for e in entries],
        stuck=sum(1 for e in entries if e.stuck),
    )


@router.get("/legal-checklists", response_model=list[ChecklistPublic])
def read_checklists(platform: PlatformDep, by: Reader) -> list[ChecklistPublic]:
    return [ChecklistPublic.of(c) for c in platform.legal.checklists()]


@router.get("/legal-checklists/{code}", response_model=ChecklistPublic)
def read_checklist(code: str, platform: PlatformDep, by: Reader) -> ChecklistPublic:
    return ChecklistPublic.of(platform.legal.checklist(code))


@router.post("/assessments/rounds/{round_id}/legal-feed", response_model=FeedPublic)
def create_legal_feed(round_id: int, platform: PlatformDep, by: AssessmentManager) -> FeedPublic:
    """Write the checklist results of the laws binding at the end of the round's period into
    the round, as document-review checks."""
    report = platform.legal.feed_round(round_id, by=by)
    return FeedPublic(
        round_id=report.round_id,
        checks=report.checks,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        used=[{"checklist": c, "item": i, "instrument": n} for c, i, n in report.used],
        missing=[{"checklist": c, "item": i} for c, i in report.missing],
    )
