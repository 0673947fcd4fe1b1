"""Survey submissions exported from KoboToolbox or ODK Central, read against their form.

:func:`read_submissions` tells the format from the file's content, not its name:

KoboToolbox CSV
    ``;`` or ``,`` separated (sniffed from the header), headers as XML paths with ``/`` or
    ``.`` between groups (``respondent/age``) or bare question names. A select_multiple
    question is one space-separated column, 0/1 columns per choice (``question/choice``), or
    both (the column wins). Kobo's CSV holds no repeat groups: export XLSX or JSON for those.
ODK Central CSV, and its "CSV zip"
    ``-`` between groups, ``KEY`` and ``SubmissionDate``; geopoints split into ``-Latitude``,
    ``-Longitude``, ``-Altitude`` and ``-Accuracy`` columns. In the zip, each repeat group is a
    file ``<form>-<repeat>.csv`` linked to its parent by ``PARENT_KEY``.
KoboToolbox XLSX
    The first sheet holds the submissions; each repeat group has a sheet of its own, linked by
    ``_parent_table_name`` and ``_parent_index`` to the ``_index`` of its parent row.
JSON
    The Kobo API (a list, or ``{"results": [...]}``, keys ``group/question``, repeats as lists
    of objects) and ODK Central's OData (``{"value": [...]}`` with nested objects, expanded
    with ``$expand=*`` so repeats are inline).

Answers are converted by question type (whole numbers, decimals, ISO dates and date-times,
choice names, ``lat lon alt acc`` geopoints as four floats, text stripped of surrounding
spaces); empty answers are left out. A bad answer (an unknown choice, "abc" for a number) is
reported and left out while the rest of the submission is kept; a repeat row whose parent is
not in the file, and a second submission with a uuid already seen, are reported and left out.
A submission without a uuid gets one derived from its answers, with a warning. Problems name
the file (and sheet or zip member), the row as a spreadsheet counts it (header = 1) or, in
JSON, the record, and the column. The uuid is kept without ODK's ``uuid:`` prefix, so the
same submission has the same uuid in every export. Repeats nested in repeats are read through
their parents and listed on the submission under their own name.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import uuid as uuidlib
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from peaceops.domain.surveys import FieldRole, Question, Submission, SurveyForm
from peaceops.errors import InputError, Problem
from peaceops.ingest.guards import PACKAGE_ERRORS, check_archive, load_json, read_workbook

SEPARATORS = ("/", ".", "-", ":")
"""Between groups in a column name: Kobo uses ``/`` or ``.``, ODK Central ``-``."""
GEO_PARTS = {
    "latitude": 0,
    "longitude": 1,
    "altitude": 2,
    "accuracy": 3,
    "precision": 3,
}
UUID_COLUMNS = (
    "KEY",
    "_uuid",
    "__id",
    "meta/instanceID",
    "meta.instanceID",
    "meta-instanceID",
    "instanceID",
)
TIME_COLUMNS = ("_submission_time", "SubmissionDate", "__system/submissionDate")
ODK_META = frozenset(
    {
        "SubmissionDate",
        "KEY",
        "PARENT_KEY",
        "SubmitterID",
        "SubmitterName",
        "AttachmentsPresent",
        "AttachmentsExpected",
        "Status",
        "ReviewState",
        "DeviceID",
        "Edits",
        "FormVersion",
        "instanceID",
        "instanceName",
    }
)
_NAMESPACE = uuidlib.UUID("6f1d3b2e-5c1a-4f7e-9a53-0c6e3d2b8a41")
_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no", ""}


@dataclass(frozen=True, slots=True)
class SubmissionsRead:
    """What :func:`read_submissions` found: the good submissions and every problem."""

    submissions: list[Submission]
    problems: list[Problem]
    format: str = ""
    """``kobo-csv``, ``odk-csv``, ``odk-zip``, ``kobo-xlsx``, ``kobo-json`` or ``odk-json``."""


# Raw tables -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Record:
    line: int | None
    """The row as a spreadsheet counts it (header = 1); None in JSON."""
    item: str | None
    """Where a JSON record is: ``record 3, household_members 2``."""
    cells: dict[str, Any]
    number: int | None = None
    """The row (tables) or record (JSON) number kept as ``Submission.line``."""
    key: str | None = None
    parent: str | None = None
    children: dict[str, list[_Record]] = field(default_factory=dict)


@dataclass(slots=True)
class _Table:
    source: str
    repeat: str | None
    columns: dict[str | None, list[str]]
    """Column names by the repeat they hold (None: the submission); several only in JSON."""
    records: list[_Record]
    parent_column: str | None = None
    json: bool = False


def _is_meta(column: str) -> bool:
    head = re.split(r"[/.\-:]", column, maxsplit=1)[0]
    return (
        column.startswith("_")
        or column in ODK_META
        or head in ("meta", "formhub", "__system")
        or column.endswith("@odata.navigationLink")
    )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


# Formats --------------------------------------------------------------------------------------


def _decode(data: bytes, source: str, problems: list[Problem]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(
            Problem("the file is not UTF-8; it was read as Windows-1252", source=source)
        )
        return data.decode("cp1252", errors="replace")


def _csv_table(text: str, source: str, *, repeat: str | None = None) -> _Table:
    first = text.splitlines()[0] if text else ""

    def columns(delimiter: str) -> int:
        try:
            return len(next(csv.reader([first], delimiter=delimiter), []))
        except csv.Error:  # a quote left open on the header line: the full read says where
            return 0

    # The separator that splits the header into the most columns (Kobo offers ';' and ',').
    delimiter = max((",", ";", "\t"), key=columns)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(
            f"not a readable CSV file: {exc}", source=source, line=reader.line_num
        ) from None
    if not rows:
        raise InputError("the file is empty; export the submissions again", source=source)
    header = [h.strip() for h in rows[0]]
    return _Table(source, repeat, {repeat: header}, _records(header, rows[1:]))


def _records(header: list[str], rows: Iterable[Iterable[Any]]) -> list[_Record]:
    out = []
    for line, row in enumerate(rows, start=2):
        cells = {h: v for h, v in zip(header, row, strict=False) if h}
        if any(not _blank(v) for v in cells.values()):
            out.append(_Record(line, None, cells, number=line))
    return out


def _link_keys(table: _Table, key_column: str, parent_column: str | None) -> None:
    table.parent_column = parent_column
    for r in table.records:
        r.key = _as_text(r.cells.get(key_column)) or None
        if parent_column:
            r.parent = _as_text(r.cells.get(parent_column)) or None


def _repeat_paths(form: SurveyForm) -> dict[str, tuple[str, ...]]:
    """Each repeat's path, its own name included."""
    out: dict[str, tuple[str, ...]] = {}
    for q in form.questions:
        if q.repeat and q.repeat not in out:
            out[q.repeat] = q.path[: q.path.index(q.repeat) + 1]
    return out


