"""Geo-PKO: geocoded UN peacekeeping deployments (Cil, Fjelde, Hultman & Nilsson 2020).

The kind of file is told from its header, never from its name:

===========  =================================================  ===========================
kind         file                                               records
===========  =================================================  ===========================
``raw``      the location-month file (``geopko_raw_v2x_...``,   one per mission, month and
             113 columns; latitude and longitude as text)       place
``frontmap`` ``FrontMap_v.2.3.csv``: troops by type per         one per mission, year and
             mission, year and place                            place (``month`` is None)
``ttmap``    ``TTMap_v.2.3.csv``: the troop types present       joined to the FrontMap
``tccmap``   ``TCCMap_v.2.3.csv``: the number of contributing   joined to the FrontMap
             countries and their list with sizes
===========  =================================================  ===========================

The map files are the dashboard's yearly aggregates of the location-month data. FrontMap holds
one row per month in which the troop count or the headquarters level differed, so a place
appears on several rows of a year; they are folded into one yearly record whose ``troops`` is
``ave.no.troops`` (the year's average) and whose headquarters level is the highest seen.
TTMap and TCCMap lying beside the FrontMap file (or in the folder given) add unit types and
contributors, matched on mission, year, place and coordinates; on their own they add nothing
that could be stored.

``units`` maps a unit type to a count: troops for the types Geo-PKO counts in troops
(``PERSONNEL_TYPES``: infantry, reserve, formed police, force protection, protection force;
0 when present but of unknown size), the number of units present at once for medical and
aviation units in the FrontMap, and 1 for a type the source marks only as present (the
location-month file's unit dummies, UN police, military observers, and TTMap's types, whose
monthly sums are not unit counts). ``headquarters`` holds the Geo-PKO headquarters level
(``HQ_LEVELS``); ``is_hq`` marks the mission's headquarters (level 3).

Country names are mapped to ISO3 codes (``country_from_name`` of the governance reader, with
Geo-PKO's own spellings in ``COUNTRY_ALIASES``); a name that maps to no code (the
``Ethiopia/Eritrea`` border zone of UNMEE) is kept as written and reported once.

``read_geopko`` streams records and problems: a row with an impossible year or month,
coordinates that cannot be read or lie off the Earth, or a negative number of troops becomes a
``Problem`` naming the file, the line and the column, and the other rows still come through.
The same mission, month and place given twice in the location-month file (two revisions of a
UN map for the same month) keeps the first row and reports the second.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from peaceops.domain.incidents import Deployment
from peaceops.errors import InputError, Problem
from peaceops.ingest.governance import country_from_code, country_from_name
from peaceops.ingest.guards import first_undecodable_line

SOURCE = "geo-pko"
"""The ``source`` of every record read from Geo-PKO, yearly or monthly."""
FIRST_YEAR = 1946
MAX_COUNT = 2_147_483_647
"""The largest count the database stores (a 32-bit integer)."""
COORDINATE_DECIMALS = 6
"""Geo-PKO gives six decimals (about 0.1 m); the raw file's text carries binary noise beyond."""
HEADER_BYTES = 1 << 16
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "unknown", "size unknown"})

COUNTRY_ALIASES: dict[str, str] = {
    "DRC": "COD",
    "Ivory Coast": "CIV",
}
"""Geo-PKO's country names that neither the governance aliases nor ISO 3166 names match."""

HQ_LEVELS: dict[int, str] = {1: "unit", 2: "sector", 3: "mission"}
"""Geo-PKO's ``hq`` codes: a battalion or unit headquarters, a sector headquarters, the
mission's headquarters."""

PERSONNEL_TYPES = frozenset(
    {"infantry", "reserve", "formed_police", "force_protection", "protection_force"}
)
"""Unit types whose count in ``Deployment.units`` is a number of troops."""

