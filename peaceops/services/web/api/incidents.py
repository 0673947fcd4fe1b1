"""The mission's incident log: reports, their verification, merges, and the map's GeoJSON.

Every logged-in caller reads verified incidents; unverified reports and the verification
history are for ``REPORT_INCIDENTS`` (analysts, admins), who also report; verifying,
discrediting and merging need ``VERIFY_INCIDENTS``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from peaceops.domain.access import Permission, Principal
from peaceops.domain.incidents import (
    Attachment,
    DatePrecision,
    Incident,
    IncidentType,
    PlacePrecision,
    Verification,
    VerificationStep,
)
from peaceops.errors import InputError, NotFound
from peaceops.platform import Platform
from peaceops.platform.incidents import change_kind, check_bbox
from peaceops.services.web.api.responses import GEOJSON, GeoJSONResponse
from peaceops.services.web.api.schemas import Strict
from peaceops.services.web.deps import PlatformDep, Reader, Requires

router = APIRouter(tags=["incidents"])

Reporter = Annotated[Principal, Depends(Requires(Permission.REPORT_INCIDENTS))]
Verifier = Annotated[Principal, Depends(Requires(Permission.VERIFY_INCIDENTS))]


# Schemas --------------------------------------------------------------------------------------


class AttachmentCreate(Strict):
    """What is known of a file kept elsewhere (never its content)."""

    name: str = Field(min_length=1, max_length=200)
    media_type: str = Field("", max_length=100)
    size: int | None = Field(None, ge=0)
    sha256: str = Field("", max_length=64)
    location: str = Field("", max_length=500, description="Where the file is kept.")


class AttachmentPublic(BaseModel):
    name: str
    media_type: str
    size: int | None
    sha256: str
    location: str


class IncidentCreate(Strict):
    """An incident report: a point (lon, lat) or an admin area, or both."""

    country: str = Field(min_length=3, max_length=3, description="ISO3 code.")
    type: IncidentType
    date: date
    date_precision: DatePrecision = DatePrecision.DAY
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    admin_area_id: int | None = Field(
        None, description="Found from the point (the finest area holding it) when left out."
    )
    place_precision: PlacePrecision | None = Field(
        None,
        description="Default: exact with a point, else region or district by the area's level.",
    )
    place_name: str = Field("", max_length=200)
    actors: list[str] = Field(default_factory=list, max_length=50)
    fatalities_best: int = Field(0, ge=0)
    fatalities_low: int | None = Field(None, ge=0, description="Default: the best estimate.")
    fatalities_high: int | None = Field(None, ge=0, description="Default: the best estimate.")
    injured: int = Field(0, ge=0)
    sources: list[str] = Field(default_factory=list, max_length=50)
    narrative: str = Field("", max_length=20_000)
    attachments: list[AttachmentCreate] = Field(default_factory=list, max_length=20)
    institution_site_id: int | None = Field(
        None, description="The police station, court or prison attacked."
    )
    reference: str | None = Field(
        None,
        max_length=120,
        description="The reporter's own number: sent again, the report is stored once (the "
        "answer is then 200, not 201).",
    )


class StepPublic(BaseModel):
    from_status: Verification | None
    to_status: Verification
    at: datetime
    by: str
    reason: str


class IncidentPublic(BaseModel):
    id: int
    country: str
    type: IncidentType
    violence_type: int | None = Field(description="UCDP type of violence (1, 2, 3) or null.")
    threatens_institutions: bool
    date: date
    date_precision: DatePrecision
    lon: float | None
    lat: float | None
    admin_area_id: int | None
    place_precision: PlacePrecision
    place_name: str
    actors: list[str]
    fatalities_best: int
    fatalities_low: int
    fatalities_high: int
    injured: int
    sources: list[str]
    narrative: str
    attachments: list[AttachmentPublic]
    institution_site_id: int | None
    status: Verification
    reference: str | None
    reported_by: str
    reported_at: datetime | None
    merged_into_id: int | None
    steps: list[StepPublic] = Field(
        default_factory=list,
        description="The verification history, for callers who may report incidents.",
    )


class IncidentsPublic(BaseModel):
    data: list[IncidentPublic]
    count: int


class VerificationCreate(Strict):
    to: Verification = Field(description="under_verification, verified or discredited.")
    reason: str = Field("", max_length=2000, description="Required to verify or discredit.")


class MergeCreate(Strict):
    into: int = Field(description="The incident kept.")
    reason: str = Field(min_length=1, max_length=2000)
    best: int | None = Field(
        None, ge=0, description="A new best estimate of fatalities; default: the kept one's."
    )


# Conversions ----------------------------------------------------------------------------------


def step_public(s: VerificationStep) -> StepPublic:
    return StepPublic(
        from_status=s.from_status, to_status=s.to_status, at=s.at, by=s.by, reason=s.reason
    )


def incident_public(i: Incident, steps: list[VerificationStep] | None = None) -> IncidentPublic:
    assert i.id is not None
    kind = i.type.violence_type
    return IncidentPublic(
        id=i.id,
        country=i.country_iso3,
        type=i.type,
        violence_type=int(kind) if kind is not None else None,
        threatens_institutions=i.type.threatens_institutions,
        date=i.date,
        date_precision=i.date_precision,
        lon=i.lon,
        lat=i.lat,
        admin_area_id=i.admin_area_id,
        place_precision=i.place_precision,
        place_name=i.place_name,
        actors=list(i.actors),
        fatalities_best=i.fatalities_best,
        fatalities_low=i.fatalities_low,
        fatalities_high=i.fatalities_high,
        injured=i.injured,
        sources=list(i.sources),
        narrative=i.narrative,
        attachments=[
            AttachmentPublic(
                name=a.name,
                media_type=a.media_type,
                size=a.size,
                sha256=a.sha256,
                location=a.location,
            )
            for a in i.attachments
        ],
        institution_site_id=i.institution_site_id,
        status=i.status,
        reference=i.reference,
        reported_by=i.reported_by,
        reported_at=i.reported_at,
        merged_into_id=i.merged_into_id,
        steps=[step_public(s) for s in steps or []],
    )


def default_precision(
    platform: Platform, *, has_point: bool, admin_area_id: int | None
) -> PlacePrecision:
    """Exact with a point; else the level of the area (region or district)."""
    if has_point or admin_area_id is None:
        return PlacePrecision.EXACT
    try:
        level = platform.places.admin_area(admin_area_id).level
    except NotFound:
        raise InputError(f"no admin area {admin_area_id}", field="admin_area_id") from None
    return PlacePrecision.REGION if level == 1 else PlacePrecision.DISTRICT


def incident_from(body: IncidentCreate, platform: Platform) -> Incident:
    best = body.fatalities_best
    has_point = body.lon is not None and body.lat is not None
    precision = body.place_precision or default_precision(
        platform, has_point=has_point, admin_area_id=body.admin_area_id
    )
    return Incident(
        type=body.type,
        date=body.date,
        country_iso3=body.country.upper(),
        date_precision=body.date_precision,
        lon=body.lon,
        lat=body.lat,
        admin_area_id=body.admin_area_id,
        place_precision=precision,
        place_name=body.place_name,
        actors=tuple(body.actors),
        fatalities_best=best,
        fatalities_low=best if body.fatalities_low is None else body.fatalities_low,
        fatalities_high=best if body.fatalities_high is None else body.fatalities_high,
        injured=body.injured,
        sources=tuple(body.sources),
        narrative=body.narrative,
        attachments=tuple(
            Attachment(
                name=a.name,
                media_type=a.media_type,
                size=a.size,
                sha256=a.sha256,
                location=a.location,
            )
            for a in body.attachments
        ),
        institution_site_id=body.institution_site_id,
        reference=body.reference or None,
    )


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``minlon,minlat,maxlon,maxlat`` as a checked box (None when not given)."""
    if not text:
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 4:
        raise InputError(f"'{text}' is not a box: write minlon,minlat,maxlon,maxlat", field="bbox")
    return check_bbox(numbers)


