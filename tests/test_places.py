"""Boundary import through the platform, on both engines: atomic, idempotent, audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SYSTEM, TestDatabase, shared_file
from peaceops.domain.access import Principal, Role
from peaceops.errors import InputError, PermissionDenied, RowErrors
from peaceops.platform import Platform


def count_audit(platform: Platform) -> int:
    return platform.audit.entries(by=SYSTEM, limit=1)[1]


def test_demo_boundaries_export_and_reimport_unchanged(platform: Platform, tmp_path: Path) -> None:
    path = tmp_path / "carana_admin1.geojson"  # the name the demo loader used
    path.write_text(json.dumps(platform.places.export_boundaries("XCA", level=1)))
    before = count_audit(platform)
    report = platform.places.import_boundaries(path, level=1, by=SYSTEM)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 8)
    assert count_audit(platform) == before  # nothing changed, nothing logged


def test_natural_earth_admin1_for_liberia(db: TestDatabase, platform: Platform) -> None:
    source = shared_file("natural-earth/ne_10m_admin_1_target8_from_ems.geojson")
    platform.places.load_reference_countries(by=SYSTEM)
    report = platform.places.import_boundaries(source, level=1, country="LBR", by=SYSTEM)
    assert report.created == 15  # Liberia's fifteen counties
    assert report.skipped > 0  # the other seven countries of the file
    areas = platform.places.admin_areas("LBR", level=1)
    assert {a.pcode for a in areas} >= {"LR-MO", "LR-LO", "LR-BG"}
    # Inland points of two counties (Monrovia itself sits on the simplified coastline).
    locator = platform.places.locator("LBR", level=1)
    assert getattr(locator.locate(-10.55, 6.45), "name", None) == "Montserrado"
    assert getattr(locator.locate(-9.5, 7.0), "name", None) == "Bong"
    assert locator.locate(-12.0, 5.0) is None  # at sea
    again = platform.places.import_boundaries(source, level=1, country="LBR", by=SYSTEM)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 15)


def test_a_bad_feature_imports_nothing(platform: Platform, tmp_path: Path) -> None:
    good = {
        "type": "Feature",
        "properties": {"shapeName": "A", "shapeID": "T-A"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[-24, -20], [-23, -20], [-23, -19], [-24, -20]]],
        },
    }
    bad = {
        "type": "Feature",
        "properties": {"shapeName": "B", "shapeID": "T-B"},
        "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
    }
    path = tmp_path / "mixed.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [good, bad]}))
    before = len(platform.places.admin_areas("XCA"))
    with pytest.raises(RowErrors, match=r"feature 2 \(B\), field 'geometry'"):
        platform.places.import_boundaries(path, level=1, country="XCA", by=SYSTEM)
    assert len(platform.places.admin_areas("XCA")) == before


def test_missing_parent_rolls_back_the_whole_file(platform: Platform, tmp_path: Path) -> None:
    square = {"type": "Polygon", "coordinates": [[[-24, -20], [-23, -20], [-23, -19], [-24, -20]]]}
    features = [
        {
            "type": "Feature",
            "geometry": square,
            "properties": {"ADM2_EN": "Fine", "ADM2_PCODE": "XCA0199", "ADM1_PCODE": "XCA01"},
        },
        {
            "type": "Feature",
            "geometry": square,
            "properties": {"ADM2_EN": "Orphan", "ADM2_PCODE": "XCA9901", "ADM1_PCODE": "XCA99"},
        },
    ]
    path = tmp_path / "adm2.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    before = {a.pcode for a in platform.places.admin_areas("XCA", level=2)}
    with pytest.raises(RowErrors, match="parent area 'XCA99'"):
        platform.places.import_boundaries(path, level=2, country="XCA", by=SYSTEM)
    assert {a.pcode for a in platform.places.admin_areas("XCA", level=2)} == before


def test_country_missing_from_database(platform: Platform, tmp_path: Path) -> None:
    path = tmp_path / "b.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"shapeName": "A", "shapeID": "A"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]],
                        },
                    }
                ],
            }
        )
    )
    with pytest.raises(InputError, match="XZZ is not in the database"):
        platform.places.import_boundaries(path, level=1, country="XZZ", by=SYSTEM)


def test_viewers_cannot_import(platform: Platform, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied):
        platform.places.import_boundaries(
            tmp_path / "x.geojson", level=1, by=Principal("v", Role.VIEWER)
        )


def test_country_codes_from_the_prio_crosswalk(platform: Platform) -> None:
    source = shared_file("crosswalks/prio_gw2iso.csv")
    report = platform.places.import_country_codes(source, by=SYSTEM)
    assert report.updated > 150
    liberia = platform.places.country("LBR")
    assert (liberia.gw_code, liberia.ucdp_id) == (450, 450)
    assert platform.places.country("COD").gw_code == 490
    again = platform.places.import_country_codes(source, by=SYSTEM)
    assert again.updated == 0 and again.unchanged == report.updated


def test_demo_settlements_lie_in_their_districts(platform: Platform) -> None:
    locator = platform.places.locator("XCA", level=2)
    for town in platform.places.settlements("XCA"):
        area = locator.locate(town.lon, town.lat)
        assert area is not None and area.pcode == town.admin_pcode, town.name


# A round trip through the database, on both engines -----------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

area_names = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=30,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 10_000),
            area_names,
            st.floats(-60, 60),
            st.floats(-60, 60),
            st.floats(0.01, 3),
        ),
        min_size=1,
        max_size=6,
        unique_by=lambda t: t[0],
    )
)
def test_import_export_round_trip_in_the_database(
    platform: Platform, tmp_path: Path, rows: list[tuple[int, str, float, float, float]]
) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {"shapeName": name, "shapeID": f"RT{code}"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[x, y], [x + w, y], [x + w, y + w], [x, y + w], [x, y]]],
            },
        }
        for code, name, x, y, w in rows
    ]
    source = tmp_path / "rt.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    platform.places.import_boundaries(source, level=3, country="XCA", by=SYSTEM)
    exported = platform.places.export_boundaries("XCA", level=3)
    by_code = {f["properties"]["pcode"]: f for f in exported["features"]}
    for feature in features:
        back = by_code[feature["properties"]["shapeID"]]
        assert back["properties"]["name"] == feature["properties"]["shapeName"]
        assert back["geometry"] == feature["geometry"]
    again = platform.places.import_boundaries(source, level=3, country="XCA", by=SYSTEM)
    assert again.created == again.updated == 0
