"""The mission's incident log: the log with its filters and counts, one incident with its map,
sources and verification history, the entry form (works without JavaScript, on a phone), and
the CSV log's import and template.

Everyone logged in reads verified incidents; analysts and administrators (``REPORT_INCIDENTS``)
read every report, log new ones and import logs; they (``VERIFY_INCIDENTS``) verify, discredit,
reopen and merge.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from peaceops.domain.access import Permission, Principal
from peaceops.domain.incidents import (
    VERIFICATION_STEPS,
    Attachment,
    DatePrecision,
    Incident,
    IncidentType,
    PlacePrecision,
    Verification,
)
from peaceops.domain.places import AdminArea
from peaceops.errors import ConflictError, InputError, NotFound
from peaceops.platform import Platform
from peaceops.platform.incidents import IncidentView, latest_day
from peaceops.reports.svgmap import MapPoint, MapView, build_map
from peaceops.services.web.api.activities import save_upload
from peaceops.services.web.api.incidents import Reporter, Verifier, announce, default_precision
from peaceops.services.web.deps import PlatformDep, Reader, language
from peaceops.services.web.i18n import N_
from peaceops.services.web.pages.activities import forget_report, stash_report, take_report
from peaceops.services.web.pages.complaints import day_formatter, region_groups
from peaceops.services.web.pages.forms import redirect
from peaceops.services.web.rendering import render
from peaceops.services.web.security import CSRF_FIELD

router = APIRouter()

MAX_LOG_UPLOAD = 10 * 2**20
ROWS_SHOWN = 300
TYPES: dict[str, str] = {
    IncidentType.STATE_BASED: N_("Armed clash with state forces"),
    IncidentType.NON_STATE: N_("Clash between armed groups"),
    IncidentType.ONE_SIDED: N_("Attack on civilians"),
    IncidentType.ATTACK_ON_POLICE: N_("Attack on police"),
    IncidentType.ATTACK_ON_COURT: N_("Attack on a court"),
    IncidentType.ATTACK_ON_PRISON: N_("Attack on a prison or escape"),
    IncidentType.ATTACK_ON_OFFICIAL: N_("Attack on a judge, official or defender"),
    IncidentType.PROTEST: N_("Protest or riot"),
    IncidentType.DISPLACEMENT: N_("Displacement"),
    IncidentType.EXPLOSIVE_HAZARD: N_("Explosive hazard"),
    IncidentType.CRIME: N_("Serious crime"),
    IncidentType.OTHER: N_("Other"),
}
STATUSES: dict[str, str] = {
    Verification.REPORTED: N_("Reported"),
    Verification.UNDER_VERIFICATION: N_("Under verification"),
    Verification.VERIFIED: N_("Verified"),
    Verification.DISCREDITED: N_("Discredited"),
    Verification.MERGED: N_("Merged (duplicate)"),
}
DATE_PRECISIONS: dict[str, str] = {
    DatePrecision.DAY: N_("Exact day"),
    DatePrecision.WEEK: N_("Within a week"),
    DatePrecision.MONTH: N_("Month only"),
    DatePrecision.YEAR: N_("Year only"),
}
PLACE_PRECISIONS: dict[str, str] = {
    PlacePrecision.EXACT: N_("Exact point"),
    PlacePrecision.NEAR: N_("Near the point (within 25 km)"),
    PlacePrecision.DISTRICT: N_("District only"),
    PlacePrecision.REGION: N_("Region only"),
    PlacePrecision.COUNTRY: N_("Country only"),
}
# Problems with the entry form, by field; shown next to the field.
FORM_ERRORS: dict[str, str] = {
    "type": N_("Choose what happened."),
    "date": N_("Give the day it happened; it cannot be in the future."),
    "date_precision": N_("Choose how exactly the date is known."),
    "place": N_("Choose a region or district, or give longitude and latitude."),
    "lon": N_("Give longitude and latitude in decimal degrees, inside the country."),
    "place_precision": N_("An exact or near place needs longitude and latitude."),
    "fatalities": N_("Fatalities must be whole numbers with low ≤ best ≤ high."),
    "injured": N_("Give the number injured as a whole number (0 or more)."),
    "site": N_("Choose a site from the list, or none."),
    "text": N_("A text is too long; shorten it."),
    "reference": N_("This reference is too long (at most 120 characters)."),
}
SERVICE_FIELDS = {
    "lon/lat": "lon",
    "admin_area_id": "place",
    "institution_site_id": "site",
    "fatalities": "fatalities",
    "injured": "injured",
    "date": "date",
    "place": "place",
    "place_precision": "place_precision",
    "type": "type",
    "date_precision": "date_precision",
    "reference": "reference",
}
DECISION_ERRORS: dict[str, str] = {
    "stage": N_("Choose one of the next steps offered."),
    "reason": N_("Say why: a reason is required to verify, discredit or merge."),
    "into": N_("Choose the incident to keep, or give its number."),
    "best": N_("Give the best estimate as a whole number, or leave it empty."),
}


def incident_labels() -> dict[str, Any]:
    return {
        "types": TYPES,
        "statuses": STATUSES,
        "date_precisions": DATE_PRECISIONS,
        "place_precisions": PLACE_PRECISIONS,
    }


def log_countries(platform: Platform) -> list[str]:
    """Countries incidents can be logged in: those with boundaries loaded."""
    return [c.iso3 for c in platform.places.countries(with_data_only=True)]


def log_country(platform: Platform, requested: str | None) -> str:
    countries = log_countries(platform)
    wanted = (requested or "").strip().upper()
    if wanted in countries:
        return wanted
    if wanted or not countries:
        raise InputError(
            f"no incident log for {wanted!r}; choose one of {', '.join(countries) or 'none'}",
            field="country",
        )
    return countries[0]


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _enum(kind: Any, value: str) -> Any:
    try:
        return kind(value) if value else None
    except ValueError:
        return None


# The log ------------------------------------------------------------------------------------


@router.get("/incidents")
def incident_log(
    request: Request,
    platform: PlatformDep,
    by: Reader,
    country: Annotated[str, Query(max_length=3)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    type: Annotated[str, Query(max_length=30)] = "",
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    area: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    """The log, the latest first, with counts by status and type (verified only for roles
    that may not report incidents)."""
    countries = log_countries(platform)
    iso3 = country.upper() if country.upper() in countries else ""
    area_id = int(area) if area.isdigit() else None
    if area_id is not None:
        try:
            iso3 = platform.places.admin_area(area_id).country_iso3
        except NotFound:
            area_id = None
    wanted_status = _enum(Verification, status)
    wanted_type = _enum(IncidentType, type)
    items = platform.incidents.list(
        by=by, country=iso3 or None, since=_day(since), until=_day(until), area_id=area_id
    )
    by_status = Counter(i.status for i in items)
    by_type = Counter(i.type for i in items)
    shown = [
        i
        for i in items
        if (wanted_status is None or i.status == wanted_status)
        and (wanted_type is None or i.type == wanted_type)
    ]
    names = {
        a.id: a.name for c in countries for a in platform.places.admin_areas(c, with_geometry=False)
    }
    report = take_report(request, "incidents")
    response = render(
        request,
        "incidents.html",
        {
            "items": shown[:ROWS_SHOWN],
            "total": len(shown),
            "by_status": by_status,
            "by_type": sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0].value)),
            "area_names": names,
            "countries": countries,
            "regions": region_groups(platform, iso3 or (countries[0] if countries else "")),
            "filters": {
                "country": iso3,
                "status": wanted_status.value if wanted_status else "",
                "type": wanted_type.value if wanted_type else "",
                "since": since if _day(since) else "",
                "until": until if _day(until) else "",
                "area": area_id,
            },
            "insider": by.can(Permission.REPORT_INCIDENTS),
            "report": report,
            "import_country": iso3 or (countries[0] if countries else ""),
            **incident_labels(),
            **day_formatter(language(request).code),
        },
    )
    return forget_report(request, response) if report is not None else response


@router.get("/incidents/template.csv")
def log_template(_by: Reporter) -> Response:
    """An empty incident log: the header and a row explaining each column."""
    from peaceops.ingest.incidents import write_log_template

    with tempfile.TemporaryDirectory() as folder:
        path = write_log_template(Path(folder) / "peaceops-incident-log.csv")
        body = path.read_bytes()
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="peaceops-incident-log.csv"'},
    )


@router.post("/incidents/import")
async def import_log(
    request: Request,
    platform: PlatformDep,
    by: Reporter,
    file: UploadFile,
    country: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Import an uploaded CSV log; the report is shown on the log page."""
    iso3 = log_country(platform, country)
    with tempfile.TemporaryDirectory() as folder:
        path = await save_upload(file, Path(folder), {".csv"}, MAX_LOG_UPLOAD)
        report = await run_in_threadpool(platform.incidents.import_log, path, country=iso3, by=by)
    return stash_report(redirect("/incidents#import"), request, "incidents", report, by)


