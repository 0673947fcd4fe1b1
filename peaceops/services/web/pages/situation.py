"""The situation map of a country: every layer on one server-drawn SVG, with GET filters.

The page needs ``READ_REFERENCE``; the risk layer is drawn (and offered) only for
``READ_FORECASTS`` holders, and unverified incidents only for ``REPORT_INCIDENTS`` holders.
The GeoJSON and SVG exports apply the same rules and filters. JavaScript
(``static/js/situation.js``) adds layer toggles without reload, the month slider (which reloads
events and incidents through ``/api/v1/layers``) and the PNG download.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from shapely.geometry import shape

from peaceops.domain.access import Permission, Principal
from peaceops.domain.incidents import Verification
from peaceops.domain.places import Month
from peaceops.platform import Platform
from peaceops.platform.situation import RISK_MEASURES, Window
from peaceops.reports.svgmap import MapView, Projection, build_map
from peaceops.services.web.deps import PlatformDep, Reader, language
from peaceops.services.web.i18n import N_, Language
from peaceops.services.web.pages.incidents import TYPES as INCIDENT_TYPES
from peaceops.services.web.pages.risk import RISK_LEGEND, risk_class
from peaceops.services.web.rendering import render

router = APIRouter()

WIDTH = 960.0
# Layer names, in drawing order (areas first), with their legend label.
LAYER_LABELS = {
    "areas": N_("Admin areas"),
    "risk": N_("Forecast risk"),
    "programmes": N_("Programme locations"),
    "sites": N_("Institution sites"),
    "deployments": N_("Deployments"),
    "events": N_("Conflict events"),
    "incidents": N_("Incidents"),
}
# Colours as SVG presentation attributes, so the downloaded SVG and the PNG drawn from it
# keep them without the page's stylesheet.
COLOURS = {
    "programmes": "#2b8a3e",
    "sites": "#1f4e79",
    "deployments": "#1c7ed6",
    "events": "#7b2d8b",
    "incidents": "#212529",
}
RISK_FILLS = {
    "risk0": "#fef0d9",
    "risk1": "#fdcc8a",
    "risk2": "#fc8d59",
    "risk3": "#e34a33",
    "risk4": "#b30000",
}
AREA_FILL = "#f3f1ea"
STATUS_LABELS = {
    "reported": N_("Reported"),
    "under_verification": N_("Under verification"),
    "verified": N_("Verified"),
    "discredited": N_("Discredited"),
    "merged": N_("Merged"),
}
EVENT_TYPE_LABELS = {
    "state_based": N_("State-based"),
    "non_state": N_("Non-state"),
    "one_sided": N_("One-sided"),
}


@dataclass(slots=True)
class Symbol:
    x: float
    y: float
    r: float
    label: str


@dataclass(slots=True)
class SituationMap:
    view: MapView
    projection: Projection
    symbols: dict[str, list[Symbol]] = field(default_factory=dict)
    risk_fills: dict[str, str] = field(default_factory=dict)

    @property
    def data(self) -> dict[str, str]:
        """The projection as data attributes, for the script that redraws layers."""
        p = self.projection
        return {
            "x0": f"{p.x0:.6f}",
            "y1": f"{p.y1:.6f}",
            "kx": f"{p.kx:.6f}",
            "scale": f"{p.scale:.6f}",
            "margin": f"{p.margin:.1f}",
            "unit": f"{self.view.unit:.3f}",
        }


@dataclass(slots=True)
class Filters:
    window: Window
    layers: list[str]
    allowed: list[str]
    event_type: str | None
    status: str | None
    measure: str
    options: dict[str, Any]

    def query(self, **changes: str) -> str:
        """The filters as a query string (for the export links)."""
        pairs = [("since", str(self.window.since)), ("until", str(self.window.until))]
        pairs += [("layers", name) for name in self.layers]
        pairs.append(("shown", "1"))
        if self.event_type:
            pairs.append(("event_type", self.event_type))
        if self.status:
            pairs.append(("status", self.status))
        pairs.append(("measure", self.measure))
        pairs += list(changes.items())
        from urllib.parse import urlencode

        return urlencode(pairs)


def read_filters(request: Request, platform: Platform, iso3: str, by: Principal) -> Filters:
    params = request.query_params
    allowed = platform.situation.visible_layers(by)
    asked = params.getlist("layers")
    if params.get("shown") or asked:
        layers = [name for name in allowed if name in asked]
    else:
        layers = list(allowed)
    window = platform.situation.window(
        iso3,
        since=params.get("since") or None,
        until=params.get("until") or None,
    )
    event_type = params.get("event_type") or None
    status = params.get("status") or None
    if status and not by.can(Permission.REPORT_INCIDENTS):
        status = Verification.VERIFIED.value
    measure = params.get("measure") or "p_ge25"
    options: dict[str, Any] = {"event_type": event_type, "status": status, "measure": measure}
    return Filters(window, layers, allowed, event_type, status, measure, options)


def collections(platform: Platform, filters: Filters, by: Principal) -> dict[str, dict[str, Any]]:
    found = {}
    for name in filters.layers:
        options: dict[str, Any] = {}
        if name == "events":
            options["event_type"] = filters.event_type
        elif name == "incidents":
            options["status"] = filters.status
        elif name == "risk":
            options["measure"] = filters.measure
        found[name] = platform.situation.layer(name, filters.window, by=by, **options)
    return found


CLUSTERED = frozenset({"events"})
"""Layers the platform groups itself: events come as cells with counts once they are many."""
PLACE_NAMES = 3
"""Names listed on a symbol that stands for several things at one place."""


def _radius(count: int, unit: float) -> float:
    return round(unit * min(3.0 + 3.0 * math.log10(1 + count), 16.0), 2)


def draw(
    platform: Platform, iso3: str, layers: dict[str, dict[str, Any]], lang: Language
) -> SituationMap:
    regions = platform.places.admin_areas(iso3, level=1)
    districts = platform.places.admin_areas(iso3, level=2)
    risk_fills: dict[str, str] = {}
    if "risk" in layers:
        for feature in layers["risk"]["features"]:
            props = feature["properties"]
            p = props["p_ge25"]
            risk_fills[props["pcode"]] = RISK_FILLS[risk_class(p)]
    view = build_map(regions, outline_areas=districts if "areas" in layers else (), width=WIDTH)
    shapes = [shape(a.geometry) for a in [*regions, *districts]]
    bounds = (
        min(s.bounds[0] for s in shapes),
        min(s.bounds[1] for s in shapes),
        max(s.bounds[2] for s in shapes),
        max(s.bounds[3] for s in shapes),
    )
    project = Projection(bounds, WIDTH)
    drawn = SituationMap(view, project, risk_fills=risk_fills)
    unit = view.unit
    for name, collection in layers.items():
        if name in ("areas", "risk"):
            continue
        symbols = []
        for feature in collection["features"]:
            geometry = feature.get("geometry")
            if not geometry or geometry.get("type") != "Point":
                continue
            x, y = project(*geometry["coordinates"][:2])
            props = feature.get("properties") or {}
            count = int(props.get("count") or 1)
            label = str(
                props.get("name")
                or props.get("title")
                or props.get("place_name")
                or props.get("location")
                or props.get("conflict")
                or props.get("type")
                or name
            )
            deaths = lang.ngettext(
                "%(num)s death",
                "%(num)s deaths",
                int(props.get("fatalities") or props.get("fatalities_best") or 0),
            )
            if props.get("kind") == "cluster":
                label = lang.ngettext(
                    "%(num)s event, %(deaths)s", "%(num)s events, %(deaths)s", count, deaths=deaths
                )
            elif name == "events":
                label = f"{props.get('date')} {label}: {deaths}"
            elif name == "incidents":
                kind = INCIDENT_TYPES.get(str(props.get("type")))
                what = lang.gettext(kind) if kind else str(props.get("type"))
                where = props.get("place_name") or props.get("area") or ""
                label = f"{props.get('date')} {what}: {where} ({deaths})"
            symbols.append(Symbol(round(x, 1), round(y, 1), _radius(count, unit), label))
        drawn.symbols[name] = symbols if name in CLUSTERED else _one_per_place(symbols, lang)
    return drawn


def _one_per_place(symbols: list[Symbol], lang: Language) -> list[Symbol]:
    """One symbol where several fall on the same spot, naming how many and the first few.

    Thousands of programmes can share a capital's coordinates: drawn one by one they made the
    page most of a megabyte of identical diamonds."""
    places: dict[tuple[float, float], list[Symbol]] = {}
    for s in symbols:
        places.setdefault((s.x, s.y), []).append(s)
    merged = []
    for (x, y), here in places.items():
        if len(here) == 1:
            merged.append(here[0])
            continue
        names = list(dict.fromkeys(s.label for s in here))
        shown = "; ".join(names[:PLACE_NAMES]) + ("; …" if len(names) > PLACE_NAMES else "")
        label = lang.ngettext(
            "%(num)s at this place: %(names)s",
            "%(num)s at this place: %(names)s",
            len(here),
            names=shown,
        )
        merged.append(Symbol(x, y, max(s.r for s in here), label))
    return merged


def months_between(first: Month, last: Month) -> list[str]:
    return [str(Month.from_month_id(m)) for m in range(first.month_id, last.month_id + 1)]


def _context(
    request: Request, platform: Platform, iso3: str, by: Principal
) -> tuple[dict[str, Any], Filters, dict[str, dict[str, Any]]]:
    country = platform.places.country(iso3)
    filters = read_filters(request, platform, country.iso3, by)
    layers = collections(platform, filters, by)
    drawn = draw(platform, country.iso3, layers, language(request))
    last = platform.situation.last_month(country.iso3)
    first = last + -143  # twelve years of months for the slider
    if filters.window.since.month_id < first.month_id:
        first = filters.window.since
    span = filters.window.until.month_id - filters.window.since.month_id + 1
    context: dict[str, Any] = {
        "country": country,
        "map": drawn,
        "view": drawn.view,
        "filters": filters,
        "layers": layers,
        "layer_labels": LAYER_LABELS,
        "colours": COLOURS,
        "area_fill": AREA_FILL,
        "risk_fills": RISK_FILLS,
        "risk_legend": RISK_LEGEND,
        "event_types": EVENT_TYPE_LABELS,
        "statuses": {
            v.value: STATUS_LABELS.get(v.value, v.value)
            for v in Verification
            if by.can(Permission.REPORT_INCIDENTS) or v.counts
        },
        "measures": RISK_MEASURES,
        "months": months_between(first, max(last, filters.window.until, key=lambda m: m.month_id)),
        "span": span,
        "risk_meta": {k: v for k, v in layers.get("risk", {}).items() if k != "features"},
        "counts": {name: len(c["features"]) for name, c in layers.items()},
        "event_total": layers.get("events", {}).get("total"),
        "clustered": layers.get("events", {}).get("clustered", False),
        "query": filters.query(),
        "api_query": json.dumps(
            {
                "country": country.iso3,
                "event_type": filters.event_type or "",
                "status": filters.status or "",
            }
        ),
    }
    return context, filters, layers


@router.get("/countries/{iso3}/situation")
def situation_page(iso3: str, request: Request, platform: PlatformDep, by: Reader) -> Response:
    context, _filters, _layers = _context(request, platform, iso3, by)
    return render(request, "situation.html", context)


@router.get("/countries/{iso3}/situation.svg")
def situation_svg(iso3: str, request: Request, platform: PlatformDep, by: Reader) -> Response:
    context, _filters, _layers = _context(request, platform, iso3, by)
    context["standalone"] = True
    page = render(request, "situation_svg.html", context)
    return Response(
        page.body,
        media_type="image/svg+xml",
        headers={
            "Content-Disposition": f'attachment; filename="{iso3.upper()}-situation.svg"',
        },
    )


@router.get("/countries/{iso3}/situation.geojson")
def situation_geojson(iso3: str, request: Request, platform: PlatformDep, by: Reader) -> Response:
    country = platform.places.country(iso3)
    filters = read_filters(request, platform, country.iso3, by)
    found = collections(platform, filters, by)
    features = []
    for name, collection in found.items():
        for feature in collection["features"]:
            props = {**(feature.get("properties") or {}), "layer": name}
            features.append({**feature, "properties": props})
    window = filters.window
    body = {
        "type": "FeatureCollection",
        "features": features,
        "layers": filters.layers,
        "country": country.iso3,
        "since": str(window.since),
        "until": str(window.until),
    }
    return Response(
        json.dumps(body, ensure_ascii=False),
        media_type="application/geo+json",
        headers={
            "Content-Disposition": f'attachment; filename="{country.iso3}-situation.geojson"',
        },
    )
