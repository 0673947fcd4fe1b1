"""Programme pages: the activity register (search, filters, import, exports), one activity
(participants, places, money, results), and merging duplicate organisation records."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.background import BackgroundTask

from peaceops.domain.access import Principal
from peaceops.domain.coordination import (
    Activity,
    ActivityStatus,
    Capability,
    OrgRole,
    TransactionType,
)
from peaceops.platform import Platform
from peaceops.platform.places import ImportReport
from peaceops.services.web.api.activities import (
    COMMITMENT,
    DISBURSEMENT,
    EXPENDITURE,
    import_activity_upload,
)
from peaceops.services.web.deps import (
    ActorManager,
    Importer,
    PlatformDep,
    Reader,
    current_principal,
    get_web,
    language,
)
from peaceops.services.web.i18n import N_
from peaceops.services.web.pages.forms import redirect
from peaceops.services.web.rendering import render

router = APIRouter()

PAGE_SIZE = 50

CAPABILITIES: dict[str, str] = {
    Capability.POLICE_REFORM: N_("Police reform"),
    Capability.COMMUNITY_POLICING: N_("Community policing"),
    Capability.JUSTICE_REFORM: N_("Justice reform"),
    Capability.LEGAL_AID: N_("Legal aid"),
    Capability.CORRECTIONS: N_("Prisons and corrections"),
    Capability.DEFENCE_REFORM: N_("Defence reform"),
    Capability.OVERSIGHT: N_("Oversight"),
    Capability.ANTI_CORRUPTION: N_("Anti-corruption"),
    Capability.DDR: N_("Disarmament, demobilisation and reintegration"),
    Capability.BORDER_MANAGEMENT: N_("Border management"),
    Capability.LEGISLATIVE_DRAFTING: N_("Legislative drafting"),
    Capability.VETTING: N_("Vetting"),
    Capability.HUMAN_RIGHTS_TRAINING: N_("Human rights training"),
    Capability.GENDER_SGBV: N_("Gender and sexual violence"),
    Capability.INFRASTRUCTURE: N_("Infrastructure"),
    Capability.EQUIPMENT: N_("Equipment"),
    Capability.MINE_ACTION: N_("Mine action"),
    Capability.SSR_GENERAL: N_("Security sector reform (general)"),
}
ROLES: dict[int, str] = {
    OrgRole.FUNDING: N_("Funder"),
    OrgRole.ACCOUNTABLE: N_("Accountable"),
    OrgRole.EXTENDING: N_("Extending"),
    OrgRole.IMPLEMENTING: N_("Implementer"),
}
STATUSES: dict[int, str] = {
    ActivityStatus.PIPELINE: N_("Pipeline"),
    ActivityStatus.IMPLEMENTATION: N_("Implementation"),
    ActivityStatus.FINALISATION: N_("Finalisation"),
    ActivityStatus.CLOSED: N_("Closed"),
    ActivityStatus.CANCELLED: N_("Cancelled"),
    ActivityStatus.SUSPENDED: N_("Suspended"),
}
TRANSACTIONS: dict[int, str] = {
    TransactionType.INCOMING_FUNDS: N_("Incoming funds"),
    TransactionType.OUTGOING_COMMITMENT: N_("Commitment"),
    TransactionType.DISBURSEMENT: N_("Disbursement"),
    TransactionType.EXPENDITURE: N_("Expenditure"),
    TransactionType.INTEREST_PAYMENT: N_("Interest payment"),
    TransactionType.LOAN_REPAYMENT: N_("Loan repayment"),
    TransactionType.REIMBURSEMENT: N_("Reimbursement"),
    TransactionType.PURCHASE_OF_EQUITY: N_("Purchase of equity"),
    TransactionType.SALE_OF_EQUITY: N_("Sale of equity"),
    TransactionType.CREDIT_GUARANTEE: N_("Credit guarantee"),
    TransactionType.INCOMING_COMMITMENT: N_("Incoming commitment"),
    TransactionType.OUTGOING_PLEDGE: N_("Outgoing pledge"),
    TransactionType.INCOMING_PLEDGE: N_("Incoming pledge"),
}
RESULT_TYPES = {"1": N_("Output"), "2": N_("Outcome"), "3": N_("Impact"), "9": N_("Other")}
MEASURES = {
    "1": N_("unit"),
    "2": N_("percentage"),
    "3": N_("nominal"),
    "4": N_("ordinal"),
    "5": N_("qualitative"),
}
MONEY_KINDS = {
    "commitment": N_("Committed"),
    "disbursement": N_("Disbursed"),
    "expenditure": N_("Spent"),
}


def coordination_labels() -> dict[str, Any]:
    """What the programme templates need to name codes (translated in the template)."""
    return {
        "capabilities": CAPABILITIES,
        "roles": ROLES,
        "statuses": STATUSES,
        "transaction_types": TRANSACTIONS,
        "result_types": RESULT_TYPES,
        "measures": MEASURES,
        "money_kinds": MONEY_KINDS,
    }


def number(value: float, lang: str) -> str:
    return str(format_decimal(value, format="#,##0", locale=lang))


def money_lines(amounts: dict[str, float], lang: str) -> list[str]:
    """Amounts by currency as 'USD 1,250,000', largest first."""
    return [
        f"{currency} {number(value, lang)}"
        for currency, value in sorted(amounts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def formatters(lang: str) -> dict[str, Callable[..., Any]]:
    return {
        "money": lambda amounts: money_lines(amounts, lang),
        "number": lambda value: number(value, lang),
    }


# The import report survives the redirect in a short-lived signed cookie --------------------

REPORT_COOKIE = "peaceops_import"
REPORT_MAX_AGE = 600
REPORT_MAX_BYTES = 3600


def _report_signature(secret: str, payload: str) -> str:
    key = hashlib.sha256(f"import-report|{secret}".encode()).digest()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:32]


def _encode(data: dict[str, Any]) -> str:
    raw = zlib.compress(json.dumps(data, ensure_ascii=False).encode(), 9)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def stash_report(
    response: Response, request: Request, kind: str, report: ImportReport, by: Principal
) -> Response:
    """Keep an import report for the page the browser is sent to next (signed, this user
    only, ten minutes); warnings beyond what a cookie holds are counted, not listed."""
    web = get_web(request)
    data = report.as_dict()
    warnings = [w if len(w) <= 300 else w[:299] + "…" for w in data.pop("warnings")]
    keep = len(warnings)
    while True:
        body = {
            "k": kind,
            "u": by.username,
            "t": int(time.time()),
            "r": {**data, "warnings": warnings[:keep], "more": len(warnings) - keep},
        }
        payload = _encode(body)
        if len(payload) <= REPORT_MAX_BYTES or keep == 0:
            break
        keep = keep // 2
    value = f"{payload}.{_report_signature(web.secret, payload)}"
    response.set_cookie(
        REPORT_COOKIE,
        value,
        max_age=REPORT_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=web.settings.cookie_secure,
        path="/",
    )
    return response


def take_report(request: Request, kind: str) -> dict[str, Any] | None:
    """The import report kept for this page and user, if any and still fresh."""
    value = request.cookies.get(REPORT_COOKIE)
    principal = current_principal(request)
    if not value or "." not in value or principal is None:
        return None
    payload, _, signature = value.rpartition(".")
    if not hmac.compare_digest(_report_signature(get_web(request).secret, payload), signature):
        return None
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        body = json.loads(zlib.decompress(raw))
    except (ValueError, zlib.error):
        return None
    fresh = time.time() - float(body.get("t", 0)) <= REPORT_MAX_AGE
    if body.get("k") != kind or body.get("u") != principal.username or not fresh:
        return None
    report: dict[str, Any] = body["r"]
    return report


def forget_report(request: Request, response: Response) -> Response:
    """Shown once: the page that showed the report drops its cookie."""
    if REPORT_COOKIE in request.cookies:
        response.delete_cookie(REPORT_COOKIE, path="/")
    return response


# The yearly money chart ------------------------------------------------------------------


@dataclass(slots=True)
class Bar:
    kind: str
    year: int
    value: float
    x: float
    y: float
    width: float
    height: float


@dataclass(slots=True)
class MoneyChart:
    """Commitments, disbursements and expenditure per year in one currency, laid out."""

    currency: str
    width: int
    height: int
    left: int
    top: int
    bottom: float
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    """(y, label) of the value axis."""
    years: list[tuple[float, str]] = field(default_factory=list)
    """(x, label) of the year axis."""
    totals: dict[str, float] = field(default_factory=dict)


def short_number(value: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            text = f"{value / size:.1f}".removesuffix(".0")
            return text + suffix
    return f"{value:.0f}"


def nice_step(top: float, parts: int = 4) -> float:
    raw = top / parts
    if raw <= 0:
        return 1.0
    scale = 10.0 ** math.floor(math.log10(raw))
    return next(float(m * scale) for m in (1, 2, 2.5, 5, 10) if m * scale >= raw)


KINDS: tuple[tuple[str, tuple[TransactionType, ...]], ...] = (
    ("commitment", COMMITMENT),
    ("disbursement", DISBURSEMENT),
    ("expenditure", EXPENDITURE),
)


def money_charts(act: Activity, *, width: int = 640, height: int = 220) -> list[MoneyChart]:
    """One bar chart per currency of the activity's commitments, disbursements and
    expenditure by calendar year (server-built SVG geometry; the template draws it)."""
    sums: dict[str, dict[tuple[str, int], float]] = {}
    for t in act.transactions:
        kind = next((k for k, types in KINDS if t.type in types), None)
        if kind is None:
            continue
        cell = sums.setdefault(t.amount.currency, {})
        key = (kind, t.date.year)
        cell[key] = cell.get(key, 0.0) + t.amount.value
    charts = []
    left, right, top, bottom_margin = 58, 8, 10, 26
    for currency, cells in sorted(sums.items(), key=lambda kv: -sum(kv[1].values())):
        years = sorted({y for _, y in cells})
        years = list(range(years[0], years[-1] + 1))[-30:]
        highest = max(cells.values(), default=0.0)
        step = nice_step(highest)
        axis_top = step * max(1, math.ceil(highest / step))
        plot_h = height - top - bottom_margin
        plot_w = width - left - right
        bottom = top + plot_h
        chart = MoneyChart(currency, width, height, left, top, bottom)
        chart.totals = {k: sum(v for (kk, _), v in cells.items() if kk == k) for k, _ in KINDS}
        n = 0
        while n * step <= axis_top + step / 1000:
            value = n * step
            chart.ticks.append((bottom - plot_h * value / axis_top, short_number(value)))
            n += 1
        group = plot_w / len(years)
        bar_w = min(26.0, group * 0.8 / 3)
        for i, year in enumerate(years):
            start = left + i * group + (group - 3 * bar_w) / 2
            chart.years.append((left + i * group + group / 2, str(year)))
            for j, (kind, _) in enumerate(KINDS):
                value = cells.get((kind, year), 0.0)
                h = plot_h * value / axis_top if axis_top else 0.0
                chart.bars.append(
                    Bar(kind, year, value, start + j * bar_w, bottom - h, bar_w - 1, h)
                )
        charts.append(chart)
    return charts


# Pages -----------------------------------------------------------------------------------


def _find(platform: Platform, filters: dict[str, Any]) -> list[Activity]:
    return platform.coordination.activities(
        query=filters.get("q"),
        actor_id=filters.get("actor_id"),
        institution_id=filters.get("institution_id"),
        capability=Capability(filters["capability"]) if "capability" in filters else None,
        country=filters.get("country"),
    )


Q = Annotated[str | None, Query(max_length=200)]
Country = Annotated[str | None, Query(max_length=3)]


def activity_filters(
    q: Q = None,
    actor_id: int | None = None,
    institution_id: int | None = None,
    capability: Capability | None = None,
    country: Country = None,
) -> dict[str, Any]:
    """The register's filters from the query string (shared by the page and its downloads)."""
    values = {
        "q": (q or "").strip(),
        "actor_id": actor_id,
        "institution_id": institution_id,
        "capability": capability.value if capability else None,
        "country": (country or "").strip().upper() or None,
    }
    return {k: v for k, v in values.items() if v not in (None, "")}


