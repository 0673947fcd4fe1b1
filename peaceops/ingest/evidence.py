"""Assessment evidence files: templates generated from a framework, and their validated import.

One XLSX workbook holds a sheet per source (``public_survey``, ``expert_survey``,
``administrative``, ``document_review``, ``site_observation``) plus an ``items`` sheet that
explains every column. A CSV file holds one of those sheets (named by ``sheet`` or by the file
name). Every value is checked against the framework: a survey answer against its item's
scale, an administrative figure against its measure, a check against its source. Problems are
reported by file, sheet, row and column, and a file with any problem imports nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from peaceops.domain.assessment import (
    AdminValue,
    Check,
    Disaggregation,
    Evidence,
    EvidenceSource,
    Framework,
    Measure,
    SurveyResponse,
    text_in,
)
from peaceops.errors import InputError, Problem, RowErrors
from peaceops.ingest.guards import read_workbook

SURVEY_COLUMNS = ("respondent_id", "weight", "sex", "region", "group", "collected_on")
ADMIN_COLUMNS = ("item_code", "breakdown", "as_of", "numerator", "denominator", "source_name")
CHECK_COLUMNS = ("item_code", "reference", "met", "checked_on", "notes")
SEXES = ("female", "male", "other")
YES = {"yes", "y", "true", "1", "oui", "met"}
NO = {"no", "n", "false", "0", "non", "not met"}
SHEETS = tuple(s.value for s in EvidenceSource)


def columns_for(framework: Framework, source: EvidenceSource) -> list[str]:
    if source.is_survey:
        return [*SURVEY_COLUMNS, *(item.code for _, item in framework.items_from(source))]
    if source == EvidenceSource.ADMINISTRATIVE:
        return list(ADMIN_COLUMNS)
    return list(CHECK_COLUMNS)


def _item_help(framework: Framework, language: str) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [
            "item_code",
            "indicator",
            "institution",
            "dimension",
            "source",
            "measure",
            "text",
            "allowed values",
            "favourable",
            "numerator",
            "denominator",
        ]
    ]
    for ind in framework.indicators:
        for item in ind.items:
            allowed = ""
            if item.scale:
                scale = framework.scales[item.scale]
                allowed = "; ".join(
                    f"{v.value} = {text_in(v.label, language)}" for v in scale.values
                )
            elif item.source.is_check:
                allowed = "yes / no"
            rows.append(
                [
                    item.code,
                    ind.code,
                    ind.institution,
                    ind.dimension.value,
                    item.source.value,
                    ind.measure.value,
                    text_in(item.text, language),
                    allowed,
                    ", ".join(str(v) for v in item.favourable),
                    text_in(item.numerator, language) if item.numerator else "",
                    text_in(item.denominator, language) if item.denominator else "",
                ]
            )
    return rows


def write_xlsx_template(framework: Framework, path: Path, *, language: str = "en") -> None:
    """An evidence workbook for ``framework``: one sheet per source, with validation lists."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    about = wb.active
    assert about is not None
    about.title = "about"
    about.append([f"{text_in(framework.title, language)} ({framework.key})"])
    about.append(["peaceops-evidence/1", framework.code, framework.version])
    about.append([])
    about.append(
        [
            "One sheet per source. Keep the header row; one row per respondent, figure or "
            "check. Dates as YYYY-MM-DD. The 'items' sheet explains every item code."
        ]
    )
    for source in EvidenceSource:
        if not framework.items_from(source):
            continue
        ws = wb.create_sheet(source.value)
        ws.append(columns_for(framework, source))
        if source.is_survey:
            for col, (_, item) in enumerate(
                framework.items_from(source), start=len(SURVEY_COLUMNS) + 1
            ):
                cell = ws.cell(row=1, column=col)
                cell.comment = Comment(text_in(item.text, language), "PeaceOps")
                assert item.scale is not None
                allowed = ",".join(str(v) for v in sorted(framework.scales[item.scale].allowed))
                dv = DataValidation(type="list", formula1=f'"{allowed}"', allow_blank=True)
                dv.error = f"{item.code}: one of {allowed}"
                ws.add_data_validation(dv)
                dv.add(f"{cell.column_letter}2:{cell.column_letter}5000")
            sex = DataValidation(type="list", formula1=f'"{",".join(SEXES)}"', allow_blank=True)
            ws.add_data_validation(sex)
            sex.add("C2:C5000")
        elif source.is_check:
            met = DataValidation(type="list", formula1='"yes,no"', allow_blank=False)
            ws.add_data_validation(met)
            met.add("C2:C5000")
        ws.freeze_panes = "A2"
    items = wb.create_sheet("items")
    for row in _item_help(framework, language):
        items.append(row)
    wb.save(path)


