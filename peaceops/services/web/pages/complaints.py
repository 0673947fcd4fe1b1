"""Complaints against security forces.

The public pages (no login): the intake form and the status check. They are small, work
without JavaScript on a cheap phone, carry the CSRF token of the anonymous browser, refuse
bodies over 64 KB before parsing them, and are rate limited per client address.

For case handlers: the board of open cases by stage (overdue first), one case with its
timeline and the form that moves it on. For every logged-in role: the accountability page of
aggregates (small cells suppressed) and its CSV.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any

from babel.dates import format_date
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from peaceops.domain.access import Principal
from peaceops.domain.complaints import (
    RESOLUTION_DAYS,
    TRANSITIONS,
    Category,
    Channel,
    Confidentiality,
    Status,
    normalise_reference,
)
from peaceops.domain.institutions import Institution
from peaceops.domain.places import AdminArea
from peaceops.errors import ConflictError, InputError
from peaceops.platform import Platform
from peaceops.platform.complaints import Accountability, AccountabilityRow, CaseView
from peaceops.reports.charts import bar_chart
from peaceops.services.web.api.complaints import (
    CaseHandler,
    aware,
    client_address,
    complaint_limits,
    identity_shown,
    intake_countries,
    intake_country,
)
from peaceops.services.web.deps import PlatformDep, Reader, WebDep, language
from peaceops.services.web.i18n import N_, Language
from peaceops.services.web.pages.complaint_forms import PublicFormDep, read_intake, require_csrf
from peaceops.services.web.pages.forms import redirect
from peaceops.services.web.rendering import render
from peaceops.services.web.security import CSRF_FIELD

router = APIRouter()

OPEN_STAGES = (Status.RECEIVED, Status.ACKNOWLEDGED, Status.UNDER_REVIEW, Status.REFERRED)
STAGE_ORDER = {s: i for i, s in enumerate(Status)}
CARDS_PER_COLUMN = 60
# Institutions people complain about: not the oversight bodies that receive referrals.
NOT_COMPLAINED_ABOUT = frozenset({"oversight", "governance"})

# What happened, in plain words: the title, then an example of what it covers.
CATEGORIES: dict[str, tuple[str, str]] = {
    Category.EXCESSIVE_FORCE: (
        N_("Violence or excessive force"),
        N_("Beaten, shot at or hurt with more force than was needed."),
    ),
    Category.ARBITRARY_ARREST: (
        N_("Arrest or detention without reason"),
        N_("Arrested for no reason, or held too long without seeing a judge."),
    ),
    Category.EXTORTION: (
        N_("Asked for money or a bribe"),
        N_("Made to pay or give something at a checkpoint, a station or in custody."),
    ),
    Category.SGBV: (
        N_("Sexual violence or abuse"),
        N_("Rape, sexual assault, sexual harassment or exploitation."),
    ),
    Category.TORTURE: (
        N_("Torture or cruel treatment"),
        N_("Badly mistreated to punish, frighten or make someone confess."),
    ),
    Category.DISCRIMINATION: (
        N_("Unfair treatment"),
        N_("Treated worse because of ethnicity, religion, sex, origin or other reasons."),
    ),
    Category.FAILURE_TO_ACT: (
        N_("Refused to help"),
        N_("Refused to register a complaint or did nothing when they should have acted."),
    ),
    Category.PROPERTY: (
        N_("Property taken or destroyed"),
        N_("Goods, money, a vehicle or a home seized, damaged or destroyed."),
    ),
    Category.THREATS: (
        N_("Threats or intimidation"),
        N_("Threatened, followed or frightened, including to stop a complaint."),
    ),
    Category.OTHER: (N_("Something else"), N_("Describe it below.")),
}
STATUSES: dict[str, str] = {
    Status.RECEIVED: N_("Received"),
    Status.ACKNOWLEDGED: N_("Acknowledged"),
    Status.UNDER_REVIEW: N_("Under review"),
    Status.REFERRED: N_("Referred to an oversight body"),
    Status.RESOLVED: N_("Resolved"),
    Status.CLOSED: N_("Closed"),
}
# What each stage means for the person who complained (the status page).
STATUS_EXPLAINED: dict[str, str] = {
    Status.RECEIVED: N_("Your complaint has arrived and is waiting for a case handler."),
    Status.ACKNOWLEDGED: N_("A case handler has read your complaint and opened a case."),
    Status.UNDER_REVIEW: N_("A case handler is looking into what happened."),
    Status.REFERRED: N_(
        "Your complaint has been passed to an oversight body, which can investigate and act."
    ),
    Status.RESOLVED: N_("The case has been dealt with and is finished."),
    Status.CLOSED: N_(
        "The case is closed. If you gave contact details, a case handler will explain why."
    ),
}
CHANNELS: dict[str, str] = {
    Channel.WEB: N_("Web form"),
    Channel.HOTLINE: N_("Hotline"),
    Channel.SMS: N_("SMS"),
    Channel.PAPER: N_("Paper register"),
    Channel.IN_PERSON: N_("In person"),
}
CONFIDENTIALITY: dict[str, str] = {
    Confidentiality.ANONYMOUS: N_("Anonymous"),
    Confidentiality.CONFIDENTIAL: N_("Confidential (identity given)"),
}
SEXES: dict[str, str] = {"female": N_("Female"), "male": N_("Male"), "other": N_("Other")}
NOT_RECORDED = N_("Not recorded")
# Problems with the public form, by field; shown next to the field.
FORM_ERRORS: dict[str, str] = {
    "category": N_("Choose what happened."),
    "description": N_("Tell us what happened, in at least a few words."),
    "description_long": N_("This is too long: write at most %(n)s characters."),
    "institution_id": N_("Choose an institution from the list, or “I do not know”."),
    "admin_area_id": N_("Choose a place from the list, or “I do not know”."),
    "incident_date": N_("Give a date that is not in the future, or leave it empty."),
    "unit": N_("Write at most 200 characters."),
    "victim_sex": N_("Choose one of the answers."),
    "confidentiality": N_("Choose whether we may contact you."),
    "name": N_("Write your name, or choose to stay anonymous."),
    "contact": N_("Give a phone number or an email address so that we can reach you."),
    "phone": N_("This does not look like a phone number."),
    "email": N_("This does not look like an email address."),
}
MOVE_ERRORS: dict[str, str] = {
    "stage": N_("Choose one of the next stages offered."),
    "actor": N_("Choose the oversight body the case is referred to."),
}


def complaint_labels() -> dict[str, Any]:
    return {
        "categories": CATEGORIES,
        "statuses": STATUSES,
        "status_explained": STATUS_EXPLAINED,
        "channels": CHANNELS,
        "confidentiality_labels": CONFIDENTIALITY,
        "sexes": SEXES,
    }


def day_formatter(lang: str) -> dict[str, Any]:
    def day(value: date | datetime | None) -> str:
        if value is None:
            return ""
        return str(format_date(value, format="medium", locale=lang))

    return {"day": day}


def refusal(request: Request, status: int, title: str, detail: str, *, retry: int = 0) -> Response:
    """An error page with a translated title and message (and Retry-After when given)."""
    lang = language(request)
    response = render(
        request,
        "error.html",
        {"status": status, "title": title, "detail": lang.gettext(detail)},
        status_code=status,
    )
    if retry:
        response.headers["Retry-After"] = str(retry)
    return response


def too_large(request: Request) -> Response:
    return refusal(
        request,
        413,
        N_("Too much text"),
        N_("What you sent is too large. Shorten the description and try again."),
    )


# The intake form ----------------------------------------------------------------------------


@dataclass(slots=True)
class RegionGroup:
    region: AdminArea
    districts: list[AdminArea] = field(default_factory=list)


def complained_about(platform: Platform, country: str) -> list[Institution]:
    institutions = platform.institutions.list(country=country)
    keep = [i for i in institutions if i.type.sector not in NOT_COMPLAINED_ABOUT]
    return sorted(keep, key=lambda i: i.name.casefold())


def region_groups(platform: Platform, country: str) -> list[RegionGroup]:
    """Regions with their districts, by name (names only, no boundaries)."""
    areas = platform.places.admin_areas(country, with_geometry=False)
    groups = {a.pcode: RegionGroup(a) for a in areas if a.level == 1}
    for area in areas:
        if area.level == 2 and area.parent_pcode in groups:
            groups[area.parent_pcode].districts.append(area)
    for group in groups.values():
        group.districts.sort(key=lambda a: a.name.casefold())
    return sorted(groups.values(), key=lambda g: g.region.name.casefold())


def intake_context(platform: Platform, country: str) -> dict[str, Any]:
    return {
        "country": country,
        "countries": intake_countries(platform),
        "institutions": complained_about(platform, country),
        "regions": region_groups(platform, country),
        "max_chars": platform.settings.complaint_max_chars,
        "min_cell": platform.settings.min_cell_size,
        "today": date.today().isoformat(),
        **complaint_labels(),
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
        "complaint_form.html",
        {
            **intake_context(platform, country),
            "values": kept,
            "errors": errors,
            "form_errors": FORM_ERRORS,
            "alert": alert,
        },
        status_code=status_code,
    )


@router.get("/complain")
def complaint_form(
    request: Request,
    platform: PlatformDep,
    country: Annotated[str, Query(max_length=3)] = "",
) -> Response:
    """The public complaint form: no login, no JavaScript."""
    iso3 = intake_country(platform, country)
    return _form_page(request, platform, iso3, {"confidentiality": "anonymous"}, {})


@router.post("/complain")
def submit_complaint(request: Request, web: WebDep, form: PublicFormDep) -> Response:
    """Store a complaint from the public and show its reference, once."""
    if form.problem == "too_large":
        return too_large(request)
    require_csrf(request, form)
    platform = web.platform
    values = form.values
    iso3 = intake_country(platform, values.get("country"))
    limiter = complaint_limits(request).intake
    client = client_address(request)
    if limiter.blocked(client):
        response = _form_page(
            request,
            platform,
            iso3,
            values,
            {},
            alert=N_(
                "Several complaints were sent from this connection in the last hour. Wait a "
                "while and send it again; what you wrote is kept below."
            ),
            status_code=429,
        )
        response.headers["Retry-After"] = str(limiter.retry_after(client))
        return response
    lang = language(request).code
    complaint, errors = read_intake(values, intake_context(platform, iso3), lang=lang)
    if complaint is None:
        return _form_page(request, platform, iso3, values, errors, status_code=422)
    try:
        stored = platform.complaints.submit(complaint, country=iso3, by=None)
    except InputError as exc:  # what the service checks besides the form's own rules
        field = exc.problem.field or ""
        known = {field: field} if field in FORM_ERRORS else {}
        alert = None if known else N_("The complaint could not be stored. Check your answers.")
        return _form_page(request, platform, iso3, values, known, alert=alert, status_code=422)
    limiter.hit(client)
    return render(
        request,
        "complaint_submitted.html",
        {
            "reference": stored.reference,
            "deadlines": platform.complaints.deadlines(),
            **complaint_labels(),
        },
    )


# The status check ---------------------------------------------------------------------------


@router.get("/complain/status")
def status_form(request: Request) -> Response:
    return render(request, "complaint_status.html", {"reference": "", **complaint_labels()})


@router.post("/complain/status")
def status_check(request: Request, web: WebDep, form: PublicFormDep) -> Response:
    """The stage of a complaint and the date it last changed; unknown and mistyped codes get
    the same answer, and look-ups are limited per client address."""
    if form.problem == "too_large":
        return too_large(request)
    require_csrf(request, form)
    typed = form.values.get("reference", "").strip()[:64]
    limiter = complaint_limits(request).status
    client = client_address(request)
    if limiter.blocked(client):
        return refusal(
            request,
            429,
            N_("Too many attempts"),
            N_("Too many look-ups from this connection. Wait an hour and try again."),
            retry=limiter.retry_after(client),
        )
    context: dict[str, Any] = {"reference": typed, **complaint_labels()}
    context.update(day_formatter(language(request).code))
    if typed:
        limiter.hit(client)
        code = normalise_reference(typed)
        found = web.platform.complaints.status(code) if code else None
        context["found"] = found
        context["not_found"] = found is None
    return render(request, "complaint_status.html", context)


# The case board and one case ------------------------------------------------------------------


@dataclass(slots=True)
class Card:
    view: CaseView
    days_in_stage: int
    days_overdue: int


@dataclass(slots=True)
class Column:
    status: Status
    cards: list[Card]
    total: int


def card(view: CaseView, now: datetime) -> Card:
    c = view.complaint
    since = aware(c.stage_since or c.received_at)
    late = 0
    if view.overdue and c.stage_due is not None:
        late = max(0, (now - aware(c.stage_due)).days)
    return Card(view, max(0, (now - since).days), late)


def _sort_key(c: Card) -> tuple[bool, int, float]:
    """Open cases: overdue first (the latest first), then the longest waiting; finished
    cases: the most recently finished first."""
    since = aware(c.view.complaint.stage_since or c.view.complaint.received_at).timestamp()
    if not c.view.complaint.status.is_open:
        return (False, 0, -since)
    return (not c.view.overdue, -c.days_overdue, since)


def _parse_status(value: str) -> Status | None:
    try:
        return Status(value)
    except ValueError:
        return None


@router.get("/cases")
def case_board(
    request: Request,
    platform: PlatformDep,
    by: CaseHandler,
    status: Annotated[str, Query(max_length=20)] = "",
    overdue: Annotated[str, Query(max_length=5)] = "",
    institution: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    """Open cases by stage, overdue ones first; counts of finished ones."""
    now = datetime.now(UTC)
    stage = _parse_status(status)
    institution_id = int(institution) if institution.isdigit() else None
    views = platform.complaints.cases(by=by, institution_id=institution_id, now=now)
    counts: dict[Status, int] = defaultdict(int)
    for v in views:
        counts[v.complaint.status] += 1
    overdue_total = sum(1 for v in views if v.overdue)
    only_late = overdue == "1"
    columns = []
    for s in (stage,) if stage is not None else OPEN_STAGES:
        cards = sorted(
            (
                card(v, now)
                for v in views
                if v.complaint.status == s and (v.overdue or not only_late)
            ),
            key=_sort_key,
        )
        columns.append(Column(s, cards[:CARDS_PER_COLUMN], len(cards)))
    countries = intake_countries(platform)
    institutions = [i for c in countries for i in complained_about(platform, c)]
    return render(
        request,
        "cases.html",
        {
            "columns": columns,
            "counts": counts,
            "open_total": sum(n for s, n in counts.items() if s.is_open),
            "overdue_total": overdue_total,
            "institutions": institutions,
            "filters": {
                "status": status if stage else "",
                "overdue": only_late,
                "institution": institution_id,
            },
            "open_stages": OPEN_STAGES,
            **complaint_labels(),
        },
    )


def _case_page(
    request: Request,
    platform: Platform,
    by: Principal,
    view: CaseView,
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    now = datetime.now(UTC)
    c = view.complaint
    bodies = platform.complaints.oversight_bodies()
    return render(
        request,
        "case.html",
        {
            "view": view,
            "c": c,
            "card": card(view, now),
            "next_stages": sorted(TRANSITIONS[c.status], key=STAGE_ORDER.__getitem__),
            "oversight_bodies": bodies,
            "actor_names": {a.id: a.name for a in bodies},
            "error": error,
            "values": values or {},
            "identity": identity_shown(view, by) and c.complainant is not None,
            **complaint_labels(),
            **day_formatter(language(request).code),
        },
        status_code=status_code,
    )


@router.get("/cases/{complaint_id}")
def case_page(
    complaint_id: int, request: Request, platform: PlatformDep, by: CaseHandler
) -> Response:
    return _case_page(request, platform, by, platform.complaints.case(complaint_id, by=by))


@router.post("/cases/{complaint_id}/move")
def move_case(
    complaint_id: int,
    request: Request,
    platform: PlatformDep,
    by: CaseHandler,
    to: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    actor_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Move a case to one of its next stages; a referral names the oversight body."""
    view = platform.complaints.case(complaint_id, by=by)
    values = {"to": to, "note": note, "actor_id": actor_id}
    lang = language(request)
    target = _parse_status(to)
    problem = None
    if target is None or target not in TRANSITIONS[view.complaint.status]:
        problem = MOVE_ERRORS["stage"]
    elif target is Status.REFERRED and not actor_id.isdigit():
        problem = MOVE_ERRORS["actor"]
    if problem is not None:
        error = lang.gettext(problem)
        return _case_page(request, platform, by, view, error=error, values=values, status_code=422)
    assert target is not None
    try:
        platform.complaints.move(
            complaint_id,
            target,
            by=by,
            note=note.strip(),
            actor_id=int(actor_id) if actor_id.isdigit() and target is Status.REFERRED else None,
        )
    except (InputError, ConflictError) as exc:
        return _case_page(
            request, platform, by, view, error=str(exc), values=values, status_code=422
        )
    return redirect(f"/cases/{complaint_id}", msg="saved")


