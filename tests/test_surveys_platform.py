"""Perception surveys through the platform: questionnaires, waves, submissions with personal
data encrypted at rest, design-based estimates with suppression, and answers flowing into an
assessment round (on SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import SYSTEM, TestDatabase
from peaceops.domain.access import Principal, Role
from peaceops.domain.assessment import EvidenceSource
from peaceops.domain.surveys import FieldRole
from peaceops.errors import ConflictError, PermissionDenied
from peaceops.ingest.submissions_write import write_kobo_csv
from peaceops.ingest.xlsform import read_xlsform
from peaceops.platform import Platform
from peaceops.scenario.carana import DEFAULT_SEED, build_carana
from peaceops.scenario.perception import build_perception_waves, write_perception_xlsform
from peaceops.storage.tables import survey_submissions

FORM = "carana_perception"


@pytest.fixture(scope="module")
def scenario():  # type: ignore[no-untyped-def]
    return build_carana(DEFAULT_SEED)


@pytest.fixture(scope="module")
def waves(scenario):  # type: ignore[no-untyped-def]
    return build_perception_waves(scenario, seed=DEFAULT_SEED)


def test_the_demo_holds_two_waves_of_the_perception_survey(platform: Platform) -> None:
    (summary,) = [s for s in platform.surveys.surveys() if s.survey.form.form_id == FORM]
    assert [w.name for w in summary.waves] == ["Wave 1 (2025)", "Wave 2 (2026)"]
    assert all(n > 500 for n in summary.counts.values())


def test_loading_the_same_form_again_changes_nothing_and_a_changed_one_needs_a_version(
    platform: Platform, tmp_path: Path, scenario
) -> None:  # type: ignore[no-untyped-def]
    path = write_perception_xlsform(tmp_path / "form.xlsx", scenario=scenario)
    survey, created = platform.surveys.load_form(path, country="XCA", by=SYSTEM)
    assert not created and survey.form.form_id == FORM
    changed = replace(read_xlsform(path), title={"en": "Another title"})
    with pytest.raises(ConflictError, match="new version"):
        platform.surveys.add_form(changed, country="XCA", by=SYSTEM)
    newer, created = platform.surveys.add_form(
        replace(changed, version="2099"), country="XCA", by=SYSTEM
    )
    assert created and newer.id != survey.id


def test_a_kobo_export_imports_once_and_personal_data_is_encrypted_at_rest(
    db: TestDatabase, tmp_path: Path, waves
) -> None:  # type: ignore[no-untyped-def]
    platform = db.platform
    survey = platform.surveys.survey(FORM)
    platform.surveys.save_wave(
        FORM, "Pilot", period_start=date(2026, 9, 1), period_end=date(2026, 9, 30), by=SYSTEM
    )
    subs = [replace(s, uuid=f"pilot-{i}") for i, s in enumerate(waves[0].submissions[:60])]
    export = write_kobo_csv(subs, survey.form, tmp_path / "pilot.csv")
    first = platform.surveys.import_submissions(FORM, Path(export), wave="Pilot", by=SYSTEM)
    assert (first.created, first.updated, first.unchanged) == (60, 0, 0)
    again = platform.surveys.import_submissions(FORM, Path(export), wave="Pilot", by=SYSTEM)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 60)

    names = {str(s.answers.get("resp_name")) for s in subs} - {"None"}
    phones = {str(s.answers.get("resp_phone")) for s in subs} - {"None"}
    assert names and phones
    with platform.engine.connect() as conn:
        raw = json.dumps(
            [dict(r) for r in conn.execute(select(survey_submissions)).mappings()], default=str
        )
    assert not any(n in raw for n in names) and not any(p in raw for p in phones)

    rows = platform.surveys.submissions(FORM, wave="Pilot", by=SYSTEM)
    assert len(rows) == 60
    assert {r["personal"]["resp_name"] for r in rows if "personal" in r} <= names
    # GPS points are never among the answers: the region stands in for them.
    gps = survey.form.with_role(FieldRole.LOCATION)
    assert gps is not None and all(gps.name not in r for r in rows)
    assert all(r["area"] for r in rows)


def test_row_level_answers_are_for_evidence_readers_and_identities_for_survey_admins(
    platform: Platform,
) -> None:
    partner = Principal("p", Role.PARTNER)
    with pytest.raises(PermissionDenied):
        platform.surveys.submissions(FORM, by=partner)
    analyst = Principal("a", Role.ANALYST)
    assert any("personal" in r for r in platform.surveys.submissions(FORM, by=analyst))


def test_bad_rows_are_reported_by_line_and_column_and_the_rest_imports(
    db: TestDatabase, tmp_path: Path, waves
) -> None:  # type: ignore[no-untyped-def]
    platform = db.platform
    survey = platform.surveys.survey(FORM)
    platform.surveys.save_wave(
        FORM, "Broken", period_start=date(2026, 9, 1), period_end=date(2026, 9, 30), by=SYSTEM
    )
    subs = [replace(s, uuid=f"broken-{i}") for i, s in enumerate(waves[1].submissions[:20])]
    path = Path(write_kobo_csv(subs, survey.form, tmp_path / "broken.csv", separator=","))
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    column = next(i for i, h in enumerate(header) if h.endswith("report_crime"))
    rows[3][column] = "perhaps"  # not a choice of the question
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    report = platform.surveys.import_submissions(FORM, path, wave="Broken", by=SYSTEM)
    assert report.created == 20
    messages = [str(w) for w in report.warnings]
    assert any("line 4" in m and "report_crime" in m and "perhaps" in m for m in messages), messages


def test_estimates_carry_intervals_and_suppress_small_cells(db: TestDatabase) -> None:
    platform = db.platform
    result = platform.surveys.estimates(FORM, "report_crime", by=SYSTEM)
    headline = result.headline
    assert headline is not None and headline.code == "favourable"
    overall = headline.overall
    assert overall.value is not None and overall.low is not None and overall.high is not None
    assert overall.low < overall.value < overall.high
    assert overall.deff is not None and overall.deff > 1  # a clustered design
    areas = headline.breakdown("area")
    assert len(areas) == 8 and all(c.estimate.value is not None for c in areas)

    strict = Platform(db.settings(min_cell_size=85))
    try:
        suppressed = strict.surveys.estimates(FORM, "report_crime", by=SYSTEM).headline
        assert suppressed is not None
        for cell in suppressed.cells:
            if cell.estimate.n < 85:
                assert cell.estimate.suppressed and cell.estimate.value is None
        row = suppressed.breakdown("area")
        assert sum(c.estimate.suppressed for c in row) != 1
    finally:
        strict.close()


def test_estimates_are_kept_until_submissions_change_in_any_process(
    db: TestDatabase, waves
) -> None:  # type: ignore[no-untyped-def]
    platform = db.platform
    first = platform.surveys.estimates(FORM, "report_crime", by=SYSTEM)
    assert platform.surveys.estimates(FORM, "report_crime", by=SYSTEM).headline is first.headline
    # Another worker (its own process, its own memory) adds submissions and changes answers.
    other = Platform(db.settings())
    try:
        survey = other.surveys.survey(FORM)
        assert survey.id is not None
        latest = waves[-1]
        fresh = [replace(s, uuid=s.uuid + "-c") for s in latest.submissions[:200]]
        added = other.surveys.add_submissions(
            survey.id, fresh, wave=latest.name, label="more", by=SYSTEM
        )
        assert added.created == 200
        after = platform.surveys.estimates(FORM, "report_crime", by=SYSTEM)
        assert after.respondents == first.respondents + 200
        # The wave's dates are its current ones, though the estimates come from memory.
        moved = other.surveys.save_wave(
            FORM,
            latest.name,
            period_start=latest.period_start,
            period_end=date(2026, 12, 31),
            by=SYSTEM,
        )
        same = platform.surveys.estimates(FORM, "report_crime", by=SYSTEM)
        assert same.headline is after.headline and same.wave.period_end == moved.period_end

        flipped = [
            replace(s, answers={**s.answers, "report_crime": "very_unlikely"})
            for s in fresh
            if s.answers.get("report_crime") not in (None, "very_unlikely")
        ]
        assert flipped
        changed = other.surveys.add_submissions(
            survey.id, flipped, wave=latest.name, label="changed", by=SYSTEM
        )
        assert changed.updated == len(flipped)
        updated = platform.surveys.estimates(FORM, "report_crime", by=SYSTEM)
        choice = {o.code: o for o in updated.outcomes}["very_unlikely"].overall.value
        before = {o.code: o for o in after.outcomes}["very_unlikely"].overall.value
        assert choice is not None and before is not None and choice > before
        # What one process kept is what another computes afresh.
        assert other.surveys.estimates(FORM, "report_crime", by=SYSTEM) == updated
    finally:
        other.close()


def test_trend_compares_waves_with_an_interval_for_the_change(platform: Platform) -> None:
    points = platform.surveys.trend(FORM, "report_crime", by=SYSTEM)
    assert [p.wave.name for p in points] == ["Wave 1 (2025)", "Wave 2 (2026)"]
    assert points[0].change is None
    change = points[1].change
    assert change is not None and change.low <= change.value <= change.high


def test_mapped_answers_flow_into_an_assessment_round(db: TestDatabase, waves) -> None:  # type: ignore[no-untyped-def]
    platform = db.platform
    fw = platform.assessment.framework("rule_of_law")
    rnd = platform.assessment.create_round(
        country="XCA",
        framework=fw.key,
        name="Perception only (test)",
        period_start=date(2026, 3, 1),
        period_end=date(2026, 4, 30),
        by=SYSTEM,
    )
    assert rnd.id is not None
    platform.surveys.save_wave(
        FORM,
        "Wave 2 (2026)",
        period_start=waves[1].period_start,
        period_end=waves[1].period_end,
        round_id=rnd.id,
        by=SYSTEM,
    )
    survey = platform.surveys.survey(FORM)
    assert survey.id is not None
    fresh = [replace(s, uuid=s.uuid + "-b") for s in waves[1].submissions[:300]]
    report = platform.surveys.add_submissions(
        survey.id, fresh, wave="Wave 2 (2026)", label="test", by=SYSTEM
    )
    assert report.created == 300
    evidence = platform.assessment.evidence(rnd.id, by=SYSTEM)
    public = [r for r in evidence.responses if r.source == EvidenceSource.PUBLIC_SURVEY]
    assert len(public) == 300
    mapped = {m.item_code for m in survey.form.items}
    assert {code for r in public for code in r.answers} <= mapped
    scored = platform.assessment.score(rnd.id)
    indicator = scored.scores.indicators["POL-PERF-01"]
    assert any(src.source == EvidenceSource.PUBLIC_SURVEY for src in indicator.sources)


def test_key_rotation_re_encrypts_respondents(db: TestDatabase) -> None:
    from cryptography.fernet import Fernet

    # The demo was encrypted with the development key derived from the secret; a new key
    # listed first, with the old one after it, rotates them; then the new key alone reads.
    derived = db.settings().data_keys()[0].decode()
    new_key = Fernet.generate_key().decode()
    rotating = Platform(db.settings(data_key=f"{new_key},{derived}"))
    try:
        assert rotating.surveys.rotate_keys(by=SYSTEM) > 1000
    finally:
        rotating.close()
    only_new = Platform(db.settings(data_key=new_key))
    try:
        rows = only_new.surveys.submissions(FORM, wave="Wave 1 (2025)", by=SYSTEM)
        assert sum("personal" in r for r in rows) > 500
    finally:
        only_new.close()
