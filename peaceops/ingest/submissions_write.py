"""Submissions written the way KoboToolbox and ODK Central export them.

Used for round trips with :func:`peaceops.ingest.submissions.read_submissions`, for the demo,
and to hand data to tools that expect a Kobo or ODK export. Each writer follows the layout of
its tool's own export: column names, link columns between submissions and repeat rows,
metadata columns, and values as text (``lat lon alt acc`` geopoints, space-separated choices,
ISO dates). Repeats nested in repeats are written under the submission itself, as
:class:`~peaceops.domain.surveys.Submission` holds them.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from peaceops.domain.surveys import Question, Submission, SurveyForm

GEO_KOBO = ("latitude", "longitude", "altitude", "precision")
GEO_ODK = ("Latitude", "Longitude", "Altitude", "Accuracy")


def format_value(value: Any) -> str:
    """An answer as export text: ``"a b"`` for choices, ``"lat lon alt acc"``, ISO dates.

    >>> format_value(("land", "debt")), format_value((-21.5, -24.0, 12.0, 5.0))
    ('land debt', '-21.5 -24.0 12.0 5.0')
    >>> format_value(date(2025, 3, 1)), format_value(3)
    ('2025-03-01', '3')
    """
    if value is None:
        return ""
    if isinstance(value, tuple | list):
        return " ".join(format_value(v) for v in value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same float
    return str(value)


def _questions(form: SurveyForm, repeat: str | None) -> list[Question]:
    return [q for q in form.questions if q.repeat == repeat and q.type != "note"]


def _name(q: Question, separator: str) -> str:
    return separator.join((*q.path, q.name)) if separator else q.name


def _kobo_columns(
    form: SurveyForm, separator: str, *, split: bool = True
) -> list[tuple[str, Question, str | int | None]]:
    """(column, question, choice name or geopoint part) of a Kobo submissions table."""
    out: list[tuple[str, Question, str | int | None]] = []
    for q in _questions(form, None):
        column = _name(q, separator)
        out.append((column, q, None))
        inner = separator or "/"
        if split and q.type == "select_multiple":
            out += [(f"{column}{inner}{c.name}", q, c.name) for c in q.choices]
        if q.type == "geopoint":
            out += [(f"_{column}_{part}", q, i) for i, part in enumerate(GEO_KOBO)]
    return out


def _kobo_cell(s: Submission, q: Question, arg: str | int | None) -> str:
    value = s.answers.get(q.name)
    if arg is None or value is None:
        return format_value(value)
    if isinstance(arg, int):
        return format_value(value[arg])
    return "1" if arg in value else "0"


def _kobo_meta(s: Submission, index: int, form: SurveyForm, separator: str) -> dict[str, Any]:
    return {
        f"meta{separator or '/'}instanceID": f"uuid:{s.uuid}",
        "_id": index,
        "_uuid": s.uuid,
        "_submission_time": format_value(s.submitted_at),
        "_validation_status": "",
        "_notes": "",
        "_status": "submitted_via_web",
        "_submitted_by": "",
        "__version__": form.version,
        "_tags": "",
        "_index": index,
    }


def write_kobo_csv(
    submissions: Iterable[Submission],
    form: SurveyForm,
    path: Path,
    *,
    separator: str = ";",
    group_separator: str = "/",
) -> Path:
    """Write submissions as a KoboToolbox CSV export.

    Parameters
    ----------
    submissions, form
        The submissions and the questionnaire they answer.
    path
        The ``.csv`` to write.
    separator
        Between fields: Kobo offers ``;`` (its default) and ``,``.
    group_separator
        Between group names in headers (``/`` or ``.``); ``""`` writes bare question names.

    Returns
    -------
    Path
        ``path``. Repeat groups are not written: Kobo's CSV export leaves them out too.
    """
    columns = _kobo_columns(form, group_separator)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=separator, quoting=csv.QUOTE_ALL)
        meta_names: list[str] | None = None
        for index, s in enumerate(submissions, start=1):
            meta = _kobo_meta(s, index, form, group_separator)
            if meta_names is None:
                meta_names = list(meta)
                writer.writerow([c for c, _, _ in columns] + meta_names)
            writer.writerow([_kobo_cell(s, q, arg) for _, q, arg in columns] + list(meta.values()))
        if meta_names is None:
            empty = _kobo_meta(Submission("", {}), 0, form, group_separator)
            writer.writerow([c for c, _, _ in columns] + list(empty))
    return path


def _xlsx_value(value: Any) -> Any:
    # openpyxl writes numbers with 16 significant digits (Excel keeps 15): a number that would
    # lose digits goes in as text, so that it reads back exactly.
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and float("%.16g" % value) == value:  # noqa: UP031 - the format openpyxl uses
        return value
    return format_value(value)


def write_kobo_xlsx(
    submissions: Iterable[Submission],
    form: SurveyForm,
    path: Path,
    *,
    group_separator: str = "/",
) -> Path:
    """Write submissions as a KoboToolbox XLSX export: a sheet of submissions, one per repeat.

    Repeat sheets link each row to its submission with ``_parent_table_name``,
    ``_parent_index`` (the submission's ``_index``) and ``_submission__uuid``. Numbers are
    written as numbers, everything else as text.

    Returns
    -------
    Path
        ``path``.
    """
    from openpyxl import Workbook

    wb = Workbook(write_only=True)  # streams rows: the default mode slows down with size
    main = wb.create_sheet((form.form_id or "data")[:31])
    columns = _kobo_columns(form, group_separator)
    repeat_sheets = {}
    for repeat in form.repeats:
        ws = wb.create_sheet(repeat[:31])
        questions = _questions(form, repeat)
        ws.append(
            [_name(q, group_separator) for q in questions]
            + [
                "_index",
                "_parent_table_name",
                "_parent_index",
                "_submission__id",
                "_submission__uuid",
                "_submission__submission_time",
            ]
        )
        repeat_sheets[repeat] = (ws, questions, [0])
    header_written = False
    for index, s in enumerate(submissions, start=1):
        meta = _kobo_meta(s, index, form, group_separator)
        if not header_written:
            main.append([c for c, _, _ in columns] + list(meta))
            header_written = True
        row = [
            _xlsx_value(s.answers.get(q.name)) if arg is None else _kobo_cell(s, q, arg)
            for _, q, arg in columns
        ]
        _append_text_safe(main, row + list(meta.values()))
        for repeat, rows in s.repeats.items():
            if repeat not in repeat_sheets:
                continue
            ws, questions, counter = repeat_sheets[repeat]
            for answers in rows:
                counter[0] += 1
                cells = [_xlsx_value(answers.get(q.name)) for q in questions]
                link = [counter[0], main.title, index, index, s.uuid, meta["_submission_time"]]
                _append_text_safe(ws, cells + link)
    if not header_written:
        main.append([c for c, _, _ in columns] + list(_kobo_meta(Submission("", {}), 0, form, "/")))
    wb.save(path)
    return path


def _append_text_safe(ws: Any, row: Sequence[Any]) -> None:
    """Append a row; text starting with '=' stays text instead of becoming a formula."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in row:
        if isinstance(value, str) and value.startswith("="):
            value = WriteOnlyCell(ws, value)
            value.data_type = "s"
        cells.append(value)
    ws.append(cells)


def _kobo_record(s: Submission, index: int, form: SurveyForm) -> dict[str, Any]:
    record: dict[str, Any] = {"_id": index}
    for q in _questions(form, None):
        if q.name in s.answers:
            record[q.xpath] = format_value(s.answers[q.name])
    for repeat, rows in s.repeats.items():
        questions = _questions(form, repeat)
        if not questions:
            continue
        repeat_path = "/".join(questions[0].path[: questions[0].path.index(repeat) + 1])
        record[repeat_path] = [
            {q.xpath: format_value(r[q.name]) for q in questions if q.name in r} for r in rows
        ]
    point = next(
        (
            v
            for q in _questions(form, None)
            if q.type == "geopoint"
            for v in [s.answers.get(q.name)]
            if v
        ),
        None,
    )
    record.update(
        {
            "__version__": form.version,
            "meta/instanceID": f"uuid:{s.uuid}",
            "_uuid": s.uuid,
            "_submission_time": format_value(s.submitted_at) or None,
            "_status": "submitted_via_web",
            "_validation_status": {},
            "_attachments": [],
            "_geolocation": [point[0], point[1]] if point else [None, None],
            "_tags": [],
            "_notes": [],
            "_submitted_by": None,
        }
    )
    return record


def write_kobo_json(submissions: Iterable[Submission], form: SurveyForm, path: Path) -> Path:
    """Write submissions as the KoboToolbox API gives them (``{"count", "results": [...]}``).

    Returns
    -------
    Path
        ``path``.
    """
    results = [_kobo_record(s, i, form) for i, s in enumerate(submissions, start=1)]
    body = {"count": len(results), "next": None, "previous": None, "results": results}
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _odk_columns(form: SurveyForm, repeat: str | None) -> list[tuple[str, Question, int | None]]:
    out: list[tuple[str, Question, int | None]] = []
    for q in _questions(form, repeat):
        column = _name(q, "-")
        if q.type == "geopoint":  # ODK Central splits geopoints into four columns
            out += [(f"{column}-{part}", q, i) for i, part in enumerate(GEO_ODK)]
        else:
            out.append((column, q, None))
    return out


def _odk_cell(answers: dict[str, Any], q: Question, part: int | None) -> str:
    value = answers.get(q.name)
    if value is None:
        return ""
    return format_value(value if part is None else value[part])


def write_odk_zip(submissions: Iterable[Submission], form: SurveyForm, path: Path) -> Path:
    """Write submissions as ODK Central's "CSV zip": ``<form>.csv`` and one CSV per repeat.

    Repeat files are ``<form>-<repeat>.csv``, linked by ``PARENT_KEY`` to the submission's
    ``KEY`` (``uuid:...``).

    Returns
    -------
    Path
        ``path``.
    """
    form_id = form.form_id or "data"
    main_columns = _odk_columns(form, None)
    meta = [
        "meta-instanceID",
        "KEY",
        "SubmitterID",
        "SubmitterName",
        "AttachmentsPresent",
        "AttachmentsExpected",
        "Status",
        "ReviewState",
        "DeviceID",
        "Edits",
        "FormVersion",
    ]
    main = io.StringIO(newline="")
    main_writer = csv.writer(main)
    main_writer.writerow(["SubmissionDate"] + [c for c, _, _ in main_columns] + meta)
    repeat_files: dict[str, tuple[io.StringIO, Any, list[tuple[str, Question, int | None]]]] = {}
    for repeat in form.repeats:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        columns = _odk_columns(form, repeat)
        writer.writerow([c for c, _, _ in columns] + ["PARENT_KEY", "KEY"])
        repeat_files[repeat] = (buffer, writer, columns)
    for s in submissions:
        key = f"uuid:{s.uuid}"
        main_writer.writerow(
            [format_value(s.submitted_at)]
            + [_odk_cell(s.answers, q, part) for _, q, part in main_columns]
            + [key, key, "1", "enumerator", "0", "0", "", "", "", "0", form.version]
        )
        for repeat, rows in s.repeats.items():
            if repeat not in repeat_files:
                continue
            _, writer, columns = repeat_files[repeat]
            for j, answers in enumerate(rows, start=1):
                writer.writerow(
                    [_odk_cell(answers, q, part) for _, q, part in columns]
                    + [key, f"{key}/{repeat}[{j}]"]
                )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{form_id}.csv", main.getvalue())
        for repeat, (buffer, _, _) in repeat_files.items():
            archive.writestr(f"{form_id}-{repeat}.csv", buffer.getvalue())
    return path


def _odata_value(q: Question, value: Any) -> Any:
    if q.type == "geopoint":
        lat, lon, alt, acc = value
        return {"type": "Point", "coordinates": [lon, lat, alt], "properties": {"accuracy": acc}}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return format_value(value)


def write_odata_json(submissions: Iterable[Submission], form: SurveyForm, path: Path) -> Path:
    """Write submissions as ODK Central's OData feed with ``$expand=*`` (``{"value": [...]}``).

    Groups are nested objects, repeats inline lists, geopoints GeoJSON points.

    Returns
    -------
    Path
        ``path``.
    """

    def put(target: dict[str, Any], keys: Sequence[str], value: Any) -> None:
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = value

    values = []
    for s in submissions:
        record: dict[str, Any] = {
            "__id": f"uuid:{s.uuid}",
            "__system": {
                "submissionDate": format_value(s.submitted_at) or None,
                "formVersion": form.version,
                "reviewState": None,
            },
            "meta": {"instanceID": f"uuid:{s.uuid}"},
        }
        for q in _questions(form, None):
            if q.name in s.answers:
                put(record, (*q.path, q.name), _odata_value(q, s.answers[q.name]))
        for repeat, rows in s.repeats.items():
            questions = _questions(form, repeat)
            if not questions:
                continue
            at = questions[0].path.index(repeat)
            items = []
            for j, answers in enumerate(rows, start=1):
                item: dict[str, Any] = {"__id": f"{s.uuid}-{repeat}-{j}"}
                for q in questions:
                    if q.name in answers:
                        put(item, (*q.path[at + 1 :], q.name), _odata_value(q, answers[q.name]))
                items.append(item)
            put(record, questions[0].path[: at + 1], items)
        values.append(record)
    body = {"@odata.context": f"{form.form_id}.svc/$metadata#Submissions", "value": values}
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


__all__ = [
    "format_value",
    "write_kobo_csv",
    "write_kobo_json",
    "write_kobo_xlsx",
    "write_odata_json",
    "write_odk_zip",
]
