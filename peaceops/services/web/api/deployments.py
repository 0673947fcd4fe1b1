"""Peacekeeping deployments: a GeoJSON map layer and a mission's year-by-year timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from peaceops.platform.deployments import parse_bbox
from peaceops.services.web.api.responses import GEOJSON, FeatureCollection, GeoJSONResponse
from peaceops.services.web.deps import PlatformDep, Reader

router = APIRouter(prefix="/deployments", tags=["deployments"])


class YearPublic(BaseModel):
    year: int
    locations: int
    troops: int


class TimelinePublic(BaseModel):
    mission: str
    data: list[YearPublic]
    count: int


@router.get("", response_model=FeatureCollection, responses=GEOJSON)
def read_deployments(
    platform: PlatformDep,
    _by: Reader,
    mission: Annotated[
        str | None, Query(max_length=40, description="Acronym, e.g. MINUSCA.")
    ] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    month: Annotated[
        int | None,
        Query(ge=0, le=12, description="1-12 for a month's records, 0 for the yearly ones."),
    ] = None,
    bbox: Annotated[
        str | None,
        Query(
            max_length=100,
            description="minlon,minlat,maxlon,maxlat (a west edge east of the east edge "
            "crosses the antimeridian).",
        ),
    ] = None,
    country: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
) -> Response:
    """Deployments as GeoJSON points: troops, unit types, contributing countries."""
    collection = platform.deployments.geojson(
        mission=mission,
        year=year,
        month=month,
        bbox=parse_bbox(bbox) if bbox else None,
        country=country,
    )
    return GeoJSONResponse(collection)


@router.get("/timeline", response_model=TimelinePublic)
def read_timeline(
    platform: PlatformDep,
    _by: Reader,
    mission: Annotated[str, Query(min_length=2, max_length=40, description="Acronym.")],
) -> TimelinePublic:
    """Per year: the places a mission was deployed to and its troops."""
    points = platform.deployments.timeline(mission)
    return TimelinePublic(
        mission=mission.strip().upper(),
        data=[YearPublic(year=p.year, locations=p.locations, troops=p.troops) for p in points],
        count=len(points),
    )
