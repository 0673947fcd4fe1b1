"""Alerts on both engines: rules as audited rows, runs that never duplicate an alert (even
two at once), notifications by e-mail and webhook, acknowledgement, pages, API and CLI."""

from __future__ import annotations

import json
import re
import smtplib
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest

from conftest import SYSTEM, TestDatabase, api_token, csrf_from, login
from peaceops.domain.access import Principal, Role
from peaceops.domain.alerts import AlertRule, RuleKind, Severity
from peaceops.domain.incidents import Incident, IncidentType, Verification
from peaceops.errors import InputError, PermissionDenied
from peaceops.platform import Platform
from peaceops.services.web.i18n import load_catalogues
from peaceops.services.web.pages.alert_text import describe

VIEWER = Principal(username="viewer", role=Role.VIEWER, via="web")
CIVIL = Principal(username="civil", role=Role.CIVIL_SOCIETY, via="web")


def _rule(name: str, **params: Any) -> AlertRule:
    return AlertRule(
        name=name,
        kind=RuleKind.FORECAST_RISK,
        country_iso3="XCA",
        params={"threshold": 0.05, **params},
    )


def test_the_demo_has_rules_and_alerts_and_running_again_adds_none(platform: Platform) -> None:
    rules = platform.alerts.rules(by=SYSTEM)
    assert {r.kind for r in rules} == set(RuleKind)
    alerts = platform.alerts.list(by=VIEWER)
    assert alerts and all(a.open for a in alerts)
    forecast = [a for a in alerts if a.key.startswith("area:") and "Forecast" in a.explanation]
    assert forecast, "the demo shows forecast alerts"
    assert "chance of 25 or more deaths" in forecast[0].explanation
    assert forecast[0].evidence["forecast_run_id"]
    # As of the demo's run, the same situations are found again and raise nothing new; today
    # the incident is out of its rule's window, and still nothing new is raised.
    report = platform.alerts.run(by=SYSTEM, now=alerts[0].raised_at)
    assert report.created == () and report.already == len(alerts)
    assert platform.alerts.run(by=SYSTEM).created == ()
    assert len(platform.alerts.list(by=VIEWER)) == len(alerts)


def test_two_runs_at_once_store_each_alert_once(db: TestDatabase) -> None:
    first = db.platform
    rule = first.alerts.create_rule(_rule("Concurrent"), by=SYSTEM)
    second = Platform(db.settings())
    reports: list[Any] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def go(p: Platform) -> None:
        try:
            barrier.wait()
            reports.append(p.alerts.run(country="XCA", by=SYSTEM))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(p,)) for p in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    second.close()
    assert not errors
    stored = [a for a in first.alerts.list(by=SYSTEM) if a.rule_id == rule.id]
    assert stored, "a low threshold raises alerts"
    assert len({a.key for a in stored}) == len(stored)
    created = [a for r in reports for a in r.created if a.rule_id == rule.id]
    assert len(created) == len(stored)


def test_rules_are_audited_and_validated(platform: Platform) -> None:
    rule = platform.alerts.create_rule(_rule("Audited", months=2), by=SYSTEM)
    assert rule.params == {"threshold": 0.05, "months": 2}
    changed = platform.alerts.update_rule(
        rule.id or 0, {"enabled": False, "severity": "critical"}, by=SYSTEM
    )
    assert not changed.enabled and changed.severity is Severity.CRITICAL
    _, total = platform.audit.entries(by=SYSTEM, entity="alert_rules", entity_id=str(rule.id))
    assert total == 2
    with pytest.raises(InputError):
        platform.alerts.create_rule(_rule("Bad", threshold=1.5), by=SYSTEM)
    with pytest.raises(InputError):
        platform.alerts.create_rule(_rule("Bad", km=3), by=SYSTEM)
    with pytest.raises(InputError):
        platform.alerts.create_rule(_rule("Audited"), by=SYSTEM)
    with pytest.raises(PermissionDenied):
        platform.alerts.create_rule(_rule("Viewer's"), by=VIEWER)
    with pytest.raises(PermissionDenied):
        platform.alerts.run(by=VIEWER)
    with pytest.raises(PermissionDenied):
        platform.alerts.list(by=CIVIL)


