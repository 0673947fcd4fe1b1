"""The demo's alert rules for Carana: forecast risk where programmes run or institutions
have sites, verified incidents near institutions' sites, and sudden rises of deaths."""

from __future__ import annotations

from peaceops.domain.alerts import AlertRule, RuleKind, Severity


def build_alert_rules(iso3: str) -> list[AlertRule]:
    return [
        AlertRule(
            name="Forecast risk where programmes run",
            kind=RuleKind.FORECAST_RISK,
            country_iso3=iso3,
            params={"threshold": 0.3, "months": 3, "targets": ["programmes", "sites"]},
            severity=Severity.WARNING,
        ),
        AlertRule(
            name="Verified incidents near institutions' sites",
            kind=RuleKind.INCIDENT_NEAR,
            country_iso3=iso3,
            params={"km": 10.0, "days": 14, "targets": ["sites"]},
            severity=Severity.CRITICAL,
        ),
        AlertRule(
            name="Sudden rise of deaths",
            kind=RuleKind.SUDDEN_RISE,
            country_iso3=iso3,
            params={"recent_months": 3, "history_months": 24, "factor": 3.0, "minimum": 5},
            severity=Severity.WARNING,
        ),
    ]