def write_csv_template(framework: Framework, source: EvidenceSource, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(columns_for(framework, source))


# Reading ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    header: list[str]
    rows: list[tuple[int, list[Any]]]
    """(line or spreadsheet row number, cell values)."""


def _xlsx_sheets(path: Path) -> Iterator[Sheet]:
    read = read_workbook(
        path, name=path.name, sheets=lambda titles: [t for t in titles if t in SHEETS]
    )
    for title, all_rows in read:
        rows = iter(all_rows)
        header_row = next(rows, None)
        if header_row is None:
            continue
        header = [str(h).strip() if h is not None else "" for h in header_row]
        while header and header[-1] == "":
            header.pop()
        body = []
        for n, row in enumerate(rows, start=2):
            values = list(row[: len(header)])
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            body.append((n, values))
        yield Sheet(title, header, body)


def _csv_sheet(path: Path, sheet: str) -> Sheet:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            body = [
                (reader.line_num, list(row)) for row in reader if any(cell.strip() for cell in row)
            ]
    except UnicodeDecodeError:
        raise InputError("the CSV file is not UTF-8 text", source=path.name) from None
    except csv.Error as exc:
        raise InputError(
            f"not a readable CSV file: {exc}", source=path.name, line=reader.line_num
        ) from None
    return Sheet(sheet, header, body)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def _as_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("not a number")
    return float(str(value).strip()) if not isinstance(value, int | float) else float(value)


def _as_int(value: Any) -> int:
    number = _as_float(value)
    if number != int(number):
        raise ValueError("not a whole number")
    return int(number)


class _Reader:
    """Reads one sheet, collecting problems instead of stopping at the first."""

    def __init__(self, framework: Framework, source_name: str, sheet: Sheet) -> None:
        self.framework = framework
        self.source_name = source_name
        self.sheet = sheet
        self.problems: list[Problem] = []

    def problem(self, line: int | None, column: str | None, message: str) -> None:
        self.problems.append(
            Problem(
                message, source=f"{self.source_name} [{self.sheet.name}]", line=line, field=column
            )
        )

    def check_header(self, required: Sequence[str], optional: Sequence[str] = ()) -> bool:
        header = self.sheet.header
        missing = [c for c in required if c not in header]
        for c in missing:
            self.problem(1, c, "required column is missing")
        dupes = {c for c in header if header.count(c) > 1 and c}
        for c in sorted(dupes):
            self.problem(1, c, "column appears twice")
        return not missing and not dupes

    def cell(self, row: list[Any], column: str) -> Any:
        idx = self.sheet.header.index(column)
        return row[idx] if idx < len(row) else None


def _read_survey(
    reader: _Reader, source: EvidenceSource, pseudonymise: Callable[[str], str]
) -> list[SurveyResponse]:
    fw = reader.framework
    items = {item.code: item for _, item in fw.items_from(source)}
    if not reader.check_header(["respondent_id"]):
        return []
    for col in reader.sheet.header:
        if col and col not in SURVEY_COLUMNS and col not in items:
            reader.problem(1, col, f"not a {source.value} item of framework {fw.key}")
    item_cols = [c for c in reader.sheet.header if c in items]
    seen: dict[str, int] = {}
    out: list[SurveyResponse] = []
    for line, row in reader.sheet.rows:
        rid = reader.cell(row, "respondent_id")
        if _blank(rid):
            reader.problem(line, "respondent_id", "missing respondent id")
            continue
        rid = str(rid).strip()
        if rid.endswith(".0") and rid[:-2].isdigit():
            rid = rid[:-2]
        if rid in seen:
            reader.problem(line, "respondent_id", f"'{rid}' also on row {seen[rid]}")
            continue
        seen[rid] = line
        weight = 1.0
        if "weight" in reader.sheet.header and not _blank(w := reader.cell(row, "weight")):
            try:
                weight = _as_float(w)
                if not weight > 0:
                    raise ValueError
            except ValueError:
                reader.problem(line, "weight", f"'{w}' is not a positive number")
        attrs: dict[str, str | None] = {}
        for col in ("sex", "region", "group"):
            value = reader.cell(row, col) if col in reader.sheet.header else None
            attrs[col] = None if _blank(value) else str(value).strip()
        if attrs["sex"] is not None:
            attrs["sex"] = attrs["sex"].lower()
            if attrs["sex"] not in SEXES:
                reader.problem(line, "sex", f"'{attrs['sex']}' is not one of {', '.join(SEXES)}")
        collected = None
        if "collected_on" in reader.sheet.header and not _blank(
            c := reader.cell(row, "collected_on")
        ):
            try:
                collected = _as_date(c)
            except ValueError:
                reader.problem(line, "collected_on", f"'{c}' is not a date (YYYY-MM-DD)")
        answers: dict[str, int] = {}
        for col in item_cols:
            raw = reader.cell(row, col)
            if _blank(raw):
                continue
            item = items[col]
            assert item.scale is not None
            scale = fw.scales[item.scale]
            try:
                value = _as_int(raw)
            except ValueError:
                value = None
            if value is None or value not in scale.allowed:
                allowed = ", ".join(str(v) for v in sorted(scale.allowed))
                reader.problem(line, col, f"'{raw}' is not on scale {item.scale} ({allowed})")
                continue
            answers[col] = value
        out.append(
            SurveyResponse(
                source=source,
                respondent_ref=pseudonymise(rid),
                answers=answers,
                weight=weight,
                sex=attrs["sex"],
                region=attrs["region"],
                group=attrs["group"],
                collected_on=collected,
                line=line,
            )
        )
    return out


def _parse_breakdown(value: Any) -> str:
    if _blank(value):
        return ""
    text = str(value).strip()
    by, sep, group = text.partition("=")
    if not sep or by.strip() not in {d.value for d in Disaggregation} or not group.strip():
        raise ValueError(text)
    return f"{by.strip()}={group.strip()}"


def _read_admin(reader: _Reader) -> list[AdminValue]:
    fw = reader.framework
    if not reader.check_header(["item_code", "as_of", "numerator", "source_name"]):
        return []
    items = {item.code: ind for ind, item in fw.items_from(EvidenceSource.ADMINISTRATIVE)}
    out: list[AdminValue] = []
    seen: dict[tuple[str, str, date], int] = {}
    for line, row in reader.sheet.rows:
        code = reader.cell(row, "item_code")
        code = "" if _blank(code) else str(code).strip()
        indicator = items.get(code)
        if indicator is None:
            reader.problem(line, "item_code", f"'{code}' is not an administrative item of {fw.key}")
            continue
        ok = True
        try:
            breakdown = _parse_breakdown(
                reader.cell(row, "breakdown") if "breakdown" in reader.sheet.header else None
            )
        except ValueError as exc:
            reader.problem(
                line, "breakdown", f"'{exc}' should be empty or like sex=female, region=XCA03"
            )
            ok = False
            breakdown = ""
        try:
            as_of = _as_date(reader.cell(row, "as_of"))
        except ValueError:
            reader.problem(
                line, "as_of", f"'{reader.cell(row, 'as_of')}' is not a date (YYYY-MM-DD)"
            )
            ok = False
        try:
            numerator = _as_float(reader.cell(row, "numerator"))
            if numerator < 0:
                raise ValueError
        except (ValueError, TypeError):
            reader.problem(
                line, "numerator", f"'{reader.cell(row, 'numerator')}' is not a number >= 0"
            )
            ok = False
        denominator: float | None = None
        raw_den = reader.cell(row, "denominator") if "denominator" in reader.sheet.header else None
        if indicator.measure == Measure.YES_NO:
            if ok and numerator not in (0.0, 1.0):
                reader.problem(line, "numerator", "a yes/no figure is 1 (yes) or 0 (no)")
                ok = False
        else:
            try:
                denominator = _as_float(raw_den)
                if not denominator > 0:
                    raise ValueError
            except (ValueError, TypeError):
                reader.problem(line, "denominator", f"'{raw_den}' is not a number > 0")
                ok = False
            if (
                ok
                and indicator.measure == Measure.SHARE
                and denominator is not None
                and numerator > denominator
            ):
                reader.problem(
                    line, "numerator", "a share's numerator cannot exceed its denominator"
                )
                ok = False
        source_name = reader.cell(row, "source_name")
        if _blank(source_name):
            reader.problem(line, "source_name", "say where the figure comes from")
            ok = False
        if not ok:
            continue
        key = (code, breakdown, as_of)
        if key in seen:
            reader.problem(line, "item_code", f"same item, breakdown and date as row {seen[key]}")
            continue
        seen[key] = line
        out.append(
            AdminValue(
                item_code=code,
                numerator=numerator,
                denominator=denominator,
                source_name=str(source_name).strip(),
                as_of=as_of,
                breakdown=breakdown,
                line=line,
            )
        )
    return out


def _read_checks(reader: _Reader, source: EvidenceSource) -> list[Check]:
    fw = reader.framework
    if not reader.check_header(["item_code", "reference", "met", "checked_on"]):
        return []
    codes = {item.code for _, item in fw.items_from(source)}
    out: list[Check] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in reader.sheet.rows:
        code = reader.cell(row, "item_code")
        code = "" if _blank(code) else str(code).strip()
        ok = True
        if code not in codes:
            reader.problem(line, "item_code", f"'{code}' is not a {source.value} item of {fw.key}")
            ok = False
        reference = reader.cell(row, "reference")
        if _blank(reference):
            what = (
                "the document reviewed"
                if source == EvidenceSource.DOCUMENT_REVIEW
                else "the site observed"
            )
            reader.problem(line, "reference", f"name {what}")
            ok = False
        raw_met = reader.cell(row, "met")
        met_text = "" if raw_met is None else str(raw_met).strip().lower()
        if isinstance(raw_met, bool):
            met_text = "yes" if raw_met else "no"
        if met_text.endswith(".0"):
            met_text = met_text[:-2]
        if met_text not in YES | NO:
            reader.problem(line, "met", f"'{raw_met}' is not yes or no")
            ok = False
        try:
            checked_on = _as_date(reader.cell(row, "checked_on"))
        except ValueError:
            reader.problem(
                line, "checked_on", f"'{reader.cell(row, 'checked_on')}' is not a date (YYYY-MM-DD)"
            )
            ok = False
        if not ok:
            continue
        ref = str(reference).strip()
        if (code, ref) in seen:
            reader.problem(line, "reference", f"same item and reference as row {seen[(code, ref)]}")
            continue
        seen[(code, ref)] = line
        notes = reader.cell(row, "notes") if "notes" in reader.sheet.header else None
        out.append(
            Check(
                source=source,
                item_code=code,
                met=met_text in YES,
                reference=ref,
                checked_on=checked_on,
                notes="" if _blank(notes) else str(notes).strip(),
                line=line,
            )
        )
    return out


def read_evidence(
    path: Path,
    framework: Framework,
    *,
    pseudonymise: Callable[[str], str],
    sheet: str | None = None,
) -> Evidence:
    """Every record of an evidence file, or ``RowErrors`` listing every problem found.

    ``pseudonymise`` turns a respondent identifier into the stored reference (a keyed digest),
    so that identifiers never reach the database.
    """
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        sheets = list(_xlsx_sheets(path))
        if not sheets:
            raise InputError(
                f"no evidence sheet found; sheets are named {', '.join(SHEETS)}", source=path.name
            )
    elif suffix == ".csv":
        name = sheet or path.stem
        if name not in SHEETS:
            raise InputError(
                f"say which source this CSV holds (--sheet {' | '.join(SHEETS)}), "
                "or name the file after it",
                source=path.name,
            )
        sheets = [_csv_sheet(path, name)]
    else:
        raise InputError("evidence is an .xlsx workbook or a .csv file", source=path.name)
    evidence = Evidence()
    problems: list[Problem] = []
    for sh in sheets:
        part, found = read_sheet(framework, sh, source_name=path.name, pseudonymise=pseudonymise)
        evidence.responses.extend(part.responses)
        evidence.admin_values.extend(part.admin_values)
        evidence.checks.extend(part.checks)
        problems.extend(found)
    if problems:
        raise RowErrors(problems, source=path.name)
    return evidence


def read_sheet(
    framework: Framework,
    sheet: Sheet,
    *,
    source_name: str,
    pseudonymise: Callable[[str], str],
) -> tuple[Evidence, list[Problem]]:
    """The records of one sheet (a file's, or one entered in a form) and its problems."""
    evidence = Evidence()
    source = EvidenceSource(sheet.name)
    reader = _Reader(framework, source_name, sheet)
    if not framework.items_from(source):
        if sheet.rows:
            reader.problem(None, None, f"framework {framework.key} has no {source.value} items")
    elif source.is_survey:
        evidence.responses.extend(_read_survey(reader, source, pseudonymise))
    elif source == EvidenceSource.ADMINISTRATIVE:
        evidence.admin_values.extend(_read_admin(reader))
    else:
        evidence.checks.extend(_read_checks(reader, source))
    return evidence, reader.problems
