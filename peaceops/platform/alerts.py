"""Alerts where risk threatens programmes or institutions' sites.

Rules are rows, created and edited by administrators (``MANAGE_ALERTS``), every change
audited. ``run`` evaluates the enabled rules of a country (or of all): it reads the latest
admin-area forecast (``CoordinationService.area_risk``), the programmes' locations, the
institutions' sites, verified incidents and the events' area-month fatalities, hands them to
``analytics.alerts`` and stores each candidate once, keyed by ``(rule_id, key)``: the unique
constraint holds even when two runs race, the loser of a clash skipping the alert. New alerts
then go out by e-mail (SMTP settings) and webhook; failures are noted on the alert, never
raised. Reading and acknowledging alerts needs ``READ_FORECASTS``.

Rules run on a schedule (``peaceops alerts run`` from cron) and when data change: the web and
command-line layers call ``Platform.after_change`` after a forecast is stored or an incident
verified, outside those services' transactions.
"""

from __future__ import annotations

import builtins
import json
import smtplib
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from peaceops.config import Settings
from peaceops.domain.access import Permission, Principal
from peaceops.domain.alerts import DEFAULT_PARAMS, Alert, AlertRule, RuleKind, Severity
from peaceops.domain.places import Month
from peaceops.errors import InputError
from peaceops.platform.access import require
from peaceops.storage import transaction
from peaceops.storage.repositories import alerts as repo
from peaceops.storage.repositories import places as places_repo

if TYPE_CHECKING:
    from peaceops.analytics.alerts import Candidate, Place
    from peaceops.platform import Platform

EDITABLE = ("name", "params", "severity", "enabled", "recipients", "webhook_url")
CHANGE_KINDS = ("forecast", "incident_verified", "events")
"""What ``Platform.after_change`` reports that makes the rules run again."""
RUNNER = Principal.system("alerts")


def subject(key: str) -> str:
    """What an alert's key is about, without its month: ``area:3:562`` → ``area:3``.

    >>> subject("area:3:562"), subject("incident:42")
    ('area:3', 'incident:42')
    """
    return key.rsplit(":", 1)[0] if key.startswith("area:") else key