def with_steps(platform: Platform, incident: Incident, by: Principal) -> IncidentPublic:
    """The incident, with its history for callers who may report incidents."""
    assert incident.id is not None
    steps = platform.incidents.steps(incident.id) if by.can(Permission.REPORT_INCIDENTS) else []
    return incident_public(incident, steps)


def announce(platform: Platform, before: Verification | None, after: Incident) -> None:
    """Tell the platform's listeners (the alert rules) what changed, once it has committed."""
    kind = change_kind(before, after)
    if kind is not None:
        platform.after_change(kind, after.country_iso3)


# Routes ---------------------------------------------------------------------------------------


@router.get("/incidents", response_model=IncidentsPublic, responses=GEOJSON)
def read_incidents(
    platform: PlatformDep,
    by: Reader,
    country: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
    status: Verification | None = None,
    type: IncidentType | None = None,
    since: date | None = None,
    until: date | None = None,
    bbox: Annotated[
        str | None,
        Query(max_length=100, description="minlon,minlat,maxlon,maxlat"),
    ] = None,
    area_id: int | None = None,
    format: Annotated[
        Literal["json", "geojson"], Query(description="geojson: a FeatureCollection for maps.")
    ] = "json",
) -> Response | IncidentsPublic:
    """Incidents, the latest first; callers who may not report incidents see verified ones
    only. ``format=geojson`` answers a FeatureCollection (an incident known only by its area
    is placed inside that area)."""
    box = parse_bbox(bbox)
    if format == "geojson":
        if area_id is not None:
            raise InputError("the GeoJSON answer has no area filter; use bbox", field="area_id")
        collection = platform.incidents.geojson(
            by=by,
            country=country,
            status=status,
            type=type,
            since=since,
            until=until,
            bbox=box,
        )
        return GeoJSONResponse(collection)
    items = platform.incidents.list(
        by=by,
        country=country,
        status=status,
        type=type,
        since=since,
        until=until,
        bbox=box,
        area_id=area_id,
    )
    return IncidentsPublic(data=[incident_public(i) for i in items], count=len(items))


