"""Institutional assessment end to end: frameworks, rounds, evidence files, scores, CLI, API."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from conftest import SYSTEM, TestDatabase, api_token, login
from peaceops.domain.access import Principal, Role
from peaceops.domain.assessment import EvidenceSource
from peaceops.errors import ConflictError, InputError, PermissionDenied, RowErrors
from peaceops.ingest import evidence as evidence_files
from peaceops.ingest.framework_xlsx import write_xlsx
from peaceops.ingest.frameworks import (
    builtin_frameworks,
    content_digest,
    read_framework,
    read_yaml,
    to_domain,
)
from peaceops.services.cli.app import app as cli
from peaceops.storage.tables import assessment_responses, audit_log

FIXTURE = Path(__file__).parent / "fixtures" / "framework_min.yaml"
runner = CliRunner()


# Frameworks as data ----------------------------------------------------------------------------


def test_shipped_frameworks_meet_the_structure() -> None:
    frameworks = {m.code: to_domain(m) for m in builtin_frameworks()}
    assert set(frameworks) == {"rule_of_law", "security_sector_governance"}
    rol = frameworks["rule_of_law"]
    assert {i.code for i in rol.institutions} == {"police", "judiciary", "corrections"}
    for inst in rol.institutions:
        mine = [i for i in rol.indicators if i.institution == inst.code]
        assert len(mine) >= 12, inst.code
        assert {i.dimension.value for i in mine} == {
            "performance",
            "integrity",
            "vulnerable_groups",
            "capacity",
        }
        assert sum(len(i.sources) > 1 for i in mine) >= 3, "triangulation needs several sources"
    ssg = frameworks["security_sector_governance"]
    assert {i.code for i in ssg.institutions} >= {"armed_forces", "oversight"}
    for fw in frameworks.values():
        for ind in fw.indicators:
            assert ind.text["en"] and ind.text["fr"], ind.code
            for item in ind.items:
                assert item.text["en"] and item.text["fr"], item.code


def test_framework_errors_name_the_place(tmp_path: Path) -> None:
    data = yaml.safe_load(FIXTURE.read_text())
    data["indicators"][0]["items"][0]["scale"] = "agree7"
    data["indicators"][1]["thresholds"] = {"low": 300, "high": 50}
    del data["indicators"][1]["text"]["fr"]
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(RowErrors) as err:
        read_yaml(path)
    text = str(err.value)
    assert "broken.yaml" in text
    assert "indicators[1].text.fr" in text
    assert "indicators[1].thresholds" in text
    with pytest.raises(InputError, match="line"):
        bad = tmp_path / "bad.yaml"
        bad.write_text("code: x\n  version: [1\n")
        read_yaml(bad)


def test_framework_xlsx_round_trip_and_row_numbers(tmp_path: Path) -> None:
    model = read_yaml(FIXTURE)
    path = tmp_path / "fw.xlsx"
    write_xlsx(model.model_dump(mode="json"), path)
    again = read_framework(path)
    assert content_digest(again) == content_digest(model)
    wb = load_workbook(path)
    wb["items"]["G2"] = "7, 8"  # favourable values not on the scale
    wb.save(path)
    with pytest.raises(RowErrors) as err:
        read_framework(path)
    assert "sheet 'items', row 2" in str(err.value)


# Evidence files --------------------------------------------------------------------------------


def _mini():  # type: ignore[no-untyped-def]
    return to_domain(read_yaml(FIXTURE))


def _survey_book(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "public_survey"
    ws.append(
        ["respondent_id", "weight", "sex", "region", "group", "collected_on", "POL-PERF-01-PS"]
    )
    for row in rows:
        ws.append(row)
    admin = wb.create_sheet("administrative")
    admin.append(["item_code", "breakdown", "as_of", "numerator", "denominator", "source_name"])
    admin.append(["POL-CAP-01-AD", "", "2026-03-01", 6000, 4_000_000, "HR register"])
    wb.save(path)
    return path


def test_template_lists_every_item_with_its_scale(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    evidence_files.write_xlsx_template(_mini(), path, language="fr")
    wb = load_workbook(path)
    assert wb["public_survey"]["G1"].value == "POL-PERF-01-PS"
    assert wb["expert_survey"]["G1"].value == "POL-PERF-01-ES"
    assert [c.value for c in wb["administrative"][1]] == list(evidence_files.ADMIN_COLUMNS)
    items = {row[0].value: row for row in wb["items"].iter_rows(min_row=2)}
    assert "Tout à fait d'accord" in items["POL-PERF-01-PS"][7].value


def test_evidence_errors_name_sheet_row_and_column(tmp_path: Path) -> None:
    path = _survey_book(
        tmp_path / "e.xlsx",
        [
            ["R1", 1.2, "female", "XCA01", "", "2026-03-02", 4],
            ["R2", -1, "woman", "XCA01", "", "2026-03-02", 9],
            ["R1", 1, "male", "XCA02", "", "yesterday", 2],
        ],
    )
    with pytest.raises(RowErrors) as err:
        evidence_files.read_evidence(path, _mini(), pseudonymise=str)
    problems = [str(p) for p in err.value.problems]
    assert any("[public_survey], line 3, field 'weight'" in p for p in problems)
    assert any("line 3, field 'sex'" in p for p in problems)
    assert any("line 3, field 'POL-PERF-01-PS'" in p and "scale agree5" in p for p in problems)
    assert any("line 4, field 'respondent_id'" in p and "row 2" in p for p in problems)


def test_csv_evidence_needs_to_say_its_source(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("respondent_id,POL-PERF-01-PS\nA,5\nB,1\n")
    with pytest.raises(InputError, match="--sheet"):
        evidence_files.read_evidence(path, _mini(), pseudonymise=str)
    ev = evidence_files.read_evidence(path, _mini(), pseudonymise=str, sheet="public_survey")
    assert [r.answers for r in ev.responses] == [{"POL-PERF-01-PS": 5}, {"POL-PERF-01-PS": 1}]


# Platform: rounds, import, audit, privacy ---------------------------------------------------------


@pytest.fixture
def round_id(empty_db: TestDatabase) -> int:
    platform = empty_db.platform
    platform.initialise()
    fw, created = platform.assessment.load_framework(FIXTURE, by=SYSTEM)
    assert created
    rnd = platform.assessment.create_round(
        country="CAF",
        framework=fw.key,
        name="Pilot",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 5, 31),
        by=SYSTEM,
    )
    assert rnd.id is not None
    return rnd.id


def test_import_is_all_or_nothing_idempotent_and_audited(
    empty_db: TestDatabase, round_id: int, tmp_path: Path
) -> None:
    platform = empty_db.platform
    rows = [[f"R{n}", 1, "female", "R1", "", "2026-03-02", 4 if n % 2 else 2] for n in range(40)]
    bad = _survey_book(tmp_path / "bad.xlsx", [*rows, ["R99", 1, "", "", "", "", 6]])
    with pytest.raises(RowErrors):
        platform.assessment.import_evidence(round_id, bad, by=SYSTEM)
    assert platform.assessment.evidence_counts(round_id)["public_survey"] == 0

    good = _survey_book(tmp_path / "good.xlsx", rows)
    first = platform.assessment.import_evidence(round_id, good, by=SYSTEM)
    assert (first.created, first.updated, first.unchanged) == (41, 0, 0)
    again = platform.assessment.import_evidence(round_id, good, by=SYSTEM)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 41)
    rows[0][6] = 5
    fixed = platform.assessment.import_evidence(
        round_id, _survey_book(tmp_path / "fixed.xlsx", rows), by=SYSTEM
    )
    assert (fixed.created, fixed.updated) == (0, 1)

    with platform.engine.connect() as conn:
        entries = conn.execute(
            select(func.count()).where(audit_log.c.entity == "assessment_evidence")
        ).scalar_one()
        refs = [r for (r,) in conn.execute(select(assessment_responses.c.respondent_ref))]
    assert entries == 2  # the first import and the correction; the re-import changed nothing
    assert "R1" not in refs and all(len(r) == 32 for r in refs)  # identifiers never stored

    scored = platform.assessment.score(round_id)
    assert scored.scores.indicators["POL-CAP-01"].sources[0].raw.value == pytest.approx(150)
    assert scored.scores.missing == []


def test_roles_that_may_not_manage_or_read_rows(empty_db: TestDatabase, round_id: int) -> None:
    platform = empty_db.platform
    viewer = Principal("v", Role.VIEWER)
    partner = Principal("p", Role.PARTNER)
    with pytest.raises(PermissionDenied):
        platform.assessment.create_round(
            country="CAF",
            framework="mini",
            name="Other",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 2, 1),
            by=viewer,
        )
    with pytest.raises(PermissionDenied):
        platform.assessment.evidence(round_id, by=partner)
    assert platform.assessment.evidence(round_id, by=SYSTEM) is not None


def test_a_changed_framework_needs_a_new_version(
    empty_db: TestDatabase, round_id: int, tmp_path: Path
) -> None:
    data = yaml.safe_load(FIXTURE.read_text())
    data["indicators"][0]["weight"] = 1
    path = tmp_path / "mini.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(ConflictError, match="new version"):
        empty_db.platform.assessment.load_framework(path, by=SYSTEM)
    data["version"] = "2"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    fw, created = empty_db.platform.assessment.load_framework(path, by=SYSTEM)
    assert created and fw.key == "mini@2"
    rnd = empty_db.platform.assessment.round(round_id)
    assert empty_db.platform.assessment.framework(rnd.framework_id).key == "mini@1"


# The demo rounds ---------------------------------------------------------------------------------


def test_demo_rounds_show_change_and_a_source_conflict(db: TestDatabase) -> None:
    service = db.platform.assessment
    rol = list(service.rounds(country="XCA", framework="rule_of_law"))
    assert len(rol) == 3
    latest = service.score(rol[-1].id or 0)
    conflicts = [s for s in latest.scores.indicators.values() if s.conflicts]
    assert conflicts, "the demo shows at least one source conflict"
    base, moves = service.changes(rol[-1].id or 0)
    assert base is not None and base.id == rol[1].id
    by_key = {c.key: c for c in moves}
    assert by_key["police/integrity"].direction == "better"
    assert by_key["corrections/capacity"].direction == "worse"
    top = service.priorities(rol[-1].id or 0)
    assert top[0].priority >= top[-1].priority
    assert sum(service.evidence_counts(rol[-1].id or 0).values()) > 600


# CLI and API -------------------------------------------------------------------------------------


def test_cli_template_import_score_report(
    empty_db: TestDatabase, round_id: int, tmp_path: Path
) -> None:
    url = ["--database-url", empty_db.url]
    result = runner.invoke(cli, [*url, "assess", "frameworks", "--json"])
    assert result.exit_code == 0, result.output
    keys = {f["key"] for f in json.loads(result.output)}
    assert {"mini@1", "rule_of_law@2026.2", "security_sector_governance@2026.2"} <= keys
    out = tmp_path / "template.xlsx"
    result = runner.invoke(
        cli, [*url, "assess", "template", "--framework", "mini", "--out", str(out)]
    )
    assert result.exit_code == 0 and out.exists()
    book = _survey_book(
        tmp_path / "e.xlsx", [[f"R{n}", 1, "", "", "", "", 1 + n % 5] for n in range(30)]
    )
    result = runner.invoke(cli, [*url, "assess", "import", str(round_id), str(book), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["created"] == 31
    bad = tmp_path / "public_survey.csv"
    bad.write_text("respondent_id,POL-PERF-01-PS\nX,11\n")
    result = runner.invoke(cli, [*url, "assess", "import", str(round_id), str(bad)])
    assert result.exit_code == 3 and "POL-PERF-01-PS" in result.output
    result = runner.invoke(cli, [*url, "assess", "score", str(round_id), "--json"])
    scores = json.loads(result.output)
    assert {s["indicator"] for s in scores} == {"POL-PERF-01", "POL-CAP-01"}
    assert all(s["low"] <= s["score"] <= s["high"] for s in scores)
    result = runner.invoke(cli, [*url, "assess", "priorities", str(round_id), "--json"])
    assert len(json.loads(result.output)) == 2
    report = tmp_path / "report.html"
    result = runner.invoke(
        cli, [*url, "assess", "report", str(round_id), "--out", str(report), "--language", "fr"]
    )
    assert result.exit_code == 0, result.output
    html = report.read_text()
    assert "Priorités de réforme" in html and "POL-PERF-01" in html


def test_api_scores_changes_and_evidence_access(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    rounds = db.platform.assessment.rounds(country="XCA", framework="rule_of_law")
    rid = rounds[-1].id
    civil = api_token(db.platform, "civil")
    answer = client.get(f"/api/v1/assessments/rounds/{rid}/scores?level=dimension", headers=civil)
    assert answer.status_code == 200
    dims = answer.json()
    assert all(d["indicators"] and "platform aggregate" in d["aggregate"] for d in dims)
    changes = client.get(f"/api/v1/assessments/rounds/{rid}/changes", headers=civil).json()
    assert changes["since"]["id"] == rounds[-2].id
    assert (
        client.get(f"/api/v1/assessments/rounds/{rid}/evidence", headers=civil).status_code == 403
    )
    analyst = api_token(db.platform, "analyst")
    rows = client.get(f"/api/v1/assessments/rounds/{rid}/evidence", headers=analyst).json()
    assert len(rows["responses"]) == 645 and "respondent_ref" in rows["responses"][0]
    login(client, "analyst")
    page = client.get(f"/assessments/rounds/{rid}")
    assert page.status_code == 200 and "Reform priorities" in page.text


def test_evidence_sources_are_known() -> None:
    assert {s.value for s in EvidenceSource} == set(evidence_files.SHEETS)


def test_one_record_entered_in_the_form(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    from conftest import csrf_from

    rid = db.platform.assessment.rounds(country="XCA", framework="rule_of_law")[-1].id
    login(client, "analyst")
    page = client.get(f"/assessments/rounds/{rid}")
    token = csrf_from(page.text)
    form = {
        "csrf_token": token,
        "source": "document_review",
        "item_code": "POL-INT-03-DR1",
        "as_of": "2026-04-02",
        "reference": "Police Gazette 2026/4",
        "met": "yes",
    }
    before = db.platform.assessment.evidence_counts(rid or 0)["document_review"]
    answer = client.post(f"/assessments/rounds/{rid}/records", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert db.platform.assessment.evidence_counts(rid or 0)["document_review"] == before + 1
    wrong = {**form, "reference": "Other", "met": "perhaps", "item_code": "POL-PERF-01-PS"}
    answer = client.post(f"/assessments/rounds/{rid}/records", data=wrong)
    assert answer.status_code == 422
    assert "is not a document_review item" in answer.text and "is not yes or no" in answer.text
    assert db.platform.assessment.evidence_counts(rid or 0)["document_review"] == before + 1


def test_api_upload_imports_all_or_nothing(db: TestDatabase, client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rid = db.platform.assessment.rounds(country="XCA", framework="rule_of_law")[-1].id
    headers = api_token(db.platform, "analyst")
    url = f"/api/v1/assessments/rounds/{rid}/evidence?sheet=public_survey"
    bad = client.post(
        url, headers=headers, files={"file": ("s.csv", b"respondent_id,POL-PERF-01-PS\nA,0\n")}
    )
    assert bad.status_code == 422 and "POL-PERF-01-PS" in bad.text
    good = client.post(
        url, headers=headers, files={"file": ("s.csv", b"respondent_id,POL-PERF-01-PS\nA,4\n")}
    )
    assert good.status_code == 200 and good.json()["created"] == 1
    other = client.post(url, headers=headers, files={"file": ("s.pdf", b"%PDF")})
    assert other.status_code == 422
    partner = api_token(db.platform, "partner")
    files = {"file": ("s.csv", b"respondent_id,POL-PERF-01-PS\nB,4\n")}
    assert client.post(url, headers=partner, files=files).status_code == 403


def test_scores_follow_an_import_made_by_another_process(
    empty_db: TestDatabase, round_id: int, tmp_path: Path
) -> None:
    from peaceops.platform import Platform

    worker = empty_db.platform
    rows = [[f"R{n}", 1, "", "", "", "", 2] for n in range(30)]
    worker.assessment.import_evidence(round_id, _survey_book(tmp_path / "a.xlsx", rows), by=SYSTEM)
    before = worker.assessment.score(round_id).scores.indicators["POL-PERF-01"].value
    other = Platform(empty_db.settings())
    try:
        rows = [[f"R{n}", 1, "", "", "", "", 5] for n in range(30)]  # same respondents, new answers
        other.assessment.import_evidence(
            round_id, _survey_book(tmp_path / "b.xlsx", rows), by=SYSTEM
        )
    finally:
        other.close()
    after = worker.assessment.score(round_id).scores.indicators["POL-PERF-01"].value
    assert before == 0.0 and after == 1.0
