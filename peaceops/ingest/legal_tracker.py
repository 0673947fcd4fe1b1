"""Legislative trackers: a spreadsheet (CSV or XLSX) with one row per step of a law's life.

Mission rule-of-law units and their partners keep such trackers by hand. Row 1 names the
columns (order free, case-insensitive, spaces count as underscores, unknown columns ignored).
Rows sharing a ``code`` are one instrument; its details (title, type, sector ...) are read from
its first row that gives them, and later rows may leave them blank. A row without a stage
records the instrument alone.

Every value is checked here (required values, known types, sectors, stages and institution
types, dates that are dates and not in the future); a row with a problem is reported with its
file, row and column. The lifecycle rules, actors, activities and documents are checked by the
platform when it stores the steps.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from peaceops.domain.institutions import InstitutionType
from peaceops.domain.legal import InstrumentType, LegalSector, Stage
from peaceops.errors import InputError, Problem
from peaceops.ingest.cells import csv_records, guard, unguard, write_csv_template
from peaceops.ingest.complaints import strip_controls
from peaceops.ingest.guards import read_workbook
from peaceops.ingest.hxl import parse_date

COLUMNS: tuple[str, ...] = (
    "code",
    "country",
    "title_en",
    "title_fr",
    "type",
    "sector",
    "institutions",
    "reference",
    "amends",
    "replaces",
    "text_url",
    "document",
    "summary",
    "stage",
    "date",
    "evidence",
    "supported_by",
    "activities",
    "exception",
)
REQUIRED: tuple[str, ...] = ("code",)
HELP: dict[str, str] = {
    "code": "A short key for the instrument, the same on each of its rows (required), "
    "e.g. police-act",
    "country": "ISO3 code of the country (or give it on the command line)",
    "title_en": "Title in English (required on the instrument's first row)",
    "title_fr": "Title in French",
    "type": "One of " + ", ".join(t.value for t in InstrumentType) + " (default law)",
    "sector": "One of " + ", ".join(s.value for s in LegalSector) + " (required on the first row)",
    "institutions": "Institution types it governs, separated by ;: "
    + ", ".join(t.value for t in InstitutionType),
    "reference": "Official number once it has one, e.g. Law No. 2025-14",
    "amends": "Code of the instrument it amends or replaces",
    "replaces": "yes when it replaces that instrument entirely (default no)",
    "text_url": "Where its text is published",
    "document": "Its text in the knowledge base: the document's symbol or file name",
    "summary": "What it does, in a sentence or two",
    "stage": "Stage reached on the date: " + ", ".join(s.value for s in Stage),
    "date": "Day the stage was reached, YYYY-MM-DD (required with a stage)",
    "evidence": "What shows it: gazette number, parliament record, letter (required with a stage)",
    "supported_by": "Organisations that supported the step, by name or acronym, separated by ;",
    "activities": "Programme activities that supported it, by identifier, separated by ;",
    "exception": "Why a lifecycle rule does not apply (e.g. adopted by ordinance without tabling)",
}
TEMPLATE_NOTE = "Delete this row: it explains the columns."
MAX_CELL = 2000
_E = TypeVar("_E", InstrumentType, LegalSector, Stage, InstitutionType)
_YES = {"yes", "y", "true", "1", "oui", "x"}
_NO = {"no", "n", "false", "0", "non", ""}


@dataclass(slots=True)
class TrackerRow:
    """One good row: the instrument's details it gives, and its step if it has one."""

    line: int
    code: str
    country: str
    title: dict[str, str]
    type: InstrumentType | None
    sector: LegalSector | None
    institution_types: tuple[InstitutionType, ...]
    reference: str
    amends: str
    replaces: bool | None
    text_url: str
    document: str
    summary: str
    stage: Stage | None
    on: date | None
    evidence: str
    supported_by: tuple[str, ...]
    activities: tuple[str, ...]
    exception: str


