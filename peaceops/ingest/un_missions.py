"""The UN peacekeeping missions list (UN Peace and Security Data Hub, ``DPPADPOSS-PKO``) and a
crosswalk from mission acronyms to host countries.

The list has one row per mission: ``id, mission_acronym, mission_name, lead_department,
mission_isactive, start_date, end_date, mission_location, mission_longitude,
mission_latitude, last_update``. Its coordinates use a comma as the decimal mark inside quotes
(``"15,9833"``); missions still active when the list was made have an empty ``end_date``. The
list names no countries: they come from a crosswalk workbook (``mission_acronym``, ``iso3c``;
one row per host country, so multi-country missions repeat), whose World Bank style codes are
mapped to ISO 3166 (``KSV`` to ``XKX``) and whose ``YAR`` (the Yemen Arab Republic, North
Yemen, which held the ISO code YEM) is read as Yemen.

``read_un_missions`` yields one ``MissionEntry`` per row, even when the row cannot become a
stored mission (three rows have no start date), and a ``Problem`` naming the file, the line and
the column for every cell it cannot use: a date that is not a date, a mission ending before it
starts, coordinates off the Earth, an active mission with an end date. Coordinates are read but
not checked against the country: a few rows give latitude and longitude the wrong way round
(MINUSMA, UNAVEM II, UNOSOM II), which no range check can see.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from peaceops.domain.missions import Mission, MissionOrganisation
from peaceops.errors import InputError, Problem
from peaceops.ingest.geopko import coordinates, is_missing
from peaceops.ingest.governance import country_from_code

REQUIRED = ("mission_acronym", "mission_name", "start_date", "end_date")
CROSSWALK_ALIASES = {"YAR": "YEM"}
"""Codes in the crosswalk that are neither ISO 3166 nor in the governance reader's aliases."""


@dataclass(frozen=True, slots=True)
class MissionEntry:
    """One row of the missions list, with the crosswalk's host countries."""

    line: int
    acronym: str
    name: str
    start: date | None
    end: date | None
    active: bool | None
    lead_department: str = ""
    location: str = ""
    """Where the mission's headquarters were (a city)."""
    lon: float | None = None
    lat: float | None = None
    countries: tuple[str, ...] = ()
    last_update: date | None = None

    def mission(self) -> Mission:
        """The mission to store; raises ValueError('column: why') when it cannot be one."""
        if self.start is None:
            raise ValueError("start_date: missing, and a mission cannot be stored without one")
        return Mission(
            acronym=self.acronym,
            name=self.name,
            organisation=MissionOrganisation.UN,
            start=self.start,
            end=self.end,
            countries=self.countries,
        )


def _date(text: str | None, column: str) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise ValueError(f"{column}: not a date (YYYY-MM-DD): {text.strip()!r}") from None


def _name(text: str) -> str:
    """A mission name without the stray quotes a badly escaped cell leaves."""
    return " ".join(text.strip().strip('"').split())


def read_crosswalk(source: Path | str) -> tuple[dict[str, tuple[str, ...]], list[Problem]]:
    """Host countries by mission acronym from the crosswalk workbook (first sheet).

    Rows without a code (the list's combined entries such as "UNOSOM (I & II)") give no
    country; a code that is not three letters is a ``Problem`` naming the row.
    """
    from openpyxl import load_workbook

    path = Path(source)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InputError(f"not a readable xlsx workbook: {exc}", source=path.name) from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(c or "").strip() for c in next(rows, ())]
        if "mission_acronym" not in header or "iso3c" not in header:
            raise InputError(
                "not a mission crosswalk: columns mission_acronym and iso3c are needed",
                source=path.name,
                line=1,
            )
        acronym_at, code_at = header.index("mission_acronym"), header.index("iso3c")
        found: dict[str, list[str]] = {}
        problems: list[Problem] = []
        for number, row in enumerate(rows, start=2):
            cells = list(row)
            acronym = str(cells[acronym_at] or "").strip() if acronym_at < len(cells) else ""
            raw = cells[code_at] if code_at < len(cells) else None
            if not acronym:
                continue
            codes = found.setdefault(acronym, [])
            if raw is None or is_missing(str(raw)):
                continue
            text = str(raw).strip().upper()
            code = CROSSWALK_ALIASES.get(text) or country_from_code(text)
            if code is None:
                problems.append(
                    Problem(
                        f"not a three-letter country code: {raw!r}",
                        source=path.name,
                        line=number,
                        field="iso3c",
                        item=acronym,
                    )
                )
            elif code not in codes:
                codes.append(code)
    finally:
        book.close()
    return {k: tuple(v) for k, v in found.items()}, problems


