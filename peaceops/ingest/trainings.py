"""The training register: a workbook of courses, sessions and participants, and its import.

The register is an XLSX workbook with the sheets ``courses``, ``sessions`` and ``participants``
(other sheets, such as the template's ``about`` and ``lists``, are ignored), or a folder of
three CSV files named after the sheets. Row 1 of each sheet is the header; column order is
free and column names are case-insensitive.

Every row is checked: codes and references (a session's course, a participant's session),
allowed values (topic, tags, sex, vetting, deployment, yes/no), dates and numbers. A row with a
problem is reported (file, sheet, row, column, and for a bad value the allowed ones) and left
out; the other rows import. Sessions of a course that was left out are left out too, and so
are the participants of a session that was left out. A person is identified by service number
and institution: a second row of the same person in the same session is left out; across
sessions, the row with the latest ``status_date`` gives the person's vetting and deployment.
Problem messages never repeat trainees' names.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from peaceops.domain.coordination import Capability
from peaceops.domain.training import (
    CURRICULUM_TAGS,
    Course,
    DeploymentStatus,
    Participation,
    Sex,
    Trainee,
    TrainingRecords,
    TrainingSession,
    VettingStatus,
)
from peaceops.errors import InputError, Problem
from peaceops.ingest.guards import first_undecodable_line, read_workbook
from peaceops.ingest.hxl import parse_date

COLUMNS: dict[str, tuple[str, ...]] = {
    "courses": ("code", "title", "topic", "tags", "duration_days", "provider"),
    "sessions": (
        "session_ref",
        "course_code",
        "start",
        "end",
        "place",
        "admin_code",
        "provider",
        "activity_identifier",
    ),
    "participants": (
        "session_ref",
        "service_number",
        "institution",
        "name",
        "sex",
        "rank",
        "birth_year",
        "completed",
        "certified",
        "score",
        "vetting",
        "deployment",
        "status_date",
    ),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "courses": ("code", "title", "topic"),
    "sessions": ("session_ref", "course_code", "start", "end", "place"),
    "participants": ("session_ref", "service_number", "institution"),
}
HELP: dict[str, str] = {
    "code": "Short unique code of the course, e.g. PNC-HR-01",
    "title": "Title of the course",
    "topic": "Capability area the course builds (see the lists sheet)",
    "tags": "Curriculum tags separated by ';' (see the lists sheet)",
    "duration_days": "Length of the course in days (whole number)",
    "provider": "Organisation that designed (courses) or delivered (sessions) it",
    "session_ref": "Your reference of the session, unique in the register, e.g. S-2024-03",
    "course_code": "Code of the course, as in the courses sheet",
    "start": "First day, YYYY-MM-DD",
    "end": "Last day, YYYY-MM-DD",
    "place": "Town or training centre",
    "admin_code": "P-code of the district or region where it took place",
    "activity_identifier": "Identifier of the programme (activity) that paid for it",
    "service_number": "Personnel number of the trainee in their institution",
    "institution": "Institution of the trainee (name or acronym)",
    "name": "Full name (personal data: stored encrypted)",
    "sex": "female, male or unknown",
    "rank": "Rank or grade",
    "birth_year": "Year of birth, e.g. 1990",
    "completed": "yes or no: attended to the end",
    "certified": "yes or no: passed the final assessment",
    "score": "Final score (number)",
    "vetting": "Vetting status (see the lists sheet)",
    "deployment": "Where the trainee is now (see the lists sheet)",
    "status_date": "When vetting and deployment were last confirmed, YYYY-MM-DD",
}
YES = {"yes", "y", "true", "1", "oui", "o", "x"}
NO = {"no", "n", "false", "0", "non"}
SEX_ALIASES = {"f": Sex.FEMALE, "m": Sex.MALE, "u": Sex.UNKNOWN}
TEMPLATE_ROWS = 2000


@dataclass(frozen=True, slots=True)
class TrainingReport:
    """What ``read_trainings`` found: the good records and a problem per bad row or value."""

    records: TrainingRecords
    problems: list[Problem]


# Template -------------------------------------------------------------------------------------


def _lists() -> dict[str, list[str]]:
    return {
        "topic": [c.value for c in Capability],
        "tags": list(CURRICULUM_TAGS),
        "sex": [s.value for s in Sex],
        "vetting": [v.value for v in VettingStatus],
        "deployment": [d.value for d in DeploymentStatus],
        "completed / certified": ["yes", "no"],
    }


def training_template(path: Path) -> Path:
    """Write an empty training register: an XLSX workbook, or a folder of CSV files.

    Parameters
    ----------
    path
        ``*.xlsx``: a workbook with the sheets ``courses``, ``sessions``, ``participants``
        (headers with explanations and drop-down lists of allowed values), ``lists`` and
        ``about``. Any other path: a folder, created if needed, holding ``courses.csv``,
        ``sessions.csv`` and ``participants.csv`` with their header rows; a workbook saved
        sheet by sheet as CSV gives the same files.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> training_template(folder / "register.xlsx").name
    'register.xlsx'
    >>> len(read_trainings(folder / "register.xlsx").records.courses)
    0
    """
    if path.suffix.lower() != ".xlsx":
        path.mkdir(parents=True, exist_ok=True)
        for sheet, columns in COLUMNS.items():
            with (path / f"{sheet}.csv").open("w", newline="", encoding="utf-8") as fh:
                csv.writer(fh).writerow(columns)
        return path
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    about = wb.active
    assert about is not None
    about.title = "about"
    for line in (
        ["PeaceOps training register", "peaceops-trainings/1"],
        [],
        ["One row per course, per session and per participant. Keep the header rows."],
        ["Dates as YYYY-MM-DD. Several tags are separated by ';'."],
        ["A person is identified by service number and institution."],
        ["Names are personal data: share this file only with those who may see them."],
    ):
        about.append(line)
    lists = _lists()
    for sheet, columns in COLUMNS.items():
        ws = wb.create_sheet(sheet)
        ws.append(list(columns))
        for i, column in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=i)
            cell.font = Font(bold=True)
            required = " (required)" if column in REQUIRED[sheet] else ""
            cell.comment = Comment(HELP[column] + required, "PeaceOps")
            ws.column_dimensions[get_column_letter(i)].width = max(14, len(column) + 4)
        ws.freeze_panes = "A2"
    ref = wb.create_sheet("lists")
    for i, (name, values) in enumerate(lists.items(), start=1):
        ref.cell(row=1, column=i, value=name).font = Font(bold=True)
        for j, value in enumerate(values, start=2):
            ref.cell(row=j, column=i, value=value)

    def validate(sheet: str, column: str, formula: str) -> None:
        ws = wb[sheet]
        letter = get_column_letter(COLUMNS[sheet].index(column) + 1)
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        dv.error = f"{column}: choose a value from the list"
        ws.add_data_validation(dv)
        dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")

    for j, name in enumerate(lists, start=1):
        letter = get_column_letter(j)
        span = f"lists!${letter}$2:${letter}${len(lists[name]) + 1}"
        for sheet, column in {
            "topic": [("courses", "topic")],
            "sex": [("participants", "sex")],
            "vetting": [("participants", "vetting")],
            "deployment": [("participants", "deployment")],
            "completed / certified": [
                ("participants", "completed"),
                ("participants", "certified"),
            ],
        }.get(name, []):
            validate(sheet, column, span)
    validate("sessions", "course_code", f"courses!$A$2:$A${TEMPLATE_ROWS}")
    validate("participants", "session_ref", f"sessions!$A$2:$A${TEMPLATE_ROWS}")
    wb.move_sheet("about", offset=len(wb.sheetnames))
    wb.active = 0
    wb.save(path)
    return path


# Reading --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Sheet:
    name: str
    header: dict[str, int]
    """Lower-cased column name -> index."""
    rows: list[tuple[int, list[Any]]]
    """(spreadsheet row number, cells)."""


def _sheet(name: str, rows: list[tuple[int, list[Any]]], source: str) -> _Sheet:
    header_cells = rows[0][1] if rows else []
    header: dict[str, int] = {}
    for i, cell in enumerate(header_cells):
        key = str(cell).strip().lower() if cell is not None else ""
        if key and key not in header:
            header[key] = i
    missing = [c for c in REQUIRED[name] if c not in header]
    if missing:
        raise InputError(
            f"sheet '{name}' lacks the column(s) {', '.join(missing)}; write "
            f"the header row {', '.join(COLUMNS[name])} (training_template makes one)",
            source=source,
            line=1,
        )
    body = [
        (n, cells) for n, cells in rows[1:] if any(c is not None and str(c).strip() for c in cells)
    ]
    return _Sheet(name, header, body)


def _xlsx(path: Path) -> dict[str, list[tuple[int, list[Any]]]]:
    def wanted(titles: list[str]) -> list[str]:
        first: dict[str, str] = {}
        for title in titles:
            if title.strip().lower() in COLUMNS:
                first.setdefault(title.strip().lower(), title)
        return list(first.values())

    return {
        title.strip().lower(): [(n, list(r)) for n, r in enumerate(rows, start=1)]
        for title, rows in read_workbook(path, name=path.name, sheets=wanted)
    }


def _csv(path: Path) -> list[tuple[int, list[Any]]]:
    rows: list[tuple[int, list[Any]]] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows.extend((n, list(r)) for n, r in enumerate(csv.reader(fh), start=1))
    except UnicodeDecodeError:
        raise InputError(
            "the CSV file is not UTF-8 text", source=path.name, line=first_undecodable_line(path)
        ) from None
    except csv.Error as exc:
        raise InputError(
            f"not a readable CSV file: {exc}", source=path.name, line=len(rows) + 1
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc}", source=path.name) from None
    return rows


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else " ".join(str(value).split())


class _Reader:
    """Reads one sheet's rows, collecting the problems of each."""

    def __init__(self, source: str, sheet: _Sheet) -> None:
        self.source = f"{source} [{sheet.name}]"
        self.sheet = sheet
        self.problems: list[Problem] = []
        self.line = 0
        self.row: list[Any] = []
        self.row_ok = True

    def start(self, line: int, row: list[Any]) -> None:
        self.line, self.row, self.row_ok = line, row, True

    def bad(self, column: str | None, message: str) -> None:
        self.row_ok = False
        self.problems.append(Problem(message, source=self.source, line=self.line, field=column))

    def raw(self, column: str) -> Any:
        i = self.sheet.header.get(column)
        value = self.row[i] if i is not None and i < len(self.row) else None
        return None if isinstance(value, str) and not value.strip() else value

    def text(self, column: str, *, required: bool = False) -> str:
        out = _cell_text(self.raw(column))
        if required and not out:
            self.bad(column, "required value is missing")
        return out

    def choice(self, column: str, allowed: list[str], aliases: dict[str, Any] | None = None) -> Any:
        value = self.text(column).lower().replace(" ", "_")
        if not value:
            return None
        if aliases and value in aliases:
            return aliases[value]
        if value not in allowed:
            self.bad(
                column, f"'{self.text(column)}' is not allowed; use one of {', '.join(allowed)}"
            )
            return None
        return value

    def day(self, column: str, *, required: bool = False) -> date | None:
        value = self.raw(column)
        if value is None:
            if required:
                self.bad(column, "required date is missing")
            return None
        try:
            return parse_date(value)
        except ValueError:
            self.bad(column, f"'{self.text(column)}' is not a date; write YYYY-MM-DD")
            return None

    def number(
        self, column: str, *, whole: bool = False, low: float = 0, high: float = math.inf
    ) -> float | None:
        value = self.raw(column)
        if value is None:
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            number = (
                float(value)
                if isinstance(value, int | float)
                else float(str(value).strip().replace(",", "."))
            )
        except ValueError:
            self.bad(column, f"'{self.text(column)}' is not a number")
            return None
        if not math.isfinite(number) or (whole and not number.is_integer()):
            self.bad(
                column,
                f"'{self.text(column)}' is not a whole number" if whole else "not a finite number",
            )
            return None
        if not low <= number <= high:
            limit = f"between {low:g} and {high:g}" if math.isfinite(high) else f"at least {low:g}"
            self.bad(column, f"{number:g} is out of range: it should be {limit}")
            return None
        return number

    def flag(self, column: str, default: bool) -> bool:
        value = self.text(column).lower()
        if not value:
            return default
        if value in YES:
            return True
        if value in NO:
            return False
        self.bad(column, f"'{self.text(column)}' is not allowed; use yes or no")
        return default


