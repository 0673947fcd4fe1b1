"""Transition in the web app: a country's readiness against its benchmark set (overall, per
institution, a map per region, each benchmark with its status), a benchmark's page (each
condition's evidence, trend, projection fan and the sentence behind its status), and the set's
versions with the forms to draft one from a template, agree a draft and revise an agreed set.

Everyone logged in reads (forecast-risk conditions have no evidence for roles that may not read
forecasts); ``MANAGE_TRANSITION`` drafts, agrees and revises.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from peaceops.domain.access import Permission, Principal
from peaceops.domain.transition import (
    STATUS_ORDER,
    BenchmarkJudgement,
    ConditionKind,
    Readiness,
)
from peaceops.errors import ConflictError, InputError, NotFound
from peaceops.platform import Platform
from peaceops.reports.svgmap import build_map
from peaceops.reports.transition import explain, projection_chart
from peaceops.services.web.deps import PlatformDep, Reader, TransitionManager, language
from peaceops.services.web.i18n import Language
from peaceops.services.web.pages.forms import redirect
from peaceops.services.web.rendering import render
from peaceops.storage.types import utcnow

router = APIRouter()


def _as_of(value: str | None) -> date | None:
    return _day(value, "as_of") if value else None


def _value(kind: ConditionKind, value: float) -> str:
    if kind == ConditionKind.TRAINED_PERSONNEL:
        return f"{value:,.0f}"
    if kind in (ConditionKind.INDICATOR_SCORE, ConditionKind.DIMENSION_SCORE):
        return f"{value:.2f}"
    return f"{value:.0%}"


def _trend(kind: ConditionKind, per_year: float) -> str:
    if kind == ConditionKind.TRAINED_PERSONNEL:
        return f"{per_year:+,.0f}"
    if kind in (ConditionKind.INDICATOR_SCORE, ConditionKind.DIMENSION_SCORE):
        return f"{per_year:+.2f}"
    return f"{per_year * 100:+.1f} pp"


def _conditions(
    j: BenchmarkJudgement, readiness: Readiness, lang: Language, by: Principal, charts: bool
) -> list[dict[str, Any]]:
    target = readiness.benchmark_set.target_date
    out = []
    for c in j.conditions:
        kind = c.condition.kind
        hidden = kind == ConditionKind.FORECAST_RISK and not by.can(Permission.READ_FORECASTS)
        out.append(
            {
                "j": c,
                "kind": kind.value,
                "what": c.condition.target,
                "threshold": _value(kind, c.condition.threshold),
                "ceiling": c.condition.direction.value == "at_most",
                "latest": _value(kind, c.latest.value) if c.latest else None,
                "trend": None if c.trend_per_year is None else _trend(kind, c.trend_per_year),
                "reason": lang.gettext(
                    "Forecasts of violence are not shown to your role, so this condition "
                    "cannot be judged here."
                )
                if hidden
                else explain(
                    c,
                    target_date=target,
                    gettext=lang.gettext,
                    fmt=lambda v, kind=kind: _value(kind, v),  # type: ignore[misc]
                ),
                "chart": Markup(  # noqa: S704 - built by reports.transition, which escapes
                    projection_chart(
                        c,
                        target_date=target,
                        gettext=lang.gettext,
                        value_format="{:.2f}",
                    )
                )
                if charts
                else "",
                "values": [(o, _value(kind, o.value)) for o in c.observations],
            }
        )
    return out


def _readiness(
    platform: Platform, iso3: str, by: Principal, as_of: date | None
) -> Readiness | None:
    return platform.transition.readiness(iso3, by=by, as_of=as_of)


@router.get("/countries/{iso3}/transition")
def read_transition_page(
    request: Request,
    iso3: str,
    platform: PlatformDep,
    by: Reader,
    as_of: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    """Readiness against the country's current benchmark set, and the set's versions."""
    return _page(request, iso3, platform, by, as_of)


def _page(
    request: Request,
    iso3: str,
    platform: Platform,
    by: Principal,
    as_of: str | None,
    form_error: str = "",
) -> Response:
    iso3 = iso3.upper()
    country = platform.places.country(iso3)
    lang = language(request)
    error = ""
    try:
        day = _as_of(as_of)
    except InputError as exc:
        error, day = exc.problem.message, None
    readiness = _readiness(platform, iso3, by, day)
    area_status: dict[str, str] = {}
    view = None
    rows: list[dict[str, Any]] = []
    if readiness is not None:
        area_status = {k: v.value for k, v in readiness.by_area().items()}
        if area_status:
            regions = platform.places.admin_areas(iso3, level=1, with_geometry=True)
            view = build_map(
                regions,
                area_classes={
                    r.pcode: f"ready-{area_status.get(r.pcode, 'none')}" for r in regions
                },
                width=560,
            )
        for j in readiness.judgements:
            rows.append(
                {
                    "j": j,
                    "statement": j.benchmark.statement.get(lang.code)
                    or j.benchmark.statement.get("en", ""),
                    "conditions": _conditions(j, readiness, lang, by, charts=False),
                }
            )
    benchmark_areas = {j.benchmark.area for j in readiness.judgements} if readiness else set()
    areas = {
        a.pcode: a.name
        for a in platform.places.admin_areas(iso3, with_geometry=False)
        if a.pcode in benchmark_areas
    }
    counts = readiness.counts() if readiness else {}
    total = sum(counts.values()) or 1
    segments, x = [], 0.0
    for status in reversed(STATUS_ORDER):
        if counts.get(status):
            width = 1000 * counts[status] / total
            segments.append((status.value, round(x, 1), round(width, 1), counts[status]))
            x += width
    return render(
        request,
        "transition.html",
        {
            "country": country,
            "readiness": readiness,
            "rows": rows,
            "order": [s.value for s in reversed(STATUS_ORDER)],
            "counts": {k.value: v for k, v in counts.items()},
            "segments": segments,
            "by_institution": readiness.by_institution() if readiness else {},
            "area_status": area_status,
            "areas": areas,
            "map": view,
            "sets": platform.transition.sets(country=iso3, by=by),
            "templates": platform.transition.templates(),
            "can_manage": by.can(Permission.MANAGE_TRANSITION),
            "as_of": day.isoformat() if day else "",
            "today": utcnow().date().isoformat(),
            "lang_code": lang.code,
            "error": error or form_error,
        },
        status_code=422 if error or form_error else 200,
    )


@router.get("/countries/{iso3}/transition/benchmarks/{key}")
def read_benchmark_page(
    request: Request,
    iso3: str,
    key: str,
    platform: PlatformDep,
    by: Reader,
    as_of: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    """One benchmark: its statement, status and each condition's evidence and projection."""
    iso3 = iso3.upper()
    country = platform.places.country(iso3)
    lang = language(request)
    readiness = _readiness(platform, iso3, by, _as_of(as_of))
    if readiness is None:
        raise NotFound(f"{iso3} has no benchmark set")
    found = next((j for j in readiness.judgements if j.benchmark.key == key), None)
    if found is None:
        raise NotFound(f"no benchmark '{key}' in the current set of {iso3}")
    area = ""
    if found.benchmark.area:
        area = next(
            (
                a.name
                for a in platform.places.admin_areas(iso3, with_geometry=False)
                if a.pcode == found.benchmark.area
            ),
            found.benchmark.area,
        )
    return render(
        request,
        "benchmark.html",
        {
            "country": country,
            "readiness": readiness,
            "j": found,
            "area": area,
            "statement": found.benchmark.statement.get(lang.code)
            or found.benchmark.statement.get("en", ""),
            "conditions": _conditions(found, readiness, lang, by, charts=True),
            "as_of": as_of or "",
            "lang_code": lang.code,
        },
    )


