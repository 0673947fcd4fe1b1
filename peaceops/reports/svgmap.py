"""Maps drawn as SVG from stored boundaries: no tile server, no JavaScript, works offline.

``build_map`` projects admin areas and point layers into an SVG coordinate space; templates
(web pages, PDF reports) draw the result. The projection is equirectangular, scaled by the
cosine of the map's mid latitude, which is faithful enough at country scale. Geometry is
simplified to about half a pixel so a country map stays small on a slow line.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from peaceops.domain.places import AdminArea


@dataclass(frozen=True, slots=True)
class MapPoint:
    lon: float
    lat: float
    label: str
    layer: str
    kind: str = ""
    href: str | None = None


@dataclass(frozen=True, slots=True)
class DrawnArea:
    id: int | None
    pcode: str
    name: str
    level: int
    path: str
    label_x: float
    label_y: float
    css_class: str = ""


@dataclass(frozen=True, slots=True)
class DrawnPoint:
    x: float
    y: float
    label: str
    layer: str
    kind: str
    href: str | None


@dataclass(slots=True)
class MapView:
    width: float
    height: float
    areas: list[DrawnArea] = field(default_factory=list)
    outlines: list[DrawnArea] = field(default_factory=list)
    points: list[DrawnPoint] = field(default_factory=list)

    @property
    def unit(self) -> float:
        """Size of one symbol unit, so that symbols look the same at any map width."""
        return round(self.width / 640.0, 3)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"

    def layers(self) -> list[str]:
        return sorted({p.layer for p in self.points})


class Projection:
    """Lon/lat to SVG x/y for a bounding box, keeping the aspect ratio."""

    def __init__(
        self, bounds: tuple[float, float, float, float], width: float, margin: float = 10.0
    ) -> None:
        x0, y0, x1, y1 = bounds
        self.kx = math.cos(math.radians((y0 + y1) / 2))
        span_x = max((x1 - x0) * self.kx, 1e-9)
        span_y = max(y1 - y0, 1e-9)
        self.scale = (width - 2 * margin) / span_x
        self.x0, self.y1, self.margin = x0, y1, margin
        self.width = width
        self.height = span_y * self.scale + 2 * margin

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            self.margin + (lon - self.x0) * self.kx * self.scale,
            self.margin + (self.y1 - lat) * self.scale,
        )


def _rings(geom: BaseGeometry) -> Iterable[Sequence[tuple[float, float]]]:
    polygons = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
    for polygon in polygons:
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        yield polygon.exterior.coords
        yield from (ring.coords for ring in polygon.interiors)


def _path(geom: BaseGeometry, project: Projection) -> str:
    parts = []
    for ring in _rings(geom):
        points = [project(x, y) for x, y, *_ in ring]
        if len(points) < 3:
            continue
        head = f"M{points[0][0]:.1f} {points[0][1]:.1f}"
        body = "".join(f"L{x:.1f} {y:.1f}" for x, y in points[1:-1])
        parts.append(head + body + "Z")
    return "".join(parts)


def build_map(
    areas: Sequence[AdminArea],
    *,
    points: Sequence[MapPoint] = (),
    outline_areas: Sequence[AdminArea] = (),
    width: float = 800.0,
    area_classes: dict[str, str] | None = None,
) -> MapView:
    """Project ``areas`` (filled, clickable), ``outline_areas`` (drawn on top) and ``points``.

    Examples
    --------
    >>> square = AdminArea("XCA", 1, "A", "A", {"type": "Polygon",
    ...     "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]})
    >>> view = build_map([square], width=120)
    >>> view.areas[0].path
    'M10.0 110.0L110.0 110.0L110.0 10.0L10.0 10.0Z'
    """
    shapes = [shape(a.geometry) for a in areas]
    outline_shapes = [shape(a.geometry) for a in outline_areas]
    everything = shapes + outline_shapes
    if not everything:
        return MapView(width=width, height=width * 0.6)
    x0 = min(s.bounds[0] for s in everything)
    y0 = min(s.bounds[1] for s in everything)
    x1 = max(s.bounds[2] for s in everything)
    y1 = max(s.bounds[3] for s in everything)
    project = Projection((x0, y0, x1, y1), width)
    tolerance = 0.5 / project.scale  # half a pixel, in degrees
    classes = area_classes or {}
    view = MapView(width=width, height=project.height)

    def draw(area: AdminArea, geom: BaseGeometry, css_class: str = "") -> DrawnArea:
        simple = geom.simplify(tolerance, preserve_topology=True)
        x, y = project(*geom.representative_point().coords[0])
        return DrawnArea(
            area.id,
            area.pcode,
            area.name,
            area.level,
            _path(simple, project),
            round(x, 1),
            round(y, 1),
            css_class,
        )

    view.areas = [draw(a, g, classes.get(a.pcode, "")) for a, g in zip(areas, shapes, strict=True)]
    view.outlines = [draw(a, g) for a, g in zip(outline_areas, outline_shapes, strict=True)]
    for p in points:
        x, y = project(p.lon, p.lat)
        view.points.append(DrawnPoint(round(x, 1), round(y, 1), p.label, p.layer, p.kind, p.href))
    return view
