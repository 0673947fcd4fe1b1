"""Where incidents are: a country's admin areas for one transaction, distances and boxes.

``AreaBook`` answers what the incident service asks of the boundaries: the finest area
holding a point, an area by P-code or name, a point inside an area (for incidents known only
by their area), the chain of P-codes up to the region, and the areas inside another.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from shapely.geometry import shape
from sqlalchemy import Connection

from peaceops.domain.incidents import Incident, PlacePrecision
from peaceops.domain.places import AdminArea
from peaceops.errors import InputError
from peaceops.platform.places import AreaLocator
from peaceops.storage.repositories import places

EARTH_RADIUS_KM = 6371.0088


def casefold(text: str) -> str:
    """Text compared case-blind, with its spaces normalised."""
    return " ".join(text.casefold().split())


class AreaBook:
    """A country's admin areas: lookups by id, P-code or name, ancestors, points inside."""

    def __init__(self, areas: list[AdminArea], *, geometry: bool) -> None:
        self.by_id = {a.id: a for a in areas if a.id is not None}
        self._by_pcode = {a.pcode: a for a in areas}
        self._by_key: dict[str, AdminArea] = {}
        for a in sorted(areas, key=lambda a: a.level):
            self._by_key.setdefault(casefold(a.pcode), a)
            self._by_key.setdefault(casefold(a.name), a)
        self._geometry = geometry
        self._areas = areas
        self._locators: list[AreaLocator] | None = None
        self._points: dict[int, tuple[float, float]] = {}

    @classmethod
    def load(cls, conn: Connection, iso3: str, *, geometry: bool = True) -> AreaBook:
        return cls(places.list_admin_areas(conn, iso3, with_geometry=geometry), geometry=geometry)

    def find(self, text: str) -> AdminArea | None:
        """An area by P-code or name (case-blind; a region wins over a district of its name)."""
        return self._by_key.get(casefold(text))

    def locate(self, lon: float, lat: float) -> AdminArea | None:
        """The finest area holding the point."""
        if self._locators is None:
            levels = sorted({a.level for a in self._areas}, reverse=True) if self._geometry else []
            self._locators = [
                AreaLocator([a for a in self._areas if a.level == level]) for level in levels
            ]
        for locator in self._locators:
            found = locator.locate(lon, lat)
            if found is not None:
                return found
        return None

    def point(self, area_id: int | None) -> tuple[float, float] | None:
        """A point inside the area (its representative point), rounded to 5 decimals."""
        area = self.by_id.get(area_id or 0)
        if area is None or not self._geometry or not area.geometry:
            return None
        if area_id not in self._points:
            x, y = shape(area.geometry).representative_point().coords[0][:2]
            self._points[area.id or 0] = (round(x, 5), round(y, 5))
        return self._points[area.id or 0]

    def where(self, i: Incident) -> tuple[float, float] | None:
        """The incident's point, or a point inside its area when it has none."""
        if i.lon is not None and i.lat is not None:
            return i.lon, i.lat
        return self.point(i.admin_area_id)

    def chain(self, area: AdminArea | None) -> dict[int, str]:
        """Level -> P-code of the area and its ancestors."""
        out: dict[int, str] = {}
        seen = 0
        while area is not None and seen < 6:
            out[area.level] = area.pcode
            area = self._by_pcode.get(area.parent_pcode or "")
            seen += 1
        return out

    def region_of(self, area: AdminArea | None) -> AdminArea | None:
        seen = 0
        while area is not None and area.level > 1 and seen < 6:
            area = self._by_pcode.get(area.parent_pcode or "")
            seen += 1
        return area

    def within(self, area_id: int) -> list[int]:
        """The area and every area inside it."""
        root = self.by_id.get(area_id)
        if root is None:
            return [area_id]
        out, queue = [], [root]
        while queue:
            here = queue.pop()
            out.append(here.id or 0)
            queue.extend(a for a in self.by_id.values() if a.parent_pcode == here.pcode)
        return out


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in kilometres on the mean Earth sphere.

    >>> round(haversine_km(0, 0, 1, 0), 1)
    111.2
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def check_bbox(bbox: Sequence[float]) -> tuple[float, float, float, float]:
    """A (min lon, min lat, max lon, max lat) box, checked."""
    if len(bbox) != 4:
        raise InputError("give the box as min lon, min lat, max lon, max lat", field="bbox")
    x0, y0, x1, y1 = (float(v) for v in bbox)
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise InputError(
            f"({x0}, {y0}, {x1}, {y1}) is not a box on Earth: give min lon, min lat, max lon, "
            "max lat",
            field="bbox",
        )
    return x0, y0, x1, y1


def around(lon: float, lat: float, km: float) -> tuple[float, float, float, float] | None:
    """A box holding every point within ``km`` (None when it would wrap the globe)."""
    dlat = km / 111.19
    cos = math.cos(math.radians(min(89.0, abs(lat) + dlat)))
    dlon = km / (111.19 * cos) if cos > 0 else 360.0
    x0, x1 = lon - dlon, lon + dlon
    if x0 < -180 or x1 > 180 or lat + dlat > 90 or lat - dlat < -90:
        return None
    return x0, lat - dlat, x1, lat + dlat


def area_precision(area: AdminArea) -> PlacePrecision:
    """The precision of a place known only by this area."""
    return PlacePrecision.REGION if area.level == 1 else PlacePrecision.DISTRICT


__all__ = ["AreaBook", "area_precision", "around", "casefold", "check_bbox", "haversine_km"]
