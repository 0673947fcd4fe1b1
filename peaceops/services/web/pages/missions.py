"""Mission pages: mandates and their tasks over time."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from peaceops.services.web.deps import PlatformDep, Reader, language
from peaceops.services.web.pages.deployments import mission_summary
from peaceops.services.web.rendering import render

router = APIRouter()


@router.get("/missions/{mission_id}")
def mission_page(mission_id: int, request: Request, platform: PlatformDep, _by: Reader) -> Response:
    mission = platform.missions.get(mission_id)
    countries = [platform.places.country(c) for c in mission.countries]
    timeline = []
    if mission.mandates:
        first = mission.mandates[0].start
        last = max(m.end for m in mission.mandates)
        span = max((last - first).days, 1)
        for m in mission.mandates:
            timeline.append(
                {
                    "period": m,
                    "left": round(100 * (m.start - first).days / span, 2),
                    "width": round(100 * max((m.end - m.start).days, 1) / span, 2),
                }
            )
    return render(
        request,
        "mission.html",
        {
            "mission": mission,
            "countries": countries,
            "timeline": timeline,
            "today": date.today(),
            "deployments": mission_summary(platform, mission.acronym, language(request)),
        },
    )
