"""The incident log of the mission in Carana, January 2025 to October 2026 (fictional).

``build_incidents(scenario, seed=...)`` draws about seventy reports and how each was verified,
as of ``AS_OF`` (15 November 2026). The structure is written down here; the seed draws the
rest:

- Clashes between the defence forces and the Movement for the Liberation of Carana, and
  between armed groups, gather where ``violence.py`` has the fighting flare: Lesedi (XCA07),
  Nkoro (XCA06) and Mbeshe (XCA02). Attacks on civilians, displacement and explosive hazards
  follow them; protests gather in the capital region, Kalari (XCA01), and the regional seats.
- Attacks on police stations, courts and a prison strike the scenario's own sites, at their
  coordinates, and name them; the map and the institution pages then agree.
- Six incidents are reported twice, by another source a day or two later with a nearby point
  and other figures: the duplicate is merged into the first report, once verified or while
  still under verification.
- Most reports are verified within days, with the sources that confirmed them; a few are
  discredited (rumours a patrol could not confirm); one is reopened on new information and
  verified again with higher figures; the latest are still under verification, or only
  reported, on ``AS_OF``.

Every report and step carries its own time; the platform loads them through the incident
service (report, move, merge), so the audit log and the events of verified incidents are as
if analysts had done it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from shapely.geometry import Point, Polygon

from peaceops.domain.incidents import (
    DatePrecision,
    Incident,
    IncidentType,
    PlacePrecision,
    Verification,
)
from peaceops.scenario.carana import Scenario, SiteSpec

FIRST_DAY = date(2025, 1, 1)
LAST_DAY = date(2026, 10, 31)
AS_OF = datetime(2026, 11, 15, tzinfo=UTC)
"""The day the demo's verification plan stops: later steps are left out."""
COUNT = 66
"""Incidents drawn, before the duplicates are added."""
DUPLICATES = 6

