"""The rules of alerts, evaluated on plain inputs: no database, no clock.

Each function takes what a rule reads (area risks, the places to protect, verified incidents,
area-month fatalities) and returns candidate alerts, each with a ``key`` naming the situation
so that the same situation raises one alert however often the rules run, a title, an
explanation in plain words with its figures (in English, for e-mail, webhooks and the command
line), and its evidence, whose ``facts`` hold the names the explanation uses, so that the web
app can tell the same in the reader's language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

EARTH_RADIUS_KM = 6371.0088
AT_KM = 0.1
"""An incident closer than this to a place happened at it."""


@dataclass(frozen=True, slots=True)
class Place:
    """Something to protect: an institution's site or a programme's location."""

    kind: str
    """``site`` or ``activity``."""
    id: int
    name: str
    lon: float | None = None
    lat: float | None = None
    area_id: int | None = None
    """The admin area the forecast covers (admin 1) holding the place, if known."""
    link: str = ""


@dataclass(frozen=True, slots=True)
class IncidentPoint:
    id: int
    lon: float
    lat: float
    date: date
    type: str
    fatalities: int = 0
    place_name: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    key: str
    title: str
    explanation: str
    evidence: dict[str, Any] = field(default_factory=dict)
    admin_area_id: int | None = None
    lon: float | None = None
    lat: float | None = None


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in kilometres.

    >>> round(haversine_km(0.0, 0.0, 0.0, 1.0), 1)
    111.2
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _listed(names: Sequence[str], *, limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def forecast_risk(
    risk: Mapping[int, float],
    places: Sequence[Place],
    *,
    area_names: Mapping[int, str],
    threshold: float,
    months: int,
    run_id: int,
    month: str,
    centroids: Mapping[int, tuple[float, float]] | None = None,
) -> list[Candidate]:
    """Areas whose forecast risk is above ``threshold`` and that hold places to protect.

    ``risk`` is each area's highest monthly probability of 25 or more deaths over the next
    ``months`` months of forecast run ``run_id`` (first forecast ``month``, ``YYYY-MM``).
    The key names the area and the run's month, so a new forecast that still crosses the
    threshold raises a new alert.

    >>> p = [Place("activity", 7, "Police training", area_id=1)]
    >>> [c.key for c in forecast_risk({1: 0.41, 2: 0.9}, p, area_names={1: "Nkoro"},
    ...     threshold=0.3, months=3, run_id=5, month="2026-10")]
    ['area:1:2026-10']
    """
    by_area: dict[int, list[Place]] = {}
    for p in places:
        if p.area_id is not None:
            by_area.setdefault(p.area_id, []).append(p)
    out = []
    for area_id, p_risk in sorted(risk.items(), key=lambda kv: (-kv[1], kv[0])):
        found = by_area.get(area_id)
        if p_risk <= threshold or not found:
            continue
        name = area_names.get(area_id, f"area {area_id}")
        activities = sorted({(p.id, p.name) for p in found if p.kind == "activity"})
        sites = sorted({(p.id, p.name) for p in found if p.kind == "site"})
        parts = []
        if activities:
            n = len(activities)
            verb = "runs" if n == 1 else "run"
            names = _listed([a[1] for a in activities])
            parts.append(f"{_plural(n, 'programme', 'programmes')} {verb} there: {names}")
        if sites:
            n = len(sites)
            names = _listed([s[1] for s in sites])
            parts.append(f"{_plural(n, 'institution site', 'institution sites')}: {names}")
        explanation = (
            f"Forecast: {p_risk:.0%} chance of 25 or more deaths in {name} in the next "
            f"{months} months (threshold {threshold:.0%}); " + "; ".join(parts) + "."
        )
        point = (centroids or {}).get(area_id)
        out.append(
            Candidate(
                key=f"area:{area_id}:{month}",
                title=f"Forecast risk {p_risk:.0%} in {name}",
                explanation=explanation,
                evidence={
                    "forecast_run_id": run_id,
                    "month": month,
                    "risk": round(p_risk, 4),
                    "threshold": threshold,
                    "activity_ids": [a[0] for a in activities],
                    "site_ids": [s[0] for s in sites],
                    "links": [f"/activities/{a[0]}" for a in activities],
                    "facts": {
                        "kind": "forecast_risk",
                        "area": name,
                        "months": months,
                        "programmes": [a[1] for a in activities],
                        "sites": [s[1] for s in sites],
                    },
                },
                admin_area_id=area_id,
                lon=point[0] if point else None,
                lat=point[1] if point else None,
            )
        )
    return out


def incidents_near(
    places: Sequence[Place], incidents: Sequence[IncidentPoint], *, km: float, days: int
) -> list[Candidate]:
    """One alert per verified incident within ``km`` of a place (its places listed nearest
    first); the key names the incident, so a place added later does not repeat the alert.

    >>> p = [Place("site", 3, "Nkoro police station", lon=30.0, lat=1.0)]
    >>> i = [IncidentPoint(42, 30.05, 1.0, date(2026, 10, 1), "armed_clash")]
    >>> [c.key for c in incidents_near(p, i, km=10, days=14)]
    ['incident:42']
    """
    located = [p for p in places if p.lon is not None and p.lat is not None]
    out = []
    for inc in sorted(incidents, key=lambda i: i.id):
        hits = sorted(
            ((haversine_km(inc.lon, inc.lat, p.lon or 0.0, p.lat or 0.0), p) for p in located),
            key=lambda dp: (dp[0], dp[1].kind, dp[1].id),
        )
        hits = [(d, p) for d, p in hits if d <= km]
        if not hits:
            continue
        seen: set[tuple[str, int]] = set()
        unique = []
        for d, p in hits:
            if (p.kind, p.id) not in seen:
                seen.add((p.kind, p.id))
                unique.append((d, p))
        nearest_d, nearest = unique[0]
        where = f" at {inc.place_name}" if inc.place_name else ""
        kind = inc.type.replace("_", " ")
        deaths = f", {_plural(inc.fatalities, 'death', 'deaths')}" if inc.fatalities else ""
        described = _listed([f"{p.name} ({d:.1f} km)" for d, p in unique])
        explanation = (
            f"Verified incident #{inc.id} ({kind}{deaths}){where} on {inc.date.isoformat()}, "
            f"within {km:g} km of {_plural(len(unique), 'place', 'places')} to protect "
            f"in the last {days} days: {described}."
        )
        out.append(
            Candidate(
                key=f"incident:{inc.id}",
                title=(
                    f"Incident at {nearest.name}"
                    if nearest_d < AT_KM
                    else f"Incident {nearest_d:.1f} km from {nearest.name}"
                ),
                explanation=explanation,
                evidence={
                    "incident_ids": [inc.id],
                    "site_ids": [p.id for _, p in unique if p.kind == "site"],
                    "activity_ids": [p.id for _, p in unique if p.kind == "activity"],
                    "distances_km": [round(d, 2) for d, _ in unique],
                    "links": [f"/incidents/{inc.id}"] + [p.link for _, p in unique if p.link],
                    "facts": {
                        "kind": "incident_near",
                        "incident": inc.id,
                        "type": inc.type,
                        "deaths": inc.fatalities,
                        "place": inc.place_name,
                        "date": inc.date.isoformat(),
                        "km": km,
                        "days": days,
                        "places": [p.name for _, p in unique],
                    },
                },
                lon=inc.lon,
                lat=inc.lat,
            )
        )
    return out


def sudden_rise(
    series: pl.DataFrame,
    *,
    last_month: int,
    recent_months: int,
    history_months: int,
    factor: float,
    minimum: int,
    area_names: Mapping[int, str],
    month_label: Mapping[int, str] | None = None,
) -> list[Candidate]:
    """Areas whose fatalities in the ``recent_months`` up to ``last_month`` are above
    ``factor`` times their expected count from the mean of the ``history_months`` before,
    and at least ``minimum``.

    ``series`` has columns ``area_id``, ``month_id``, ``fatalities``; months without a row
    count as zero. The key names the area and the last month.

    >>> s = pl.DataFrame({"area_id": [1, 1, 1], "month_id": [10, 11, 12],
    ...                   "fatalities": [1, 0, 30]})
    >>> [c.key for c in sudden_rise(s, last_month=12, recent_months=1, history_months=2,
    ...     factor=3, minimum=5, area_names={1: "Nkoro"})]
    ['area:1:12']
    """
    recent_start = last_month - recent_months + 1
    history_start = recent_start - history_months
    frame = series.filter(pl.col("month_id").is_between(history_start, last_month))
    totals = frame.group_by("area_id").agg(
        pl.col("fatalities").filter(pl.col("month_id") >= recent_start).sum().alias("recent"),
        pl.col("fatalities").filter(pl.col("month_id") < recent_start).sum().alias("history"),
    )
    totals = totals.with_columns(
        (pl.col("history") / history_months).alias("history_mean"),
    ).with_columns((pl.col("history_mean") * recent_months).alias("expected"))
    raised = totals.filter(
        (pl.col("recent") >= minimum) & (pl.col("recent") > factor * pl.col("expected"))
    ).sort(["area_id"])
    label = (month_label or {}).get(last_month, str(last_month))
    out = []
    for row in raised.iter_rows(named=True):
        area_id = int(row["area_id"])
        name = area_names.get(area_id, f"area {area_id}")
        recent = int(row["recent"])
        mean = float(row["history_mean"])
        expected = float(row["expected"])
        ratio = f"{recent / expected:.1f} times" if expected > 0 else "far above"
        explanation = (
            f"Sudden rise: {recent} deaths in {name} in the "
            f"{_plural(recent_months, 'month', 'months')} to {label}, "
            f"{ratio} what its previous {history_months} months would lead to expect "
            f"({mean:.1f} a month, {expected:.1f} over "
            f"{_plural(recent_months, 'month', 'months')}; "
            f"alert above {factor:g} times and at least {minimum})."
        )
        out.append(
            Candidate(
                key=f"area:{area_id}:{last_month}",
                title=f"Sudden rise of deaths in {name}",
                explanation=explanation,
                evidence={
                    "recent": recent,
                    "history_mean": round(mean, 3),
                    "expected": round(expected, 3),
                    "factor": factor,
                    "minimum": minimum,
                    "last_month_id": last_month,
                    "month": label,
                    "facts": {
                        "kind": "sudden_rise",
                        "area": name,
                        "recent_months": recent_months,
                        "history_months": history_months,
                    },
                },
                admin_area_id=area_id,
            )
        )
    return out
