"""Complaints against Carana's security forces, January 2025 to October 2026 (fictional).

``build_complaints(scenario, seed=...)`` draws about three hundred complaints and the plan of
how each was handled, as of ``AS_OF`` (15 November 2026). The structure is written down here;
the seed draws the rest:

- Volume grows from about 9 to about 19 a month as the hotline and the SMS line become known.
- Categories follow what complaint bodies in post-conflict countries mostly receive: extortion
  and bribery at checkpoints and excessive force first, then arbitrary arrest, threats,
  property and failure to act; some sexual and gender-based violence, few torture complaints.
- The police draws most complaints; the gendarmerie and the border service follow; the
  defence forces draw complaints of force, threats and property in Lesedi (XCA07) and Nkoro
  (XCA06), where fighting flares (``violence.py``); prisons draw ill-treatment.
- Regions weigh by their towns' populations; a place is kept at district precision (most), at
  region precision, or not at all.
- Channels mix hotline, SMS, web form, paper register and in person; gateway and register
  entries carry their message or register number. About a third are anonymous (fewer for
  SGBV, whose complainants need follow-up).
- Handling: acknowledged after one to six days, under review a few days later, then resolved,
  closed, or referred to an oversight body by category: the Inspectorate General of the
  National Police (IGNP) for police misconduct, the National Human Rights Commission (NHRC) for
  torture, SGBV, arbitrary arrest, discrimination and the defence forces, the Ombudsperson
  (OMB) for courts, prosecution, prisons and the rest. Resolution gets likelier from 2025 to
  2026 (the police integrity storyline of ``assessment.py``); some cases stall, so a handful
  are overdue on ``AS_OF``, and the latest are still open.

Names, phone numbers and narratives are invented; the phone numbers use the unassigned
country code +999.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from peaceops.domain.complaints import (
    Category,
    Channel,
    Complainant,
    Complaint,
    Confidentiality,
    Status,
)
from peaceops.scenario.carana import Scenario

FIRST_MONTH = date(2025, 1, 1)
LAST_MONTH = date(2026, 10, 1)
AS_OF = datetime(2026, 11, 15, tzinfo=UTC)
"""The day the demo's handling plan stops: later steps are left out."""
FIGHTING_REGIONS = ("XCA06", "XCA07")
BACKLOG = timedelta(days=150)
"""Cases older than this on ``AS_OF`` that were not decided in time were decided late."""

