"""The paper complaint register: template, reading, row problems, and a write-read round trip."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peaceops.domain.complaints import (
    Category,
    Channel,
    Complainant,
    Complaint,
    Confidentiality,
    Status,
)
from peaceops.errors import InputError
from peaceops.ingest.complaints import (
    COLUMNS,
    RegisterEntry,
    read_register,
    strip_controls,
    write_register,
    write_register_template,
)


def write(path: Path, rows: list[list[str]], header: list[str] | None = None) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header or list(COLUMNS))
        writer.writerows(rows)
    return path


def row(**values: str) -> list[str]:
    base = {
        "register_no": "R-1",
        "received_on": "2026-03-02",
        "category": "extortion",
        "description": "Asked for money",
    }
    base.update(values)
    return [base.get(c, "") for c in COLUMNS]


def test_the_template_reads_as_an_empty_register(tmp_path: Path) -> None:
    path = write_register_template(tmp_path / "register.csv")
    with path.open(encoding="utf-8") as fh:
        header, help_row = list(csv.reader(fh))
    assert tuple(header) == COLUMNS and help_row[0].startswith("#")
    report = read_register(path)
    assert report.entries == [] and report.problems == []


def test_good_rows_import_and_bad_ones_are_reported_by_row_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.csv",
        [
            row(description="Line one\nline two", complainant_name="Ama Zed"),
            row(register_no="R-2", received_on="31/02/2026"),
            row(register_no="R-3", category="looting"),
            row(register_no="R-4", anonymous="yes", complainant_phone="+999 1"),
            row(register_no="R-5", incident_date="2026-04-01"),
            row(register_no="R-6", status="referred"),
            row(register_no="R-1"),
            row(register_no="R-7", category="Bribery", victim_sex="F", status="Done"),
            row(register_no="", description=""),
            ["", "", ""],
        ],
    )
    report = read_register(path)
    assert [e.register_no for e in report.entries] == ["R-1", "R-7"]
    found = {(p.line, p.field) for p in report.problems}
    assert found >= {
        (3, "received_on"),
        (4, "category"),
        (5, "anonymous"),
        (6, "incident_date"),
        (7, "referred_to"),
        (8, "register_no"),
        (10, "register_no"),
        (10, "description"),
    }
    assert all(p.source == "r.csv" for p in report.problems)
    assert all("Ama Zed" not in str(p) and "+999" not in str(p) for p in report.problems)
    first, seventh = report.entries
    assert first.line == 2 and first.complaint.description == "Line one\nline two"
    assert first.complaint.confidentiality == Confidentiality.CONFIDENTIAL
    assert first.complaint.complainant == Complainant(name="Ama Zed")
    assert first.complaint.channel == Channel.PAPER and first.complaint.external_id == "R-1"
    assert first.complaint.received_at == datetime(2026, 3, 2, tzinfo=UTC)
    assert seventh.complaint.category == Category.EXTORTION
    assert seventh.complaint.victim_sex == "female" and seventh.status == Status.RESOLVED
    assert seventh.complaint.confidentiality == Confidentiality.ANONYMOUS


def test_a_register_without_its_required_columns_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", [["1", "2026-01-01"]], header=["Register No", "Received On"])
    with pytest.raises(InputError, match="category, description") as caught:
        read_register(path)
    assert caught.value.problem.line == 1
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        "register_no,received_on,category,description\n1,2026-01-01,other,é\n".encode("latin-1")
    )
    with pytest.raises(InputError, match="UTF-8"):
        read_register(latin)
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(InputError):
        read_register(tmp_path / "empty.csv")


def test_headers_are_case_and_space_blind_and_control_characters_go(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.csv",
        [["R 9", "2026-01-05", "Excessive Force", "Beaten\x00 at\x1b the\tpost\r\nby two"]],
        header=["Register No", "RECEIVED_ON", "Category", "Description"],
    )
    (entry,) = read_register(path).entries
    assert entry.register_no == "R 9"
    assert entry.complaint.category == Category.EXCESSIVE_FORCE
    assert entry.complaint.description == "Beaten at the\tpost\nby two"
    assert strip_controls(" a\u200bb\x7f ") == "a\u200bb"


def test_cells_that_look_like_formulas_are_written_safely(tmp_path: Path) -> None:
    entry = RegisterEntry(
        Complaint(
            category=Category.THREATS,
            description='=HYPERLINK("http://x")',
            channel=Channel.PAPER,
            confidentiality=Confidentiality.CONFIDENTIAL,
            received_at=datetime(2026, 1, 1, tzinfo=UTC),
            complainant=Complainant(phone="+999 70 000"),
            external_id="-7",
        )
    )
    path = write_register(tmp_path / "r.csv", [entry])
    text = path.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'+999" in text and "'-7" in text
    assert read_register(path).entries == [entry]


# Round trip -----------------------------------------------------------------------------------

SHORT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp")), min_size=1, max_size=20
)


def words(min_size: int = 0) -> st.SearchStrategy[str]:
    """Text as a cell keeps it: no control characters, single spaces, no outer spaces."""
    return st.lists(SHORT, min_size=min_size, max_size=4).map(" ".join)


def narratives() -> st.SearchStrategy[str]:
    return st.lists(words(1), min_size=1, max_size=3).map("\n".join)


DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def entries(draw: st.DrawFn, number: int) -> RegisterEntry:
    received = draw(DAYS)
    anonymous = draw(st.booleans())
    person = None
    if not anonymous:
        person = Complainant(name=draw(words(1)), phone=draw(words()))
    status = draw(st.sampled_from([None, *(s for s in Status if s != Status.RECEIVED)]))
    return RegisterEntry(
        Complaint(
            category=draw(st.sampled_from(list(Category))),
            description=draw(narratives()),
            channel=Channel.PAPER,
            confidentiality=Confidentiality.ANONYMOUS
            if anonymous
            else Confidentiality.CONFIDENTIAL,
            received_at=datetime.combine(received, time(), tzinfo=UTC),
            unit=draw(words()),
            incident_date=draw(st.none() | st.dates(max_value=received)),
            victim_sex=draw(st.sampled_from([None, "female", "male", "other"])),
            complainant=person,
            external_id=f"{draw(words())}-{number}".strip("-") or str(number),
            language=draw(st.sampled_from(["en", "fr", "ar", "pt-br"])),
        ),
        institution=draw(words()),
        place=draw(words()),
        status=status,
        status_on=draw(st.none() | st.dates(min_value=received)) if status else None,
        referred_to=draw(words(1)) if status == Status.REFERRED else draw(words()),
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_what_write_register_writes_read_register_reads_back(
    tmp_path: Path, data: st.DataObject
) -> None:
    n = data.draw(st.integers(min_value=0, max_value=5))
    written = [data.draw(entries(i)) for i in range(n)]
    path = write_register(tmp_path / "round.csv", written)
    report = read_register(path)
    assert report.problems == []
    assert report.entries == written
    assert [e.line for e in report.entries] == list(range(2, n + 2))
