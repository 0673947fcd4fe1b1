"""Perception surveys: questionnaires and their waves, design-based estimates with intervals
(overall and by region, sex and age group), trends across waves, and imports.

Estimates are readable by every role; a cell with fewer respondents than
``PEACEOPS_MIN_CELL_SIZE`` (or one that would let a reader derive such a cell) has ``value``,
``se``, ``low``, ``high`` and ``deff`` null, ``suppressed`` true and a ``reason``. Loading
questionnaires and submissions needs ``Permission.MANAGE_SURVEYS``; row-level submissions
need ``Permission.READ_EVIDENCE``, and carry respondents' personal answers (names, phone
numbers, exact GPS points) only for survey administrators.
"""

from __future__ import annotations

import math
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from peaceops.domain.access import Permission, Principal
from peaceops.domain.surveys import Question, Survey, Wave
from peaceops.errors import InputError, NotFound
from peaceops.platform import Platform
from peaceops.platform.places import ImportReport
from peaceops.platform.surveys import MAX_UPLOAD, QuestionEstimates, SurveySummary, TrendPoint
from peaceops.services.web.api.activities import ImportReportPublic, report_public, save_upload
from peaceops.services.web.deps import EvidenceReader, PlatformDep, Reader, Requires

if TYPE_CHECKING:
    from peaceops.analytics.surveys import Difference, Estimate

router = APIRouter(prefix="/surveys", tags=["surveys"])

SurveyManager = Annotated[Principal, Depends(Requires(Permission.MANAGE_SURVEYS))]
FORM_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls"})
"""XLSForms; the ``peaceops`` sheet (design, breakdowns, items) is read from .xlsx/.xlsm."""
EXPORT_SUFFIXES = frozenset({".csv", ".xlsx", ".json", ".zip"})
"""KoboToolbox CSV, XLSX and JSON exports; ODK Central CSV, CSV zip and OData JSON."""
Language = Literal["en", "fr", "ar"]


# Schemas ---------------------------------------------------------------------------------


class WavePublic(BaseModel):
    id: int
    name: str
    period_start: date
    period_end: date
    round_id: int | None = Field(description="The assessment round its mapped answers feed.")
    respondents: int


class SurveyPublic(BaseModel):
    id: int
    form_id: str
    version: str
    title: dict[str, str]
    country_iso3: str
    framework: str | None = Field(description="Code of the framework its items belong to.")
    languages: list[str]
    loaded_at: datetime | None
    waves: list[WavePublic]
    respondents: int


class SurveysPublic(BaseModel):
    data: list[SurveyPublic]
    count: int


class ChoicePublic(BaseModel):
    name: str
    label: dict[str, str]


class QuestionPublic(BaseModel):
    name: str
    type: str
    label: dict[str, str]
    item_code: str | None = Field(description="The framework item it measures, if any.")
    choices: list[ChoicePublic]


class SurveyDetail(SurveyPublic):
    questions: list[QuestionPublic] = Field(
        description="Questions with estimates (choices or numbers), mapped ones first."
    )


class SurveyImportPublic(BaseModel):
    survey: SurveyPublic
    created: bool = Field(description="False when the same questionnaire was already loaded.")


class EstimatePublic(BaseModel):
    value: float | None = Field(description="null when suppressed.")
    se: float | None
    low: float | None = Field(description="Lower end of the interval; null when suppressed.")
    high: float | None
    level: float
    n: int = Field(description="Respondents used (unweighted); published even when suppressed.")
    n_psu: int
    df: int
    deff: float | None
    suppressed: bool
    reason: str | None


class CellPublic(EstimatePublic):
    breakdown: str = Field(description="area (region), sex or age_group.")
    label: str


class OutcomePublic(BaseModel):
    code: str = Field(description="favourable, mean, or a choice name.")
    label: str
    kind: Literal["share", "mean"]
    overall: EstimatePublic
    cells: list[CellPublic]


class WaveRef(BaseModel):
    id: int
    name: str
    period_start: date
    period_end: date


class EstimatesPublic(BaseModel):
    survey_id: int
    wave: WaveRef
    question: str
    label: str
    item_code: str | None
    respondents: int
    min_cell: int = Field(description="Cells with fewer respondents are suppressed.")
    notes: list[str] = Field(description="Design notes (strata with a single PSU).")
    outcomes: list[OutcomePublic]


