"""HXL 3W/4W sheets: tag matching, import with row problems, idempotent identifiers, round trips."""

from __future__ import annotations

import csv
import math
import tempfile
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peaceops.domain.coordination import (
    Activity,
    ActivityLocation,
    ActivityStatus,
    Capability,
    Money,
    OrgRole,
    Participant,
    SectorShare,
    Transaction,
    TransactionType,
)
from peaceops.errors import InputError
from peaceops.ingest.hxl import (
    Tag,
    TagPattern,
    capabilities_for,
    field_of,
    parse_date,
    read_3w,
    write_3w,
)

COMMIT = TransactionType.OUTGOING_COMMITMENT
DISB = TransactionType.DISBURSEMENT
SPENT = TransactionType.EXPENDITURE


def write_csv(path: Path, rows: list[list[str]], *, delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


# A 3W as partners send them: a title line, human headers, then the hashtags (spaced, mixed case,
# extra attributes), several rows per activity (one per place), and a column PeaceOps ignores.
HEADER = [
    "Code",
    "Project",
    "Donor",
    "Lead agency",
    "Partner",
    "Partner IATI id",
    "Institution",
    "Sector",
    "DAC",
    "Country",
    "Region",
    "Region code",
    "District",
    "District code",
    "Site",
    "Lat",
    "Lon",
    "Start",
    "End",
    "Status",
    "Budget",
    "Spent",
    "Currency",
    "Notes",
]
TAGS = [
    "#activity+code",
    "#Activity +Name",
    "#org+donor",
    "#org+prog",
    "#org +impl +name",
    "#org+impl+code",
    "#org+beneficiary",
    "#sector+cluster",
    "#sector+code",
    "#country+code",
    "#adm1+name",
    "#adm1+code",
    "#adm2+name",
    "#adm2+code",
    "#loc+name",
    "#geo+lat",
    "#geo+lon",
    "#date+start",
    "#date+end",
    "#status",
    "#value+commitment+usd",
    "#value+spent",
    "#currency",
    "#meta+notes",
]
GOOD_ROWS = [
    # Line 4 and 5: one activity in two districts; the budget repeated (counted once), spending
    # per place (summed).
    [
        "CAR-01",
        "Police station rehabilitation",
        "Netherlands; European Union",
        "UNDP",
        "UNOPS | Cordaid",
        "XM-DAC-41123;NL-KVK-27108436",
        "Police nationale",
        "Police",
        "15210",
        "CF",
        "Ouham",
        "CF32",
        "Bossangoa",
        "CF321",
        "",
        "",
        "",
        "01/02/2020",
        "2021-12-31",
        "ongoing",
        "100,000",
        "2000",
        "EUR",
        "check",
    ],
    [
        "CAR-01",
        "Police station rehabilitation",
        "Netherlands; European Union",
        "UNDP",
        "UNOPS | Cordaid",
        "XM-DAC-41123;NL-KVK-27108436",
        "Police nationale",
        "Police",
        "15210",
        "CF",
        "Ouham",
        "CF32",
        "Bouca",
        "CF322",
        "",
        "",
        "",
        "01/02/2020",
        "2021-12-31",
        "ongoing",
        "100000",
        "3000",
        "EUR",
        "",
    ],
    # Line 6: a named point with coordinates, an IATI status code, no activity code.
    [
        "",
        "Mobile courts",
        "Sweden",
        "",
        "IDLO",
        "",
        "Ministère de la Justice",
        "Justice; Violences sexuelles",
        "",
        "CAF",
        "Ouham",
        "CF32",
        "",
        "",
        "Bossangoa court",
        "6.4926",
        "17.4552",
        "2021-03-01",
        "",
        "2",
        "",
        "",
        "",
        "",
    ],
]


def sample(tmp_path: Path, extra: list[list[str]] | None = None) -> Path:
    rows = [["3W Central African Republic, Q1 2021"], HEADER, TAGS, *GOOD_ROWS, *(extra or [])]
    return write_csv(tmp_path / "3w.csv", rows)


def row(**cells: str) -> list[str]:
    """A data row of the sample layout, from tag-ish keys (code, title, org, start ...)."""
    keys = {
        "code": 0,
        "title": 1,
        "org": 4,
        "sector": 7,
        "country": 9,
        "adm1": 10,
        "start": 17,
        "end": 18,
        "status": 19,
        "budget": 20,
        "spent": 21,
        "currency": 22,
    }
    out = [""] * len(TAGS)
    for k, v in cells.items():
        out[keys[k]] = v
    return out


@pytest.mark.parametrize(
    ("pattern", "tag", "matches"),
    [
        ("#org+impl", "#org +impl +name", True),
        ("#org+impl", "#ORG+Name+IMPL", True),
        ("#org+impl", "#org+funder", False),
        ("#org+impl-code", "#org+impl+code", False),
        ("#adm1", "#adm1+code", True),
        ("#adm1+code", "#adm1", False),
    ],
)
def test_tag_patterns_match_as_hxl_does(pattern: str, tag: str, matches: bool) -> None:
    parsed = Tag.parse(tag)
    assert parsed is not None
    assert TagPattern.parse(pattern).matches(parsed) is matches


@pytest.mark.parametrize(
    ("tag", "field"),
    [
        ("#activity+code", "identifier"),
        ("#activity+id", "identifier"),
        ("#activity", "title"),
        ("#activity+title+i_fr", "title"),
        ("#org+funder+name", "org:1"),
        ("#org+donor", "org:1"),
        ("#org+prog", "org:2"),
        ("#org+extending", "org:3"),
        ("#org", "org:4"),
        ("#org+impl+code", "ref:4"),
        ("#org+beneficiary+name", "beneficiary"),
        ("#indicator+capability", "capability"),
        ("#sector+code", "sector_code"),
        ("#subsector", "subsector"),
        ("#date+start+actual", "actual_start"),
        ("#date+start", "planned_start"),
        ("#value+budget+usd", "commitment"),
        ("#value+expenditure", "expenditure"),
        ("#meta+notes", None),
    ],
)
def test_columns_map_to_fields(tag: str, field: str | None) -> None:
    parsed = Tag.parse(tag)
    assert parsed is not None
    assert field_of(parsed) == field


def test_hashtag_row_found_below_headers_and_rows_merge_by_code(tmp_path: Path) -> None:
    report = read_3w(sample(tmp_path))
    assert report.rows == 3
    assert report.unmatched_columns == ["#meta+notes"]
    police, courts = report.activities
    assert police.identifier == "CAR-01" and police.line == 4 and police.source == "hxl"
    assert police.title == {"en": "Police station rehabilitation"}
    assert [(p.role, p.name, p.ref) for p in police.participants] == [
        (OrgRole.FUNDING, "Netherlands", None),
        (OrgRole.FUNDING, "European Union", None),
        (OrgRole.ACCOUNTABLE, "UNDP", None),
        (OrgRole.IMPLEMENTING, "UNOPS", "XM-DAC-41123"),
        (OrgRole.IMPLEMENTING, "Cordaid", "NL-KVK-27108436"),
    ]
    assert police.institution_refs == ["Police nationale"]
    assert police.sectors == [SectorShare("15210", "1", None, "Police")]
    # DAC 15210 gives SSR in general, the keyword "police" police reform.
    assert police.capabilities == [Capability.SSR_GENERAL, Capability.POLICE_REFORM]
    assert police.countries == [("CAF", None)]
    assert police.locations == [
        ActivityLocation("Bossangoa", country_iso3="CAF", admin_level=2, admin_code="CF321"),
        ActivityLocation("Bouca", country_iso3="CAF", admin_level=2, admin_code="CF322"),
    ]
    assert (police.planned_start, police.planned_end) == (date(2020, 2, 1), date(2021, 12, 31))
    assert police.status == ActivityStatus.IMPLEMENTATION
    # The budget (repeated on both rows) counts once, in the column's currency (+usd); the
    # spending differs by row, so it is per place and summed, in the #currency of the rows.
    assert police.total(COMMIT) == {"USD": 100000.0}
    assert police.total(SPENT) == {"EUR": 5000.0}
    assert {t.date for t in police.transactions} == {date(2020, 2, 1)}

    assert courts.identifier.startswith("hxl-") and len(courts.identifier) == 20
    assert courts.status == ActivityStatus.IMPLEMENTATION
    assert courts.locations == [
        ActivityLocation(
            "Bossangoa court", lon=17.4552, lat=6.4926, country_iso3="CAF", admin_code="CF32"
        )
    ]
    assert courts.capabilities == [Capability.JUSTICE_REFORM, Capability.GENDER_SGBV]
    assert [s.code for s in courts.sectors] == ["Justice", "Violences sexuelles"]
    assert courts.transactions == []
    (note,) = report.problems
    assert note.field == "#activity+code" and note.message.startswith("1 row(s) have no")


def test_bad_rows_are_reported_by_line_and_tag_and_good_rows_import(tmp_path: Path) -> None:
    bad = [
        row(code="B1", title="Prisons", org="RCS", start="2021-31-12"),  # line 7
        row(code="B2", title="Prisons", org="RCS", start="2021-05-01", end="2021-01-01"),
        row(code="B3", title="Prisons", org="RCS", start="2021-01-01", spent="-5", currency="USD"),
        row(code="B4", title="Prisons", org="RCS", start="2021-01-01", spent="5", currency="ZZZ"),
        row(code="B5", title="Prisons", org="RCS", status="doing"),
        row(code="B6", title="Prisons", org="RCS", country="Atlantis"),
        row(code="B7", title="Prisons", org="RCS", spent="12 apples", currency="USD"),
        row(code="B8", title="Prisons", org="RCS", start="2021-01-01", spent="7"),
        row(code="B9", adm1="Ouham"),  # no title and no organisation
        row(
            code="OK",
            title="Prison registry",
            org="RCS",
            sector="Prisons",
            start="2021-01-01",
            spent="7",
            currency="USD",
        ),
    ]
    report = read_3w(sample(tmp_path, bad))
    found = {(p.line, p.field) for p in report.problems if p.line is not None}
    assert found == {
        (7, "#date+start"),
        (8, "#date+end"),
        (9, "#value+spent"),
        (10, "#currency"),
        (11, "#status"),
        (12, "#country+code"),
        (13, "#value+spent"),
        (14, "#value+spent"),
        (15, "#activity+name"),
    }
    assert all(p.source == "3w.csv" for p in report.problems)
    by_line = {p.line: p.message for p in report.problems}
    assert "not a date" in by_line[7]
    assert "before start" in by_line[8]
    assert "negative" in by_line[9]
    assert "ISO 4217" in by_line[10]
    assert "planned, ongoing, finalisation, completed, cancelled, suspended" in by_line[11]
    assert "add a #currency column" in by_line[14]
    assert [a.identifier for a in report.activities][::2] == ["CAR-01", "OK"]
    assert report.rows == 13
    ok = report.activities[-1]
    assert ok.capabilities == [Capability.CORRECTIONS] and ok.total(SPENT) == {"USD": 7.0}


def test_coordinates_and_paired_codes_are_checked(tmp_path: Path) -> None:
    rows = [
        ["#activity+code", "#org+impl", "#org+impl+code", "#loc+name", "#geo+lat", "#geo+lon"],
        ["A", "UNDP; UNOPS", "XM-DAC-41114", "Bria", "", ""],
        ["B", "UNDP", "", "Bria", "6.5", ""],
        ["C", "UNDP", "", "Bria", "96.5", "20"],
        ["D", "UNDP; UNOPS", "; XM-DAC-41123", "Bria", "6.5", "20"],
    ]
    report = read_3w(write_csv(tmp_path / "geo.csv", rows))
    assert [(p.line, p.field) for p in report.problems] == [
        (2, "#org+impl+code"),
        (3, "#geo+lon"),
        (4, "#geo+lat"),
    ]
    assert "1 value(s) for 2 organisation name(s)" in report.problems[0].message
    (act,) = report.activities
    assert [(p.name, p.ref) for p in act.participants] == [
        ("UNDP", None),
        ("UNOPS", "XM-DAC-41123"),
    ]
    assert act.locations == [ActivityLocation("Bria", 20.0, 6.5)]


def test_a_sheet_without_title_and_organisation_columns_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "who.csv", [["Region"], ["#adm1+name"], ["Bay"]])
    with pytest.raises(InputError, match="no title column") as err:
        read_3w(path)
    assert err.value.problem.source == "who.csv"
    untagged = write_csv(tmp_path / "plain.csv", [["Org", "Activity"], ["UNDP", "Courts"]])
    with pytest.raises(InputError, match="no HXL hashtag row"):
        read_3w(untagged)