def _odk_zip(path: Path, source: str, form: SurveyForm, problems: list[Problem]) -> list[_Table]:
    check_archive(path, name=source)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"not a readable ZIP file: {exc}", source=source) from None
    tables: list[_Table] = []
    mains: list[tuple[str, _Table]] = []
    with archive:
        for member in sorted(archive.namelist()):
            if not member.lower().endswith(".csv") or member.endswith("/"):
                continue
            label = f"{source} [{member}]"
            try:
                data = archive.read(member)
            except PACKAGE_ERRORS as exc:
                raise InputError(f"the member cannot be read: {exc}", source=label) from None
            table = _csv_table(_decode(data, label, problems), label)
            if "PARENT_KEY" not in table.columns[None]:
                _link_keys(table, "KEY", None)
                mains.append((Path(member).stem, table))
                continue
            stem = Path(member).stem
            matches = [r for r in form.repeats if stem == r or stem.endswith(f"-{r}")]
            if not matches:
                problems.append(
                    Problem(
                        f"the file matches no repeat group of the form "
                        f"({', '.join(form.repeats) or 'none'}); it was ignored",
                        source=label,
                    )
                )
                continue
            table.repeat = max(matches, key=len)
            table.columns = {table.repeat: table.columns[None]}
            _link_keys(table, "KEY", "PARENT_KEY")
            tables.append(table)
    if not mains:
        raise InputError(
            "the ZIP holds no main CSV (a CSV without PARENT_KEY); export ODK Central's CSV zip",
            source=source,
        )
    # ODK Central names the main file after the form; other files without PARENT_KEY are not
    # submissions of this form.
    mains.sort(key=lambda m: m[0] != form.form_id)
    for _, other in mains[1:]:
        problems.append(Problem("a second CSV without PARENT_KEY; it was ignored", other.source))
    return [mains[0][1], *tables]