class DifferencePublic(BaseModel):
    value: float
    se: float
    low: float
    high: float
    level: float
    significant: bool = Field(description="True when the interval excludes 0.")


class TrendPointPublic(BaseModel):
    wave: WaveRef
    outcome: str
    label: str
    estimate: EstimatePublic
    change: DifferencePublic | None = Field(
        description="From the wave before; null for the first wave or when either is suppressed."
    )


class TrendPublic(BaseModel):
    question: str
    data: list[TrendPointPublic]
    count: int


class SubmissionsPublic(BaseModel):
    data: list[dict[str, Any]]
    count: int


# Helpers shared with the pages -----------------------------------------------------------


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def estimate_public(est: Estimate) -> EstimatePublic:
    """An estimate as published: a suppressed one carries no value, interval or design effect."""
    hide = est.suppressed
    return EstimatePublic(
        value=None if hide else _number(est.value),
        se=None if hide else _number(est.se),
        low=None if hide else _number(est.low),
        high=None if hide else _number(est.high),
        level=est.level,
        n=est.n,
        n_psu=est.n_psu,
        df=est.df,
        deff=None if hide else _number(est.deff),
        suppressed=est.suppressed,
        reason=est.reason,
    )


def difference_public(d: Difference | None) -> DifferencePublic | None:
    if d is None:
        return None
    return DifferencePublic(
        value=d.value, se=d.se, low=d.low, high=d.high, level=d.level, significant=d.significant
    )


def wave_ref(w: Wave) -> WaveRef:
    return WaveRef(id=w.id or 0, name=w.name, period_start=w.period_start, period_end=w.period_end)


def survey_public(summary: SurveySummary) -> SurveyPublic:
    s = summary.survey
    return SurveyPublic(
        id=s.id or 0,
        form_id=s.form.form_id,
        version=s.form.version,
        title=s.form.title,
        country_iso3=s.country_iso3,
        framework=s.form.framework,
        languages=list(s.form.languages),
        loaded_at=s.loaded_at,
        waves=[
            WavePublic(
                id=w.id or 0,
                name=w.name,
                period_start=w.period_start,
                period_end=w.period_end,
                round_id=w.round_id,
                respondents=summary.counts.get(w.id or 0, 0),
            )
            for w in summary.waves
        ],
        respondents=summary.respondents,
    )


def summary_of(platform: Platform, survey_id: int) -> SurveySummary:
    for summary in platform.surveys.surveys():
        if summary.survey.id == survey_id:
            return summary
    raise NotFound(f"no survey {survey_id}")


def question_public(survey: Survey, q: Question) -> QuestionPublic:
    mapping = next((m for m in survey.form.items if m.question == q.name), None)
    return QuestionPublic(
        name=q.name,
        type=q.type,
        label=q.label,
        item_code=mapping.item_code if mapping else None,
        choices=[ChoicePublic(name=c.name, label=c.label) for c in q.choices],
    )


def estimates_public(found: QuestionEstimates) -> EstimatesPublic:
    outcomes = []
    for o in found.outcomes:
        cells = [
            CellPublic(
                breakdown=c.breakdown or "",
                label=c.label or "",
                **estimate_public(c.estimate).model_dump(),
            )
            for c in o.cells
            if c.breakdown is not None
        ]
        kind: Literal["share", "mean"] = "mean" if o.kind == "mean" else "share"
        outcomes.append(
            OutcomePublic(
                code=o.code,
                label=o.label,
                kind=kind,
                overall=estimate_public(o.overall),
                cells=cells,
            )
        )
    return EstimatesPublic(
        survey_id=found.survey.id or 0,
        wave=wave_ref(found.wave),
        question=found.question.name,
        label=found.label,
        item_code=found.item_code,
        respondents=found.respondents,
        min_cell=found.min_cell,
        notes=list(found.notes),
        outcomes=outcomes,
    )


def trend_public(question: str, points: list[TrendPoint]) -> TrendPublic:
    rows = [
        TrendPointPublic(
            wave=wave_ref(p.wave),
            outcome=p.outcome,
            label=p.label,
            estimate=estimate_public(p.estimate),
            change=difference_public(p.change),
        )
        for p in points
    ]
    return TrendPublic(question=question, data=rows, count=len(rows))


