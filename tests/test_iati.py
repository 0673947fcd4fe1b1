"""IATI activity XML: streaming import of real files, schema validation, 2.03 export round trip."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from conftest import shared_file
from peaceops.domain.coordination import (
    Activity,
    ActivityStatus,
    Money,
    OrgRole,
    Participant,
    Transaction,
    TransactionType,
)
from peaceops.errors import InputError, Problem
from peaceops.ingest.iati import load_schema, read_iati, validate_file, write_iati

GENERATED = datetime(2026, 11, 21, tzinfo=UTC)


def split(items):  # type: ignore[no-untyped-def]
    acts = [x for x in items if isinstance(x, Activity)]
    problems = [x for x in items if isinstance(x, Problem)]
    return acts, problems


def schema():  # type: ignore[no-untyped-def]
    return load_schema(shared_file("iati/schema-2.03/iati-activities-schema.xsd").parent)


def test_legacy_dfid_file_maps_roles_dates_and_money() -> None:
    acts, problems = split(
        list(read_iati(shared_file("iati/activities/dfid-GB-1_drc_CD_2013-04-30_v1.01.xml")))
    )
    assert len(acts) == 205
    first = acts[0]
    assert first.identifier == "GB-1-105838"
    assert first.status == ActivityStatus.CLOSED
    assert (first.actual_start, first.actual_end) == (date(2004, 1, 1), date(2010, 12, 31))
    assert {p.role for p in first.participants} == {OrgRole.FUNDING, OrgRole.EXTENDING}
    assert sum(len(a.transactions) for a in acts) == 815
    assert any("legacy version" in p.message for p in problems)
    unmapped = {p.field for p in problems if "not mapped" in p.message}
    assert {"contact-info", "policy-marker"} <= unmapped


def test_tearfund_activity_in_full() -> None:
    (act,), _ = split(list(read_iati(shared_file("iati/activities/tearfund-cd_2013-02-01.xml"))))
    assert act.countries == [("COD", 100.0)]
    assert [s.code for s in act.sectors][:2] == ["14081", "12261"]
    assert len(act.budgets) == 4 and len(act.transactions) == 12
    assert (
        act.total(
            TransactionType.OUTGOING_COMMITMENT,
            TransactionType.DISBURSEMENT,
            TransactionType.EXPENDITURE,
            TransactionType.INCOMING_FUNDS,
        )["GBP"]
        > 0
    )


def test_draft_ocha_file_is_read_best_effort_and_says_so() -> None:
    acts, problems = split(
        list(read_iati(shared_file("iati/activities/ocha-fts-haiti-2010_draft-iati.xml")))
    )
    assert len(acts) == 287
    assert acts[0].identifier == "124-43729"
    assert acts[0].countries == [("HTI", None)]
    incoming = acts[0].total(
        TransactionType.INCOMING_PLEDGE,
        TransactionType.INCOMING_COMMITMENT,
        TransactionType.INCOMING_FUNDS,
    )
    assert incoming["USD"] == pytest.approx(57_427_258)
    made = [p for p in problems if p.field == "iati-identifier"]
    assert len(made) == 287 and made[0].line == 3


def test_export_validates_against_the_schema_and_round_trips(tmp_path: Path) -> None:
    xsd = schema()
    acts = []
    for f in sorted(shared_file("iati/schema-2.03/xml.xsd").parents[1].glob("activities/*.xml")):
        acts += split(list(read_iati(f)))[0]
    out = tmp_path / "export.xml"
    with out.open("wb") as fh:
        write_iati(acts, fh, generated=GENERATED)
    assert validate_file(out, xsd) == []
    back = {a.identifier: a for a in split(list(read_iati(out, schema=xsd)))[0]}
    assert len(back) == len(acts) == 553

    def key(a: Activity) -> tuple[object, ...]:
        return (
            a.title,
            a.planned_start,
            a.actual_start,
            a.planned_end,
            a.actual_end,
            [(p.role, p.name, p.ref, p.org_type) for p in a.participants],
            a.countries,
            [(s.code, s.vocabulary, s.percentage) for s in a.sectors],
            [(b.period_start, b.period_end, b.amount) for b in a.budgets],
            [
                (t.type, t.date, t.amount.value, t.amount.currency, t.provider, t.receiver)
                for t in a.transactions
            ],
            [(x.name, x.lat, x.lon) for x in a.locations],
        )

    assert [a.identifier for a in acts if key(a) != key(back[a.identifier])] == []
    # A status the file did not report is read off the dates (the schema requires one).
    assert back["124-43729"].status == ActivityStatus.CLOSED


def test_invalid_activities_are_reported_with_line_and_skipped(tmp_path: Path) -> None:
    good = Activity(
        "XM-DAC-1-ONE",
        {"en": "Police training"},
        planned_start=date(2025, 1, 1),
        participants=[Participant(OrgRole.FUNDING, "Donor", "XM-DAC-1")],
        transactions=[
            Transaction(TransactionType.DISBURSEMENT, date(2025, 3, 1), Money(1000.0, "USD"))
        ],
    )
    buffer = io.BytesIO()
    write_iati([good, good], buffer, generated=GENERATED)
    text = (
        buffer.getvalue()
        .decode()
        .replace(
            "<iati-identifier>XM-DAC-1-ONE</iati-identifier>",
            "<iati-identifer>XM-DAC-1-TWO</iati-identifer>",
            1,
        )
    )
    path = tmp_path / "two.xml"
    path.write_text(text)
    acts, problems = split(list(read_iati(path, schema=schema())))
    assert [a.identifier for a in acts] == ["XM-DAC-1-ONE"]
    bad = [p for p in problems if p.field == "schema"]
    assert len(bad) == 1 and bad[0].line is not None and "iati-identifer" in bad[0].message


def test_not_iati_or_broken_xml_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.xml"
    other.write_text("<rss><channel/></rss>")
    with pytest.raises(InputError, match="not an IATI activity file"):
        list(read_iati(other))
    broken = tmp_path / "broken.xml"
    broken.write_text("<iati-activities version='2.03'><iati-activity>")
    with pytest.raises(InputError, match="well-formed") as err:
        list(read_iati(broken))
    assert err.value.problem.line is not None
