"""UCDP Georeferenced Event Dataset (GED) files: CSV (49 columns from 23.1, fewer before),
UCDP Candidate monthly files (same layout), and the GeoJSON variant (points as geometry).

``read_ged`` streams events and problems: a row that breaks ``low <= best <= high``, has an
impossible date or coordinate, or lacks a required field becomes a ``Problem`` naming the file,
the line and the UCDP id, and the other rows still come through.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from peaceops.domain.events import Event, EventSource, ViolenceType
from peaceops.errors import InputError, Problem
from peaceops.ingest.guards import first_undecodable_line, load_json

REQUIRED = ("id", "type_of_violence", "date_start", "date_end", "best", "low", "high")
VERSION_IN_NAME = re.compile(r"(?:v|ged)_?(\d{2})[._]?(\d)(?:[._](\d+))?", re.IGNORECASE)


def version_from_name(name: str) -> str | None:
    """The version in a GED file name: 'GEDEvent_v23_1.csv' and 'ged231.csv' give '23.1'.

    >>> version_from_name("GEDEvent_v25_0_9.csv"), version_from_name("syria.csv")
    ('25.0.9', None)
    """
    match = VERSION_IN_NAME.search(name)
    if not match:
        return None
    major, minor, patch = match.groups()
    return f"{major}.{minor}" + (f".{patch}" if patch else "")


INT32 = 2_147_483_647
SMALLINT = 32_767


def _int(value: Any, bound: int = INT32) -> int | None:
    """A whole number no larger than ``bound`` (the database column's), None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("not a whole number")
    number = float(value)
    if not math.isfinite(number) or number != int(number):
        raise ValueError("not a whole number")
    if abs(number) > bound:
        raise ValueError(f"{int(number)} is out of range (at most {bound:,})")
    return int(number)


def _text(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    text = str(value).replace("\x00", "").strip()  # PostgreSQL cannot store NUL in text
    return text[:limit] if text else None


def _date(value: Any) -> date:
    return date.fromisoformat(str(value).strip()[:10])


def _event(row: dict[str, Any], *, source: EventSource, version: str) -> Event:
    """One event from one row; raises ValueError('field: why') on bad content."""

    def need(name: str) -> Any:
        value = row.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError(f"{name}: missing")
        return value

    def optional(name: str, bound: int = INT32) -> int | None:
        try:
            return _int(row.get(name), bound)
        except (ValueError, TypeError, OverflowError) as exc:
            raise ValueError(f"{name}: {exc}") from None

    try:
        violence = ViolenceType(int(need("type_of_violence")))
    except ValueError:
        raise ValueError(
            f"type_of_violence: must be 1, 2 or 3, not {row.get('type_of_violence')!r}"
        ) from None
    fatalities = {}
    for name in ("best", "low", "high"):
        try:
            fatalities[name] = _int(need(name))
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    best, low, high = fatalities["best"], fatalities["low"], fatalities["high"]
    assert best is not None and low is not None and high is not None
    if low < 0 or not low <= best <= high:
        raise ValueError(f"best: low <= best <= high fails ({low}, {best}, {high})")
    try:
        start, end = _date(need("date_start")), _date(need("date_end"))
    except ValueError as exc:
        raise ValueError(f"date_start: not a date ({exc})") from None
    if end < start:
        raise ValueError(f"date_end: before date_start ({end} < {start})")
    if start.year < 1946 or end > date.today():
        raise ValueError(f"date_start: impossible date {start}")
    lat, lon = row.get("latitude"), row.get("longitude")
    lat_f = float(lat) if lat not in (None, "") else None
    lon_f = float(lon) if lon not in (None, "") else None
    if (lat_f is None) != (lon_f is None):
        raise ValueError("latitude: only one of latitude and longitude is given")
    if (
        lat_f is not None
        and lon_f is not None
        and not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180)
    ):
        raise ValueError(f"latitude: impossible coordinates ({lat_f}, {lon_f})")
    need("id")
    return Event(
        source=source,
        source_id=str(optional("id")),
        version=version,
        type_of_violence=violence,
        date_start=start,
        date_end=end,
        best=best,
        low=low,
        high=high,
        lon=lon_f,
        lat=lat_f,
        country_gw=optional("country_id"),
        country=_text(row.get("country"), 120),
        priogrid_gid=optional("priogrid_gid"),
        adm_1=_text(row.get("adm_1"), 200),
        adm_2=_text(row.get("adm_2"), 200),
        where_prec=optional("where_prec", SMALLINT),
        date_prec=optional("date_prec", SMALLINT),
        side_a=_text(row.get("side_a"), 300),
        side_b=_text(row.get("side_b"), 300),
        conflict_name=_text(row.get("conflict_name"), 300),
    )


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line or feature number, row) from a CSV or GeoJSON file."""
    name = path.name
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"not valid GeoJSON: not UTF-8 text ({exc.reason})", source=name
            ) from None
        data = load_json(text, name=name)
        features = data.get("features") if isinstance(data, dict) else None
        if not isinstance(features, list):
            raise InputError(
                "expected a FeatureCollection with features", source=name, field="features"
            )
        for number, feature in enumerate(features, start=1):
            # A feature, its properties or its geometry of the wrong JSON type reads as empty:
            # the row then fails on its missing fields, with the feature named.
            feature = feature if isinstance(feature, dict) else {}
            properties = feature.get("properties")
            props = dict(properties) if isinstance(properties, dict) else {}
            geometry = feature.get("geometry")
            if isinstance(geometry, dict) and geometry.get("type") == "Point":
                point = geometry.get("coordinates")
                if isinstance(point, list) and len(point) >= 2:
                    props["longitude"], props["latitude"] = point[:2]
            yield number, props
        return
    handle = path.open(encoding="utf-8-sig", newline="")
    with handle:
        reader = csv.DictReader(handle)
        try:
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(
                    f"not a UCDP GED file: columns {', '.join(missing)} missing",
                    source=name,
                    line=1,
                )
            for row in reader:
                yield reader.line_num, row
        except UnicodeDecodeError as exc:
            raise InputError(
                f"not UTF-8 text ({exc.reason}); save the file as UTF-8",
                source=name,
                line=first_undecodable_line(path),
            ) from None
        except csv.Error as exc:
            raise InputError(
                f"not a readable CSV file: {exc}", source=name, line=reader.line_num
            ) from None


def read_ged(
    source: Path | str,
    *,
    version: str | None = None,
    kind: EventSource = EventSource.UCDP_GED,
) -> Iterator[Event | Problem]:
    """Stream the events of a GED file, with a ``Problem`` for every row that cannot be used.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "GEDEvent_v23_1.csv"
    >>> _ = path.write_text("id,type_of_violence,date_start,date_end,best,low,high\\n"
    ...                     "7,1,2020-05-01,2020-05-02,3,2,4\\n8,1,2020-05-01,2020-05-01,9,2,4\\n")
    >>> items = list(read_ged(path))
    >>> items[0].best, str(items[1])
    (3, "GEDEvent_v23_1.csv, line 3, id 8, field 'best': low <= best <= high fails (2, 9, 4)")
    """
    path = Path(source)
    chosen = version or version_from_name(path.name)
    if chosen is None:
        raise InputError(
            "cannot tell the GED version from the file name; pass --version (for example 23.1)",
            source=path.name,
            field="--version",
        )
    by_feature = path.suffix.lower() in (".geojson", ".json")
    for number, row in _rows(path):
        ucdp_id = str(row.get("id") or "?")
        where: dict[str, Any] = (
            {"item": f"feature {number}, id {ucdp_id}"}
            if by_feature
            else {"line": number, "item": f"id {ucdp_id}"}
        )
        try:
            yield _event(row, source=kind, version=chosen)
        except (ValueError, TypeError, OverflowError) as exc:
            text = str(exc)
            field, _, message = text.partition(": ")
            yield Problem(
                message or text, source=path.name, field=field if message else None, **where
            )


def count_rows(source: Path) -> int | None:
    """Rows in a CSV (for a progress bar); None for GeoJSON."""
    if source.suffix.lower() != ".csv":
        return None
    with source.open("rb") as handle:
        return max(
            sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1, 0
        )


__all__ = ["count_rows", "read_ged", "version_from_name"]
