"""External governance indices (WGI, WJP, BTI, V-Dem, FSI): detection, problems, import, API."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pycountry
import pytest
from typer.testing import CliRunner

from conftest import SYSTEM, TestDatabase, api_token, shared_file
from peaceops.domain.access import Principal, Role
from peaceops.domain.context import CONTEXT_SOURCES, ContextValue
from peaceops.errors import InputError, NotFound, PermissionDenied, Problem
from peaceops.ingest.governance import (
    ReadStats,
    country_from_name,
    detect,
    find_files,
    parse_year,
    read_indices,
)
from peaceops.platform import Platform
from peaceops.services.web.security import SESSION_COOKIE

ISO3 = {c.alpha_3 for c in pycountry.countries}

# Small files in each layout; names say nothing about the kind, the header does.
WGI = """\
"","Country/Territory","Code","Year","Estimate","Lower","NumSrc","Rank","StdErr","Upper","Indicator"
"1","Central African Republic","CAF",2018,-1.65,1,11,3,0.16,5,"RuleofLaw"
"2","Central African Republic","CAF",2019,NA,1,11,3,0.16,5,"RuleofLaw"
"3","Central African Republic","CAF",2019,abc,1,11,3,0.16,5,"ControlofCorruption"
"4","Congo, Dem. Rep.","ZAR",2019,-1.55,1,11,3,0.16,5,"RuleofLaw"
"5","Kosovo","KSV",2019,-0.3,1,11,3,0.16,5,"RuleofLaw"
"6","Kosovo","KSV",2018,-0.4,1,11,3,0.16,5,"RuleofLaw"
"7","Central African Republic","CAF",1066,-1.2,1,11,3,0.16,5,"RuleofLaw"
"8","Central African Republic","CAF",2019,-1.1,1,11,3,0.16,5,"PoliticalStabilityNoViolence"
"""
WJP = """\
"","Country","Abbreviation","Region","Income Group","Overall Score","Year",\
"Factor 1:Constraints on Government Powers","1.1 Government powers are effectively limited \
by the legislature","Factor 5:Order and Security","5.1 Crime is effectively controlled"
"1","Afghanistan","AFG","South Asia","Low","0.34","2017-2018","0.43","0.61","0.30","0.2"
"2","Afghanistan","AFG","South Asia","Low","0.35",2019,"0.44","0.58","1.7","0.2"
"3","Kosovo","XKX","EU","Upper middle","0.6",2019,"0.6","0.6","0.6","0.6"
"""
BTI = """\
bti_country,year,S_Status_Index,SI_Democracy_Status,Q1_Stateness,Q3_Rule_of_Law,Q3.4_Civil_rights
Central African Republic,2018,3.2,3.3,4.0,3.0,NA
"Congo, DR",2018,2.9,NA,3.5,2.5,3
Atlantis,2018,5,5,5,5,5
"""
VDEM = """\
"iso3c","year","v2x_polyarchy","v2x_libdem","vdem.hl"
"CAF",2018,0.36,0.2,-1.1
"CAF",2019,0.38,,-1.0
"SOV",1950,0.1,0.05,-2
"SOV",1951,0.1,0.05,-2
"""
FSI = """\
Country,Year,Rank,Total,C1: Security Apparatus,P3: Human Rights,Change from Previous Year
Yemen,2020-01-01,1st,112.438693820163,9.7,9.95,-1.06
Israel and West Bank,2020-01-01,67th,75.9,6.4,7.1,-0.5
Central African Republic,2020-01-01,6th,130,8.3,9.1,-1.4
"""
KINDS = {"wgi": WGI, "wjp": WJP, "bti": BTI, "vdem": VDEM, "fsi": FSI}


def write_fixtures(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for number, (kind, text) in enumerate(KINDS.items()):
        sub = folder / ("nested" if kind == "bti" else ".")
        sub.mkdir(exist_ok=True)
        paths[kind] = sub / f"file{number}.csv"
        paths[kind].write_text(text, encoding="utf-8")
    return paths


def read(path: Path, known: set[str] | None = None) -> tuple[list[ContextValue], list[str]]:
    items = list(read_indices(path, known=ISO3 if known is None else known))
    values = [i for i in items if isinstance(i, ContextValue)]
    return values, [str(i) for i in items if isinstance(i, Problem)]


def test_the_kind_is_told_from_the_header(tmp_path: Path) -> None:
    paths = write_fixtures(tmp_path)
    assert {kind: detect(path) for kind, path in paths.items()} == {k: k for k in KINDS}
    other = tmp_path / "2020_Worldwide_Governance_Indicators_1996-2019.csv"
    other.write_text('"","Country","Code","Indicator","Year","Value"\n"1","A","AFG","X",2019,1\n')
    with pytest.raises(InputError, match=r"2020_Worldwide_Governance.*not a recognised"):
        detect(other)
    found, warnings = find_files(tmp_path)
    assert sorted(kind for _, kind in found) == sorted(KINDS)
    assert [w.source for w in warnings] == [other.name]


def test_wgi_rows_missing_values_and_problems_by_line(tmp_path: Path) -> None:
    path = write_fixtures(tmp_path)["wgi"]
    stats = ReadStats()
    items = list(read_indices(path, known=ISO3, stats=stats))
    values = [i for i in items if isinstance(i, ContextValue)]
    problems = [str(i) for i in items if isinstance(i, Problem)]
    assert [(v.indicator, v.country_iso3, v.year, v.value) for v in values] == [
        ("rule_of_law", "CAF", 2018, -1.65),
        ("rule_of_law", "COD", 2019, -1.55),  # the World Bank's old code ZAR
        ("political_stability", "CAF", 2019, -1.1),
    ]
    assert values[0].scale_low == -2.5 and values[0].higher_is_better
    assert problems == [
        "file0.csv, line 4, CAF 2019, field 'Estimate': not a number: 'abc'",
        "file0.csv, line 8, country 'CAF', field 'Year': impossible year 1066",
        # Kosovo (XKX) is not an ISO 3166 country: reported once, with its rows counted.
        "file0.csv, line 6, country 'KSV', field 'Code': not in the countries table; "
        "2 row(s) skipped",
    ]
    assert (stats.rows, stats.values, stats.missing, stats.skipped) == (8, 3, 1, 4)


def test_wide_files_keep_the_good_cells_of_a_bad_row(tmp_path: Path) -> None:
    paths = write_fixtures(tmp_path)
    values, problems = read(paths["wjp"])
    assert sorted({(v.indicator, v.year) for v in values}) == [
        ("constraints_on_government_powers", 2018),
        ("constraints_on_government_powers", 2019),
        ("order_and_security", 2018),
        ("overall", 2018),
        ("overall", 2019),
    ]  # sub-factors skipped; the 2017-2018 edition counts as 2018
    labels = {v.indicator: v.label for v in values}
    assert labels["order_and_security"] == "WJP Factor 5: Order and Security"
    assert problems == [
        "file1.csv, line 3, AFG 2019, field 'Factor 5:Order and Security': 1.7 is outside the "
        "scale 0 to 1",
        "file1.csv, line 4, country 'XKX', field 'Abbreviation': not in the countries table; "
        "1 row(s) skipped",
    ]
    bti, problems = read(paths["bti"])
    assert {v.country_iso3 for v in bti} == {"CAF", "COD"}
    assert {v.indicator for v in bti} >= {"status_index", "q3_rule_of_law", "q1_stateness"}
    assert len(bti) == 4 + 4  # one NA in each row
    assert problems == [
        "file2.csv, line 4, country 'Atlantis', field 'bti_country': no ISO 3166 country has "
        "this name (add it to NAME_ALIASES); 1 row(s) skipped"
    ]
    vdem, problems = read(paths["vdem"])
    assert [(v.indicator, v.year) for v in vdem] == [
        ("v2x_polyarchy", 2018),
        ("v2x_libdem", 2018),
        ("v2x_polyarchy", 2019),
    ]  # vdem.hl is not a V-Dem index
    assert problems == [
        "file3.csv, line 4, country 'SOV', field 'iso3c': not in the countries table; "
        "2 row(s) skipped"
    ]
    fsi, problems = read(paths["fsi"])
    assert {(v.country_iso3, v.indicator): v.value for v in fsi}[("YEM", "total")] == pytest.approx(
        112.44, abs=0.01
    )
    assert all(not v.higher_is_better and v.year == 2020 for v in fsi)
    assert {v.country_iso3 for v in fsi} == {"YEM", "ISR", "CAF"}
    assert problems == [
        "file4.csv, line 4, CAF 2020, field 'Total': 130 is outside the scale 0 to 120"
    ]


def test_years_and_names() -> None:
    assert parse_year("2017-2018") == 2018 and parse_year("2020-01-01") == 2020
    for bad in ("2015-2018", "twenty", "2019.5", "3020"):
        with pytest.raises(ValueError):
            parse_year(bad)
    assert country_from_name("Tu\u0308rkiye") == "TUR"  # the BTI's decomposed spelling
    assert country_from_name("Cote d'Ivoire") == "CIV" and country_from_name("Niger") == "NER"
    assert set(CONTEXT_SOURCES) == set(KINDS)


def test_a_folder_imports_once_with_one_audit_entry_per_file(
    platform: Platform, tmp_path: Path
) -> None:
    paths = write_fixtures(tmp_path / "indices")
    (tmp_path / "indices" / "notes.csv").write_text("a,b\n1,2\n")
    (tmp_path / "indices" / "README.txt").write_text("not a CSV")
    first = platform.context.import_indices(tmp_path / "indices", by=SYSTEM)
    created = 3 + 5 + 8 + 3 + 8
    assert (first.created, first.updated, first.unchanged) == (created, 0, 0)
    assert first.missing == 1 + 2 + 1  # WGI, BTI and V-Dem NA cells
    assert first.skipped == 4 + 4 + 5 + 4 + 1
    assert [f.index for f in first.files] == ["wgi", "wjp", "vdem", "fsi", "bti"]
    assert any("notes.csv: skipped: not a recognised" in str(w) for w in first.warnings)
    assert not any("README" in str(w) for w in first.warnings)
    assert any("file0.csv, line 4" in str(w) for w in first.warnings)

    again = platform.context.import_indices(tmp_path / "indices", by=SYSTEM)
    assert (again.created, again.updated, again.unchanged) == (0, 0, created)

    # A corrected value updates one row and leaves one more audit entry.
    paths["wgi"].write_text(WGI.replace("-1.65", "-1.6"), encoding="utf-8")
    fixed = platform.context.import_indices(paths["wgi"], by=SYSTEM)
    assert (fixed.created, fixed.updated, fixed.unchanged) == (0, 1, 2)
    entries = platform.audit.entries(by=SYSTEM, entity="context_values")[0]
    assert sorted(e.entity_id or "" for e in entries) == ["bti", "fsi", "vdem", "wgi", "wgi", "wjp"]
    wgi = [e for e in entries if e.entity_id == "wgi" and e.after and e.after["updated"] == 1]
    assert len(wgi) == 1 and wgi[0].after and wgi[0].after["source"] == "file0.csv"

    series = platform.context.series("CAF", sources=["wgi"])
    assert [(v.indicator, v.year, v.value) for v in series] == [
        ("political_stability", 2019, -1.1),
        ("rule_of_law", 2018, -1.6),
    ]
    everything = platform.context.series("caf")
    keys = [(v.source, v.indicator, v.year) for v in everything]
    assert keys == sorted(keys) and {v.source for v in everything} == {"bti", "fsi", "vdem", "wgi"}
    assert platform.context.sources("CAF") == ["bti", "fsi", "vdem", "wgi"]  # WJP: AFG only
    with pytest.raises(NotFound):
        platform.context.series("XXX")
    with pytest.raises(InputError, match="unknown source cpia"):
        platform.context.series("CAF", sources=["cpia"])


def test_import_needs_the_permission_and_a_known_file(platform: Platform, tmp_path: Path) -> None:
    paths = write_fixtures(tmp_path)
    with pytest.raises(PermissionDenied):
        platform.context.import_indices(paths["fsi"], by=Principal("v", Role.VIEWER))
    odd = tmp_path / "odd.csv"
    odd.write_text("x,y\n1,2\n")
    with pytest.raises(InputError, match=r"odd\.csv"):
        platform.context.import_indices(odd, by=SYSTEM)
    with pytest.raises(InputError, match="no such file"):
        platform.context.import_indices(tmp_path / "absent", by=SYSTEM)


def test_an_unreadable_file_in_a_folder_does_not_stop_the_others(
    platform: Platform, tmp_path: Path
) -> None:
    paths = write_fixtures(tmp_path)
    paths["vdem"].write_bytes(VDEM.encode() + b'"CAF",2017,0.3\xff,0.2,-1\n')
    report = platform.context.import_indices(tmp_path, by=SYSTEM)
    assert [f.index for f in report.files] == ["wgi", "wjp", "fsi", "bti"]
    bad_line = VDEM.count("\n") + 1
    assert any(
        str(w).startswith(f"file3.csv, line {bad_line}: nothing imported from this file: not UTF-8")
        for w in report.warnings
    ), report.warnings
    assert platform.context.series("CAF", sources=["vdem"]) == []
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = platform.context.import_indices(empty, by=SYSTEM)
    assert nothing.created == 0 and "no governance index file" in str(nothing.warnings[0])


def test_the_api_serves_a_countrys_series_to_every_reader(
    db: TestDatabase,
    client,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    platform = db.platform
    platform.context.import_indices(write_fixtures(tmp_path)["wgi"], by=SYSTEM)
    platform.context.import_indices(tmp_path / "file4.csv", by=SYSTEM)
    assert client.get("/api/v1/countries/CAF/context").status_code == 401
    users = {u.username: u for u in platform.accounts.list_users(by=SYSTEM)}
    for username in ("admin", "analyst", "partner", "civil", "viewer"):
        client.cookies.set(SESSION_COOKIE, platform.accounts.start_session(users[username]))
        answer = client.get("/api/v1/countries/CAF/context")
        assert answer.status_code == 200, username
    client.cookies.clear()
    body = answer.json()
    assert body["count"] == len(body["data"]) == 2 + 2  # WGI CAF 2018, 2019; FSI C1, P3
    assert [s["code"] for s in body["sources"]] == ["fsi", "wgi"]
    assert body["sources"][0]["publisher"] == "The Fund for Peace"
    headers = api_token(platform, "analyst")  # and by API token
    only = client.get("/api/v1/countries/CAF/context?source=wgi", headers=headers).json()
    assert {v["source"] for v in only["data"]} == {"wgi"} and only["count"] == 2
    both = client.get("/api/v1/countries/CAF/context?source=wgi&source=fsi", headers=headers)
    assert both.json()["count"] == 4
    assert client.get("/api/v1/countries/CAF/context?source=x", headers=headers).status_code == 422
    assert client.get("/api/v1/countries/XXX/context", headers=headers).status_code == 404
    fsi = client.get("/api/v1/countries/YEM/context", headers=headers).json()["data"]
    total = next(v for v in fsi if v["indicator"] == "total")
    assert total["higher_is_better"] is False and total["scale_high"] == 120


def test_the_cli_imports_a_folder(db: TestDatabase, tmp_path: Path) -> None:
    write_fixtures(tmp_path / "indices")
    runner = CliRunner()
    from peaceops.services.cli.app import app

    args = ["--database-url", db.url, "import", "governance", str(tmp_path / "indices")]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["created"] == 27 and len(report["files"]) == 5
    shown = runner.invoke(app, args)
    assert shown.exit_code == 0 and "unchanged" in shown.output
    assert "file0.csv, line 4" in shown.output
    odd = tmp_path / "odd.csv"
    odd.write_text("x,y\n1,2\n")
    refused = runner.invoke(app, ["--database-url", db.url, "import", "governance", str(odd)])
    assert refused.exit_code == 3 and "odd.csv" in refused.output


# The real files of ../shared/data ------------------------------------------------------------


def test_real_wgi_rule_of_law_for_the_central_african_republic() -> None:
    path = shared_file("governance/2020_Worldwide_Governance_Indicators_1996-2019.csv")
    assert detect(path) == "wgi"
    stats = ReadStats()
    items = list(read_indices(path, known=ISO3, stats=stats))
    values = {v.key: v for v in items if isinstance(v, ContextValue)}
    assert values[("wgi", "rule_of_law", "CAF", 2019)].value == pytest.approx(-1.7284, abs=1e-4)
    assert ("wgi", "rule_of_law", "ROU", 2019) in values  # listed as ROM
    assert stats.missing == 983 and len(values) > 25_000
    problems = [str(i) for i in items if isinstance(i, Problem)]
    assert len(problems) == 2 and all("KSV" in p or "ANT" in p for p in problems)


def test_real_fsi_and_wjp_editions() -> None:
    fsi, problems = read(shared_file("fsi/fsi_2020.csv"))
    assert problems == [] and len({v.country_iso3 for v in fsi}) == 178
    totals = {v.country_iso3: v.value for v in fsi if v.indicator == "total"}
    assert totals["YEM"] == pytest.approx(112.4, abs=0.05) and max(totals.values()) == totals["YEM"]
    wjp, problems = read(shared_file("governance/2020_WJP_Rule_Of_Law_2013-2020.csv"))
    assert {v.year for v in wjp if v.country_iso3 == "AFG"} == {2014, 2015, 2016, 2018, 2019, 2020}
    assert len({v.indicator for v in wjp}) == 9 and all(0 <= v.value <= 1 for v in wjp)
    assert len(problems) == 1 and "XKX" in problems[0]  # Kosovo has no ISO 3166 code


def test_real_bti_names_all_map_but_kosovo() -> None:
    path = shared_file("governance/democracyData/bti_2004-2022.csv")
    bti, problems = read(path)
    assert len(problems) == 1 and "'Kosovo'" in problems[0]
    assert {"TUR", "COD", "COG", "RUS", "CAF"} <= {v.country_iso3 for v in bti}


def test_real_folder_imports_into_the_database(platform: Platform) -> None:
    folder = shared_file("fsi")
    started = time.perf_counter()
    report = platform.context.import_indices(folder, by=SYSTEM)
    assert report.created == 178 * 13 and report.skipped == 0
    assert platform.context.import_indices(folder, by=SYSTEM).unchanged == 178 * 13
    assert time.perf_counter() - started < 60
    yemen = platform.context.series("YEM", sources=["fsi"])
    assert next(v for v in yemen if v.indicator == "total").value == pytest.approx(112.44, abs=0.01)