def test_acknowledged_alerts_leave_the_open_list(platform: Platform) -> None:
    before = platform.alerts.count_open(by=VIEWER)
    alert = platform.alerts.list(by=VIEWER, open_only=True)[0]
    done = platform.alerts.acknowledge(alert.id or 0, by=VIEWER, note="seen, calling the team")
    assert not done.open and done.acknowledged_by == "viewer"
    assert platform.alerts.count_open(by=VIEWER) == before - 1
    assert alert.id not in {a.id for a in platform.alerts.list(by=VIEWER, open_only=True)}
    again = platform.alerts.acknowledge(alert.id or 0, by=SYSTEM)
    assert again.acknowledged_by == "viewer"


def test_a_verified_incident_near_a_site_raises_an_alert_once(platform: Platform) -> None:
    site = next(s for s in platform.institutions.sites(country="XCA") if s.lon is not None)
    rule = platform.alerts.create_rule(
        AlertRule(
            name="Near sites",
            kind=RuleKind.INCIDENT_NEAR,
            country_iso3="XCA",
            params={"km": 5, "days": 14, "targets": ["sites"]},
        ),
        by=SYSTEM,
    )
    now = datetime.now(UTC)
    stored = platform.incidents.report(
        Incident(
            type=IncidentType.ATTACK_ON_POLICE,
            date=(now - timedelta(days=2)).date(),
            lon=(site.lon or 0) + 0.01,
            lat=site.lat,
            country_iso3="XCA",
            fatalities_best=3,
            fatalities_high=3,
            place_name="near the station",
            sources=("test",),
        ),
        by=SYSTEM,
    )
    platform.alerts.run(country="XCA", by=SYSTEM, now=now)  # reported only: nothing yet
    assert not [a for a in platform.alerts.list(by=SYSTEM) if a.rule_id == rule.id]
    platform.incidents.move(stored.id or 0, Verification.UNDER_VERIFICATION, reason="", by=SYSTEM)
    platform.incidents.move(stored.id or 0, Verification.VERIFIED, reason="two sources", by=SYSTEM)
    platform.after_change("incident_verified", "XCA")
    raised = [a for a in platform.alerts.list(by=SYSTEM) if a.rule_id == rule.id]
    assert [a.key for a in raised] == [f"incident:{stored.id}"]
    assert site.id in raised[0].evidence["site_ids"]
    assert f"/incidents/{stored.id}" in raised[0].evidence["links"]
    assert "within 5 km" in raised[0].explanation
    platform.after_change("incident_verified", "XCA")
    assert len([a for a in platform.alerts.list(by=SYSTEM) if a.rule_id == rule.id]) == 1