@dataclass(slots=True)
class Tracker:
    rows: list[TrackerRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    """(row, code) of the rows with a problem: their instruments must not half-import."""


def write_template(path: Path) -> Path:
    """An empty tracker with the columns and a row explaining them (CSV)."""
    return write_csv_template(path, COLUMNS, HELP, TEMPLATE_NOTE)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _records(path: Path) -> list[tuple[int, list[str]]]:
    """(row number as a spreadsheet shows it, cells) of the CSV file or the workbook's first
    sheet (or its sheet named ``tracker``)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        sheets = read_workbook(
            path,
            name=path.name,
            sheets=lambda titles: ["tracker"] if "tracker" in titles else titles[:1],
        )
        if not sheets:
            raise InputError("the workbook has no worksheet", source=path.name)
        return [(n, [_cell(v) for v in row]) for n, row in enumerate(sheets[0][1], start=1)]
    if suffix != ".csv":
        raise InputError("send a .csv file or an .xlsx workbook", source=path.name)
    return csv_records(path, kind="tracker")


def _key(value: str) -> str:
    return "_".join(value.strip().lower().split()).replace("-", "_")


class _Row:
    def __init__(self, source: str, header: dict[str, int], line: int, cells: list[str]) -> None:
        self.source, self.header, self.line, self.cells = source, header, line, cells
        self.problems: list[Problem] = []

    def bad(self, column: str, message: str) -> None:
        self.problems.append(Problem(message, source=self.source, line=self.line, field=column))

    def text(self, column: str, *, limit: int = MAX_CELL) -> str:
        i = self.header.get(column)
        raw = unguard(self.cells[i]) if i is not None and i < len(self.cells) else ""
        out = strip_controls(raw)
        if len(out) > limit:
            self.bad(column, f"longer than {limit} characters")
        return out

    def items(self, column: str) -> tuple[str, ...]:
        return tuple(t for t in (strip_controls(p) for p in self.text(column).split(";")) if t)

    def choice(self, column: str, kind: type[_E], value: str | None = None) -> _E | None:
        value = self.text(column) if value is None else value
        if not value:
            return None
        try:
            return kind(_key(value))
        except ValueError:
            allowed = ", ".join(m.value for m in kind)
            self.bad(column, f"'{value}' is not allowed; use one of {allowed}")
            return None


def _row(row: _Row, *, country: str, today: date) -> TrackerRow | None:
    code = row.text("code", limit=80)
    if not code:
        row.bad("code", "required value is missing")
    place = (row.text("country") or country).upper()
    if not place:
        row.bad("country", "no country: add the column or give --country")
    elif len(place) != 3 or not place.isalpha():
        row.bad("country", f"'{place}' is not an ISO3 code")
    title = {
        k: v
        for k, v in (
            ("en", row.text("title_en", limit=500)),
            ("fr", row.text("title_fr", limit=500)),
        )
        if v
    }
    found = (row.choice("institutions", InstitutionType, v) for v in row.items("institutions"))
    types = tuple(t for t in found if t is not None)
    replaces_text = row.text("replaces").lower()
    replaces: bool | None = None
    if replaces_text in _YES:
        replaces = True
    elif replaces_text and replaces_text not in _NO:
        row.bad("replaces", f"'{replaces_text}' is not yes or no")
    elif replaces_text:
        replaces = False
    stage = row.choice("stage", Stage)
    on: date | None = None
    when = row.text("date")
    if when:
        try:
            on = parse_date(when)
        except ValueError:
            row.bad("date", f"'{when}' is not a date; write YYYY-MM-DD")
        else:
            if on > today:
                row.bad("date", f"{on.isoformat()} is in the future")
    evidence = row.text("evidence")
    if stage is not None:
        if not when:
            row.bad("date", "a stage needs the day it was reached")
        if not evidence:
            row.bad("evidence", "a stage needs its evidence (gazette number, record, letter)")
    elif when or evidence:
        row.bad("stage", "a date or evidence without a stage")
    out = TrackerRow(
        line=row.line,
        code=code,
        country=place,
        title=title,
        type=row.choice("type", InstrumentType),
        sector=row.choice("sector", LegalSector),
        institution_types=types,
        reference=row.text("reference", limit=120),
        amends=row.text("amends", limit=80),
        replaces=replaces,
        text_url=row.text("text_url", limit=500),
        document=row.text("document", limit=300),
        summary=row.text("summary"),
        stage=stage,
        on=on,
        evidence=evidence,
        supported_by=row.items("supported_by"),
        activities=row.items("activities"),
        exception=row.text("exception"),
    )
    return None if row.problems else out


def read_tracker(path: Path, *, country: str = "", today: date | None = None) -> Tracker:
    """The rows of a legislative tracker, checked; problems name file, row and column.

    Raises ``InputError`` when the file cannot be read or has no ``code`` column."""
    today = today or date.today()
    records = _records(path)
    if not records:
        raise InputError("the file is empty; write the header row first", source=path.name)
    header: dict[str, int] = {}
    for i, cell in enumerate(records[0][1]):
        key = _key(cell)
        if key and key not in header:
            header[key] = i
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"the header lacks the column(s) {', '.join(missing)}; the columns are "
            f"{', '.join(COLUMNS)} (`peaceops laws template` writes them)",
            source=path.name,
            line=1,
        )
    out = Tracker()
    for line, cells in records[1:]:
        if not any(c.strip() for c in cells) or (cells and cells[0].strip() == TEMPLATE_NOTE):
            continue
        row = _Row(path.name, header, line, cells)
        good = _row(row, country=country.upper(), today=today)
        out.problems.extend(row.problems)
        if good is not None:
            out.rows.append(good)
        else:
            out.rejected.append((line, row.text("code", limit=80)))
    return out


def write_tracker(path: Path, rows: list[dict[str, str]]) -> Path:
    """A tracker CSV from rows of column values (for exports and tests); cells are guarded
    against formula injection."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([guard(r.get(c, "")) for c in COLUMNS])
    return path