def test_identifiers_without_code_are_stable_across_imports(tmp_path: Path) -> None:
    rows = [
        ["Partner", "What", "Where", "When"],
        ["#org+impl", "#activity+name", "#adm1+name", "#date+start"],
        ["IDLO", "Legal aid clinics", "Bay", "2021-01-01"],
        ["IDLO", "Legal aid clinics", "Bari", "2021-01-01"],
        ["NRC", "Legal aid clinics", "Bay", "2021-01-01"],
    ]
    first = read_3w(write_csv(tmp_path / "a.csv", rows))
    # Same content, different case and spacing, rows in another order, semicolon-separated.
    moved = [rows[0], rows[1], rows[4], ["idlo ", "legal  aid clinics", "BAY", "01/01/2021"]]
    second = read_3w(write_csv(tmp_path / "b.csv", [*moved, rows[3]], delimiter=";"))
    ids = [a.identifier for a in first.activities]
    assert len(set(ids)) == 3
    assert sorted(ids) == sorted(a.identifier for a in second.activities)
    assert "3 row(s) have no activity code" in first.problems[-1].message


def test_xlsx_with_a_cover_sheet_dates_and_numbers(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    cover = wb.active
    assert cover is not None
    cover.title = "read me"
    cover.append(["Who does what where, Mali"])
    ws = wb.create_sheet("3W")
    ws.append(["Mali 3W"])
    ws.append(
        ["Code", "Organisation", "Activité", "Région", "Début", "Engagé", "Devise", "Capacité"]
    )
    ws.append(
        [
            "#activity+code",
            "#org+impl",
            "#activity+name+i_fr",
            "#adm1+name",
            "#date+start",
            "#value+commitment",
            "#currency",
            "#sector+capability",
        ]
    )
    ws.append(
        [
            1207,
            "EUCAP Sahel",
            "Formation police",
            "Mopti",
            datetime(2019, 4, 1),
            25000,
            "eur",
            "community policing; Vetting",
        ]
    )
    ws.append(
        [
            1207,
            "EUCAP Sahel",
            "Formation police",
            "Ségou",
            datetime(2019, 4, 1),
            25000.0,
            "EUR",
            "vetting",
        ]
    )
    wb.save(tmp_path / "mali.xlsx")
    report = read_3w(tmp_path / "mali.xlsx", default_country="MLI")
    (act,) = report.activities
    assert act.identifier == "1207" and act.line == 4
    assert act.title == {"fr": "Formation police"}
    assert [(loc.name, loc.admin_level, loc.country_iso3) for loc in act.locations] == [
        ("Mopti", 1, "MLI"),
        ("Ségou", 1, "MLI"),
    ]
    assert act.countries == [("MLI", None)]
    assert act.capabilities == [Capability.COMMUNITY_POLICING, Capability.VETTING]
    assert act.total(COMMIT) == {"EUR": 25000.0}
    assert act.transactions[0].date == date(2019, 4, 1)
    assert report.problems == [] and report.rows == 2


def test_rows_without_code_at_two_places_are_two_activities(tmp_path: Path) -> None:
    rows = [["#org+impl", "#activity+name", "#adm1+name"], ["A", "T", "Mopti"], ["A", "T", "Ségou"]]
    report = read_3w(write_csv(tmp_path / "t.csv", rows))
    assert len(report.activities) == 2


def test_explicit_capabilities_replace_inferred_ones(tmp_path: Path) -> None:
    rows = [
        ["#activity+code", "#org+impl", "#sector+code", "#sector+capability"],
        ["X", "UNDP", "15130", "legal aid; Vetting"],
        ["Y", "UNDP", "15130", ""],
        ["Z", "UNDP", "15130", "courts"],
    ]
    report = read_3w(write_csv(tmp_path / "c.csv", rows))
    assert [a.capabilities for a in report.activities] == [
        [Capability.LEGAL_AID, Capability.VETTING],
        [Capability.JUSTICE_REFORM],
    ]
    (problem,) = [p for p in report.problems if p.line]
    assert problem.line == 4 and problem.field == "#sector+capability"
    assert "police_reform" in problem.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-03-04", date(2021, 3, 4)),
        ("04/03/2021", date(2021, 3, 4)),
        ("4.3.2021", date(2021, 3, 4)),
        ("03/24/2021", date(2021, 3, 24)),
        ("2021-03-04T10:00:00", date(2021, 3, 4)),
        (44259, date(2021, 3, 4)),
    ],
)
def test_dates_in_the_forms_3w_sheets_use(text: str | int, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2021", 2021, "31/31/2021", "March 2021", ""])
def test_what_is_not_a_date(text: str | int) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Security system management and reform", [Capability.SSR_GENERAL]),
        ("Appui à la police de proximité", [Capability.COMMUNITY_POLICING]),
        ("Police and prisons", [Capability.POLICE_REFORM, Capability.CORRECTIONS]),
        ("Population Policies/Programmes & Reproductive Health", []),
        ("Other Social Infrastructure & Services", []),
        ("Gender Based Violence", [Capability.GENDER_SGBV]),
        ("Désarmement, démobilisation et réintégration", [Capability.DDR]),
        ("Parliamentary oversight", [Capability.OVERSIGHT]),
        ("Border management", [Capability.BORDER_MANAGEMENT]),
        ("Removal of land mines and explosive remnants of war", [Capability.MINE_ACTION]),
    ],
)
def test_capability_keywords(name: str, expected: list[Capability]) -> None:
    assert capabilities_for([SectorShare(name, "99", name=name)]) == expected