def _act(
    request: Request,
    platform: Platform,
    iso3: str,
    by: Principal,
    action: Callable[[], object],
    set_id: int | None = None,
) -> Response:
    """Run a form's action; back to the readiness page, or the page again with the reason."""
    try:
        if set_id is not None and platform.transition.get(set_id, by=by).country_iso3 != (
            iso3.upper()
        ):
            raise NotFound(f"benchmark set {set_id} is not one of {iso3.upper()}")
        action()
    except (InputError, ConflictError, NotFound) as exc:
        message = exc.problem.message if isinstance(exc, InputError) else str(exc)
        return _page(request, iso3, platform, by, None, form_error=message)
    return redirect(f"/countries/{iso3.upper()}/transition", msg="saved")


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"'{value}' is not a date (YYYY-MM-DD)", field=field) from None


@router.post("/countries/{iso3}/transition/sets")
def create_set_page(
    request: Request,
    iso3: str,
    platform: PlatformDep,
    by: TransitionManager,
    template: Annotated[str, Form(max_length=60)],
    target_date: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Draft a set for the country from a template."""
    service = platform.transition
    return _act(
        request,
        platform,
        iso3,
        by,
        lambda: service.draft(
            service.template(template),
            country=iso3,
            by=by,
            target_date=_day(target_date, "target_date") if target_date else None,
            note=note.strip(),
        ),
    )


@router.post("/countries/{iso3}/transition/sets/{set_id}/agree")
def agree_set_page(
    request: Request,
    iso3: str,
    set_id: int,
    platform: PlatformDep,
    by: TransitionManager,
    agreed_by: Annotated[str, Form(max_length=200)] = "",
    agreed_on: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record who agreed a draft and when."""
    return _act(
        request,
        platform,
        iso3,
        by,
        lambda: platform.transition.agree(
            set_id,
            agreed_by=agreed_by,
            agreed_on=_day(agreed_on, "agreed_on"),
            by=by,
            note=note.strip() or None,
        ),
        set_id,
    )


@router.post("/countries/{iso3}/transition/sets/{set_id}/revise")
def revise_set_page(
    request: Request,
    iso3: str,
    set_id: int,
    platform: PlatformDep,
    by: TransitionManager,
    version: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Copy a set as a new draft version."""
    return _act(
        request,
        platform,
        iso3,
        by,
        lambda: platform.transition.revise(set_id, version=version, by=by, note=note.strip()),
        set_id,
    )
