"""Questionnaires as XLSForms (KoboToolbox, ODK, SurveyCTO) read into a :class:`SurveyForm`.

The form is converted with pyxform, the library KoboToolbox and ODK Central use themselves, so
a form they would reject is rejected here with pyxform's own message (which names the sheet
and row). PeaceOps then walks pyxform's JSON: groups and repeats give each question its path,
``label::French (fr)`` columns give labels by language code, ``settings`` gives the form id,
version, title and default language.

Two additions that collection tools ignore carry what PeaceOps needs:

``peaceops_framework`` column of the ``settings`` sheet
    The code of the assessment framework whose items the form measures (``rule_of_law``).
``peaceops`` sheet
    Columns ``name``, ``role``, ``item`` and ``recode``, one row per question that needs them.
    ``role`` is one of personal, location, area, weight, stratum, cluster, sex, age.
    ``item`` is the code of a framework item the question measures, and ``recode`` maps the
    question's choice names to the item's scale values (``very_unlikely=1, likely=3``);
    choices left out of the recode (such as "don't know") count as missing answers. With an
    empty recode, choice names that are whole numbers map to themselves. Geopoint questions
    are ``location`` unless the sheet gives them another role.

The ``peaceops`` sheet is read from ``.xlsx`` and ``.xlsm`` workbooks; forms in pyxform's
other formats (``.xls``, ``.csv``, ``.md``) are read without it. PeaceOps keys answers by
question name, so names must be unique across the whole form (XLSForm only asks it within
a group).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from peaceops.domain.surveys import (
    Choice,
    FieldRole,
    ItemMapping,
    Question,
    SurveyForm,
    Text,
)
from peaceops.errors import InputError
from peaceops.ingest.guards import PACKAGE_ERRORS, check_archive, read_workbook

PEACEOPS_SHEET = "peaceops"
FRAMEWORK_SETTING = "peaceops_framework"

# pyxform's JSON spells some types differently from the XLSForm base type PeaceOps keeps.
_BASE_TYPES = {
    "select one": "select_one",
    "select one external": "select_one",
    "select all that apply": "select_multiple",
    "dateTime": "datetime",
}
_CONTAINERS = ("group", "repeat", "loop")
_CODE_IN_BRACKETS = re.compile(r"\(\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)\s*\)\s*$")


def language_code(name: str) -> str:
    """The language code of an XLSForm language name.

    ``"French (fr)"`` gives ``"fr"``, a bare ``"fr"`` or ``"French"`` gives ``"fr"`` too,
    ``"default"`` (pyxform's name for an unlabelled language) gives ``""``, anything else its
    lower-cased name.

    >>> language_code("Arabic (ar)"), language_code("English"), language_code("default")
    ('ar', 'en', '')
    >>> language_code("Kreol")
    'kreol'
    """
    name = name.strip()
    if not name or name.lower() == "default":
        return ""
    found = _CODE_IN_BRACKETS.search(name)
    if found:
        return found.group(1)
    import pycountry

    try:
        language = pycountry.languages.lookup(name)
    except LookupError:
        return name.lower()
    return str(getattr(language, "alpha_2", None) or language.alpha_3)


def _text(value: Any) -> Text:
    if isinstance(value, dict):
        return {language_code(str(k)): str(v) for k, v in value.items() if v not in (None, "")}
    if value in (None, ""):
        return {}
    return {"": str(value)}


def _base_type(json_type: str) -> str:
    return _BASE_TYPES.get(json_type, json_type.replace(" ", "_"))


def _required(element: Mapping[str, Any]) -> bool:
    flag = str((element.get("bind") or {}).get("required", "")).strip().lower()
    return flag in ("yes", "true", "true()", "1")


# pyxform fails on some malformed workbooks with Python's errors rather than its own.
_PYXFORM_ERRORS: tuple[type[BaseException], ...] = (*PACKAGE_ERRORS, RecursionError)


def _convert(path: Path, source: str) -> dict[str, Any]:
    """pyxform's JSON of the form, after the full XForm conversion has succeeded."""
    from pyxform.builder import (  # type: ignore[import-untyped]
        create_survey_element_from_dict,
    )
    from pyxform.errors import PyXFormError  # type: ignore[import-untyped]
    from pyxform.xls2json import workbook_to_json  # type: ignore[import-untyped]
    from pyxform.xls2json_backends import get_xlsform  # type: ignore[import-untyped]

    if not path.is_file():
        raise InputError("the XLSForm file does not exist", source=source)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        check_archive(path, name=source)
    warnings: list[str] = []
    try:
        workbook = get_xlsform(xlsform=path)
        data: dict[str, Any] = workbook_to_json(
            workbook_dict=workbook,
            form_name=None,
            fallback_form_name=workbook.fallback_form_name,
            default_language=None,
            warnings=warnings,
        )
        # Building the XForm catches what the JSON step lets through (bad references such as
        # ${missing}, malformed expressions), exactly as Kobo and ODK Central would on upload.
        create_survey_element_from_dict(data).to_xml(validate=False, warnings=warnings)
    except PyXFormError as exc:
        raise InputError(
            f"pyxform rejected the form: {exc}. Fix the XLSForm and load it again",
            source=source,
        ) from None
    except _PYXFORM_ERRORS as exc:
        # pyxform fails this way on some malformed workbooks rather than with its own error.
        raise InputError(
            f"pyxform could not read the form ({type(exc).__name__}: {exc}); check that it is "
            "an XLSForm with survey, choices and settings sheets",
            source=source,
        ) from None
    return data


def _walk(
    children: list[dict[str, Any]],
    path: tuple[str, ...],
    repeat: str | None,
    out: list[Question],
) -> None:
    for child in children:
        kind = str(child.get("type", ""))
        name = str(child.get("name", ""))
        if kind in _CONTAINERS:
            bodyless = bool((child.get("control") or {}).get("bodyless"))
            if not path and name == "meta" and bodyless:
                continue  # instanceID and friends: export metadata, not answers
            _walk(
                child.get("children") or [],
                (*path, name),
                name if kind == "repeat" else repeat,
                out,
            )
            continue
        out.append(
            Question(
                name=name,
                type=_base_type(kind),
                label=_text(child.get("label")),
                path=path,
                repeat=repeat,
                list_name=child.get("list_name") or child.get("itemset") or None,
                choices=tuple(
                    Choice(str(c["name"]), _text(c.get("label"))) for c in child.get("choices", [])
                ),
                required=_required(child),
            )
        )


def _languages(data: dict[str, Any]) -> tuple[str, ...]:
    found: dict[str, None] = {}

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "label" and isinstance(inner, dict):
                    found.update(dict.fromkeys(language_code(str(k)) for k in inner))
                else:
                    visit(inner)
        elif isinstance(value, list):
            for inner in value:
                visit(inner)

    visit(data.get("children", []))
    visit(data.get("choices", {}))
    return tuple(code for code in found if code)


def _sheet_rows(path: Path, sheet: str, source: str) -> list[tuple[int, dict[str, str]]] | None:
    """Rows of a sheet (spreadsheet row number, lower-cased header -> text), None if absent."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    found = read_workbook(
        path,
        name=source,
        sheets=lambda titles: [t for t in titles if t.strip().lower() == sheet][:1],
    )
    if not found:
        return None
    rows = found[0][1]
    if not rows:
        return []
    header = [str(c).strip().lower() if c is not None else "" for c in rows[0]]
    out = []
    for number, cells in enumerate(rows[1:], start=2):
        values = {}
        for key, cell in zip(header, cells, strict=False):
            if key and cell is not None:
                text = (
                    str(int(cell)) if isinstance(cell, float) and cell.is_integer() else str(cell)
                )
                values[key] = text.strip()
        if any(values.values()):
            out.append((number, values))
    return out


def parse_recode(text: str) -> dict[str, int]:
    """``"very_unlikely=1, likely=3"`` as ``{"very_unlikely": 1, "likely": 3}``.

    >>> parse_recode("1=1, 2=2; dk=")
    Traceback (most recent call last):
    ValueError: 'dk=' is not choice=value with a whole number value
    >>> parse_recode("no=0, yes=1")
    {'no': 0, 'yes': 1}
    """
    out: dict[str, int] = {}
    for part in re.split(r"[,;\n]", text):
        part = part.strip()
        if not part:
            continue
        name, sep, value = (s.strip() for s in part.partition("="))
        if not sep or not name or not re.fullmatch(r"-?\d+", value):
            raise ValueError(f"'{part}' is not choice=value with a whole number value")
        if name in out:
            raise ValueError(f"choice '{name}' is recoded twice")
        out[name] = int(value)
    return out


def _peaceops_sheet(
    path: Path,
    source: str,
    questions: dict[str, Question],
    known_items: Mapping[str, Collection[int]] | None,
) -> tuple[dict[str, FieldRole], list[ItemMapping]]:
    roles: dict[str, FieldRole] = {}
    items: list[ItemMapping] = []
    rows = _sheet_rows(path, PEACEOPS_SHEET, source)
    where = f"{source} [{PEACEOPS_SHEET}]"
    allowed_roles = ", ".join(r.value for r in FieldRole)
    for line, row in rows or []:

        def bad(column: str, message: str, line: int = line) -> InputError:
            return InputError(message, source=where, line=line, field=column)

        name = row.get("name", "")
        question = questions.get(name)
        if question is None:
            raise bad(
                "name",
                f"'{name}' is not the name of a question of the survey sheet"
                if name
                else "the question name is missing",
            )
        role_text = row.get("role", "").lower()
        if role_text:
            try:
                role = FieldRole(role_text)
            except ValueError:
                raise bad(
                    "role", f"'{row['role']}' is not a role; use one of {allowed_roles}"
                ) from None
            if name in roles and roles[name] != role:
                raise bad("role", f"'{name}' already has the role {roles[name].value}")
            roles[name] = role
        item = row.get("item", "")
        recode_text = row.get("recode", "")
        if not item:
            if recode_text:
                raise bad("recode", "a recode needs the framework item it codes for (item)")
            continue
        if known_items is not None and item not in known_items:
            raise bad("item", f"'{item}' is not an item of the framework")
        try:
            recode = parse_recode(recode_text)
        except ValueError as exc:
            raise bad("recode", str(exc)) from None
        if question.choices:
            unknown = [c for c in recode if c not in question.choice_names]
            if unknown:
                raise bad(
                    "recode",
                    f"{', '.join(unknown)} not among the choices of '{name}' "
                    f"({', '.join(c.name for c in question.choices)})",
                )
            if not recode:
                # Choice names that are scale values already ("1".."4") stand for themselves.
                recode = {c.name: int(c.name) for c in question.choices if _is_int(c.name)}
                if not recode:
                    raise bad(
                        "recode",
                        f"the choices of '{name}' are not scale values; say which value each "
                        "stands for, e.g. very_unlikely=1, very_likely=4",
                    )
        elif recode:
            raise bad("recode", f"'{name}' has no choices to recode; leave recode empty")
        elif question.type not in ("integer", "decimal", "calculate"):
            raise bad("item", f"'{name}' ({question.type}) has no choices or numbers to score")
        if known_items is not None and known_items[item]:
            outside = sorted({v for v in recode.values() if v not in known_items[item]})
            if outside:
                raise bad(
                    "recode",
                    f"value(s) {', '.join(map(str, outside))} are not on the scale of {item} "
                    f"({', '.join(map(str, sorted(known_items[item])))})",
                )
        items.append(ItemMapping(question=name, item_code=item, recode=recode))
    return roles, items


def _is_int(text: str) -> bool:
    return re.fullmatch(r"-?\d+", text) is not None


def read_xlsform(
    path: Path,
    *,
    known_items: Mapping[str, Collection[int]] | None = None,
    source_name: str | None = None,
) -> SurveyForm:
    """Read and validate an XLSForm questionnaire.

    Parameters
    ----------
    path
        The XLSForm (``.xlsx``; pyxform's ``.xls``, ``.csv`` and ``.md`` forms are read
        without the ``peaceops`` sheet).
    known_items
        Item codes of the framework, each with its allowed scale values (empty: any); when
        given, ``peaceops`` rows naming other items or recoding to other values are refused.
    source_name
        The file name to use in messages (an upload kept under a temporary name).

    Returns
    -------
    SurveyForm
        Questions in form order with their groups, repeat, choices and labels by language
        code, the roles and item mappings of the ``peaceops`` sheet and the framework.

    Raises
    ------
    InputError
        pyxform rejects the form (its message names the sheet and row), question names repeat,
        or a row of the ``peaceops`` sheet is wrong (named by sheet, row and column).

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import Workbook
    >>> wb = Workbook()
    >>> wb.active.title = "survey"
    >>> for row in (["type", "name", "label::French (fr)"], ["integer", "age", "Âge"]):
    ...     wb.active.append(row)
    >>> path = Path(tempfile.mkdtemp()) / "form.xlsx"
    >>> wb.save(path)
    >>> form = read_xlsform(path)
    >>> form.question("age").label, form.languages
    ({'fr': 'Âge'}, ('fr',))
    """
    source = source_name or path.name
    data = _convert(path, source)
    questions: list[Question] = []
    _walk(data.get("children") or [], (), None, questions)
    by_name: dict[str, Question] = {}
    for q in questions:
        if q.name in by_name:
            raise InputError(
                f"the name '{q.name}' is used by two questions ({by_name[q.name].xpath} and "
                f"{q.xpath}); PeaceOps keys answers by name, so rename one of them",
                source=f"{source} [survey]",
                field="name",
            )
        by_name[q.name] = q
    roles = {q.name: FieldRole.LOCATION for q in questions if q.type == "geopoint"}
    sheet_roles, items = _peaceops_sheet(path, source, by_name, known_items)
    roles.update(sheet_roles)
    languages = _languages(data)
    default = language_code(str(data.get("default_language") or ""))
    if not default:
        default = "en" if "en" in languages or not languages else languages[0]
    framework = str(data.get(FRAMEWORK_SETTING) or "").strip() or None
    title = str(data.get("title") or data.get("id_string") or "")
    return SurveyForm(
        form_id=str(data.get("id_string") or data.get("name") or ""),
        version=str(data.get("version") or ""),
        title={"": title} if title else {},
        questions=tuple(questions),
        default_language=default,
        languages=languages,
        roles=roles,
        items=tuple(items),
        framework=framework,
    )


__all__ = ["FRAMEWORK_SETTING", "PEACEOPS_SHEET", "language_code", "parse_recode", "read_xlsform"]
