"""The "IATI 3W" JSON of the iati3w explorer (markbrough/iati3w-data) and its lookup tables.

Each record is a simplified IATI activity: identifier, reporting organisation, title,
description, organisations by role (``funding``, ``programming``, ``implementing``) as stubs of
``org_lookup.csv`` or, when the explorer did not recognise them, as raw names; sectors (DAC group
names and humanitarian clusters), places (``admin1``/``admin2`` stubs of ``location_lookup.csv``,
``unclassified`` names, ISO2 ``countries``), dates and an ``active`` flag.

How records become activities:

* Organisations resolve by stub, else by a case-insensitive match of the raw name with a lookup
  name, short name or synonym (when exactly one organisation has it). Resolved participants take
  the lookup's name, its IATI identifier as ``ref`` and its organisation type code. Names left
  unresolved are kept as given and counted in one problem. ``Iati3wReport.name_variants`` maps
  each resolved name to its short name, synonyms and the raw names seen in the file (synonyms
  longer than 120 characters are descriptions pasted into the synonym field and are left out).
* ``admin1`` places become ``ActivityLocation(name, admin_level=1, admin_code=pcode)``.
  ``admin2`` places become level-2 locations *without* a code: the lookup gives districts their
  region's P-code (``SO16`` for Bossaso), which would resolve to the wrong area. Unclassified
  names that the lookup places in a region become named places (``admin_level=None``) with the
  region's P-code; other unclassified names (countries, offices) are counted, not imported.
* Sectors become ``SectorShare(code="dac:<stub>" or "humanitarian:<stub>", vocabulary="99",
  name=...)``; capabilities are inferred from their names (``peaceops.ingest.hxl``).
* Dates are planned dates (the source does not say); ``1900-01-01`` is a placeholder and
  becomes None. ``active`` gives status implementation; an inactive activity whose end lies
  before the collection date (the ``YYYY-MM-DD`` in the file name) is closed, else unknown.
* Problems are reported by file, line of the record and identifier; a record with a bad field
  keeps its other fields, a record without identifier is skipped.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from peaceops.domain.coordination import (
    Activity,
    ActivityLocation,
    ActivityStatus,
    OrgRole,
    Participant,
    SectorShare,
)
from peaceops.errors import InputError, Problem
from peaceops.ingest.guards import MAX_JSON_DEPTH, check_depth
from peaceops.ingest.hxl import capabilities_for, country_iso3

PLACEHOLDER_DATE = "1900-01-01"
LOOKUPS = {
    "org_lookup.csv": ("stub", "name", "shortname", "iati_id", "organisation_type_code"),
    "location_lookup.csv": ("level", "stub", "name", "admin1", "pcode"),
    "sector_lookup.csv": ("vocabulary", "stub", "name"),
}
ROLES = {
    "funding": OrgRole.FUNDING,
    "programming": OrgRole.ACCOUNTABLE,
    "implementing": OrgRole.IMPLEMENTING,
}
NO_CLUSTER = "no-corresponding-humanitarian-cluster"
MAX_VARIANT = 120


@dataclass(frozen=True, slots=True)
class Iati3wReport:
    """What ``read_iati3w`` found."""

    activities: list[Activity]
    problems: list[Problem]
    name_variants: dict[str, set[str]]
    """Each resolved organisation name and its short name, synonyms and raw names in the file."""
    records: int = 0


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _sector_key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


def _read_lookup(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in LOOKUPS[path.name] if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(
                    f"lookup table lacks column(s) {', '.join(missing)}", source=path.name, line=1
                )
            return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    except OSError as exc:
        raise InputError(f"cannot read the lookup table: {exc}", source=path.name) from None
    except UnicodeDecodeError:
        raise InputError("the lookup table is not UTF-8 text", source=path.name) from None


@dataclass(slots=True)
class _Lookups:
    orgs: dict[str, dict[str, str]] = field(default_factory=dict)
    org_names: dict[str, set[str]] = field(default_factory=dict)
    places: dict[str, dict[str, str]] = field(default_factory=dict)
    place_names: dict[str, set[str]] = field(default_factory=dict)
    sectors: dict[tuple[str, str], str] = field(default_factory=dict)
    """(vocabulary, normalised name) -> stub."""
    found: bool = False

    @classmethod
    def load(cls, folder: Path | None, *, required: bool) -> _Lookups:
        out = cls()
        if folder is None:
            return out
        missing = [n for n in LOOKUPS if not (folder / n).exists()]
        if missing and required:
            raise InputError(
                f"lookup table(s) {', '.join(missing)} not found in {folder}", field="lookups"
            )
        if missing:
            return out
        out.found = True
        for row in _read_lookup(folder / "org_lookup.csv"):
            out.orgs[row["stub"]] = row
            for name in (row["name"], row["shortname"], *row.get("synonyms", "").split("|")):
                if name.strip():
                    out.org_names.setdefault(_key(name), set()).add(row["stub"])
        for row in _read_lookup(folder / "location_lookup.csv"):
            out.places[row["stub"]] = row
            for name in (row["name"], *row.get("synonyms", "").split("|")):
                if name.strip():
                    out.place_names.setdefault(_key(name), set()).add(row["stub"])
        for row in _read_lookup(folder / "sector_lookup.csv"):
            out.sectors[(row["vocabulary"], _sector_key(row["name"]))] = row["stub"]
        return out

    def org(self, ref: str) -> dict[str, str] | None:
        if ref in self.orgs:
            return self.orgs[ref]
        stubs = self.org_names.get(_key(ref), set())
        return self.orgs[next(iter(stubs))] if len(stubs) == 1 else None

    def place(self, ref: str) -> dict[str, str] | None:
        if ref in self.places:
            return self.places[ref]
        stubs = self.place_names.get(_key(ref), set())
        return self.places[next(iter(stubs))] if len(stubs) == 1 else None


def _records(text: str, label: str) -> Iterator[tuple[int, Any]]:
    """(line, record) of a top-level JSON list, decoded one record at a time."""
    decoder = json.JSONDecoder()
    ws = re.compile(r"\s*")

    def skip(i: int) -> int:
        m = ws.match(text, i)
        return m.end() if m else i

    i = skip(0)
    if not text[i : i + 1] == "[":
        raise InputError("not an iati3w file: the JSON is not a list of activities", source=label)
    i, pos, line = skip(i + 1), 0, 1
    while i < len(text) and text[i] != "]":
        line += text.count("\n", pos, i)
        pos = i
        try:
            record, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg}", source=label, line=exc.lineno) from None
        except RecursionError:
            raise InputError(
                f"the JSON nests deeper than {MAX_JSON_DEPTH} levels", source=label, line=line
            ) from None
        except ValueError as exc:  # an integer of more than 4,300 digits
            raise InputError(f"not valid JSON: {exc}", source=label, line=line) from None
        yield line, check_depth(record, name=label, line=line)
        i = skip(end)
        if text[i : i + 1] == ",":
            i = skip(i + 1)
        elif text[i : i + 1] != "]":
            line += text.count("\n", pos, i)
            raise InputError("not valid JSON: ',' or ']' expected", source=label, line=line)


class _Mapper:
    def __init__(self, lookups: _Lookups, label: str, collected: date | None) -> None:
        self.lookups = lookups
        self.label = label
        self.collected = collected
        self.problems: list[Problem] = []
        self.variants: dict[str, set[str]] = {}
        self.unresolved_orgs: Counter[str] = Counter()
        self.unplaced: Counter[str] = Counter()
        self.bad_countries: Counter[str] = Counter()
        self.placeholders = 0
        self.districts = 0

    def warn(self, line: int, identifier: str, message: str, name: str) -> None:
        self.problems.append(
            Problem(message, source=self.label, line=line, field=name, item=identifier)
        )

    def group(self, value: Any, line: int, identifier: str, name: str) -> dict[str, Any]:
        """An object of the record (``orgs``, ``dates``, ``locations``, ``sectors``); another
        JSON type is reported and read as empty."""
        if value in (None, "", [], {}):
            return {}
        if not isinstance(value, dict):
            self.warn(line, identifier, "not a JSON object; left out", name)
            return {}
        return value

    def names(self, value: Any, line: int, identifier: str, name: str) -> list[str]:
        """A list of names (stubs, codes); other JSON types are reported and left out."""
        if value in (None, "", []):
            return []
        items = value if isinstance(value, list) else [value]
        kept = [
            str(v) for v in items if isinstance(v, str | int | float) and not isinstance(v, bool)
        ]
        if len(kept) != len(items) or not isinstance(value, list):
            self.warn(line, identifier, "not a list of names; what is not a name is left out", name)
        return kept

    def participant(self, ref: str, role: OrgRole) -> Participant:
        row = self.lookups.org(ref)
        if row is None:
            self.unresolved_orgs[ref] += 1
            return Participant(role, ref)
        name = row["name"] or ref
        variants = self.variants.setdefault(name, set())
        for v in (row["shortname"], *row.get("synonyms", "").split("|")):
            if v.strip() and len(v) <= MAX_VARIANT:
                variants.add(v.strip())
        if ref != row["stub"]:
            variants.add(ref)
        variants.discard(name)
        return Participant(
            role, name, row["iati_id"] or None, row["organisation_type_code"] or None
        )

    def day(self, raw: Any, line: int, identifier: str, name: str) -> date | None:
        if raw in (None, ""):
            return None
        if raw == PLACEHOLDER_DATE:
            self.placeholders += 1
            return None
        try:
            return date.fromisoformat(str(raw))
        except ValueError:
            self.warn(line, identifier, f"'{raw}' is not a date (YYYY-MM-DD)", name)
            return None

    def locations(
        self, places: dict[str, Any], line: int, identifier: str
    ) -> list[ActivityLocation]:
        out: list[ActivityLocation] = []
        for level in (1, 2):
            key = f"admin{level}"
            for ref in self.names(places.get(key), line, identifier, f"locations.{key}"):
                row = self.lookups.place(ref)
                if row is None:
                    self.unplaced[f"admin{level} '{ref}'"] += 1
                    out.append(ActivityLocation(ref, country_iso3="SOM", admin_level=level))
                    continue
                code = (row["pcode"] or None) if level == 1 else None
                if level == 2:
                    self.districts += 1
                out.append(
                    ActivityLocation(
                        row["name"], country_iso3="SOM", admin_level=level, admin_code=code
                    )
                )
        unclassified = places.get("unclassified")
        for ref in self.names(unclassified, line, identifier, "locations.unclassified"):
            row = self.lookups.place(ref)
            region = self.lookups.places.get(row["admin1"]) if row and row["admin1"] else None
            if row is None or region is None or country_iso3(row["name"]) is not None:
                self.unplaced[f"unclassified '{ref}'"] += 1
                continue
            out.append(
                ActivityLocation(
                    row["name"], country_iso3="SOM", admin_code=region["pcode"] or None
                )
            )
        return list(dict.fromkeys(out))

    def sectors(self, groups: dict[str, Any], line: int, identifier: str) -> list[SectorShare]:
        out: list[SectorShare] = []
        for vocabulary in ("dac", "humanitarian"):
            found = groups.get(vocabulary)
            for name in self.names(found, line, identifier, f"sectors.{vocabulary}"):
                stub = self.lookups.sectors.get((vocabulary, _sector_key(name)))
                if stub == NO_CLUSTER:
                    continue
                code = f"{vocabulary}:{stub or _sector_key(name)}"
                out.append(SectorShare(code, "99", None, name))
        return list(dict.fromkeys(out))

    def activity(self, line: int, rec: Any) -> Activity | None:
        identifier = str(rec.get("identifier") or "").strip() if isinstance(rec, dict) else ""
        if not identifier:
            self.warn(line, "(no identifier)", "record without identifier skipped", "identifier")
            return None
        title = " ".join(str(rec.get("title") or "").split())
        if not title:
            self.warn(line, identifier, "no title: the identifier stands in", "title")
        act = Activity(identifier, {"en": title or identifier}, source="iati3w", line=line)
        description = str(rec.get("description") or "").strip()
        if description:
            act.description["en"] = description
        if rec.get("reported_by"):
            act.reporting_org = self.participant(str(rec["reported_by"]), OrgRole.EXTENDING)
        orgs = self.group(rec.get("orgs"), line, identifier, "orgs")
        for key, role in ROLES.items():
            for ref in self.names(orgs.get(key), line, identifier, f"orgs.{key}"):
                p = self.participant(ref, role)
                if p not in act.participants:
                    act.participants.append(p)
        dates = self.group(rec.get("dates"), line, identifier, "dates")
        act.planned_start = self.day(dates.get("start"), line, identifier, "dates.start")
        act.planned_end = self.day(dates.get("end"), line, identifier, "dates.end")
        if act.planned_start and act.planned_end and act.planned_end < act.planned_start:
            self.warn(line, identifier, "end before start: end date dropped", "dates.end")
            act.planned_end = None
        if rec.get("active"):
            act.status = ActivityStatus.IMPLEMENTATION
        elif act.planned_end and self.collected and act.planned_end < self.collected:
            act.status = ActivityStatus.CLOSED
        places = self.group(rec.get("locations"), line, identifier, "locations")
        for code in self.names(places.get("countries"), line, identifier, "locations.countries"):
            iso3 = country_iso3(code)
            if iso3 is None:
                self.bad_countries[code] += 1
            elif iso3 not in {c for c, _ in act.countries}:
                act.countries.append((iso3, None))
        act.locations = self.locations(places, line, identifier)
        sectors = self.group(rec.get("sectors"), line, identifier, "sectors")
        act.sectors = self.sectors(sectors, line, identifier)
        act.capabilities = capabilities_for(act.sectors)
        return act

    def summary(self) -> list[Problem]:
        out = []
        if self.placeholders:
            out.append(
                f"{self.placeholders} date(s) 1900-01-01 are placeholders and were left empty"
            )
        if self.unresolved_orgs:
            top = ", ".join(f"'{n}'" for n, _ in self.unresolved_orgs.most_common(3))
            out.append(
                f"{len(self.unresolved_orgs)} organisation name(s) not in org_lookup.csv were "
                f"kept as given ({sum(self.unresolved_orgs.values())} mentions; most: {top})"
            )
        if self.districts:
            out.append(
                f"{self.districts} district (admin2) place(s) imported without P-code: the "
                "lookup gives districts their region's P-code"
            )
        if self.unplaced:
            out.append(
                f"{sum(self.unplaced.values())} place mention(s) not imported as locations "
                f"({len(self.unplaced)} names: countries, offices or places without region)"
            )
        for code, n in sorted(self.bad_countries.items()):
            out.append(f"country code '{code}' unknown to ISO 3166 ({n} record(s)); left out")
        return [Problem(m, source=self.label) for m in out]


def read_iati3w(path: Path, *, lookups: Path | None = None) -> Iati3wReport:
    """Activities of an iati3w ``iati-data.json``, organisations and places resolved.

    Parameters
    ----------
    path
        The JSON file: a list of activity records.
    lookups
        The folder holding ``org_lookup.csv``, ``location_lookup.csv`` and
        ``sector_lookup.csv``. By default the JSON file's folder, if it holds them; without
        lookups, stubs stay as names and admin places get no P-code.

    Returns
    -------
    Iati3wReport
        Activities in file order, problems (file, line of the record, identifier, field; one
        summary problem each for placeholder dates, unresolved organisations and places not
        imported) and the name variants of each resolved organisation.

    Raises
    ------
    InputError
        When the file is not a JSON list, or a lookup table named by ``lookups`` is missing or
        lacks a column.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "iati-data_2021-10-22.json").write_text(
    ...     '[{"identifier": "XM-1", "title": "Police training", "reported_by": "undp",'
    ...     ' "orgs": {"implementing": ["undp"]}, "dates": {"start": "1900-01-01"},'
    ...     ' "locations": {"countries": ["SO"]}, "active": true}]'
    ... )
    >>> report = read_iati3w(folder / "iati-data_2021-10-22.json")
    >>> act = report.activities[0]
    >>> act.countries, act.planned_start, act.status.name
    ([('SOM', None)], None, 'IMPLEMENTATION')
    >>> [p.message for p in report.problems if "1900" in p.message]
    ['1 date(s) 1900-01-01 are placeholders and were left empty']
    """
    label = path.name
    folder = lookups if lookups is not None else path.parent
    tables = _Lookups.load(folder, required=lookups is not None)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc}", source=label) from None
    except UnicodeDecodeError:
        raise InputError("the file is not UTF-8 text", source=label) from None
    stamp = re.search(r"(\d{4}-\d{2}-\d{2})", path.stem)
    try:
        collected = date.fromisoformat(stamp[1]) if stamp else None
    except ValueError:
        collected = None
    mapper = _Mapper(tables, label, collected)
    activities: list[Activity] = []
    seen: set[str] = set()
    records = 0
    for line, rec in _records(text, label):
        records += 1
        act = mapper.activity(line, rec)
        if act is None:
            continue
        if act.identifier in seen:
            mapper.warn(
                line, act.identifier, "identifier seen before; record skipped", "identifier"
            )
            continue
        seen.add(act.identifier)
        activities.append(act)
    problems = mapper.problems + mapper.summary()
    if not tables.found:
        problems.insert(
            0,
            Problem(
                f"no lookup tables ({', '.join(LOOKUPS)}) next to the file: organisations and "
                "places are kept as the file names them",
                source=label,
            ),
        )
    return Iati3wReport(activities, problems, mapper.variants, records)


__all__ = ["Iati3wReport", "read_iati3w"]