# The entry form -----------------------------------------------------------------------------


def form_context(platform: Platform, country: str) -> dict[str, Any]:
    sites = sorted(platform.institutions.sites(country=country), key=lambda s: s.name.casefold())
    return {
        "country": country,
        "countries": log_countries(platform),
        "regions": region_groups(platform, country),
        "sites": sites,
        "today": latest_day(datetime.now(UTC)).isoformat(),
        "form_errors": FORM_ERRORS,
        **incident_labels(),
    }


def _form_page(
    request: Request,
    platform: Platform,
    country: str,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    alert: str | None = None,
    status_code: int = 200,
) -> Response:
    kept = {k: v for k, v in values.items() if k != CSRF_FIELD}
    return render(
        request,
        "incident_form.html",
        {**form_context(platform, country), "values": kept, "errors": errors, "alert": alert},
        status_code=status_code,
    )


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def read_form(
    values: dict[str, str], platform: Platform, country: str
) -> tuple[Incident | None, dict[str, str]]:
    """The incident the form describes, or the problems by field."""
    errors: dict[str, str] = {}
    kind = _enum(IncidentType, values.get("type", ""))
    if kind is None:
        errors["type"] = "type"
    day = _day(values.get("date", ""))
    if day is None:
        errors["date"] = "date"
    date_precision = _enum(DatePrecision, values.get("date_precision", "day") or "day")
    if date_precision is None:
        errors["date_precision"] = "date_precision"

    def degrees(name: str) -> float | None:
        text = values.get(name, "").strip().replace(",", ".")
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            errors["lon"] = "lon"
            return None

    lon, lat = degrees("lon"), degrees("lat")
    if (lon is None) != (lat is None):
        errors["lon"] = "lon"
    area_text = values.get("admin_area_id", "")
    area_id = int(area_text) if area_text.isdigit() else None
    if lon is None and lat is None and area_id is None and "lon" not in errors:
        errors["place"] = "place"

    def count(name: str, key: str) -> int | None:
        text = values.get(name, "").strip()
        if not text:
            return None
        if not text.isdigit():
            errors[key] = key
            return None
        return int(text)

    best = count("fatalities_best", "fatalities") or 0
    low = count("fatalities_low", "fatalities")
    high = count("fatalities_high", "fatalities")
    injured = count("injured", "injured") or 0
    site_text = values.get("institution_site_id", "")
    site_id = int(site_text) if site_text.isdigit() else None
    if site_text and site_id is None:
        errors["site"] = "site"
    place_precision = _enum(PlacePrecision, values.get("place_precision", ""))
    if errors:
        return None, errors
    assert kind is not None and day is not None
    if place_precision is None:
        try:
            place_precision = default_precision(
                platform, has_point=lon is not None, admin_area_id=area_id
            )
        except InputError:
            return None, {"place": "place"}
    incident = Incident(
        type=kind,
        date=day,
        country_iso3=country,
        date_precision=date_precision,
        lon=lon,
        lat=lat,
        admin_area_id=area_id,
        place_precision=place_precision,
        place_name=values.get("place_name", "").strip(),
        actors=_lines(values.get("actors", "")),
        fatalities_best=best,
        fatalities_low=best if low is None else low,
        fatalities_high=best if high is None else high,
        injured=injured,
        sources=_lines(values.get("sources", "")),
        narrative=values.get("narrative", "").strip(),
        attachments=tuple(Attachment(name=n) for n in _lines(values.get("attachments", ""))),
        institution_site_id=site_id,
        reference=values.get("reference", "").strip() or None,
    )
    return incident, {}