def _kobo_xlsx(path: Path, source: str, form: SurveyForm, problems: list[Problem]) -> list[_Table]:
    sheets = read_workbook(path, name=source)
    by_title = {r[:31]: r for r in form.repeats}
    tables: list[_Table] = []
    for n, (title, rows) in enumerate(sheets):
        label = f"{source} [{title}]"
        repeat = by_title.get(title[:31]) if n else None
        if n and repeat is None:
            if rows:
                problems.append(
                    Problem("the sheet matches no repeat group of the form; it was ignored", label)
                )
            continue
        header = [_as_text(h) for h in rows[0]] if rows else []
        table = _Table(label, repeat, {repeat: header}, _records(header, rows[1:]))
        for r in table.records:
            # Kobo numbers rows from 1 in _index and names a parent by its table (sheet).
            index = _as_text(r.cells.get("_index")) or str((r.line or 2) - 1)
            r.key = f"{title}\x1f{index}"
            if repeat:
                parent_repeat = by_title.get(_as_text(r.cells.get("_parent_table_name"))[:31])
                parent_title = parent_repeat[:31] if parent_repeat else sheets[0][0]
                parent_index = _as_text(r.cells.get("_parent_index"))
                r.parent = f"{parent_title}\x1f{parent_index}" if parent_index else None
        table.parent_column = "_parent_index" if repeat else None
        tables.append(table)
    if not tables:
        raise InputError("the workbook has no sheets", source=source)
    return tables


def _flatten(obj: Mapping[str, Any], prefix: str, out: dict[str, Any]) -> dict[str, Any]:
    for key, value in obj.items():
        name = f"{prefix}/{key}" if prefix else str(key)
        if isinstance(value, dict) and not ("coordinates" in value and "type" in value):
            _flatten(value, name, out)
        else:
            out[name] = value
    return out


def _json_tables(
    data: Any, source: str, form: SurveyForm, problems: list[Problem]
) -> tuple[_Table, str]:
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        rows, fmt = data["value"], "odk-json"
    elif isinstance(data, dict) and isinstance(data.get("results"), list):
        rows, fmt = data["results"], "kobo-json"
    elif isinstance(data, list):
        rows, fmt = data, "kobo-json"
    else:
        raise InputError(
            'JSON submissions are a list, {"results": [...]} (KoboToolbox) or '
            '{"value": [...]} (ODK Central OData)',
            source=source,
        )
    candidates = _repeat_candidates(form)
    columns: dict[str | None, dict[str, None]] = {None: {}}

    def record(obj: Any, item: str, scope: str | None, number: int) -> _Record | None:
        if not isinstance(obj, dict):
            problems.append(Problem("not a JSON object; it was left out", source, item=item))
            return None
        rec = _Record(None, item, {}, number=number)
        for key, value in _flatten(obj, "", {}).items():
            repeat = candidates.get(key)
            if repeat and isinstance(value, list):
                kids = (
                    record(v, f"{item}, {repeat} {j}", repeat, j) for j, v in enumerate(value, 1)
                )
                rec.children.setdefault(repeat, []).extend(k for k in kids if k is not None)
            else:
                rec.cells[key] = value
                columns.setdefault(scope, {}).setdefault(key)
        return rec

    records = [record(obj, f"record {i}", None, i) for i, obj in enumerate(rows, start=1)]
    kept = [r for r in records if r is not None]
    table_columns = {scope: list(names) for scope, names in columns.items()}
    return _Table(source, None, table_columns, kept, json=True), fmt