# Accountability -------------------------------------------------------------------------------


def _period(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _accountability(
    platform: Platform, by: Principal, country: str, start: str, end: str
) -> Accountability:
    return platform.complaints.accountability(
        country=intake_country(platform, country),
        by=by,
        period_start=_period(start),
        period_end=_period(end),
    )


@dataclass(frozen=True, slots=True)
class Overall:
    """Country-wide shares as ranges: exact (low == high) when a breakdown hides no cell,
    else bounded by what its hidden complaints could be."""

    referred: tuple[float, float] | None
    in_time: tuple[float, float] | None
    open: int | None
    overdue: int | None
    hidden: int


def overall(a: Accountability) -> Overall | None:
    """The country-wide figures from the breakdown (category or institution) that hides the
    fewest complaints; the service publishes them by cell only."""
    candidates = [rows for rows in (a.by_category, a.by_institution) if rows]
    if not a.total or not candidates:
        return None
    rows = min(candidates, key=lambda rs: a.total - sum(r.received or 0 for r in rs))
    shown = [r for r in rows if not r.suppressed]
    hidden = max(0, a.total - sum(r.received or 0 for r in shown))
    referred = sum((r.referred_share or 0) * (r.received or 0) for r in shown)
    finished = sum((r.received or 0) - (r.open or 0) for r in shown)
    in_time = sum(
        ((r.received or 0) - (r.open or 0)) * (r.resolved_in_time_share or 0) for r in shown
    )
    done = finished + hidden
    return Overall(
        referred=(referred / a.total, (referred + hidden) / a.total),
        in_time=(in_time / done, (in_time + hidden) / done) if done else None,
        open=None if hidden else sum(r.open or 0 for r in shown),
        overdue=None if hidden else sum(r.overdue or 0 for r in shown),
        hidden=hidden,
    )


def row_label(section: str, row: AccountabilityRow, lang: Language) -> str:
    """Categories in the reader's language; "not recorded" rows too (their key is empty)."""
    if section == "category" and row.key in CATEGORIES:
        return lang.gettext(CATEGORIES[row.key][0])
    if not row.key:
        return lang.gettext(NOT_RECORDED)
    return row.label


@router.get("/accountability")
def accountability_page(
    request: Request,
    platform: PlatformDep,
    by: Reader,
    country: Annotated[str, Query(max_length=3)] = "",
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """Complaints in aggregate, for everyone logged in: no case, no narrative, no name."""
    lang = language(request)
    found = _accountability(platform, by, country, start, end)
    return render(
        request,
        "accountability.html",
        {
            "a": found,
            "chart": bar_chart(found.by_month, width=720, height=220),
            "countries": intake_countries(platform),
            "start": start if _period(start) else "",
            "end": end if _period(end) else "",
            "bad_period": bool(start and not _period(start)) or bool(end and not _period(end)),
            "row_label": lambda section, row: row_label(section, row, lang),
            "overall": overall(found),
            "resolution_days": RESOLUTION_DAYS,
            **complaint_labels(),
        },
    )


CSV_FIELDS = (
    "section",
    "label",
    "received",
    "per_100k",
    "referred_share",
    "resolved_in_time_share",
    "open",
    "overdue",
    "suppressed",
)


@router.get("/accountability.csv")
def accountability_csv(
    platform: PlatformDep,
    by: Reader,
    country: Annotated[str, Query(max_length=3)] = "",
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """The accountability tables as one CSV; suppressed cells are empty."""
    found = _accountability(platform, by, country, start, end)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_FIELDS)
    writer.writerow(["total", found.country, found.total, "", "", "", "", "", "false"])
    for section, rows in (
        ("institution", found.by_institution),
        ("category", found.by_category),
        ("area", found.by_area),
    ):
        for r in rows:
            writer.writerow(
                [
                    section,
                    r.label,
                    *(
                        "" if v is None else v
                        for v in (
                            r.received,
                            r.per_100k,
                            r.referred_share,
                            r.resolved_in_time_share,
                            r.open,
                            r.overdue,
                        )
                    ),
                    "true" if r.suppressed else "false",
                ]
            )
    for month, n in found.by_month:
        writer.writerow(
            ["month", month, "" if n is None else n, "", "", "", "", "", str(n is None).lower()]
        )
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="accountability-{found.country}.csv"'
        },
    )
