"""Programmes and money: activities (IATI and 3W), their transactions and results, import,
export as GeoJSON, and merging duplicate organisation records.

Activities are readable by every role; importing and deleting them needs
``Permission.IMPORT_DATA`` and merging organisations ``Permission.EDIT_ACTORS``.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from peaceops.domain.actors import Actor
from peaceops.domain.coordination import (
    Activity,
    ActivityStatus,
    Capability,
    OrgRole,
    Participant,
    TransactionType,
)
from peaceops.errors import InputError
from peaceops.platform import Platform
from peaceops.platform.places import ImportReport
from peaceops.services.web.api.responses import GEOJSON, FeatureCollection, GeoJSONResponse
from peaceops.services.web.api.schemas import ActorPublic, Strict
from peaceops.services.web.deps import ActorManager, Importer, PlatformDep, Reader

router = APIRouter(prefix="/activities", tags=["activities"])
actors_router = APIRouter(prefix="/actors", tags=["actors"])

MAX_ACTIVITY_UPLOAD = 200 * 2**20
"""Largest activity file accepted through the web or the API (IATI files can be large)."""
IATI_SUFFIXES = frozenset({".xml"})
THREE_W_SUFFIXES = frozenset({".csv", ".xlsx", ".json"})
COMMITMENT = (TransactionType.OUTGOING_COMMITMENT, TransactionType.INCOMING_COMMITMENT)
DISBURSEMENT = (TransactionType.DISBURSEMENT,)
EXPENDITURE = (TransactionType.EXPENDITURE,)


# Schemas ---------------------------------------------------------------------------------


class ParticipantPublic(BaseModel):
    role: OrgRole = Field(
        description="IATI OrganisationRole: 1 funding, 2 accountable, 3 extending, 4 implementing."
    )
    name: str
    ref: str | None
    org_type: str | None
    actor_id: int | None = Field(description="The organisation record it resolved to, if any.")


class CountrySharePublic(BaseModel):
    iso3: str
    percentage: float | None


class SectorPublic(BaseModel):
    code: str
    vocabulary: str
    percentage: float | None
    name: str | None


class LocationPublic(BaseModel):
    name: str
    lon: float | None
    lat: float | None
    admin_area_id: int | None
    country_iso3: str | None
    admin_level: int | None
    admin_code: str | None


class MoneyPublic(BaseModel):
    value: float
    currency: str
    value_date: date | None


class BudgetPublic(BaseModel):
    period_start: date
    period_end: date
    amount: MoneyPublic
    revised: bool


class TransactionPublic(BaseModel):
    type: TransactionType = Field(
        description="IATI TransactionType (2 commitment, 3 disbursement, 4 expenditure ...)."
    )
    date: date
    amount: MoneyPublic
    provider: str | None
    provider_ref: str | None
    receiver: str | None
    receiver_ref: str | None
    description: str | None


class TransactionsPublic(BaseModel):
    data: list[TransactionPublic]
    count: int


class ResultPeriodPublic(BaseModel):
    start: date | None
    end: date | None
    target: float | None
    actual: float | None


class ResultIndicatorPublic(BaseModel):
    title: str
    measure: str
    baseline: float | None
    baseline_year: int | None
    periods: list[ResultPeriodPublic]
    framework_indicator: str | None


class ResultPublic(BaseModel):
    title: str
    type: str
    indicators: list[ResultIndicatorPublic]


class ResultsPublic(BaseModel):
    data: list[ResultPublic]
    count: int


class ActivityPublic(BaseModel):
    """An activity without its transactions and results (see their own endpoints)."""

    id: int
    identifier: str
    title: dict[str, str]
    description: dict[str, str]
    status: ActivityStatus | None
    planned_start: date | None
    actual_start: date | None
    planned_end: date | None
    actual_end: date | None
    start: date | None
    end: date | None
    reporting_org: ParticipantPublic | None
    participants: list[ParticipantPublic]
    countries: list[CountrySharePublic]
    sectors: list[SectorPublic]
    capabilities: list[Capability]
    institution_ids: list[int]
    locations: list[LocationPublic]
    budgets: list[BudgetPublic]
    default_currency: str | None
    source: str
    committed: dict[str, float] = Field(description="Commitments by currency.")
    disbursed: dict[str, float] = Field(description="Disbursements by currency.")
    spent: dict[str, float] = Field(description="Expenditure by currency.")


class ActivitiesPublic(BaseModel):
    data: list[ActivityPublic]
    count: int = Field(description="Activities matching the filters (before limit and offset).")


class ImportReportPublic(BaseModel):
    source: str
    created: int
    updated: int
    unchanged: int
    skipped: int
    warnings: list[str]


class MergeRequest(Strict):
    other_id: int = Field(description="The organisation record folded into this one; it goes.")


# Helpers shared with the pages -------------------------------------------------------------


def _participant(p: Participant | None) -> ParticipantPublic | None:
    return None if p is None else ParticipantPublic.model_validate(asdict(p))


def activity_public(act: Activity) -> ActivityPublic:
    return ActivityPublic(
        id=act.id or 0,
        identifier=act.identifier,
        title=act.title,
        description=act.description,
        status=act.status,
        planned_start=act.planned_start,
        actual_start=act.actual_start,
        planned_end=act.planned_end,
        actual_end=act.actual_end,
        start=act.start,
        end=act.end,
        reporting_org=_participant(act.reporting_org),
        participants=[ParticipantPublic.model_validate(asdict(p)) for p in act.participants],
        countries=[CountrySharePublic(iso3=c, percentage=pct) for c, pct in act.countries],
        sectors=[SectorPublic.model_validate(asdict(s)) for s in act.sectors],
        capabilities=list(act.capabilities),
        institution_ids=list(act.institution_ids),
        locations=[LocationPublic.model_validate(asdict(loc)) for loc in act.locations],
        budgets=[BudgetPublic.model_validate(asdict(b)) for b in act.budgets],
        default_currency=act.default_currency,
        source=act.source,
        committed=act.total(*COMMITMENT),
        disbursed=act.total(*DISBURSEMENT),
        spent=act.total(*EXPENDITURE),
    )


def upload_name(filename: str | None, allowed: Iterable[str]) -> str:
    """A safe file name for an upload (kept as the import's source label)."""
    name = Path((filename or "").replace("\\", "/")).name
    suffix = Path(name).suffix.lower()
    allowed = sorted(allowed)
    if suffix not in allowed:
        raise InputError(f"send a file ending in {', '.join(allowed)}", field="file")
    stem = re.sub(r"[^\w.\- ]+", "_", Path(name).stem).strip(" .") or "upload"
    return stem[:120] + suffix


async def save_upload(file: UploadFile, folder: Path, allowed: Iterable[str], limit: int) -> Path:
    """Copy an upload into ``folder`` in chunks; refuses a wrong suffix or a file too large."""
    path = folder / upload_name(file.filename, allowed)
    size = 0
    with path.open("wb") as out:
        while chunk := await file.read(2**20):
            size += len(chunk)
            if size > limit:
                raise InputError(f"the file is larger than {limit // 2**20} MB", field="file")
            out.write(chunk)
    if size == 0:
        raise InputError("the file is empty", field="file")
    return path


async def import_activity_upload(
    platform: Platform, file: UploadFile, *, by: Any, country: str | None = None
) -> ImportReport:
    """Import an uploaded IATI XML file or a 3W sheet (CSV, XLSX, or the IATI-3W JSON)."""
    with tempfile.TemporaryDirectory() as folder:
        path = await save_upload(
            file, Path(folder), IATI_SUFFIXES | THREE_W_SUFFIXES, MAX_ACTIVITY_UPLOAD
        )
        if path.suffix.lower() in IATI_SUFFIXES:
            return await run_in_threadpool(platform.coordination.import_iati, path, by=by)
        return await run_in_threadpool(
            platform.coordination.import_3w, path, by=by, country=country or None
        )


def report_public(report: ImportReport) -> ImportReportPublic:
    return ImportReportPublic.model_validate(report.as_dict())


# Routes ------------------------------------------------------------------------------------


@router.get("", response_model=ActivitiesPublic)
def read_activities(
    platform: PlatformDep,
    _by: Reader,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in identifier, title or names.")
    ] = None,
    actor_id: int | None = None,
    institution_id: int | None = None,
    capability: Capability | None = None,
    country: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ActivitiesPublic:
    found = platform.coordination.activities(
        query=q,
        actor_id=actor_id,
        institution_id=institution_id,
        capability=capability,
        country=country,
    )
    page = found[offset : offset + limit]
    return ActivitiesPublic(data=[activity_public(a) for a in page], count=len(found))


@router.get("/export.geojson", response_model=FeatureCollection, responses=GEOJSON)
def export_geojson(
    platform: PlatformDep,
    _by: Reader,
    q: Annotated[str | None, Query(max_length=200)] = None,
    actor_id: int | None = None,
    institution_id: int | None = None,
    capability: Capability | None = None,
    country: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
) -> Response:
    """Activity locations as GeoJSON points (areas by a point inside them)."""
    found = platform.coordination.activities(
        query=q,
        actor_id=actor_id,
        institution_id=institution_id,
        capability=capability,
        country=country,
    )
    return GeoJSONResponse(platform.coordination.geojson(activities=found))


@router.post("/import", response_model=ImportReportPublic)
async def import_activities(
    file: UploadFile,
    platform: PlatformDep,
    by: Importer,
    country: Annotated[
        str | None,
        Query(min_length=2, max_length=3, description="3W sheets: country of rows naming none."),
    ] = None,
) -> ImportReportPublic:
    """Import an IATI activity file (.xml) or a 3W/4W sheet (.csv, .xlsx, IATI-3W .json).
    Importing the same file again changes nothing."""
    return report_public(await import_activity_upload(platform, file, by=by, country=country))


@router.get("/{activity_id}", response_model=ActivityPublic)
def read_activity(activity_id: int, platform: PlatformDep, _by: Reader) -> ActivityPublic:
    return activity_public(platform.coordination.activity(activity_id))


@router.get("/{activity_id}/transactions", response_model=TransactionsPublic)
def read_transactions(activity_id: int, platform: PlatformDep, _by: Reader) -> TransactionsPublic:
    act = platform.coordination.activity(activity_id)
    rows = [
        TransactionPublic.model_validate(asdict(t))
        for t in sorted(act.transactions, key=lambda t: (t.date, t.type))
    ]
    return TransactionsPublic(data=rows, count=len(rows))


@router.get("/{activity_id}/results", response_model=ResultsPublic)
def read_results(activity_id: int, platform: PlatformDep, _by: Reader) -> ResultsPublic:
    act = platform.coordination.activity(activity_id)
    rows = [ResultPublic.model_validate(asdict(r)) for r in act.results]
    return ResultsPublic(data=rows, count=len(rows))


@router.delete("/{activity_id}", status_code=204)
def delete_activity(activity_id: int, platform: PlatformDep, by: Importer) -> Response:
    platform.coordination.delete_activity(activity_id, by=by)
    return Response(status_code=204)


@actors_router.post("/{actor_id}/merge", response_model=ActorPublic)
def merge_actor(
    actor_id: int, body: MergeRequest, platform: PlatformDep, by: ActorManager
) -> ActorPublic:
    """Fold organisation ``other_id`` into this one: its names become name variants, its
    activities, participations and users move here, and the merge is kept on record."""
    kept: Actor = platform.coordination.merge_actors(actor_id, body.other_id, by=by)
    return ActorPublic.model_validate(asdict(kept))
