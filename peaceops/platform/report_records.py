"""Plain records of the mission report's context and its executive summary: helpers of
``platform/reports.py`` that turn domain and analytics objects into JSON-ready data."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from peaceops.analytics.assessment.scoring import Change, Rollup
from peaceops.domain.assessment import Framework, text_in
from peaceops.domain.coordination import Activity
from peaceops.domain.places import AdminArea, Month
from peaceops.platform.assessment import ScoredRound
from peaceops.reports.svgmap import MapView

if TYPE_CHECKING:
    from peaceops.analytics.complaints import Accountability


def rounded(value: float | None, digits: int = 4) -> float | None:
    """Rounded, so that a snapshot does not depend on the last bits of a float."""
    return None if value is None else round(float(value), digits)


def iso_day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def month_of(day: date) -> Month:
    return Month(day.year, day.month)


def map_dict(view: MapView) -> dict[str, Any]:
    """A projected map as plain data for the renderer."""
    return {
        "width": round(view.width, 1),
        "height": round(view.height, 1),
        "areas": [
            {
                "pcode": a.pcode,
                "name": a.name,
                "path": a.path,
                "label_x": a.label_x,
                "label_y": a.label_y,
                "class": a.css_class,
            }
            for a in view.areas
        ],
        "points": [{"x": p.x, "y": p.y, "label": p.label, "kind": p.kind} for p in view.points],
    }


# Records -------------------------------------------------------------------------------


def known_activities(activities: Sequence[Activity], end: date) -> builtins.list[Activity]:
    """The activities started by ``end`` (or with money moving by then), with only the
    transactions dated by then: what a report of a period ending then could have known."""
    out = []
    for a in activities:
        moves = [t for t in a.transactions if t.date <= end]
        started = a.start is not None and a.start <= end
        if not started and (a.start is not None or not moves):
            continue
        out.append(replace(a, transactions=moves))
    return out


def bounds_of(areas: Sequence[AdminArea]) -> tuple[float, float, float, float]:
    from shapely.geometry import shape

    boxes = [shape(a.geometry).bounds for a in areas]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def interval(r: Rollup | None) -> list[float | None] | None:
    return None if r is None else [rounded(r.value), rounded(r.low), rounded(r.high)]


def rollup_record(r: Rollup | None, change: Change | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "score": rounded(r.value),
        "low": rounded(r.low),
        "high": rounded(r.high),
        "change": None
        if change is None
        else {
            "difference": rounded(change.difference),
            "p_value": rounded(change.p_value),
            "direction": change.direction,
        },
    }


def round_record(item: ScoredRound) -> dict[str, Any]:
    r = item.round
    return {
        "id": r.id,
        "name": r.name,
        "start": r.period_start.isoformat(),
        "end": r.period_end.isoformat(),
    }


def estimate_record(e: Any) -> dict[str, Any]:
    return {
        "value": rounded(e.value),
        "low": rounded(e.low),
        "high": rounded(e.high),
        "n": e.n,
        "suppressed": bool(e.suppressed or e.value is None),
    }


def accountability_record(a: Accountability) -> dict[str, Any]:
    def rows(found: Sequence[Any]) -> builtins.list[dict[str, Any]]:
        return [
            {
                "key": r.key,
                "label": r.label,
                "received": r.received,
                "referred_share": rounded(r.referred_share),
                "resolved_in_time_share": rounded(r.resolved_in_time_share),
                "open": r.open,
                "overdue": r.overdue,
                "suppressed": r.suppressed,
            }
            for r in found
        ]

    return {
        "start": iso_day(a.period_start),
        "end": iso_day(a.period_end),
        "total": a.total,
        "by_institution": rows(a.by_institution),
        "by_category": rows(a.by_category),
        "by_area": rows(a.by_area),
        "by_month": [{"month": m, "received": n} for m, n in a.by_month],
    }


def institution_name(key: str, frameworks: Sequence[Framework], language: str) -> str | None:
    if not key:
        return None
    for fw in frameworks:
        for inst in fw.institutions:
            if inst.code == key:
                return text_in(inst.name, language)
    for fw in frameworks:
        found = fw.institution_for_type(key)
        if found is not None:
            return text_in(found.name, language)
    return None


def judgement_record(c: Any, language: str, *, hidden: bool) -> dict[str, Any]:
    condition = c.condition

    def observation(o: Any) -> dict[str, Any]:
        return {"on": o.on.isoformat(), "value": rounded(o.value), "se": rounded(o.se)}

    return {
        "key": condition.key,
        "kind": condition.kind.value,
        "label": text_in(condition.label, language) if condition.label else "",
        "target": condition.target or None,
        "threshold": condition.threshold,
        "direction": condition.direction.value,
        "months": condition.months,
        "status": c.status.value,
        "hidden": hidden,
        "latest": observation(c.latest) if c.latest else None,
        "trend_per_year": rounded(c.trend_per_year),
        "trend_se": rounded(c.trend_se),
        "fitted": rounded(c.fitted),
        "projected": iso_day(c.projected),
        "projected_low": iso_day(c.projected_low),
        "projected_high": iso_day(c.projected_high),
        "confidence": rounded(c.confidence),
        "observations": [observation(o) for o in c.observations],
    }


# The executive summary -----------------------------------------------------------------------


def summary(context: dict[str, Any]) -> builtins.list[dict[str, Any]]:
    """The findings the summary states, each a sentence key and its values (the renderer
    words them in the reader's language). Computed from the sections, never written by hand."""
    out: builtins.list[dict[str, Any]] = []
    transition = context["transition"]
    if transition is not None:
        counts = transition["counts"]
        out.append({"key": "readiness", "values": {**counts, "total": sum(counts.values())}})
        behind = [b for b in transition["by_institution"] if b["status"] == "off_track"]
        if behind:
            out.append(
                {
                    "key": "institutions_off_track",
                    "values": {"names": [b["name"] or b["institution"] for b in behind]},
                }
            )
    cells = [
        (fw["round"]["name"], inst["name"], dim, cell["score"])
        for fw in context["institutions"]["frameworks"]
        for inst in fw["institutions"]
        for dim, cell in inst["dimensions"].items()
        if cell is not None
    ]
    if len(cells) >= 2:
        weakest = sorted(cells, key=lambda c: (c[3], c[1], c[2]))[:2]
        out.append(
            {
                "key": "weakest",
                "values": {
                    "institution1": weakest[0][1],
                    "dimension1": weakest[0][2],
                    "score1": weakest[0][3],
                    "institution2": weakest[1][1],
                    "dimension2": weakest[1][2],
                    "score2": weakest[1][3],
                },
            }
        )
    moves = [
        cell["change"]["direction"]
        for fw in context["institutions"]["frameworks"]
        if fw["previous"]
        for inst in fw["institutions"]
        for cell in inst["dimensions"].values()
        if cell is not None and cell["change"] is not None
    ]
    if moves:
        out.append(
            {
                "key": "changes",
                "values": {
                    "better": moves.count("better"),
                    "worse": moves.count("worse"),
                    "total": len(moves),
                },
            }
        )
    security = context["security"]
    out.append(
        {
            "key": "violence",
            "values": {
                "deaths": security["deaths"],
                "events": security["events"],
                "before": security["deaths_before"],
            },
        }
    )
    forecast = security.get("forecast")
    if forecast and forecast["areas"]:
        top = forecast["areas"][0]
        out.append(
            {
                "key": "riskiest",
                "values": {
                    "area": top["name"],
                    "risk": top["risk"],
                    "cutoff": forecast["cutoff"],
                    "months": len(forecast["window"]),
                },
            }
        )
    money = context["coordination"]
    if money["activities"]:
        out.append(
            {
                "key": "money",
                "values": {
                    "committed": money["committed"],
                    "currency": money["currency"],
                    "activities": money["activities"],
                    "disbursed_share": money["disbursed_share"],
                },
            }
        )
    if money["gaps"]:
        out.append(
            {
                "key": "gaps",
                "values": {
                    "unfunded": money["unfunded"],
                    "gaps": len(money["gaps"]),
                    "duplicates": money["duplicates_total"],
                },
            }
        )
    for survey in context["community"]["surveys"]:
        # Only favourable shares have a direction everyone agrees on: more is better.
        changes = [
            q["change"] for q in survey["questions"] if q["change"] and q["outcome"] == "favourable"
        ]
        out.append(
            {
                "key": "survey",
                "values": {
                    "wave": survey["wave"]["name"],
                    "respondents": survey["wave"]["respondents"],
                    "measures": len(survey["questions"]),
                    "better": sum(1 for c in changes if c["significant"] and c["value"] > 0),
                    "worse": sum(1 for c in changes if c["significant"] and c["value"] < 0),
                    "compared": len(changes),
                },
            }
        )
    complaints = context["community"]["complaints"]["period"]
    out.append({"key": "complaints", "values": {"received": complaints["total"]}})
    return out
