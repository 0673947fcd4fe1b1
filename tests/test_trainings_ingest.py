"""The training register: template, validated import (sheet, row, column), CSV folders."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from peaceops.domain.training import (
    DeploymentStatus,
    Participation,
    Sex,
    TrainingSession,
    VettingStatus,
)
from peaceops.errors import InputError
from peaceops.ingest.trainings import COLUMNS, read_trainings, training_template

COURSES = [
    ["PNC-HR-01", "Human rights for police", "human_rights_training", "human_rights; ethics", 3,
     "OHCHR"],
    ["PNC-CP-02", "Community policing", "Community policing", "community_policing", "5", ""],
    ["BAD-TOPIC", "Cooking", "catering", "", "", ""],  # row 4
    ["BAD-TAG", "Cooking", "police_reform", "cooking", "", ""],  # row 5
    ["PNC-HR-01", "Twice", "police_reform", "", "", ""],  # row 6: code twice
]  # fmt: skip
SESSIONS = [
    ["S1", "PNC-HR-01", datetime(2023, 3, 6), datetime(2023, 3, 8), "Bangui", "CF71", "MINUSCA",
     "XM-DAC-41114-CAF-1"],
    ["S2", "PNC-CP-02", "2023-04-03", "07/04/2023", "Bambari", "", "", ""],
    ["S3", "NO-SUCH", "2023-05-01", "2023-05-02", "Bria", "", "", ""],  # row 4: unknown course
    ["S4", "BAD-TAG", "2023-05-01", "2023-05-02", "Bria", "", "", ""],  # row 5: course left out
    ["S5", "PNC-HR-01", "2023-05-02", "2023-05-01", "Bria", "", "", ""],  # row 6: end < start
]  # fmt: skip
PARTICIPANTS = [
    ["S1", "PN-1001", "Police nationale", "Awa D.", "F", "Lieutenant", 1990, "yes", "yes", 82.5,
     "cleared", "serving", "2024-01-15"],
    ["S1", "PN-1002", "Police nationale", "Jean K.", "male", "", "", "", "", "", "", "", ""],
    ["S1", "pn-1001 ", "POLICE NATIONALE", "Awa D.", "F", "", "", "", "", "", "", "", ""],  # 4: dup
    ["S2", "PN-1001", "Police nationale", "Awa D.", "female", "Captain", 1990, "yes", "no", "",
     "cleared", "reassigned", "2024-06-30"],
    ["S2", "GN-77", "Gendarmerie", "", "x", "", "", "", "", "", "", "", ""],  # row 6: sex
    ["S3", "GN-78", "Gendarmerie", "", "", "", "", "", "", "", "", "", ""],  # row 7: left out
    ["S9", "GN-79", "Gendarmerie", "", "", "", "", "", "", "", "", "", ""],  # row 8: unknown
    ["S2", "GN-80", "Gendarmerie", "", "", "", 1850, "maybe", "", "top", "vetted", "gone",
     "soon"],  # row 9: six bad values
    ["S2", "", "Gendarmerie", "", "", "", "", "", "", "", "", "", ""],  # row 10: no number
]  # fmt: skip


def fill(path: Path, rows: dict[str, list[list[Any]]]) -> Path:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    for sheet, body in rows.items():
        for r in body:
            wb[sheet].append(r)
    wb.save(path)
    return path


def test_template_has_the_three_sheets_with_headers_and_lists(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = training_template(tmp_path / "register.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["courses", "sessions", "participants", "lists", "about"]
    for sheet, columns in COLUMNS.items():
        assert [c.value for c in wb[sheet][1]] == list(columns)
        assert wb[sheet]["A1"].comment is not None
    lists = {c.value: c.column for c in wb["lists"][1]}
    assert wb["lists"].cell(row=2, column=lists["sex"]).value == "female"
    formulas = {dv.formula1 for dv in wb["participants"].data_validations.dataValidation}
    assert "sessions!$A$2:$A$2000" in formulas
    empty = read_trainings(path)
    assert empty.problems == [] and empty.records.courses == []


def test_register_rows_are_checked_and_good_rows_kept(tmp_path: Path) -> None:
    path = fill(
        training_template(tmp_path / "register.xlsx"),
        {"courses": COURSES, "sessions": SESSIONS, "participants": PARTICIPANTS},
    )
    report = read_trainings(path)
    records = report.records
    where = sorted((p.source, p.line, p.field) for p in report.problems if p.line is not None)
    c, s, p = (f"register.xlsx [{x}]" for x in ("courses", "sessions", "participants"))
    assert where == [
        (c, 4, "topic"),
        (c, 5, "tags"),
        (c, 6, "code"),
        (p, 4, "service_number"),
        (p, 6, "sex"),
        (p, 7, "session_ref"),
        (p, 8, "session_ref"),
        (p, 9, "birth_year"),
        (p, 9, "completed"),
        (p, 9, "deployment"),
        (p, 9, "score"),
        (p, 9, "status_date"),
        (p, 9, "vetting"),
        (p, 10, "service_number"),
        (s, 4, "course_code"),
        (s, 5, "course_code"),
        (s, 6, "end"),
    ]
    text = {(x.source, x.line, x.field): x.message for x in report.problems}
    assert "police_reform" in text[(c, 4, "topic")]
    assert "human_rights, sops" in text[(c, 5, "tags")]
    assert text[(s, 4, "course_code")] == "course 'NO-SUCH' is not in the courses sheet"
    assert text[(s, 5, "course_code")] == "course 'BAD-TAG' was left out (see its problem)"
    assert text[(p, 6, "sex")] == "'x' is not allowed; use one of female, male, unknown"
    assert "not_vetted, pending, cleared, rejected" in text[(p, 9, "vetting")]
    assert "row 2" in text[(p, 4, "service_number")]
    # Names are personal data: no message repeats one.
    assert not any("Awa" in x.message or "Jean" in x.message for x in report.problems)

    assert [(x.code, x.topic, x.tags, x.duration_days) for x in records.courses] == [
        ("PNC-HR-01", "human_rights_training", ("human_rights", "ethics"), 3),
        ("PNC-CP-02", "community_policing", ("community_policing",), 5),
    ]
    assert records.sessions == [
        TrainingSession(
            "PNC-HR-01",
            date(2023, 3, 6),
            date(2023, 3, 8),
            "Bangui",
            provider="MINUSCA",
            activity_identifier="XM-DAC-41114-CAF-1",
            admin_code="CF71",
        ),
        TrainingSession("PNC-CP-02", date(2023, 4, 3), date(2023, 4, 7), "Bambari"),
    ]
    assert records.attendance == [
        (0, Participation(None, "PN-1001", "Police nationale", True, True, 82.5)),
        (0, Participation(None, "PN-1002", "Police nationale", True, False, None)),
        (1, Participation(None, "PN-1001", "Police nationale", True, False, None)),
    ]
    by_number = {t.service_number: t for t in records.trainees}
    assert set(by_number) == {"PN-1001", "PN-1002"}
    awa = by_number["PN-1001"]
    # The later status date (2024-06-30, session S2) gives rank, vetting and deployment.
    assert (awa.sex, awa.rank, awa.birth_year) == (Sex.FEMALE, "Captain", 1990)
    assert (awa.vetting, awa.deployment) == (VettingStatus.CLEARED, DeploymentStatus.REASSIGNED)
    assert awa.status_date == date(2024, 6, 30)
    jean = by_number["PN-1002"]
    assert (jean.sex, jean.vetting, jean.deployment) == (
        Sex.MALE,
        VettingStatus.NOT_VETTED,
        DeploymentStatus.UNKNOWN,
    )


def test_conflicting_rows_of_one_person_are_reported_without_costing_a_row(
    tmp_path: Path,
) -> None:
    path = fill(
        training_template(tmp_path / "r.xlsx"),
        {
            "courses": [["C1", "Course", "corrections"]],
            "sessions": [
                ["S1", "C1", "2023-01-01", "2023-01-02", "Juba"],
                ["S2", "C1", "2023-02-01", "2023-02-02", "Wau"],
            ],
            "participants": [
                ["S1", "7", "SSNPS", "A", "female", "", 1980],
                ["S2", 7, "SSNPS", "A", "male", "", 1981],
            ],
        },
    )
    report = read_trainings(path)
    assert len(report.records.attendance) == 2 and len(report.records.trainees) == 1
    assert {(p.line, p.field) for p in report.problems} == {(None, "sex"), (None, "birth_year")}
    assert "rows 2 and 3" in report.problems[0].message


def test_csv_folder_template_and_import(tmp_path: Path) -> None:
    folder = training_template(tmp_path / "register")
    assert sorted(f.name for f in folder.iterdir()) == [
        "courses.csv",
        "participants.csv",
        "sessions.csv",
    ]
    rows = {
        "courses": [["PNC-HR-01", "Human rights", "human_rights_training", "", "", ""]],
        "sessions": [["S1", "PNC-HR-01", "2023-03-06", "2023-03-08", "Bangui", "", "", ""]],
        "participants": [
            ["S1", "PN-1", "PN", "Name", "f", "", "", "no", "", "", "", "", ""],
            ["S1", "PN-2", "PN", "Name", "", "", "", "", "", "", "pending", "", "2023-13-01"],
        ],
    }
    for sheet, body in rows.items():
        with (folder / f"{sheet}.csv").open("a", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(body)
    report = read_trainings(folder)
    assert [(p.source, p.line, p.field) for p in report.problems] == [
        ("participants.csv [participants]", 3, "status_date")
    ]
    assert report.records.attendance == [
        (0, Participation(None, "PN-1", "PN", completed=False, certified=False))
    ]


def test_columns_in_any_order_and_case(tmp_path: Path) -> None:
    folder = training_template(tmp_path / "r")
    (folder / "courses.csv").write_text("Topic,CODE,Title\nddr,C1,DDR basics\n", encoding="utf-8")
    report = read_trainings(folder)
    assert [(c.code, c.topic) for c in report.records.courses] == [("C1", "ddr")]


def test_missing_sheet_or_column_is_refused(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = training_template(tmp_path / "r.xlsx")
    wb = load_workbook(path)
    del wb["sessions"]
    wb.save(path)
    with pytest.raises(InputError, match="lacks the sheet") as err:
        read_trainings(path)
    assert err.value.problem.source == "r.xlsx"
    folder = training_template(tmp_path / "f")
    (folder / "participants.csv").write_text("session_ref,name\n", encoding="utf-8")
    with pytest.raises(InputError, match="service_number, institution") as err:
        read_trainings(folder)
    assert err.value.problem.source == "participants.csv [participants]"
    with pytest.raises(InputError, match="xlsx workbook or a folder"):
        read_trainings(tmp_path / "register.ods")