# Location-month file: unit type -> (presence column, troops column or None).
RAW_UNITS: dict[str, tuple[str, str | None]] = {
    "infantry": ("inf", "inf.no"),
    "reserve": ("res", "res.no"),
    "formed_police": ("fpu", "fpu.no"),
    "force_protection": ("fp", "fp.no"),
    "protection_force": ("rpf", "rpf.no"),
    "engineering": ("eng", None),
    "signals": ("sig", None),
    "transport": ("trans", None),
    "riverine": ("riv", None),
    "helicopter_support": ("he.sup", None),
    "special_forces": ("sf", None),
    "medical": ("med", None),
    "maintenance": ("maint", None),
    "reconnaissance": ("recon", None),
    "aviation": ("avia", None),
    "military_police": ("mp", None),
    "demining": ("demining", None),
    "uav": ("uav", None),
    "armour": ("armor", None),
    "other": ("other.type", None),
    "police": ("unpol.dummy", None),
    "observers": ("unmo.dummy", None),
}
# FrontMap column -> unit type (Infantry and Reserve are troops; the rest are counts or flags).
FRONT_UNITS = {
    "Infantry": "infantry",
    "Reserve": "reserve",
    "UNPOL": "police",
    "Med": "medical",
    "Av": "aviation",
    "UNMO": "observers",
}
# TTMap column -> unit type (monthly sums: stored as present, 1).
TT_UNITS = {
    "eng": "engineering",
    "med": "medical",
    "sig": "signals",
    "av": "aviation",
    "riv": "riverine",
    "maint": "maintenance",
    "trans": "transport",
}
MAX_TCC = 17

KINDS: dict[str, frozenset[str]] = {
    "raw": frozenset({"mission", "year", "month", "location", "latitude", "longitude"}),
    "frontmap": frozenset({"mission", "year", "location", "latitude", "longitude"})
    | {"ave.no.troops", "NoTroops"},
    "tccmap": frozenset({"mission", "year", "location", "latitude", "longitude"})
    | {"No.TCC", "year.overview"},
    "ttmap": frozenset({"mission", "year", "location", "latitude", "longitude"}) | set(TT_UNITS),
}
TCC_ITEM = re.compile(r"\s*(.+?) \((\d+|size unknown)\)\s*(?:,|$)")
UNKNOWN_TCC = frozenset({"unknown", "tcc name unknown", "na"})

Key = tuple[str, int, str, float, float]
"""mission, year, place name, longitude, latitude: how the map files are joined."""


@dataclass(slots=True)
class ReadStats:
    """What reading found, beside the records and problems it yields."""

    kind: str = ""
    rows: int = 0
    """Data rows read (the FrontMap's, for the joined map files)."""
    records: int = 0
    filtered: int = 0
    """Rows left out because they belong to another mission or country than asked."""
    problems: int = 0
    joined: dict[str, int] = field(default_factory=dict)
    """For the map files: rows of TTMap and TCCMap read, and how many matched a record."""


# Cells --------------------------------------------------------------------------------------


def is_missing(text: str | None) -> bool:
    return text is None or text.strip().lower() in MISSING


def decimal(text: str) -> float:
    """A number written with a dot or a comma as the decimal mark.

    >>> decimal("15,9833"), decimal(" -4.012656 "), decimal("33.238894000000002")
    (15.9833, -4.012656, 33.238894)
    """
    value = text.strip()
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"not a number: {text.strip()!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"not a number: {text.strip()!r}")
    return number


def coordinates(lon_text: str, lat_text: str) -> tuple[float, float]:
    """(lon, lat) from two cells; raises ValueError('column: why').

    >>> coordinates("18.559861", "4.393797")
    (18.559861, 4.393797)
    >>> coordinates("20.1", "95")
    Traceback (most recent call last):
    ...
    ValueError: latitude: 95 is not a latitude (-90 to 90)
    """
    if is_missing(lat_text) or is_missing(lon_text):
        raise ValueError("latitude: no coordinates")
    try:
        lat = decimal(lat_text)
    except ValueError as exc:
        raise ValueError(f"latitude: {exc}") from None
    try:
        lon = decimal(lon_text)
    except ValueError as exc:
        raise ValueError(f"longitude: {exc}") from None
    if not -90 <= lat <= 90:
        raise ValueError(f"latitude: {lat:g} is not a latitude (-90 to 90)")
    if not -180 <= lon <= 180:
        raise ValueError(f"longitude: {lon:g} is not a longitude (-180 to 180)")
    return round(lon, COORDINATE_DECIMALS), round(lat, COORDINATE_DECIMALS)