TYPE_WEIGHTS: dict[IncidentType, int] = {
    IncidentType.STATE_BASED: 16,
    IncidentType.NON_STATE: 6,
    IncidentType.ONE_SIDED: 8,
    IncidentType.ATTACK_ON_POLICE: 7,
    IncidentType.ATTACK_ON_COURT: 3,
    IncidentType.ATTACK_ON_PRISON: 1,
    IncidentType.ATTACK_ON_OFFICIAL: 2,
    IncidentType.PROTEST: 11,
    IncidentType.DISPLACEMENT: 6,
    IncidentType.EXPLOSIVE_HAZARD: 7,
    IncidentType.CRIME: 3,
}
# Where each type happens: region P-codes and their weights.
FIGHTING = {"XCA07": 5, "XCA06": 4, "XCA02": 3, "XCA03": 1, "XCA05": 1}
CITIES = {"XCA01": 6, "XCA05": 2, "XCA07": 2, "XCA06": 1, "XCA08": 1, "XCA03": 1}
ANYWHERE = {f"XCA0{n}": 1 for n in range(1, 9)}
WHERE: dict[IncidentType, dict[str, int]] = {
    IncidentType.PROTEST: CITIES,
    IncidentType.CRIME: ANYWHERE,
    IncidentType.ATTACK_ON_OFFICIAL: {**ANYWHERE, "XCA07": 3, "XCA06": 2},
}
SITE_KINDS = {
    IncidentType.ATTACK_ON_POLICE: "police_station",
    IncidentType.ATTACK_ON_COURT: "court",
    IncidentType.ATTACK_ON_PRISON: "prison",
}
ACTORS: dict[IncidentType, tuple[tuple[str, ...], ...]] = {
    IncidentType.STATE_BASED: (
        ("Carana Defence Forces", "Movement for the Liberation of Carana"),
        ("Carana Defence Forces", "Lesedi Self-Defence Militia"),
    ),
    IncidentType.NON_STATE: (
        ("Movement for the Liberation of Carana", "Lesedi Self-Defence Militia"),
        ("Nkoro Hunters' Brigade", "Movement for the Liberation of Carana"),
    ),
    IncidentType.ONE_SIDED: (
        ("Movement for the Liberation of Carana", "civilians"),
        ("unidentified armed men", "civilians"),
    ),
    IncidentType.ATTACK_ON_POLICE: (
        ("Movement for the Liberation of Carana", "Carana National Police"),
        ("unidentified armed men", "Carana National Police"),
    ),
    IncidentType.ATTACK_ON_COURT: (("unidentified armed men",), ("a crowd of relatives",)),
    IncidentType.ATTACK_ON_PRISON: (("Movement for the Liberation of Carana",),),
    IncidentType.ATTACK_ON_OFFICIAL: (("unidentified armed men",),),
    IncidentType.PROTEST: (("market traders",), ("students",), ("motorbike-taxi drivers",)),
    IncidentType.DISPLACEMENT: ((),),
    IncidentType.EXPLOSIVE_HAZARD: ((),),
    IncidentType.CRIME: (("armed robbers",), ("kidnappers",)),
}
NARRATIVES: dict[IncidentType, tuple[str, ...]] = {
    IncidentType.STATE_BASED: (
        "Exchange of fire between a defence forces patrol and armed group fighters on the "
        "road out of {town}, lasting about two hours.",
        "Armed group fighters attacked a defence forces position near {town} at dawn; the "
        "army counter-attacked in the afternoon.",
    ),
    IncidentType.NON_STATE: (
        "Fighting between two armed groups over the control of the {town} market road.",
        "Militia members and armed group fighters clashed at a checkpoint near {town}.",
    ),
    IncidentType.ONE_SIDED: (
        "Armed men entered a village near {town} at night, killed residents and burned huts.",
        "Passengers were taken off a minibus near {town} and shot.",
    ),
    IncidentType.ATTACK_ON_POLICE: (
        "Armed men fired on {site} at night, wounding officers on duty; weapons were taken.",
        "{site} was attacked and partly burned; officers withdrew to the district seat.",
    ),
    IncidentType.ATTACK_ON_COURT: (
        "{site} was set on fire after a verdict; case files were destroyed.",
        "Shots were fired at {site} during a hearing; the hearing was suspended.",
    ),
    IncidentType.ATTACK_ON_PRISON: (
        "Armed men attacked {site} and freed detainees; guards were overwhelmed.",
    ),
    IncidentType.ATTACK_ON_OFFICIAL: (
        "A magistrate was threatened at home in {town} by armed men who demanded a release.",
        "A prosecutor's car was shot at on the way to {town}.",
    ),
    IncidentType.PROTEST: (
        "Several hundred people marched in {town} against fuel prices; police dispersed them "
        "with tear gas.",
        "Demonstration in front of the prefecture in {town} after the arrest of a local "
        "leader; shops closed for the day.",
    ),
    IncidentType.DISPLACEMENT: (
        "About {n} households fled villages around {town} after fighting and reached the "
        "district seat.",
    ),
    IncidentType.EXPLOSIVE_HAZARD: (
        "An improvised explosive device was found on the road near {town} and destroyed by a "
        "mine action team.",
        "A vehicle struck an explosive device near {town}.",
    ),
    IncidentType.CRIME: (
        "Armed robbery of a trader convoy near {town}.",
        "A businessman was kidnapped in {town} and released after a ransom.",
    ),
}
SOURCES = (
    "UNPOL daily situation report",
    "JOC flash report",
    "Civil Affairs field office, {town}",
    "Radio {town} (community radio)",
    "Human rights officer, {town}",
    "CNP incident report",
    "Community alert network, {town}",
    "OCHA situation report",
)
DISCREDIT_REASONS = (
    "Not confirmed: a patrol found no trace at the place on the day after, and residents "
    "knew of no such incident. Likely a rumour.",
    "The only source withdrew the report; the photos shown date from 2019.",
)