CATEGORY_WEIGHTS: dict[Category, int] = {
    Category.EXTORTION: 26,
    Category.EXCESSIVE_FORCE: 21,
    Category.ARBITRARY_ARREST: 13,
    Category.THREATS: 9,
    Category.PROPERTY: 8,
    Category.FAILURE_TO_ACT: 8,
    Category.SGBV: 6,
    Category.DISCRIMINATION: 4,
    Category.TORTURE: 3,
    Category.OTHER: 2,
}
# Institution keys of ``carana.INSTITUTIONS`` and their weights, by category.
AGAINST: dict[Category, dict[str, int]] = {
    Category.EXTORTION: {"police": 55, "gendarmerie": 20, "border": 20, "courts": 3, "prisons": 2},
    Category.EXCESSIVE_FORCE: {"police": 55, "gendarmerie": 22, "army": 15, "prisons": 8},
    Category.ARBITRARY_ARREST: {"police": 50, "gendarmerie": 25, "army": 12, "prosecution": 13},
    Category.THREATS: {"police": 45, "gendarmerie": 25, "army": 20, "border": 10},
    Category.PROPERTY: {"police": 35, "army": 35, "gendarmerie": 20, "border": 10},
    Category.FAILURE_TO_ACT: {"police": 60, "courts": 20, "prosecution": 20},
    Category.SGBV: {"police": 45, "army": 25, "prisons": 15, "gendarmerie": 15},
    Category.DISCRIMINATION: {"police": 40, "border": 30, "courts": 15, "prisons": 15},
    Category.TORTURE: {"police": 40, "prisons": 35, "army": 15, "gendarmerie": 10},
    Category.OTHER: {"police": 40, "courts": 20, "prisons": 20, "gendarmerie": 20},
}
CHANNEL_WEIGHTS = {
    Channel.HOTLINE: 30,
    Channel.SMS: 20,
    Channel.WEB: 20,
    Channel.PAPER: 15,
    Channel.IN_PERSON: 15,
}
UNITS = {
    "police": ("{town} central police station", "police post at the {town} market"),
    "gendarmerie": ("gendarmerie brigade of {town}", "gendarmerie checkpoint on the {town} road"),
    "border": ("border post east of {town}", "immigration desk at {town}"),
    "army": ("defence forces camp near {town}", "army patrol between {town} and the coast"),
    "prisons": ("{town} prison", "remand wing of the {town} prison"),
    "courts": ("magistrates' court of {town}",),
    "prosecution": ("prosecutor's office in {town}",),
}
STORIES: dict[Category, tuple[str, ...]] = {
    Category.EXTORTION: (
        "At the checkpoint on the road out of {town}, officers stopped our minibus and said "
        "each passenger had to pay 2,000 francs or stay the night. Those who refused had their "
        "bags kept.",
        "An officer asked me for money to release my brother's motorbike, which was taken "
        "without any paper. He said the price would double if I came back without it.",
        "I went to report a theft in {town} and was told the complaint form costs money. "
        "There was no receipt.",
    ),
    Category.EXCESSIVE_FORCE: (
        "During the dispersal of traders at the {town} market, officers beat several people "
        "with batons, including an old woman who had fallen. Her arm was broken.",
        "My son was hit repeatedly while already handcuffed, in front of neighbours, after an "
        "argument about a checkpoint in {town}.",
        "Tear gas was thrown into the school yard in {town} while pupils were inside.",
    ),
    Category.ARBITRARY_ARREST: (
        "My husband was taken from our home in {town} at night and held for six days without "
        "seeing a judge. Nobody told us where he was.",
        "Young men were rounded up after a football match in {town} and kept at the station "
        "until their families paid for their release.",
    ),
    Category.THREATS: (
        "After I testified about the shooting in {town}, two men in uniform came to my shop "
        "and told me I would regret talking.",
        "An officer threatened to arrest my daughter if our family did not withdraw a land "
        "complaint against his cousin.",
    ),
    Category.PROPERTY: (
        "Soldiers took two goats and a bag of maize from our farm near {town} and gave no receipt.",
        "Our stall in {town} was destroyed during an operation against street vendors; the "
        "goods were loaded on a police truck.",
    ),
    Category.FAILURE_TO_ACT: (
        "I reported threats from my neighbour three times at the {town} station; nothing was "
        "done and he has now burned my fence.",
        "The case of my daughter's assault has not moved since the file went to the "
        "prosecutor a year ago.",
    ),
    Category.SGBV: (
        "A woman was assaulted in a cell of the {town} station overnight. She is afraid to go "
        "back to ask for her file.",
        "An officer at the checkpoint near {town} demanded sexual favours from women traders "
        "in exchange for letting them pass.",
    ),
    Category.DISCRIMINATION: (
        "People from the eastern districts are made to wait for hours at the {town} post and "
        "searched while others go through.",
        "At the court in {town} we were told our language is not understood and the hearing "
        "was adjourned again.",
    ),
    Category.TORTURE: (
        "My brother says he was beaten on the soles of his feet to make him sign a statement "
        "at the {town} station. He has marks.",
        "Detainees in {town} are kept in a room without light or water for days as punishment.",
    ),
    Category.OTHER: (
        "Officers in {town} refuse to wear their name badges and will not say who they are.",
        "My identity card was kept at the station in {town} and I cannot travel without it.",
    ),
}
BODY_FOR_CATEGORY = {
    Category.TORTURE: "NHRC",
    Category.SGBV: "NHRC",
    Category.ARBITRARY_ARREST: "NHRC",
    Category.DISCRIMINATION: "NHRC",
}
POLICE_KEYS = ("police", "gendarmerie", "border")
NOTES = {
    Status.ACKNOWLEDGED: (
        "Acknowledged; complainant told how the case will be handled.",
        "Acknowledged by phone.",
        "Acknowledged; code given at the counter.",
    ),
    Status.UNDER_REVIEW: (
        "Statement taken; station records requested.",
        "Preliminary review opened; witnesses to be heard.",
        "Medical certificate requested.",
    ),
    Status.REFERRED: (
        "Referred for investigation with the file and statements.",
        "Referred: falls within the body's mandate; file sent.",
    ),
    Status.RESOLVED: (
        "Officer sanctioned after disciplinary hearing; complainant informed.",
        "Unit commander reminded of the rules; complainant satisfied with the outcome.",
        "Investigation concluded: misconduct established, file sent to the prosecutor.",
        "Investigation concluded: allegation not substantiated; reasons given to complainant.",
    ),
    Status.CLOSED: (
        "Closed: complainant withdrew the complaint.",
        "Closed: no contact with the complainant after three attempts.",
        "Closed: private dispute outside the mandate; complainant referred to a court.",
    ),
}
ONSETS = ("k", "m", "t", "s", "w", "n", "l", "b", "r", "d", "z", "f", "ch", "nd", "mb", "y")
VOWELS = ("a", "e", "i", "o", "u", "a", "i")


