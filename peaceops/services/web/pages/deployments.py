"""Deployments page: where a mission's troops were in a year (or month), by place, with the
troops-by-year chart and a map over the stored boundaries; the same summary feeds the mission
page."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from peaceops.domain.incidents import Deployment
from peaceops.errors import NotFound
from peaceops.ingest.geopko import PERSONNEL_TYPES
from peaceops.ingest.geopko import SOURCE as GEOPKO
from peaceops.platform import Platform
from peaceops.platform.deployments import DeploymentView, MissionDeployments
from peaceops.reports.charts import BarChart, bar_chart
from peaceops.reports.svgmap import MapPoint, MapView, build_map
from peaceops.services.web.deps import PlatformDep, Reader, language
from peaceops.services.web.i18n import N_, Language
from peaceops.services.web.rendering import render

router = APIRouter()

UNIT_LABELS: dict[str, str] = {
    "infantry": N_("Infantry"),
    "reserve": N_("Reserve"),
    "formed_police": N_("Formed police"),
    "force_protection": N_("Force protection"),
    "protection_force": N_("Protection force"),
    "police": N_("UN police"),
    "observers": N_("Military observers"),
    "engineering": N_("Engineers"),
    "signals": N_("Signals"),
    "transport": N_("Transport"),
    "riverine": N_("Riverine"),
    "helicopter_support": N_("Helicopter support"),
    "special_forces": N_("Special forces"),
    "medical": N_("Medical"),
    "maintenance": N_("Maintenance"),
    "reconnaissance": N_("Reconnaissance"),
    "aviation": N_("Aviation"),
    "military_police": N_("Military police"),
    "demining": N_("Demining"),
    "uav": N_("Drones"),
    "armour": N_("Armour"),
    "other": N_("Other units"),
}
HQ_LABELS = {
    3: N_("Mission headquarters"),
    2: N_("Sector headquarters"),
    1: N_("Unit headquarters"),
}


@dataclass(frozen=True, slots=True)
class Marker:
    """A deployment drawn on the map: a circle whose area grows with the troops."""

    x: float
    y: float
    r: float
    label: str
    css_class: str


@dataclass(slots=True)
class DeploymentMap:
    view: MapView
    country: str
    country_name: str
    markers: list[Marker] = field(default_factory=list)
    outside: int = 0
    """Records of the year in other countries, not drawn."""


@dataclass(frozen=True, slots=True)
class Row:
    record: Deployment
    area: str
    units: list[str]
    headquarters: str


def unit_texts(units: dict[str, int], lang: Language) -> list[str]:
    """Unit types present, in the page language, with troops (or unit counts above one)."""
    order = {unit: i for i, unit in enumerate(UNIT_LABELS)}
    out = []
    for unit, value in sorted(units.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])):
        if unit == "headquarters":
            continue
        name = lang.gettext(UNIT_LABELS[unit]) if unit in UNIT_LABELS else unit
        if unit in PERSONNEL_TYPES and value:
            out.append(lang.gettext("%(unit)s (%(n)s troops)", unit=name, n=value))
        elif value > 1:
            out.append(f"{name} ({value})")
        else:
            out.append(name)
    return out


def _areas(platform: Platform, countries: list[str]) -> dict[int, str]:
    names: dict[int, str] = {}
    for iso3 in countries:
        try:
            areas = platform.places.admin_areas(iso3, with_geometry=False)
        except NotFound:
            continue
        names.update({a.id: a.name for a in areas if a.id is not None})
    return names


def rows(platform: Platform, view: DeploymentView, lang: Language) -> list[Row]:
    areas = _areas(platform, view.countries)
    return [
        Row(
            d,
            areas.get(d.admin_area_id or 0, ""),
            unit_texts(d.units, lang),
            lang.gettext(HQ_LABELS[level])
            if (level := d.units.get("headquarters", 0)) in HQ_LABELS
            else "",
        )
        for d in view.records
    ]


def deployment_map(
    platform: Platform, view: DeploymentView, *, width: float = 720
) -> DeploymentMap | None:
    """The year's places over the boundaries of the first of their countries that has any."""
    for iso3 in view.countries:
        try:
            regions = platform.places.admin_areas(iso3, level=1)
        except NotFound:
            continue
        if not regions:
            continue
        records = [d for d in view.records if d.country == iso3]
        points = [
            MapPoint(d.lon, d.lat, d.location, "deployments", "hq" if d.is_hq else "base")
            for d in records
        ]
        built = build_map(regions, points=points, width=width)
        name = platform.places.country(iso3).name
        drawn = DeploymentMap(built, iso3, name, outside=len(view.records) - len(records))
        for d, p in zip(records, built.points, strict=True):
            troops = d.troops or 0
            radius = (3.0 + math.sqrt(troops) / 3.0) * built.unit
            level = d.units.get("headquarters", 0)
            drawn.markers.append(
                Marker(
                    p.x,
                    p.y,
                    round(radius, 1),
                    f"{d.location}: {troops if d.troops is not None else '?'}",
                    f"dep dep-hq{level}",
                )
            )
        # Largest first, so that small bases stay visible on top.
        drawn.markers.sort(key=lambda m: -m.r)
        return drawn
    return None


def troops_chart(platform: Platform, mission: str, *, width: float = 720) -> BarChart | None:
    points = platform.deployments.timeline(mission)
    if not points:
        return None
    return bar_chart([(str(p.year), p.troops) for p in points], width=width, height=220)


def mission_summary(platform: Platform, acronym: str, lang: Language) -> dict[str, Any] | None:
    """For the mission page: the troops chart and the latest year's places, if any are stored."""
    chart = troops_chart(platform, acronym, width=640)
    if chart is None:
        return None
    view = platform.deployments.view(acronym)
    return {"chart": chart, "view": view, "rows": rows(platform, view, lang)}


def _default_mission(missions: list[MissionDeployments]) -> str | None:
    if not missions:
        return None
    return max(missions, key=lambda m: (m.last_year, m.records)).mission


@router.get("/deployments")
def deployments_page(
    request: Request,
    platform: PlatformDep,
    _by: Reader,
    mission: Annotated[str | None, Query(max_length=40)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    month: Annotated[int | None, Query(ge=1, le=12)] = None,
) -> Response:
    lang = language(request)
    missions = platform.deployments.missions_with_deployments()
    known = {m.mission for m in missions}
    chosen = mission.strip().upper() if mission and mission.strip() else None
    if chosen not in known:
        chosen = _default_mission(missions)
    context: dict[str, Any] = {
        "missions": missions,
        "mission": chosen,
        "view": None,
        "rows": [],
        "chart": None,
        "map": None,
        "stored_mission": None,
        "unknown": mission if mission and chosen != mission.strip().upper() else None,
        "geopko": False,
    }
    if chosen is not None:
        view = platform.deployments.view(chosen, year=year, month=month)
        stored = next((m for m in platform.missions.list() if m.acronym == chosen), None)
        context.update(
            view=view,
            rows=rows(platform, view, lang),
            chart=troops_chart(platform, chosen),
            map=deployment_map(platform, view),
            stored_mission=stored,
            geopko=any(d.source == GEOPKO for d in view.records),
        )
    return render(request, "deployments.html", context)
