"""Paper complaint registers: a CSV file with one row per complaint, and its template.

Many complaints reach an oversight body on paper or at a counter, and are written in a
register. Typed into a spreadsheet and saved as CSV (UTF-8), the register imports into
PeaceOps. Row 1 is the header; column order is free, names are case-insensitive (spaces count
as underscores) and unknown columns are ignored. Every entry is stored with the channel
``paper`` and keyed by its register number, so importing the same register twice, or a
register that grew, adds only the new entries.

Every row is checked: required values, dates, categories, yes/no and the allowed values. A row
with a problem is reported (file, row, column) and left out; the other rows import. Problem
messages never repeat a complainant's name, phone or narrative.

Institutions, places and oversight bodies stay as written here: the platform resolves them
against the database (and reports the ones it cannot find).
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from peaceops.domain.complaints import (
    Category,
    Channel,
    Complainant,
    Complaint,
    Confidentiality,
    Status,
)
from peaceops.errors import InputError, Problem
from peaceops.ingest.cells import csv_records, guard, unguard, write_csv_template
from peaceops.ingest.hxl import parse_date

COLUMNS: tuple[str, ...] = (
    "register_no",
    "received_on",
    "category",
    "institution",
    "unit",
    "place",
    "incident_date",
    "description",
    "anonymous",
    "complainant_name",
    "complainant_phone",
    "victim_sex",
    "language",
    "status",
    "status_on",
    "referred_to",
)
REQUIRED: tuple[str, ...] = ("register_no", "received_on", "category", "description")
HELP: dict[str, str] = {
    "register_no": "Number of the entry in the paper register, unique in it (required)",
    "received_on": "Day the complaint was received, YYYY-MM-DD (required)",
    "category": "What it is about: " + ", ".join(c.value for c in Category) + " (required)",
    "institution": "Institution complained about (name or acronym)",
    "unit": "Unit, station or post named by the complainant",
    "place": "Where it happened: P-code or name of the district or region (no finer)",
    "incident_date": "Day it happened, YYYY-MM-DD",
    "description": "What happened, in the complainant's words (required; stored encrypted)",
    "anonymous": "yes: no identity kept; no: the name and phone below are kept encrypted",
    "complainant_name": "Complainant's name (personal data: stored encrypted)",
    "complainant_phone": "Complainant's phone (personal data: stored encrypted)",
    "victim_sex": "female, male, other or unknown",
    "language": "Language of the complaint, e.g. en, fr, ar",
    "status": "Stage reached on paper: " + ", ".join(s.value for s in Status),
    "status_on": "Day the stage was reached, YYYY-MM-DD",
    "referred_to": "Oversight body the case went to (required when status is referred)",
}
TEMPLATE_NOTE = "# " + HELP["register_no"]
"""First cell of the template's explanation row, which the reader skips."""
CATEGORY_ALIASES: dict[str, Category] = {
    "bribery": Category.EXTORTION,
    "corruption": Category.EXTORTION,
    "extortion_and_bribery": Category.EXTORTION,
    "force": Category.EXCESSIVE_FORCE,
    "beating": Category.EXCESSIVE_FORCE,
    "arbitrary_detention": Category.ARBITRARY_ARREST,
    "arbitrary_arrest_or_detention": Category.ARBITRARY_ARREST,
    "gbv": Category.SGBV,
    "sexual_violence": Category.SGBV,
    "sexual_and_gender-based_violence": Category.SGBV,
    "ill-treatment": Category.TORTURE,
    "ill_treatment": Category.TORTURE,
    "torture_or_ill-treatment": Category.TORTURE,
    "threat": Category.THREATS,
    "intimidation": Category.THREATS,
    "threats_and_intimidation": Category.THREATS,
    "seizure": Category.PROPERTY,
    "seizure_or_destruction_of_property": Category.PROPERTY,
    "inaction": Category.FAILURE_TO_ACT,
}
STATUS_ALIASES: dict[str, Status] = {
    "open": Status.RECEIVED,
    "new": Status.RECEIVED,
    "in_review": Status.UNDER_REVIEW,
    "review": Status.UNDER_REVIEW,
    "investigation": Status.UNDER_REVIEW,
    "decided": Status.RESOLVED,
    "done": Status.RESOLVED,
    "dismissed": Status.CLOSED,
    "withdrawn": Status.CLOSED,
}
VICTIM_SEXES = ("female", "male", "other")
YES = {"yes", "y", "true", "1", "oui", "o", "x"}
NO = {"no", "n", "false", "0", "non"}
MAX_CELL = 300
"""Longest short text (unit, place, name, phone...); the narrative's limit is a setting."""


