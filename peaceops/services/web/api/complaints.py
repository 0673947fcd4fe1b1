"""Complaints against security forces: intake from hotline and SMS gateways, the cases of
case handlers, the public status check and the accountability aggregates.

Who complained (name, phone, email, address) is in an answer only for callers holding
``Permission.READ_COMPLAINANT_IDENTITY`` (case handlers), never for administrators. The
status check is public and rate limited per client address; it answers the stage and the
date of the last change, nothing else.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from peaceops.domain.access import Permission, Principal
from peaceops.domain.complaints import (
    Category,
    Channel,
    Complainant,
    Complaint,
    Confidentiality,
    Status,
    Transition,
    normalise_reference,
)
from peaceops.errors import InputError
from peaceops.platform import Platform
from peaceops.platform.complaints import Accountability, AccountabilityRow, CaseView
from peaceops.services.web.api.responses import TOO_MANY
from peaceops.services.web.api.schemas import Strict
from peaceops.services.web.deps import PlatformDep, Reader, Requires, get_web
from peaceops.services.web.security import RateLimiter

router = APIRouter(tags=["complaints"])

CaseHandler = Annotated[Principal, Depends(Requires(Permission.HANDLE_COMPLAINTS))]

# Status look-ups allowed per client address and hour, as a multiple of the intake limit: a
# complainant checks more often than they complain, but codes must not be guessed in bulk.
STATUS_LOOKUPS_PER_INTAKE = 3
VICTIM_SEXES = ("female", "male", "other")


# Rate limits, kept for the app's lifetime ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ComplaintLimits:
    intake: RateLimiter
    status: RateLimiter


_LIMITS_LOCK = threading.Lock()


def complaint_limits(request: Request) -> ComplaintLimits:
    """The app's rate limiters of the public complaint routes (made on first use)."""
    state = request.app.state
    with _LIMITS_LOCK:
        found: ComplaintLimits | None = getattr(state, "complaint_limits", None)
        if found is None:
            per_hour = get_web(request).settings.complaint_intake_per_hour
            found = ComplaintLimits(
                intake=RateLimiter(per_hour, 3600),
                status=RateLimiter(per_hour * STATUS_LOOKUPS_PER_INTAKE, 3600),
            )
            state.complaint_limits = found
    return found


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def intake_countries(platform: Platform) -> list[str]:
    """Countries complaints can be about: those with data (boundaries) loaded."""
    return [c.iso3 for c in platform.places.countries(with_data_only=True)]


def intake_country(platform: Platform, requested: str | None) -> str:
    """The country asked for (it must have data), or the first one when none is asked."""
    countries = intake_countries(platform)
    wanted = (requested or "").strip().upper()
    if wanted in countries:
        return wanted
    if wanted:
        raise InputError(
            f"complaints cannot be about {wanted!r}; choose one of {', '.join(countries)}",
            field="country",
        )
    if not countries:
        raise InputError("no country is set up yet: load boundaries first", field="country")
    return countries[0]