def test_dac_codes_imply_capabilities() -> None:
    shares = [SectorShare("15240"), SectorShare("15240"), SectorShare("11110")]
    assert capabilities_for(shares) == [Capability.DDR]


def test_csv_that_is_not_utf8_is_read_as_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_bytes("#org+impl,#activity+name\r\nMinistère,Sécurité\r\n".encode("cp1252"))
    report = read_3w(path)
    assert report.activities[0].participants[0].name == "Ministère"
    assert "Windows-1252" in report.problems[0].message


# Round trips --------------------------------------------------------------------------------


def activity_fixture() -> list[Activity]:
    return [
        Activity(
            "XM-DAC-41114-00123",
            {"en": "=SUM(A1:A3) is not a formula", "fr": "Appui à la justice"},
            description={"en": "Line one\nline two"},
            status=ActivityStatus.CLOSED,
            planned_start=date(2019, 1, 1),
            actual_start=date(2019, 2, 1),
            planned_end=date(2020, 12, 31),
            participants=[
                Participant(OrgRole.FUNDING, "Sweden", "XM-DAC-10", "10"),
                Participant(OrgRole.IMPLEMENTING, "-Minus NGO", None, "22"),
                Participant(OrgRole.IMPLEMENTING, "UNDP", "XM-DAC-41114", None),
            ],
            countries=[("SSD", None)],
            sectors=[
                SectorShare("15130", name="Legal and judicial development"),
                SectorShare("Rule of law", "99", name="Rule of law"),
            ],
            capabilities=[Capability.JUSTICE_REFORM],
            institution_refs=["Judiciary of South Sudan"],
            locations=[
                ActivityLocation("Juba", 31.58, 4.85, country_iso3="SSD", admin_code="SS0101"),
                ActivityLocation("Jonglei", country_iso3="SSD", admin_level=1, admin_code="SS03"),
            ],
            transactions=[
                Transaction(COMMIT, date(2019, 1, 1), Money(1_000_000.5, "USD")),
                Transaction(COMMIT, date(2019, 6, 1), Money(250_000, "EUR")),
                Transaction(DISB, date(2019, 6, 1), Money(0.1, "USD")),
                Transaction(DISB, date(2019, 7, 1), Money(0.2, "USD")),
            ],
        ),
        Activity("EMPTY-1", {"en": "@risk: no places, no money"}),
    ]


