"""Country dashboards, the country map and admin-area pages."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from peaceops.domain.institutions import Institution, Site
from peaceops.domain.places import AdminArea, Settlement
from peaceops.platform import Platform
from peaceops.reports.svgmap import MapPoint, MapView, build_map
from peaceops.services.web.deps import PlatformDep, Reader
from peaceops.services.web.pages.forms import redirect
from peaceops.services.web.rendering import render

router = APIRouter()


def map_points(
    settlements: list[Settlement], sites: list[Site], institutions: dict[int, Institution]
) -> list[MapPoint]:
    points = [
        MapPoint(s.lon, s.lat, s.name, "towns", "capital" if s.is_capital else "town")
        for s in settlements
    ]
    for site in sites:
        if site.lon is None or site.lat is None:
            continue
        inst = institutions.get(site.institution_id)
        points.append(
            MapPoint(
                site.lon,
                site.lat,
                site.name,
                "sites",
                site.kind.value,
                f"/institutions/{site.institution_id}" if inst else None,
            )
        )
    return points


def country_map(
    platform: Platform, iso3: str, *, width: float = 800, highlight: str | None = None
) -> MapView:
    regions = platform.places.admin_areas(iso3, level=1)
    districts = platform.places.admin_areas(iso3, level=2)
    institutions = {i.id or 0: i for i in platform.institutions.list(country=iso3)}
    points = map_points(
        platform.places.settlements(iso3), platform.institutions.sites(country=iso3), institutions
    )
    classes = {highlight: "highlight"} if highlight else None
    if highlight and any(d.pcode == highlight for d in districts):
        return build_map(
            districts, outline_areas=regions, points=points, width=width, area_classes=classes
        )
    return build_map(
        regions, outline_areas=districts, points=points, width=width, area_classes=classes
    )


@router.get("/")
def home(request: Request, platform: PlatformDep, _by: Reader) -> Response:
    countries = platform.places.countries(with_data_only=True)
    if len(countries) == 1:
        return redirect(f"/countries/{countries[0].iso3}")
    return render(request, "home.html", {"countries": countries})


@router.get("/countries")
def list_countries(request: Request, platform: PlatformDep, _by: Reader) -> Response:
    return render(
        request, "home.html", {"countries": platform.places.countries(with_data_only=True)}
    )


@router.get("/countries/{iso3}")
def country_dashboard(iso3: str, request: Request, platform: PlatformDep, _by: Reader) -> Response:
    country = platform.places.country(iso3)
    institutions = platform.institutions.list(country=country.iso3)
    site_counts = platform.institutions.site_counts(country.iso3)
    by_sector: dict[str, list[Institution]] = defaultdict(list)
    for inst in institutions:
        by_sector[inst.type.sector].append(inst)
    missions = platform.missions.list(country=country.iso3)
    today = date.today()
    areas = platform.places.admin_areas(country.iso3, with_geometry=False)
    actors = platform.actors.list()
    context = {
        "country": country,
        "sectors": dict(sorted(by_sector.items())),
        "site_counts": site_counts,
        "missions": missions,
        "current_mandates": {m.id: m.mandate_on(today) for m in missions},
        "today": today,
        "area_counts": Counter(a.level for a in areas),
        "settlement_count": len(platform.places.settlements(country.iso3)),
        "actors": actors,
        "actor_counts": Counter(a.category.value for a in actors),
        "map": country_map(platform, country.iso3, width=640),
    }
    return render(request, "country.html", context)


@router.get("/countries/{iso3}/map")
def country_map_page(iso3: str, request: Request, platform: PlatformDep, _by: Reader) -> Response:
    country = platform.places.country(iso3)
    view = country_map(platform, country.iso3, width=960)
    site_kinds = Counter(p.kind for p in view.points if p.layer == "sites")
    regions = platform.places.admin_areas(country.iso3, level=1, with_geometry=False)
    return render(
        request,
        "map.html",
        {
            "country": country,
            "map": view,
            "site_kinds": sorted(site_kinds.items()),
            "regions": regions,
        },
    )


@router.get("/areas/{area_id}")
def area_page(area_id: int, request: Request, platform: PlatformDep, _by: Reader) -> Response:
    area = platform.places.admin_area(area_id)
    country = platform.places.country(area.country_iso3)
    all_areas = platform.places.admin_areas(area.country_iso3, with_geometry=False)
    children: list[AdminArea] = [a for a in all_areas if a.parent_pcode == area.pcode]
    parent = next((a for a in all_areas if a.pcode == area.parent_pcode), None)
    in_area = {area.id} | {c.id for c in children}
    institutions = {i.id or 0: i for i in platform.institutions.list(country=area.country_iso3)}
    sites = [
        s
        for s in platform.institutions.sites(country=area.country_iso3)
        if s.admin_area_id in in_area
    ]
    codes = {area.pcode} | {c.pcode for c in children}
    towns = [s for s in platform.places.settlements(area.country_iso3) if s.admin_pcode in codes]
    return render(
        request,
        "area.html",
        {
            "area": area,
            "country": country,
            "children": children,
            "parent": parent,
            "sites": sites,
            "institutions": institutions,
            "towns": towns,
            "map": country_map(platform, area.country_iso3, width=560, highlight=area.pcode),
        },
    )