def _repeat_candidates(form: SurveyForm) -> dict[str, str]:
    """JSON key -> repeat name, for full paths (Kobo) and paths relative to a group (OData).

    A nested repeat is found wherever it sits: Kobo's JSON may list it inside its parent's
    rows or, as PeaceOps writes it, beside them.
    """
    out: dict[str, str] = {}
    for repeat, path in _repeat_paths(form).items():
        for start in range(len(path)):
            out.setdefault("/".join(path[start:]), repeat)
    return out


# Columns --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Column:
    question: Question
    kind: str
    """``value``, ``choice`` (a 0/1 column of a select_multiple) or ``geo`` (a geopoint part)."""
    arg: str | int | None = None


def _resolve(columns: Iterable[str], form: SurveyForm, scope: str | None) -> dict[str, _Column]:
    lookup: dict[str, _Column] = {}
    questions = [q for q in form.questions if q.repeat == scope and q.type != "note"]
    for q in questions:
        # Full paths first, then paths from inside the repeat or group, then the bare name.
        names = [
            sep.join((*q.path[start:], q.name))
            for start in range(len(q.path))
            for sep in SEPARATORS
        ]
        names.append(q.name)
        for name in names:
            lookup.setdefault(name, _Column(q, "value"))
        for name in names:
            if q.type in ("select_multiple", "rank"):
                for c in q.choices:
                    for sep in SEPARATORS:
                        lookup.setdefault(f"{name}{sep}{c.name}", _Column(q, "choice", c.name))
            elif q.type == "geopoint":
                for part, index in GEO_PARTS.items():
                    for spelled in (part, part.capitalize()):
                        for column in (f"{name}-{spelled}", f"_{name}_{spelled}"):
                            lookup.setdefault(column, _Column(q, "geo", index))
    return {c: lookup[c] for c in columns if c in lookup}


# Values ---------------------------------------------------------------------------------------


def _kind(q: Question, role: FieldRole | None) -> str:
    if role == FieldRole.WEIGHT:
        return "decimal"
    if q.type in ("integer",):
        return "integer"
    if q.type in ("decimal", "range"):
        return "decimal"
    if q.type in ("date", "today"):
        return "date"
    if q.type in ("datetime", "start", "end"):
        return "datetime"
    if q.type in ("select_one", "select_multiple", "geopoint"):
        return q.type
    if q.type == "rank":
        return "select_multiple"
    return "text"


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError
    number = float(value) if isinstance(value, int | float) else float(_as_text(value))
    if not math.isfinite(number):
        raise ValueError
    return number


def _geopoint(value: Any) -> tuple[float, float, float, float]:
    if isinstance(value, dict):  # GeoJSON, as ODK Central's OData gives it: lon, lat, alt
        coordinates, properties = value.get("coordinates"), value.get("properties")
        if not isinstance(coordinates, list):
            raise ValueError
        coords = [_number(c) for c in coordinates]
        accuracy = properties.get("accuracy") if isinstance(properties, dict) else None
        if len(coords) < 2:
            raise ValueError
        parts = [coords[1], coords[0], *coords[2:3]]
        parts += [0.0] * (3 - len(parts)) + [_number(accuracy) if accuracy is not None else 0.0]
    else:
        parts = [_number(p) for p in _as_text(value).split()]
        if len(parts) not in (2, 3, 4):
            raise ValueError
        parts += [0.0] * (4 - len(parts))
    lat, lon, alt, acc = parts
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError
    return lat, lon, alt, acc