def _courses(reader: _Reader) -> dict[str, Course]:
    out: dict[str, Course] = {}
    topics = [c.value for c in Capability]
    for line, row in reader.sheet.rows:
        reader.start(line, row)
        code = reader.text("code", required=True)
        title = reader.text("title", required=True)
        topic = reader.choice("topic", topics)
        if topic is None and reader.row_ok:
            reader.bad("topic", f"required value is missing; use one of {', '.join(topics)}")
        tags = [
            t.strip().lower().replace(" ", "_")
            for t in reader.text("tags").replace(",", ";").split(";")
        ]
        unknown = [t for t in tags if t and t not in CURRICULUM_TAGS]
        if unknown:
            reader.bad(
                "tags", f"tag(s) {', '.join(unknown)} not allowed; use {', '.join(CURRICULUM_TAGS)}"
            )
        days = reader.number("duration_days", whole=True, low=1, high=366)
        if code and code in out:
            reader.bad("code", f"course code '{code}' appears twice; the first row is kept")
        if not reader.row_ok:
            continue
        out[code] = Course(
            code=code,
            title=title,
            topic=str(topic),
            tags=tuple(dict.fromkeys(t for t in tags if t)),
            duration_days=int(days) if days is not None else None,
            provider=reader.text("provider") or None,
        )
    return out


