"""Incident logs: a CSV file with one row per incident report, and its template.

A joint operations centre, a field office or a partner keeps its incident log in a
spreadsheet; saved as CSV (UTF-8), it imports into PeaceOps. Row 1 is the header; column order
is free, names are case-insensitive (spaces count as underscores) and unknown columns are
ignored. Every row carries the log's own reference, so importing the same log twice, or a log
that grew, adds only the new reports.

Every row is checked: required values, dates (none in the future), types, coordinates on
Earth, fatalities ordered as low <= best <= high. A row with a problem is reported (file, row,
column) and left out; the other rows import. Places (P-code or area name) and the institution
sites attacked stay as written here: the platform resolves them against the database.

Lists inside a cell: actors and attachments are separated by ``;``; sources by line breaks
or ``;``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from peaceops.domain.incidents import (
    Attachment,
    DatePrecision,
    Incident,
    IncidentType,
    PlacePrecision,
)
from peaceops.errors import InputError, Problem
from peaceops.ingest.cells import csv_records, guard, unguard, write_csv_template
from peaceops.ingest.complaints import strip_controls
from peaceops.ingest.hxl import parse_date

COLUMNS: tuple[str, ...] = (
    "reference",
    "date",
    "date_precision",
    "type",
    "lon",
    "lat",
    "place",
    "place_precision",
    "place_name",
    "site",
    "actors",
    "fatalities_best",
    "fatalities_low",
    "fatalities_high",
    "injured",
    "sources",
    "narrative",
    "attachments",
)
REQUIRED: tuple[str, ...] = ("reference", "date", "type")
HELP: dict[str, str] = {
    "reference": "The log's own number for the report, unique in the log (required)",
    "date": "Day it happened, YYYY-MM-DD (required; the first day when only the week, "
    "month or year is known)",
    "date_precision": "How exactly the date is known: "
    + ", ".join(p.value for p in DatePrecision)
    + " (default day)",
    "type": "What happened: " + ", ".join(t.value for t in IncidentType) + " (required)",
    "lon": "Longitude in decimal degrees, e.g. -23.91 (WGS 84)",
    "lat": "Latitude in decimal degrees, e.g. -21.07 (give a point, or a place)",
    "place": "P-code or name of the district or region, when there is no point",
    "place_precision": "How exactly the place is known: "
    + ", ".join(p.value for p in PlacePrecision)
    + " (default exact with a point, else the level of the place)",
    "place_name": "Village, road or landmark, as the report names it",
    "site": "Police station, court or prison attacked, by its name in PeaceOps",
    "actors": "Armed groups, forces or people involved, separated by ;",
    "fatalities_best": "Best estimate of the people killed (default 0)",
    "fatalities_low": "Lowest credible number killed (default: the best estimate)",
    "fatalities_high": "Highest credible number killed (default: the best estimate)",
    "injured": "People injured (default 0)",
    "sources": "Where the report comes from, one per line or separated by ;",
    "narrative": "What happened",
    "attachments": "Names of photos or documents kept elsewhere, separated by ;",
}
TEMPLATE_NOTE = "# " + HELP["reference"]
"""First cell of the template's explanation row, which the reader skips."""
TYPE_ALIASES: dict[str, IncidentType] = {
    "clash": IncidentType.STATE_BASED,
    "armed_clash": IncidentType.STATE_BASED,
    "state-based": IncidentType.STATE_BASED,
    "non-state": IncidentType.NON_STATE,
    "one-sided": IncidentType.ONE_SIDED,
    "attack_on_civilians": IncidentType.ONE_SIDED,
    "police": IncidentType.ATTACK_ON_POLICE,
    "attack_on_police_post": IncidentType.ATTACK_ON_POLICE,
    "attack_on_police_station": IncidentType.ATTACK_ON_POLICE,
    "court": IncidentType.ATTACK_ON_COURT,
    "prison": IncidentType.ATTACK_ON_PRISON,
    "prison_break": IncidentType.ATTACK_ON_PRISON,
    "jailbreak": IncidentType.ATTACK_ON_PRISON,
    "demonstration": IncidentType.PROTEST,
    "riot": IncidentType.PROTEST,
    "idp": IncidentType.DISPLACEMENT,
    "displacement_of_civilians": IncidentType.DISPLACEMENT,
    "ied": IncidentType.EXPLOSIVE_HAZARD,
    "mine": IncidentType.EXPLOSIVE_HAZARD,
    "uxo": IncidentType.EXPLOSIVE_HAZARD,
    "explosive": IncidentType.EXPLOSIVE_HAZARD,
}
MAX_CELL = 300
MAX_REFERENCE = 120
MAX_NARRATIVE = 20_000


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One row of an incident log.

    ``incident`` has the log's reference, the status ``reported`` and no database ids;
    ``place`` and ``site`` are as written. ``place_precision`` is None when the row leaves it
    to the platform (exact with a point, else the level of the place).
    """

    incident: Incident
    place: str = ""
    site: str = ""
    place_precision: PlacePrecision | None = None
    line: int | None = field(default=None, compare=False)

    @property
    def reference(self) -> str:
        return self.incident.reference or ""


@dataclass(frozen=True, slots=True)
class LogReport:
    """What ``read_log`` found: the good entries and one problem per bad value."""

    entries: list[LogEntry]
    problems: list[Problem]


# Writing ---------------------------------------------------------------------------------------


def write_log_template(path: Path) -> Path:
    """Write an empty incident log: the header row, then one row explaining each column.

    The explanation row (its first cell is ``TEMPLATE_NOTE``) is skipped on import, so the
    template can be filled in as it is.

    Examples
    --------
    >>> import tempfile
    >>> path = write_log_template(Path(tempfile.mkdtemp()) / "log.csv")
    >>> read_log(path).entries
    []
    """
    return write_csv_template(path, COLUMNS, HELP, TEMPLATE_NOTE)


def _number(value: float | None) -> str:
    return "" if value is None else repr(value)


def write_log(path: Path, entries: Iterable[LogEntry]) -> Path:
    """Write log entries in the layout ``read_log`` reads (what one reads, the other writes).

    Examples
    --------
    >>> import tempfile
    >>> entry = LogEntry(Incident(IncidentType.PROTEST, date(2025, 3, 1), "", lon=-24.0,
    ...     lat=-21.0, reference="JOC-1"))
    >>> path = write_log(Path(tempfile.mkdtemp()) / "log.csv", [entry])
    >>> read_log(path).entries == [entry]
    True
    """
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for e in entries:
            i = e.incident
            values: dict[str, str] = {
                "reference": e.reference,
                "date": i.date.isoformat(),
                "date_precision": i.date_precision.value,
                "type": i.type.value,
                "lon": _number(i.lon),
                "lat": _number(i.lat),
                "place": e.place,
                "place_precision": e.place_precision.value if e.place_precision else "",
                "place_name": i.place_name,
                "site": e.site,
                "actors": "; ".join(i.actors),
                "fatalities_best": str(i.fatalities_best),
                "fatalities_low": str(i.fatalities_low),
                "fatalities_high": str(i.fatalities_high),
                "injured": str(i.injured),
                "sources": "\n".join(i.sources),
                "narrative": i.narrative,
                "attachments": "; ".join(a.name for a in i.attachments),
            }
            writer.writerow([guard(values[k]) for k in COLUMNS])
    return path


# Reading ---------------------------------------------------------------------------------------


def _column_key(cell: str) -> str:
    return "_".join(cell.strip().lower().split())


def _key(value: str) -> str:
    return "_".join(value.strip().lower().split())


class _Row:
    """One log row being read, collecting its problems."""

    def __init__(self, source: str, header: dict[str, int], line: int, cells: list[str]) -> None:
        self.source, self.header, self.line, self.cells = source, header, line, cells
        self.problems: list[Problem] = []

    def bad(self, column: str, message: str) -> None:
        self.problems.append(Problem(message, source=self.source, line=self.line, field=column))

    def raw(self, column: str) -> str:
        i = self.header.get(column)
        return unguard(self.cells[i]) if i is not None and i < len(self.cells) else ""

    def text(self, column: str, *, required: bool = False, limit: int = MAX_CELL) -> str:
        out = strip_controls(self.raw(column))
        if required and not out:
            self.bad(column, "required value is missing")
        if len(out) > limit:
            self.bad(column, f"longer than {limit} characters")
        return out

    def items(self, column: str, separators: str) -> tuple[str, ...]:
        raw = self.raw(column)
        for sep in separators[1:]:
            raw = raw.replace(sep, separators[0])
        out = tuple(t for t in (strip_controls(p) for p in raw.split(separators[0])) if t)
        for item in out:
            if len(item) > MAX_CELL:
                self.bad(column, f"an item is longer than {MAX_CELL} characters")
                break
        return out

    def day(self, column: str, *, today: date) -> date | None:
        value = self.text(column)
        if not value:
            self.bad(column, "required date is missing")
            return None
        try:
            found = parse_date(value)
        except ValueError:
            self.bad(column, f"'{value}' is not a date; write YYYY-MM-DD")
            return None
        if found > today:
            self.bad(column, f"{found.isoformat()} is in the future")
        return found

    def choice(self, column: str, allowed: list[str], aliases: dict[str, Any]) -> Any:
        value = self.text(column)
        key = _key(value)
        if not key:
            return None
        if key in allowed:
            return key
        if key in aliases:
            return aliases[key]
        if key.replace("-", "_") in allowed:
            return key.replace("-", "_")
        self.bad(column, f"'{value}' is not allowed; use one of {', '.join(allowed)}")
        return None

    def count(self, column: str) -> int | None:
        value = self.text(column).replace(" ", "")
        if not value:
            return None
        try:
            number = int(value)
        except ValueError:
            self.bad(column, f"'{value}' is not a whole number")
            return None
        if number < 0:
            self.bad(column, f"{number} is negative; write 0 or more")
            return None
        return number

    def degrees(self, column: str, bound: float) -> float | None:
        value = self.text(column)
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            self.bad(column, f"'{value}' is not a number of decimal degrees")
            return None
        if not -bound <= number <= bound:
            self.bad(
                column,
                f"{number} is outside -{bound:g} to {bound:g}; check the coordinates "
                "(decimal degrees, longitude and latitude in their own columns)",
            )
            return None
        return number


def _fatalities(row: _Row) -> tuple[int, int, int]:
    best = row.count("fatalities_best")
    low = row.count("fatalities_low")
    high = row.count("fatalities_high")
    if best is None:
        if low is not None or high is not None:
            row.bad("fatalities_best", "give the best estimate along with the low and high ones")
        return 0, 0, 0
    low = best if low is None else low
    high = best if high is None else high
    if low > best:
        row.bad("fatalities_low", f"the low estimate {low} is above the best estimate {best}")
    if high < best:
        row.bad("fatalities_high", f"the high estimate {high} is below the best estimate {best}")
    return best, low, high


def _entry(row: _Row, *, country: str, today: date) -> LogEntry | None:
    reference = row.text("reference", required=True, limit=MAX_REFERENCE)
    day = row.day("date", today=today)
    date_precision = row.choice(
        "date_precision", [p.value for p in DatePrecision], {"exact": DatePrecision.DAY}
    )
    kind = row.choice("type", [t.value for t in IncidentType], TYPE_ALIASES)
    if kind is None and not any(p.field == "type" for p in row.problems):
        row.bad("type", f"required value is missing; use one of {', '.join(IncidentType)}")
    lon = row.degrees("lon", 180)
    lat = row.degrees("lat", 90)
    lon_given, lat_given = bool(row.text("lon")), bool(row.text("lat"))
    if lon_given != lat_given:
        row.bad("lat" if lon_given else "lon", "give both longitude and latitude, or neither")
    place = row.text("place")
    if not (lon_given or lat_given) and not place:
        row.bad("place", "give a point (lon and lat) or a place (P-code or area name)")
    precision = row.choice("place_precision", [p.value for p in PlacePrecision], {})
    has_point = lon is not None and lat is not None
    if precision in (PlacePrecision.EXACT, PlacePrecision.NEAR) and not (lon_given or lat_given):
        row.bad("place_precision", f"'{precision}' needs a point: give lon and lat")
    best, low, high = _fatalities(row)
    injured = row.count("injured") or 0
    narrative = strip_controls(row.raw("narrative"), multiline=True)
    if len(narrative) > MAX_NARRATIVE:
        row.bad("narrative", f"longer than {MAX_NARRATIVE} characters")
    incident = Incident(
        type=IncidentType(kind) if kind else IncidentType.OTHER,
        date=day or date.min,
        country_iso3=country,
        date_precision=DatePrecision(date_precision) if date_precision else DatePrecision.DAY,
        lon=lon if has_point else None,
        lat=lat if has_point else None,
        place_precision=PlacePrecision(precision)
        if precision
        else (PlacePrecision.EXACT if has_point else PlacePrecision.DISTRICT),
        place_name=row.text("place_name"),
        actors=row.items("actors", ";"),
        fatalities_best=best,
        fatalities_low=low,
        fatalities_high=high,
        injured=injured,
        sources=row.items("sources", "\n;"),
        narrative=narrative,
        attachments=tuple(Attachment(name=n) for n in row.items("attachments", ";")),
        reference=reference,
    )
    if row.problems or day is None or kind is None:
        return None
    return LogEntry(
        incident=incident,
        place=place,
        site=row.text("site"),
        place_precision=PlacePrecision(precision) if precision else None,
        line=row.line,
    )


def read_log(path: Path, *, country: str = "", today: date | None = None) -> LogReport:
    """The entries of an incident log, checked.

    Parameters
    ----------
    path
        A CSV file (UTF-8, comma separated) whose first row names the columns
        (``write_log_template`` writes one). Empty rows and the template's explanation row
        are skipped.
    country
        ISO3 code given to every incident (the log names no country).
    today
        Dates after this day are refused (default: today).

    Returns
    -------
    LogReport
        The good rows as ``LogEntry`` records and one problem per bad value, naming the file,
        the row (``line``: as a spreadsheet numbers rows, the header being row 1) and the
        column. A reference seen twice keeps its first row.

    Raises
    ------
    InputError
        When the file cannot be read or a required column is missing.
    """
    today = today or date.today()
    records = csv_records(path, kind="log")
    if not records:
        raise InputError("the file is empty; write the header row first", source=path.name)
    header: dict[str, int] = {}
    for i, cell in enumerate(records[0][1]):
        key = _column_key(cell)
        if key and key not in header:
            header[key] = i
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"the header lacks the column(s) {', '.join(missing)}; the columns are "
            f"{', '.join(COLUMNS)} (write_log_template writes them)",
            source=path.name,
            line=1,
        )
    entries: list[LogEntry] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for line, cells in records[1:]:
        if not any(c.strip() for c in cells) or (cells and cells[0].strip() == TEMPLATE_NOTE):
            continue
        row = _Row(path.name, header, line, cells)
        entry = _entry(row, country=country, today=today)
        if entry is not None and entry.reference in seen:
            row.bad(
                "reference",
                f"reference '{entry.reference}' is already on line {seen[entry.reference]}; "
                "the first row is kept",
            )
            entry = None
        problems.extend(row.problems)
        if entry is not None:
            seen[entry.reference] = line
            entries.append(entry)
    return LogReport(entries, problems)


def with_country(entry: LogEntry, country: str) -> LogEntry:
    """The entry with its incident placed in ``country``."""
    return replace(entry, incident=replace(entry.incident, country_iso3=country))


__all__ = [
    "COLUMNS",
    "LogEntry",
    "LogReport",
    "read_log",
    "with_country",
    "write_log",
    "write_log_template",
]