def read_un_missions(
    source: Path | str,
    *,
    crosswalk: Path | str | Mapping[str, tuple[str, ...]] | None = None,
) -> Iterator[MissionEntry | Problem]:
    """Stream the missions of a ``DPPADPOSS-PKO`` list, with a ``Problem`` for every cell that
    cannot be used (the entry still comes through, without that value).

    ``crosswalk`` is the workbook mapping acronyms to host countries (or the mapping
    ``read_crosswalk`` returns); without it the missions have no countries.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "DPPADPOSS-PKO.csv"
    >>> _ = path.write_text(
    ...     "id,mission_acronym,mission_name,lead_department,mission_isactive,start_date,"
    ...     "end_date,mission_location,mission_longitude,mission_latitude,last_update\\n"
    ...     '70,MINUSCA,UN Mission in CAR,DPO,Yes,2014-04-10,,Bangui,"18,5833","4,3667",'
    ...     "2024-02-19\\n"
    ...     '21,UNOHCI,UN Office in Iraq,DPO,No,,,Baghdad,"44,4333","33,3333",2024-02-19\\n')
    >>> items = list(read_un_missions(path, crosswalk={"MINUSCA": ("CAF",)}))
    >>> minusca = items[0]
    >>> minusca.lon, minusca.lat, minusca.end, minusca.countries
    (18.5833, 4.3667, None, ('CAF',))
    >>> problem = items[1]
    >>> problem.line, problem.item, problem.field, problem.message[:7]
    (3, 'UNOHCI', 'start_date', 'missing')
    """
    path = Path(source)
    name = path.name
    problems: list[Problem] = []
    countries: Mapping[str, tuple[str, ...]] = {}
    if isinstance(crosswalk, Mapping):
        countries = crosswalk
    elif crosswalk is not None:
        countries, problems = read_crosswalk(crosswalk)
    yield from problems
    seen: dict[str, int] = {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            absent = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if absent:
                raise InputError(
                    f"not a UN missions list: columns {', '.join(absent)} missing",
                    source=name,
                    line=1,
                )
            for row in reader:
                line = reader.line_num
                acronym = " ".join((row.get("mission_acronym") or "").split())
                if not acronym:
                    if any((v or "").strip() for v in row.values() if isinstance(v, str)):
                        yield Problem(
                            "no mission acronym", source=name, line=line, field="mission_acronym"
                        )
                    continue

                def problem(text: str, *, line: int = line, item: str = acronym) -> Problem:
                    column, _, message = text.partition(": ")
                    return Problem(message, source=name, line=line, field=column, item=item)

                if acronym in seen:
                    yield problem(
                        f"mission_acronym: appears again (first at line {seen[acronym]}); "
                        "the first is kept"
                    )
                    continue
                seen[acronym] = line
                values: dict[str, date | None] = {}
                for column in ("start_date", "end_date", "last_update"):
                    try:
                        values[column] = _date(row.get(column), column)
                    except ValueError as exc:
                        values[column] = None
                        yield problem(str(exc))
                start, end = values["start_date"], values["end_date"]
                if start is None and not (row.get("start_date") or "").strip():
                    yield problem("start_date: missing, and a mission cannot be stored without one")
                if start is not None and end is not None and end < start:
                    yield problem(f"end_date: {end} is before the start, {start}")
                    end = None
                flag = (row.get("mission_isactive") or "").strip().lower()
                active = {"yes": True, "no": False}.get(flag)
                if active and end is not None:
                    yield problem(
                        f"end_date: the mission is marked active but ends on {end}; the end "
                        "date is kept"
                    )
                lon = lat = None
                lon_text = row.get("mission_longitude") or ""
                lat_text = row.get("mission_latitude") or ""
                if not (is_missing(lon_text) and is_missing(lat_text)):
                    try:
                        lon, lat = coordinates(lon_text, lat_text)
                    except ValueError as exc:
                        text = str(exc).replace("latitude:", "mission_latitude:", 1)
                        yield problem(text.replace("longitude:", "mission_longitude:", 1))
                hosts = countries.get(acronym, ())
                if crosswalk is not None and acronym not in countries:
                    yield problem("mission_acronym: not in the crosswalk; no host country")
                yield MissionEntry(
                    line=line,
                    acronym=acronym,
                    name=_name(row.get("mission_name") or "") or acronym,
                    start=start,
                    end=end,
                    active=active,
                    lead_department=(row.get("lead_department") or "").strip(),
                    location=" ".join((row.get("mission_location") or "").split()),
                    lon=lon,
                    lat=lat,
                    countries=hosts,
                    last_update=values["last_update"],
                )
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", source=name) from exc
    except csv.Error as exc:
        raise InputError(f"not a readable CSV file: {exc}", source=name) from exc


__all__ = ["MissionEntry", "read_crosswalk", "read_un_missions"]
