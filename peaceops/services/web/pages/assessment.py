"""Assessment pages: rounds and their scores, evidence import, drill-down, framework browser."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.background import BackgroundTask

from peaceops.domain.assessment import Dimension, EvidenceSource, text_in
from peaceops.errors import InputError, NotFound, RowErrors
from peaceops.platform import Platform
from peaceops.platform.assessment import MAX_UPLOAD, ScoredRound
from peaceops.reports.assessment import DIMENSIONS, RATINGS, SOURCES, VERDICTS, render_report
from peaceops.reports.charts import score_class, trend_chart
from peaceops.services.web.deps import AssessmentManager, PlatformDep, Reader, language
from peaceops.services.web.pages.forms import redirect
from peaceops.services.web.rendering import render

router = APIRouter()


def assessment_labels() -> dict[str, Any]:
    """What the assessment templates and macros need to name and colour scores."""
    return {
        "dimensions": DIMENSIONS,
        "sources": SOURCES,
        "ratings": RATINGS,
        "verdicts": VERDICTS,
        "score_class": score_class,
        "text_in": text_in,
    }


def heat_rows(scored: ScoredRound, institutions: list[str], lang: str) -> list[dict[str, Any]]:
    """Institution x dimension cells of a round (platform aggregates with their parts)."""
    rows = []
    for code in institutions:
        inst = scored.framework.institution(code)
        rows.append(
            {
                "code": code,
                "name": text_in(inst.name, lang),
                "cells": {dim.value: scored.scores.rollup(code, dim) for dim in Dimension},
                "overall": scored.scores.rollup(code),
            }
        )
    return rows


@router.get("/assessments")
def assessments_page(request: Request, platform: PlatformDep, _by: Reader) -> Response:
    service = platform.assessment
    frameworks = service.frameworks()
    by_id = {f.id: f for f in frameworks}
    rounds = service.rounds()
    countries = {
        c.iso3: c for c in platform.places.countries() if c.iso3 in {r.country_iso3 for r in rounds}
    }
    return render(
        request,
        "assessments.html",
        {
            "frameworks": frameworks,
            "rounds": rounds,
            "by_id": by_id,
            "countries": countries,
            "counts": {r.id: service.evidence_counts(r.id or 0) for r in rounds},
            "all_countries": platform.places.countries(),
            **assessment_labels(),
        },
    )


@router.post("/assessments/rounds")
def create_round_form(
    platform: PlatformDep,
    by: AssessmentManager,
    country: Annotated[str, Form(min_length=3, max_length=3)],
    framework: Annotated[int, Form()],
    name: Annotated[str, Form(min_length=2, max_length=200)],
    period_start: Annotated[date, Form()],
    period_end: Annotated[date, Form()],
    sample_frame: Annotated[str, Form(max_length=5000)] = "",
    notes: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    rnd = platform.assessment.create_round(
        country=country,
        framework=str(framework),
        name=name,
        period_start=period_start,
        period_end=period_end,
        sample_frame=sample_frame.strip(),
        notes=notes.strip(),
        by=by,
    )
    return redirect(f"/assessments/rounds/{rnd.id}", msg="created")


@router.get("/assessments/frameworks/{framework_id}")
def framework_page(
    framework_id: int, request: Request, platform: PlatformDep, _by: Reader
) -> Response:
    fw = platform.assessment.framework(framework_id)
    return render(request, "assessment_framework.html", {"fw": fw, **assessment_labels()})


def _round_context(platform: Platform, round_id: int, lang: str) -> dict[str, Any]:
    service = platform.assessment
    scored = service.score(round_id)
    base, moves = service.changes(round_id)
    country = platform.places.country(scored.round.country_iso3)
    return {
        "scored": scored,
        "rnd": scored.round,
        "fw": scored.framework,
        "country": country,
        "counts": service.evidence_counts(round_id),
        "heat": heat_rows(
            scored, service.assessed_institutions(scored.round, scored.framework), lang
        ),
        "base": base,
        "moves": [c for c in moves if "/" in c.key or c.key in scored.scores.indicators],
        "priorities": service.priorities(round_id)[:15],
        "sheets": [s.value for s in EvidenceSource if scored.framework.items_from(s)],
        **assessment_labels(),
    }


@router.get("/assessments/rounds/{round_id}")
def round_page(round_id: int, request: Request, platform: PlatformDep, by: Reader) -> Response:
    lang = language(request).code
    return render(request, "assessment_round.html", _round_context(platform, round_id, lang))


@router.post("/assessments/rounds/{round_id}/evidence")
async def import_evidence_form(
    round_id: int,
    request: Request,
    platform: PlatformDep,
    by: AssessmentManager,
    file: UploadFile,
) -> Response:
    lang = language(request).code
    problems: list[str] = []
    try:
        data = await file.read(MAX_UPLOAD + 1)
        report = platform.assessment.import_upload(round_id, file.filename or "", data, by=by)
    except RowErrors as exc:
        problems = [str(p) for p in exc.problems]
    except InputError as exc:
        problems = [str(exc)]
    if problems:
        context = _round_context(platform, round_id, lang)
        context["problems"] = problems
        return render(request, "assessment_round.html", context, status_code=422)
    context = _round_context(platform, round_id, lang)
    context["imported"] = report.as_dict()
    return render(request, "assessment_round.html", context)


@router.post("/assessments/rounds/{round_id}/records")
def enter_record_form(
    round_id: int,
    request: Request,
    platform: PlatformDep,
    by: AssessmentManager,
    source: Annotated[EvidenceSource, Form()],
    item_code: Annotated[str, Form(max_length=64)],
    as_of: Annotated[str, Form(max_length=20)] = "",
    numerator: Annotated[str, Form(max_length=40)] = "",
    denominator: Annotated[str, Form(max_length=40)] = "",
    breakdown: Annotated[str, Form(max_length=120)] = "",
    source_name: Annotated[str, Form(max_length=300)] = "",
    reference: Annotated[str, Form(max_length=300)] = "",
    met: Annotated[str, Form(max_length=20)] = "",
    notes: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """One administrative figure or one document or site check, validated like a file row."""
    values = {
        "item_code": item_code,
        "as_of": as_of,
        "checked_on": as_of,
        "numerator": numerator,
        "denominator": denominator,
        "breakdown": breakdown,
        "source_name": source_name,
        "reference": reference,
        "met": met,
        "notes": notes,
    }
    try:
        platform.assessment.enter_record(round_id, source, values, by=by)
    except RowErrors as exc:
        context = _round_context(platform, round_id, language(request).code)
        context["problems"] = [str(p) for p in exc.problems]
        return render(request, "assessment_round.html", context, status_code=422)
    return redirect(f"/assessments/rounds/{round_id}", msg="saved")


@router.get("/assessments/rounds/{round_id}/template.xlsx")
def round_template(
    round_id: int, request: Request, platform: PlatformDep, _by: AssessmentManager
) -> Response:
    rnd = platform.assessment.round(round_id)
    lang = language(request).code
    folder = tempfile.mkdtemp()
    path = Path(folder) / f"evidence-round-{round_id}.xlsx"
    platform.assessment.template(
        str(rnd.framework_id), path, language="fr" if lang == "fr" else "en"
    )

    def cleanup() -> None:
        path.unlink(missing_ok=True)
        Path(folder).rmdir()

    return FileResponse(
        path,
        filename=path.name,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        background=BackgroundTask(cleanup),
    )


@router.get("/assessments/rounds/{round_id}/report")
def round_report(round_id: int, request: Request, platform: PlatformDep, _by: Reader) -> Response:
    lang = language(request)
    data = platform.assessment.report_data(round_id, language="fr" if lang.code == "fr" else "en")
    data["language"] = lang.code
    return HTMLResponse(render_report(data, gettext=lang.gettext))


@router.get("/assessments/rounds/{round_id}/indicators/{indicator}")
def indicator_page(
    round_id: int, indicator: str, request: Request, platform: PlatformDep, by: Reader
) -> Response:
    """The evidence behind one score: per source, the rows (analysts) or their distribution."""
    code = indicator
    scored = platform.assessment.score(round_id)
    fw = scored.framework
    if code not in {i.code for i in fw.indicators}:
        raise NotFound(f"indicator {code} is not in framework {fw.key}")
    score = scored.scores.indicators.get(code)
    rows = platform.assessment.indicator_evidence(round_id, code, by=by)
    history = []
    for past in platform.assessment.history(scored.round.country_iso3, fw.code):
        s = past.scores.indicators.get(code)
        history.append((past.round.period_end.year, s))
    chart = trend_chart(
        [str(y) for y, _ in history],
        [(code, [None if s is None else (s.value, s.low, s.high) for _, s in history])],
    )
    return render(
        request,
        "assessment_indicator.html",
        {
            "scored": scored,
            "rnd": scored.round,
            "fw": fw,
            "ind": fw.indicator(code),
            "score": score,
            "rows": rows,
            "chart": chart,
            "min_cell": platform.settings.min_cell_size,
            **assessment_labels(),
        },
    )
