"""Alerts: rules, kept as data and edited by administrators, that watch forecasts and verified
incidents for risk to programmes and institutions' sites, and the alerts they raise.

Each alert explains itself (what crossed which threshold, where, compared with what) and
names its evidence, so the person who receives it can check it before acting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class RuleKind(StrEnum):
    FORECAST_RISK = "forecast_risk"
    """The forecast probability of 25 or more fatalities in an admin area within the next
    months is above a threshold, where programmes run or institutions have sites."""
    INCIDENT_NEAR = "incident_near"
    """A verified incident within a distance of an institution's site or a programme place."""
    SUDDEN_RISE = "sudden_rise"
    """An area's fatalities in the latest months well above its own history."""


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


# Parameters each kind of rule takes, with their defaults.
DEFAULT_PARAMS: dict[RuleKind, dict[str, Any]] = {
    RuleKind.FORECAST_RISK: {"threshold": 0.3, "months": 3, "targets": ["programmes", "sites"]},
    RuleKind.INCIDENT_NEAR: {"km": 10.0, "days": 14, "targets": ["programmes", "sites"]},
    RuleKind.SUDDEN_RISE: {"recent_months": 3, "history_months": 24, "factor": 3.0, "minimum": 5},
}


@dataclass(frozen=True, slots=True)
class AlertRule:
    name: str
    kind: RuleKind
    country_iso3: str
    params: dict[str, Any] = field(default_factory=dict)
    severity: Severity = Severity.WARNING
    enabled: bool = True
    recipients: tuple[str, ...] = ()
    """E-mail addresses notified when the rule raises an alert (SMTP settings needed)."""
    webhook_url: str | None = None
    id: int | None = None

    def param(self, name: str) -> Any:
        return self.params.get(name, DEFAULT_PARAMS[self.kind].get(name))


@dataclass(frozen=True, slots=True)
class Alert:
    rule_id: int
    key: str
    """What the alert is about, so that the same situation raises one alert, not one per run
    (for example ``area:XCA03:2026-11`` or ``incident:42:site:7``)."""
    title: str
    explanation: str
    country_iso3: str
    severity: Severity = Severity.WARNING
    evidence: dict[str, Any] = field(default_factory=dict)
    """Links and figures behind the alert: the forecast run, incident ids, site, programme."""
    admin_area_id: int | None = None
    lon: float | None = None
    lat: float | None = None
    raised_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    notified: tuple[str, ...] = ()
    """Channels it went out on (e-mail addresses, webhook), with failures noted."""
    id: int | None = None

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None