def same(x: object, y: object) -> bool:
    """Equal, numbers to 15 significant digits: XLSX keeps 16 (openpyxl writes ``%.16g``)."""
    if isinstance(x, float) and isinstance(y, float):
        return math.isclose(x, y, rel_tol=1e-15, abs_tol=1e-300)
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(same(x[k], y[k]) for k in x)
    if isinstance(x, list | tuple) and isinstance(y, list | tuple):
        return len(x) == len(y) and all(same(a, b) for a, b in zip(x, y, strict=True))
    return x == y


def canonical(act: Activity) -> dict[str, object]:
    """What a 3W carries, order-insensitive where a 3W does not keep order."""
    return {
        "identifier": act.identifier,
        "title": act.title,
        "description": act.description,
        "status": act.status,
        "dates": (act.planned_start, act.actual_start, act.planned_end, act.actual_end),
        "participants": sorted((p.role, p.name, p.ref, p.org_type) for p in act.participants),
        "institutions": act.institution_refs,
        "countries": sorted(c for c, _ in act.countries),
        "sectors": act.sectors,
        "capabilities": act.capabilities or capabilities_for(act.sectors),
        "locations": [
            (
                loc.name,
                loc.lon,
                loc.lat,
                loc.country_iso3,
                loc.admin_level,
                loc.admin_code,
            )
            for loc in act.locations
        ],
        "money": {t: act.total(t) for t in (COMMIT, DISB, SPENT)},
    }


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_write_then_read_gives_the_same_activities(tmp_path: Path, suffix: str) -> None:
    acts = activity_fixture()
    path = write_3w(acts, tmp_path / f"out{suffix}", language="fr")
    report = read_3w(path)
    assert [p for p in report.problems if p.line is not None] == []
    assert report.unmatched_columns == []
    got, want = [canonical(a) for a in report.activities], [canonical(a) for a in acts]
    assert same(got, want), (got, want)
    assert report.rows == 2 + 1  # two places (two currencies fit on them) and one empty activity


