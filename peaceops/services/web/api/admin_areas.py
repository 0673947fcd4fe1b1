from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query

from peaceops.domain.places import AdminArea
from peaceops.ingest.geojson import feature_collection
from peaceops.services.web.api.schemas import AdminAreaPublic, Page
from peaceops.services.web.deps import PlatformDep, Reader

router = APIRouter(prefix="/admin-areas", tags=["admin-areas"])


def _public(area: AdminArea, *, geometry: bool) -> AdminAreaPublic:
    return AdminAreaPublic(
        id=area.id or 0,
        country_iso3=area.country_iso3,
        level=area.level,
        pcode=area.pcode,
        name=area.name,
        parent_pcode=area.parent_pcode,
        source=area.source,
        geometry=dict(area.geometry) if geometry else None,
    )


@router.get("", response_model=None)
def read_admin_areas(
    platform: PlatformDep,
    _by: Reader,
    country: str = Query(min_length=3, max_length=3, description="ISO3 code"),
    level: int | None = Query(None, ge=1, le=4),
    format: Literal["json", "geojson"] = "json",
) -> Page[AdminAreaPublic] | dict[str, Any]:
    """A country's admin areas; ``format=geojson`` gives a FeatureCollection with geometry."""
    if format == "geojson":
        return feature_collection(platform.places.admin_areas(country, level=level))
    areas = platform.places.admin_areas(country, level=level, with_geometry=False)
    return Page(data=[_public(a, geometry=False) for a in areas], count=len(areas))


@router.get("/locate", response_model=AdminAreaPublic | None)
def locate_point(
    platform: PlatformDep,
    _by: Reader,
    country: str = Query(min_length=3, max_length=3),
    lon: float = Query(ge=-180, le=180),
    lat: float = Query(ge=-90, le=90),
    level: int = Query(1, ge=1, le=4),
) -> AdminAreaPublic | None:
    """The admin area containing a point, or null."""
    area = platform.places.locator(country, level=level).locate(lon, lat)
    return _public(area, geometry=False) if area else None


@router.get("/{area_id}", response_model=AdminAreaPublic)
def read_admin_area(area_id: int, platform: PlatformDep, _by: Reader) -> AdminAreaPublic:
    return _public(platform.places.admin_area(area_id), geometry=True)
