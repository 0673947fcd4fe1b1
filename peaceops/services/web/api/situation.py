"""Map layers of the situation map as GeoJSON, by bounding box, months and zoom.

Every layer needs ``READ_REFERENCE``; ``risk`` (forecasts) has its own route requiring
``READ_FORECASTS``, so civil-society accounts and case handlers are refused it. Unverified
incidents are served only to ``REPORT_INCIDENTS`` holders (filtered by the incidents service).
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from peaceops.domain.access import Principal
from peaceops.platform import Platform
from peaceops.platform.situation import TIMELESS
from peaceops.services.web.api.responses import GEOJSON, NOT_MODIFIED, FeatureCollection
from peaceops.services.web.deps import ForecastReader, PlatformDep, Reader

router = APIRouter(prefix="/layers", tags=["situation map"])

Country = Annotated[str, Query(min_length=3, max_length=3, description="ISO3 code, e.g. XCA.")]
BBoxQuery = Annotated[
    str | None,
    Query(max_length=120, description="minlon,minlat,maxlon,maxlat; the country by default."),
]
Since = Annotated[
    str | None, Query(max_length=7, description="First month, YYYY-MM (12 months back).")
]
Until = Annotated[
    str | None, Query(max_length=7, description="Last month, YYYY-MM (the latest data).")
]
Zoom = Annotated[
    int | None, Query(ge=0, le=18, description="Web-map zoom level; sets the cluster cell.")
]


def geojson_response(request: Request, collection: dict[str, Any]) -> Response:
    """The collection with an ETag (a 304 when the client has it) and a short private cache."""
    body = json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=60"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/geo+json", headers=headers)


def answer(
    platform: Platform,
    by: Principal,
    request: Request,
    layer: str,
    *,
    country: str,
    bbox: str | None,
    since: str | None,
    until: str | None,
    zoom: int | None,
    **options: Any,
) -> Response:
    window = platform.situation.window(
        country, bbox=bbox, since=since, until=until, zoom=zoom, timeless=layer in TIMELESS
    )
    collection = platform.situation.layer(layer, window, by=by, **options)
    return geojson_response(request, collection)


@router.get(
    "/risk",
    response_model=FeatureCollection,
    responses={**GEOJSON, **NOT_MODIFIED},
)
def read_risk_layer(
    request: Request,
    platform: PlatformDep,
    by: ForecastReader,
    country: Country,
    bbox: BBoxQuery = None,
    since: Since = None,
    until: Until = None,
    zoom: Zoom = None,
    month: Annotated[
        str | None, Query(max_length=7, description="Forecast month (the run's first).")
    ] = None,
    measure: Annotated[
        str, Query(max_length=10, description="p_ge25 (P of 25 or more deaths) or mean.")
    ] = "p_ge25",
) -> Response:
    """Forecast risk per admin1 area from the latest stored admin1 run, for one month."""
    return answer(
        platform,
        by,
        request,
        "risk",
        country=country,
        bbox=bbox,
        since=since,
        until=until,
        zoom=zoom,
        month=month,
        measure=measure,
    )


@router.get(
    "/{layer}",
    response_model=FeatureCollection,
    responses={**GEOJSON, **NOT_MODIFIED},
)
def read_layer(
    layer: str,
    request: Request,
    platform: PlatformDep,
    by: Reader,
    country: Country,
    bbox: BBoxQuery = None,
    since: Since = None,
    until: Until = None,
    zoom: Zoom = None,
    event_type: Annotated[
        str | None, Query(max_length=20, description="state_based, non_state or one_sided.")
    ] = None,
    status: Annotated[
        str | None, Query(max_length=30, description="Incident status (reporters only).")
    ] = None,
) -> Response:
    """One layer: areas, events (points or grid clusters), incidents, sites, programmes,
    deployments."""
    options: dict[str, Any] = {}
    if layer == "events":
        options["event_type"] = event_type
    if layer == "incidents":
        options["status"] = status
    return answer(
        platform,
        by,
        request,
        layer,
        country=country,
        bbox=bbox,
        since=since,
        until=until,
        zoom=zoom,
        **options,
    )
