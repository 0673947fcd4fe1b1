"""XLSForm questionnaires: pyxform validation, groups and repeats, languages, the peaceops sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from peaceops.domain.surveys import FieldRole, ItemMapping, SurveyForm
from peaceops.errors import InputError
from peaceops.ingest.xlsform import language_code, parse_recode, read_xlsform
from peaceops.scenario.carana import build_carana
from peaceops.scenario.perception import PEACEOPS_ROWS, write_perception_xlsform


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> SurveyForm:
    path = tmp_path_factory.mktemp("form") / "carana_perception.xlsx"
    return read_xlsform(write_perception_xlsform(path, scenario=build_carana()))


def workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


SMALL_SURVEY = [
    ["type", "name", "label"],
    ["begin group", "g", "Group"],
    ["select_one ab", "pick", "Pick one"],
    ["integer", "count", "How many"],
    ["end group", "", ""],
    ["geopoint", "where", "Where"],
]
SMALL_CHOICES = [["list_name", "name", "label"], ["ab", "a", "A"], ["ab", "b", "B"]]


def small_form(path: Path, peaceops: list[list[Any]] | None = None) -> Path:
    sheets = {"survey": SMALL_SURVEY, "choices": SMALL_CHOICES}
    if peaceops is not None:
        sheets["peaceops"] = [["name", "role", "item", "recode"], *peaceops]
    return workbook(path, sheets)


def test_demo_form_has_every_feature(demo: SurveyForm) -> None:
    assert demo.form_id == "carana_perception"
    assert demo.version == "2025.1"
    assert demo.framework == "rule_of_law"
    assert demo.default_language == "en"
    assert demo.languages == ("en", "fr", "ar")
    assert demo.title[""] == "Carana public perception survey"
    age = demo.question("age")
    assert age is not None
    assert (age.type, age.path, age.repeat, age.required) == (
        "integer",
        ("respondent",),
        None,
        True,
    )
    assert age.label == {
        "en": "Age in completed years",
        "fr": "Âge en années révolues",
        "ar": "العمر بالسنوات الكاملة",
    }
    member = demo.question("member_age")
    assert member is not None
    assert member.repeat == "household_members" and member.path == ("household_members",)
    assert demo.repeats == ("household_members",)
    region = demo.question("region")
    assert region is not None and region.type == "select_one"
    assert {c.name for c in region.choices} == {r.pcode for r in build_carana().regions}
    problems = demo.question("justice_problems")
    assert problems is not None and problems.type == "select_multiple"
    assert problems.choice_label("land", "fr") == "Terre ou logement"
    assert problems.choice_label("land", "ar") == "الأرض أو السكن"
    types = {q.name: q.type for q in demo.questions}
    assert types["start"] == "start" and types["gps"] == "geopoint" and types["thanks"] == "note"
    assert "instanceID" not in types  # pyxform's meta group is not a question
    assert demo.roles["gps"] is FieldRole.LOCATION
    assert demo.roles["region"] is FieldRole.AREA
    assert demo.with_role(FieldRole.WEIGHT) == demo.question("weight")
    assert demo.private_names == {"gps", "resp_name", "resp_phone"}
    assert {m.item_code for m in demo.items} == {row[2] for row in PEACEOPS_ROWS if row[2]}
    by_item = {m.item_code: m for m in demo.items}
    assert by_item["POL-PERF-01-PS"].recode == {
        "very_unlikely": 1,
        "rather_unlikely": 2,
        "rather_likely": 3,
        "very_likely": 4,
    }
    # An empty recode maps integer choice names to themselves; "dk" stays a missing answer.
    assert by_item["POL-PERF-02-PS1"].recode == {str(v): v for v in range(1, 6)}
    assert by_item["POL-INT-01-PS"] == ItemMapping(
        "police_bribe", "POL-INT-01-PS", {"yes": 1, "no": 0}
    )


def test_reading_twice_gives_the_same_form(demo: SurveyForm, tmp_path: Path) -> None:
    again = read_xlsform(write_perception_xlsform(tmp_path / "f.xlsx", scenario=build_carana()))
    assert again == demo


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["select_one nolist", "q", "Q"]], "choices"),
        ([["select_one nolist", "q", "Q"]], "[row : 2] List name not in choices sheet: nolist"),
        ([["integr", "q", "Q"]], "Unknown question type 'integr'"),
        ([["begin group", "g", "G"], ["text", "q", "Q"]], "[row : 2]"),
        ([["text", "q", "Q"], ["text", "q", "Q again"]], "[row : 3]"),
    ],
    ids=["no-choices-sheet", "missing-list", "unknown-type", "unclosed-group", "duplicate-name"],
)
def test_forms_pyxform_rejects_raise_its_message(
    tmp_path: Path, rows: list[list[str]], expected: str
) -> None:
    sheets = {"survey": [["type", "name", "label"], *rows]}
    if expected != "choices":
        sheets["choices"] = SMALL_CHOICES
    path = workbook(tmp_path / "broken_form.xlsx", sheets)
    with pytest.raises(InputError) as caught:
        read_xlsform(path)
    assert "broken_form.xlsx" in str(caught.value)
    assert expected in str(caught.value)
    assert "pyxform" in str(caught.value)


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_xlsform(tmp_path / "nothing.xlsx")


def test_plain_labels_and_default_roles(tmp_path: Path) -> None:
    form = read_xlsform(small_form(tmp_path / "small.xlsx"))
    pick = form.question("pick")
    assert pick is not None
    assert pick.label == {"": "Pick one"} and pick.path == ("g",)
    assert pick.choices[0].label == {"": "A"}
    assert form.languages == () and form.default_language == "en"
    assert form.roles == {"where": FieldRole.LOCATION}
    assert form.framework is None and form.items == ()
    assert form.form_id == "small"  # pyxform names an unnamed form after its file


def test_peaceops_sheet_roles_and_items(tmp_path: Path) -> None:
    path = small_form(
        tmp_path / "f.xlsx",
        [
            ["where", "personal", "", ""],
            ["count", "weight", "", ""],
            ["pick", "", "POL-INT-01-PS", "a=1; b=0"],
        ],
    )
    form = read_xlsform(path, known_items={"POL-INT-01-PS": {0, 1}})
    assert form.roles == {"where": FieldRole.PERSONAL, "count": FieldRole.WEIGHT}
    assert form.items == (ItemMapping("pick", "POL-INT-01-PS", {"a": 1, "b": 0}),)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["nosuch", "sex", "", ""], "name", "'nosuch' is not the name of a question"),
        (["count", "boss", "", ""], "role", "'boss' is not a role"),
        (["pick", "", "X-1", "a=1, c=2"], "recode", "c not among the choices of 'pick'"),
        (["pick", "", "X-1", "a=one"], "recode", "'a=one' is not choice=value"),
        (["pick", "", "X-1", ""], "recode", "are not scale values"),
        (["pick", "", "", "a=1"], "recode", "needs the framework item"),
        (["pick", "", "NOT-AN-ITEM", "a=1"], "item", "not an item of the framework"),
        (["pick", "", "X-1", "a=9"], "recode", "not on the scale of X-1"),
    ],
)
def test_bad_peaceops_rows_name_sheet_row_and_column(
    tmp_path: Path, row: list[str], column: str, message: str
) -> None:
    path = small_form(tmp_path / "roles.xlsx", [["where", "location", "", ""], row])
    with pytest.raises(InputError) as caught:
        read_xlsform(path, known_items={"X-1": {1, 2}})
    problem = caught.value.problem
    assert problem.source == "roles.xlsx [peaceops]"
    assert (problem.line, problem.field) == (3, column)
    assert message in problem.message


def test_names_must_be_unique_across_groups(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "twice.xlsx",
        {
            "survey": [
                ["type", "name", "label"],
                ["begin group", "a", "A"],
                ["text", "q", "Q"],
                ["end group", "", ""],
                ["begin group", "b", "B"],
                ["text", "q", "Q"],
                ["end group", "", ""],
            ]
        },
    )
    with pytest.raises(InputError, match="used by two questions"):
        read_xlsform(path)


def test_framework_comes_from_settings(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "s.xlsx",
        {
            "survey": [["type", "name", "label::Français (fr)"], ["text", "q", "Q"]],
            "settings": [["form_id", "peaceops_framework"], ["my_form", "security_sector"]],
        },
    )
    form = read_xlsform(path)
    assert (form.form_id, form.framework, form.languages) == ("my_form", "security_sector", ("fr",))
    assert form.default_language == "fr"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("French (fr)", "fr"),
        ("English (en)", "en"),
        ("Arabic (ar)", "ar"),
        ("fr", "fr"),
        ("English", "en"),
        ("Portuguese (pt-BR)", "pt-BR"),
        ("default", ""),
        ("Sango local", "sango local"),
    ],
)
def test_language_codes(name: str, code: str) -> None:
    assert language_code(name) == code


def test_recode_parsing() -> None:
    assert parse_recode("very_unlikely=1, rather_unlikely = 2\n3=3") == {
        "very_unlikely": 1,
        "rather_unlikely": 2,
        "3": 3,
    }
    assert parse_recode("") == {}
    with pytest.raises(ValueError, match="twice"):
        parse_recode("a=1, a=2")
