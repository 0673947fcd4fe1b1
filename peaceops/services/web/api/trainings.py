"""Training records: sessions with attendance, one session's attendees, the follow-up from
trained to serving, and the import of the training register.

Names, service numbers, sex, rank and scores of trainees are personal data: only roles with
``Permission.READ_PERSONAL_DATA`` get them; everyone else gets keyed pseudonyms, and counts
below the minimum cell size are left out (``null``, with ``suppressed`` true).
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from peaceops.domain.access import Permission, Principal
from peaceops.platform import Platform
from peaceops.platform.places import ImportReport
from peaceops.platform.trainings import FollowUp
from peaceops.services.web.api.activities import ImportReportPublic, report_public, save_upload
from peaceops.services.web.deps import CoordinationManager, PlatformDep, Reader

router = APIRouter(prefix="/trainings", tags=["trainings"])

MAX_REGISTER_UPLOAD = 20 * 2**20
REGISTER_SUFFIXES = frozenset({".xlsx"})


class TrainingSessionPublic(BaseModel):
    id: int
    course_id: int
    code: str = Field(description="The course code.")
    title: str
    topic: str
    tags: list[str]
    start: date
    end: date
    place: str
    provider: str | None
    activity_identifier: str | None = Field(description="The activity that paid for it.")
    admin_area_id: int | None
    total: int
    female: int | None = Field(description="null when below the minimum cell size.")
    male: int | None = Field(description="null when below the minimum cell size.")
    completed: int
    certified: int
    suppressed: bool = False


class TrainingSessionsPublic(BaseModel):
    data: list[TrainingSessionPublic]
    count: int


class AttendeePublic(BaseModel):
    """One attendee; the personal fields are present only for roles allowed to see them."""

    ref: str = Field(description="Keyed pseudonym, stable for one person.")
    institution: str
    completed: bool
    certified: bool
    vetting: str
    deployment: str
    name: str | None = None
    service_number: str | None = None
    sex: str | None = None
    rank: str | None = None
    score: float | None = None


class TrainingSessionDetail(BaseModel):
    session: TrainingSessionPublic
    attendees: list[AttendeePublic]
    attendees_suppressed: bool = Field(
        description="True when the attendees are too few to list without personal data rights."
    )


class FollowUpPublic(BaseModel):
    institution: str
    trained: int
    female: int | None
    cleared: int | None
    serving: int | None
    reassigned: int | None
    gone: int | None = Field(description="Left, dismissed or deceased.")
    suppressed: bool
    by_topic: dict[str, int]
    serving_share: float | None


class FollowUpsPublic(BaseModel):
    data: list[FollowUpPublic]
    count: int


def follow_up_public(f: FollowUp) -> FollowUpPublic:
    return FollowUpPublic(
        institution=f.institution,
        trained=f.trained,
        female=f.female,
        cleared=f.cleared,
        serving=f.serving,
        reassigned=f.reassigned,
        gone=f.gone,
        suppressed=f.suppressed,
        by_topic=f.by_topic,
        serving_share=f.serving_share,
    )


def session_counts(meta: dict[str, Any], by: Principal, min_cell: int) -> dict[str, Any]:
    """A session's counts by sex as ``sessions()`` gives them: below the minimum cell size,
    they are left out for roles without personal data rights."""
    meta = {"suppressed": False, **meta}
    if not by.can(Permission.READ_PERSONAL_DATA):
        for key in ("female", "male"):
            value = meta.get(key)
            if isinstance(value, int) and 0 < value < min_cell:
                meta[key] = None
                meta["suppressed"] = True
    return meta


async def import_register_upload(platform: Platform, file: UploadFile, *, by: Any) -> ImportReport:
    """Import an uploaded training register workbook."""
    with tempfile.TemporaryDirectory() as folder:
        path = await save_upload(file, Path(folder), REGISTER_SUFFIXES, MAX_REGISTER_UPLOAD)
        return await run_in_threadpool(platform.trainings.import_register, path, by=by)


@router.get("/sessions", response_model=TrainingSessionsPublic)
def read_sessions(platform: PlatformDep, by: Reader) -> TrainingSessionsPublic:
    rows = [TrainingSessionPublic.model_validate(r) for r in platform.trainings.sessions(by=by)]
    return TrainingSessionsPublic(data=rows, count=len(rows))


@router.get(
    "/sessions/{session_id}",
    response_model=TrainingSessionDetail,
    response_model_exclude_unset=True,
)
def read_session(session_id: int, platform: PlatformDep, by: Reader) -> TrainingSessionDetail:
    """A session and its attendees: names for roles allowed to see personal data, else
    pseudonyms (and no list at all when the attendees are too few)."""
    meta, people = platform.trainings.session(session_id, by=by)
    meta = session_counts(meta, by, platform.settings.min_cell_size)
    return TrainingSessionDetail(
        session=TrainingSessionPublic.model_validate(meta),
        attendees=[AttendeePublic.model_validate(p) for p in people],
        attendees_suppressed=bool(meta.get("attendees_suppressed", False)),
    )


@router.get("/follow-up", response_model=FollowUpsPublic)
def read_follow_up(platform: PlatformDep, by: Reader) -> FollowUpsPublic:
    """Of the people who completed a course, by institution: vetted, serving, reassigned,
    gone; small counts are null for roles without personal data rights."""
    rows = [follow_up_public(f) for f in platform.trainings.follow_up(by=by)]
    return FollowUpsPublic(data=rows, count=len(rows))


@router.post("/import", response_model=ImportReportPublic)
async def import_register(
    file: UploadFile, platform: PlatformDep, by: CoordinationManager
) -> ImportReportPublic:
    """Import the training register workbook (courses, sessions, participants). Importing
    the same workbook again changes nothing."""
    return report_public(await import_register_upload(platform, file, by=by))