def _sessions(
    reader: _Reader, courses: dict[str, Course], known_courses: set[str]
) -> dict[str, TrainingSession]:
    out: dict[str, TrainingSession] = {}
    for line, row in reader.sheet.rows:
        reader.start(line, row)
        ref = reader.text("session_ref", required=True)
        course = reader.text("course_code", required=True)
        if course and course not in courses:
            why = (
                "was left out (see its problem)"
                if course in known_courses
                else "is not in the courses sheet"
            )
            reader.bad("course_code", f"course '{course}' {why}")
        start = reader.day("start", required=True)
        end = reader.day("end", required=True)
        if start and end and end < start:
            reader.bad("end", f"end {end.isoformat()} is before start {start.isoformat()}")
        place = reader.text("place", required=True)
        if ref and ref in out:
            reader.bad("session_ref", f"session '{ref}' appears twice; the first row is kept")
        if not reader.row_ok or start is None or end is None:
            continue
        out[ref] = TrainingSession(
            course_code=course,
            start=start,
            end=end,
            place=place,
            provider=reader.text("provider") or None,
            activity_identifier=reader.text("activity_identifier") or None,
            admin_code=reader.text("admin_code") or None,
        )
    return out


def _participants(
    reader: _Reader,
    sessions: dict[str, TrainingSession],
    known_sessions: set[str],
    records: TrainingRecords,
) -> None:
    index = {ref: i for i, ref in enumerate(sessions)}
    seen: dict[tuple[str, str, str], int] = {}
    people: dict[tuple[str, str], tuple[tuple[date, int], Trainee, int]] = {}
    conflicts: list[Problem] = []
    for line, row in reader.sheet.rows:
        reader.start(line, row)
        ref = reader.text("session_ref", required=True)
        if ref and ref not in sessions:
            why = (
                "was left out (see its problem)"
                if ref in known_sessions
                else "is not in the sessions sheet"
            )
            reader.bad("session_ref", f"session '{ref}' {why}")
        number = reader.text("service_number", required=True)
        institution = reader.text("institution", required=True)
        key = (_key(ref), _key(number), _key(institution))
        if number and institution and key in seen:
            reader.bad(
                "service_number",
                "the same service number and institution are already in this session, on row "
                f"{seen[key]}",
            )
        sex = reader.choice("sex", [s.value for s in Sex], SEX_ALIASES)
        birth = reader.number("birth_year", whole=True, low=1900, high=date.today().year)
        vetting = reader.choice("vetting", [v.value for v in VettingStatus])
        deployment = reader.choice("deployment", [d.value for d in DeploymentStatus])
        status_date = reader.day("status_date")
        completed = reader.flag("completed", True)
        certified = reader.flag("certified", False)
        score = reader.number("score")
        if not reader.row_ok:
            continue
        seen[key] = line
        trainee = Trainee(
            service_number=number,
            institution_ref=institution,
            name=reader.text("name"),
            sex=Sex(sex) if sex else Sex.UNKNOWN,
            rank=reader.text("rank") or None,
            birth_year=int(birth) if birth is not None else None,
            vetting=VettingStatus(vetting) if vetting else VettingStatus.NOT_VETTED,
            deployment=DeploymentStatus(deployment) if deployment else DeploymentStatus.UNKNOWN,
            status_date=status_date,
        )
        person = key[1:]
        rank_key = (status_date or date.min, line)
        if person in people:
            _, before, before_line = people[person]
            for what in ("name", "sex", "birth_year"):
                old, new = getattr(before, what), getattr(trainee, what)
                if old and new and old != new and old != Sex.UNKNOWN and new != Sex.UNKNOWN:
                    conflicts.append(
                        Problem(
                            f"rows {before_line} and {line} give the same person (service number "
                            f"and institution) different values of {what}; the row with the "
                            "latest status_date is kept",
                            source=reader.source,
                            field=what,
                        )
                    )
            if rank_key >= people[person][0]:
                people[person] = (rank_key, trainee, line)
        else:
            people[person] = (rank_key, trainee, line)
        records.attendance.append(
            (
                index[ref],
                Participation(
                    session_id=None,
                    service_number=number,
                    institution_ref=institution,
                    completed=completed,
                    certified=certified,
                    score=score,
                ),
            )
        )
    records.trainees.extend(t for _, t, _ in people.values())
    reader.problems.extend(conflicts)