def _year(text: str) -> int:
    try:
        number = decimal(text)
    except ValueError:
        raise ValueError(f"year: not a year: {text.strip()!r}") from None
    if not number.is_integer() or not FIRST_YEAR <= number <= date.today().year + 1:
        raise ValueError(f"year: impossible year {text.strip()}")
    return int(number)


def _month(text: str) -> int:
    try:
        number = decimal(text)
    except ValueError:
        raise ValueError(f"month: not a month: {text.strip()!r}") from None
    if not number.is_integer() or not 1 <= number <= 12:
        raise ValueError(f"month: {text.strip()} is not a month (1 to 12)")
    return int(number)


def _count(text: str | None, column: str) -> int | None:
    """A whole number of troops or units, None when missing; raises ValueError('column: why')."""
    if text is None or is_missing(text):
        return None
    try:
        number = decimal(text)
    except ValueError as exc:
        raise ValueError(f"{column}: {exc}") from None
    if number < 0:
        raise ValueError(f"{column}: a count cannot be negative ({text.strip()})")
    if number > MAX_COUNT:
        raise ValueError(f"{column}: {text.strip()} is more than {MAX_COUNT:,}")
    return round(number)


def _names(mission: str, location: str) -> None:
    """Raise ValueError('column: why') when the mission or place is missing or longer than
    the database keeps."""
    for column, text, limit in (("mission", mission, 40), ("location", location, 200)):
        if not text:
            raise ValueError(f"{column}: missing")
        if len(text) > limit:
            raise ValueError(f"{column}: longer than {limit} characters")


def country_code(name: str) -> str | None:
    """The ISO3 code of a Geo-PKO country name, None if there is none.

    >>> country_code("DRC"), country_code("Ivory Coast"), country_code("Ethiopia/Eritrea")
    ('COD', 'CIV', None)
    >>> country_code("CAF"), country_code("Kosovo")
    ('CAF', 'XKX')
    """
    text = " ".join(name.split())
    if text in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[text]
    if re.fullmatch(r"[A-Z]{3}", text):  # a code already (a file PeaceOps wrote)
        return country_from_code(text)
    return country_from_name(text)


def contributors_from_text(text: str) -> tuple[str, ...]:
    """Contributing countries from a TCCMap ``year.overview`` list, in its order.

    >>> contributors_from_text("Gabon (650), Korea (ROK) (150), Nepal (size unknown)")
    ('Gabon', 'Korea (ROK)', 'Nepal')
    """
    names: list[str] = []
    for match in TCC_ITEM.finditer(text):
        name = match.group(1).strip()
        if name and name.lower() not in UNKNOWN_TCC and name not in names:
            names.append(name)
    return tuple(names)


# Files --------------------------------------------------------------------------------------