def aware(moment: datetime) -> datetime:
    """Stored moments without a zone are in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# Schemas --------------------------------------------------------------------------------------


class ComplainantCreate(Strict):
    name: str = Field("", max_length=200)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=500)


class ComplainantPublic(BaseModel):
    name: str
    phone: str
    email: str
    address: str


class ComplaintCreate(Strict):
    """A complaint received by a hotline, an SMS gateway or on paper."""

    channel: Channel = Channel.HOTLINE
    external_id: str | None = Field(
        None,
        max_length=200,
        description="The gateway's message id or the register's number: a complaint sent "
        "again with the same id is stored once (the answer is then 200, not 201).",
    )
    category: Category
    description: str = Field(min_length=1, max_length=100_000)
    country: str | None = Field(
        None, min_length=3, max_length=3, description="ISO3; defaults to the first country."
    )
    institution_id: int | None = None
    unit: str = Field("", max_length=200, description="Unit, station or post involved.")
    admin_area_id: int | None = None
    incident_date: date | None = None
    victim_sex: Literal["female", "male", "other"] | None = None
    confidentiality: Confidentiality = Confidentiality.ANONYMOUS
    complainant: ComplainantCreate | None = Field(
        None, description="Only with confidentiality 'confidential'; stored encrypted."
    )
    language: Literal["en", "fr", "ar"] = "en"
    received_at: datetime | None = Field(None, description="Defaults to now.")


class TransitionPublic(BaseModel):
    from_status: Status | None
    to_status: Status
    at: datetime
    by: str
    note: str
    actor_id: int | None


class TransitionCreate(Strict):
    to: Status
    note: str = Field("", max_length=2000)
    actor_id: int | None = Field(
        None, description="The oversight body (an actor) a referral goes to: needed to refer."
    )


class ComplaintPublic(BaseModel):
    """A case as case handlers and administrators see it; who complained only for roles
    allowed to read identities."""

    id: int
    reference: str
    status: Status
    category: Category
    channel: Channel
    confidentiality: Confidentiality
    received_at: datetime
    incident_date: date | None
    institution_id: int | None
    institution: str | None
    unit: str
    admin_area_id: int | None
    area: str | None
    description: str
    victim_sex: str | None
    referred_to_actor_id: int | None
    referred_to: str | None
    stage_since: datetime | None
    stage_due: datetime | None
    overdue: bool
    external_id: str | None
    language: str
    identity_visible: bool = Field(description="Whether this caller may see who complained.")
    complainant: ComplainantPublic | None = Field(
        None, description="Present only for callers allowed to read complainants' identity."
    )
    transitions: list[TransitionPublic] = Field(default_factory=list)


class ComplaintsPublic(BaseModel):
    data: list[ComplaintPublic]
    count: int


class ComplaintStatusPublic(BaseModel):
    """All the public learns from a reference: the stage and when it last changed."""

    reference: str
    status: Status
    updated_on: date


class AccountabilityRowPublic(BaseModel):
    label: str
    received: int | None
    per_100k: float | None
    referred_share: float | None
    resolved_in_time_share: float | None
    open: int | None
    overdue: int | None
    suppressed: bool


class MonthPublic(BaseModel):
    month: str
    received: int | None = Field(description="null when below the minimum cell size.")


class AccountabilityPublic(BaseModel):
    country: str
    period_start: date | None
    period_end: date | None
    min_cell: int
    total: int
    by_institution: list[AccountabilityRowPublic]
    by_category: list[AccountabilityRowPublic]
    by_area: list[AccountabilityRowPublic]
    by_month: list[MonthPublic]


# Conversions ----------------------------------------------------------------------------------


def transition_public(t: Transition) -> TransitionPublic:
    return TransitionPublic(
        from_status=t.from_status,
        to_status=t.to_status,
        at=t.at,
        by=t.by,
        note=t.note,
        actor_id=t.actor_id,
    )


def identity_shown(view: CaseView, by: Principal) -> bool:
    """Checked twice on purpose: the service decides, and the role must allow it too."""
    return view.identity_visible and by.can(Permission.READ_COMPLAINANT_IDENTITY)


def complaint_public(view: CaseView, by: Principal, *, transitions: bool) -> ComplaintPublic:
    c = view.complaint
    assert c.id is not None
    person = c.complainant if identity_shown(view, by) else None
    return ComplaintPublic(
        id=c.id,
        reference=c.reference,
        status=c.status,
        category=c.category,
        channel=c.channel,
        confidentiality=c.confidentiality,
        received_at=c.received_at,
        incident_date=c.incident_date,
        institution_id=c.institution_id,
        institution=view.institution,
        unit=c.unit,
        admin_area_id=c.admin_area_id,
        area=view.area,
        description=c.description,
        victim_sex=c.victim_sex,
        referred_to_actor_id=c.referred_to_actor_id,
        referred_to=view.referred_to,
        stage_since=c.stage_since,
        stage_due=c.stage_due,
        overdue=view.overdue,
        external_id=c.external_id,
        language=c.language,
        identity_visible=identity_shown(view, by),
        complainant=ComplainantPublic(
            name=person.name, phone=person.phone, email=person.email, address=person.address
        )
        if person is not None and not person.is_empty
        else None,
        transitions=[transition_public(t) for t in view.transitions] if transitions else [],
    )


def row_public(row: AccountabilityRow) -> AccountabilityRowPublic:
    return AccountabilityRowPublic(
        label=row.label,
        received=row.received,
        per_100k=row.per_100k,
        referred_share=row.referred_share,
        resolved_in_time_share=row.resolved_in_time_share,
        open=row.open,
        overdue=row.overdue,
        suppressed=row.suppressed,
    )


def accountability_public(a: Accountability) -> AccountabilityPublic:
    return AccountabilityPublic(
        country=a.country,
        period_start=a.period_start,
        period_end=a.period_end,
        min_cell=a.min_cell,
        total=a.total,
        by_institution=[row_public(r) for r in a.by_institution],
        by_category=[row_public(r) for r in a.by_category],
        by_area=[row_public(r) for r in a.by_area],
        by_month=[MonthPublic(month=m, received=n) for m, n in a.by_month],
    )


def complaint_from(body: ComplaintCreate, *, max_chars: int) -> Complaint:
    description = body.description.strip()
    if len(description) > max_chars:
        raise InputError(
            f"the description has {len(description)} characters; at most {max_chars} are accepted",
            field="description",
        )
    person = None
    if body.confidentiality is Confidentiality.CONFIDENTIAL and body.complainant is not None:
        person = Complainant(
            name=body.complainant.name,
            phone=body.complainant.phone,
            email=body.complainant.email,
            address=body.complainant.address,
        )
    elif body.complainant is not None and body.confidentiality is Confidentiality.ANONYMOUS:
        raise InputError(
            "an anonymous complaint carries no complainant; send confidentiality "
            "'confidential' with the complainant, or leave the complainant out",
            field="complainant",
        )
    return Complaint(
        category=body.category,
        description=description,
        channel=body.channel,
        confidentiality=body.confidentiality,
        received_at=aware(body.received_at) if body.received_at else datetime.now(UTC),
        institution_id=body.institution_id,
        unit=body.unit,
        admin_area_id=body.admin_area_id,
        incident_date=body.incident_date,
        victim_sex=body.victim_sex,
        complainant=person,
        external_id=body.external_id or None,
        language=body.language,
    )


# Routes ---------------------------------------------------------------------------------------


@router.post("/complaints", response_model=ComplaintPublic, status_code=201)
def create_complaint(
    body: ComplaintCreate, response: Response, platform: PlatformDep, by: CaseHandler
) -> ComplaintPublic:
    """Record a complaint from a hotline or SMS gateway. Sending the same ``external_id``
    again returns the complaint stored the first time, with 200 instead of 201."""
    complaint = complaint_from(body, max_chars=platform.settings.complaint_max_chars)
    country = intake_country(platform, body.country)
    stored, created = platform.complaints.submit_once(complaint, country=country, by=by)
    assert stored.id is not None
    if not created:
        response.status_code = 200
    return complaint_public(platform.complaints.case(stored.id, by=by), by, transitions=True)


@router.get("/complaints", response_model=ComplaintsPublic)
def read_complaints(
    platform: PlatformDep,
    by: CaseHandler,
    status: Status | None = None,
    overdue: bool | None = None,
    institution_id: int | None = None,
    country: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
) -> ComplaintsPublic:
    """Cases, overdue ones first; who complained only for case handlers."""
    views = platform.complaints.cases(
        by=by,
        status=status,
        overdue=overdue,
        institution_id=institution_id,
        country=country.upper() if country else None,
    )
    rows = [complaint_public(v, by, transitions=False) for v in views]
    return ComplaintsPublic(data=rows, count=len(rows))


@router.get(
    "/complaints/status/{reference}", response_model=ComplaintStatusPublic, responses=TOO_MANY
)
def read_complaint_status(
    reference: str, request: Request, platform: PlatformDep
) -> ComplaintStatusPublic:
    """Public: the stage of a complaint and the date it last changed. Unknown and mistyped
    codes get the same 404; look-ups are limited per client address."""
    limiter = complaint_limits(request).status
    client = client_address(request)
    if limiter.blocked(client):
        raise HTTPException(
            429,
            "too many look-ups from this address; try again later",
            headers={"Retry-After": str(limiter.retry_after(client))},
        )
    limiter.hit(client)
    code = normalise_reference(reference[:64])
    found = platform.complaints.status(code) if code else None
    if found is None:
        raise HTTPException(404, "no complaint with this reference")
    return ComplaintStatusPublic(
        reference=found.reference, status=found.status, updated_on=found.updated_on
    )


@router.get("/complaints/{complaint_id}", response_model=ComplaintPublic)
def read_complaint(complaint_id: int, platform: PlatformDep, by: CaseHandler) -> ComplaintPublic:
    return complaint_public(platform.complaints.case(complaint_id, by=by), by, transitions=True)


@router.post("/complaints/{complaint_id}/transitions", response_model=ComplaintPublic)
def create_transition(
    complaint_id: int, body: TransitionCreate, platform: PlatformDep, by: CaseHandler
) -> ComplaintPublic:
    """Move a case to its next stage (see the workflow in the domain); a referral names the
    oversight body."""
    view = platform.complaints.move(
        complaint_id, body.to, by=by, note=body.note, actor_id=body.actor_id
    )
    return complaint_public(view, by, transitions=True)


@router.get("/accountability", response_model=AccountabilityPublic)
def read_accountability(
    platform: PlatformDep,
    by: Reader,
    country: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
    period_start: date | None = None,
    period_end: date | None = None,
) -> AccountabilityPublic:
    """Complaints in aggregate: received, per 100,000 people, referred, resolved in time, by
    institution, category, region and month. Cells smaller than the minimum are null."""
    found = platform.complaints.accountability(
        country=intake_country(platform, country),
        by=by,
        period_start=period_start,
        period_end=period_end,
    )
    return accountability_public(found)
