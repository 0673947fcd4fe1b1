"""Places: countries, admin areas, settlements, PRIO-GRID cells and months."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PRIOGRID_COLS = 720
PRIOGRID_ROWS = 360
PRIOGRID_RES = 0.5


@dataclass(frozen=True, slots=True)
class Country:
    """A country, keyed by ISO 3166-1 alpha-3.

    ``gw_code`` is the Gleditsch-Ward number, which UCDP also uses as its ``country_id``;
    ``fictional`` marks training-scenario countries (user-assigned ISO codes ``XAA``-``XZZ``).
    """

    iso3: str
    name: str
    iso2: str | None = None
    numeric: int | None = None
    gw_code: int | None = None
    ucdp_id: int | None = None
    fictional: bool = False


@dataclass(frozen=True, slots=True)
class AdminArea:
    """An administrative area (admin1 or admin2) with its boundary as a GeoJSON geometry."""

    country_iso3: str
    level: int
    pcode: str
    name: str
    geometry: Mapping[str, Any] = field(compare=False, repr=False)
    parent_pcode: str | None = None
    id: int | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Settlement:
    """A populated place (town, village) with a point location."""

    country_iso3: str
    name: str
    lon: float
    lat: float
    population: int | None = None
    admin_pcode: str | None = None
    is_capital: bool = False
    id: int | None = None


@dataclass(frozen=True, slots=True)
class PriogridCell:
    """A PRIO-GRID cell (0.5 x 0.5 degrees), computed from its ``gid`` with no file needed.

    ``gid`` runs from 1 at the south-west corner (-180, -90) eastwards, then northwards:
    ``gid = (row - 1) * 720 + col`` with 1-based ``row`` and ``col``.

    >>> PriogridCell(49182).row, PriogridCell(49182).col, PriogridCell(49182).centroid
    (69, 222, (-69.25, -55.75))
    >>> PriogridCell.at(-69.25, -55.75).gid
    49182
    """

    gid: int

    def __post_init__(self) -> None:
        if not 1 <= self.gid <= PRIOGRID_COLS * PRIOGRID_ROWS:
            raise ValueError(f"PRIO-GRID gid must be between 1 and 259200, got {self.gid}")

    @classmethod
    def at(cls, lon: float, lat: float) -> PriogridCell:
        """The cell holding a point (a point on an east or north edge goes to the next cell)."""
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            raise ValueError(f"coordinates out of range: lon={lon}, lat={lat}")
        col = _index(lon, -180.0, PRIOGRID_COLS)
        row = _index(lat, -90.0, PRIOGRID_ROWS)
        return cls((row - 1) * PRIOGRID_COLS + col)

    @classmethod
    def from_row_col(cls, row: int, col: int) -> PriogridCell:
        return cls((row - 1) * PRIOGRID_COLS + col)

    @property
    def row(self) -> int:
        return (self.gid - 1) // PRIOGRID_COLS + 1

    @property
    def col(self) -> int:
        return (self.gid - 1) % PRIOGRID_COLS + 1

    @property
    def centroid(self) -> tuple[float, float]:
        """(lon, lat) of the cell centre."""
        return (
            -180.0 + (self.col - 0.5) * PRIOGRID_RES,
            -90.0 + (self.row - 0.5) * PRIOGRID_RES,
        )

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat)."""
        lon, lat = self.centroid
        half = PRIOGRID_RES / 2
        return (lon - half, lat - half, lon + half, lat + half)

    @property
    def polygon(self) -> dict[str, Any]:
        """The cell as a GeoJSON Polygon (counter-clockwise exterior ring)."""
        x0, y0, x1, y1 = self.bounds
        return {
            "type": "Polygon",
            "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
        }

    def queen_neighbours(self) -> tuple[PriogridCell, ...]:
        """The up to eight cells sharing an edge or a corner (longitude wraps at the dateline)."""
        out = []
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                if dr == dc == 0:
                    continue
                r = self.row + dr
                if not 1 <= r <= PRIOGRID_ROWS:
                    continue
                c = (self.col - 1 + dc) % PRIOGRID_COLS + 1
                out.append(PriogridCell.from_row_col(r, c))
        return tuple(out)


def _index(value: float, origin: float, count: int) -> int:
    """1-based cell index along one axis; exact at cell edges despite float rounding."""
    index = min(math.floor((value - origin) / PRIOGRID_RES) + 1, count)
    # (value - origin) may round up onto the next edge (e.g. -1e-21 + 180 == 180.0).
    if index > 1 and origin + (index - 1) * PRIOGRID_RES > value:
        index -= 1
    return index


@dataclass(frozen=True, slots=True, order=True)
class Month:
    """A calendar month that knows its VIEWS ``month_id`` ((year - 1980) * 12 + month).

    >>> Month(2020, 10).month_id
    490
    >>> Month.from_month_id(493)
    Month(year=2021, month=1)
    """

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1-12, got {self.month}")

    @property
    def month_id(self) -> int:
        return (self.year - 1980) * 12 + self.month

    @classmethod
    def from_month_id(cls, month_id: int) -> Month:
        year, month0 = divmod(month_id - 1, 12)
        return cls(1980 + year, month0 + 1)

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse ``YYYY-MM``."""
        try:
            year_s, month_s = text.strip().split("-")
            return cls(int(year_s), int(month_s))
        except ValueError as exc:
            raise ValueError(f"expected a month as YYYY-MM, got {text!r}") from exc

    def __add__(self, months: int) -> Month:
        return Month.from_month_id(self.month_id + months)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