def test_csv_export_defuses_formulas(tmp_path: Path) -> None:
    path = write_3w(activity_fixture(), tmp_path / "out.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        human, tags, *rows = list(csv.reader(fh))
    assert human[0] == "Activity code" and tags[0] == "#activity+code"
    cells = [c for r in rows for c in r]
    assert "'=SUM(A1:A3) is not a formula" in cells and "'@risk: no places, no money" in cells
    assert not any(c.startswith(("=", "@", "+")) for c in cells)


def test_xlsx_export_writes_formula_like_text_as_text(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = write_3w(activity_fixture(), tmp_path / "out.xlsx")
    ws = load_workbook(path).active
    assert ws is not None
    assert ws["B3"].value == "=SUM(A1:A3) is not a formula" and ws["B3"].data_type == "s"


# Generated activities: what write_3w writes, read_3w reads back.

SAFE = st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs"), exclude_characters=";|")
TEXT = st.text(SAFE, min_size=1, max_size=20).map(str.strip).filter(bool)
NAME = TEXT.filter(lambda s: not s.isdigit())
CODE = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=12)
DAY = st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31))
COORD = st.floats(-80, 80, allow_nan=False)
AMOUNT = st.floats(0, 1e12, allow_nan=False)
SECTOR = st.one_of(
    st.builds(
        SectorShare,
        st.sampled_from(["15210", "15130", "15240", "12220", "99810"]),
        st.just("1"),
        st.none(),
        st.none() | NAME,
    ),
    st.builds(SectorShare, st.sampled_from(["152", "151"]), st.just("2"), st.none(), st.none()),
    NAME.map(lambda n: SectorShare(n, "99", None, n)),
)


