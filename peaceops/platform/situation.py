"""The operational map of a country: every layer as GeoJSON, by bounding box and time window.

Each layer is read from the service that owns it (places, events, incidents, forecasts,
institutions, programmes, deployments); events are aggregated here into grid clusters when a
window holds too many to draw one by one, so a browser never receives hundreds of thousands
of points. Permissions are those of the owning data: every layer needs ``READ_REFERENCE``,
``risk`` also ``READ_FORECASTS``, and unverified incidents ``REPORT_INCIDENTS`` (the
incidents service filters them).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from shapely.geometry import box, mapping, shape
from sqlalchemy import Engine

from peaceops.analytics.clustering import cell_bounds, cell_size
from peaceops.config import Settings
from peaceops.domain.access import Permission, Principal
from peaceops.domain.events import ViolenceType
from peaceops.domain.incidents import Verification
from peaceops.domain.places import Month
from peaceops.errors import InputError
from peaceops.platform.access import require
from peaceops.platform.caching import VersionedCache
from peaceops.storage import transaction
from peaceops.storage.repositories import events as events_repo

if TYPE_CHECKING:
    from peaceops.platform import Platform

BBox = tuple[float, float, float, float]
# Layers that do not depend on the time window.
TIMELESS = frozenset({"areas", "risk", "sites"})
LAYERS = ("areas", "events", "incidents", "risk", "sites", "programmes", "deployments")
RISK_MEASURES = ("p_ge25", "mean")
EVENT_TYPES = {"state_based": 1, "non_state": 2, "one_sided": 3}
# Up to this many events in a window are sent as single points; more become grid clusters.
MAX_POINTS = 400
MAX_ZOOM = 18


@dataclass(frozen=True, slots=True)
class Window:
    """What a map shows: a country, a bounding box, months and a zoom level."""

    country: str
    bbox: BBox
    since: Month
    until: Month
    zoom: int

    @property
    def since_date(self) -> date:
        return date(self.since.year, self.since.month, 1)

    @property
    def until_date(self) -> date:
        nxt = self.until + 1
        return date.fromordinal(date(nxt.year, nxt.month, 1).toordinal() - 1)


def parse_month(text: str, *, field: str) -> Month:
    """``YYYY-MM`` as a Month; InputError naming ``field`` otherwise."""
    try:
        return Month.parse(text.strip())
    except (ValueError, InputError):
        raise InputError(f"{field} must be a month as YYYY-MM, not {text!r}", field=field) from None


def parse_bbox(text: str) -> BBox:
    """``minlon,minlat,maxlon,maxlat``; InputError naming ``bbox`` otherwise."""
    try:
        west, south, east, north = (float(p) for p in text.split(","))
    except ValueError:
        raise InputError(
            "bbox must be four numbers: minlon,minlat,maxlon,maxlat", field="bbox"
        ) from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise InputError(
            "bbox must lie on the Earth with minlon < maxlon and minlat < maxlat", field="bbox"
        )
    return west, south, east, north


def _collection(features: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features, **meta}


def _inside(feature: dict[str, Any], bbox: BBox) -> bool:
    geometry = feature.get("geometry")
    if not geometry or geometry.get("type") != "Point":
        return False
    lon, lat = geometry["coordinates"][:2]
    return bool(bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3])


class SituationService:
    def __init__(self, settings: Settings, engine: Engine, *, platform: Platform) -> None:
        self._settings = settings
        self._engine = engine
        self._platform = platform
        self._cells = VersionedCache()

    # The window ------------------------------------------------------------------------------

    def country_bbox(self, country: str) -> BBox:
        """The bounds of a country's stored boundaries (admin1)."""
        areas = self._platform.places.admin_areas(country, level=1)
        if not areas:
            raise InputError(f"no boundaries stored for {country}", field="country")
        shapes = [shape(a.geometry) for a in areas]
        return (
            min(s.bounds[0] for s in shapes),
            min(s.bounds[1] for s in shapes),
            max(s.bounds[2] for s in shapes),
            max(s.bounds[3] for s in shapes),
        )

    def last_event_month(self) -> Month:
        vintage = self._platform.events.vintage()
        lasts = [v["last"] for v in vintage.values() if v.get("last") not in (None, "None")]
        if not lasts:
            today = date.today()
            return Month(today.year, today.month)
        return Month.parse(max(lasts)[:7])

    def last_month(self, country: str) -> Month:
        """The latest month with data: an event, or an incident of the country's log."""
        end = self.last_event_month()
        logged = self._platform.incidents.last_date(country)
        if logged is not None and Month(logged.year, logged.month).month_id > end.month_id:
            return Month(logged.year, logged.month)
        return end

    def window(
        self,
        country: str,
        *,
        bbox: str | None = None,
        since: str | None = None,
        until: str | None = None,
        zoom: int | None = None,
        timeless: bool = False,
    ) -> Window:
        """A window from query-string values; defaults: the whole country, the 12 months to
        the latest event or incident (to the calendar's month with ``timeless``), a zoom level
        that fits the box."""
        iso3 = self._platform.places.country(country).iso3
        box_ = parse_bbox(bbox) if bbox else self.country_bbox(iso3)
        if until:
            end = parse_month(until, field="until")
        elif timeless:  # the layer ignores time: spare the query for the latest event
            end = Month(date.today().year, date.today().month)
        else:
            end = self.last_month(iso3)
        start = parse_month(since, field="since") if since else end + -11
        if start.month_id > end.month_id:
            raise InputError("since must not be after until", field="since")
        if zoom is None:
            span = max(box_[2] - box_[0], box_[3] - box_[1], 1e-6)
            zoom = 0
            while zoom < MAX_ZOOM and 360.0 / 2 ** (zoom + 1) >= span:
                zoom += 1
        if not 0 <= zoom <= MAX_ZOOM:
            raise InputError(f"zoom must be 0 to {MAX_ZOOM}", field="zoom")
        return Window(iso3, box_, start, end, zoom)

    # Layers ----------------------------------------------------------------------------------

    def layer(
        self,
        name: str,
        window: Window,
        *,
        by: Principal,
        event_type: str | None = None,
        status: str | None = None,
        month: str | None = None,
        measure: str = "p_ge25",
    ) -> dict[str, Any]:
        """One layer as a GeoJSON FeatureCollection."""
        require(by, Permission.READ_REFERENCE)
        if name == "areas":
            return self.areas(window)
        if name == "events":
            return self.events(window, event_type=event_type)
        if name == "incidents":
            return self.incidents(window, by=by, status=status)
        if name == "risk":
            return self.risk(window, by=by, month=month, measure=measure)
        if name == "sites":
            return self.sites(window)
        if name == "programmes":
            return self.programmes(window)
        if name == "deployments":
            return self.deployments(window)
        raise InputError(f"layer must be one of {', '.join(LAYERS)}, not {name!r}", field="layer")

    def visible_layers(self, by: Principal) -> builtins.list[str]:
        """The layers a caller may see (risk only with READ_FORECASTS)."""
        return [n for n in LAYERS if n != "risk" or by.can(Permission.READ_FORECASTS)]

    def collection(
        self, window: Window, layers: builtins.list[str], *, by: Principal, **options: Any
    ) -> dict[str, Any]:
        """Several layers in one FeatureCollection, each feature with a ``layer`` property."""
        features: list[dict[str, Any]] = []
        for name in layers:
            for feature in self.layer(name, window, by=by, **options)["features"]:
                properties = dict(feature.get("properties") or {})
                properties["layer"] = name
                features.append({**feature, "properties": properties})
        return _collection(features, layers=layers, **self._meta(window))

    @staticmethod
    def _meta(window: Window) -> dict[str, Any]:
        return {
            "country": window.country,
            "bbox": list(window.bbox),
            "since": str(window.since),
            "until": str(window.until),
            "zoom": window.zoom,
        }

    def areas(self, window: Window, *, level: int | None = None) -> dict[str, Any]:
        """Admin areas crossing the box, simplified to about a tenth of a cluster cell."""
        chosen = level if level is not None else (1 if window.zoom < 8 else 2)
        tolerance = cell_size(window.zoom) / 64
        frame = box(*window.bbox)
        features = []
        for area in self._platform.places.admin_areas(window.country, level=chosen):
            geom = shape(area.geometry)
            if not geom.intersects(frame):
                continue
            simple = geom.simplify(tolerance, preserve_topology=True)
            features.append(
                {
                    "type": "Feature",
                    "id": area.id,
                    "geometry": mapping(simple),
                    "properties": {
                        "id": area.id,
                        "pcode": area.pcode,
                        "name": area.name,
                        "level": area.level,
                        "parent_pcode": area.parent_pcode,
                    },
                }
            )
        return _collection(features, **self._meta(window))

    def events(self, window: Window, *, event_type: str | None = None) -> dict[str, Any]:
        """Events of the window: points when there are few, otherwise grid clusters."""
        types: builtins.list[int] | None = None
        if event_type:
            if event_type not in EVENT_TYPES:
                raise InputError(
                    f"event_type must be one of {', '.join(EVENT_TYPES)}", field="event_type"
                )
            types = [EVENT_TYPES[event_type]]
        query: dict[str, Any] = {
            "bbox": window.bbox,
            "since_month": window.since.month_id,
            "until_month": window.until.month_id,
            "types": types,
        }
        cell = cell_size(window.zoom)
        # A bounded count decides: the few come as points, the many as cells the database
        # groups, so a world view of the whole GED history never leaves the database whole.
        # Cells are kept until the events change (their counter moves): many users look at
        # the same views, and grouping 400,000 events takes the database a quarter second.
        key = (window.bbox, window.since.month_id, window.until.month_id, tuple(types or ()), cell)
        with transaction(self._engine, write=False) as conn:
            version = events_repo.data_version(conn)
            cells: builtins.list[events_repo.GridCell] | None = self._cells.get(key, version)
            few = False
            if cells is None:
                few = events_repo.count_in_window(conn, **query, limit=MAX_POINTS) <= MAX_POINTS
                if few:
                    rows = events_repo.events_in_window(conn, **query, limit=MAX_POINTS)
                else:
                    cells = events_repo.grid_cells_in_window(conn, **query, cell=cell)
                    self._cells.put(key, version, cells)
        if few:
            features = [
                {
                    "type": "Feature",
                    "id": row[3],
                    "geometry": {"type": "Point", "coordinates": [row[0], row[1]]},
                    "properties": {
                        "kind": "event",
                        "id": row[3],
                        "date": row[4].isoformat(),
                        "type": ViolenceType(row[5]).name.lower(),
                        "source": row[6],
                        "conflict": row[7],
                        "count": 1,
                        "fatalities": row[2],
                    },
                }
                for row in rows
            ]
            meta = {**self._meta(window), "total": len(rows)}
            return _collection(features, clustered=False, **meta)
        assert cells is not None
        features = []
        for col, row_, n, deaths, lon, lat in cells:
            west, south, east, north = cell_bounds(col, row_, cell)
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
                    "properties": {
                        "kind": "cluster",
                        "count": n,
                        "fatalities": deaths,
                        "cell": [west, south, east, north],
                    },
                }
            )
        meta = {**self._meta(window), "total": sum(c[2] for c in cells)}
        return _collection(features, clustered=True, cell=cell, **meta)

    def incidents(
        self, window: Window, *, by: Principal, status: str | None = None
    ) -> dict[str, Any]:
        """Incidents (verified only for callers who may not report them)."""
        chosen = None
        if status:
            try:
                chosen = Verification(status)
            except ValueError:
                raise InputError(
                    f"status must be one of {', '.join(v.value for v in Verification)}",
                    field="status",
                ) from None
        found = self._platform.incidents.geojson(
            by=by,
            country=window.country,
            since=window.since_date,
            until=window.until_date,
            bbox=window.bbox,
            status=chosen,
        )
        return _collection(found["features"], **self._meta(window))

    def risk(
        self,
        window: Window,
        *,
        by: Principal,
        month: str | None = None,
        measure: str = "p_ge25",
    ) -> dict[str, Any]:
        """Admin1 areas with a forecast value for one month of the latest stored admin1 run."""
        require(by, Permission.READ_FORECASTS)
        if measure not in RISK_MEASURES:
            raise InputError(f"measure must be one of {', '.join(RISK_MEASURES)}", field="measure")
        forecasting = self._platform.forecasting
        runs = [r for r in forecasting.runs(country=window.country) if r["level"] == "admin1"]
        meta = self._meta(window)
        if not runs:
            return _collection([], run=None, months=[], **meta)
        run = runs[0]
        values = forecasting.run_values(run["id"])
        months = sorted({int(v["month_id"]) for v in values})
        month_id = months[0]
        if month:
            month_id = parse_month(month, field="month").month_id
            if month_id not in months:
                raise InputError(
                    f"month must be one of the forecast months {Month.from_month_id(months[0])}"
                    f" to {Month.from_month_id(months[-1])}",
                    field="month",
                )
        by_unit = {v["unit"]: v for v in values if v["month_id"] == month_id}
        frame = box(*window.bbox)
        tolerance = cell_size(window.zoom) / 64
        features = []
        for area in self._platform.places.admin_areas(window.country, level=1):
            value = by_unit.get(area.pcode)
            geom = shape(area.geometry)
            if value is None or not geom.intersects(frame):
                continue
            features.append(
                {
                    "type": "Feature",
                    "id": area.id,
                    "geometry": mapping(geom.simplify(tolerance, preserve_topology=True)),
                    "properties": {
                        "pcode": area.pcode,
                        "name": area.name,
                        "measure": measure,
                        "value": round(float(value[measure]), 4),
                        "p_ge25": round(float(value["p_ge25"]), 4),
                        "mean": round(float(value["mean"]), 2),
                        "q05": round(float(value["q05"]), 2),
                        "q95": round(float(value["q95"]), 2),
                    },
                }
            )
        return _collection(
            features,
            run=run["id"],
            model=run["model"],
            month=str(Month.from_month_id(month_id)),
            months=[str(Month.from_month_id(m)) for m in months],
            **meta,
        )

    def sites(self, window: Window) -> dict[str, Any]:
        institutions = {i.id: i for i in self._platform.institutions.list(country=window.country)}
        features = []
        for site in self._platform.institutions.sites(country=window.country):
            if site.lon is None or site.lat is None:
                continue
            inst = institutions.get(site.institution_id)
            features.append(
                {
                    "type": "Feature",
                    "id": site.id,
                    "geometry": {"type": "Point", "coordinates": [site.lon, site.lat]},
                    "properties": {
                        "id": site.id,
                        "name": site.name,
                        "kind": site.kind.value,
                        "institution_id": site.institution_id,
                        "institution": inst.name if inst else None,
                    },
                }
            )
        return _collection([f for f in features if _inside(f, window.bbox)], **self._meta(window))

    def programmes(self, window: Window) -> dict[str, Any]:
        """Activity locations running at some time in the window."""
        found = self._platform.coordination.running(
            window.country, window.since_date, window.until_date
        )
        return _collection(
            [f for f in found["features"] if _inside(f, window.bbox)], **self._meta(window)
        )

    def deployments(self, window: Window) -> dict[str, Any]:
        """Deployments of the window's last month, else the yearly records of its year."""
        service = self._platform.deployments
        year, month = window.until.year, window.until.month
        found = service.geojson(country=window.country, year=year, month=month, bbox=window.bbox)
        if not found["features"]:
            found = service.geojson(country=window.country, year=year, month=0, bbox=window.bbox)
        return _collection(found["features"], year=year, **self._meta(window))
