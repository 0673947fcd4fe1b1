"""The iati3w JSON of Somalia: counts, resolution through the lookups, problems with lines."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from conftest import shared_file
from peaceops.domain.coordination import (
    ActivityLocation,
    ActivityStatus,
    Capability,
    OrgRole,
    Participant,
    SectorShare,
)
from peaceops.errors import InputError
from peaceops.ingest.iati3w import Iati3wReport, read_iati3w

SOMALIA = "iati/somalia-iati3w/iati-data_somalia_2021-10-22.json"


@pytest.fixture(scope="module")
def somalia() -> Iati3wReport:
    return read_iati3w(shared_file(SOMALIA))


def test_somalia_counts(somalia: Iati3wReport) -> None:
    acts = somalia.activities
    assert somalia.records == len(acts) == 1402
    assert len({a.identifier for a in acts}) == 1402
    assert all(a.source == "iati3w" for a in acts)
    assert sum(1 for a in acts if any(loc.admin_level == 1 for loc in a.locations)) == 341
    assert sum(1 for a in acts if any(loc.admin_level == 2 for loc in a.locations)) == 71
    assert sum(len(a.locations) for a in acts) == 690
    implementers = {p.name for a in acts for p in a.participants if p.role == OrgRole.IMPLEMENTING}
    # 886 different strings name implementers in the file; resolved through the lookup, 852.
    assert len(implementers) == 852
    assert sum(1 for a in acts if any(p.role == OrgRole.IMPLEMENTING for p in a.participants)) == (
        1047
    )
    assert len({a.reporting_org.name for a in acts if a.reporting_org}) == 106
    assert sum(1 for a in acts if ("SOM", None) in a.countries) == 1400
    statuses = [a.status for a in acts]
    assert statuses.count(ActivityStatus.IMPLEMENTATION) == 856
    assert statuses.count(ActivityStatus.CLOSED) == 478
    assert statuses.count(None) == 68


def test_first_record_in_full(somalia: Iati3wReport) -> None:
    act = somalia.activities[0]
    assert act.identifier == "GB-CHC-1043843-NetherlandsMFA_F014_29437" and act.line == 2
    assert act.title == {"en": "Restoring Stable Communities in Somalia"}
    assert act.reporting_org == Participant(OrgRole.EXTENDING, "Saferworld", "GB-CHC-1043843", "21")
    assert act.participants == [
        Participant(OrgRole.FUNDING, "Netherlands - Ministry of Foreign Affairs", "XM-DAC-7", "10"),
        Participant(OrgRole.IMPLEMENTING, "Saferworld", "GB-CHC-1043843", "21"),
    ]
    assert act.sectors == [
        SectorShare("dac:government-civil-society", "99", None, "Government & Civil Society")
    ]
    assert (act.planned_start, act.planned_end) == (date(2016, 12, 1), date(2021, 11, 30))
    assert act.status == ActivityStatus.IMPLEMENTATION and act.countries == [("SOM", None)]


def test_places_resolve_to_regions_with_pcodes(somalia: Iati3wReport) -> None:
    places = {loc for a in somalia.activities for loc in a.locations}
    assert (
        ActivityLocation(
            "Banadir (Mogadishu)", country_iso3="SOM", admin_level=1, admin_code="SO22"
        )
        in places
    )
    # Districts carry no P-code: the lookup gives them their region's.
    assert ActivityLocation("Garoowe", country_iso3="SOM", admin_level=2) in places
    assert all(loc.admin_code is None for loc in places if loc.admin_level == 2)
    named = sorted(loc.name for loc in places if loc.admin_level is None)
    # Unclassified names the lookup places in a region; "Kenya" (a country) is left out.
    assert named == [
        "Burao",
        "Dhobley",
        "Dollow",
        "Garadag",
        "Gardo",
        "Hargeisa",
        "Laascaanood",
    ]


def test_organisations_resolve_by_stub_or_by_name(somalia: Iati3wReport) -> None:
    by_id = {a.identifier: a for a in somalia.activities}
    wb = by_id["SE-0-SE-6-12769A0101-SOM-16020"]
    names = {(p.role, p.name) for p in wb.participants}
    assert (OrgRole.IMPLEMENTING, "International Bank for Reconstruction and Development") in names
    # Not in the lookup: kept as written, without ref.
    assert any(
        p.name.startswith("IBRD/") and p.ref is None and p.role == OrgRole.ACCOUNTABLE
        for p in wb.participants
    )
    variants = somalia.name_variants["Netherlands - Ministry of Foreign Affairs"]
    assert {"Netherlands - MFA", "Ministerie van Buitenlandse Zaken (BuZa)"} <= variants
    # A synonym pasted as a paragraph is not a name variant.
    assert all(len(v) <= 120 for vs in somalia.name_variants.values() for v in vs)
    assert "Nagaad" in somalia.name_variants["Nagaad Network"]


def test_problems_name_file_line_and_record(somalia: Iati3wReport) -> None:
    messages = [str(p) for p in somalia.problems]
    untitled = next(p for p in somalia.problems if p.field == "title")
    assert (untitled.line, untitled.item) == (38514, "XI-IATI-EC_INTPA-2017/389-971")
    assert untitled.source == "iati-data_somalia_2021-10-22.json"
    assert any("1 date(s) 1900-01-01 are placeholders" in m for m in messages)
    assert any(
        m.endswith("country code 'XK' unknown to ISO 3166 (2 record(s)); left out")
        for m in messages
    )
    placeholder = next(a for a in somalia.activities if a.identifier == "41120-1763")
    assert placeholder.planned_start is None and placeholder.planned_end == date(2020, 3, 31)
    assert placeholder.line == 46709


def test_capabilities_from_cluster_names(somalia: Iati3wReport) -> None:
    found = {c for a in somalia.activities for c in a.capabilities}
    assert found == {Capability.GENDER_SGBV, Capability.MINE_ACTION}


# Small files ----------------------------------------------------------------------------------


def write_lookups(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "org_lookup.csv").write_text(
        "stub,name,shortname,scope,iati_id,organisation_type_code,organisation_type,"
        "hq_country_or_region,synonyms,sources\n"
        "unodc,United Nations Office on Drugs and Crime,UNODC,international,XM-DAC-41127,40,"
        "Multilateral,,UN Office on Drugs and Crime|ONUDC,IATI\n",
        encoding="utf-8",
    )
    (folder / "location_lookup.csv").write_text(
        "level,stub,name,admin1,pcode,synonyms\n"
        "admin1,bari,Bari,,SO16,\n"
        "admin2,bossaso,Bossaso,bari,SO16,Boosaaso\n",
        encoding="utf-8",
    )
    (folder / "sector_lookup.csv").write_text(
        "vocabulary,stub,name\nhumanitarian,protection,Protection\n", encoding="utf-8"
    )
    return folder


def test_small_file_with_lookups_elsewhere(tmp_path: Path) -> None:
    records = [
        {
            "identifier": "XM-DAC-41127-SOM-1",
            "reported_by": "unodc",
            "title": "Prison reform",
            "orgs": {"implementing": ["ONUDC", "Somali Custodial Corps"], "funding": []},
            "sectors": {"humanitarian": ["Protection"], "dac": []},
            "locations": {"admin1": ["bari"], "admin2": ["bossaso"], "countries": ["SO"]},
            "dates": {"start": "2019-01-01", "end": "2018-12-31"},
            "active": False,
        },
        {"title": "no identifier"},
        {"identifier": "XM-DAC-41127-SOM-1", "title": "again"},
    ]
    path = tmp_path / "data" / "iati-data.json"
    path.parent.mkdir()
    path.write_text("[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]", encoding="utf-8")
    report = read_iati3w(path, lookups=write_lookups(tmp_path / "lookups"))
    (act,) = report.activities
    assert act.participants == [
        Participant(
            OrgRole.IMPLEMENTING, "United Nations Office on Drugs and Crime", "XM-DAC-41127", "40"
        ),
        Participant(OrgRole.IMPLEMENTING, "Somali Custodial Corps"),
    ]
    assert report.name_variants == {
        "United Nations Office on Drugs and Crime": {
            "UNODC",
            "UN Office on Drugs and Crime",
            "ONUDC",
        }
    }
    assert act.locations == [
        ActivityLocation("Bari", country_iso3="SOM", admin_level=1, admin_code="SO16"),
        ActivityLocation("Bossaso", country_iso3="SOM", admin_level=2),
    ]
    assert act.sectors == [SectorShare("humanitarian:protection", "99", None, "Protection")]
    assert act.planned_end is None and act.status is None
    lines = {(p.line, p.field) for p in report.problems if p.line}
    assert lines == {(2, "dates.end"), (3, "identifier"), (4, "identifier")}


def test_missing_lookups_named_explicitly_are_an_error(tmp_path: Path) -> None:
    path = tmp_path / "iati-data.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(InputError, match=r"org_lookup\.csv"):
        read_iati3w(path, lookups=tmp_path)
    report = read_iati3w(path)
    assert report.activities == [] and "no lookup tables" in report.problems[0].message


def test_broken_json_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "iati-data.json"
    path.write_text('[\n  {"identifier": "A"},\n  {"identifier": }\n]', encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_iati3w(path)
    assert err.value.problem.line == 3 and err.value.problem.source == "iati-data.json"
    path.write_text('{"identifier": "A"}', encoding="utf-8")
    with pytest.raises(InputError, match="not a list"):
        read_iati3w(path)