@router.post("/incidents", response_model=IncidentPublic, status_code=201)
def create_incident(
    body: IncidentCreate, response: Response, platform: PlatformDep, by: Reporter
) -> IncidentPublic:
    """Report an incident; it starts as ``reported``. The same ``reference`` in the same
    country sent again returns the stored incident, with 200 instead of 201."""
    stored, created = platform.incidents.report_once(incident_from(body, platform), by=by)
    if not created:
        response.status_code = 200
    return with_steps(platform, stored, by)


@router.get("/incidents/{incident_id}", response_model=IncidentPublic)
def read_incident(incident_id: int, platform: PlatformDep, by: Reader) -> IncidentPublic:
    return with_steps(platform, platform.incidents.get(incident_id, by=by), by)


@router.post("/incidents/{incident_id}/verification", response_model=IncidentPublic)
def create_verification(
    incident_id: int, body: VerificationCreate, platform: PlatformDep, by: Verifier
) -> IncidentPublic:
    """Take one verification step: under_verification, verified (with a reason), discredited
    (with a reason), or back to under_verification to reopen a decision."""
    before = platform.incidents.get(incident_id, by=by).status
    moved = platform.incidents.move(incident_id, body.to, reason=body.reason, by=by)
    announce(platform, before, moved)
    return with_steps(platform, moved, by)


@router.post("/incidents/{incident_id}/merge", response_model=IncidentPublic)
def create_merge(
    incident_id: int, body: MergeCreate, platform: PlatformDep, by: Verifier
) -> IncidentPublic:
    """Merge this incident, a duplicate report, into ``into``; answers the incident kept."""
    before = platform.incidents.get(incident_id, by=by).status
    kept = platform.incidents.merge(
        incident_id, body.into, reason=body.reason, best=body.best, by=by
    )
    announce(platform, before, kept)
    return with_steps(platform, kept, by)