@st.composite
def activities(draw: st.DrawFn, identifier: str) -> Activity:
    countries = draw(st.lists(st.sampled_from(["SOM", "MLI", "CAF"]), max_size=2, unique=True))
    here = countries[0] if len(countries) == 1 else None

    def location(level: int | None) -> st.SearchStrategy[ActivityLocation]:
        coords = st.none() | st.tuples(COORD, COORD)
        return st.builds(
            lambda name, code, xy: ActivityLocation(
                name, xy[0] if xy else None, xy[1] if xy else None, None, here, level, code
            ),
            NAME,
            st.none() | CODE,
            coords,
        )

    start = draw(st.none() | DAY)
    end = draw(st.none() | DAY.filter(lambda d: start is None or d >= start))
    roles = {r: draw(st.lists(NAME, max_size=2, unique=True)) for r in OrgRole}
    money = []
    if start is not None:
        for kind in (COMMIT, DISB, SPENT):
            for currency in draw(st.lists(st.sampled_from(["USD", "EUR", "XOF"]), unique=True)):
                money.append(Transaction(kind, start, Money(draw(AMOUNT), currency)))
    return Activity(
        identifier,
        draw(st.fixed_dictionaries({"en": TEXT}, optional={"fr": TEXT})),
        description=draw(st.fixed_dictionaries({}, optional={"en": TEXT})),
        status=draw(st.none() | st.sampled_from(ActivityStatus)),
        planned_start=start,
        planned_end=end,
        actual_end=draw(st.none() | DAY.filter(lambda d: start is None or d >= start)),
        participants=[
            Participant(
                r, n, draw(st.none() | CODE), draw(st.none() | st.sampled_from(["10", "21"]))
            )
            for r, names in roles.items()
            for n in names
        ],
        countries=[(c, None) for c in countries],
        sectors=draw(st.lists(SECTOR, max_size=3, unique=True)),
        capabilities=draw(st.lists(st.sampled_from(Capability), max_size=2, unique=True)),
        institution_refs=draw(st.lists(NAME, max_size=2, unique=True)),
        locations=draw(
            st.lists(
                st.one_of(location(1), location(2), location(None)),
                max_size=3,
                unique_by=lambda loc: (loc.name, loc.admin_level, loc.admin_code, loc.lat),
            )
        ),
        transactions=money,
    )


@st.composite
def portfolios(draw: st.DrawFn) -> list[Activity]:
    ids = draw(st.lists(CODE, min_size=1, max_size=4, unique=True))
    return [draw(activities(i)) for i in ids]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(acts=portfolios(), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_generated_activities_round_trip(acts: list[Activity], suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        report = read_3w(write_3w(acts, Path(folder) / f"3w{suffix}"))
    assert [p for p in report.problems if p.line is not None] == []
    got, want = [canonical(a) for a in report.activities], [canonical(a) for a in acts]
    assert same(got, want), (got, want)
