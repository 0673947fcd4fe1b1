"""Alerts where risk threatens programmes or institutions' sites, and the rules raising them.

Alerts are read and acknowledged by forecast readers (``READ_FORECASTS``); rules are created,
edited and run by administrators (``MANAGE_ALERTS``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from peaceops.domain.access import Permission, Principal
from peaceops.domain.alerts import AlertRule, RuleKind, Severity
from peaceops.platform.alerts import alert_dict, rule_dict
from peaceops.services.web.api.schemas import Strict
from peaceops.services.web.deps import ForecastReader, PlatformDep, Requires

router = APIRouter(tags=["alerts"])

AlertManager = Annotated[Principal, Depends(Requires(Permission.MANAGE_ALERTS))]


class AlertPublic(BaseModel):
    id: int | None
    rule_id: int
    key: str
    title: str
    explanation: str
    country_iso3: str
    severity: Severity
    evidence: dict[str, Any]
    admin_area_id: int | None
    lon: float | None
    lat: float | None
    raised_at: str | None
    acknowledged_by: str | None
    acknowledged_at: str | None
    notified: list[str]
    open: bool


class AlertsPublic(BaseModel):
    data: list[AlertPublic]
    count: int


class RulePublic(BaseModel):
    id: int | None
    name: str
    kind: RuleKind
    country_iso3: str
    params: dict[str, Any]
    severity: Severity
    enabled: bool
    recipients: list[str]
    webhook_url: str | None


class RulesPublic(BaseModel):
    data: list[RulePublic]
    count: int


class RuleCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    kind: RuleKind
    country_iso3: str = Field(min_length=3, max_length=3)
    params: dict[str, Any] = Field(default_factory=dict)
    severity: Severity = Severity.WARNING
    enabled: bool = True
    recipients: list[str] = Field(default_factory=list)
    webhook_url: str | None = None


class RuleUpdate(Strict):
    name: str | None = Field(None, min_length=1, max_length=200)
    params: dict[str, Any] | None = None
    severity: Severity | None = None
    enabled: bool | None = None
    recipients: list[str] | None = None
    webhook_url: str | None = None


class Acknowledgement(Strict):
    note: str = Field("", max_length=500)


class RunRequest(Strict):
    country: str | None = Field(None, min_length=3, max_length=3)


class RunPublic(BaseModel):
    rules: int
    created: list[AlertPublic]
    already: int
    notes: list[str]


@router.get("/alerts", response_model=AlertsPublic)
def read_alerts(
    platform: PlatformDep,
    by: ForecastReader,
    country: str | None = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> AlertsPublic:
    found = platform.alerts.list(by=by, country=country, open_only=open_only, limit=limit)
    data = [AlertPublic(**alert_dict(a)) for a in found]
    return AlertsPublic(data=data, count=len(data))


@router.post("/alerts/run", response_model=RunPublic)
def run_alerts(
    platform: PlatformDep, by: AlertManager, body: RunRequest | None = None
) -> RunPublic:
    report = platform.alerts.run(country=body.country if body else None, by=by)
    return RunPublic(**report.as_dict())


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertPublic)
def acknowledge_alert(
    alert_id: int, platform: PlatformDep, by: ForecastReader, body: Acknowledgement | None = None
) -> AlertPublic:
    alert = platform.alerts.acknowledge(alert_id, by=by, note=body.note if body else "")
    return AlertPublic(**alert_dict(alert))


@router.get("/alert-rules", response_model=RulesPublic)
def read_alert_rules(
    platform: PlatformDep, by: AlertManager, country: str | None = None
) -> RulesPublic:
    data = [RulePublic(**rule_dict(r)) for r in platform.alerts.rules(country=country, by=by)]
    return RulesPublic(data=data, count=len(data))


@router.post("/alert-rules", response_model=RulePublic, status_code=201)
def create_alert_rule(body: RuleCreate, platform: PlatformDep, by: AlertManager) -> RulePublic:
    rule = platform.alerts.create_rule(
        AlertRule(
            name=body.name,
            kind=body.kind,
            country_iso3=body.country_iso3,
            params=body.params,
            severity=body.severity,
            enabled=body.enabled,
            recipients=tuple(body.recipients),
            webhook_url=body.webhook_url,
        ),
        by=by,
    )
    return RulePublic(**rule_dict(rule))


@router.patch("/alert-rules/{rule_id}", response_model=RulePublic)
def update_alert_rule(
    rule_id: int, body: RuleUpdate, platform: PlatformDep, by: AlertManager
) -> RulePublic:
    changes = body.model_dump(exclude_unset=True)
    rule = platform.alerts.update_rule(rule_id, changes, by=by)
    return RulePublic(**rule_dict(rule))