@dataclass(frozen=True, slots=True)
class DemoStep:
    at: datetime
    to: Status
    note: str = ""
    body: str | None = None
    """Acronym or name of the oversight body, for a referral."""


@dataclass(frozen=True, slots=True)
class DemoComplaint:
    """A complaint before it has database ids: its institution by name, its place by P-code."""

    complaint: Complaint
    institution: str
    area_pcode: str
    """District or region P-code, or "" when the place was not recorded."""
    steps: tuple[DemoStep, ...]


def _name(rng: random.Random, syllables: int) -> str:
    text = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(syllables))
    return text.capitalize()


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def build_complaints(scenario: Scenario, *, seed: int) -> list[DemoComplaint]:
    """The complaints stream and its handling plan; the same seed gives the same stream."""
    rng = random.Random(seed * 7919 + 11)
    towns_of: dict[str, list[str]] = {}
    people_of: dict[str, int] = {}
    parent = {d.pcode: d.parent_pcode or "" for d in scenario.districts}
    for s in scenario.settlements:
        region = parent.get(s.admin_pcode or "", "")
        towns_of.setdefault(region, []).append(s.name)
        people_of[region] = people_of.get(region, 0) + (s.population or 0)
    region_weights = {
        r.pcode: int(20_000 + people_of.get(r.pcode, 0) ** 0.8) for r in scenario.regions
    }
    districts_of: dict[str, list[str]] = {}
    for d in scenario.districts:
        districts_of.setdefault(d.parent_pcode or "", []).append(d.pcode)
    out: list[DemoComplaint] = []
    counters: dict[str, int] = {}
    month = FIRST_MONTH
    index = 0
    total_months = (LAST_MONTH.year - FIRST_MONTH.year) * 12 + LAST_MONTH.month - 1
    while month <= LAST_MONTH:
        progress = index / max(total_months, 1)
        volume = max(3, round(rng.gauss(9 + 10 * progress, 2.5)))
        for _ in range(volume):
            out.append(
                _one(
                    rng, scenario, month, progress, region_weights, towns_of, districts_of, counters
                )
            )
        index += 1
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    out.sort(key=lambda c: c.complaint.received_at)
    return out