@dataclass(frozen=True, slots=True)
class DemoStep:
    to: Verification
    at: datetime
    reason: str = ""
    merge_into: str | None = None
    """For a merge: the reference of the incident kept."""


@dataclass(frozen=True, slots=True)
class DemoIncident:
    incident: Incident
    """With its reference and point; the platform finds the admin area."""
    reported_at: datetime
    site: str = ""
    """The name of the scenario's site attacked, when one was."""
    steps: tuple[DemoStep, ...] = field(default_factory=tuple)

    @property
    def reference(self) -> str:
        return self.incident.reference or ""


def build_incidents(scenario: Scenario, *, seed: int) -> list[DemoIncident]:
    """The demo's incident reports, the same for the same seed."""
    rng = random.Random(seed * 31 + 7)
    shapes = {d.pcode: Polygon(d.geometry["coordinates"][0]) for d in scenario.districts}
    towns = {t.admin_pcode: t.name for t in scenario.settlements if t.admin_pcode}
    days = (LAST_DAY - FIRST_DAY).days
    types, weights = zip(*TYPE_WEIGHTS.items(), strict=True)
    drawn: list[tuple[date, IncidentType]] = sorted(
        (FIRST_DAY + timedelta(days=rng.randrange(days + 1)), rng.choices(types, weights)[0])
        for _ in range(COUNT)
    )
    items = []
    for n, (day, kind) in enumerate(drawn, start=1):
        items.append(_incident(rng, scenario, shapes, towns, n, day, kind))
    verified_first = [i for i in items if i.steps and i.steps[-1].to is Verification.VERIFIED]
    originals = sorted(rng.sample(verified_first, DUPLICATES), key=lambda i: i.reference)
    for number, original in enumerate(originals, start=1):
        items.append(_duplicate(rng, original, number, towns))
    reopened = next(
        i for i in verified_first if i.incident.type is IncidentType.STATE_BASED and i.steps
    )
    items[items.index(reopened)] = _reopen(reopened)
    items.append(_raid(scenario, len(drawn) + 1))
    return items


def _raid(scenario: Scenario, n: int) -> DemoIncident:
    """The story's latest verified incident: a raid on a police station in Lesedi, where the
    fighting is, ten days before the end of the log; the demo's rule for incidents near
    institutions' sites raises its alert on it."""
    station = next(
        s
        for s in scenario.sites
        if s.kind.value == "police_station" and s.district_pcode[:5] == "XCA07"
    )
    day = LAST_DAY - timedelta(days=10)
    incident = Incident(
        type=IncidentType.ATTACK_ON_POLICE,
        date=day,
        country_iso3=scenario.country.iso3,
        date_precision=DatePrecision.DAY,
        lon=station.lon,
        lat=station.lat,
        place_precision=PlacePrecision.EXACT,
        place_name=station.name,
        actors=("Movement for the Liberation of Carana", "Carana National Police"),
        fatalities_best=4,
        fatalities_low=3,
        fatalities_high=6,
        injured=7,
        sources=("Carana National Police incident report", "UNMICA UNPOL team site"),
        narrative=(
            f"Armed men fired on {station.name} at night, wounding officers on duty; weapons"
            " were taken."
        ),
        reference=f"JOC-{day.year}-{n:03d}",
    )
    reported = _at(day, 3)
    steps = (
        DemoStep(Verification.UNDER_VERIFICATION, _at(day, 5)),
        DemoStep(
            Verification.VERIFIED,
            _at(day, 30),
            "Confirmed by independent sources: Carana National Police incident report and"
            " UNMICA UNPOL team site.",
        ),
    )
    return DemoIncident(incident, reported, station.name, steps)


def _point(rng: random.Random, area: Polygon) -> tuple[float, float]:
    x0, y0, x1, y1 = area.bounds
    inside = area.buffer(-0.01)
    while True:
        p = Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        if inside.contains(p):
            return round(p.x, 4), round(p.y, 4)