def default_question(platform: Platform, survey_id: int, question: str | None) -> str:
    """The question asked for, or the first with estimates (mapped questions come first)."""
    if question:
        return question
    questions = platform.surveys.estimable(survey_id)
    if not questions:
        raise NotFound(f"survey {survey_id} has no question with answers to estimate")
    return questions[0].name


def _day(text: str, field: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"'{text}' is not a date (YYYY-MM-DD)", field=field) from None


async def import_form_upload(
    platform: Platform, file: UploadFile, *, country: str, by: Principal
) -> tuple[Survey, bool]:
    """Load an uploaded XLSForm questionnaire for ``country``; the same file again changes
    nothing, a changed form under the same version is refused."""
    code = country.strip().upper()
    if len(code) != 3:
        raise InputError("choose the country the survey was held in", field="country")
    with tempfile.TemporaryDirectory() as folder:
        path = await save_upload(file, Path(folder), FORM_SUFFIXES, MAX_UPLOAD)
        return await run_in_threadpool(platform.surveys.load_form, path, country=code, by=by)


def _import_export(
    platform: Platform,
    survey: Survey,
    path: Path,
    *,
    wave: str,
    start: date | None,
    end: date | None,
    round_id: int | None,
    by: Principal,
) -> ImportReport:
    from peaceops.ingest.submissions import read_submissions as read_export

    assert survey.id is not None
    existing = next((w for w in platform.surveys.waves(survey.id) if w.name == wave), None)
    if existing is None and (start is None or end is None):
        raise InputError(
            f"'{wave}' is a new wave: give the first and last day of its fieldwork",
            field="period_start" if start is None else "period_end",
        )
    if round_id is not None:
        rnd = platform.assessment.round(round_id)
        if rnd.country_iso3 != survey.country_iso3:
            raise InputError(
                f"assessment round {round_id} is not about {survey.country_iso3}",
                field="round_id",
            )
    # Read first: a file that cannot be read leaves no empty wave behind.
    found = read_export(path, survey.form)
    if existing is None:
        assert start is not None and end is not None
        platform.surveys.save_wave(
            survey.id, wave, period_start=start, period_end=end, round_id=round_id, by=by
        )
    elif start or end or (round_id is not None and round_id != existing.round_id):
        platform.surveys.save_wave(
            survey.id,
            wave,
            period_start=start or existing.period_start,
            period_end=end or existing.period_end,
            round_id=existing.round_id if round_id is None else round_id,
            by=by,
        )
    report = platform.surveys.add_submissions(
        survey.id, list(found.submissions), wave=wave, label=path.name, by=by
    )
    report.warnings[:0] = found.problems
    return report


async def import_submissions_upload(
    platform: Platform,
    survey_id: int,
    file: UploadFile,
    *,
    wave: str,
    period_start: str = "",
    period_end: str = "",
    round_id: str = "",
    by: Principal,
) -> ImportReport:
    """Import an uploaded KoboToolbox or ODK Central export into a wave (created with its
    period when new); the same export again changes nothing."""
    survey = platform.surveys.survey(survey_id)
    name = " ".join(wave.split())
    if not name:
        raise InputError("name the wave the submissions belong to", field="wave")
    start, end = _day(period_start, "period_start"), _day(period_end, "period_end")
    rnd: int | None = None
    if round_id.strip():
        if not round_id.strip().isdigit():
            raise InputError("choose an assessment round from the list", field="round_id")
        rnd = int(round_id)
    with tempfile.TemporaryDirectory() as folder:
        path = await save_upload(file, Path(folder), EXPORT_SUFFIXES, MAX_UPLOAD)
        return await run_in_threadpool(
            _import_export,
            platform,
            survey,
            path,
            wave=name,
            start=start,
            end=end,
            round_id=rnd,
            by=by,
        )


