"""Perception survey pages: the questionnaires with their waves and imports, one survey's
dashboard (outcomes with intervals, a map by region, breakdowns by sex and age group, the
trend across waves, design notes) and the row-level export for analysts.

Suppressed cells arrive from the platform without a value; the views below carry text only
for published cells, so no chart, map, tooltip or table can show what was suppressed.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.numbers import format_decimal, format_percent
from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import Response

from peaceops.analytics.surveys import COMPLEMENTARY_REASON, small_cell_reason
from peaceops.domain.access import Permission, Principal
from peaceops.domain.assessment import text_in
from peaceops.domain.surveys import FieldRole, Question, Survey
from peaceops.errors import ConflictError, InputError, NotFound, RowErrors
from peaceops.ingest.cells import guard
from peaceops.platform import Platform
from peaceops.platform.places import ImportReport
from peaceops.platform.surveys import MAX_UPLOAD, Outcome, QuestionEstimates
from peaceops.reports import survey_charts as charts
from peaceops.reports.svgmap import MapView, build_map
from peaceops.services.web.api.surveys import (
    EXPORT_SUFFIXES,
    FORM_SUFFIXES,
    SurveyManager,
    default_question,
    import_form_upload,
    import_submissions_upload,
)
from peaceops.services.web.deps import EvidenceReader, PlatformDep, Reader, language
from peaceops.services.web.i18n import N_, Language
from peaceops.services.web.pages.activities import forget_report, stash_report, take_report
from peaceops.services.web.pages.forms import redirect
from peaceops.services.web.rendering import render

router = APIRouter()

BREAKDOWNS = {"area": N_("Region"), "sex": N_("Sex"), "age_group": N_("Age group")}
BREAKDOWN_TITLES = {
    "area": N_("By region"),
    "sex": N_("By sex"),
    "age_group": N_("By age group"),
}
OUTCOMES = {"favourable": N_("favourable answers"), "mean": N_("mean")}
METHOD_NOTE = Path(__file__).resolve().parents[4] / "docs" / "methods" / "surveys.md"
FIXED_COLUMNS = (
    "wave",
    "uuid",
    "submitted_at",
    "area",
    "stratum",
    "cluster",
    "weight",
    "sex",
    "age_group",
)


# Numbers as text ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Formats:
    """Shares as percentages, means with two decimals, in the page language."""

    lang: str

    def value(self, v: float, kind: str) -> str:
        if kind == "share":
            return str(format_percent(v, format="#,##0%", locale=self.lang))
        return str(format_decimal(v, format="#,##0.00", locale=self.lang))

    def interval(self, low: float | None, high: float | None, kind: str) -> str | None:
        if low is None or high is None:
            return None
        return f"{self.value(low, kind)} – {self.value(high, kind)}"

    def change(self, v: float, kind: str) -> str:
        if kind == "share":  # percentage points
            return str(format_decimal(100 * v, format="+#,##0.0;-#,##0.0", locale=self.lang))
        return str(format_decimal(v, format="+#,##0.00;-#,##0.00", locale=self.lang))

    def deff(self, v: float | None) -> str:
        return "–" if v is None else str(format_decimal(v, format="#,##0.0", locale=self.lang))


# Views of estimates ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CellView:
    """One published or suppressed cell; ``value`` and ``interval`` are None when suppressed."""

    label: str
    n: int
    suppressed: bool
    reason: str | None
    value: str | None
    interval: str | None
    bar: charts.IntervalBar
    title: str
    n_psu: int = 0
    deff: str = "–"


def reason_text(reason: str | None, min_cell: int, lang: Language) -> str | None:
    if reason is None:
        return None
    if reason == small_cell_reason(min_cell):
        return lang.gettext("fewer than %(n)s respondents", n=min_cell)
    if reason == COMPLEMENTARY_REASON:
        return lang.gettext("suppressed so that a smaller cell cannot be derived")
    return reason


def cell_view(
    label: str, est: Any, kind: str, axis: charts.Axis, lang: Language, min_cell: int
) -> CellView:
    fmt = Formats(lang.code)
    n_text = lang.ngettext("%(num)s respondent", "%(num)s respondents", est.n)
    if est.suppressed or est.value is None:
        reason = reason_text(est.reason, min_cell, lang) or lang.gettext("suppressed")
        return CellView(
            label,
            est.n,
            True,
            reason,
            None,
            None,
            charts.interval_bar(None, axis),
            f"{label}: {reason}",
        )
    value = fmt.value(est.value, kind)
    interval = fmt.interval(est.low, est.high, kind)
    title = lang.gettext(
        "%(label)s: %(value)s (95%% interval %(interval)s), %(n)s",
        label=label,
        value=value,
        interval=interval or "–",
        n=n_text,
    )
    return CellView(
        label,
        est.n,
        False,
        None,
        value,
        interval,
        charts.interval_bar(est, axis),
        title,
        est.n_psu,
        fmt.deff(est.deff),
    )


@dataclass(slots=True)
class OutcomeView:
    code: str
    label: str
    kind: str
    cell: CellView
    selected: bool
    href: str


def outcome_label(o: Outcome, lang: Language) -> str:
    return lang.gettext(OUTCOMES[o.code]) if o.code in OUTCOMES else o.label or o.code


@dataclass(slots=True)
class RegionMap:
    """The choropleth: regions drawn from stored boundaries, each with its class, tooltip and
    label; the table beside it lists the same cells."""

    view: MapView
    classes: list[charts.MapClass]
    legend: list[tuple[str, str]]
    titles: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    has_suppressed: bool = False
    has_missing: bool = False


def region_map(
    platform: Platform,
    survey: Survey,
    cells: list[CellView],
    value_of: dict[str, float],
    kind: str,
    lang: Language,
) -> RegionMap:
    """``cells`` are the region cells as shown; ``value_of`` the published values by region."""
    regions = platform.places.admin_areas(survey.country_iso3, level=1, with_geometry=True)
    by_name = {c.label: c for c in cells}
    share = kind == "share"
    breaks = charts.class_breaks(list(value_of.values()), share=share)
    area_classes: dict[str, str] = {}
    titles: dict[str, str] = {}
    texts: dict[str, str] = {}
    suppressed = missing = False
    for r in regions:
        cell = by_name.get(r.name)
        if cell is None:
            area_classes[r.pcode] = "svy-none"
            titles[r.pcode] = lang.gettext("%(label)s: no respondents", label=r.name)
            missing = True
        elif cell.suppressed or r.name not in value_of:
            area_classes[r.pcode] = "svy-suppressed"
            titles[r.pcode] = cell.title
            texts[r.pcode] = "–"
            suppressed = True
        else:
            area_classes[r.pcode] = f"svy-c{charts.class_of(value_of[r.name], breaks)}"
            titles[r.pcode] = cell.title
            texts[r.pcode] = cell.value or ""
    fmt = Formats(lang.code)
    classes = charts.map_classes(breaks, share=share)
    legend = []
    for c in classes:
        if c.low is None and c.high is None:
            text = lang.gettext("all regions")
        elif c.low is None:
            text = lang.gettext("below %(value)s", value=fmt.value(c.high or 0.0, kind))
        elif c.high is None:
            text = lang.gettext("%(value)s and above", value=fmt.value(c.low, kind))
        else:
            text = f"{fmt.value(c.low, kind)} – {fmt.value(c.high, kind)}"
        legend.append((f"svy-c{c.index}", text))
    view = build_map(regions, area_classes=area_classes, width=640)
    return RegionMap(view, classes, legend, titles, texts, suppressed, missing)


def favourable_choices(platform: Platform, survey: Survey, q: Question, lang: str) -> list[str]:
    """The choices that count as favourable for the item a question measures."""
    form = survey.form
    mapping = next((m for m in form.items if m.question == q.name), None)
    if mapping is None or not form.framework:
        return []
    try:
        _, item = platform.assessment.framework(form.framework).item(mapping.item_code)
    except (NotFound, KeyError):
        return []
    out = []
    for c in q.choices:
        value = mapping.recode.get(c.name) if mapping.recode else None
        if value is None and not mapping.recode and c.name.lstrip("-").isdigit():
            value = int(c.name)
        if value is not None and value in item.favourable:
            out.append(text_in(c.label, lang) or c.name)
    return out


def item_context(platform: Platform, survey: Survey, item_code: str | None, lang: str) -> Any:
    """The framework item a question measures: its text, indicator and framework page."""
    if not item_code or not survey.form.framework:
        return None
    try:
        fw = platform.assessment.framework(survey.form.framework)
        indicator, item = fw.item(item_code)
    except (NotFound, KeyError):
        return {"code": item_code, "text": "", "indicator": None, "framework_id": None}
    return {
        "code": item_code,
        "text": text_in(item.text, lang),
        "indicator": indicator.code,
        "indicator_text": text_in(indicator.text, lang),
        "framework_id": fw.id,
    }


def breakdown_labels(survey: Survey, lang: str) -> dict[str, dict[str, str]]:
    """Cell labels as the page shows them: sex by the form's choice labels."""
    sex = survey.form.with_role(FieldRole.SEX)
    return {"sex": {c.name: text_in(c.label, lang) or c.name for c in sex.choices} if sex else {}}


