from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from peaceops.domain.missions import MandatePeriod, MandateTask, Mission
from peaceops.errors import InputError
from peaceops.services.web.api.schemas import MissionCreate, MissionPublic, Page
from peaceops.services.web.deps import Editor, PlatformDep, Reader

router = APIRouter(prefix="/missions", tags=["missions"])


def _public(m: Mission) -> MissionPublic:
    return MissionPublic.model_validate(asdict(m))


@router.get("", response_model=Page[MissionPublic])
def read_missions(
    platform: PlatformDep, _by: Reader, country: str | None = None
) -> Page[MissionPublic]:
    rows = [_public(m) for m in platform.missions.list(country=country)]
    return Page(data=rows, count=len(rows))


@router.get("/{mission_id}", response_model=MissionPublic)
def read_mission(mission_id: int, platform: PlatformDep, _by: Reader) -> MissionPublic:
    return _public(platform.missions.get(mission_id))


@router.post("", response_model=MissionPublic, status_code=201)
def create_mission(body: MissionCreate, platform: PlatformDep, by: Editor) -> MissionPublic:
    try:
        mission = _mission(body)
    except ValueError as exc:
        raise InputError(str(exc), field="mandates") from exc
    return _public(platform.missions.create(mission, by=by))


def _mission(body: MissionCreate) -> Mission:
    return Mission(
        acronym=body.acronym,
        name=body.name,
        organisation=body.organisation,
        start=body.start,
        end=body.end,
        countries=tuple(c.upper() for c in body.countries),
        mandates=tuple(
            MandatePeriod(
                p.start, p.end, p.resolution, tuple(MandateTask(t.area, t.text) for t in p.tasks)
            )
            for p in body.mandates
        ),
    )