def _convert(q: Question, kind: str, value: Any) -> tuple[Any, str | None]:
    """(converted value, None) or (None, what is wrong)."""
    text = _as_text(value)
    try:
        if kind == "integer":
            if re.fullmatch(r"[+-]?\d+", text):
                return int(text), None  # exact, however long
            number = _number(value)
            if not number.is_integer():
                raise ValueError
            return int(number), None
        if kind == "decimal":
            return _number(value), None
        if kind == "date":
            if isinstance(value, datetime):
                return value.date(), None
            if isinstance(value, date):
                return value, None
            # A date-time given for a date question keeps its day.
            return date.fromisoformat(text.split("T")[0].split(" ")[0]), None
        if kind == "datetime":
            if isinstance(value, datetime):
                return value, None
            return datetime.fromisoformat(text), None
        if kind == "geopoint":
            return _geopoint(value), None
    except (ValueError, TypeError, OverflowError):
        expected = {
            "integer": "a whole number",
            "decimal": "a number",
            "date": "a date (YYYY-MM-DD)",
            "datetime": "a date and time (ISO 8601)",
            "geopoint": "a GPS point 'latitude longitude altitude accuracy'",
        }[kind]
        return None, f"'{text}' is not {expected}"
    if kind == "select_one":
        if q.choices and text not in q.choice_names:
            return None, f"'{text}' is not a choice of '{q.name}' ({_choices(q)})"
        return text, None
    if kind == "select_multiple":
        names = tuple(dict.fromkeys(text.split()))
        unknown = [n for n in names if q.choices and n not in q.choice_names]
        if unknown:
            listed = ", ".join(map(repr, unknown))
            return None, f"{listed} not among the choices of '{q.name}' ({_choices(q)})"
        return names, None
    return text, None


def _choices(q: Question) -> str:
    names = [c.name for c in q.choices]
    return ", ".join(names[:12]) + (" ..." if len(names) > 12 else "")


# Building submissions -------------------------------------------------------------------------


