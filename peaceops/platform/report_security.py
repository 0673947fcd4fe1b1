"""The security section of the mission report: violence recorded in the period by region,
the mission's bases, and (for roles that may read forecasts) the latest forecast made with data
up to the period's end, as a risk map and fan charts of the riskiest regions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from peaceops.domain.access import Permission, Principal
from peaceops.domain.events import TARGETS
from peaceops.domain.periods import ReportingPeriod
from peaceops.domain.places import AdminArea, Month
from peaceops.platform.places import AreaLocator
from peaceops.platform.report_records import bounds_of, map_dict, month_of, rounded
from peaceops.reports.svgmap import MapPoint, build_map
from peaceops.storage import transaction
from peaceops.storage.repositories import events as events_repo

if TYPE_CHECKING:
    from peaceops.platform import Platform

RISK_MONTHS = 3
"""The outlook: each area's highest monthly P(25+ deaths) over the first months forecast."""
FAN_AREAS = 3
HISTORY_MONTHS = 24
MAP_WIDTH = 640.0
DEATH_CLASSES = ((100, "deaths4"), (50, "deaths3"), (10, "deaths2"), (1, "deaths1"), (0, "deaths0"))
RISK_CLASSES = ((0.5, "risk4"), (0.3, "risk3"), (0.15, "risk2"), (0.05, "risk1"), (0.0, "risk0"))


