"""Transition benchmarks on the demo's evidence: readiness with status, trend and projection;
benchmark sets drafted, agreed and revised (every version kept, every write audited); the
pages, the API and the CLI."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SYSTEM, TestDatabase, api_token, csrf_from, login
from peaceops.domain.access import Principal, Role
from peaceops.domain.transition import ConditionKind, SetStatus, Status
from peaceops.errors import ConflictError, InputError, PermissionDenied, RowErrors
from peaceops.ingest.benchmarks import benchmarks_yaml
from peaceops.platform import Platform

CIVIL = Principal("civil", Role.CIVIL_SOCIETY, via="web")
VIEWER = Principal("viewer", Role.VIEWER, via="web")
AS_OF = date(2026, 10, 31)


def _conditions(readiness):  # type: ignore[no-untyped-def]
    return {c.condition.key: c for j in readiness.judgements for c in j.conditions}


def test_demo_readiness_judges_every_condition_on_real_evidence(platform: Platform) -> None:
    readiness = platform.transition.readiness("XCA", by=SYSTEM, as_of=AS_OF)
    assert readiness is not None
    assert readiness.benchmark_set.status is SetStatus.AGREED
    assert readiness.benchmark_set.agreed_by.startswith("Joint Transition Committee")
    found = _conditions(readiness)
    kinds = {c.condition.kind for c in found.values()}
    assert kinds == set(ConditionKind)
    # Every condition of the demo set has evidence behind it.
    assert all(c.status is not Status.NO_EVIDENCE for c in found.values())
    # The storyline: police integrity rose past its threshold (0.39, 0.65, 0.80) ...
    integrity = found["police_integrity"]
    assert integrity.status is Status.MET
    assert [o.value for o in integrity.observations] == pytest.approx(
        [0.39, 0.645, 0.795], abs=0.01
    )
    # ... prison capacity falls each round, so it cannot be met at this pace ...
    capacity = found["corrections_capacity"]
    assert capacity.status is Status.OFF_TRACK and capacity.trend_per_year < 0
    assert capacity.projected is None
    # ... police capacity rises towards its threshold, projected with an interval.
    rising = found["police_capacity"]
    assert rising.status in (Status.ON_TRACK, Status.AT_RISK)
    assert rising.projected is not None and rising.projected_low is not None
    assert rising.projected_low <= rising.projected
    assert 0.0 < rising.confidence < 1.0
    # Risk climbs across the four quarterly forecasts; the trend says so.
    risk = found["country_risk"]
    assert len(risk.observations) == 4 and risk.trend_per_year > 0
    # Regions: the bases of the calm regions closed, those of the contested east did not.
    areas = readiness.by_area()
    assert len(areas) == 8
    assert found["bases_xca02"].status is Status.MET
    assert found["bases_xca07"].status is not Status.MET
    assert set(readiness.by_institution()) == {"police", "judiciary", "corrections"}
    assert sum(readiness.counts().values()) == len(readiness.judgements)
    # A benchmark is never better than its worst condition.
    order = [Status.OFF_TRACK, Status.AT_RISK, Status.NO_EVIDENCE, Status.ON_TRACK, Status.MET]
    for j in readiness.judgements:
        assert order.index(j.status) == min(order.index(c.status) for c in j.conditions)


def test_evidence_is_what_was_known_at_the_day_asked(platform: Platform) -> None:
    early = platform.transition.readiness("XCA", by=SYSTEM, as_of=date(2025, 6, 30))
    late = platform.transition.readiness("XCA", by=SYSTEM, as_of=AS_OF)
    assert early is not None and late is not None
    before, after = _conditions(early), _conditions(late)
    assert len(before["police_integrity"].observations) == 2
    assert len(after["police_integrity"].observations) == 3
    assert all(o.on <= date(2025, 6, 30) for c in before.values() for o in c.observations)
    # No forecast had been issued by then (the first demo run is cut off in December 2025).
    assert before["country_risk"].status is Status.NO_EVIDENCE
    assert "no evidence" in before["country_risk"].reason


def test_roles_that_may_not_read_forecasts_get_no_forecast_evidence(platform: Platform) -> None:
    civil = platform.transition.readiness("XCA", by=CIVIL, as_of=AS_OF)
    viewer = platform.transition.readiness("XCA", by=VIEWER, as_of=AS_OF)
    assert civil is not None and viewer is not None
    assert _conditions(civil)["country_risk"].observations == ()
    assert _conditions(viewer)["country_risk"].observations != ()
    # Everything else is the same for both.
    assert (
        _conditions(civil)["police_integrity"].observations
        == _conditions(viewer)["police_integrity"].observations
    )


def test_sets_are_drafted_agreed_revised_and_every_version_kept(platform: Platform) -> None:
    service = platform.transition
    template = service.template("un_multidimensional")
    with pytest.raises(PermissionDenied):
        service.draft(template, country="XCA", by=VIEWER)
    draft = service.draft(template, country="XCA", by=SYSTEM, target_date=date(2029, 6, 30))
    assert draft.status is SetStatus.DRAFT and draft.target_date == date(2029, 6, 30)
    with pytest.raises(ConflictError, match="already has version"):
        service.draft(template, country="XCA", by=SYSTEM)
    with pytest.raises(InputError, match="future"):
        service.agree(draft.id or 0, agreed_by="Committee", agreed_on=date(2999, 1, 1), by=SYSTEM)
    agreed = service.agree(
        draft.id or 0, agreed_by="Transition committee", agreed_on=date(2026, 1, 15), by=SYSTEM
    )
    assert agreed.status is SetStatus.AGREED and agreed.agreed_on == date(2026, 1, 15)
    with pytest.raises(ConflictError, match="not a draft"):
        service.agree(draft.id or 0, agreed_by="again", agreed_on=date(2026, 1, 16), by=SYSTEM)
    # The current set is the latest agreed one.
    assert service.current("XCA", by=SYSTEM).id == agreed.id  # type: ignore[union-attr]
    revised = service.revise(agreed.id or 0, version="2026.2", by=SYSTEM, note="thresholds")
    assert revised.status is SetStatus.DRAFT and revised.revises_id == agreed.id
    assert revised.benchmarks == agreed.benchmarks
    service.agree(revised.id or 0, agreed_by="Committee", agreed_on=date(2026, 2, 1), by=SYSTEM)
    statuses = {s.version: s.status for s in service.sets(country="XCA", by=SYSTEM)}
    assert statuses["2026.1"] is SetStatus.SUPERSEDED and statuses["2026.2"] is SetStatus.AGREED
    with pytest.raises(ConflictError, match="only drafts"):
        service.delete_draft(agreed.id or 0, by=SYSTEM)
    _, logged = platform.audit.entries(by=SYSTEM, entity="benchmark_sets")
    # The demo's set (created, agreed), then two created, two agreed, one superseded.
    assert logged == 7


def test_a_set_exported_edited_and_imported_is_a_new_version(
    platform: Platform, tmp_path: Path
) -> None:
    service = platform.transition
    current = service.current("XCA", by=SYSTEM)
    assert current is not None
    text = benchmarks_yaml(current).replace('version: "2025.1"', 'version: "2026.1"')
    text = text.replace("version: '2025.1'", "version: '2026.1'")
    path = tmp_path / "unmica.yaml"
    path.write_text(text.replace("threshold: 0.3\n", "threshold: 0.25\n", 1), encoding="utf-8")
    stored = service.import_file(path, country="XCA", by=SYSTEM, note="tighter risk ceiling")
    assert stored.version == "2026.1" and stored.revises_id == current.id
    assert stored.status is SetStatus.DRAFT
    # A set naming an area the country does not have is refused, naming the field.
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("area: XCA01", "area: XCA99").replace("2026.1", "2026.9"))
    with pytest.raises(InputError, match="XCA99"):
        service.import_file(bad, country="XCA", by=SYSTEM)
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("kind: gaps_funded", "kind: money"), encoding="utf-8")
    with pytest.raises(RowErrors) as caught:
        service.import_file(broken, country="XCA", by=SYSTEM)
    assert "condition 'gaps_funded'" in str(caught.value) and "kind" in str(caught.value)
    assert len(service.sets(country="XCA", by=SYSTEM)) == 2


def test_pages_show_readiness_and_a_benchmark_with_its_projection(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    login(client, "analyst")
    client.get("/lang/en")
    page = client.get("/countries/XCA/transition?as_of=2026-10-31")
    assert page.status_code == 200
    html = page.text
    assert "UNMICA transition benchmarks" in html and "Joint Transition Committee" in html
    assert "Readiness by region" in html and "ready-map" in html
    assert "Off track" in html and "Met" in html
    one = client.get("/countries/XCA/transition/benchmarks/police_security?as_of=2026-10-31")
    assert one.status_code == 200
    assert "projection-chart" in one.text and "80% interval" in one.text
    assert "The evidence: 3 observations" in one.text
    assert client.get("/countries/XCA/transition/benchmarks/nothing").status_code == 404
    police = next(i for i in db.platform.institutions.list(country="XCA") if i.acronym == "CNP")
    profile = client.get(f"/institutions/{police.id}").text
    assert "Transition benchmarks" in profile
    assert "/countries/XCA/transition/benchmarks/police_accountable" in profile
    bad = client.get("/countries/XCA/transition?as_of=yesterday")
    assert bad.status_code == 422 and "is not a date" in bad.text
    # French.
    client.get("/lang/fr")
    assert (
        "Critères de référence pour la transition de la MINUCA"
        in client.get("/countries/XCA/transition").text
    )


def test_forms_draft_and_agree_a_set(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    login(client, "analyst")
    token = csrf_from(client.get("/countries/XCA/transition").text)
    made = client.post(
        "/countries/XCA/transition/sets",
        data={"csrf_token": token, "template": "un_multidimensional"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    drafts = [
        s
        for s in db.platform.transition.sets(country="XCA", by=SYSTEM)
        if s.id and s.status is SetStatus.DRAFT
    ]
    assert len(drafts) == 1
    refused = client.post(
        f"/countries/XCA/transition/sets/{drafts[0].id}/agree",
        data={"csrf_token": token, "agreed_by": "Committee", "agreed_on": "15/01/2026"},
    )
    assert refused.status_code == 422 and "is not a date" in refused.text
    agreed = client.post(
        f"/countries/XCA/transition/sets/{drafts[0].id}/agree",
        data={"csrf_token": token, "agreed_by": "Committee", "agreed_on": "2026-01-15"},
        follow_redirects=False,
    )
    assert agreed.status_code == 303
    stored = db.platform.transition.get(drafts[0].id or 0, by=SYSTEM)
    assert stored.status is SetStatus.AGREED and stored.agreed_by == "Committee"


def test_api_readiness_and_sets(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    headers = api_token(db.platform, "analyst")
    data = client.get("/api/v1/countries/XCA/readiness?as_of=2026-10-31", headers=headers).json()
    assert data["set"]["status"] == "agreed" and data["as_of"] == "2026-10-31"
    assert sum(data["counts"].values()) == len(data["benchmarks"]) == 15
    condition = data["benchmarks"][0]["conditions"][0]
    assert {"status", "trend_per_year", "projected", "projected_low", "confidence"} <= set(
        condition
    )
    set_id = data["set"]["id"]
    yaml_text = client.get(f"/api/v1/benchmark-sets/{set_id}/yaml", headers=headers).text
    assert yaml_text.startswith("format: peaceops-benchmarks/1")
    broken = client.post(
        "/api/v1/countries/XCA/benchmark-sets",
        json={"benchmarks_yaml": yaml_text.replace("threshold: 0.55", "threshold: 5.5", 1)},
        headers=headers,
    )
    assert broken.status_code == 422 and "police_performance" in broken.text
    made = client.post(
        "/api/v1/countries/XCA/benchmark-sets",
        json={"template": "un_multidimensional", "note": "API draft"},
        headers=headers,
    )
    assert made.status_code == 201 and made.json()["status"] == "draft"
    gone = client.delete(f"/api/v1/benchmark-sets/{made.json()['id']}", headers=headers)
    assert gone.status_code == 204
    assert (
        client.get("/api/v1/countries/XCA/benchmark-sets", headers=headers).json()[0]["id"]
        == set_id
    )


def test_cli_status_and_sets(db: TestDatabase, tmp_path: Path) -> None:
    from peaceops.services.cli.app import app

    runner = CliRunner()
    env = {"PEACEOPS_DATABASE_URL": db.url}
    shown = runner.invoke(
        app,
        ["transition", "status", "--country", "XCA", "--as-of", "2026-10-31", "--json"],
        env=env,
    )
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["overall"] in {s.value for s in Status} and len(data["benchmarks"]) == 15
    table = runner.invoke(
        app, ["transition", "status", "--country", "XCA"], env={**env, "COLUMNS": "160"}
    )
    assert table.exit_code == 0 and "police_integrity" in table.stdout
    out = tmp_path / "set.yaml"
    set_id = data["set"]["id"]
    assert (
        runner.invoke(app, ["transition", "export", str(set_id), str(out)], env=env).exit_code == 0
    )
    revised = runner.invoke(
        app, ["transition", "revise", str(set_id), "--version", "2026.1"], env=env
    )
    assert revised.exit_code == 0, revised.output
    bad = runner.invoke(
        app, ["transition", "agree", str(set_id), "--by", "x", "--on", "soon"], env=env
    )
    assert bad.exit_code != 0 and "not a date" in bad.output
    listed = runner.invoke(app, ["transition", "sets", "--country", "XCA", "--json"], env=env)
    assert [s["version"] for s in json.loads(listed.stdout)] == ["2025.1", "2026.1"]
