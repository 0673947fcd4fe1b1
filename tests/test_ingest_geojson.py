"""The GeoJSON boundary reader: layouts, validation, repair, round-trips."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peaceops.errors import InputError, RowErrors
from peaceops.ingest.geojson import (
    detect_fields,
    feature_collection,
    normalise_country,
    read_boundaries,
)

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


def write(tmp_path: Path, features: list[Any], name: str = "b.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def feature(props: dict[str, Any], geometry: Any = SQUARE) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def test_layouts_are_detected() -> None:
    assert (
        detect_fields({"ADM1_EN": "Bong", "ADM1_PCODE": "LR01", "ADM0_PCODE": "LR"}, 1).code
        == "ADM1_PCODE"
    )
    cod2 = detect_fields({"ADM2_FR": "X", "ADM2_PCODE": "CD0101", "ADM1_PCODE": "CD01"}, 2)
    assert cod2 is not None and (cod2.name, cod2.parent) == ("ADM2_FR", "ADM1_PCODE")
    ne = detect_fields({"name": "Lofa", "iso_3166_2": "LR-LO", "adm0_a3": "LBR"}, 1)
    assert ne is not None and (ne.code, ne.country) == ("iso_3166_2", "adm0_a3")
    assert detect_fields({"whatever": 1}, 1) is None


def test_country_codes_normalise() -> None:
    assert normalise_country("lbr") == "LBR"
    assert normalise_country("LR") == "LBR"
    assert normalise_country("430") == "LBR"
    assert normalise_country("XCA") == "XCA"  # user-assigned codes pass
    assert normalise_country("ZZZ") is None


def test_cod_layout_with_parents(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            feature(
                {
                    "ADM2_EN": "Upper",
                    "ADM2_PCODE": "LR0101",
                    "ADM1_PCODE": "LR01",
                    "ADM0_PCODE": "LR",
                }
            ),
        ],
    )
    read = read_boundaries(path, level=2)
    area = read.areas[0]
    assert (area.country_iso3, area.pcode, area.parent_pcode) == ("LBR", "LR0101", "LR01")


def test_bad_features_are_all_named_and_nothing_is_returned(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            feature({"shapeName": "Good", "shapeID": "G1"}),
            feature({"shapeName": "", "shapeID": "G2"}),
            feature({"shapeName": "No code", "shapeID": None}),
            feature(
                {"shapeName": "A point", "shapeID": "G4"}, {"type": "Point", "coordinates": [0, 0]}
            ),
            feature(
                {"shapeName": "Off the globe", "shapeID": "G5"},
                {"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]},
            ),
            feature({"shapeName": "Twice", "shapeID": "G1"}),
        ],
    )
    with pytest.raises(RowErrors) as caught:
        read_boundaries(path, level=1, country="LBR")
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 5
    assert "feature 2" in messages[0] and "field 'shapeName'" in messages[0]
    assert "feature 3 (No code)" in messages[1] and "field 'shapeID'" in messages[1]
    assert "feature 4 (A point)" in messages[2] and "field 'geometry'" in messages[2]
    assert "feature 5" in messages[3] and "geometry.coordinates" in messages[3]
    assert "repeats feature 1" in messages[4]
    assert "nothing was imported" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"type": "FeatureCollection", "features": [', "line 1"),
        ("[1, 2, 3]", "FeatureCollection"),
        ('{"type": "FeatureCollection"}', "'features'"),
        ('{"type": "FeatureCollection", "features": []}', "no features"),
        ("[" * 100000 + "]" * 100000, "b.geojson"),
    ],
)
def test_malformed_files_get_clear_errors(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "b.geojson"
    path.write_text(content)
    with pytest.raises(InputError, match=expected):
        read_boundaries(path, level=1, country="LBR")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "b.geojson"
    path.write_bytes(b'{"type": "FeatureCollection", "name": "\xe9"}')
    with pytest.raises(InputError, match="not UTF-8"):
        read_boundaries(path, level=1, country="LBR")


def test_unknown_country_argument_names_the_option(tmp_path: Path) -> None:
    path = write(tmp_path, [feature({"shapeName": "A", "shapeID": "A"})])
    with pytest.raises(InputError, match="unknown country code 'QQQ'") as caught:
        read_boundaries(path, level=1, country="QQQ")
    assert caught.value.problem.field == "--country"


def test_unknown_country_in_a_feature_names_feature_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, [feature({"shapeName": "A", "shapeID": "A", "shapeGroup": "QQQ"})])
    with pytest.raises(RowErrors, match=r"feature 1 \(A\), field 'shapeGroup'"):
        read_boundaries(path, level=1)


def test_other_countries_are_skipped(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            feature({"shapeName": "A", "shapeID": "A", "shapeGroup": "LBR"}),
            feature({"shapeName": "B", "shapeID": "B", "shapeGroup": "SLE"}),
        ],
    )
    read = read_boundaries(path, level=1, country="SLE")
    assert [a.pcode for a in read.areas] == ["B"] and read.skipped_other_countries == 1
    with pytest.raises(InputError, match="no feature of country HTI"):
        read_boundaries(path, level=1, country="HTI")


def test_bowtie_is_repaired_with_a_warning(tmp_path: Path) -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    path = write(tmp_path, [feature({"shapeName": "Bow", "shapeID": "B"}, bowtie)])
    read = read_boundaries(path, level=1, country="LBR")
    assert read.areas[0].geometry["type"] == "MultiPolygon"
    assert "repaired invalid geometry" in str(read.warnings[0])


def test_gzipped_files_are_read(tmp_path: Path) -> None:
    path = tmp_path / "b.geojson.gz"
    collection = {
        "type": "FeatureCollection",
        "features": [feature({"shapeName": "A", "shapeID": "A"})],
    }
    path.write_bytes(gzip.compress(json.dumps(collection).encode()))
    assert read_boundaries(path, level=1, country="LBR").areas[0].name == "A"


# Round trips ------------------------------------------------------------------------------

names = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(lambda s: s.strip() == s and s.strip() != "")
codes = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", min_size=1, max_size=20).filter(
    lambda s: s != "-99"
)


@st.composite
def boxes(draw: st.DrawFn) -> dict[str, Any]:
    x = draw(st.floats(-179, 178, allow_nan=False))
    y = draw(st.floats(-89, 88, allow_nan=False))
    w = draw(st.floats(0.001, 1))
    h = draw(st.floats(0.001, 1))
    ring = [[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(codes, names, boxes()), min_size=1, max_size=8, unique_by=lambda t: t[0]))
def test_export_then_read_gives_the_same_areas(tmp_path: Path, rows: list[Any]) -> None:
    path = write(tmp_path, [feature({"shapeName": n, "shapeID": c}, g) for c, n, g in rows])
    first = read_boundaries(path, level=1, country="LBR")
    exported = tmp_path / "exported.geojson"
    exported.write_text(json.dumps(feature_collection(first.areas)))
    second = read_boundaries(exported, level=1)
    assert [(a.pcode, a.name, a.country_iso3, dict(a.geometry)) for a in second.areas] == [
        (c, n, "LBR", g) for c, n, g in rows
    ]
