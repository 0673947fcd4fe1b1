"""Incident logs (CSV): the template, checks reported by row and column, aliases, cells that
look like formulas, and a Hypothesis round trip of the writer and the reader."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peaceops.domain.incidents import (
    Attachment,
    DatePrecision,
    Incident,
    IncidentType,
    PlacePrecision,
)
from peaceops.errors import InputError
from peaceops.ingest.incidents import (
    COLUMNS,
    LogEntry,
    read_log,
    write_log,
    write_log_template,
)

TODAY = date(2026, 11, 1)


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_the_template_reads_as_an_empty_log(tmp_path: Path) -> None:
    path = write_log_template(tmp_path / "log.csv")
    with path.open(encoding="utf-8") as fh:
        header, help_row = list(csv.reader(fh))
    assert tuple(header) == COLUMNS and help_row[0].startswith("# ")
    report = read_log(path)
    assert report.entries == [] and report.problems == []


def test_good_rows_read_and_bad_values_are_reported_by_row_and_column(tmp_path: Path) -> None:
    header = [
        "Reference",
        "Date",
        "Type",
        "Lon",
        "Lat",
        "Place",
        "Fatalities best",
        "Fatalities low",
        "Fatalities high",
        "Actors",
        "Sources",
        "Attachments",
        "Date precision",
        "Place precision",
        "Unknown column",
    ]
    rows = [
        # 2: good, with a point, lists and defaults
        ["J-1", "2026-03-04", "state_based", "-24.1", "-21.2", "", "3", "", "5",
         "CDF; MLC", "JOC\nRadio Kessaba; OCHA", "a.jpg; b.pdf", "week", "", "x"],
        # 3: good, an area only, aliases
        ["J-2", "04/03/2026", "riot", "", "", "XCA01", "", "", "", "", "", "", "", "region", ""],
        # 4: low above best, unknown type
        ["J-3", "2026-03-04", "picnic", "-24", "-21", "", "2", "5", "", "", "", "", "", "", ""],
        # 5: in the future, bad coordinates
        ["J-4", "2026-12-25", "protest", "-24", "123", "", "", "", "", "", "", "", "", "", ""],
        # 6: neither point nor place; an exact place needs a point
        ["J-5", "2026-03-04", "crime", "", "", "", "", "", "", "", "", "", "", "exact", ""],
        # 7: the same reference again
        ["J-1", "2026-03-04", "crime", "-24", "-21", "", "", "", "", "", "", "", "", "", ""],
        # 8: a longitude without its latitude; high below best; not a number
        ["J-6", "2026-03-04", "crime", "-24", "", "", "4", "", "2", "", "", "", "", "", ""],
        ["J-7", "yesterday", "crime", "x", "-21", "", "-1", "", "", "", "", "", "", "", ""],
        ["", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],  # empty: skipped
    ]  # fmt: skip
    report = read_log(write(tmp_path / "log.csv", header, rows), country="XCA", today=TODAY)
    assert [e.reference for e in report.entries] == ["J-1", "J-2"]
    first, second = report.entries
    assert first.line == 2 and second.line == 3
    i = first.incident
    assert (i.lon, i.lat, i.country_iso3) == (-24.1, -21.2, "XCA")
    assert (i.fatalities_low, i.fatalities_best, i.fatalities_high) == (3, 3, 5)
    assert i.actors == ("CDF", "MLC") and i.sources == ("JOC", "Radio Kessaba", "OCHA")
    assert i.attachments == (Attachment("a.jpg"), Attachment("b.pdf"))
    assert i.date_precision is DatePrecision.WEEK and i.place_precision is PlacePrecision.EXACT
    assert first.place_precision is None
    assert second.incident.type is IncidentType.PROTEST and second.place == "XCA01"
    assert (
        second.incident.date == date(2026, 3, 4) and second.place_precision is PlacePrecision.REGION
    )
    found = {(p.line, p.field) for p in report.problems}
    assert found == {
        (4, "type"),
        (4, "fatalities_low"),
        (5, "date"),
        (5, "lat"),
        (6, "place"),
        (6, "place_precision"),
        (7, "reference"),
        (8, "lat"),
        (8, "fatalities_high"),
        (9, "date"),
        (9, "lon"),
        (9, "fatalities_best"),
    }
    assert all(p.source == "log.csv" for p in report.problems)
    future = next(p for p in report.problems if p.line == 5 and p.field == "date")
    assert "future" in future.message
    assert "line 7" in str(next(p for p in report.problems if p.line == 7))


def test_a_log_without_its_required_columns_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "log.csv", ["reference", "when"], [["1", "2026-01-01"]])
    with pytest.raises(InputError, match="date, type"):
        read_log(path)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        read_log(empty)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("reference,date,type\nA,2026-01-01,caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        read_log(latin)


def test_cells_that_look_like_formulas_are_written_safely(tmp_path: Path) -> None:
    entry = LogEntry(
        Incident(
            IncidentType.PROTEST,
            date(2026, 1, 5),
            "XCA",
            lon=-24.5,
            lat=-21.25,
            place_name='=HYPERLINK("http://x")',
            actors=("+group",),
            reference="-7",
        )
    )
    path = write_log(tmp_path / "log.csv", [entry])
    text = path.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'-24.5" in text and "'-7" in text
    assert read_log(path, country="XCA", today=TODAY).entries == [entry]


# Round trip -----------------------------------------------------------------------------------

SHORT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp"), blacklist_characters=";"),
    min_size=1,
    max_size=12,
)


def words(min_size: int = 0) -> st.SearchStrategy[str]:
    """Text as a cell keeps it: no control characters, single spaces, no outer spaces."""
    return st.lists(SHORT, min_size=min_size, max_size=3).map(" ".join)


def items() -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(words(1), max_size=3).map(tuple)


@st.composite
def entries(draw: st.DrawFn, number: int) -> LogEntry:
    point = draw(st.booleans())
    lon = draw(st.floats(-180, 180, allow_nan=False)) if point else None
    lat = draw(st.floats(-90, 90, allow_nan=False)) if point else None
    place = "" if point and draw(st.booleans()) else draw(words(1))
    given = draw(
        st.sampled_from(
            [
                None,
                *(
                    list(PlacePrecision)
                    if point
                    else [PlacePrecision.DISTRICT, PlacePrecision.REGION]
                ),
            ]
        )
    )
    low = draw(st.integers(0, 50))
    best = draw(st.integers(low, 80))
    high = draw(st.integers(best, 120))
    return LogEntry(
        Incident(
            type=draw(st.sampled_from(list(IncidentType))),
            date=draw(st.dates(min_value=date(1990, 1, 1), max_value=TODAY)),
            country_iso3="XCA",
            date_precision=draw(st.sampled_from(list(DatePrecision))),
            lon=lon,
            lat=lat,
            place_precision=given or (PlacePrecision.EXACT if point else PlacePrecision.DISTRICT),
            place_name=draw(words()),
            actors=draw(items()),
            fatalities_best=best,
            fatalities_low=low,
            fatalities_high=high,
            injured=draw(st.integers(0, 500)),
            sources=draw(items()),
            narrative=draw(st.lists(words(1), max_size=3).map("\n".join)),
            attachments=tuple(Attachment(name) for name in draw(items())),
            reference=f"{draw(words())}-{number}".strip("-") or str(number),
        ),
        place=place,
        site=draw(words()),
        place_precision=given,
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_what_write_log_writes_read_log_reads_back(tmp_path: Path, data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=0, max_value=5))
    written = [data.draw(entries(i)) for i in range(n)]
    path = write_log(tmp_path / "round.csv", written)
    report = read_log(path, country="XCA", today=TODAY)
    assert report.problems == []
    assert report.entries == written
    assert [e.line for e in report.entries] == list(range(2, n + 2))


def test_dates_after_today_are_refused_by_default(tmp_path: Path) -> None:
    later = (date.today() + timedelta(days=2)).isoformat()
    path = write(
        tmp_path / "log.csv", ["reference", "date", "type", "place"], [["A", later, "crime", "X"]]
    )
    report = read_log(path)
    assert report.entries == [] and report.problems[0].field == "date"
