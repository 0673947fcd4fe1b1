"""Training pages: the register (counts, the follow-up from trained to serving, sessions),
its import and template, and one session's attendees (names only for roles allowed)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from peaceops.domain.access import Permission
from peaceops.domain.actors import Actor
from peaceops.domain.training import DeploymentStatus, Sex, VettingStatus
from peaceops.errors import NotFound
from peaceops.platform import Platform
from peaceops.platform.trainings import FollowUp
from peaceops.services.web.api.trainings import import_register_upload, session_counts
from peaceops.services.web.deps import CoordinationManager, PlatformDep, Reader, language
from peaceops.services.web.i18n import N_
from peaceops.services.web.pages.activities import (
    coordination_labels,
    forget_report,
    formatters,
    stash_report,
    take_report,
)
from peaceops.services.web.pages.forms import redirect
from peaceops.services.web.rendering import render

router = APIRouter()

VETTING: dict[str, str] = {
    VettingStatus.NOT_VETTED: N_("not vetted"),
    VettingStatus.PENDING: N_("pending"),
    VettingStatus.CLEARED: N_("cleared"),
    VettingStatus.REJECTED: N_("rejected"),
}
DEPLOYMENT: dict[str, str] = {
    DeploymentStatus.SERVING: N_("serving"),
    DeploymentStatus.REASSIGNED: N_("reassigned"),
    DeploymentStatus.LEFT: N_("left"),
    DeploymentStatus.DISMISSED: N_("dismissed"),
    DeploymentStatus.DECEASED: N_("deceased"),
    DeploymentStatus.UNKNOWN: N_("unknown"),
}
SEXES: dict[str, str] = {Sex.FEMALE: N_("female"), Sex.MALE: N_("male"), Sex.UNKNOWN: N_("unknown")}
SEGMENTS: dict[str, str] = {
    "cleared": N_("Cleared by vetting"),
    "not_cleared": N_("Not cleared"),
    "serving": N_("Serving in a post that uses the training"),
    "reassigned": N_("Serving elsewhere"),
    "gone": N_("Left, dismissed or deceased"),
    "rest": N_("Unknown or not shown"),
}


@dataclass(slots=True)
class Segment:
    key: str
    value: int | None
    x: float
    width: float


@dataclass(slots=True)
class FollowUpRow:
    """One institution of the follow-up, with its two stacked bars laid out in percent of
    the people trained: vetting (cleared or not) and where they are now."""

    item: FollowUp
    vetting: list[Segment]
    now: list[Segment]


def _stack(parts: list[tuple[str, int | None]], total: int) -> list[Segment]:
    """Segments in percent of ``total``; a suppressed (None) part joins the remainder."""
    out: list[Segment] = []
    x = 0.0
    known = 0
    for key, value in parts:
        if value is None or value <= 0 or total <= 0:
            continue
        width = 100.0 * value / total
        out.append(Segment(key, value, x, width))
        x += width
        known += value
    rest = total - known
    if rest > 0 and total > 0:
        hidden = any(v is None for _, v in parts)
        out.append(Segment("rest", None if hidden else rest, x, 100 - x))
    return out


def follow_up_rows(items: list[FollowUp]) -> list[FollowUpRow]:
    rows = []
    for f in items:
        not_cleared = None if f.cleared is None else f.trained - f.cleared
        vetting = _stack([("cleared", f.cleared), ("not_cleared", not_cleared)], f.trained)
        now = _stack(
            [("serving", f.serving), ("reassigned", f.reassigned), ("gone", f.gone)], f.trained
        )
        rows.append(FollowUpRow(f, vetting, now))
    return rows


def _activity_links(platform: Platform, sessions: list[dict[str, Any]]) -> dict[str, int]:
    """Activity identifiers of sessions -> activity ids (only those stored here)."""
    links: dict[str, int] = {}
    for identifier in sorted({s["activity_identifier"] for s in sessions} - {None, ""}):
        try:
            act = platform.coordination.activity(str(identifier))
        except NotFound:
            continue
        if act.id is not None:
            links[identifier] = act.id
    return links


def providers(platform: Platform, sessions: list[dict[str, Any]]) -> dict[str, Actor]:
    """Organisations delivering sessions, as written -> their records (when they match)."""
    actors = platform.actors.list()
    out: dict[str, Actor] = {}
    for name in {s["provider"] for s in sessions if s.get("provider")}:
        found = next((a for a in actors if a.matches(name)), None)
        if found is not None:
            out[name] = found
    return out


def training_labels() -> dict[str, Any]:
    return {"vetting": VETTING, "deployment": DEPLOYMENT, "sexes": SEXES, "segments": SEGMENTS}


@router.get("/trainings")
def trainings_page(request: Request, platform: PlatformDep, by: Reader) -> Response:
    lang = language(request).code
    sessions = platform.trainings.sessions(by=by)
    report = take_report(request, "trainings")
    response = render(
        request,
        "trainings.html",
        {
            "counts": platform.trainings.counts(),
            "follow_up": follow_up_rows(platform.trainings.follow_up(by=by)),
            "sessions": sessions,
            "activity_links": _activity_links(platform, sessions),
            "providers": providers(platform, sessions),
            "min_cell": platform.settings.min_cell_size,
            "personal": by.can(Permission.READ_PERSONAL_DATA),
            "report": report,
            **coordination_labels(),
            **training_labels(),
            **formatters(lang),
        },
    )
    return forget_report(request, response) if report is not None else response


@router.post("/trainings/import")
async def import_register_form(
    request: Request, platform: PlatformDep, by: CoordinationManager, file: UploadFile
) -> Response:
    report = await import_register_upload(platform, file, by=by)
    return stash_report(redirect("/trainings#import"), request, "trainings", report, by)


@router.get("/trainings/template.xlsx")
def register_template(_by: CoordinationManager) -> Response:
    """An empty training register workbook (courses, sessions, participants sheets)."""
    from peaceops.ingest.trainings import training_template

    folder = tempfile.mkdtemp()
    path = Path(folder) / "peaceops-training-register.xlsx"

    def cleanup() -> None:
        path.unlink(missing_ok=True)
        Path(folder).rmdir()

    try:
        training_template(path)
    except BaseException:
        cleanup()
        raise
    return FileResponse(
        path,
        filename=path.name,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        background=BackgroundTask(cleanup),
    )


@router.get("/trainings/sessions/{session_id}")
def session_page(session_id: int, request: Request, platform: PlatformDep, by: Reader) -> Response:
    lang = language(request).code
    meta, attendees = platform.trainings.session(session_id, by=by)
    meta = session_counts(meta, by, platform.settings.min_cell_size)
    return render(
        request,
        "training_session.html",
        {
            "s": meta,
            "attendees": attendees,
            "suppressed": bool(meta.get("attendees_suppressed")),
            "names": any("name" in a for a in attendees),
            "activity_links": _activity_links(platform, [meta]),
            "providers": providers(platform, [meta]),
            "min_cell": platform.settings.min_cell_size,
            **coordination_labels(),
            **training_labels(),
            **formatters(lang),
        },
    )