class SecuritySection:
    """Reads events, deployments and forecasts through the platform."""

    def __init__(self, engine: Engine, platform: Platform) -> None:
        self._engine = engine
        self._platform = platform

    # Security --------------------------------------------------------------------------------

    def build(
        self,
        iso3: str,
        span: ReportingPeriod,
        by: Principal,
        regions: Sequence[AdminArea],
        mission: str | None,
    ) -> dict[str, Any]:
        end_month = month_of(span.end).month_id
        first_month = end_month - HISTORY_MONTHS + 1
        period_months = range(month_of(span.start).month_id, end_month + 1)
        before_months = range(period_months.start - len(period_months), period_months.start)
        deaths_by_month: dict[int, int] = dict.fromkeys(range(first_month, end_month + 1), 0)
        events_by_area: dict[str, list[int]] = {a.pcode: [0, 0] for a in regions}
        events = deaths = before = 0
        if regions:
            locator = AreaLocator(list(regions))
            bounds = bounds_of(regions)
            with transaction(self._engine, write=False) as conn:
                rows = events_repo.event_rows(
                    conn, types=TARGETS["total"], until_month=end_month, bbox=bounds
                )
            for month_id, best, lon, lat, *_rest in rows:
                if month_id < first_month or lon is None or lat is None:
                    continue
                area = locator.locate(float(lon), float(lat))
                if area is None:
                    continue
                deaths_by_month[month_id] += int(best or 0)
                if month_id in period_months:
                    events += 1
                    deaths += int(best or 0)
                    events_by_area[area.pcode][0] += 1
                    events_by_area[area.pcode][1] += int(best or 0)
                elif month_id in before_months:
                    before += int(best or 0)
        bases = self._bases(iso3, mission, span.end)
        points = [
            MapPoint(b["lon"], b["lat"], b["location"], "bases", "base") for b in bases["bases"]
        ]
        names = {a.pcode: a.name for a in regions}
        violence_map = build_map(
            list(regions),
            points=points,
            width=MAP_WIDTH,
            area_classes={
                k: next(c for floor, c in DEATH_CLASSES if v[1] >= floor)
                for k, v in events_by_area.items()
            },
        )
        out: dict[str, Any] = {
            "events": events,
            "deaths": deaths,
            "deaths_before": before,
            "months": [
                {"month": str(Month.from_month_id(m)), "deaths": n, "in_period": m in period_months}
                for m, n in sorted(deaths_by_month.items())
            ],
            "by_area": [
                {"pcode": k, "name": names[k], "events": v[0], "deaths": v[1]}
                for k, v in sorted(events_by_area.items(), key=lambda kv: (-kv[1][1], kv[0]))
            ],
            "map": map_dict(violence_map),
            "deployments": {k: v for k, v in bases.items() if k != "bases"},
            "forecast": None,
            "omitted": None,
        }
        if not by.can(Permission.READ_FORECASTS):
            out["omitted"] = "forecasts_role"
            return out
        out["forecast"] = self._forecast(iso3, end_month, regions)
        return out

    def _bases(self, iso3: str, mission: str | None, end: date) -> dict[str, Any]:
        """The mission's bases in the last month recorded by ``end``, and its peak."""
        records = [
            d
            for d in self._platform.deployments.deployments(mission=mission, country=iso3)
            if d.month and (d.year, d.month) <= (end.year, end.month)
        ]
        if not mission or not records:
            return {"mission": mission, "month": None, "bases": [], "troops": None, "peak": None}
        months: dict[tuple[int, int], list[Any]] = defaultdict(list)
        for d in records:
            months[(d.year, d.month or 0)].append(d)
        last = max(months)
        peak_month = max(months, key=lambda m: (len(months[m]), m))
        held = sorted(months[last], key=lambda d: d.location)
        return {
            "mission": mission,
            "month": f"{last[0]}-{last[1]:02d}",
            "bases": [{"location": d.location, "lon": d.lon, "lat": d.lat} for d in held],
            "count": len(held),
            "troops": sum(d.troops or 0 for d in held) or None,
            "peak": {
                "month": f"{peak_month[0]}-{peak_month[1]:02d}",
                "count": len(months[peak_month]),
                "troops": sum(d.troops or 0 for d in months[peak_month]) or None,
            },
        }

    def _forecast(
        self, iso3: str, end_month: int, regions: Sequence[AdminArea]
    ) -> dict[str, Any] | None:
        service = self._platform.forecasting
        runs = [
            r
            for r in service.runs(country=iso3)
            if r["level"] == "admin1" and r["cutoff_month_id"] <= end_month
        ]
        if not runs:
            return None
        run = max(runs, key=lambda r: (r["cutoff_month_id"], r["id"]))
        cutoff = run["cutoff_month_id"]
        window = range(cutoff + 1, cutoff + 1 + RISK_MONTHS)
        values = service.run_values(run["id"])
        names = {a.pcode: a.name for a in regions}
        rows: dict[str, dict[str, Any]] = {}
        for v in values:
            if v["unit"] not in names or v["month_id"] not in window:
                continue
            row = rows.setdefault(
                v["unit"],
                {"pcode": v["unit"], "name": names[v["unit"]], "risk": 0.0, "p_gt0": 0.0},
            )
            row["risk"] = max(row["risk"], float(v["p_ge25"]))
            row["p_gt0"] = max(row["p_gt0"], float(v["p_gt0"]))
        areas = sorted(rows.values(), key=lambda r: (-r["risk"], -r["p_gt0"], r["pcode"]))
        for row in areas:
            row["risk"], row["p_gt0"] = rounded(row["risk"]), rounded(row["p_gt0"])
        risk_map = build_map(
            list(regions),
            width=MAP_WIDTH,
            area_classes={
                r["pcode"]: next(c for floor, c in RISK_CLASSES if r["risk"] >= floor)
                for r in areas
            },
        )
        history = service.run_history(run["id"], months=HISTORY_MONTHS)
        fans = []
        for row in areas[:FAN_AREAS]:
            series = sorted(
                (v for v in values if v["unit"] == row["pcode"]), key=lambda v: v["month_id"]
            )
            past = history.get(row["pcode"], [])
            fans.append(
                {
                    "pcode": row["pcode"],
                    "name": row["name"],
                    "history_start": cutoff - len(past) + 1,
                    "history": [rounded(x, 2) for x in past],
                    "months": [v["month_id"] for v in series],
                    "low": [rounded(v["q05"], 2) for v in series],
                    "median": [rounded(v["q50"], 2) for v in series],
                    "high": [rounded(v["q95"], 2) for v in series],
                }
            )
        return {
            "run": run["id"],
            "model": run["model"],
            "cutoff": str(Month.from_month_id(cutoff)),
            "made": run["created_at"].date().isoformat(),
            "draws": run["n_draws"],
            "window": [str(Month.from_month_id(m)) for m in window],
            "areas": areas,
            "map": map_dict(risk_map),
            "fans": fans,
        }