def read_trainings(path: Path) -> TrainingReport:
    """The courses, sessions, trainees and attendance of a training register, checked.

    Parameters
    ----------
    path
        An ``.xlsx`` workbook with the sheets ``courses``, ``sessions`` and ``participants``,
        or a folder holding ``courses.csv``, ``sessions.csv`` and ``participants.csv``.

    Returns
    -------
    TrainingReport
        The good rows as ``TrainingRecords`` (attendance refers to sessions by their index in
        ``records.sessions``) and one problem per bad value, naming file, sheet, row and
        column; problems without a row number did not cost a row.

    Raises
    ------
    InputError
        When the file cannot be read, or a sheet or a required column is missing.
    """
    if path.is_dir():
        tables = {}
        for sheet in COLUMNS:
            file = path / f"{sheet}.csv"
            if not file.exists():
                raise InputError(f"no {sheet}.csv in the folder", source=path.name, field=sheet)
            tables[sheet] = (_csv(file), f"{sheet}.csv")
    elif path.suffix.lower() == ".xlsx":
        found = _xlsx(path)
        missing = [s for s in COLUMNS if s not in found]
        if missing:
            raise InputError(
                f"the workbook lacks the sheet(s) {', '.join(missing)} "
                "(training_template makes a workbook with all three)",
                source=path.name,
            )
        tables = {s: (rows, path.name) for s, rows in found.items()}
    else:
        raise InputError(
            "a training register is an .xlsx workbook or a folder of CSV files", source=path.name
        )
    sheets = {s: _sheet(s, rows, f"{label} [{s}]") for s, (rows, label) in tables.items()}
    readers = {s: _Reader(tables[s][1], sheet) for s, sheet in sheets.items()}
    records = TrainingRecords()
    courses = _courses(readers["courses"])
    sessions = _sessions(readers["sessions"], courses, _values(sheets["courses"], "code"))
    records.courses = list(courses.values())
    records.sessions = list(sessions.values())
    _participants(
        readers["participants"], sessions, _values(sheets["sessions"], "session_ref"), records
    )
    problems = [p for r in readers.values() for p in r.problems]
    return TrainingReport(records, problems)


def _values(sheet: _Sheet, column: str) -> set[str]:
    """Every value of a column, good rows or not (to tell "left out" from "unknown")."""
    i = sheet.header.get(column)
    if i is None:
        return set()
    return {_cell_text(row[i]) for _, row in sheet.rows if i < len(row)} - {""}


__all__ = ["COLUMNS", "TrainingReport", "read_trainings", "training_template"]