@dataclass(slots=True)
class _Draft:
    uuid: str
    line: int | None
    answers: dict[str, Any]
    submitted_at: datetime | None
    repeats: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class _Builder:
    def __init__(self, form: SurveyForm) -> None:
        self.form = form
        self.problems: list[Problem] = []
        self.drafts: list[_Draft] = []
        self.owners: dict[str, int | None] = {}
        """Link key -> index of the draft it belongs to (None: its submission was left out)."""
        self.seen: dict[str, str] = {}
        self._columns: dict[tuple[int, str | None], dict[str, _Column]] = {}

    def columns(self, table: _Table, scope: str | None) -> dict[str, _Column]:
        key = (id(table), scope)
        if key not in self._columns:
            names = table.columns.get(scope, [])
            found = _resolve(names, self.form, scope)
            self._columns[key] = found
            unknown = [c for c in names if c not in found and c and not _is_meta(c)]
            if unknown:
                what = "column(s)" if not table.json else f"key(s) of {scope or 'submissions'}"
                self.problems.append(
                    Problem(
                        f"{what} not in the form were ignored: {', '.join(unknown[:20])}"
                        + (" ..." if len(unknown) > 20 else ""),
                        source=table.source,
                        line=None if table.json else 1,
                    )
                )
        return self._columns[key]

    def answers(self, table: _Table, scope: str | None, record: _Record) -> dict[str, Any]:
        where = "submission" if scope is None else f"{scope} row"
        kept = f"; the answer was left out, the rest of the {where} was kept"
        out: dict[str, Any] = {}
        whole: set[str] = set()
        parts: dict[str, tuple[Question, dict[Any, tuple[str, Any]]]] = {}
        columns = self.columns(table, scope)
        for column, value in record.cells.items():
            col = columns.get(column)
            if col is None or _blank(value):
                continue
            q = col.question
            if col.kind != "value":
                parts.setdefault(q.name, (q, {}))[1][col.arg] = (column, value)
                continue
            whole.add(q.name)
            result, error = _convert(q, _kind(q, self.form.roles.get(q.name)), value)
            if error:
                self.bad(table, record, column, error + kept)
            else:
                out[q.name] = result
        for name, (q, found) in parts.items():
            if name not in whole:  # the whole-answer column wins over split ones
                self.assemble(table, record, q, found, out, kept)
        return out

    def assemble(
        self,
        table: _Table,
        record: _Record,
        q: Question,
        found: dict[Any, tuple[str, Any]],
        out: dict[str, Any],
        kept: str,
    ) -> None:
        if q.type == "geopoint":
            try:
                lat, lon = (_number(found[i][1]) for i in (0, 1))
                alt, acc = (_number(found[i][1]) if i in found else 0.0 for i in (2, 3))
            except (KeyError, ValueError, TypeError):
                column = next(iter(found.values()))[0]
                self.bad(table, record, column, f"incomplete or bad GPS point{kept}")
                return
            out[q.name] = (lat, lon, alt, acc)
            return
        chosen = []
        for c in q.choices:
            column, value = found.get(c.name, ("", None))
            flag = _as_text(value).lower()
            if flag in _TRUE:
                chosen.append(c.name)
            elif flag not in _FALSE and column:
                self.bad(table, record, column, f"'{_as_text(value)}' is not 0 or 1{kept}")
                return
        if chosen:
            out[q.name] = tuple(chosen)

    def bad(self, table: _Table, record: _Record, column: str | None, message: str) -> None:
        self.problems.append(
            Problem(message, source=table.source, line=record.line, field=column, item=record.item)
        )

    def submission(self, table: _Table, record: _Record) -> None:
        answers = self.answers(table, None, record)
        cells = record.cells
        uid = next(
            (_as_text(cells[c]) for c in UUID_COLUMNS if not _blank(cells.get(c))), ""
        ).removeprefix("uuid:")
        if not uid:
            canonical = json.dumps(answers, sort_keys=True, default=str, ensure_ascii=False)
            uid = str(uuidlib.uuid5(_NAMESPACE, canonical))
            self.bad(
                table,
                record,
                None,
                f"no uuid (_uuid, meta/instanceID or KEY); the submission was kept under the uuid "
                f"{uid}, derived from its answers",
            )
        where = record.item or f"line {record.line}"
        if uid in self.seen:
            self.bad(
                table,
                record,
                next((c for c in UUID_COLUMNS if c in cells), None),
                f"uuid {uid} was already seen ({self.seen[uid]}); this submission and its repeat "
                "rows were left out, the first one was kept",
            )
            if record.key:
                self.owners[record.key] = None
            return
        self.seen[uid] = where
        submitted = None
        for column in TIME_COLUMNS:
            if not _blank(cells.get(column)):
                value, error = _convert(Question(column, "datetime", {}), "datetime", cells[column])
                if error:
                    self.bad(table, record, column, error + "; the submission time was left empty")
                submitted = value
                break
        draft = _Draft(uid, record.number, answers, submitted)
        self.drafts.append(draft)
        if record.key:
            self.owners[record.key] = len(self.drafts) - 1
        for repeat, kids in record.children.items():
            self.nested(table, repeat, kids, draft)

    def nested(self, table: _Table, repeat: str, records: list[_Record], draft: _Draft) -> None:
        for kid in records:
            draft.repeats.setdefault(repeat, []).append(self.answers(table, repeat, kid))
            for inner, grandkids in kid.children.items():
                self.nested(table, inner, grandkids, draft)

    def repeat_rows(self, table: _Table) -> None:
        assert table.repeat is not None
        for record in table.records:
            owner = self.owners.get(record.parent or "", -1)
            if owner == -1:
                shown = (record.parent or "").split("\x1f")[-1]
                self.bad(
                    table,
                    record,
                    table.parent_column,
                    f"the parent row ({table.parent_column} {shown or 'empty'}) is not in the "
                    "file; this repeat row was left out",
                )
                owner = None
            if record.key:
                self.owners[record.key] = owner
            if owner is None:
                continue
            answers = self.answers(table, table.repeat, record)
            self.drafts[owner].repeats.setdefault(table.repeat, []).append(answers)

    def result(self) -> list[Submission]:
        return [
            Submission(
                uuid=d.uuid,
                answers=d.answers,
                repeats={k: tuple(v) for k, v in d.repeats.items()},
                submitted_at=d.submitted_at,
                line=d.line,
            )
            for d in self.drafts
        ]


