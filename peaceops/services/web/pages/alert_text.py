"""Alerts told in the reader's language.

A stored alert keeps its title and explanation in English (they also go out by e-mail and
webhook) and, in its evidence, the figures and names they were made from (``facts``, written
by ``analytics.alerts``). The pages rebuild both from those in the language of the page;
alerts stored without facts show their English text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from babel.numbers import format_decimal, format_percent

from peaceops.analytics.alerts import AT_KM
from peaceops.domain.alerts import Alert
from peaceops.services.web.i18n import Language
from peaceops.services.web.pages.incidents import TYPES


def _listed(lang: Language, names: Sequence[str], *, limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    if len(names) <= limit:
        return shown
    return lang.ngettext(
        "%(names)s and %(num)s more",
        "%(names)s and %(num)s more",
        len(names) - limit,
        names=shown,
    )


def describe(alert: Alert, lang: Language) -> tuple[str, str]:
    """(title, explanation) of an alert in ``lang``."""
    facts: Any = alert.evidence.get("facts")
    if not isinstance(facts, dict):
        return alert.title, alert.explanation
    try:
        kind = facts["kind"]
        if kind == "forecast_risk":
            return _forecast_risk(alert.evidence, facts, lang)
        if kind == "incident_near":
            return _incident_near(alert.evidence, facts, lang)
        if kind == "sudden_rise":
            return _sudden_rise(alert.evidence, facts, lang)
    except (KeyError, TypeError, ValueError, IndexError):
        pass  # an alert stored by another version: its English text is still right
    return alert.title, alert.explanation


def _percent(value: float, lang: Language) -> str:
    return format_percent(value, format="#,##0%", locale=lang.code)


def _number(value: float, lang: Language, pattern: str = "#,##0.#") -> str:
    return format_decimal(value, format=pattern, locale=lang.code)


def _forecast_risk(
    evidence: dict[str, Any], facts: dict[str, Any], lang: Language
) -> tuple[str, str]:
    risk = _percent(float(evidence["risk"]), lang)
    area = str(facts["area"])
    title = lang.gettext("Forecast risk %(risk)s in %(area)s", risk=risk, area=area)
    parts = [
        lang.ngettext(
            "Forecast: %(risk)s chance of 25 or more deaths in %(area)s within the next month"
            " (threshold %(threshold)s).",
            "Forecast: %(risk)s chance of 25 or more deaths in %(area)s within the next"
            " %(num)s months (threshold %(threshold)s).",
            int(facts["months"]),
            risk=risk,
            area=area,
            threshold=_percent(float(evidence["threshold"]), lang),
        )
    ]
    programmes = list(facts.get("programmes") or [])
    if programmes:
        parts.append(
            lang.ngettext(
                "%(num)s programme runs there: %(names)s.",
                "%(num)s programmes run there: %(names)s.",
                len(programmes),
                names=_listed(lang, programmes),
            )
        )
    sites = list(facts.get("sites") or [])
    if sites:
        parts.append(
            lang.ngettext(
                "%(num)s institution site there: %(names)s.",
                "%(num)s institution sites there: %(names)s.",
                len(sites),
                names=_listed(lang, sites),
            )
        )
    return title, " ".join(parts)


def _incident_near(
    evidence: dict[str, Any], facts: dict[str, Any], lang: Language
) -> tuple[str, str]:
    places = list(facts["places"])
    distances = [float(d) for d in evidence["distances_km"]]

    def km(d: float) -> str:
        return _number(d, lang)

    if distances[0] < AT_KM:
        title = lang.gettext("Incident at %(place)s", place=places[0])
    else:
        title = lang.gettext(
            "Incident %(km)s km from %(place)s", km=km(distances[0]), place=places[0]
        )
    kind = TYPES.get(str(facts["type"]))
    what = lang.gettext(kind) if kind else str(facts["type"]).replace("_", " ")
    deaths = int(facts.get("deaths") or 0)
    if deaths:
        what += ", " + lang.ngettext("%(num)s death", "%(num)s deaths", deaths)
    described = _listed(
        lang, [f"{name} ({km(d)} km)" for name, d in zip(places, distances, strict=True)]
    )
    values = {
        "id": facts["incident"],
        "what": what,
        "date": facts["date"],
        "km": km(float(facts["km"])),
        "days": facts["days"],
        "places": described,
    }
    if facts.get("place"):
        text = lang.gettext(
            "Verified incident #%(id)s (%(what)s) at %(place)s on %(date)s, within %(km)s km"
            " of places to protect: %(places)s. Rule window: the last %(days)s days.",
            place=facts["place"],
            **values,
        )
    else:
        text = lang.gettext(
            "Verified incident #%(id)s (%(what)s) on %(date)s, within %(km)s km of places to"
            " protect: %(places)s. Rule window: the last %(days)s days.",
            **values,
        )
    return title, text


def _sudden_rise(
    evidence: dict[str, Any], facts: dict[str, Any], lang: Language
) -> tuple[str, str]:
    area = str(facts["area"])
    title = lang.gettext("Sudden rise of deaths in %(area)s", area=area)
    recent = int(evidence["recent"])
    expected = float(evidence["expected"])
    values = {
        "recent": recent,
        "area": area,
        "month": evidence["month"],
        "history": facts["history_months"],
        "mean": _number(float(evidence["history_mean"]), lang),
        "expected": _number(expected, lang),
        "factor": _number(float(evidence["factor"]), lang, "#,##0.##"),
        "minimum": evidence["minimum"],
    }
    if expected > 0:
        ratio = lang.gettext("%(ratio)s times", ratio=_number(recent / expected, lang))
    else:
        ratio = lang.gettext("far above")
    text = lang.ngettext(
        "Sudden rise: %(recent)s deaths in %(area)s in the month to %(month)s, %(ratio)s"
        " what its previous %(history)s months would lead to expect (%(mean)s a month,"
        " %(expected)s expected); alert above %(factor)s times and at least %(minimum)s.",
        "Sudden rise: %(recent)s deaths in %(area)s in the %(num)s months to %(month)s,"
        " %(ratio)s what its previous %(history)s months would lead to expect (%(mean)s a"
        " month, %(expected)s expected); alert above %(factor)s times and at least"
        " %(minimum)s.",
        int(facts["recent_months"]),
        ratio=ratio,
        **values,
    )
    return title, text