Filters = Annotated[dict[str, Any], Depends(activity_filters)]


def countries_of(activities: Iterable[Activity]) -> set[str]:
    return {c for a in activities for c, _ in a.countries} | {
        loc.country_iso3 for a in activities for loc in a.locations if loc.country_iso3
    }


@router.get("/activities")
def activities_page(
    request: Request,
    platform: PlatformDep,
    _by: Reader,
    filters: Filters,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    lang = language(request).code
    everything = platform.coordination.activities()
    found = _find(platform, filters) if filters else everything
    pages = max(1, math.ceil(len(found) / PAGE_SIZE))
    page = min(page, pages)
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    countries = {c.iso3: c for c in platform.places.countries()}
    institutions = platform.coordination.institutions_by_id()
    used_institutions = {i for a in everything for i in a.institution_ids}
    used_actors = {p.actor_id for a in everything for p in a.participants if p.actor_id} | {
        a.reporting_org.actor_id for a in everything if a.reporting_org and a.reporting_org.actor_id
    }
    all_actors = platform.actors.list()
    report = take_report(request, "activities")
    response = render(
        request,
        "activities.html",
        {
            "activities": shown,
            "total": len(found),
            "all_count": len(everything),
            "page": page,
            "pages": pages,
            "filters": filters,
            "query": urlencode(filters),
            "countries": countries,
            "country_options": sorted(
                (countries[c] for c in countries_of(everything) if c in countries),
                key=lambda c: c.name,
            ),
            "institutions": institutions,
            "institution_options": sorted(
                (institutions[i] for i in used_institutions if i in institutions),
                key=lambda i: i.name,
            ),
            "actor_options": [a for a in all_actors if a.id in used_actors],
            "actors": {a.id: a for a in all_actors},
            "capability_options": list(Capability),
            "report": report,
            "import_countries": [c for c in platform.places.countries() if not c.fictional],
            **coordination_labels(),
            **formatters(lang),
        },
    )
    return forget_report(request, response) if report is not None else response


@router.post("/activities/import")
async def import_activities_form(
    request: Request,
    platform: PlatformDep,
    by: Importer,
    file: UploadFile,
    country: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    report = await import_activity_upload(platform, file, by=by, country=country.strip() or None)
    return stash_report(redirect("/activities#import"), request, "activities", report, by)


def _download(write: Callable[[Path], object], filename: str, media_type: str) -> FileResponse:
    folder = tempfile.mkdtemp()
    path = Path(folder) / filename

    def cleanup() -> None:
        path.unlink(missing_ok=True)
        Path(folder).rmdir()

    try:
        write(path)
    except BaseException:
        cleanup()
        raise
    return FileResponse(
        path, filename=filename, media_type=media_type, background=BackgroundTask(cleanup)
    )


@router.get("/activities/export.xml")
def export_iati(
    platform: PlatformDep,
    _by: Reader,
    filters: Filters,
) -> Response:
    """The activities (filtered as on the page) as an IATI 2.03 activity file."""
    found = _find(platform, filters)
    return _download(
        lambda path: platform.coordination.export_iati(path, activities=found),
        "peaceops-activities.xml",
        "application/xml",
    )


@router.get("/activities/export.xlsx")
def export_3w(
    platform: PlatformDep,
    _by: Reader,
    filters: Filters,
) -> Response:
    """The activities as an HXL-tagged 3W workbook."""
    found = _find(platform, filters)
    return _download(
        lambda path: platform.coordination.export_3w(path, activities=found),
        "peaceops-3w.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@router.get("/activities/export.geojson")
def export_geojson(
    platform: PlatformDep,
    _by: Reader,
    filters: Filters,
) -> Response:
    """Where the activities work, as GeoJSON points."""
    found = _find(platform, filters)
    return JSONResponse(
        platform.coordination.geojson(activities=found),
        media_type="application/geo+json",
        headers={"Content-Disposition": 'attachment; filename="peaceops-activities.geojson"'},
    )


@router.get("/activities/{activity_id}")
def activity_page(
    activity_id: int, request: Request, platform: PlatformDep, _by: Reader
) -> Response:
    lang = language(request).code
    act = platform.coordination.activity(activity_id)
    institutions = platform.coordination.institutions_by_id()
    countries = {c.iso3: c for c in platform.places.countries()}
    by_role = {
        role: [p for p in act.participants if p.role == role]
        for role in OrgRole
        if any(p.role == role for p in act.participants)
    }
    return render(
        request,
        "activity.html",
        {
            "act": act,
            "title": act.title_in(lang),
            "description": act.description.get(lang) or next(iter(act.description.values()), ""),
            "by_role": by_role,
            "institutions": institutions,
            "countries": countries,
            "charts": money_charts(act),
            "committed": act.total(*COMMITMENT),
            "disbursed": act.total(*DISBURSEMENT),
            "spent": act.total(*EXPENDITURE),
            "transactions": sorted(act.transactions, key=lambda t: (t.date, t.type)),
            "lessons": platform.knowledge.related(
                act.title_in(lang),
                by=_by,
                capabilities=[c.value for c in act.capabilities],
                country=act.countries[0][0] if act.countries else None,
            ),
            **coordination_labels(),
            **formatters(lang),
        },
    )


@router.post("/actors/{actor_id}/merge")
def merge_actor_form(
    actor_id: int,
    platform: PlatformDep,
    by: ActorManager,
    other_id: Annotated[int, Form()],
) -> Response:
    """Fold another organisation record into this one (its names become name variants)."""
    platform.coordination.merge_actors(actor_id, other_id, by=by)
    return redirect(f"/actors/{actor_id}", msg="saved")