def _detect(data: bytes) -> str:
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
        return "kobo-xlsx" if "[Content_Types].xml" in names else "odk-zip"
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return "json"
    return "csv"


def read_submissions(
    path: Path, form: SurveyForm, *, source_name: str | None = None
) -> SubmissionsRead:
    """Read exported submissions against their questionnaire.

    Parameters
    ----------
    path
        A KoboToolbox CSV, XLSX or JSON export, an ODK Central CSV, CSV zip or OData JSON; the
        format is told from the content.
    form
        The questionnaire the submissions answer (:func:`peaceops.ingest.xlsform.read_xlsform`).
    source_name
        The file name to use in problems (an upload kept under a temporary name).

    Returns
    -------
    SubmissionsRead
        The submissions in file order (``line`` is the spreadsheet row, or the record number
        in JSON) and the problems: bad answers, broken repeat links and repeated uuids were
        left out and the rest kept, as each problem says.

    Raises
    ------
    InputError
        The file cannot be read, or none of its columns belongs to the form.

    Examples
    --------
    >>> import tempfile
    >>> from peaceops.domain.surveys import Question
    >>> from peaceops.ingest.submissions_write import write_kobo_csv
    >>> form = SurveyForm("demo", "1", {}, (Question("age", "integer", {}),))
    >>> path = Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = write_kobo_csv([Submission("u1", {"age": 34})], form, path)
    >>> read = read_submissions(path, form)
    >>> read.submissions[0].answers, read.submissions[0].line, read.format
    ({'age': 34}, 2, 'kobo-csv')
    """
    source = source_name or path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc}", source=source) from None
    problems: list[Problem] = []
    try:
        fmt = _detect(data)
    except PACKAGE_ERRORS as exc:
        raise InputError(f"not a readable ZIP or XLSX file: {exc}", source=source) from None
    if fmt == "kobo-xlsx":
        tables = _kobo_xlsx(path, source, form, problems)
    elif fmt == "odk-zip":
        tables = _odk_zip(path, source, form, problems)
    elif fmt == "json":
        parsed = load_json(_decode(data, source, problems), name=source)
        table, fmt = _json_tables(parsed, source, form, problems)
        tables = [table]
    else:
        table = _csv_table(_decode(data, source, problems), source)
        odk = {"KEY", "SubmissionDate"} & set(table.columns[None])
        fmt = "odk-csv" if odk else "kobo-csv"
        _link_keys(table, "KEY", None)
        tables = [table]
    builder = _Builder(form)
    builder.problems = problems
    main = tables[0]
    names = main.columns.get(main.repeat, [])
    if main.records and not builder.columns(main, main.repeat) and not all(map(_is_meta, names)):
        raise InputError(
            f"none of the columns match the questions of the form '{form.form_id}'; export with "
            "XML names (not labels) as headers, or check that the file belongs to this form",
            source=main.source,
        )
    for record in main.records:
        builder.submission(main, record)
    paths = _repeat_paths(form)
    depth = {r: sum(1 for p in paths[r] if p in paths) for r in paths}
    for table in sorted(tables[1:], key=lambda t: depth.get(t.repeat or "", 0)):
        builder.repeat_rows(table)
    return SubmissionsRead(builder.result(), builder.problems, fmt)


__all__ = ["SubmissionsRead", "read_submissions"]