def _header(path: Path) -> list[str]:
    try:
        with path.open("rb") as handle:
            start = handle.read(HEADER_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", source=path.name) from exc
    text = start.decode("utf-8-sig", errors="replace")
    try:
        row = next(csv.reader(io.StringIO(text, newline="")), None)
    except csv.Error as exc:
        raise InputError(f"not a readable CSV file: {exc}", source=path.name, line=1) from None
    if not row:
        raise InputError("the file is empty", source=path.name, line=1)
    return [c.strip() for c in row]


def _kind(columns: Iterable[str]) -> str | None:
    have = set(columns)
    for kind in ("raw", "frontmap", "tccmap", "ttmap"):
        if KINDS[kind] <= have:
            return kind
    return None


def detect(path: Path | str) -> str:
    """The kind of a Geo-PKO file (``raw``, ``frontmap``, ``ttmap`` or ``tccmap``), from its
    header; raises ``InputError`` naming the file when it is none of them."""
    path = Path(path)
    kind = _kind(_header(path))
    if kind is None:
        raise InputError(
            "not a Geo-PKO file: expected the location-month layout (source, mission, year, "
            "month, location, latitude, longitude, no.troops ...) or a v2.3 map file "
            "(FrontMap, TTMap or TCCMap: mission, year, location, latitude, longitude ...)",
            source=path.name,
            line=1,
        )
    return kind


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) of a CSV file, with encoding and CSV errors named by file."""
    reader: csv.DictReader[str] | None = None
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                    continue
                # NUL bytes are never meant (and PostgreSQL cannot store them in text).
                yield (
                    reader.line_num,
                    {k: v.replace("\x00", "") if isinstance(v, str) else v for k, v in row.items()},
                )
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text ({exc.reason})", source=path.name, line=first_undecodable_line(path)
        ) from exc
    except csv.Error as exc:
        line = reader.line_num if reader is not None else None
        raise InputError(f"not a readable CSV file: {exc}", source=path.name, line=line) from exc


def _problem(exc: ValueError, name: str, line: int, item: str, stats: ReadStats) -> Problem:
    text = str(exc)
    column, _, message = text.partition(": ")
    stats.problems += 1
    return Problem(
        message or text, source=name, line=line, field=column if message else None, item=item
    )


@dataclass(slots=True)
class _Filter:
    mission: str | None
    country: str | None
    names: dict[str, str | None] = field(default_factory=dict)
    unmapped: dict[str, int] = field(default_factory=dict)
    """Country names with no ISO3 code -> first line."""

    def code(self, name: str) -> str:
        """The ISO3 code of a country name, or the name as written when it has none."""
        if name not in self.names:
            self.names[name] = country_code(name) if name else None
        # A name with no code is kept as written, as far as the database's column goes.
        return self.names[name] or name[:100]

    def skip(self, row: dict[str, str], line: int) -> bool:
        """Whether a row belongs to another mission or country than asked for; notes the
        country names of the rows kept that map to no code."""
        name = (row.get("country") or "").strip()
        code = self.code(name)
        if self.mission is not None and (row.get("mission") or "").strip().upper() != self.mission:
            return True
        if self.country is not None and code != self.country:
            return True
        if name and self.names[name] is None:
            self.unmapped.setdefault(name, line)
        return False

    def problems(self, source: str, column: str, stats: ReadStats) -> Iterator[Problem]:
        for name, line in self.unmapped.items():
            stats.problems += 1
            yield Problem(
                "no ISO 3166 country has this name; the rows keep the name as written, so "
                "filters by country code will not find them",
                source=source,
                line=line,
                field=column,
                item=f"country {name!r}",
            )


def _filter(mission: str | None, country: str | None) -> _Filter:
    return _Filter(
        mission.strip().upper() if mission else None, country.strip().upper() if country else None
    )


def read_raw(
    path: Path,
    *,
    mission: str | None = None,
    country: str | None = None,
    stats: ReadStats | None = None,
) -> Iterator[Deployment | Problem]:
    """Stream the location-month file: one record per mission, month and place."""
    name = path.name
    tally = stats if stats is not None else ReadStats()
    tally.kind = "raw"
    chosen = _filter(mission, country)
    seen: dict[tuple[str, int, int, str, float, float], int] = {}
    for line, row in _rows(path):
        tally.rows += 1
        if chosen.skip(row, line):
            tally.filtered += 1
            continue
        mission_name = (row.get("mission") or "").strip()
        location = (row.get("location") or "").strip()
        item = f"{mission_name or '?'} {row.get('year', '?')}-{row.get('month', '?')} {location}"
        try:
            _names(mission_name, location)
            year = _year(row.get("year") or "")
            month = _month(row.get("month") or "")
            lon, lat = coordinates(row.get("longitude") or "", row.get("latitude") or "")
            troops = _count(row.get("no.troops"), "no.troops")
            units: dict[str, int] = {}
            for unit, (flag_column, troops_column) in RAW_UNITS.items():
                flag = _count(row.get(flag_column), flag_column)
                size = _count(row.get(troops_column), troops_column) if troops_column else None
                if size:
                    units[unit] = size
                elif flag:
                    units[unit] = 0 if troops_column else 1
            hq = _count(row.get("hq"), "hq") or 0
            if hq not in (0, *HQ_LEVELS):
                raise ValueError(f"hq: {hq} is not a headquarters level (0 to 3)")
            if hq:
                units["headquarters"] = hq
            contributors: list[str] = []
            for i in range(1, MAX_TCC + 1):
                tcc = (row.get(f"nameoftcc_{i}") or "").strip()
                _count(row.get(f"notroopspertcc_{i}"), f"notroopspertcc_{i}")
                if (
                    not is_missing(tcc)
                    and tcc.lower() not in UNKNOWN_TCC
                    and tcc not in contributors
                ):
                    contributors.append(tcc)
        except ValueError as exc:
            yield _problem(exc, name, line, item, tally)
            continue
        code = chosen.code((row.get("country") or "").strip())
        key = (mission_name, year, month, location, lon, lat)
        first = seen.setdefault(key, line)
        if first != line:
            tally.problems += 1
            yield Problem(
                f"the same mission, month and place appears again (first at line {first}, "
                f"another map revision: {(row.get('source') or '').strip() or '?'}); the first "
                "is kept",
                source=name,
                line=line,
                field="source",
                item=item,
            )
            continue
        tally.records += 1
        yield Deployment(
            mission=mission_name,
            location=location,
            year=year,
            month=month,
            lon=lon,
            lat=lat,
            country=code,
            troops=troops,
            units=units,
            contributors=tuple(contributors),
            is_hq=hq == 3,
            source=SOURCE,
        )
    yield from chosen.problems(name, "country", tally)


@dataclass(slots=True)
class _Place:
    """The FrontMap rows of one mission, year and place, folded into one."""

    line: int
    mission: str
    year: int
    location: str
    lon: float
    lat: float
    country: str
    troops: int | None
    units: dict[str, int]
    hq: int
    contributors: tuple[str, ...] = ()


def _map_key(row: dict[str, str]) -> tuple[str, int, str, float, float]:
    mission_name = (row.get("mission") or "").strip()
    location = (row.get("location") or "").strip()
    _names(mission_name, location)
    year = _year(row.get("year") or "")
    lon, lat = coordinates(row.get("longitude") or "", row.get("latitude") or "")
    return mission_name, year, location, lon, lat


def _item(row: dict[str, str]) -> str:
    return (
        f"{(row.get('mission') or '?').strip()} {row.get('year', '?')} {row.get('location', '?')}"
    )


def _read_front(
    path: Path, chosen: _Filter, tally: ReadStats
) -> tuple[dict[Key, _Place], list[Problem]]:
    places: dict[Key, _Place] = {}
    problems: list[Problem] = []
    for line, row in _rows(path):
        tally.rows += 1
        if chosen.skip(row, line):
            tally.filtered += 1
            continue
        try:
            key = _map_key(row)
            troops = _count(row.get("ave.no.troops"), "ave.no.troops")
            _count(row.get("NoTroops"), "NoTroops")
            units: dict[str, int] = {}
            for column, unit in FRONT_UNITS.items():
                value = _count(row.get(column), column)
                if value:
                    units[unit] = value
            hq = _count(row.get("hq"), "hq") or 0
            if hq not in (0, *HQ_LEVELS):
                raise ValueError(f"hq: {hq} is not a headquarters level (0 to 3)")
        except ValueError as exc:
            problems.append(_problem(exc, path.name, line, _item(row), tally))
            continue
        code = chosen.code((row.get("country") or "").strip())
        place = places.get(key)
        if place is None:
            places[key] = _Place(line, *key[:3], key[3], key[4], code, troops, units, hq)
            continue
        # Rows of the same place differ in the month's troop count and headquarters level.
        place.hq = max(place.hq, hq)
        if place.troops is None:
            place.troops = troops
        for unit, value in units.items():
            place.units[unit] = max(place.units.get(unit, 0), value)
    return places, problems


def _join(path: Path, kind: str, places: dict[Key, _Place], tally: ReadStats) -> Iterator[Problem]:
    """Add TTMap unit types or TCCMap contributors to the FrontMap places."""
    read = matched = 0
    for line, row in _rows(path):
        read += 1
        try:
            key = _map_key(row)
            if kind == "ttmap":
                present = [
                    unit for column, unit in TT_UNITS.items() if _count(row.get(column), column)
                ]
            else:
                _count(row.get("No.TCC"), "No.TCC")
                names = contributors_from_text(row.get("year.overview") or "")
        except ValueError as exc:
            yield _problem(exc, path.name, line, _item(row), tally)
            continue
        place = places.get(key)
        if place is None:
            continue
        matched += 1
        if kind == "ttmap":
            for unit in present:
                place.units.setdefault(unit, 1)
        else:
            place.contributors = tuple(dict.fromkeys((*place.contributors, *names)))
    tally.joined[kind] = read
    tally.joined[f"{kind}_matched"] = matched


def _beside(front: Path, kind: str) -> Path | None:
    """The TTMap or TCCMap file in the FrontMap's folder (same version suffix first)."""
    prefix = {"ttmap": "TTMap", "tccmap": "TCCMap"}[kind]
    named = front.with_name(front.name.replace("FrontMap", prefix, 1))
    if named != front and named.is_file():
        return named
    found = [
        p
        for p in sorted(front.parent.glob("*.csv"))
        if p != front and _kind(_safe_header(p)) == kind
    ]
    return found[0] if len(found) == 1 else None