@dataclass(frozen=True, slots=True)
class RunReport:
    rules: int = 0
    created: tuple[Alert, ...] = ()
    already: int = 0
    """Candidates that matched an alert stored before (by an earlier or concurrent run)."""
    notes: tuple[str, ...] = ()
    """What could not be evaluated, rule by rule."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "rules": self.rules,
            "created": [alert_dict(a) for a in self.created],
            "already": self.already,
            "notes": list(self.notes),
        }


@dataclass
class _Inputs:
    """What the rules of one country read, loaded once per run."""

    areas: dict[int, Any] = field(default_factory=dict)
    admin1: dict[int, int] = field(default_factory=dict)
    places: builtins.list[Place] | None = None


def alert_dict(a: Alert) -> dict[str, Any]:
    return {
        "id": a.id,
        "rule_id": a.rule_id,
        "key": a.key,
        "title": a.title,
        "explanation": a.explanation,
        "country_iso3": a.country_iso3,
        "severity": a.severity.value,
        "evidence": a.evidence,
        "admin_area_id": a.admin_area_id,
        "lon": a.lon,
        "lat": a.lat,
        "raised_at": a.raised_at.isoformat() if a.raised_at else None,
        "acknowledged_by": a.acknowledged_by,
        "acknowledged_at": a.acknowledged_at.isoformat() if a.acknowledged_at else None,
        "notified": list(a.notified),
        "open": a.open,
    }


def rule_dict(r: AlertRule) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "kind": r.kind.value,
        "country_iso3": r.country_iso3,
        "params": {**DEFAULT_PARAMS[r.kind], **r.params},
        "severity": r.severity.value,
        "enabled": r.enabled,
        "recipients": list(r.recipients),
        "webhook_url": r.webhook_url,
    }


def _month(month_id: int) -> str:
    m = Month.from_month_id(month_id)
    return f"{m.year}-{m.month:02d}"


class AlertsService:
    def __init__(self, settings: Settings, engine: Engine, *, platform: Platform) -> None:
        self._settings = settings
        self._engine = engine
        self._platform = platform

    # Rules ------------------------------------------------------------------------------

    def rules(self, *, country: str | None = None, by: Principal) -> builtins.list[AlertRule]:
        """The rules (with their recipients' addresses: administrators only)."""
        require(by, Permission.MANAGE_ALERTS)
        with transaction(self._engine, write=False) as conn:
            return repo.list_rules(conn, country_iso3=(country or "").strip().upper() or None)

    def rule(self, rule_id: int, *, by: Principal) -> AlertRule:
        require(by, Permission.MANAGE_ALERTS)
        with transaction(self._engine, write=False) as conn:
            return repo.get_rule(conn, rule_id)

    def create_rule(self, rule: AlertRule, *, by: Principal) -> AlertRule:
        require(by, Permission.MANAGE_ALERTS)
        clean = self._validated(rule)
        with transaction(self._engine) as conn:
            places_repo.get_country(conn, clean.country_iso3)
            if repo.find_rule(conn, clean.country_iso3, clean.name) is not None:
                raise InputError(
                    f"{clean.country_iso3} already has a rule named {clean.name!r}", field="name"
                )
            rule_id = repo.create_rule(conn, by, clean, at=datetime.now(UTC))
            return repo.get_rule(conn, rule_id)

    def update_rule(self, rule_id: int, changes: dict[str, Any], *, by: Principal) -> AlertRule:
        require(by, Permission.MANAGE_ALERTS)
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise InputError(f"cannot change {', '.join(sorted(unknown))}", field=min(unknown))
        with transaction(self._engine) as conn:
            current = repo.get_rule(conn, rule_id)
            updates: dict[str, Any] = {
                k: (tuple(v) if k == "recipients" else v) for k, v in changes.items()
            }
            try:
                updates["severity"] = Severity(changes.get("severity", current.severity))
            except ValueError:
                raise InputError(
                    "severity: use info, warning or critical", field="severity"
                ) from None
            merged = self._validated(replace(current, **updates))
            if merged.name != current.name:
                other = repo.find_rule(conn, merged.country_iso3, merged.name)
                if other is not None:
                    raise InputError(f"a rule named {merged.name!r} exists", field="name")
            values = repo.rule_values(merged)
            repo.change_rule(conn, by, rule_id, {k: values[k] for k in changes})
            return repo.get_rule(conn, rule_id)

    def _validated(self, rule: AlertRule) -> AlertRule:
        name = " ".join(rule.name.split())
        if not name or len(name) > 200:
            raise InputError("give the rule a name of 1 to 200 characters", field="name")
        kind = RuleKind(rule.kind)
        defaults = DEFAULT_PARAMS[kind]
        unknown = set(rule.params) - set(defaults)
        if unknown:
            raise InputError(
                f"a {kind.value} rule takes {', '.join(defaults)}, not {', '.join(unknown)}",
                field="params",
            )
        params: dict[str, Any] = {}
        for key, value in rule.params.items():
            default = defaults[key]
            try:
                if isinstance(default, list):
                    items = value.split(",") if isinstance(value, str) else list(value)
                    chosen = [str(v).strip() for v in items if str(v).strip()]
                    if set(chosen) - {"programmes", "sites"} or not chosen:
                        raise ValueError
                    params[key] = chosen
                elif isinstance(default, int):
                    params[key] = int(value)
                else:
                    params[key] = float(value)
            except (TypeError, ValueError):
                raise InputError(f"{key}: {value!r} is not a valid value", field=key) from None
            if not isinstance(default, list) and params[key] < 0:
                raise InputError(f"{key} must not be negative", field=key)
        if kind is RuleKind.FORECAST_RISK and not 0 < params.get("threshold", 0.3) < 1:
            raise InputError("threshold is a probability between 0 and 1", field="threshold")
        for key in ("km", "days", "months", "recent_months", "history_months", "factor"):
            if key in params and params[key] <= 0:
                raise InputError(f"{key} must be above 0", field=key)
        recipients = tuple(r.strip() for r in rule.recipients if r.strip())
        for r in recipients:
            if "@" not in r or " " in r:
                raise InputError(f"{r!r} is not an e-mail address", field="recipients")
        webhook = (rule.webhook_url or "").strip() or None
        if webhook and not webhook.startswith(("http://", "https://")):
            raise InputError("the webhook is an http:// or https:// address", field="webhook_url")
        return replace(
            rule,
            name=name,
            kind=kind,
            country_iso3=rule.country_iso3.strip().upper(),
            params=params,
            severity=Severity(rule.severity),
            recipients=recipients,
            webhook_url=webhook,
        )

    # Alerts -----------------------------------------------------------------------------

    def list(
        self,
        *,
        by: Principal,
        country: str | None = None,
        open_only: bool = False,
        limit: int | None = None,
    ) -> builtins.list[Alert]:
        """Alerts, open ones first, then the latest first."""
        require(by, Permission.READ_FORECASTS)
        with transaction(self._engine, write=False) as conn:
            return repo.list_alerts(
                conn,
                country_iso3=(country or "").strip().upper() or None,
                open_only=open_only,
                limit=limit,
            )

    def get(self, alert_id: int, *, by: Principal) -> Alert:
        require(by, Permission.READ_FORECASTS)
        with transaction(self._engine, write=False) as conn:
            return repo.get_alert(conn, alert_id)

    def count_open(self, *, by: Principal) -> int:
        """Open alerts, for the navigation (one COUNT query)."""
        require(by, Permission.READ_FORECASTS)
        with transaction(self._engine, write=False) as conn:
            return repo.count_open(conn)

    def acknowledge(self, alert_id: int, *, by: Principal, note: str = "") -> Alert:
        """Record who acknowledged an alert and when; it leaves the open list. Acknowledging
        it again changes nothing."""
        require(by, Permission.READ_FORECASTS)
        note = " ".join(note.split())[:500]
        with transaction(self._engine) as conn:
            alert = repo.get_alert(conn, alert_id)
            if alert.open:
                repo.acknowledge(conn, by, alert_id, at=datetime.now(UTC), note=note)
            return repo.get_alert(conn, alert_id)

    # Running the rules ------------------------------------------------------------------

    def changed(self, kind: str, country: str | None) -> RunReport | None:
        """The hook ``Platform.after_change`` calls: run the rules of the country again."""
        if kind not in CHANGE_KINDS:
            return None
        try:
            return self.run(country=country, by=RUNNER)
        except Exception as exc:  # the change itself has committed: never undo it
            return RunReport(notes=(f"alerts not run after {kind}: {exc}",))

    def run(
        self, *, country: str | None = None, by: Principal, now: datetime | None = None
    ) -> RunReport:
        """Evaluate the enabled rules, store new alerts and notify them."""
        from peaceops.analytics import alerts as rules

        require(by, Permission.MANAGE_ALERTS)
        moment = now or datetime.now(UTC)
        with transaction(self._engine, write=False) as conn:
            enabled = repo.list_rules(
                conn, country_iso3=(country or "").strip().upper() or None, enabled=True
            )
        notes: builtins.list[str] = []
        created: builtins.list[Alert] = []
        already = 0
        inputs: dict[str, _Inputs] = {}
        for rule in enabled:
            got = inputs.setdefault(rule.country_iso3, self._inputs(rule.country_iso3))
            try:
                candidates = self._evaluate(rule, got, moment, notes, rules)
            except Exception as exc:  # one broken rule must not stop the others
                notes.append(f"rule {rule.id} {rule.name}: not evaluated ({exc})")
                continue
            new, seen = self._store(rule, candidates, moment, by)
            created.extend(new)
            already += seen
        notified = [self._notify(a, by=by) for a in created]
        return RunReport(
            rules=len(enabled), created=tuple(notified), already=already, notes=tuple(notes)
        )

    def _inputs(self, iso3: str) -> _Inputs:
        areas = self._platform.coordination.area_index(iso3)
        by_pcode = {a.pcode: i for i, a in areas.items()}
        admin1: dict[int, int] = {}
        for i, a in areas.items():
            current, seen = a, 0
            while current.level > 1 and current.parent_pcode in by_pcode and seen < 5:
                current = areas[by_pcode[current.parent_pcode]]
                seen += 1
            if current.level == 1 and current.id is not None:
                admin1[i] = current.id
        return _Inputs(areas=areas, admin1=admin1)

    def _places(self, iso3: str, got: _Inputs, targets: Sequence[str]) -> builtins.list[Place]:
        from peaceops.analytics.alerts import Place

        if got.places is None:
            found: builtins.list[Place] = []
            institutions = {i.id: i for i in self._platform.institutions.list(country=iso3)}
            for s in self._platform.institutions.sites(country=iso3):
                owner = institutions.get(s.institution_id)
                label = f"{s.name} ({owner.acronym or owner.name})" if owner else s.name
                found.append(
                    Place(
                        "site",
                        s.id or 0,
                        label,
                        lon=s.lon,
                        lat=s.lat,
                        area_id=got.admin1.get(s.admin_area_id or 0),
                        link=f"/institutions/{s.institution_id}",
                    )
                )
            acts = self._platform.coordination.activities(country=iso3)
            ids = {a.identifier: a.id or 0 for a in acts}
            for a in acts:
                for loc in a.locations:
                    if loc.admin_area_id in got.admin1:
                        found.append(
                            Place(
                                "activity",
                                a.id or 0,
                                a.title_in("en"),
                                area_id=got.admin1[loc.admin_area_id or 0],
                                link=f"/activities/{a.id}",
                            )
                        )
            # Points for distances: exact locations and districts' representative points
            # (a region is too coarse to say a programme is near an incident).
            for feature in self._platform.coordination.geojson(activities=acts)["features"]:
                props = feature["properties"]
                if props["precision"] not in ("exact", "admin2"):
                    continue
                lon, lat = feature["geometry"]["coordinates"]
                act_id = ids.get(props["identifier"], 0)
                found.append(
                    Place(
                        "activity",
                        act_id,
                        props["title"],
                        lon=lon,
                        lat=lat,
                        link=f"/activities/{act_id}",
                    )
                )
            got.places = found
        wanted = {"programmes": "activity", "sites": "site"}
        kinds = {wanted[t] for t in targets if t in wanted}
        return [p for p in got.places if p.kind in kinds]

    def _evaluate(
        self,
        rule: AlertRule,
        got: _Inputs,
        moment: datetime,
        notes: builtins.list[str],
        rules: Any,
    ) -> builtins.list[Candidate]:
        iso3 = rule.country_iso3
        names = {i: a.name for i, a in got.areas.items()}
        if rule.kind is RuleKind.FORECAST_RISK:
            months = int(rule.param("months"))
            run, risk = self._platform.coordination.area_risk(iso3, by=RUNNER, months=months)
            if run is None:
                notes.append(f"rule {rule.id} {rule.name}: no forecast for {iso3}")
                return []
            result: builtins.list[Candidate] = rules.forecast_risk(
                risk,
                self._places(iso3, got, rule.param("targets")),
                area_names=names,
                threshold=float(rule.param("threshold")),
                months=months,
                run_id=int(run["id"]),
                month=_month(int(run["cutoff_month_id"]) + 1),
            )
            return result
        if rule.kind is RuleKind.INCIDENT_NEAR:
            from peaceops.analytics.alerts import IncidentPoint
            from peaceops.domain.incidents import Verification

            days = int(rule.param("days"))
            since = (moment - timedelta(days=days)).date()
            found = self._platform.incidents.list(
                by=RUNNER, country=iso3, status=Verification.VERIFIED, since=since
            )
            points = [
                IncidentPoint(
                    i.id or 0,
                    i.lon,
                    i.lat,
                    i.date,
                    i.type.value,
                    fatalities=i.fatalities_best,
                    place_name=i.place_name,
                )
                for i in found
                if i.lon is not None and i.lat is not None and i.date <= moment.date()
            ]
            near: builtins.list[Candidate] = rules.incidents_near(
                self._places(iso3, got, rule.param("targets")),
                points,
                km=float(rule.param("km")),
                days=days,
            )
            return near
        return self._sudden_rise(rule, got, moment, notes, rules)

    def _sudden_rise(
        self,
        rule: AlertRule,
        got: _Inputs,
        moment: datetime,
        notes: builtins.list[str],
        rules: Any,
    ) -> builtins.list[Candidate]:
        import polars as pl

        vintage = self._platform.events.vintage()
        lasts = [v["last"] for v in vintage.values() if v.get("last") not in (None, "None")]
        if not lasts:
            notes.append(f"rule {rule.id} {rule.name}: no events")
            return []
        last_day = datetime.fromisoformat(max(lasts)).date()
        cutoff = min(
            Month(last_day.year, last_day.month).month_id,
            Month(moment.year, moment.month).month_id,
        )
        recent = int(rule.param("recent_months"))
        history = int(rule.param("history_months"))
        built = self._platform.forecasting.event_panel(
            "admin1", rule.country_iso3, cutoff=cutoff, history=recent + history
        )
        by_pcode = {a.pcode: i for i, a in got.areas.items()}
        panel = built.panel
        rows = []
        for r, unit in enumerate(panel.units.tolist()):
            area_id = by_pcode.get(built.labels.get(int(unit), ""))
            if area_id is None:
                continue
            for t, value in enumerate(panel.values[r].tolist()):
                rows.append((area_id, panel.first_month + t, float(value)))
        series = pl.DataFrame(
            rows,
            schema={"area_id": pl.Int64, "month_id": pl.Int64, "fatalities": pl.Float64},
            orient="row",
        )
        result: builtins.list[Candidate] = rules.sudden_rise(
            series,
            last_month=cutoff,
            recent_months=recent,
            history_months=history,
            factor=float(rule.param("factor")),
            minimum=int(rule.param("minimum")),
            area_names={i: a.name for i, a in got.areas.items()},
            month_label={cutoff: _month(cutoff)},
        )
        return result

    def _store(
        self,
        rule: AlertRule,
        candidates: Sequence[Candidate],
        moment: datetime,
        by: Principal,
    ) -> tuple[builtins.list[Alert], int]:
        created: builtins.list[Alert] = []
        already = 0
        with transaction(self._engine) as conn:
            known = repo.keys_of(conn, rule.id or 0)
            # An area's alert is about a month (``area:ID:MONTH``); while one is open, the same
            # area in a later month is the same situation going on, not a new alert.
            pending = {subject(k) for k in repo.open_keys(conn, rule.id or 0)}
            for c in candidates:
                if c.key in known or subject(c.key) in pending:
                    already += 1
                    continue
                values: dict[str, Any] = {
                    "rule_id": rule.id,
                    "key": c.key[:200],
                    "title": c.title[:300],
                    "explanation": c.explanation,
                    "severity": rule.severity.value,
                    "country_iso3": rule.country_iso3,
                    "evidence": c.evidence,
                    "admin_area_id": c.admin_area_id,
                    "lon": c.lon,
                    "lat": c.lat,
                    "raised_at": moment,
                    "notified": [],
                }
                try:
                    # A savepoint: a concurrent run that stored the same key first makes this
                    # insert fail alone, and the alert is counted as already raised.
                    with conn.begin_nested():
                        new_id = repo.create_alert(conn, by, values)
                except IntegrityError:
                    already += 1
                    continue
                known.add(c.key)
                pending.add(subject(c.key))
                created.append(repo.get_alert(conn, new_id))
        return created, already

    # Notifications ----------------------------------------------------------------------

    def _notify(self, alert: Alert, *, by: Principal) -> Alert:
        with transaction(self._engine, write=False) as conn:
            rule = repo.get_rule(conn, alert.rule_id)
        notes: builtins.list[str] = []
        if rule.recipients:
            notes.extend(self._email(alert, rule))
        if rule.webhook_url:
            notes.append(self._webhook(alert, rule.webhook_url))
        if not notes:
            return alert
        with transaction(self._engine) as conn:
            repo.set_notified(conn, by, alert.id or 0, notes)
            return repo.get_alert(conn, alert.id or 0)

    def _email(self, alert: Alert, rule: AlertRule) -> builtins.list[str]:
        s = self._settings
        if not s.smtp_host:
            return ["email skipped: PEACEOPS_SMTP_HOST is not set"]
        message = EmailMessage()
        message["Subject"] = f"[PeaceOps {alert.severity.value}] {alert.title}"
        message["From"] = s.smtp_from
        message["To"] = ", ".join(rule.recipients)
        links = "\n".join(str(link) for link in alert.evidence.get("links", []))
        message.set_content(f"{alert.explanation}\n\nRule: {rule.name}\n{links}\n".rstrip() + "\n")
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.alert_webhook_timeout) as smtp:
                if s.smtp_starttls:
                    smtp.starttls()
                if s.smtp_user:
                    password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                    smtp.login(s.smtp_user, password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            return [f"email failed: {type(exc).__name__}: {exc}"]
        return [f"email:{r}" for r in rule.recipients]

    def _webhook(self, alert: Alert, url: str) -> str:
        body = json.dumps(alert_dict(alert), ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 (http(s) only, checked on save)
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(  # noqa: S310 (an http(s) address, checked on save)
                request, timeout=self._settings.alert_webhook_timeout
            ) as answer:
                status = answer.status
        except Exception as exc:
            return f"webhook failed: {url}: {type(exc).__name__}: {exc}"
        if status >= 300:
            return f"webhook failed: {url}: HTTP {status}"
        return f"webhook:{url}"

    # The demo ---------------------------------------------------------------------------

    def load_demo(
        self, rules: Sequence[AlertRule], *, by: Principal, now: datetime | None = None
    ) -> RunReport:
        """Create the demo's rules (those not there yet) and run them once, as of ``now``
        (by default the day after the latest verified incident, so that the demo's fictional
        incidents are recent)."""
        for rule in rules:
            with transaction(self._engine, write=False) as conn:
                known = repo.find_rule(conn, rule.country_iso3, rule.name)
            if known is None:
                self.create_rule(rule, by=by)
        countries = sorted({r.country_iso3 for r in rules})
        report = RunReport()
        for iso3 in countries:
            got = self.run(country=iso3, by=by, now=now or self._demo_now(iso3, by=by))
            report = RunReport(
                rules=report.rules + got.rules,
                created=report.created + got.created,
                already=report.already + got.already,
                notes=report.notes + got.notes,
            )
        return report

    def _demo_now(self, iso3: str, *, by: Principal) -> datetime:
        from peaceops.domain.incidents import Verification

        found = self._platform.incidents.list(by=by, country=iso3, status=Verification.VERIFIED)
        latest = max((i.date for i in found), default=None)
        if latest is None:
            return datetime.now(UTC)
        return datetime.combine(latest + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
