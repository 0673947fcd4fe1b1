"""Alert rules and the alerts they raise."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from peaceops.domain.access import Principal
from peaceops.domain.alerts import Alert, AlertRule, RuleKind, Severity
from peaceops.domain.audit import AuditAction
from peaceops.errors import NotFound
from peaceops.storage.repositories import audited
from peaceops.storage.tables import alert_rules, alerts


def _rule(row: Any) -> AlertRule:
    return AlertRule(
        name=row.name,
        kind=RuleKind(row.kind),
        country_iso3=row.country_iso3,
        params=dict(row.params or {}),
        severity=Severity(row.severity),
        enabled=bool(row.enabled),
        recipients=tuple(row.recipients or ()),
        webhook_url=row.webhook_url,
        id=row.id,
    )


def _alert(row: Any) -> Alert:
    return Alert(
        rule_id=row.rule_id,
        key=row.key,
        title=row.title,
        explanation=row.explanation,
        country_iso3=row.country_iso3,
        severity=Severity(row.severity),
        evidence=dict(row.evidence or {}),
        admin_area_id=row.admin_area_id,
        lon=row.lon,
        lat=row.lat,
        raised_at=row.raised_at,
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        notified=tuple(row.notified or ()),
        id=row.id,
    )


def rule_values(rule: AlertRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "kind": rule.kind.value,
        "country_iso3": rule.country_iso3,
        "params": dict(rule.params),
        "severity": rule.severity.value,
        "enabled": rule.enabled,
        "recipients": list(rule.recipients),
        "webhook_url": rule.webhook_url,
    }


def create_rule(conn: Connection, by: Principal, rule: AlertRule, *, at: datetime) -> int:
    return int(audited.create(conn, by, alert_rules, {**rule_values(rule), "created_at": at}))


def change_rule(conn: Connection, by: Principal, rule_id: int, values: dict[str, Any]) -> bool:
    return audited.change(conn, by, alert_rules, rule_id, values)


def get_rule(conn: Connection, rule_id: int) -> AlertRule:
    row = conn.execute(select(alert_rules).where(alert_rules.c.id == rule_id)).one_or_none()
    if row is None:
        raise NotFound(f"no alert rule {rule_id}")
    return _rule(row)


def find_rule(conn: Connection, country_iso3: str, name: str) -> AlertRule | None:
    row = conn.execute(
        select(alert_rules).where(
            alert_rules.c.country_iso3 == country_iso3, alert_rules.c.name == name
        )
    ).one_or_none()
    return None if row is None else _rule(row)


def list_rules(
    conn: Connection, *, country_iso3: str | None = None, enabled: bool | None = None
) -> list[AlertRule]:
    query = select(alert_rules).order_by(alert_rules.c.country_iso3, alert_rules.c.id)
    if country_iso3:
        query = query.where(alert_rules.c.country_iso3 == country_iso3)
    if enabled is not None:
        query = query.where(alert_rules.c.enabled == enabled)
    return [_rule(r) for r in conn.execute(query)]


def keys_of(conn: Connection, rule_id: int) -> set[str]:
    return set(conn.execute(select(alerts.c.key).where(alerts.c.rule_id == rule_id)).scalars())


def open_keys(conn: Connection, rule_id: int) -> set[str]:
    """Keys of a rule's alerts nobody has acknowledged yet."""
    query = select(alerts.c.key).where(
        alerts.c.rule_id == rule_id, alerts.c.acknowledged_at.is_(None)
    )
    return set(conn.execute(query).scalars())


def create_alert(conn: Connection, by: Principal, values: dict[str, Any]) -> int:
    return int(audited.create(conn, by, alerts, values))


def set_notified(conn: Connection, by: Principal, alert_id: int, notified: list[str]) -> None:
    audited.change(conn, by, alerts, alert_id, {"notified": notified})


def acknowledge(conn: Connection, by: Principal, alert_id: int, *, at: datetime, note: str) -> bool:
    values: dict[str, Any] = {"acknowledged_by": by.username, "acknowledged_at": at}
    changed = audited.change(conn, by, alerts, alert_id, values)
    if note:
        audited.record(
            conn,
            by,
            AuditAction.UPDATE,
            "alerts",
            alert_id,
            after={"acknowledgement_note": note},
        )
    return changed


def get_alert(conn: Connection, alert_id: int) -> Alert:
    row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).one_or_none()
    if row is None:
        raise NotFound(f"no alert {alert_id}")
    return _alert(row)


def list_alerts(
    conn: Connection,
    *,
    country_iso3: str | None = None,
    open_only: bool = False,
    rule_id: int | None = None,
    limit: int | None = None,
) -> list[Alert]:
    # Open alerts first, then the latest first.
    query = select(alerts).order_by(
        alerts.c.acknowledged_at.is_not(None), alerts.c.raised_at.desc(), alerts.c.id.desc()
    )
    if country_iso3:
        query = query.where(alerts.c.country_iso3 == country_iso3)
    if open_only:
        query = query.where(alerts.c.acknowledged_at.is_(None))
    if rule_id is not None:
        query = query.where(alerts.c.rule_id == rule_id)
    if limit is not None:
        query = query.limit(limit)
    return [_alert(r) for r in conn.execute(query)]


def count_open(conn: Connection) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(alerts).where(alerts.c.acknowledged_at.is_(None))
        ).scalar_one()
    )