def _safe_header(path: Path) -> list[str]:
    try:
        return _header(path)
    except InputError:
        return []


def read_maps(
    front: Path,
    *,
    ttmap: Path | None = None,
    tccmap: Path | None = None,
    mission: str | None = None,
    country: str | None = None,
    stats: ReadStats | None = None,
) -> Iterator[Deployment | Problem]:
    """Yearly records from a FrontMap file, with unit types and contributors joined from the
    TTMap and TCCMap files when given."""
    tally = stats if stats is not None else ReadStats()
    tally.kind = "frontmap"
    chosen = _filter(mission, country)
    places, problems = _read_front(front, chosen, tally)
    yield from problems
    if ttmap is not None:
        yield from _join(ttmap, "ttmap", places, tally)
    if tccmap is not None:
        yield from _join(tccmap, "tccmap", places, tally)
    for place in sorted(places.values(), key=lambda p: p.line):
        if place.hq:
            place.units["headquarters"] = place.hq
        tally.records += 1
        yield Deployment(
            mission=place.mission,
            location=place.location,
            year=place.year,
            month=None,
            lon=place.lon,
            lat=place.lat,
            country=place.country,
            troops=place.troops,
            units=dict(sorted(place.units.items())),
            contributors=place.contributors,
            is_hq=place.hq == 3,
            source=SOURCE,
        )
    yield from chosen.problems(front.name, "country", tally)