def _outcome_group(
    found: QuestionEstimates, kind: str, chosen: Outcome, lang: Language, base: str
) -> dict[str, Any]:
    """The outcomes of one kind (shares, or means) on their own axis, each with its link."""
    fmt = Formats(lang.code)
    mine = [o for o in found.outcomes if o.kind == kind]
    axis = charts.value_axis(
        [o.overall for o in mine], share=kind == "share", label=lambda v: fmt.value(v, kind)
    )
    views = []
    for o in mine:
        label = outcome_label(o, lang)
        views.append(
            OutcomeView(
                o.code,
                label,
                kind,
                cell_view(label, o.overall, kind, axis, lang, found.min_cell),
                o.code == chosen.code,
                f"{base}&{urlencode({'outcome': o.code})}",
            )
        )
    return {"kind": kind, "axis": axis, "views": views}


def _trend_context(
    platform: Platform,
    survey: Survey,
    found: QuestionEstimates,
    chosen: Outcome,
    by: Principal,
    lang: Language,
) -> dict[str, Any]:
    points = platform.surveys.trend(
        survey.id or 0, found.question.name, outcome=chosen.code, by=by, language=lang.code
    )
    axis = charts.value_axis(
        [p.estimate for p in points],
        share=chosen.kind == "share",
        label=lambda v: Formats(lang.code).value(v, chosen.kind),
    )
    chart = charts.wave_chart(
        [(p.wave.name, p.estimate) for p in points],
        axis,
        text=lambda v: Formats(lang.code).value(v, chosen.kind),
    )
    fmt = Formats(lang.code)
    rows = []
    for p in points:
        change = None
        if p.change is not None:
            change = {
                "value": fmt.change(p.change.value, chosen.kind),
                "interval": f"{fmt.change(p.change.low, chosen.kind)} – "
                f"{fmt.change(p.change.high, chosen.kind)}",
                "significant": p.change.significant,
            }
        rows.append(
            {
                "wave": p.wave,
                "cell": cell_view(p.wave.name, p.estimate, chosen.kind, axis, lang, found.min_cell),
                "change": change,
                "current": p.wave.id == found.wave.id,
            }
        )
    return {"trend_chart": chart, "trend_rows": rows}


