"""Institution pages: profile, sites, and editing for analysts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from peaceops.domain.assessment import Dimension
from peaceops.domain.institutions import InstitutionType
from peaceops.platform import Platform
from peaceops.reports.assessment import DIMENSIONS
from peaceops.reports.charts import trend_chart
from peaceops.reports.svgmap import build_map
from peaceops.services.web.deps import Editor, PlatformDep, Reader, language
from peaceops.services.web.i18n import Language
from peaceops.services.web.pages.assessment import assessment_labels
from peaceops.services.web.pages.countries import map_points
from peaceops.services.web.pages.forms import redirect
from peaceops.services.web.rendering import render

router = APIRouter()


@router.get("/institutions/{institution_id}")
def institution_page(
    institution_id: int, request: Request, platform: PlatformDep, _by: Reader
) -> Response:
    inst = platform.institutions.get(institution_id)
    country = platform.places.country(inst.country_iso3)
    siblings = platform.institutions.list(country=inst.country_iso3)
    parent = next((i for i in siblings if i.id == inst.parent_id), None)
    children = [i for i in siblings if i.parent_id == inst.id]
    sites = platform.institutions.sites(institution_id=institution_id)
    areas = {a.id: a for a in platform.places.admin_areas(inst.country_iso3, with_geometry=False)}
    regions = platform.places.admin_areas(inst.country_iso3, level=1)
    view = build_map(regions, points=map_points([], sites, {inst.id or 0: inst}), width=520)
    lang = language(request)
    profile = assessment_profile(platform, inst.country_iso3, inst.type.value, lang)
    code = profile.get("assessed_code")
    readiness = platform.transition.readiness(inst.country_iso3, by=_by) if code else None
    return render(
        request,
        "institution.html",
        {
            "inst": inst,
            "country": country,
            "parent": parent,
            "children": children,
            "sites": sites,
            "areas": areas,
            "map": view,
            "types": list(InstitutionType),
            "others": [i for i in siblings if i.id != inst.id],
            **profile,
            "benchmarks": [j for j in readiness.judgements if j.benchmark.institution == code]
            if readiness
            else [],
            "lang_code": lang.code,
            "lessons": platform.knowledge.related(
                f"{inst.name} {inst.type.value.replace('_', ' ')}",
                by=_by,
                institution_type=inst.type.value,
                country=inst.country_iso3,
            ),
        },
    )


def assessment_profile(
    platform: Platform, country: str, institution_type: str, lang: Language
) -> dict[str, Any]:
    """Assessment rounds of this institution: heat map by round, trends, latest indicators."""
    rounds = platform.assessment.for_institution_type(country, institution_type)
    if not rounds:
        return {"assessed": None}
    latest, code = rounds[-1]
    same = [(s, c) for s, c in rounds if s.framework.code == latest.framework.code]
    labels = [str(s.round.period_end.year) for s, _ in same]
    heat = [
        {
            "code": code,
            "name": s.round.name,
            "round_id": s.round.id,
            "cells": {dim.value: s.scores.rollup(c, dim) for dim in Dimension},
            "overall": s.scores.rollup(c),
        }
        for s, c in same
    ]
    series = []
    for dim in Dimension:
        points = []
        for s, c in same:
            r = s.scores.rollup(c, dim)
            points.append(None if r is None else (r.value, r.low, r.high))
        series.append((lang.gettext(DIMENSIONS[dim.value]), points))
    indicators = [s for s in latest.scores.indicators.values() if s.institution == code]
    context = platform.context.series(country)
    return {
        "assessed": latest,
        "assessed_code": code,
        "assessed_heat": heat,
        "assessed_trend": trend_chart(labels, series),
        "assessed_indicators": indicators,
        "context_series": context,
        **assessment_labels(),
    }


@router.post("/institutions/{institution_id}")
def update_institution(
    institution_id: int,
    platform: PlatformDep,
    by: Editor,
    name: Annotated[str, Form(min_length=2, max_length=300)],
    type: Annotated[InstitutionType, Form()],
    acronym: Annotated[str, Form(max_length=40)] = "",
    description: Annotated[str, Form(max_length=5000)] = "",
    parent_id: Annotated[str, Form()] = "",
) -> Response:
    platform.institutions.update(
        institution_id,
        {
            "name": name.strip(),
            "type": type,
            "acronym": acronym.strip() or None,
            "description": description.strip() or None,
            "parent_id": int(parent_id) if parent_id.isdigit() else None,
        },
        by=by,
    )
    return redirect(f"/institutions/{institution_id}", msg="saved")