def _region(rng: random.Random, kind: IncidentType) -> str:
    weights = WHERE.get(kind, FIGHTING)
    regions, w = zip(*weights.items(), strict=True)
    return str(rng.choices(regions, w)[0])


def _at(day: date, hours: float) -> datetime:
    return _minute(datetime.combine(day, time(7), tzinfo=UTC) + timedelta(hours=hours))


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _incident(
    rng: random.Random,
    scenario: Scenario,
    shapes: dict[str, Polygon],
    towns: dict[str, str],
    n: int,
    day: date,
    kind: IncidentType,
) -> DemoIncident:
    site: SiteSpec | None = None
    if kind in SITE_KINDS:
        candidates = [s for s in scenario.sites if s.kind.value == SITE_KINDS[kind]]
        fighting = [s for s in candidates if s.district_pcode[:5] in FIGHTING]
        site = rng.choice(fighting or candidates)
        district = site.district_pcode
        lon, lat = site.lon, site.lat
        precision = PlacePrecision.EXACT
    else:
        region = _region(rng, kind)
        district = rng.choice(sorted(p for p in shapes if p.startswith(region)))
        lon, lat = _point(rng, shapes[district])
        precision = rng.choices(
            [PlacePrecision.EXACT, PlacePrecision.NEAR, PlacePrecision.DISTRICT], [6, 3, 1]
        )[0]
    town = towns.get(district) or towns.get(district[:5] + "01") or "the district seat"
    best, low, high, injured = _toll(rng, kind)
    sources = tuple(s.format(town=town) for s in rng.sample(SOURCES, rng.choice((1, 2, 2, 3))))
    narrative = rng.choice(NARRATIVES[kind]).format(
        town=town, site=site.name if site else "", n=rng.randrange(40, 400, 10)
    )
    incident = Incident(
        type=kind,
        date=day,
        country_iso3=scenario.country.iso3,
        date_precision=DatePrecision.DAY if rng.random() < 0.9 else DatePrecision.WEEK,
        lon=lon,
        lat=lat,
        place_precision=precision,
        place_name=site.name if site else f"near {town}",
        actors=rng.choice(ACTORS[kind]),
        fatalities_best=best,
        fatalities_low=low,
        fatalities_high=high,
        injured=injured,
        sources=sources,
        narrative=narrative,
        reference=f"JOC-{day.year}-{n:03d}",
    )
    reported = _at(day, rng.uniform(2, 40))
    return DemoIncident(
        incident, reported, site.name if site else "", _plan(rng, reported, sources)
    )