def dashboard_context(
    platform: Platform,
    by: Principal,
    lang: Language,
    survey_id: int,
    *,
    question: str | None,
    wave: int | None,
    outcome: str | None,
) -> dict[str, Any]:
    service = platform.surveys
    survey = service.survey(survey_id)
    assert survey.id is not None
    form = survey.form
    waves = service.waves(survey.id)
    questions = service.estimable(survey.id)
    mapped = {m.question: m.item_code for m in form.items}
    context: dict[str, Any] = {
        "survey": survey,
        "title": text_in(form.title, lang.code) or form.form_id,
        "country": platform.places.country(survey.country_iso3),
        "waves": waves,
        "questions": questions,
        "mapped": mapped,
        "question_label": lambda q: text_in(q.label, lang.code) or q.name,
        "found": None,
        "can_export": by.can(Permission.READ_EVIDENCE),
        "min_cell": platform.settings.min_cell_size,
        "breakdown_names": BREAKDOWNS,
        "breakdown_titles": BREAKDOWN_TITLES,
    }
    if not waves or not questions:
        return context
    name = question or questions[0].name
    if name not in {q.name for q in questions}:
        raise NotFound(f"{name!r} is not a question of {form.form_id} with answers to estimate")
    found = service.estimates(survey.id, name, wave=wave, by=by, language=lang.code)
    context.update(
        found=found,
        question=found.question,
        wave=found.wave,
        item=item_context(platform, survey, found.item_code, lang.code),
        favourable=favourable_choices(platform, survey, found.question, lang.code),
    )
    if not found.outcomes:
        return context
    chosen = next((o for o in found.outcomes if o.code == outcome), found.outcomes[0])
    query = urlencode({"question": found.question.name, "wave": found.wave.id})
    base = f"/surveys/{survey.id}?{query}"
    share = chosen.kind == "share"
    fmt = Formats(lang.code)
    outcome_groups = [
        _outcome_group(found, kind, chosen, lang, base)
        for kind in dict.fromkeys(o.kind for o in found.outcomes)
    ]
    cells_axis = charts.value_axis(
        [c.estimate for c in chosen.cells], share=share, label=lambda v: fmt.value(v, chosen.kind)
    )
    labels = breakdown_labels(survey, lang.code)
    breakdowns: dict[str, list[CellView]] = {}
    for key in BREAKDOWNS:
        breakdowns[key] = [
            cell_view(
                labels.get(key, {}).get(c.label or "", c.label or ""),
                c.estimate,
                chosen.kind,
                cells_axis,
                lang,
                found.min_cell,
            )
            for c in chosen.breakdown(key)
        ]
    published = {
        c.label: float(c.estimate.value)
        for c in chosen.breakdown("area")
        if c.label and not c.estimate.suppressed and c.estimate.value is not None
    }
    overall = cell_view(
        outcome_label(chosen, lang), chosen.overall, chosen.kind, cells_axis, lang, found.min_cell
    )
    context.update(
        chosen=chosen,
        chosen_label=outcome_label(chosen, lang),
        overall=overall,
        overall_estimate=chosen.overall,
        outcomes=[v for g in outcome_groups for v in g["views"]],
        outcome_groups=outcome_groups,
        cells_axis=cells_axis,
        breakdowns=breakdowns,
        map=region_map(platform, survey, breakdowns["area"], published, chosen.kind, lang),
        overall_deff=fmt.deff(None if chosen.overall.suppressed else chosen.overall.deff),
        **_trend_context(platform, survey, found, chosen, by, lang),
    )
    return context


