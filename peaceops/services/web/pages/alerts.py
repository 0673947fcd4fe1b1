"""The alerts page: open alerts first, each with its explanation and evidence, an acknowledge
button for forecast readers, and for administrators the rules with their edit form."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from peaceops.domain.access import Permission, Principal
from peaceops.domain.alerts import DEFAULT_PARAMS, AlertRule, RuleKind, Severity
from peaceops.errors import InputError, NotFound
from peaceops.platform import Platform
from peaceops.platform.alerts import rule_dict
from peaceops.services.web.deps import ForecastReader, PlatformDep, Requires, language
from peaceops.services.web.i18n import N_
from peaceops.services.web.pages.alert_text import describe
from peaceops.services.web.pages.forms import redirect
from peaceops.services.web.rendering import render

router = APIRouter()

AlertManager = Annotated[Principal, Depends(Requires(Permission.MANAGE_ALERTS))]

KINDS = {
    RuleKind.FORECAST_RISK.value: N_("Forecast risk where programmes or sites are"),
    RuleKind.INCIDENT_NEAR.value: N_("Verified incident near a site or programme"),
    RuleKind.SUDDEN_RISE.value: N_("Sudden rise of deaths in an area"),
}
SEVERITIES = {
    Severity.INFO.value: N_("Information"),
    Severity.WARNING.value: N_("Warning"),
    Severity.CRITICAL.value: N_("Critical"),
}
PARAMS = {
    "threshold": N_("Threshold (probability, 0 to 1)"),
    "months": N_("Months of forecast"),
    "km": N_("Distance (km)"),
    "days": N_("Days back"),
    "recent_months": N_("Recent months"),
    "history_months": N_("History months"),
    "factor": N_("Factor above the history"),
    "minimum": N_("Minimum deaths"),
}
TARGETS = {"programmes": N_("Programmes"), "sites": N_("Institutions' sites")}


def _page(
    request: Request,
    platform: Platform,
    by: Principal,
    *,
    country: str | None,
    edit: AlertRule | None = None,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    alerts = platform.alerts.list(by=by, country=country, limit=300)
    manager = by.can(Permission.MANAGE_ALERTS)
    rules = platform.alerts.rules(country=country, by=by) if manager else []
    shown = values or (rule_dict(edit) if edit else {})
    lang = language(request)
    shown_sites = {i for a in alerts for i in a.evidence.get("site_ids", [])}
    sites = [s for s in platform.institutions.sites() if s.id in shown_sites] if shown_sites else []
    return render(
        request,
        "alerts.html",
        {
            "open_list": [a for a in alerts if a.open],
            "texts": {a.id: describe(a, lang) for a in alerts},
            "site_names": {s.id: (s.name, s.institution_id) for s in sites},
            "done_list": [a for a in alerts if not a.open],
            "rule_names": {r.id: r.name for r in rules},
            "manager": manager,
            "rules": rules,
            "edit": edit,
            "values": shown,
            "params_shown": shown.get("params", {}),
            "error": error,
            "country": country or "",
            "kinds": KINDS,
            "severities": SEVERITIES,
            "param_labels": PARAMS,
            "defaults": {k.value: v for k, v in DEFAULT_PARAMS.items()},
            "targets": TARGETS,
        },
        status_code=status_code,
    )


@router.get("/alerts")
def read_alerts_page(
    request: Request,
    platform: PlatformDep,
    by: ForecastReader,
    country: Annotated[str | None, Query(max_length=3)] = None,
    rule: int | None = None,
) -> Response:
    edit = None
    if rule is not None and by.can(Permission.MANAGE_ALERTS):
        try:
            edit = platform.alerts.rule(rule, by=by)
        except NotFound:
            edit = None
    return _page(request, platform, by, country=country or None, edit=edit)


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge_alert_page(
    alert_id: int,
    platform: PlatformDep,
    by: ForecastReader,
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    platform.alerts.acknowledge(alert_id, by=by, note=note)
    return redirect("/alerts", msg="saved")


@router.post("/alerts/run")
def run_alerts_page(platform: PlatformDep, by: AlertManager) -> Response:
    platform.alerts.run(by=by)
    return redirect("/alerts", msg="saved")


def _rule_from_form(form: dict[str, Any]) -> AlertRule:
    kind_text = str(form.get("kind") or "")
    if kind_text not in KINDS:
        raise InputError("choose the kind of rule", field="kind")
    kind = RuleKind(kind_text)
    params: dict[str, Any] = {}
    for key in DEFAULT_PARAMS[kind]:
        if key == "targets":
            chosen = [t for t in TARGETS if form.get(f"target_{t}")]
            params["targets"] = chosen
            continue
        text = str(form.get(key) or "").strip()
        if text:
            params[key] = text
    severity = str(form.get("severity") or "warning")
    if severity not in SEVERITIES:
        raise InputError("choose a severity", field="severity")
    recipients = tuple(
        r.strip() for r in str(form.get("recipients") or "").replace(",", "\n").splitlines()
    )
    return AlertRule(
        name=str(form.get("name") or ""),
        kind=kind,
        country_iso3=str(form.get("country_iso3") or "").strip().upper(),
        params=params,
        severity=Severity(severity),
        enabled=bool(form.get("enabled")),
        recipients=tuple(r for r in recipients if r),
        webhook_url=str(form.get("webhook_url") or "").strip() or None,
    )


async def _form(request: Request) -> dict[str, Any]:
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str)}


@router.post("/alert-rules")
async def create_alert_rule_page(
    request: Request, platform: PlatformDep, by: AlertManager
) -> Response:
    form = await _form(request)
    try:
        platform.alerts.create_rule(_rule_from_form(form), by=by)
    except InputError as exc:
        return _page(
            request,
            platform,
            by,
            country=None,
            values=_echo(form),
            error=str(exc),
            status_code=422,
        )
    return redirect("/alerts", msg="created")


@router.post("/alert-rules/{rule_id}")
async def update_alert_rule_page(
    rule_id: int, request: Request, platform: PlatformDep, by: AlertManager
) -> Response:
    form = await _form(request)
    current = platform.alerts.rule(rule_id, by=by)
    try:
        rule = _rule_from_form({**form, "kind": current.kind.value})
        platform.alerts.update_rule(
            rule_id,
            {
                "name": rule.name,
                "params": rule.params,
                "severity": rule.severity,
                "enabled": rule.enabled,
                "recipients": list(rule.recipients),
                "webhook_url": rule.webhook_url,
            },
            by=by,
        )
    except InputError as exc:
        return _page(
            request,
            platform,
            by,
            country=None,
            edit=current,
            values=_echo(form),
            error=str(exc),
            status_code=422,
        )
    return redirect("/alerts", msg="saved")


def _echo(form: dict[str, Any]) -> dict[str, Any]:
    """The form's values, shaped like ``rule_dict``, to show them again with the error."""
    params = {k: form[k] for k in PARAMS if form.get(k)}
    params["targets"] = [t for t in TARGETS if form.get(f"target_{t}")]
    return {
        "name": form.get("name", ""),
        "kind": form.get("kind", ""),
        "country_iso3": form.get("country_iso3", ""),
        "params": params,
        "severity": form.get("severity", "warning"),
        "enabled": bool(form.get("enabled")),
        "recipients": [r for r in str(form.get("recipients", "")).split() if r],
        "webhook_url": form.get("webhook_url", ""),
    }