def _toll(rng: random.Random, kind: IncidentType) -> tuple[int, int, int, int]:
    """Fatalities (best, low, high) and injured for an incident of this type."""
    if kind in (IncidentType.PROTEST, IncidentType.DISPLACEMENT, IncidentType.CRIME):
        best = 1 if rng.random() < 0.15 else 0
    elif kind is IncidentType.EXPLOSIVE_HAZARD:
        best = rng.choice((0, 0, 0, 1, 2))
    elif kind is IncidentType.ATTACK_ON_OFFICIAL:
        best = rng.choice((0, 0, 1))
    else:
        best = max(0, int(rng.lognormvariate(1.3, 0.9)))
    low = max(0, best - rng.randrange(0, best // 3 + 2)) if best else 0
    high = best + rng.randrange(0, best // 2 + 2) if best else rng.choice((0, 0, 1))
    injured = rng.randrange(0, 3 * best + 4)
    return best, min(low, best), high, injured


def _plan(rng: random.Random, reported: datetime, sources: tuple[str, ...]) -> tuple[DemoStep, ...]:
    """How a report was verified, cut at ``AS_OF``."""
    if reported > AS_OF - timedelta(days=25) and rng.random() < 0.5:
        return ()  # the latest reports wait for an analyst
    start = _minute(reported + timedelta(hours=rng.uniform(1, 30)))
    decided = _minute(start + timedelta(days=rng.uniform(0.5, 12)))
    fate = rng.random()
    if fate < 0.06:
        final = DemoStep(Verification.DISCREDITED, decided, rng.choice(DISCREDIT_REASONS))
    elif fate < 0.13:
        final = None  # waiting for a second source
    else:
        if len(sources) > 1:
            why = f"Confirmed by independent sources: {sources[0]} and {sources[1]}."
        else:
            why = f"{sources[0]}, confirmed by an UNPOL patrol that visited the place."
        final = DemoStep(Verification.VERIFIED, decided, why)
    steps = [DemoStep(Verification.UNDER_VERIFICATION, start), *([final] if final else [])]
    return tuple(s for s in steps if s.at <= AS_OF)


def _duplicate(
    rng: random.Random, original: DemoIncident, number: int, towns: dict[str, str]
) -> DemoIncident:
    """The same incident reported again by another source, a day or two later."""
    first = original.incident
    assert first.lon is not None and first.lat is not None
    others = [s for s in SOURCES if not any(s.split(",")[0] in o for o in first.sources)]
    town = first.place_name.removeprefix("near ")
    source = rng.choice(others or list(SOURCES)).format(town=town)
    best = max(0, first.fatalities_best + rng.choice((-1, 1, 2)))
    incident = Incident(
        type=first.type,
        date=first.date,
        country_iso3=first.country_iso3,
        date_precision=first.date_precision,
        lon=round(first.lon + rng.uniform(-0.02, 0.02), 4),
        lat=round(first.lat + rng.uniform(-0.02, 0.02), 4),
        place_precision=PlacePrecision.NEAR,
        place_name=first.place_name,
        actors=first.actors[:1],
        fatalities_best=best,
        fatalities_low=max(0, best - 1),
        fatalities_high=best + 2,
        injured=first.injured,
        sources=(source,),
        narrative=first.narrative,
        reference=f"JOC-{first.date.year}-D{number:02d}",
    )
    reported = _minute(original.reported_at + timedelta(hours=rng.uniform(10, 40)))
    opened = _minute(reported + timedelta(hours=rng.uniform(1, 12)))
    # Odd ones are merged once the first report is verified, even ones while it is checked.
    checked, verified = original.steps[0].at, original.steps[-1].at
    merged_at = max(opened, verified) + timedelta(hours=2)
    if number % 2 == 0 and max(opened, checked) + timedelta(hours=1) < verified:
        merged_at = max(opened, checked) + timedelta(hours=1)
    reason = f"Same incident as {first.reference}: same day and place, reported by {source}."
    steps = (
        DemoStep(Verification.UNDER_VERIFICATION, opened),
        DemoStep(Verification.MERGED, merged_at, reason, merge_into=first.reference),
    )
    site = original.site
    return DemoIncident(incident, reported, site, tuple(s for s in steps if s.at <= AS_OF))


def _reopen(item: DemoIncident) -> DemoIncident:
    """A verified clash reopened on new information and verified again with more deaths."""
    last = item.steps[-1]
    if last.to is not Verification.VERIFIED:
        return item
    reopened = last.at + timedelta(days=9)
    again = reopened + timedelta(days=3)
    steps = (
        *item.steps,
        DemoStep(
            Verification.UNDER_VERIFICATION,
            reopened,
            "A hospital register lists more deaths than the first reports; checking.",
        ),
        DemoStep(
            Verification.VERIFIED,
            again,
            "Hospital register and a human rights officer's visit confirm the clash; the "
            "estimate stays as reported until the register is reconciled.",
        ),
    )
    return DemoIncident(item.incident, item.reported_at, item.site, steps)


__all__ = ["AS_OF", "DemoIncident", "DemoStep", "build_incidents"]