# Pages -------------------------------------------------------------------------------------


def _list_context(
    platform: Platform, by: Principal, lang: Language, request: Request
) -> dict[str, Any]:
    summaries = platform.surveys.surveys()
    countries = {c.iso3: c for c in platform.places.countries(with_data_only=True)}
    manager = by.can(Permission.MANAGE_SURVEYS)
    rounds = {}
    if manager:
        for s in summaries:
            rounds[s.survey.id] = platform.assessment.rounds(country=s.survey.country_iso3)
    default_country = next(
        (c.iso3 for c in countries.values() if c.fictional), next(iter(countries), "")
    )
    return {
        "summaries": summaries,
        "titles": {s.survey.id: text_in(s.survey.form.title, lang.code) for s in summaries},
        "countries": countries,
        "default_country": default_country,
        "rounds": rounds,
        "can_manage": manager,
        "can_export": by.can(Permission.READ_EVIDENCE),
        "max_mb": MAX_UPLOAD // 2**20,
        "form_suffixes": sorted(FORM_SUFFIXES),
        "export_suffixes": sorted(EXPORT_SUFFIXES),
        "report": take_report(request, "surveys"),
        "problems": [],
        "values": {},
        "failed_survey": None,
    }


@router.get("/surveys")
def surveys_page(request: Request, platform: PlatformDep, by: Reader) -> Response:
    context = _list_context(platform, by, language(request), request)
    response = render(request, "surveys.html", context)
    return forget_report(request, response) if context["report"] is not None else response


