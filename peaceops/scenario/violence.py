"""Fictional conflict events for Carana: a civil war, a peace agreement, and uneven calm.

The story the numbers tell (seeded, so always the same): fighting between the government and
two armed groups peaks in 2017-2018 in the north-east (Mbeshe, Lesedi) and the south (Nkoro);
the 2019 peace agreement brings a sharp fall; clashes flare again in 2024-2025 in Lesedi and,
from spring 2026, in Lesedi and Nkoro; one-sided violence against civilians lingers. Events
carry coordinates inside their district, so every panel built from them agrees with the map.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from shapely.geometry import Point, Polygon

from peaceops.domain.events import Event, EventSource, ViolenceType
from peaceops.domain.places import AdminArea, Month

FIRST = Month(2014, 1)
LAST = Month(2026, 9)
# Relative intensity of state-based violence per region (by P-code) before the agreement.
HOTSPOTS = {"XCA02": 1.0, "XCA07": 0.9, "XCA06": 0.7, "XCA03": 0.3, "XCA05": 0.2}


def _war_level(month: Month) -> tuple[float, float]:
    """Nationwide intensity: escalation to 2018, the 2019 agreement, a 2024-25 flare-up."""
    t = month.month_id - FIRST.month_id
    escalation = 1 / (1 + math.exp(-(t - 30) / 6))
    agreement = 1 / (1 + math.exp((month.month_id - Month(2019, 6).month_id) / 3))
    level = escalation * (0.12 + 0.88 * agreement)
    flare = math.exp(-(((month.month_id - Month(2024, 11).month_id) / 5) ** 2))
    renewed = 1 / (1 + math.exp(-(month.month_id - Month(2026, 4).month_id) / 1.5))
    return level, flare + 1.6 * renewed


def carana_events(districts: list[AdminArea], *, seed: int) -> list[Event]:
    rng = random.Random(seed * 7919 + 17)
    shapes = {d.pcode: Polygon(d.geometry["coordinates"][0]) for d in districts}
    by_region: dict[str, list[str]] = {}
    for d in districts:
        by_region.setdefault(d.parent_pcode or "", []).append(d.pcode)
    events: list[Event] = []
    month = FIRST
    while month <= LAST:
        level, flare = _war_level(month)
        for region, districts_here in sorted(by_region.items()):
            weight = HOTSPOTS.get(region, 0.05)
            rate = 5.0 * weight * level + (
                4.0 * flare if region == "XCA07" else 2.0 * flare if region == "XCA06" else 0.0
            )
            for _ in range(_poisson(rng, rate)):
                _add(events, rng, month, districts_here, shapes, ViolenceType.STATE_BASED)
            if rng.random() < 0.15 * weight + 0.02:  # lingering one-sided violence
                _add(events, rng, month, districts_here, shapes, ViolenceType.ONE_SIDED)
        month = month + 1
    return events


def _add(
    events: list[Event],
    rng: random.Random,
    month: Month,
    districts: list[str],
    shapes: dict[str, Polygon],
    kind: ViolenceType,
) -> None:
    district = rng.choice(districts)
    events.append(_event(rng, month, district, shapes, kind, len(events)))


def _poisson(rng: random.Random, rate: float) -> int:
    threshold, k, p = math.exp(-rate), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def _event(
    rng: random.Random,
    month: Month,
    district: str,
    shapes: dict[str, Polygon],
    kind: ViolenceType,
    number: int,
) -> Event:
    area = shapes[district]
    x0, y0, x1, y1 = area.bounds
    while True:
        point = Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        if area.contains(point):
            break
    day = date(month.year, month.month, 1) + timedelta(days=rng.randrange(28))
    best = max(1, int(rng.lognormvariate(1.6 if kind == ViolenceType.STATE_BASED else 0.8, 0.9)))
    low = max(0, best - rng.randrange(0, max(1, best // 3) + 1))
    high = best + rng.randrange(0, max(1, best // 2) + 1)
    return Event(
        source=EventSource.INCIDENT,
        source_id=f"XCA-{number:05d}",
        version="scenario",
        type_of_violence=kind,
        date_start=day,
        date_end=day,
        best=best,
        low=low,
        high=high,
        lon=round(point.x, 5),
        lat=round(point.y, 5),
        country="Carana",
        side_a="Carana Defence Forces"
        if kind == ViolenceType.STATE_BASED
        else "Movement for the Liberation of Carana",
        side_b="Movement for the Liberation of Carana"
        if kind == ViolenceType.STATE_BASED
        else "civilians",
        conflict_name="Carana: Government",
    )