def map_files(folder: Path | str) -> dict[str, Path]:
    """The Geo-PKO map files in a folder, by kind (``frontmap``, ``ttmap``, ``tccmap``)."""
    found: dict[str, Path] = {}
    for path in sorted(Path(folder).glob("*.csv")):
        kind = _kind(_safe_header(path))
        if kind in ("frontmap", "ttmap", "tccmap") and kind not in found:
            found[kind] = path
    return found


def read_geopko_maps(
    folder: Path | str,
    *,
    mission: str | None = None,
    country: str | None = None,
    stats: ReadStats | None = None,
) -> Iterator[Deployment | Problem]:
    """The v2.3 map files of a folder joined into yearly records (FrontMap required)."""
    files = map_files(folder)
    if "frontmap" not in files:
        raise InputError(
            "no FrontMap file (mission, year, location, ..., ave.no.troops) in this folder",
            source=str(folder),
        )
    return read_maps(
        files["frontmap"],
        ttmap=files.get("ttmap"),
        tccmap=files.get("tccmap"),
        mission=mission,
        country=country,
        stats=stats,
    )


def read_geopko(
    source: Path | str,
    *,
    mission: str | None = None,
    country: str | None = None,
    stats: ReadStats | None = None,
) -> Iterator[Deployment | Problem]:
    """Stream the deployments of a Geo-PKO file or folder, with a ``Problem`` for every row that
    cannot be used.

    The location-month file gives monthly records; a FrontMap file gives yearly records, joined
    with the TTMap and TCCMap files beside it; a folder is read as its map files. ``mission``
    (an acronym) and ``country`` (an ISO3 code) keep only the matching rows; ``stats`` is
    filled in as the file is read.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "geopko.csv"
    >>> _ = path.write_text(
    ...     "source,mission,year,month,location,country,latitude,longitude,"
    ...     "no.troops,inf,inf.no,hq\\n"
    ...     "Map 1,MINUSCA,2019,6,Bangui,Central African Republic,4.39,18.56,4085,1,1950,3\\n"
    ...     "Map 1,MINUSCA,2019,13,Bria,Central African Republic,6.54,21.99,650,1,650,2\\n")
    >>> items = list(read_geopko(path))
    >>> first = items[0]
    >>> first.country, first.month, first.troops, first.units, first.is_hq
    ('CAF', 6, 4085, {'infantry': 1950, 'headquarters': 3}, True)
    >>> str(items[1])
    "geopko.csv, line 3, MINUSCA 2019-13 Bria, field 'month': 13 is not a month (1 to 12)"
    """
    path = Path(source)
    if path.is_dir():
        yield from read_geopko_maps(path, mission=mission, country=country, stats=stats)
        return
    kind = detect(path)
    if kind == "raw":
        yield from read_raw(path, mission=mission, country=country, stats=stats)
    elif kind == "frontmap":
        yield from read_maps(
            path,
            ttmap=_beside(path, "ttmap"),
            tccmap=_beside(path, "tccmap"),
            mission=mission,
            country=country,
            stats=stats,
        )
    else:
        raise InputError(
            f"a {'TTMap' if kind == 'ttmap' else 'TCCMap'} file only adds to the FrontMap's "
            "yearly records: import FrontMap_v.2.3.csv (this file beside it is joined), or the "
            "folder holding the three map files",
            source=path.name,
            line=1,
        )