def _one(
    rng: random.Random,
    scenario: Scenario,
    month: date,
    progress: float,
    region_weights: dict[str, int],
    towns_of: dict[str, list[str]],
    districts_of: dict[str, list[str]],
    counters: dict[str, int],
) -> DemoComplaint:
    region = _weighted(rng, region_weights)
    category = Category(_weighted(rng, {c.value: w for c, w in CATEGORY_WEIGHTS.items()}))
    against = dict(AGAINST[category])
    if region in FIGHTING_REGIONS and "army" in against:
        against["army"] *= 3
    key = _weighted(rng, against)
    institution = scenario.institutions[key].name
    town = rng.choice(towns_of.get(region) or ["the town"])
    days = 28 if month.month == 2 else 30
    received = datetime(month.year, month.month, 1, tzinfo=UTC) + timedelta(
        days=rng.randrange(days), hours=rng.randrange(7, 20), minutes=rng.randrange(60)
    )
    channel = Channel(_weighted(rng, {c.value: w for c, w in CHANNEL_WEIGHTS.items()}))
    external = None
    if channel in (Channel.HOTLINE, Channel.SMS, Channel.PAPER):
        prefix = {Channel.HOTLINE: "HL", Channel.SMS: "SMS", Channel.PAPER: "REG-" + region}[
            channel
        ]
        counters[prefix] = counters.get(prefix, 0) + 1
        external = f"{prefix}-{received.year}-{counters[prefix]:04d}"
    anonymous = rng.random() < (0.2 if category == Category.SGBV else 0.35)
    person = None
    if not anonymous:
        person = Complainant(
            name=f"{_name(rng, 2)} {_name(rng, 3)}",
            phone=f"+999 7{rng.randrange(10)} {rng.randrange(100, 1000)} "
            f"{rng.randrange(1000, 10000)}",
        )
    female = 0.9 if category == Category.SGBV else 0.3
    roll = rng.random()
    precision = rng.random()
    if precision < 0.7 and districts_of.get(region):
        area = rng.choice(districts_of[region])
    elif precision < 0.95:
        area = region
    else:
        area = ""
    complaint = Complaint(
        category=category,
        description=rng.choice(STORIES[category]).format(town=town),
        channel=channel,
        confidentiality=Confidentiality.ANONYMOUS if anonymous else Confidentiality.CONFIDENTIAL,
        received_at=received,
        unit=rng.choice(UNITS.get(key, ("{town}",))).format(town=town),
        incident_date=(received - timedelta(days=rng.randrange(0, 30))).date(),
        victim_sex=None if roll > 0.95 else ("female" if roll < female * 0.95 else "male"),
        complainant=person,
        external_id=external,
    )
    return DemoComplaint(
        complaint, institution, area, _plan(rng, category, key, received, progress)
    )


def _plan(
    rng: random.Random, category: Category, key: str, received: datetime, progress: float
) -> tuple[DemoStep, ...]:
    """How the case was handled, as far as ``AS_OF``."""
    steps: list[DemoStep] = []
    at = received

    def step(to: Status, after_days: float, body: str | None = None) -> bool:
        nonlocal at
        at = at + timedelta(days=after_days, hours=rng.randrange(1, 6))
        if at > AS_OF:
            return False
        notes = NOTES[to]
        if to == Status.RESOLVED and category == Category.PROPERTY:
            notes = ("Property returned and receipt issued; complainant satisfied.",)
        steps.append(DemoStep(at, to, rng.choice(notes), body))
        return True

    stall = rng.random()
    if stall < 0.015:  # never acknowledged: overdue since its third day
        return ()
    if not step(Status.ACKNOWLEDGED, rng.choice((0, 1, 1, 2, 2, 3, 5))):
        return tuple(steps)
    if stall < 0.03:  # acknowledged, never reviewed
        return tuple(steps)
    if not step(Status.UNDER_REVIEW, rng.randrange(2, 10)):
        return tuple(steps)
    if stall < 0.05:  # stuck in review
        return tuple(steps)
    resolve = 0.55 + 0.25 * progress
    refer = 0.6 if category in BODY_FOR_CATEGORY else 0.25
    if rng.random() < refer:
        if key in POLICE_KEYS and category not in BODY_FOR_CATEGORY:
            body = "IGNP"
        elif category in BODY_FOR_CATEGORY or key == "army":
            body = "NHRC"
        else:
            body = "OMB"
        if not step(Status.REFERRED, rng.randrange(5, 25), body):
            return tuple(steps)
        outcome = rng.random()
        if outcome < 0.1:  # sent back for more review, then decided
            if not step(Status.UNDER_REVIEW, rng.randrange(20, 50)):
                return tuple(steps)
            step(Status.RESOLVED, rng.randrange(10, 40))
        elif outcome < 0.1 + resolve:
            step(Status.RESOLVED, rng.randrange(20, 110))
        elif outcome < 0.25 + resolve:
            step(Status.CLOSED, rng.randrange(20, 80))
        elif received < AS_OF - BACKLOG:  # the body took its time
            step(Status.RESOLVED, rng.randrange(100, 200))
        return tuple(steps)
    outcome = rng.random()
    if outcome < resolve:
        step(Status.RESOLVED, rng.randrange(7, 80))
    elif outcome < resolve + 0.15:
        step(Status.CLOSED, rng.randrange(5, 40))
    elif received < AS_OF - BACKLOG:  # decided late, after the backlog was cleared
        step(Status.RESOLVED, rng.randrange(90, 200))
    return tuple(steps)


__all__ = ["AS_OF", "DemoComplaint", "DemoStep", "build_complaints"]