def plain(value: Any) -> Any:
    """A row-level value as JSON: dates as ISO text, tuples as lists."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


# Routes ------------------------------------------------------------------------------------


@router.get("", response_model=SurveysPublic)
def read_surveys(platform: PlatformDep, _by: Reader) -> SurveysPublic:
    rows = [survey_public(s) for s in platform.surveys.surveys()]
    return SurveysPublic(data=rows, count=len(rows))


@router.post("", response_model=SurveyImportPublic)
async def create_survey(
    file: UploadFile,
    response: Response,
    platform: PlatformDep,
    by: SurveyManager,
    country: Annotated[str, Form(min_length=3, max_length=3)],
) -> SurveyImportPublic:
    """Load a questionnaire (XLSForm, validated with pyxform, with the optional ``peaceops``
    sheet). Answers 201 when it is new, 200 when the same file was already loaded."""
    survey, created = await import_form_upload(platform, file, country=country, by=by)
    response.status_code = 201 if created else 200
    return SurveyImportPublic(
        survey=survey_public(summary_of(platform, survey.id or 0)), created=created
    )


@router.get("/{survey_id}", response_model=SurveyDetail)
def read_survey(survey_id: int, platform: PlatformDep, _by: Reader) -> SurveyDetail:
    summary = summary_of(platform, survey_id)
    questions = [question_public(summary.survey, q) for q in platform.surveys.estimable(survey_id)]
    return SurveyDetail(**survey_public(summary).model_dump(), questions=questions)


@router.get("/{survey_id}/estimates", response_model=EstimatesPublic)
def read_estimates(
    survey_id: int,
    platform: PlatformDep,
    by: Reader,
    question: Annotated[
        str | None, Query(max_length=200, description="Question name (default: the first).")
    ] = None,
    wave: Annotated[int | None, Query(description="Wave id (default: the latest).")] = None,
    language: Language = "en",
) -> EstimatesPublic:
    """Every outcome of one question in one wave, overall and by region, sex and age group."""
    name = default_question(platform, survey_id, question)
    found = platform.surveys.estimates(survey_id, name, wave=wave, by=by, language=language)
    return estimates_public(found)


@router.get("/{survey_id}/trend", response_model=TrendPublic)
def read_trend(
    survey_id: int,
    platform: PlatformDep,
    by: Reader,
    question: Annotated[str | None, Query(max_length=200)] = None,
    outcome: Annotated[
        str | None, Query(max_length=200, description="Outcome code (default: the first).")
    ] = None,
    language: Language = "en",
) -> TrendPublic:
    """One outcome of a question across waves, with the change from the wave before."""
    name = default_question(platform, survey_id, question)
    points = platform.surveys.trend(survey_id, name, outcome=outcome, by=by, language=language)
    return trend_public(name, points)


@router.post("/{survey_id}/submissions", response_model=ImportReportPublic)
async def import_submissions(
    survey_id: int,
    file: UploadFile,
    platform: PlatformDep,
    by: SurveyManager,
    wave: Annotated[str, Form(min_length=1, max_length=120)],
    period_start: Annotated[str, Form(max_length=10)] = "",
    period_end: Annotated[str, Form(max_length=10)] = "",
    round_id: Annotated[str, Form(max_length=12)] = "",
) -> ImportReportPublic:
    """Import a KoboToolbox or ODK Central export (CSV, XLSX, JSON, ODK's CSV zip) into a
    wave; a new wave needs ``period_start`` and ``period_end``. Rows with problems are
    reported by line and column; importing the same export again changes nothing."""
    report = await import_submissions_upload(
        platform,
        survey_id,
        file,
        wave=wave,
        period_start=period_start,
        period_end=period_end,
        round_id=round_id,
        by=by,
    )
    return report_public(report)


@router.get("/{survey_id}/submissions", response_model=SubmissionsPublic)
def read_submissions(
    survey_id: int,
    platform: PlatformDep,
    by: EvidenceReader,
    wave: Annotated[int | None, Query(description="Wave id (default: every wave).")] = None,
) -> SubmissionsPublic:
    """Row-level answers; ``personal`` (names, phone numbers, exact GPS) is present only for
    survey administrators, and everyone else gets the region in place of any GPS point."""
    rows = [plain(r) for r in platform.surveys.submissions(survey_id, wave=wave, by=by)]
    return SubmissionsPublic(data=rows, count=len(rows))


__all__ = [
    "EXPORT_SUFFIXES",
    "FORM_SUFFIXES",
    "SurveyManager",
    "estimate_public",
    "estimates_public",
    "import_form_upload",
    "import_submissions_upload",
    "router",
]