FORM_FIELDS = (
    "country",
    "type",
    "date",
    "date_precision",
    "admin_area_id",
    "lon",
    "lat",
    "place_precision",
    "place_name",
    "institution_site_id",
    "actors",
    "fatalities_best",
    "fatalities_low",
    "fatalities_high",
    "injured",
    "sources",
    "narrative",
    "attachments",
    "reference",
)


@router.get("/incidents/new")
def new_incident(
    request: Request,
    platform: PlatformDep,
    _by: Reporter,
    country: Annotated[str, Query(max_length=3)] = "",
) -> Response:
    """The entry form: one column, no JavaScript needed."""
    iso3 = log_country(platform, country)
    return _form_page(
        request,
        platform,
        iso3,
        {"date": date.today().isoformat(), "date_precision": "day"},
        {},
    )


@router.post("/incidents/new")
async def create_incident(request: Request, platform: PlatformDep, by: Reporter) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "")[:20_000] for k in FORM_FIELDS}
    iso3 = log_country(platform, values.get("country"))
    incident, errors = read_form(values, platform, iso3)
    if incident is None:
        return _form_page(request, platform, iso3, values, errors, status_code=422)
    try:
        stored = await run_in_threadpool(platform.incidents.report, incident, by=by)
    except InputError as exc:  # what the service checks besides the form's own rules
        field = SERVICE_FIELDS.get(exc.problem.field or "")
        if field is None:
            field = "text" if "characters" in exc.problem.message else ""
        known = {field: field} if field in FORM_ERRORS else {}
        return _form_page(
            request,
            platform,
            iso3,
            values,
            known,
            alert=None if known else str(exc),
            status_code=422,
        )
    return redirect(f"/incidents/{stored.id}", msg="created")


