"""Plausible but fictional geography: a country outline split into regions and districts."""

from __future__ import annotations

import math
import random
from typing import Any

import shapely
from shapely.geometry import MultiPoint, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep


def outline(rng: random.Random, *, lon: float, lat: float, radius: float) -> Polygon:
    """A country-like blob: a radius wobbling with a few random harmonics, slightly elongated."""
    harmonics = [
        (k, rng.uniform(0.03, 0.12) / k**0.5, rng.uniform(0, 2 * math.pi)) for k in range(2, 9)
    ]
    stretch = rng.uniform(1.2, 1.5)
    points = []
    n = 180
    for i in range(n):
        theta = 2 * math.pi * i / n
        r = radius * (1 + sum(a * math.sin(k * theta + p) for k, a, p in harmonics))
        r *= 1 + rng.uniform(-0.012, 0.012)  # a ragged coastline
        points.append((lon + stretch * r * math.cos(theta), lat + r * math.sin(theta)))
    shape = Polygon(points)
    return shape if shape.is_valid else shapely.make_valid(shape).buffer(0)


def spread_points(
    rng: random.Random, area: BaseGeometry, n: int, *, min_distance: float
) -> list[Point]:
    """``n`` random points inside ``area``, no two closer than ``min_distance`` (best effort)."""
    x0, y0, x1, y1 = area.bounds
    prepared = prep(area)
    chosen: list[Point] = []
    distance = min_distance
    attempts = 0
    while len(chosen) < n:
        p = Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        attempts += 1
        if attempts % 2000 == 0:
            distance *= 0.8  # the area is too small for the spacing: relax it
        if prepared.contains(p) and all(p.distance(q) >= distance for q in chosen):
            chosen.append(p)
    return chosen


def partition(rng: random.Random, area: Polygon, n: int) -> list[Polygon]:
    """Split ``area`` into ``n`` contiguous parts (Voronoi cells of spread seeds, clipped)."""
    spacing = math.sqrt(area.area / n) * 0.6
    seeds = spread_points(rng, area, n, min_distance=spacing)
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=area)
    parts = []
    for seed in seeds:
        cell = next(c for c in cells.geoms if c.contains(seed))
        piece = cell.intersection(area)
        if piece.geom_type == "MultiPolygon":  # keep the piece holding the seed
            piece = next(p for p in piece.geoms if p.contains(seed))
        parts.append(_round(piece))
    return parts


def _round(geom: BaseGeometry, digits: int = 4) -> Polygon:
    rounded = shapely.set_precision(geom, 10**-digits)
    if rounded.geom_type != "Polygon":
        rounded = max(getattr(rounded, "geoms", [rounded]), key=lambda g: g.area)
    return rounded


def geojson(geom: BaseGeometry) -> dict[str, Any]:
    data = mapping(geom)
    return {
        "type": data["type"],
        "coordinates": [[list(pt) for pt in ring] for ring in data["coordinates"]],
    }