def _refused(
    request: Request,
    platform: Platform,
    by: Principal,
    exc: Exception,
    *,
    survey_id: int | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    """The list page again, with what was wrong with the upload (nothing was stored)."""
    context = _list_context(platform, by, language(request), request)
    if isinstance(exc, RowErrors):
        context["problems"] = [str(p) for p in exc.problems]
    else:
        context["problems"] = [str(exc)]
    context["failed_survey"] = survey_id
    context["values"] = values or {}
    return render(request, "surveys.html", context, status_code=422)


@router.post("/surveys/import-form")
async def import_form_form(
    request: Request,
    platform: PlatformDep,
    by: SurveyManager,
    file: UploadFile,
    country: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    try:
        survey, created = await import_form_upload(platform, file, country=country, by=by)
    except (InputError, ConflictError, NotFound) as exc:
        return _refused(request, platform, by, exc)
    report = ImportReport(
        source=f"{survey.form.form_id} {survey.form.version}",
        created=int(created),
        unchanged=int(not created),
    )
    return stash_report(redirect("/surveys#import-report"), request, "surveys", report, by)


@router.get("/surveys/method")
def method_note(_by: Reader) -> Response:
    """How the estimates are made (docs/methods/surveys.md), as plain text."""
    if not METHOD_NOTE.is_file():
        raise NotFound(
            "the method note docs/methods/surveys.md ships with the PeaceOps source, not with "
            "this installation"
        )
    return Response(METHOD_NOTE.read_text(encoding="utf-8"), media_type="text/plain")


@router.get("/surveys/{survey_id}")
def survey_page(
    survey_id: int,
    request: Request,
    platform: PlatformDep,
    by: Reader,
    question: Annotated[str | None, Query(max_length=200)] = None,
    wave: int | None = None,
    outcome: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    lang = language(request)
    context = dashboard_context(
        platform, by, lang, survey_id, question=question or None, wave=wave, outcome=outcome
    )
    return render(request, "survey.html", context)


@router.post("/surveys/{survey_id}/import")
async def import_submissions_form(
    survey_id: int,
    request: Request,
    platform: PlatformDep,
    by: SurveyManager,
    file: UploadFile,
    wave: Annotated[str, Form(max_length=120)] = "",
    period_start: Annotated[str, Form(max_length=10)] = "",
    period_end: Annotated[str, Form(max_length=10)] = "",
    round_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    try:
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
    except (InputError, ConflictError) as exc:
        values = {"wave": wave, "period_start": period_start, "period_end": period_end}
        return _refused(request, platform, by, exc, survey_id=survey_id, values=values)
    return stash_report(redirect("/surveys#import-report"), request, "surveys", report, by)


# Exports -----------------------------------------------------------------------------------


def estimates_csv(found: QuestionEstimates, lang: Language) -> str:
    """Every outcome and cell of one question in one wave; suppressed cells keep their ``n``
    and reason, and leave every number derived from their answers empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "wave",
            "question",
            "outcome",
            "outcome_label",
            "breakdown",
            "group",
            "value",
            "low",
            "high",
            "se",
            "deff",
            "n",
            "n_psu",
            "suppressed",
            "reason",
        ]
    )
    for o in found.outcomes:
        for c in o.cells:
            e = c.estimate
            hide = e.suppressed
            numbers = [
                "" if hide or v is None else round(v, 6) for v in (e.value, e.low, e.high, e.se)
            ]
            writer.writerow(
                [
                    found.wave.name,
                    found.question.name,
                    o.code,
                    _cell(outcome_label(o, lang)),
                    c.breakdown or "overall",
                    _cell(c.label or ""),
                    *numbers,
                    "" if hide or e.deff is None else round(e.deff, 4),
                    e.n,
                    e.n_psu,
                    "yes" if hide else "no",
                    e.reason or "",
                ]
            )
    return buffer.getvalue()


@router.get("/surveys/{survey_id}/estimates.csv")
def estimates_export(
    survey_id: int,
    request: Request,
    platform: PlatformDep,
    by: Reader,
    question: Annotated[str | None, Query(max_length=200)] = None,
    wave: int | None = None,
) -> Response:
    lang = language(request)
    name = default_question(platform, survey_id, question or None)
    found = platform.surveys.estimates(survey_id, name, wave=wave, by=by, language=lang.code)
    stem = re.sub(r"[^\w.-]+", "_", f"{found.survey.form.form_id}-{name}-wave{found.wave.id}")
    return Response(
        estimates_csv(found, lang),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{stem}-estimates.csv"'},
    )


def _cell(value: Any) -> Any:
    """A CSV cell: lists space-separated (as Kobo writes them), dates in ISO, and text that a
    spreadsheet would run as a formula kept as text."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return " ".join(str(_cell(v)) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={_cell(v)}" for k, v in value.items())
    return guard(value) if isinstance(value, str) else value


def submissions_csv(survey: Survey, rows: list[dict[str, Any]]) -> str:
    """Row-level answers: design and breakdown columns, then answers in form order, then the
    personal answers (only present in rows the platform decrypted for an administrator)."""
    form = survey.form
    private = form.private_names
    answers = [
        q.name
        for q in form.questions
        if q.repeat is None
        and q.name not in private
        and q.name not in FIXED_COLUMNS
        and q.type not in ("note",)
    ]
    extra = sorted({k for r in rows for k in r} - set(FIXED_COLUMNS) - set(answers) - {"personal"})
    personal = sorted({k for r in rows for k in (r.get("personal") or {}) if not k.startswith("_")})
    header = [*FIXED_COLUMNS, *answers, *extra, *(f"personal.{k}" for k in personal)]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for r in rows:
        line = [_cell(r.get(k)) for k in (*FIXED_COLUMNS, *answers, *extra)]
        mine = r.get("personal") or {}
        line += [_cell(mine.get(k)) for k in personal]
        writer.writerow(line)
    return buffer.getvalue()


@router.get("/surveys/{survey_id}/submissions.csv")
def submissions_export(
    survey_id: int, platform: PlatformDep, by: EvidenceReader, wave: int | None = None
) -> Response:
    survey = platform.surveys.survey(survey_id)
    rows = platform.surveys.submissions(survey_id, wave=wave, by=by)
    stem = re.sub(r"[^\w.-]+", "_", f"{survey.form.form_id}-{survey.form.version}")
    suffix = f"-wave{wave}" if wave is not None else ""
    return Response(
        submissions_csv(survey, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{stem}{suffix}-submissions.csv"'},
    )
