"""The legal-frameworks register on SQLite and PostgreSQL: the demo's Carana laws and their
pipeline, lifecycle rules enforced with their exceptions, who may write, checklist reviews,
the flow of checklist results into assessment scores, the tracker import (CSV and XLSX), the
command line and the API."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from conftest import SYSTEM, TestDatabase, api_token
from peaceops.domain.access import Principal, Role
from peaceops.domain.legal import (
    Finding,
    Instrument,
    InstrumentType,
    LegalSector,
    ProvisionReview,
    Stage,
    Step,
)
from peaceops.errors import ConflictError, InputError, PermissionDenied, RowErrors
from peaceops.ingest.legal_tracker import write_tracker
from peaceops.platform import Platform
from peaceops.services.cli.app import app as cli
from peaceops.storage import transaction
from peaceops.storage.tables import audit_log, legal_steps

ANALYST = Principal("analyst", Role.ANALYST, via="web")
VIEWER = Principal("viewer", Role.VIEWER, via="web")
ON = date(2026, 11, 21)
runner = CliRunner()


def audit_count(platform: Platform, entity: str) -> int:
    with transaction(platform.engine, write=False) as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(audit_log).where(audit_log.c.entity == entity)
            ).scalar_one()
        )


def bill(code: str = "border-act", **changes: object) -> Instrument:
    values: dict[str, object] = {
        "country_iso3": "XCA",
        "code": code,
        "title": {"en": "Border Management Act", "fr": "Loi sur la gestion des frontières"},
        "type": InstrumentType.LAW,
        "sector": LegalSector.BORDER,
        "institution_types": (),
    }
    values.update(changes)
    return Instrument(**values)  # type: ignore[arg-type]


# The demo --------------------------------------------------------------------------------------


def test_the_demo_pipeline_shows_what_is_stuck_where(platform: Platform) -> None:
    entries = {e.instrument.code: e for e in platform.legal.pipeline("XCA", today=ON)}
    assert len(entries) == 12
    police = entries["police-act-2026"]
    assert police.stage is Stage.TABLED and police.since == date(2024, 10, 15)
    assert police.days == (ON - date(2024, 10, 15)).days and police.stuck
    assert entries["legal-aid-act"].stage is Stage.PROMULGATED and entries["legal-aid-act"].stuck
    assert not entries["gendarmerie-decree"].stuck  # drafting since June 2026: within a year
    assert entries["prisons-ordinance-1972"].replaced_by is not None
    assert entries["prisons-ordinance-1972"].replaced_by.code == "prisons-act-2025"
    emergency = platform.legal.instrument(entries["emergency-ordinance-2024"].instrument.id or 0)
    adopted = emergency.reached(Stage.ADOPTED)
    assert adopted is not None and "article 87" in adopted.exception
    assert emergency.stage is Stage.STRUCK_DOWN
    # Supporters come from the coordination register, and the Legal Aid Act's text from the
    # knowledge base.
    drafting = platform.legal.instrument(police.instrument.id or 0).reached(Stage.DRAFTING)
    assert drafting is not None and drafting.actors and drafting.activities
    legal_aid = entries["legal-aid-act"].instrument
    assert legal_aid.document_id is not None
    _, passages = platform.knowledge.document(legal_aid.document_id, by=VIEWER)
    assert any("implementing this Act" in p.text for p in passages)


def test_a_law_in_force_lifts_the_assessment_score_of_the_round_after_it(
    platform: Platform,
) -> None:
    rounds = sorted(
        platform.assessment.rounds(country="XCA", framework="rule_of_law"),
        key=lambda r: r.period_end,
    )
    scores = [platform.assessment.score(r.id or 0).scores.indicators for r in rounds]
    prisons = [s["COR-INT-04"].value for s in scores]
    # The 1972 ordinance (3 of 12 provisions met) until the Prisons Service Act came into force
    # in January 2026 (10 of 12).
    assert prisons[0] == pytest.approx(3 / 12) and prisons[1] == pytest.approx(3 / 12)
    assert prisons[2] == pytest.approx(10 / 12)
    # The Legal Aid Act was adopted in February 2024 and reviewed before the first round ended.
    assert scores[0]["JUD-VUL-04"].value == pytest.approx(9 / 12)
    # The bill in parliament (9 of 12) does not count: until August 2025 the police's legal
    # framework is the 1998 act (3 of 12), then the act with the 2025 regulation on conduct and
    # discipline (together 8 of 12).
    assert scores[1]["POL-INT-04"].value == pytest.approx(3 / 12)
    assert scores[2]["POL-INT-04"].value == pytest.approx(8 / 12)
    evidence = platform.assessment.indicator_evidence(rounds[2].id or 0, "COR-INT-04", by=SYSTEM)
    assert "Act No. 2025-11" in json.dumps(evidence, default=repr)


def test_feeding_again_changes_nothing_and_a_new_review_updates_the_checks(
    platform: Platform,
) -> None:
    rnd = max(
        platform.assessment.rounds(country="XCA", framework="rule_of_law"),
        key=lambda r: r.period_end,
    )
    assert rnd.id is not None
    again = platform.legal.feed_round(rnd.id, by=SYSTEM)
    assert again.checks == 48 and again.created == 0 and again.updated == 0
    police = platform.legal.find("XCA", "police-act-1998")
    assert police is not None and police.id is not None
    checklist = platform.legal.checklist("police_law")
    platform.legal.review(
        police.id,
        "police_law",
        [ProvisionReview(p.key, Finding.MET, "art. 1") for p in checklist.provisions],
        reviewed_on=date(2026, 1, 10),
        by=ANALYST,
    )
    fed = platform.legal.feed_round(rnd.id, by=SYSTEM)
    assert fed.updated >= 4  # at least the 4 provisions met by neither text before
    assert platform.assessment.score(rnd.id).scores.indicators["POL-INT-04"].value == 1.0


# Lifecycle rules through the platform ---------------------------------------------------------


def test_adoption_before_tabling_is_refused_unless_the_exception_is_recorded(
    platform: Platform,
) -> None:
    new_id = platform.legal.create(
        bill(steps=(Step(Stage.DRAFTING, date(2025, 1, 6), "Drafting note"),)), by=ANALYST
    )
    before = audit_count(platform, "legal_steps")
    adopt = Step(Stage.ADOPTED, date(2025, 9, 1), "Signed")
    with pytest.raises(RowErrors) as info:
        platform.legal.add_step(new_id, adopt, by=ANALYST)
    assert "adopted_before_tabled" in str(info.value) and "exception" in str(info.value)
    assert audit_count(platform, "legal_steps") == before
    with pytest.raises(RowErrors) as early:
        platform.legal.add_step(new_id, Step(Stage.TABLED, date(2024, 12, 1), "x"), by=ANALYST)
    assert "date_order" in str(early.value)
    with pytest.raises(InputError):
        platform.legal.add_step(new_id, Step(Stage.TABLED, date(2025, 3, 1), " "), by=ANALYST)
    excused = Step(adopt.stage, adopt.on, adopt.evidence, exception="Ordinance under art. 87")
    platform.legal.add_step(new_id, excused, by=ANALYST)
    assert platform.legal.instrument(new_id).stage is Stage.ADOPTED
    assert audit_count(platform, "legal_steps") == before + 1
    with pytest.raises(ConflictError):
        platform.legal.add_step(new_id, excused, by=ANALYST)
    removed = platform.legal.remove_last_step(new_id, by=ANALYST)
    assert removed.stage is Stage.ADOPTED
    assert platform.legal.instrument(new_id).stage is Stage.DRAFTING


def test_only_editors_write_and_references_are_checked(platform: Platform) -> None:
    with pytest.raises(PermissionDenied):
        platform.legal.create(bill(), by=VIEWER)
    assert platform.legal.pipeline("XCA", today=ON)  # everyone reads
    with pytest.raises(InputError) as unknown:
        platform.legal.create(bill(country_iso3="ZZZ"), by=ANALYST)
    assert "ZZZ" in str(unknown.value)
    new_id = platform.legal.create(bill(), by=ANALYST)
    with pytest.raises(ConflictError):
        platform.legal.create(bill(), by=ANALYST)
    with pytest.raises(InputError) as actors:
        platform.legal.add_step(
            new_id, Step(Stage.DRAFTING, date(2025, 1, 1), "note", actors=(999_999,)), by=ANALYST
        )
    assert "999999" in str(actors.value)
    with transaction(platform.engine, write=False) as conn:
        assert (
            conn.execute(
                select(func.count())
                .select_from(legal_steps)
                .where(legal_steps.c.instrument_id == new_id)
            ).scalar_one()
            == 0
        )


def test_a_review_names_every_missing_or_unfounded_finding(platform: Platform) -> None:
    new_id = platform.legal.create(bill(institution_types=()), by=ANALYST)
    checklist = platform.legal.checklist("police_law")
    first, second, *_ = checklist.provisions
    with pytest.raises(RowErrors) as info:
        platform.legal.review(
            new_id,
            "police_law",
            [
                ProvisionReview(first.key, Finding.MET),  # no article
                ProvisionReview("imaginary", Finding.NOT_MET),
            ],
            reviewed_on=date(2026, 1, 5),
            by=ANALYST,
        )
    shown = str(info.value)
    assert f"{first.key}, field 'article'" in shown
    assert "imaginary" in shown and second.key in shown and "not reviewed" in shown
    assert platform.legal.reviews(new_id) == []


# The tracker import ---------------------------------------------------------------------------


def tracker_rows() -> list[dict[str, str]]:
    return [
        {
            "code": "judiciary-statute",
            "title_en": "Statute of the Judiciary",
            "title_fr": "Statut de la magistrature",
            "sector": "justice",
            "institutions": "courts; prosecution",
            "stage": "drafting",
            "date": "2024-02-01",
            "evidence": "Ministry of Justice drafting note",
            "supported_by": "EADC",
        },
        {
            "code": "judiciary-statute",
            "stage": "consultation",
            "date": "2024-09-10",
            "evidence": "Validation workshop report",
            "supported_by": "CBA; UNMICA",
        },
        {
            "code": "judiciary-statute",
            "stage": "tabled",
            "date": "2025-05-06",
            "evidence": "National Assembly order paper",
        },
        # A bad instrument: adopted without tabling and no exception.
        {
            "code": "bar-act",
            "title_en": "Bar Act",
            "sector": "justice",
            "stage": "drafting",
            "date": "2024-01-10",
            "evidence": "Draft",
        },
        {"code": "bar-act", "stage": "adopted", "date": "2024-06-10", "evidence": "Vote"},
        # A malformed row: unknown stage and a future date.
        {
            "code": "notary-act",
            "title_en": "Notaries Act",
            "sector": "justice",
            "stage": "signed",
            "date": "2031-01-01",
            "evidence": "x",
        },
    ]


def test_a_tracker_imports_its_good_laws_reports_the_rest_and_imports_once(
    platform: Platform, tmp_path: Path
) -> None:
    path = write_tracker(tmp_path / "tracker.csv", tracker_rows())
    report = platform.legal.import_tracker(path, by=ANALYST, country="XCA", today=ON)
    assert report["instruments_created"] == 1 and report["steps_added"] == 3
    assert sorted(report["skipped"]) == ["bar-act", "notary-act"]
    shown = "\n".join(report["problems"])
    assert "tracker.csv, line 6, field 'exception'" in shown and "bar-act" in shown
    assert "tracker.csv, line 7, field 'stage'" in shown and "'signed' is not allowed" in shown
    assert "line 7, field 'date'" in shown and "in the future" in shown
    statute = platform.legal.find("XCA", "judiciary-statute")
    assert statute is not None and statute.stage is Stage.TABLED
    assert statute.title["fr"] == "Statut de la magistrature"
    assert len(statute.steps[1].actors) == 2
    assert platform.legal.find("XCA", "bar-act") is None
    again = platform.legal.import_tracker(path, by=ANALYST, country="XCA", today=ON)
    assert (again["instruments_created"], again["instruments_unchanged"]) == (0, 1)
    assert (again["steps_added"], again["steps_unchanged"]) == (0, 3)
    # The same tracker as a workbook, grown by one step, adds that step only.
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    rows = [
        *tracker_rows()[:3],
        {
            "code": "judiciary-statute",
            "stage": "adopted",
            "date": date(2025, 12, 2),
            "evidence": "Vote",
        },
    ]
    columns = ["code", "title_en", "sector", "stage", "date", "evidence", "supported_by"]
    sheet.append(columns)
    for r in rows:
        sheet.append([r.get(c, "") for c in columns])  # type: ignore[misc]
    book.save(tmp_path / "tracker.xlsx")
    grown = platform.legal.import_tracker(
        tmp_path / "tracker.xlsx", by=ANALYST, country="XCA", today=ON
    )
    assert grown["steps_added"] == 1 and grown["steps_unchanged"] == 3, grown["problems"]
    statute = platform.legal.find("XCA", "judiciary-statute")
    assert statute is not None and statute.stage is Stage.ADOPTED


def test_an_unknown_supporter_leaves_the_law_out_and_says_which_row(
    platform: Platform, tmp_path: Path
) -> None:
    rows = tracker_rows()[:2]
    rows[1]["supported_by"] = "Nobody Foundation"
    path = write_tracker(tmp_path / "t.csv", rows)
    report = platform.legal.import_tracker(path, by=ANALYST, country="XCA", today=ON)
    assert report["instruments_created"] == 0 and report["skipped"] == ["judiciary-statute"]
    assert "t.csv, line 3, field 'supported_by'" in report["problems"][0]
    assert platform.legal.find("XCA", "judiciary-statute") is None


# Command line and API -------------------------------------------------------------------------


def test_the_command_line_imports_and_shows_the_pipeline(db: TestDatabase, tmp_path: Path) -> None:
    url = ["--database-url", db.url]
    template = tmp_path / "template.csv"
    assert runner.invoke(cli, [*url, "laws", "template", str(template)]).exit_code == 0
    assert template.read_text(encoding="utf-8").startswith("code,country,title_en")
    path = write_tracker(tmp_path / "tracker.csv", tracker_rows()[:3])
    done = runner.invoke(cli, [*url, "laws", "import", str(path), "--country", "XCA", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["steps_added"] == 3
    shown = runner.invoke(
        cli, [*url, "laws", "pipeline", "--country", "XCA", "--today", "2026-11-21", "--json"]
    )
    assert shown.exit_code == 0, shown.output
    rows = {r["code"]: r for r in json.loads(shown.output)}
    assert rows["judiciary-statute"]["stage"] == "tabled"
    assert rows["police-act-2026"]["stuck"] is True
    listed = runner.invoke(cli, [*url, "laws", "checklists", "--json"])
    assert {c["code"] for c in json.loads(listed.output)} >= {"police_law", "legal_aid"}


def test_the_api_records_steps_and_refuses_a_broken_rule(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    headers = api_token(db.platform, "analyst")
    created = client.post(
        "/api/v1/laws",
        json={
            "country_iso3": "XCA",
            "code": "border-act",
            "title": {"en": "Border Management Act"},
            "sector": "border",
            "institution_types": ["border_agency"],
            "steps": [{"stage": "drafting", "on": "2025-01-06", "evidence": "Drafting note"}],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    law = created.json()
    assert law["stage"] == "drafting" and law["steps"][0]["recorded_by"] == "analyst"
    refused = client.post(
        f"/api/v1/laws/{law['id']}/steps",
        json={"stage": "adopted", "on": "2025-06-01", "evidence": "Vote"},
        headers=headers,
    )
    assert refused.status_code == 422 and "adopted_before_tabled" in refused.text
    pipeline = client.get(
        "/api/v1/countries/XCA/legislative-pipeline?on=2026-11-21", headers=headers
    )
    assert pipeline.status_code == 200
    assert pipeline.json()["stuck"] >= 4
    viewer = api_token(db.platform, "partner")
    denied = client.post(
        f"/api/v1/laws/{law['id']}/steps",
        json={"stage": "consultation", "on": "2025-06-01", "evidence": "Hearings"},
        headers=viewer,
    )
    assert denied.status_code == 403
    checklist = client.get("/api/v1/legal-checklists/police_law", headers=viewer).json()
    assert checklist["feeds"] == ["rule_of_law:POL-INT-04-DR"]
