"""Administrative boundaries from GeoJSON: Natural Earth, geoBoundaries and OCHA COD layouts.

The reader validates every feature before anything is written and reports each problem with
the feature number, its name where known, and the property at fault. Geometries that are
slightly invalid (self-touching rings, as simplified boundaries often have) are repaired with
``shapely.make_valid`` and the repair is reported as a warning.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry
import shapely
from shapely.geometry import mapping, shape

from peaceops.domain.places import AdminArea
from peaceops.errors import InputError, Problem, RowErrors
from peaceops.ingest.guards import gunzip, load_json

POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True, slots=True)
class FieldMap:
    """Which feature properties hold the name, the code, the parent code and the country."""

    name: str
    code: str
    parent: str | None = None
    country: str | None = None


def detect_fields(properties: Mapping[str, Any], level: int) -> FieldMap | None:
    """Guess the layout from the first feature's properties.

    >>> detect_fields({"shapeName": "Bong", "shapeID": "LBR-ADM1-1", "shapeGroup": "LBR"}, 1)
    FieldMap(name='shapeName', code='shapeID', parent=None, country='shapeGroup')
    """
    keys = set(properties)
    cod_name = next(
        (
            f"ADM{level}_{lang}"
            for lang in ("EN", "FR", "PT", "ES", "AR")
            if f"ADM{level}_{lang}" in keys
        ),
        None,
    )
    if cod_name and f"ADM{level}_PCODE" in keys:
        return FieldMap(
            name=cod_name,
            code=f"ADM{level}_PCODE",
            parent=f"ADM{level - 1}_PCODE"
            if level > 1 and f"ADM{level - 1}_PCODE" in keys
            else None,
            country="ADM0_PCODE" if "ADM0_PCODE" in keys else None,
        )
    if {"shapeName", "shapeID"} <= keys:
        return FieldMap(
            name="shapeName",
            code="shapeISO" if "shapeISO" in keys and level == 1 else "shapeID",
            country="shapeGroup" if "shapeGroup" in keys else None,
        )
    if {"pcode", "name"} <= keys:  # PeaceOps' own export
        return FieldMap(
            name="name",
            code="pcode",
            parent="parent_pcode" if "parent_pcode" in keys else None,
            country="country_iso3" if "country_iso3" in keys else None,
        )
    if "name" in keys and ("iso_3166_2" in keys or "adm1_code" in keys):  # Natural Earth admin-1
        return FieldMap(
            name="name",
            code="iso_3166_2" if "iso_3166_2" in keys else "adm1_code",
            country="adm0_a3" if "adm0_a3" in keys else ("iso_a2" if "iso_a2" in keys else None),
        )
    if "NAME" in keys and "ADM0_A3" in keys:  # Natural Earth admin-0
        return FieldMap(name="NAME", code="ADM0_A3", country="ADM0_A3")
    return None


def normalise_country(value: object) -> str | None:
    """ISO3 from an ISO3, ISO2 or numeric code; None when it is not a known country.

    User-assigned codes (``XAA``-``XZZ``, used by training scenarios) pass through.
    """
    text = str(value).strip().upper() if value is not None else ""
    if len(text) == 3 and text.isalpha() and text.startswith("X"):
        return text
    try:
        if len(text) == 3 and text.isdigit():
            found = pycountry.countries.get(numeric=text)
        elif len(text) == 3:
            found = pycountry.countries.get(alpha_3=text)
        elif len(text) == 2:
            found = pycountry.countries.get(alpha_2=text)
        else:
            found = None
    except (KeyError, LookupError):
        found = None
    return str(found.alpha_3) if found is not None else None


@dataclass(slots=True)
class BoundaryRead:
    """What a boundary file holds, validated: areas with their bounding boxes, and warnings."""

    source: str
    level: int
    fields: FieldMap
    areas: list[AdminArea] = field(default_factory=list)
    bboxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    skipped_other_countries: int = 0


def load_geojson(source: Path) -> dict[str, Any]:
    """Parse a (possibly gzipped) GeoJSON file, naming the line of a syntax error."""
    name = str(source)
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", source=name) from exc
    if raw[:2] == b"\x1f\x8b":
        raw = gunzip(raw, name=name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start}); GeoJSON must be UTF-8", source=name
        ) from exc
    data = load_json(text, name=name)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InputError(
            'expected a GeoJSON FeatureCollection (an object with "type": "FeatureCollection")',
            source=name,
            field="type",
        )
    if not isinstance(data.get("features"), list):
        raise InputError(
            "the FeatureCollection has no 'features' list", source=name, field="features"
        )
    return data


def _coordinates_ok(geometry: Mapping[str, Any]) -> str | None:
    """None when every position is a finite (lon, lat) in range; otherwise what is wrong."""

    def walk(node: Any, depth: int) -> str | None:
        if depth > 4:
            return "coordinates nested too deeply"
        if (
            isinstance(node, list)
            and node
            and all(isinstance(x, int | float) and not isinstance(x, bool) for x in node)
        ):
            if len(node) < 2:
                return "a position needs longitude and latitude"
            lon, lat = float(node[0]), float(node[1])
            if not (math.isfinite(lon) and math.isfinite(lat)):
                return "a coordinate is not a finite number"
            if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
                return f"position ({lon}, {lat}) is outside longitude/latitude range"
            return None
        if not isinstance(node, list) or not node:
            return "coordinates must be non-empty arrays of numbers"
        for child in node:
            problem = walk(child, depth + 1)
            if problem:
                return problem
        return None

    return walk(geometry.get("coordinates"), 0)


def read_boundaries(
    source: Path | str,
    *,
    level: int,
    country: str | None = None,
    name_field: str | None = None,
    code_field: str | None = None,
    parent_field: str | None = None,
    country_field: str | None = None,
) -> BoundaryRead:
    """Read and validate the admin areas of one level from a GeoJSON file.

    Parameters
    ----------
    source
        A GeoJSON FeatureCollection (``.geojson``, ``.json`` or gzipped).
    level
        1 for provinces/regions/counties, 2 for districts, and so on.
    country
        ISO3 code. Features of other countries are skipped when the file says which country
        each feature is in; otherwise every feature is taken to be in this country.
    name_field, code_field, parent_field, country_field
        Property names, when the layout is not detected (Natural Earth, geoBoundaries and
        OCHA COD layouts are).

    Raises
    ------
    RowErrors
        Every problem found, each naming the feature and the property; nothing is returned
        partially.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> fc = {"type": "FeatureCollection", "features": [{"type": "Feature",
    ...       "properties": {"shapeName": "Bong", "shapeID": "B1", "shapeGroup": "LBR"},
    ...       "geometry": {"type": "Polygon",
    ...                    "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}]}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "b.geojson"
    >>> _ = path.write_text(json.dumps(fc))
    >>> read = read_boundaries(path, level=1, country="LBR")
    >>> [(a.pcode, a.name, a.country_iso3) for a in read.areas]
    [('B1', 'Bong', 'LBR')]
    """
    path = Path(source)
    name = path.name
    if level not in (1, 2, 3, 4):
        raise InputError(f"level must be 1 to 4, got {level}", field="--level")
    wanted = None
    if country is not None:
        wanted = normalise_country(country)
        if wanted is None:
            raise InputError(
                f"unknown country code {country!r}: give an ISO 3166 alpha-3 code such as LBR",
                field="--country",
            )
    data = load_geojson(path)
    features: list[Any] = data["features"]
    if not features:
        raise InputError("the file holds no features", source=name, field="features")
    first_props = features[0].get("properties") if isinstance(features[0], dict) else None
    if not isinstance(first_props, dict):
        first_props = None
    detected = detect_fields(first_props or {}, level)
    fields = FieldMap(
        name=name_field or (detected.name if detected else ""),
        code=code_field or (detected.code if detected else ""),
        parent=parent_field or (detected.parent if detected else None),
        country=country_field or (detected.country if detected else None),
    )
    if not fields.name or not fields.code:
        keys = ", ".join(sorted(first_props or {})[:15])
        raise InputError(
            "cannot tell which properties hold the area name and code; pass --name-field and "
            f"--code-field (properties seen: {keys})",
            source=name,
            item="feature 1",
        )
    if wanted is None and fields.country is None:
        raise InputError(
            "the features do not say which country they are in; pass --country ISO3",
            source=name,
            field="--country",
        )

    read = BoundaryRead(source=name, level=level, fields=fields)
    problems: list[Problem] = []
    seen_codes: dict[str, int] = {}
    countries_seen: set[str] = set()
    for index, feature in enumerate(features, start=1):
        item = f"feature {index}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(Problem("not a GeoJSON Feature", source=name, item=item, field="type"))
            continue
        props = feature.get("properties")
        if not isinstance(props, dict):
            problems.append(
                Problem("has no properties object", source=name, item=item, field="properties")
            )
            continue
        raw_name = props.get(fields.name)
        if isinstance(raw_name, str) and raw_name.strip():
            item = f"feature {index} ({raw_name.strip()[:60]})"

        iso3 = wanted
        if fields.country is not None:
            raw_country = props.get(fields.country)
            found = normalise_country(raw_country)
            if raw_country is not None:
                countries_seen.add(str(raw_country))
            if wanted is not None and found != wanted:
                if found is None and raw_country in (None, ""):
                    pass  # no country on this feature: take the one asked for
                else:
                    read.skipped_other_countries += 1
                    continue
            elif found is None and wanted is None:
                problems.append(
                    Problem(
                        f"unknown country code {raw_country!r}",
                        source=name,
                        item=item,
                        field=fields.country,
                    )
                )
                continue
            iso3 = wanted or found
        assert iso3 is not None

        if not isinstance(raw_name, str) or not raw_name.strip():
            problems.append(
                Problem("the area has no name", source=name, item=item, field=fields.name)
            )
            continue
        raw_code = props.get(fields.code)
        code = str(raw_code).strip() if raw_code not in (None, "") else ""
        if not code or code == "-99":
            problems.append(
                Problem("the area has no code", source=name, item=item, field=fields.code)
            )
            continue
        if len(code) > 64:
            problems.append(
                Problem(
                    "the code is longer than 64 characters",
                    source=name,
                    item=item,
                    field=fields.code,
                )
            )
            continue
        if code in seen_codes:
            problems.append(
                Problem(
                    f"code {code!r} repeats feature {seen_codes[code]}",
                    source=name,
                    item=item,
                    field=fields.code,
                )
            )
            continue
        seen_codes[code] = index
        parent_code = None
        if fields.parent:
            raw_parent = props.get(fields.parent)
            parent_code = str(raw_parent).strip() if raw_parent not in (None, "") else None

        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in POLYGONAL:
            kind = geometry.get("type") if isinstance(geometry, dict) else geometry
            problems.append(
                Problem(
                    f"geometry must be a Polygon or MultiPolygon, not {kind!r}",
                    source=name,
                    item=item,
                    field="geometry",
                )
            )
            continue
        bad = _coordinates_ok(geometry)
        if bad:
            problems.append(Problem(bad, source=name, item=item, field="geometry.coordinates"))
            continue
        try:
            geom = shape(geometry)
        except (ValueError, TypeError, AttributeError, shapely.errors.ShapelyError) as exc:
            problems.append(
                Problem(f"unreadable geometry: {exc}", source=name, item=item, field="geometry")
            )
            continue
        stored: Mapping[str, Any] = geometry
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            repaired = _polygonal(shapely.make_valid(geom))
            if repaired is None or repaired.is_empty:
                problems.append(
                    Problem(
                        f"invalid geometry ({reason})", source=name, item=item, field="geometry"
                    )
                )
                continue
            geom = repaired
            stored = mapping(repaired)
            read.warnings.append(
                Problem(
                    f"repaired invalid geometry ({reason})",
                    source=name,
                    item=item,
                    field="geometry",
                )
            )
        if geom.is_empty or geom.area == 0:
            problems.append(
                Problem("the geometry has no area", source=name, item=item, field="geometry")
            )
            continue
        read.areas.append(
            AdminArea(
                country_iso3=iso3,
                level=level,
                pcode=code,
                name=raw_name.strip(),
                geometry=_plain(stored),
                parent_pcode=parent_code,
                source=name,
            )
        )
        read.bboxes.append(tuple(float(v) for v in geom.bounds))  # type: ignore[arg-type]

    if problems:
        raise RowErrors(problems, source=name)
    if not read.areas:
        seen = ", ".join(sorted(countries_seen)[:12])
        raise InputError(
            f"no feature of country {wanted} in the file ({fields.country} holds: {seen})",
            source=name,
            field=fields.country,
        )
    return read


def _polygonal(geom: Any) -> Any:
    """The polygonal part of a geometry (make_valid may add stray lines or points)."""
    if geom.geom_type in POLYGONAL:
        return geom
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in geom.geoms if g.geom_type in POLYGONAL]
        if not parts:
            return None
        return shapely.union_all(parts)
    return None


def _plain(geometry: Mapping[str, Any]) -> dict[str, Any]:
    """A GeoJSON geometry as plain lists (shapely's mapping() gives tuples)."""
    result: dict[str, Any] = json.loads(json.dumps(geometry))
    return {"type": result["type"], "coordinates": result["coordinates"]}


def feature_collection(areas: list[AdminArea]) -> dict[str, Any]:
    """Areas as a GeoJSON FeatureCollection in PeaceOps' own layout (re-importable)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "pcode": a.pcode,
                    "name": a.name,
                    "level": a.level,
                    "parent_pcode": a.parent_pcode,
                    "country_iso3": a.country_iso3,
                },
                "geometry": dict(a.geometry),
            }
            for a in areas
        ],
    }
