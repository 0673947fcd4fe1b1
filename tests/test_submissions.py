"""Kobo and ODK exports of submissions: every format read back, bad rows reported, round trips."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peaceops.domain.surveys import Choice, Question, Submission, SurveyForm
from peaceops.errors import InputError
from peaceops.ingest.submissions import read_submissions
from peaceops.ingest.submissions_write import (
    write_kobo_csv,
    write_kobo_json,
    write_kobo_xlsx,
    write_odata_json,
    write_odk_zip,
)
from peaceops.ingest.xlsform import read_xlsform
from peaceops.scenario.carana import build_carana
from peaceops.scenario.perception import build_perception_waves, write_perception_xlsform

Writer = Callable[[Sequence[Submission], SurveyForm, Path], Path]


def kobo_csv(**options: str) -> Writer:
    return lambda subs, form, path: write_kobo_csv(subs, form, path, **options)


# id, writer, file name, whether repeats survive, the format read_submissions reports
FORMATS: list[tuple[str, Writer, str, bool, str]] = [
    ("kobo-csv-semicolon-slash", kobo_csv(), "export.csv", False, "kobo-csv"),
    (
        "kobo-csv-comma-dot",
        kobo_csv(separator=",", group_separator="."),
        "export.csv",
        False,
        "kobo-csv",
    ),
    ("kobo-csv-comma-slash", kobo_csv(separator=","), "export.csv", False, "kobo-csv"),
    ("kobo-csv-bare-names", kobo_csv(group_separator=""), "export.csv", False, "kobo-csv"),
    ("kobo-xlsx", write_kobo_xlsx, "export.xlsx", True, "kobo-xlsx"),
    ("kobo-json", write_kobo_json, "export.json", True, "kobo-json"),
    ("odk-zip", write_odk_zip, "export.zip", True, "odk-zip"),
    ("odk-odata", write_odata_json, "odata.json", True, "odk-json"),
]


@pytest.fixture(scope="module")
def form(tmp_path_factory: pytest.TempPathFactory) -> SurveyForm:
    path = tmp_path_factory.mktemp("form") / "carana_perception.xlsx"
    return read_xlsform(write_perception_xlsform(path, scenario=build_carana()))


@pytest.fixture(scope="module")
def sample() -> list[Submission]:
    wave = build_perception_waves(build_carana(), seed=11)[0]
    return list(wave.submissions[:60])


def comparable(subs: Sequence[Submission], *, repeats: bool = True) -> list[Submission]:
    return [dataclasses.replace(s, line=None, repeats=s.repeats if repeats else {}) for s in subs]


def rows_of(path: Path, delimiter: str = ";") -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def write_rows(path: Path, rows: list[list[str]], delimiter: str = ";") -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


# The demo waves -------------------------------------------------------------------------------


def test_waves_are_deterministic_and_well_formed(form: SurveyForm) -> None:
    scenario = build_carana()
    waves = build_perception_waves(scenario, seed=3)
    assert waves == build_perception_waves(scenario, seed=3)
    assert [w.name for w in waves] == ["Wave 1 (2025)", "Wave 2 (2026)"]
    assert waves[0].period_end < waves[1].period_start
    for wave in waves:
        assert 600 <= len(wave.submissions) <= 900
        assert len({s.uuid for s in wave.submissions}) == len(wave.submissions)
        clusters: dict[int, int] = {}
        for s in wave.submissions:
            clusters[s.answers["cluster"]] = clusters.get(s.answers["cluster"], 0) + 1
        assert all(6 <= n <= 10 for n in clusters.values())
        weights = {s.answers["stratum"]: s.answers["weight"] for s in wave.submissions}
        assert weights["urban"] != weights["rural"]


def test_gps_points_fall_in_the_respondents_region() -> None:
    from shapely.geometry import Point, Polygon

    scenario = build_carana()
    shapes = {r.pcode: Polygon(r.geometry["coordinates"][0]) for r in scenario.regions}
    for s in build_perception_waves(scenario, seed=5)[1].submissions:
        lat, lon, _, _ = s.answers["gps"]
        assert shapes[s.answers["region"]].contains(Point(lon, lat))


def test_trust_changes_by_region_between_waves() -> None:
    scenario = build_carana()
    shares = []
    for wave in build_perception_waves(scenario, seed=1509):
        yes: dict[str, float] = {}
        total: dict[str, float] = {}
        for s in wave.submissions:
            if s.answers["trust_police"] == "dont_know":
                continue
            region, weight = s.answers["region"], s.answers["weight"]
            total[region] = total.get(region, 0) + weight
            yes[region] = yes.get(region, 0) + weight * (
                s.answers["trust_police"] in ("some", "great")
            )
        shares.append({r: yes[r] / total[r] for r in total})
    kalari, nkoro = scenario.regions[0].pcode, scenario.regions[5].pcode
    assert shares[1][kalari] > shares[0][kalari] + 0.1
    assert shares[1][nkoro] < shares[0][nkoro]
    assert max(shares[0].values()) - min(shares[0].values()) > 0.2


def test_demo_submissions_read_without_problems(form: SurveyForm, tmp_path: Path) -> None:
    wave = build_perception_waves(build_carana(), seed=2)[0]
    read = read_submissions(write_kobo_xlsx(wave.submissions, form, tmp_path / "w.xlsx"), form)
    assert read.problems == []
    assert comparable(read.submissions) == comparable(wave.submissions)


# Each format ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("writer", "name", "repeats", "fmt"),
    [f[1:] for f in FORMATS],
    ids=[f[0] for f in FORMATS],
)
def test_each_format_reads_back_what_was_written(
    form: SurveyForm,
    sample: list[Submission],
    tmp_path: Path,
    writer: Writer,
    name: str,
    repeats: bool,
    fmt: str,
) -> None:
    path = writer(sample, form, tmp_path / name)
    read = read_submissions(path, form)
    assert read.format == fmt
    assert read.problems == []
    assert comparable(read.submissions) == comparable(sample, repeats=repeats)
    assert any(s.repeats for s in read.submissions) == repeats
    assert read_submissions(path, form) == read  # the same file twice: the same result


def test_kobo_csv_lines_count_from_the_header(
    form: SurveyForm, sample: list[Submission], tmp_path: Path
) -> None:
    read = read_submissions(write_kobo_csv(sample[:3], form, tmp_path / "x.csv"), form)
    assert [s.line for s in read.submissions] == [2, 3, 4]


def test_select_multiple_from_choice_columns_only(
    form: SurveyForm, sample: list[Submission], tmp_path: Path
) -> None:
    rows = rows_of(write_kobo_csv(sample, form, tmp_path / "x.csv"))
    drop = rows[0].index("justice/justice_problems")
    rows = [r[:drop] + r[drop + 1 :] for r in rows]
    read = read_submissions(write_rows(tmp_path / "split.csv", rows), form)
    assert read.problems == []
    assert comparable(read.submissions) == comparable(sample, repeats=False)


def test_odk_single_csv_with_split_geopoints(
    form: SurveyForm, sample: list[Submission], tmp_path: Path
) -> None:
    with zipfile.ZipFile(write_odk_zip(sample, form, tmp_path / "x.zip")) as archive:
        text = archive.read("carana_perception.csv").decode()
    assert "interview-gps-Latitude" in text.splitlines()[0]
    path = tmp_path / "carana_perception.csv"
    path.write_text(text, encoding="utf-8")
    read = read_submissions(path, form)
    assert read.format == "odk-csv" and read.problems == []
    assert comparable(read.submissions) == comparable(sample, repeats=False)


def test_odata_json_written_by_hand(form: SurveyForm, tmp_path: Path) -> None:
    body = {
        "value": [
            {
                "__id": "uuid:0b2c",
                "__system": {"submissionDate": "2025-03-04T10:00:00.000Z"},
                "meta": {"instanceID": "uuid:0b2c"},
                "interview": {
                    "region": "XCA02",
                    "cluster": 12,
                    "weight": 812.5,
                    "gps": {
                        "type": "Point",
                        "coordinates": [-24.1, -21.2, 15],
                        "properties": {"accuracy": 4.5},
                    },
                },
                "justice": {"justice_problems": "land debt"},
                "household_members@odata.navigationLink": "Submissions('uuid:0b2c')/household",
                "household_members": [{"__id": "a1", "member_age": 7, "member_sex": "female"}],
            }
        ]
    }
    path = tmp_path / "odata.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    read = read_submissions(path, form)
    assert read.problems == []
    (s,) = read.submissions
    assert s.uuid == "0b2c"
    assert s.submitted_at == datetime(2025, 3, 4, 10, tzinfo=UTC)
    assert s.answers == {
        "region": "XCA02",
        "cluster": 12,
        "weight": 812.5,
        "gps": (-21.2, -24.1, 15.0, 4.5),
        "justice_problems": ("land", "debt"),
    }
    assert s.repeats == {"household_members": ({"member_age": 7, "member_sex": "female"},)}


# Problems -------------------------------------------------------------------------------------


def test_bad_values_and_duplicate_uuids_in_kobo_csv(
    form: SurveyForm, sample: list[Submission], tmp_path: Path
) -> None:
    rows = rows_of(write_kobo_csv(sample[:5], form, tmp_path / "x.csv"))
    header = rows[0]
    rows[1][header.index("security/police_bribe")] = "maybe"  # line 2: unknown choice
    rows[2][header.index("respondent/age")] = "abc"  # line 3: not a whole number
    rows[5][header.index("_uuid")] = rows[4][header.index("_uuid")]  # line 6 repeats line 5
    read = read_submissions(write_rows(tmp_path / "bad.csv", rows), form)
    found = {(p.line, p.field): p.message for p in read.problems}
    assert set(found) == {(2, "security/police_bribe"), (3, "respondent/age"), (6, "_uuid")}
    assert "'maybe' is not a choice of 'police_bribe'" in found[(2, "security/police_bribe")]
    assert "the rest of the submission was kept" in found[(2, "security/police_bribe")]
    assert "'abc' is not a whole number" in found[(3, "respondent/age")]
    assert "already seen (line 5)" in found[(6, "_uuid")]
    assert all(p.source == "bad.csv" for p in read.problems)
    assert [s.line for s in read.submissions] == [2, 3, 4, 5]
    first, second = read.submissions[0], read.submissions[1]
    assert "police_bribe" not in first.answers and "age" not in second.answers
    expected = {k: v for k, v in sample[0].answers.items() if k != "police_bribe"}
    assert first.answers == expected


def test_broken_repeat_links_and_bad_repeat_values_in_kobo_xlsx(
    form: SurveyForm, sample: list[Submission], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    subs = [s for s in sample if len(s.repeats.get("household_members", ())) >= 2][:4]
    path = write_kobo_xlsx(subs, form, tmp_path / "x.xlsx")
    wb = load_workbook(path)
    ws = wb["household_members"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("_parent_index") + 1, value=999)
    ws.cell(row=3, column=header.index("household_members/member_age") + 1, value="abc")
    wb.save(path)
    read = read_submissions(path, form)
    found = {(p.source, p.line, p.field): p.message for p in read.problems}
    link = ("x.xlsx [household_members]", 2, "_parent_index")
    value = ("x.xlsx [household_members]", 3, "household_members/member_age")
    assert set(found) == {link, value}
    assert "parent row (_parent_index 999) is not in the file" in found[link]
    assert "rest of the household_members row was kept" in found[value]
    members = read.submissions[0].repeats["household_members"]
    original = subs[0].repeats["household_members"]
    assert len(members) == len(original) - 1
    assert members[0] == {k: v for k, v in original[1].items() if k != "member_age"}
    assert comparable(read.submissions[1:]) == comparable(subs[1:])


def test_broken_parent_key_in_odk_zip(
    form: SurveyForm, sample: list[Submission], tmp_path: Path
) -> None:
    subs = [s for s in sample if s.repeats][:3]
    path = write_odk_zip(subs, form, tmp_path / "x.zip")
    with zipfile.ZipFile(path) as archive:
        files = {n: archive.read(n).decode() for n in archive.namelist()}
    member = "carana_perception-household_members.csv"
    rows = list(csv.reader(io.StringIO(files[member])))
    rows[1][rows[0].index("PARENT_KEY")] = "uuid:nobody"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    files[member] = out.getvalue()
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    read = read_submissions(path, form)
    (problem,) = read.problems
    assert (problem.source, problem.line, problem.field) == (f"x.zip [{member}]", 2, "PARENT_KEY")
    assert "uuid:nobody" in problem.message
    assert len(read.submissions) == 3


def test_missing_uuid_gets_a_derived_one(
    form: SurveyForm, sample: list[Submission], tmp_path: Path
) -> None:
    rows = rows_of(write_kobo_csv(sample[:2], form, tmp_path / "x.csv"))
    for column in ("_uuid", "meta/instanceID"):
        rows[1][rows[0].index(column)] = ""
    path = write_rows(tmp_path / "no_uuid.csv", rows)
    read = read_submissions(path, form)
    (problem,) = read.problems
    assert problem.line == 2 and "derived from its answers" in problem.message
    assert read.submissions[0].uuid != sample[0].uuid
    assert read.submissions[0].uuid in problem.message
    assert read_submissions(path, form) == read


def test_unknown_columns_are_reported_and_foreign_files_refused(
    form: SurveyForm, sample: list[Submission], tmp_path: Path
) -> None:
    rows = rows_of(write_kobo_csv(sample[:2], form, tmp_path / "x.csv"))
    rows = [[*r, "x"] for r in rows]
    rows[0][-1] = "favourite_colour"
    read = read_submissions(write_rows(tmp_path / "extra.csv", rows), form)
    (problem,) = read.problems
    assert problem.line == 1 and "favourite_colour" in problem.message
    assert len(read.submissions) == 2
    foreign = tmp_path / "other.csv"
    foreign.write_text("name,score\nAda,3\n", encoding="utf-8")
    with pytest.raises(InputError, match="none of the columns match"):
        read_submissions(foreign, form)


def test_json_problems_name_the_record(form: SurveyForm, tmp_path: Path) -> None:
    path = tmp_path / "kobo.json"
    records = [
        {"_uuid": "a", "interview/cluster": "12", "respondent/sex": "female"},
        {"_uuid": "b", "interview/cluster": "x", "household_members": [{"member_age": "old"}]},
        "not an object",
    ]
    path.write_text(json.dumps(records), encoding="utf-8")
    read = read_submissions(path, form)
    assert read.format == "kobo-json"
    found = {(p.item, p.field) for p in read.problems}
    assert found == {
        ("record 2", "interview/cluster"),
        ("record 2, household_members 1", "member_age"),
        ("record 3", None),
    }
    assert [s.line for s in read.submissions] == [1, 2]
    assert read.submissions[1].repeats == {"household_members": ({},)}


def test_types_of_a_hand_made_form(tmp_path: Path) -> None:
    form = SurveyForm(
        form_id="t",
        version="1",
        title={},
        questions=(
            Question("day", "date", {}),
            Question("when", "datetime", {}),
            Question("share", "decimal", {}),
            Question("calc", "calculate", {}),
            Question("pick", "select_one", {}, choices=(Choice("1", {}), Choice("2", {}))),
        ),
    )
    path = tmp_path / "t.csv"
    path.write_bytes(
        "_uuid,day,when,share,calc,pick\n"
        "u1,2025-03-01,2025-03-01T10:00:00+01:00,0.25,café,2\n"
        "u2,2025-03-01T08:00:00,yesterday,1e400,,3\n".encode("cp1252")
    )
    read = read_submissions(path, form)
    first, second = read.submissions
    assert first.answers == {
        "day": date(2025, 3, 1),
        "when": datetime.fromisoformat("2025-03-01T10:00:00+01:00"),
        "share": 0.25,
        "calc": "café",
        "pick": "2",
    }
    assert second.answers == {"day": date(2025, 3, 1)}
    messages = [p.message for p in read.problems]
    assert "not UTF-8" in messages[0]
    assert [p.field for p in read.problems[1:]] == ["when", "share", "pick"]


# Round trips ----------------------------------------------------------------------------------

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cn", "Co", "Zl", "Zp")),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() == s and bool(s))
FLOAT = st.floats(allow_nan=False, allow_infinity=False)


def answer(q: Question) -> st.SearchStrategy[Any]:
    names = [c.name for c in q.choices]
    if q.type == "select_one":
        return st.sampled_from(names)
    if q.type == "select_multiple":
        return st.lists(st.sampled_from(names), min_size=1, unique=True).map(tuple)
    if q.type == "integer":
        return st.integers(-(10**9), 10**9)
    if q.type == "decimal":
        return FLOAT
    if q.type == "geopoint":
        return st.tuples(st.floats(-90, 90), st.floats(-180, 180), FLOAT, st.floats(0, 1e4))
    if q.type in ("start", "end"):
        return st.datetimes(timezones=st.none() | st.just(UTC))
    return TEXT


def submissions_of(form: SurveyForm) -> st.SearchStrategy[list[Submission]]:
    top = {q.name: answer(q) for q in form.questions if q.repeat is None and q.type != "note"}
    inner = {q.name: answer(q) for q in form.questions if q.repeat == "household_members"}
    one = st.builds(
        Submission,
        uuid=st.uuids().map(str),
        answers=st.fixed_dictionaries({}, optional=top),
        repeats=st.lists(st.fixed_dictionaries({}, optional=inner), max_size=3).map(
            lambda rows: {"household_members": tuple(rows)} if rows else {}
        ),
        submitted_at=st.none() | st.datetimes(timezones=st.just(UTC)),
    )
    return st.lists(one, max_size=4, unique_by=lambda s: s.uuid)


@pytest.mark.parametrize(
    ("writer", "name", "repeats"),
    [f[1:4] for f in FORMATS],
    ids=[f[0] for f in FORMATS],
)
def test_round_trip_of_random_submissions(
    form: SurveyForm,
    tmp_path_factory: pytest.TempPathFactory,
    writer: Writer,
    name: str,
    repeats: bool,
) -> None:
    folder = tmp_path_factory.mktemp("round")

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(subs=submissions_of(form))
    def check(subs: list[Submission]) -> None:
        read = read_submissions(writer(subs, form, folder / name), form)
        assert read.problems == []
        assert comparable(read.submissions) == comparable(subs, repeats=repeats)

    check()