def strip_controls(text: str, *, multiline: bool = False) -> str:
    """Text without control characters, with line ends as ``\\n`` (kept only if
    ``multiline``) and no surrounding whitespace; the text is otherwise kept as given.

    >>> strip_controls("a\\x00b\\r\\nc\\x1b[31m ", multiline=True)
    'ab\\nc[31m'
    >>> strip_controls("  two\\n  lines ")
    'two lines'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    )
    if not multiline:
        return " ".join(kept.split())
    return kept.strip()


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """One row of a paper register: the complaint as received, and what the register adds.

    ``complaint`` has the channel ``paper``, the register number as ``external_id``, the
    status ``received`` and no database ids; ``institution`` and ``place`` are as written.
    """

    complaint: Complaint
    institution: str = ""
    place: str = ""
    status: Status | None = None
    """The stage the register records, if later than ``received``."""
    status_on: date | None = None
    referred_to: str = ""
    line: int | None = field(default=None, compare=False)

    @property
    def register_no(self) -> str:
        return self.complaint.external_id or ""


@dataclass(frozen=True, slots=True)
class RegisterReport:
    """What ``read_register`` found: the good entries and one problem per bad value."""

    entries: list[RegisterEntry]
    problems: list[Problem]


# Writing ---------------------------------------------------------------------------------------


def write_register_template(path: Path) -> Path:
    """Write an empty register: the header row, then one row explaining each column.

    The explanation row (its first cell is ``TEMPLATE_NOTE``) is skipped on import, so the
    template can be filled in as it is.

    Examples
    --------
    >>> import tempfile
    >>> path = write_register_template(Path(tempfile.mkdtemp()) / "register.csv")
    >>> read_register(path).entries
    []
    """
    return write_csv_template(path, COLUMNS, HELP, TEMPLATE_NOTE)


def write_register(path: Path, entries: Iterable[RegisterEntry]) -> Path:
    """Write register entries in the layout ``read_register`` reads.

    Cells a spreadsheet could take for a formula (starting with ``=``, ``+``, ``-`` or ``@``,
    such as ``+236...`` phone numbers) are written with a leading apostrophe, which the reader
    drops again.
    """
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for e in entries:
            c = e.complaint
            person = c.complainant or Complainant()
            values: dict[str, str] = {
                "register_no": e.register_no,
                "received_on": c.received_at.date().isoformat(),
                "category": c.category.value,
                "institution": e.institution,
                "unit": c.unit,
                "place": e.place,
                "incident_date": c.incident_date.isoformat() if c.incident_date else "",
                "description": c.description,
                "anonymous": "yes" if c.confidentiality == Confidentiality.ANONYMOUS else "no",
                "complainant_name": person.name,
                "complainant_phone": person.phone,
                "victim_sex": c.victim_sex or "",
                "language": c.language,
                "status": e.status.value if e.status else "",
                "status_on": e.status_on.isoformat() if e.status_on else "",
                "referred_to": e.referred_to,
            }
            writer.writerow([guard(values[k]) for k in COLUMNS])
    return path


# Reading ---------------------------------------------------------------------------------------


def _column_key(cell: str) -> str:
    return "_".join(cell.strip().lower().split())


class _Row:
    """One register row being read, collecting its problems."""

    def __init__(self, source: str, header: dict[str, int], line: int, cells: list[str]) -> None:
        self.source, self.header, self.line, self.cells = source, header, line, cells
        self.problems: list[Problem] = []

    def bad(self, column: str, message: str) -> None:
        self.problems.append(Problem(message, source=self.source, line=self.line, field=column))

    def raw(self, column: str) -> str:
        i = self.header.get(column)
        return unguard(self.cells[i]) if i is not None and i < len(self.cells) else ""

    def text(self, column: str, *, required: bool = False, multiline: bool = False) -> str:
        out = strip_controls(self.raw(column), multiline=multiline)
        if required and not out:
            self.bad(column, "required value is missing")
        if not multiline and len(out) > MAX_CELL:
            self.bad(column, f"longer than {MAX_CELL} characters")
        return out

    def day(self, column: str, *, required: bool = False) -> date | None:
        value = self.text(column)
        if not value:
            if required:
                self.bad(column, "required date is missing")
            return None
        try:
            return parse_date(value)
        except ValueError:
            self.bad(column, f"'{value}' is not a date; write YYYY-MM-DD")
            return None

    def choice(self, column: str, allowed: list[str], aliases: dict[str, Any]) -> Any:
        value = self.text(column)
        key = "_".join(value.lower().split())
        if not key:
            return None
        if key in allowed:
            return key
        if key in aliases:
            return aliases[key]
        self.bad(column, f"'{value}' is not allowed; use one of {', '.join(allowed)}")
        return None

    def flag(self, column: str) -> bool | None:
        value = self.text(column).lower()
        if not value:
            return None
        if value in YES:
            return True
        if value in NO:
            return False
        self.bad(column, f"'{self.text(column)}' is not allowed; use yes or no")
        return None


def _entry(row: _Row) -> RegisterEntry | None:
    number = row.text("register_no", required=True)
    if len(number) > 120:
        row.bad("register_no", "longer than 120 characters")
    received = row.day("received_on", required=True)
    category = row.choice("category", [c.value for c in Category], CATEGORY_ALIASES)
    if category is None and not any(p.field == "category" for p in row.problems):
        row.bad("category", f"required value is missing; use one of {', '.join(Category)}")
    description = row.text("description", required=True, multiline=True)
    incident = row.day("incident_date")
    if incident and received and incident > received:
        row.bad(
            "incident_date",
            f"incident {incident.isoformat()} is after receipt {received.isoformat()}",
        )
    anonymous = row.flag("anonymous")
    name, phone = row.text("complainant_name"), row.text("complainant_phone")
    if anonymous is True and (name or phone):
        row.bad(
            "anonymous",
            "marked anonymous but a complainant name or phone is given: clear one of them",
        )
    sex = row.choice("victim_sex", [*VICTIM_SEXES, "unknown"], {"f": "female", "m": "male"})
    language = row.text("language").lower() or "en"
    if not (2 <= len(language) <= 8 and language.replace("-", "").isalpha()):
        row.bad("language", f"'{language}' is not a language code; write en, fr, ar...")
    status = row.choice("status", [s.value for s in Status], STATUS_ALIASES)
    status_on = row.day("status_on")
    if status_on and received and status_on < received:
        row.bad("status_on", f"{status_on.isoformat()} is before receipt {received.isoformat()}")
    referred_to = row.text("referred_to")
    if status == Status.REFERRED and not referred_to:
        row.bad("referred_to", "a referred case needs the oversight body it went to")
    if row.problems or received is None or category is None:
        return None
    person = Complainant(name=name, phone=phone)
    identified = anonymous is False or (anonymous is None and not person.is_empty)
    return RegisterEntry(
        complaint=Complaint(
            category=Category(category),
            description=description,
            channel=Channel.PAPER,
            confidentiality=Confidentiality.CONFIDENTIAL
            if identified
            else Confidentiality.ANONYMOUS,
            received_at=datetime.combine(received, time(), tzinfo=UTC),
            unit=row.text("unit"),
            incident_date=incident,
            victim_sex=None if sex in (None, "unknown") else str(sex),
            complainant=None if person.is_empty or not identified else person,
            external_id=number,
            language=language,
        ),
        institution=row.text("institution"),
        place=row.text("place"),
        status=None if status in (None, Status.RECEIVED) else Status(status),
        status_on=status_on,
        referred_to=referred_to,
        line=row.line,
    )


def read_register(path: Path) -> RegisterReport:
    """The entries of a paper complaint register, checked.

    Parameters
    ----------
    path
        A CSV file (UTF-8, comma separated) whose first row names the columns
        (``write_register_template`` writes one). Empty rows and the template's explanation
        row are skipped.

    Returns
    -------
    RegisterReport
        The good rows as ``RegisterEntry`` records and one problem per bad value, naming the
        file, the row (``line``: as a spreadsheet numbers rows, the header being row 1) and
        the column. A register number seen twice keeps its first row.

    Raises
    ------
    InputError
        When the file cannot be read or a required column is missing.
    """
    records = csv_records(path, kind="register")
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
            f"{', '.join(COLUMNS)} (write_register_template writes them)",
            source=path.name,
            line=1,
        )
    entries: list[RegisterEntry] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for line, cells in records[1:]:
        if not any(c.strip() for c in cells) or (cells and cells[0].strip() == TEMPLATE_NOTE):
            continue
        row = _Row(path.name, header, line, cells)
        entry = _entry(row)
        if entry is not None and entry.register_no in seen:
            row.bad(
                "register_no",
                f"register number '{entry.register_no}' is already on line "
                f"{seen[entry.register_no]}; the first row is kept",
            )
            entry = None
        problems.extend(row.problems)
        if entry is not None:
            seen[entry.register_no] = line
            entries.append(entry)
    return RegisterReport(entries, problems)


__all__ = [
    "COLUMNS",
    "RegisterEntry",
    "RegisterReport",
    "read_register",
    "strip_controls",
    "write_register",
    "write_register_template",
]