def count_rows(source: Path | str) -> int:
    """Data rows of a CSV file, or of a folder's FrontMap (for a progress bar)."""
    path = Path(source)
    if path.is_dir():
        front = map_files(path).get("frontmap")
        if front is None:
            return 0
        path = front
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return max(lines - 1, 0)


# Writing ------------------------------------------------------------------------------------

WRITE_COLUMNS = (
    "source",
    "mission",
    "year",
    "month",
    "location",
    "country",
    "latitude",
    "longitude",
    "no.troops",
    *dict.fromkeys(c for flag, size in RAW_UNITS.values() for c in (flag, size) if c is not None),
    "hq",
    *(c for i in range(1, MAX_TCC + 1) for c in (f"nameoftcc_{i}", f"notroopspertcc_{i}")),
)


def write_geopko(records: Sequence[Deployment], target: Path | str) -> Path:
    """Write monthly records in the location-month layout (the columns PeaceOps reads).

    Yearly records (``month`` None) have no place in that layout and raise ``ValueError``;
    ``country`` is written as stored (an ISO3 code is read back unchanged).
    """
    path = Path(target)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(WRITE_COLUMNS)
        for d in records:
            if d.month is None:
                raise ValueError(f"{d.mission} {d.year} {d.location}: a yearly record")
            cells: dict[str, str] = {
                "source": d.source,
                "mission": d.mission,
                "year": str(d.year),
                "month": str(d.month),
                "location": d.location,
                "country": d.country,
                "latitude": repr(d.lat),
                "longitude": repr(d.lon),
                "no.troops": "NA" if d.troops is None else str(d.troops),
                "hq": str(d.units.get("headquarters", 0)),
            }
            for unit, (flag, size) in RAW_UNITS.items():
                value = d.units.get(unit)
                cells[flag] = "1" if value is not None else "0"
                if size is not None:
                    cells[size] = str(value) if value else ("NA" if value == 0 else "0")
            for i in range(1, MAX_TCC + 1):
                name = d.contributors[i - 1] if i <= len(d.contributors) else "NA"
                cells[f"nameoftcc_{i}"] = name
                cells[f"notroopspertcc_{i}"] = "NA"
            writer.writerow([cells.get(c, "NA") for c in WRITE_COLUMNS])
    return path


__all__ = [
    "COUNTRY_ALIASES",
    "HQ_LEVELS",
    "PERSONNEL_TYPES",
    "SOURCE",
    "ReadStats",
    "contributors_from_text",
    "coordinates",
    "count_rows",
    "country_code",
    "decimal",
    "detect",
    "map_files",
    "read_geopko",
    "read_geopko_maps",
    "read_maps",
    "read_raw",
    "write_geopko",
]
