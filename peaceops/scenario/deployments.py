"""UNMICA's deployments in Carana, April 2021 to October 2026 (fictional).

``build_deployments(scenario, seed=...)`` gives monthly records for every base the mission
held and one yearly record per base and year (the year's average troops, as Geo-PKO's map
files give it). The structure is written down here; the seed only adds the month-to-month
swing of rotations:

- The mission headquarters sits in the capital from April 2021 (a guard battalion, a formed
  police unit, the level II hospital, engineers, the helicopter unit and signals).
- Three sector headquarters open in June 2021, in Soloba (west), Wanjeri (centre) and Nkoro
  (east), each with an infantry battalion, a medical unit and engineers; two hold a formed
  police unit, one helicopters.
- Company operating bases open from August 2021 to March 2022 in Ambara, Mbeshe, Tarunga,
  Lesedi, Wanjeri and Nkoro, each with an infantry company and UN police officers; some with
  military observers.
- New bases reach full strength over three months. The 2025-2026 transition mandate hands
  security over region by region: the bases in the calm north and south close in 2025 and
  early 2026, Sector West hands over to the national army in June 2026, and the units that
  stay thin out (85% of strength in 2025, 65% in 2026). Lesedi and Nkoro, where fighting
  flares (``violence.py``), keep their bases to the end.

The contributing countries (Northland, Westmark, Eastvale, Southmere, Highmoor, Riverland)
are as fictional as Carana.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from peaceops.domain.incidents import Deployment
from peaceops.domain.places import Settlement
from peaceops.scenario.carana import Scenario

MISSION = "UNMICA"
SOURCE = "carana-scenario"
FIRST = (2021, 4)
LAST = (2026, 10)
DRAWDOWN = {2025: 0.85, 2026: 0.65}
"""Strength of the units that stay, by year of the transition."""
CONTRIBUTORS = ("Northland", "Westmark", "Eastvale", "Southmere", "Highmoor", "Riverland")


@dataclass(frozen=True, slots=True)
class Base:
    """One base of the plan: where, what, from when to when."""

    region: str
    """Region P-code suffix (01 is the capital's region)."""
    rank: int
    """0: the region's largest town (the capital in region 01); 1: the next."""
    headquarters: int
    """Geo-PKO level: 3 mission, 2 sector, 0 a company operating base."""
    opened: tuple[int, int]
    closed: tuple[int, int] | None
    """First month no longer held."""
    infantry: int
    formed_police: int = 0
    support: dict[str, int] | None = None
    """Other units present (count) with the troops they bring."""
    police: bool = False
    observers: bool = False
    contributors: tuple[int, ...] = (0,)


SUPPORT_TROOPS = {
    "medical": 60,
    "engineering": 180,
    "aviation": 120,
    "signals": 80,
    "transport": 90,
}
"""Troops a unit of each supporting type brings (level II hospital, engineer company ...)."""

PLAN = (
    Base(
        "01",
        0,
        3,
        (2021, 4),
        None,
        650,
        140,
        {"medical": 1, "engineering": 1, "aviation": 1, "signals": 1, "transport": 1},
        police=True,
        observers=True,
        contributors=(0, 1, 2),
    ),
    Base(
        "04",
        0,
        2,
        (2021, 6),
        (2026, 6),
        650,
        140,
        {"medical": 1, "engineering": 1},
        police=True,
        contributors=(1, 3),
    ),
    Base(
        "05",
        0,
        2,
        (2021, 6),
        None,
        650,
        0,
        {"medical": 1, "engineering": 1, "aviation": 1},
        police=True,
        observers=True,
        contributors=(0, 4),
    ),
    Base(
        "06",
        0,
        2,
        (2021, 6),
        None,
        650,
        140,
        {"medical": 1, "engineering": 1},
        police=True,
        observers=True,
        contributors=(2, 5),
    ),
    Base("08", 0, 0, (2021, 8), (2025, 3), 150, police=True, contributors=(3,)),
    Base("02", 0, 0, (2021, 9), (2025, 9), 300, police=True, observers=True, contributors=(1,)),
    Base("03", 0, 0, (2021, 10), (2026, 2), 150, police=True, contributors=(4,)),
    Base("07", 0, 0, (2021, 8), None, 300, police=True, observers=True, contributors=(5, 0)),
    Base("07", 1, 0, (2022, 1), None, 150, observers=True, contributors=(2,)),
    Base("06", 1, 0, (2022, 1), None, 150, police=True, contributors=(5,)),
    Base("05", 1, 0, (2021, 11), (2026, 7), 150, police=True, contributors=(0,)),
    Base("08", 1, 0, (2022, 3), (2025, 6), 150, contributors=(3,)),
)


def _months() -> list[tuple[int, int]]:
    out = []
    year, month = FIRST
    while (year, month) <= LAST:
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _town(scenario: Scenario, region: str, rank: int) -> Settlement | None:
    pcode = f"{scenario.country.iso3}{region}"
    towns = [s for s in scenario.settlements if (s.admin_pcode or "").startswith(pcode)]
    towns.sort(key=lambda s: (not s.is_capital, -(s.population or 0), s.name))
    return towns[rank] if rank < len(towns) else None


def _factor(base: Base, year: int, month: int) -> float:
    """Share of full strength: three months to build up, then the transition's cuts."""
    held = (year - base.opened[0]) * 12 + month - base.opened[1]
    ramp = min(1.0, (held + 1) / 3)
    return ramp * DRAWDOWN.get(year, 1.0)


def build_deployments(scenario: Scenario, *, seed: int) -> list[Deployment]:
    """Monthly and yearly records of UNMICA's bases (see the module's description)."""
    rng = random.Random(seed * 7 + 2021)
    monthly: list[Deployment] = []
    for base in PLAN:
        town = _town(scenario, base.region, base.rank)
        if town is None:
            continue
        label = town.name
        # Offices and camps sit at the edge of town, not on its centre point.
        lon = round(town.lon + 0.012, 4)
        lat = round(town.lat - 0.008, 4)
        support = base.support or {}
        for year, month in _months():
            if (year, month) < base.opened or (base.closed and (year, month) >= base.closed):
                continue
            factor = _factor(base, year, month) * rng.uniform(0.96, 1.04)
            units: dict[str, int] = {"infantry": round(base.infantry * factor)}
            if base.formed_police:
                units["formed_police"] = round(base.formed_police * factor)
            units.update(support)
            if base.police:
                units["police"] = 1
            if base.observers:
                units["observers"] = 1
            if base.headquarters:
                units["headquarters"] = base.headquarters
            enablers = sum(SUPPORT_TROOPS[k] * n for k, n in support.items())
            troops = units["infantry"] + units.get("formed_police", 0) + round(enablers * factor)
            monthly.append(
                Deployment(
                    mission=MISSION,
                    location=label,
                    year=year,
                    month=month,
                    lon=lon,
                    lat=lat,
                    country=scenario.country.iso3,
                    troops=troops,
                    units=dict(sorted(units.items())),
                    contributors=tuple(CONTRIBUTORS[i] for i in base.contributors),
                    is_hq=base.headquarters == 3,
                    source=SOURCE,
                )
            )
    return monthly + yearly(monthly)


def yearly(monthly: list[Deployment]) -> list[Deployment]:
    """One record per place and year: the average troops over the months held, every unit
    type seen (at its largest), every contributor."""
    groups: dict[tuple[str, str, int, float, float], list[Deployment]] = {}
    for d in monthly:
        groups.setdefault((d.mission, d.location, d.year, d.lon, d.lat), []).append(d)
    out = []
    for (mission, location, year, lon, lat), items in groups.items():
        units: dict[str, int] = {}
        for d in items:
            for unit, value in d.units.items():
                units[unit] = max(units.get(unit, 0), value)
        first = items[0]
        out.append(
            Deployment(
                mission=mission,
                location=location,
                year=year,
                month=None,
                lon=lon,
                lat=lat,
                country=first.country,
                troops=round(sum(d.troops or 0 for d in items) / len(items)),
                units=dict(sorted(units.items())),
                contributors=tuple(dict.fromkeys(c for d in items for c in d.contributors)),
                is_hq=first.is_hq,
                source=first.source,
            )
        )
    return out


__all__ = ["MISSION", "SOURCE", "build_deployments", "yearly"]