# One incident ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MapFacts:
    map: MapView
    point: bool
    """Whether the incident has a point (else only its area is highlighted)."""


def incident_map(platform: Platform, view: IncidentView, *, width: float = 480) -> MapFacts:
    """The country with the incident's area highlighted and its point, when it has one."""
    i = view.incident
    regions = platform.places.admin_areas(i.country_iso3, level=1)
    districts = platform.places.admin_areas(i.country_iso3, level=2)
    area: AdminArea | None = view.area
    classes = {area.pcode: "highlight"} if area else None
    points = (
        [MapPoint(i.lon, i.lat, i.place_name or "", "incident", i.status.value)]
        if i.lon is not None and i.lat is not None
        else []
    )
    if area is not None and area.level >= 2 and districts:
        drawn = build_map(
            districts, outline_areas=regions, points=points, width=width, area_classes=classes
        )
    else:
        drawn = build_map(regions, points=points, width=width, area_classes=classes)
    return MapFacts(drawn, bool(points))


def _incident_page(
    request: Request,
    platform: Platform,
    by: Principal,
    view: IncidentView,
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    i = view.incident
    verifier = by.can(Permission.VERIFY_INCIDENTS)
    candidates = (
        platform.incidents.possible_duplicates(i.id or 0, by=by)
        if verifier and i.status is not Verification.MERGED
        else []
    )
    merged_into = None
    if i.merged_into_id is not None:
        try:
            merged_into = platform.incidents.get(i.merged_into_id, by=by)
        except NotFound:
            merged_into = None
    return render(
        request,
        "incident.html",
        {
            "view": view,
            "i": i,
            "map": incident_map(platform, view),
            "next_steps": [
                s
                for s in sorted(VERIFICATION_STEPS[i.status], key=list(Verification).index)
                if s is not Verification.MERGED
            ],
            "can_merge": verifier and Verification.MERGED in VERIFICATION_STEPS[i.status],
            "candidates": candidates,
            "merged_into": merged_into,
            "verifier": verifier,
            "insider": by.can(Permission.REPORT_INCIDENTS),
            "error": error,
            "values": values or {},
            **incident_labels(),
            **day_formatter(language(request).code),
        },
        status_code=status_code,
    )


@router.get("/incidents/{incident_id}")
def incident_page(
    incident_id: int, request: Request, platform: PlatformDep, by: Reader
) -> Response:
    return _incident_page(request, platform, by, platform.incidents.view(incident_id, by=by))


@router.post("/incidents/{incident_id}/move")
def move_incident(
    incident_id: int,
    request: Request,
    platform: PlatformDep,
    by: Verifier,
    to: Annotated[str, Form(max_length=30)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Take one verification step; verifying and discrediting need a reason."""
    view = platform.incidents.view(incident_id, by=by)
    values = {"to": to, "reason": reason}
    lang = language(request)
    target = _enum(Verification, to)
    problem = None
    if (
        target is None
        or target is Verification.MERGED
        or target not in VERIFICATION_STEPS[view.incident.status]
    ):
        problem = DECISION_ERRORS["stage"]
    elif target in (Verification.VERIFIED, Verification.DISCREDITED) and not reason.strip():
        problem = DECISION_ERRORS["reason"]
    if problem is not None:
        return _incident_page(
            request,
            platform,
            by,
            view,
            error=lang.gettext(problem),
            values=values,
            status_code=422,
        )
    try:
        moved = platform.incidents.move(incident_id, target, reason=reason, by=by)
    except (InputError, ConflictError) as exc:
        return _incident_page(
            request, platform, by, view, error=str(exc), values=values, status_code=422
        )
    announce(platform, view.incident.status, moved)
    return redirect(f"/incidents/{incident_id}", msg="saved")


@router.post("/incidents/{incident_id}/merge")
def merge_incident(
    incident_id: int,
    request: Request,
    platform: PlatformDep,
    by: Verifier,
    into: Annotated[str, Form(max_length=12)] = "",
    into_other: Annotated[str, Form(max_length=12)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    best: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Merge this incident, a duplicate, into the one kept; go to the one kept."""
    view = platform.incidents.view(incident_id, by=by)
    values = {"into": into, "into_other": into_other, "reason": reason, "best": best}
    lang = language(request)
    target_text = into_other.strip() or into.strip()
    problem = None
    if not target_text.isdigit():
        problem = DECISION_ERRORS["into"]
    elif not reason.strip():
        problem = DECISION_ERRORS["reason"]
    elif best.strip() and not best.strip().isdigit():
        problem = DECISION_ERRORS["best"]
    if problem is not None:
        return _incident_page(
            request,
            platform,
            by,
            view,
            error=lang.gettext(problem),
            values=values,
            status_code=422,
        )
    try:
        kept = platform.incidents.merge(
            incident_id,
            int(target_text),
            reason=reason,
            best=int(best) if best.strip() else None,
            by=by,
        )
    except (InputError, ConflictError, NotFound) as exc:
        return _incident_page(
            request, platform, by, view, error=str(exc), values=values, status_code=422
        )
    announce(platform, view.incident.status, kept)
    return redirect(f"/incidents/{kept.id}", msg="saved")