class _RecordingSMTP:
    sent: ClassVar[list[Any]] = []
    calls: ClassVar[list[str]] = []

    def __init__(self, host: str, port: int, timeout: float = 0) -> None:
        self.calls.append(f"connect {host}:{port}")

    def __enter__(self) -> _RecordingSMTP:
        return self

    def __exit__(self, *args: object) -> None:
        self.calls.append("quit")

    def starttls(self) -> None:
        self.calls.append("starttls")

    def login(self, user: str, password: str) -> None:
        self.calls.append(f"login {user}")

    def send_message(self, message: Any) -> None:
        self.sent.append(message)


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_new_alerts_go_out_by_email_and_webhook(
    db: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    _RecordingSMTP.sent, _RecordingSMTP.calls, _Hook.received = [], [], []
    monkeypatch.setattr(smtplib, "SMTP", _RecordingSMTP)
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        platform = Platform(
            db.settings(smtp_host="mail.example.org", smtp_user="alerts", smtp_password="pw")
        )
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        rule = platform.alerts.create_rule(
            replace_rule(_rule("Notified"), ("ops@example.org",), url), by=SYSTEM
        )
        report = platform.alerts.run(country="XCA", by=SYSTEM)
        mine = [a for a in report.created if a.rule_id == rule.id]
        assert mine
        assert all(set(a.notified) == {"email:ops@example.org", f"webhook:{url}"} for a in mine)
        assert len(_RecordingSMTP.sent) == len(mine)
        assert _RecordingSMTP.sent[0]["To"] == "ops@example.org"
        assert "chance of 25 or more deaths" in _RecordingSMTP.sent[0].get_content()
        assert _RecordingSMTP.calls[:3] == [
            "connect mail.example.org:587",
            "starttls",
            "login alerts",
        ]
        assert {h["key"] for h in _Hook.received} == {a.key for a in mine}
        stored = platform.alerts.get(mine[0].id or 0, by=SYSTEM)
        assert stored.notified == mine[0].notified
        platform.close()
    finally:
        server.shutdown()
        server.server_close()


def test_notification_failures_are_noted_not_raised(db: TestDatabase) -> None:
    platform = Platform(db.settings(alert_webhook_timeout=1.0))
    rule = platform.alerts.create_rule(
        replace_rule(_rule("Failing"), ("ops@example.org",), "http://127.0.0.1:9/nothing"),
        by=SYSTEM,
    )
    report = platform.alerts.run(country="XCA", by=SYSTEM)
    mine = [a for a in report.created if a.rule_id == rule.id]
    assert mine
    for a in mine:
        assert "email skipped: PEACEOPS_SMTP_HOST is not set" in a.notified
        assert any(n.startswith("webhook failed: http://127.0.0.1:9/nothing") for n in a.notified)
    platform.close()


def replace_rule(rule: AlertRule, recipients: tuple[str, ...], url: str) -> AlertRule:
    from dataclasses import replace

    return replace(rule, recipients=recipients, webhook_url=url)


# Web and command line -------------------------------------------------------------------------


def test_the_page_shows_open_alerts_and_admins_the_rules(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    login(client, "viewer")
    page = client.get("/alerts")
    assert page.status_code == 200
    open_count = db.platform.alerts.count_open(by=SYSTEM)
    # The viewer reads Arabic: the badge's title is translated, its count is not.
    assert re.search(rf'<span class="badge" title="[^"]+">{open_count}</span>', page.text)
    # ... and so are the alerts, rebuilt from their facts in her language.
    assert "احتمال" in page.text and "chance of 25 or more deaths" not in page.text
    assert "New rule" not in page.text and "style=" not in page.text
    alert = db.platform.alerts.list(by=SYSTEM, open_only=True)[0]
    answer = client.post(
        f"/alerts/{alert.id}/acknowledge",
        data={"csrf_token": csrf_from(page.text), "note": "seen"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert not db.platform.alerts.get(alert.id or 0, by=SYSTEM).open
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/alerts").text)})
    login(client, "admin")
    page = client.get("/alerts")
    assert "New rule" in page.text and "Sudden rise of deaths" in page.text
    answer = client.post(
        "/alert-rules",
        data={
            "csrf_token": csrf_from(page.text),
            "name": "From the form",
            "kind": "incident_near",
            "country_iso3": "XCA",
            "km": "7.5",
            "target_sites": "1",
            "severity": "critical",
            "enabled": "1",
            "recipients": "a@example.org\nb@example.org",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    made = next(r for r in db.platform.alerts.rules(by=SYSTEM) if r.name == "From the form")
    assert made.params == {"km": 7.5, "targets": ["sites"]}
    assert made.recipients == ("a@example.org", "b@example.org")
    edit = client.get(f"/alerts?rule={made.id}")
    answer = client.post(
        f"/alert-rules/{made.id}",
        data={
            "csrf_token": csrf_from(edit.text),
            "name": "Renamed",
            "km": "3",
            "target_sites": "1",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    changed = db.platform.alerts.rule(made.id or 0, by=SYSTEM)
    assert changed.name == "Renamed" and not changed.enabled and changed.params["km"] == 3.0


def test_the_api_reads_acknowledges_and_edits(db: TestDatabase, client) -> None:  # type: ignore[no-untyped-def]
    analyst = api_token(db.platform, "analyst")
    admin = api_token(db.platform, "admin")
    listed = client.get("/api/v1/alerts?open=true", headers=analyst).json()
    assert listed["count"] == db.platform.alerts.count_open(by=SYSTEM) > 0
    first = listed["data"][0]
    done = client.post(
        f"/api/v1/alerts/{first['id']}/acknowledge", json={"note": "ok"}, headers=analyst
    )
    assert done.status_code == 200 and done.json()["open"] is False
    assert client.get("/api/v1/alert-rules", headers=analyst).status_code == 403
    made = client.post(
        "/api/v1/alert-rules",
        json={
            "name": "API rule",
            "kind": "sudden_rise",
            "country_iso3": "XCA",
            "params": {"factor": 2},
        },
        headers=admin,
    )
    assert made.status_code == 201, made.text
    patched = client.patch(
        f"/api/v1/alert-rules/{made.json()['id']}", json={"enabled": False}, headers=admin
    )
    assert patched.json()["enabled"] is False
    bad = client.post(
        "/api/v1/alert-rules",
        json={"name": "x", "kind": "sudden_rise", "country_iso3": "XCA", "params": {"km": 2}},
        headers=admin,
    )
    assert bad.status_code == 422
    run = client.post("/api/v1/alerts/run", json={"country": "XCA"}, headers=admin)
    assert run.status_code == 200 and run.json()["rules"] >= 3


def test_the_command_line_runs_and_lists(db: TestDatabase) -> None:
    from typer.testing import CliRunner

    from peaceops.services.cli.app import app

    runner = CliRunner()
    result = runner.invoke(app, ["--database-url", db.url, "alerts", "run", "--country", "XCA"])
    assert result.exit_code == 0, result.output
    assert "already raised" in result.output
    listed = runner.invoke(app, ["--database-url", db.url, "alerts", "list", "--json"])
    assert listed.exit_code == 0 and json.loads(listed.output)
    rules = runner.invoke(app, ["--database-url", db.url, "alerts", "rules", "--json"])
    assert rules.exit_code == 0
    assert {r["kind"] for r in json.loads(rules.output)} >= {"sudden_rise", "incident_near"}
    table = runner.invoke(app, ["--database-url", db.url, "alerts", "rules"])
    assert table.exit_code == 0 and "id" in table.output


def test_alerts_are_told_in_the_readers_language(platform: Platform) -> None:
    """The page rebuilds each alert's title and explanation from its stored facts in the
    reader's language; the English stays stored for e-mail, webhooks and the command line."""
    languages = load_catalogues()
    alerts = platform.alerts.list(by=SYSTEM)
    kinds = {a.evidence["facts"]["kind"] for a in alerts}
    assert kinds == {k.value for k in RuleKind}, "the demo raises every kind of alert"
    for alert in alerts:
        facts = alert.evidence["facts"]
        told = {code: describe(alert, languages[code]) for code in ("en", "fr", "ar")}
        assert len({told["en"], told["fr"], told["ar"]}) == 3, told
        for title, text in told.values():
            assert "%(" not in title + text
            name = facts.get("area") or facts["places"][0]
            assert name in title + text
    risk = next(a for a in alerts if a.evidence["facts"]["kind"] == "forecast_risk")
    title, text = describe(risk, languages["fr"])
    assert title.startswith("Risque prévu") and "25 morts ou plus" in text
    stored = replace(risk, evidence={k: v for k, v in risk.evidence.items() if k != "facts"})
    assert describe(stored, languages["fr"]) == (risk.title, risk.explanation)
