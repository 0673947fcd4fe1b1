"""Carana: the base of the demonstration scenario.

A fictional coastal state emerging from civil war, hosting a UN multidimensional mission.
Its outline, regions, districts, towns, institutions, sites, partners and users are generated
from a seed, so every run of ``peaceops demo`` shows the same country. It lies in the open
South Atlantic, where no real country is, so its map can never be mistaken for a real place.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from shapely.geometry import Point, Polygon

from peaceops.domain.access import Role
from peaceops.domain.actors import Actor, ActorCategory, OrganisationType
from peaceops.domain.events import Event
from peaceops.domain.institutions import Institution, InstitutionType, SiteKind
from peaceops.domain.missions import (
    MandatePeriod,
    MandateTask,
    MandateTaskArea,
    Mission,
    MissionOrganisation,
)
from peaceops.domain.places import AdminArea, Country, Settlement
from peaceops.scenario import geography

ISO3 = "XCA"  # ISO 3166 reserves XAA-XZZ for user-assigned codes
DEFAULT_SEED = 1509
DEMO_PASSWORD = "peace-in-carana"  # noqa: S105 - printed by `peaceops demo`; demo only

REGIONS = [
    "Kalari",
    "Mbeshe",
    "Tarunga",
    "Soloba",
    "Wanjeri",
    "Nkoro",
    "Lesedi",
    "Ambara",
]
DISTRICT_STEMS = [
    "Upper",
    "Lower",
    "North",
    "South",
    "East",
    "West",
    "Central",
    "Coastal",
]
TOWNS = [
    "Port Amani",
    "Kessaba",
    "Ruvani",
    "Tolmeri",
    "Anzaka",
    "Bekoro",
    "Sifune",
    "Doruma",
    "Makeni Falls",
    "Odalo",
    "Pembisi",
    "Lunsar Bay",
    "Gamoru",
    "Hekima",
    "Zirabe",
    "Nyala Cross",
    "Fadiko",
    "Umoja",
    "Bansira",
    "Kitoma",
    "Wabeni",
    "Sarakeni",
    "Ilondo",
    "Chirasa",
]


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """A site before it has database ids: the institution by key, the town by name."""

    institution_key: str
    name: str
    kind: SiteKind
    lon: float
    lat: float
    district_pcode: str


@dataclass(frozen=True, slots=True)
class UserSpec:
    username: str
    role: Role
    display_name: str
    actor_name: str | None = None
    language: str | None = None


@dataclass(slots=True)
class Scenario:
    """Everything the demo loads, as domain records linked by keys rather than ids."""

    seed: int
    country: Country
    regions: list[AdminArea] = field(default_factory=list)
    districts: list[AdminArea] = field(default_factory=list)
    settlements: list[Settlement] = field(default_factory=list)
    institutions: dict[str, Institution] = field(default_factory=dict)
    institution_parents: dict[str, str] = field(default_factory=dict)
    sites: list[SiteSpec] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    mission: Mission | None = None
    users: list[UserSpec] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    password: str = DEMO_PASSWORD


def build_carana(seed: int = DEFAULT_SEED) -> Scenario:
    """Generate the Carana scenario. The same seed always gives the same scenario."""
    rng = random.Random(seed)
    scenario = Scenario(
        seed=seed,
        country=Country(iso3=ISO3, name="Carana", iso2=None, fictional=True),
    )
    land = geography.outline(rng, lon=-24.0, lat=-21.0, radius=2.1)
    _add_areas(rng, scenario, land)
    _add_settlements(rng, scenario)
    _add_institutions(scenario)
    _add_sites(rng, scenario)
    _add_actors(scenario)
    _add_mission(scenario)
    _add_users(scenario)
    from peaceops.scenario.violence import carana_events

    scenario.events = carana_events(scenario.districts, seed=seed)
    return scenario


def _add_areas(rng: random.Random, scenario: Scenario, land: Polygon) -> None:
    region_shapes = geography.partition(rng, land, len(REGIONS))
    for r_index, (name, shape) in enumerate(zip(REGIONS, region_shapes, strict=True), start=1):
        pcode = f"{ISO3}{r_index:02d}"
        scenario.regions.append(
            AdminArea(
                country_iso3=ISO3,
                level=1,
                pcode=pcode,
                name=name,
                geometry=geography.geojson(shape),
                source="Carana scenario generator",
            )
        )
        n_districts = rng.randint(2, 4)
        stems = rng.sample(DISTRICT_STEMS, n_districts)
        for d_index, (stem, piece) in enumerate(
            zip(stems, geography.partition(rng, shape, n_districts), strict=True), start=1
        ):
            scenario.districts.append(
                AdminArea(
                    country_iso3=ISO3,
                    level=2,
                    pcode=f"{pcode}{d_index:02d}",
                    name=f"{stem} {name}",
                    geometry=geography.geojson(piece),
                    parent_pcode=pcode,
                    source="Carana scenario generator",
                )
            )


def _add_settlements(rng: random.Random, scenario: Scenario) -> None:
    names = iter(TOWNS)
    capital_region = scenario.regions[0].pcode
    for region in scenario.regions:
        districts = [d for d in scenario.districts if d.parent_pcode == region.pcode]
        for i, district in enumerate(districts[: rng.randint(2, 3)]):
            shape = Polygon(district.geometry["coordinates"][0])
            (point,) = geography.spread_points(rng, shape.buffer(-0.05) or shape, 1, min_distance=0)
            is_capital = region.pcode == capital_region and i == 0
            population = int(rng.lognormvariate(10.2, 0.7)) if not is_capital else 412_000
            scenario.settlements.append(
                Settlement(
                    country_iso3=ISO3,
                    name=next(names),
                    lon=round(point.x, 4),
                    lat=round(point.y, 4),
                    population=population,
                    admin_pcode=district.pcode,
                    is_capital=is_capital,
                )
            )


INSTITUTIONS: list[tuple[str, InstitutionType, str, str | None, str | None, str]] = [
    # key, type, name, acronym, parent key, description
    (
        "moi",
        InstitutionType.MINISTRY_INTERIOR,
        "Ministry of Interior and Public Security",
        "MIPS",
        None,
        "Oversees the police, the gendarmerie and the border service.",
    ),
    (
        "moj",
        InstitutionType.MINISTRY_JUSTICE,
        "Ministry of Justice and Human Rights",
        "MJHR",
        None,
        "Runs the prisons service and legal aid; proposes justice legislation.",
    ),
    (
        "mod",
        InstitutionType.MINISTRY_DEFENCE,
        "Ministry of Defence",
        "MOD",
        None,
        "Civilian authority over the armed forces.",
    ),
    (
        "police",
        InstitutionType.POLICE,
        "Carana National Police",
        "CNP",
        "moi",
        "About 9,000 officers; rebuilt after the 2019 peace agreement.",
    ),
    (
        "gendarmerie",
        InstitutionType.GENDARMERIE,
        "National Gendarmerie",
        "NG",
        "moi",
        "Rural policing and public order.",
    ),
    (
        "border",
        InstitutionType.BORDER_AGENCY,
        "Border and Immigration Service",
        "BIS",
        "moi",
        "Land borders, the port and the airport.",
    ),
    (
        "courts",
        InstitutionType.COURTS,
        "Judiciary of Carana",
        None,
        None,
        "Supreme Court, four high courts and magistrates' courts.",
    ),
    (
        "prosecution",
        InstitutionType.PROSECUTION,
        "Office of the Prosecutor-General",
        "OPG",
        "moj",
        "Public prosecution at high and magistrates' courts.",
    ),
    (
        "legal_aid",
        InstitutionType.LEGAL_AID,
        "National Legal Aid Board",
        "NLAB",
        "moj",
        "Free legal representation for detainees and the poor.",
    ),
    (
        "prisons",
        InstitutionType.CORRECTIONS,
        "Carana Prisons Service",
        "CPS",
        "moj",
        "Eleven prisons holding about 3,400 detainees, most on remand.",
    ),
    (
        "army",
        InstitutionType.ARMED_FORCES,
        "Carana Defence Forces",
        "CDF",
        "mod",
        "Integrated former government and rebel units after the peace agreement.",
    ),
    (
        "parliament",
        InstitutionType.PARLIAMENTARY_OVERSIGHT,
        "Parliamentary Committee on Defence and Security",
        None,
        None,
        "Scrutinises security budgets and legislation.",
    ),
    (
        "nhri",
        InstitutionType.HUMAN_RIGHTS_INSTITUTION,
        "National Human Rights Commission",
        "NHRC",
        None,
        "Independent commission; receives complaints against security forces.",
    ),
    (
        "anticorruption",
        InstitutionType.ANTI_CORRUPTION_BODY,
        "Anti-Corruption Commission",
        "ACC",
        None,
        "Investigates corruption in public institutions.",
    ),
    (
        "civil_admin",
        InstitutionType.CIVIL_ADMINISTRATION,
        "Ministry of Local Government",
        "MLG",
        None,
        "Regional and district administrations.",
    ),
]


def _add_institutions(scenario: Scenario) -> None:
    for key, kind, name, acronym, parent, description in INSTITUTIONS:
        scenario.institutions[key] = Institution(
            country_iso3=ISO3, type=kind, name=name, acronym=acronym, description=description
        )
        if parent:
            scenario.institution_parents[key] = parent


def _district_of(scenario: Scenario, lon: float, lat: float) -> str:
    point = Point(lon, lat)
    for d in scenario.districts:
        if Polygon(d.geometry["coordinates"][0]).covers(point):
            return d.pcode
    raise ValueError(f"point ({lon}, {lat}) is outside Carana")


def _add_sites(rng: random.Random, scenario: Scenario) -> None:
    capital = next(s for s in scenario.settlements if s.is_capital)
    hq = [
        ("police", "CNP General Headquarters"),
        ("army", "CDF Joint Headquarters"),
        ("courts", "Supreme Court"),
        ("prosecution", "Prosecutor-General's Office"),
        ("nhri", "NHRC Secretariat"),
        ("border", "Port Amani Port Border Post"),
    ]
    for key, name in hq:
        kind = {
            "courts": SiteKind.COURT,
            "prosecution": SiteKind.PROSECUTOR_OFFICE,
            "border": SiteKind.BORDER_POST,
        }.get(key, SiteKind.HEADQUARTERS)
        lon = round(capital.lon + rng.uniform(-0.03, 0.03), 4)
        lat = round(capital.lat + rng.uniform(-0.03, 0.03), 4)
        scenario.sites.append(SiteSpec(key, name, kind, lon, lat, _district_of(scenario, lon, lat)))
    # The first town of each region is its seat: a high court and a prison there.
    seats: dict[str, Settlement] = {}
    for town in scenario.settlements:
        region = (town.admin_pcode or "")[:5]
        seats.setdefault(region, town)
    for town in scenario.settlements:
        district = town.admin_pcode or ""
        near = (
            round(town.lon + rng.uniform(-0.02, 0.02), 4),
            round(town.lat + rng.uniform(-0.02, 0.02), 4),
        )
        if Polygon(
            next(d for d in scenario.districts if d.pcode == district).geometry["coordinates"][0]
        ).covers(Point(*near)):
            lon, lat = near
        else:
            lon, lat = town.lon, town.lat
        scenario.sites.append(
            SiteSpec(
                "police", f"{town.name} Police Station", SiteKind.POLICE_STATION, lon, lat, district
            )
        )
        if seats[district[:5]] is town:
            scenario.sites.append(
                SiteSpec(
                    "courts",
                    f"{town.name} High Court",
                    SiteKind.COURT,
                    town.lon,
                    town.lat,
                    district,
                )
            )
            if rng.random() < 0.8 or town.is_capital:
                scenario.sites.append(
                    SiteSpec(
                        "prisons",
                        f"{town.name} Central Prison",
                        SiteKind.PRISON,
                        town.lon,
                        town.lat,
                        district,
                    )
                )
        elif rng.random() < 0.5:
            scenario.sites.append(
                SiteSpec(
                    "courts",
                    f"{town.name} Magistrates' Court",
                    SiteKind.COURT,
                    town.lon,
                    town.lat,
                    district,
                )
            )
        if rng.random() < 0.25:
            scenario.sites.append(
                SiteSpec(
                    "army", f"{town.name} Barracks", SiteKind.BARRACKS, town.lon, town.lat, district
                )
            )


def _add_actors(scenario: Scenario) -> None:
    a = ActorCategory
    t = OrganisationType
    scenario.actors = [
        Actor(
            "United Nations Mission in Carana", a.PEACE_OPERATION, t.MULTILATERAL, acronym="UNMICA"
        ),
        Actor(
            "United Nations Development Programme",
            a.UN_ENTITY,
            t.MULTILATERAL,
            acronym="UNDP",
            iati_org_id="XM-DAC-41114",
        ),
        Actor(
            "United Nations Office on Drugs and Crime", a.UN_ENTITY, t.MULTILATERAL, acronym="UNODC"
        ),
        Actor(
            "Office of the High Commissioner for Human Rights",
            a.UN_ENTITY,
            t.MULTILATERAL,
            acronym="OHCHR",
        ),
        Actor(
            "Northland Agency for International Cooperation",
            a.BILATERAL_DONOR,
            t.GOVERNMENT,
            acronym="NAIC",
            iati_org_id="XX-NAIC",
            name_variants=("Northland Cooperation", "Northland Aid"),
        ),
        Actor(
            "Republic of Westmark Foreign Ministry",
            a.BILATERAL_DONOR,
            t.GOVERNMENT,
            acronym="WFM",
            iati_org_id="XX-WFM",
        ),
        Actor(
            "Justice Without Borders International",
            a.INTERNATIONAL_NGO,
            t.INTERNATIONAL_NGO,
            acronym="JWBI",
            iati_org_id="XX-JWBI",
        ),
        Actor(
            "Carana Bar Association",
            a.CIVIL_SOCIETY,
            t.NATIONAL_NGO,
            acronym="CBA",
            country_iso3=ISO3,
        ),
        Actor(
            "Women's Justice Network of Carana",
            a.CIVIL_SOCIETY,
            t.NATIONAL_NGO,
            acronym="WJNC",
            country_iso3=ISO3,
            name_variants=("Women Justice Network",),
        ),
        Actor(
            "Ministry of Interior and Public Security",
            a.HOST_GOVERNMENT,
            t.GOVERNMENT,
            acronym="MIPS",
            country_iso3=ISO3,
        ),
        # Oversight bodies to which complaints against security forces are referred.
        Actor(
            "Office of the Ombudsperson of Carana",
            a.HOST_GOVERNMENT,
            t.GOVERNMENT,
            acronym="OMB",
            country_iso3=ISO3,
        ),
        Actor(
            "National Human Rights Commission",
            a.HOST_GOVERNMENT,
            t.GOVERNMENT,
            acronym="NHRC",
            country_iso3=ISO3,
        ),
        Actor(
            "Inspectorate General of the National Police",
            a.HOST_GOVERNMENT,
            t.GOVERNMENT,
            acronym="IGNP",
            country_iso3=ISO3,
        ),
    ]


def _add_mission(scenario: Scenario) -> None:
    tasks = (
        MandateTask(
            MandateTaskArea.PROTECTION_OF_CIVILIANS,
            "Protect civilians under threat of physical violence.",
        ),
        MandateTask(
            MandateTaskArea.SECURITY_SECTOR_REFORM,
            "Support the reform and restructuring of the Carana National Police.",
        ),
        MandateTask(
            MandateTaskArea.RULE_OF_LAW,
            "Support the extension of courts and prisons to all regions.",
        ),
        MandateTask(
            MandateTaskArea.DDR,
            "Support disarmament, demobilisation and reintegration of former combatants.",
        ),
        MandateTask(
            MandateTaskArea.HUMAN_RIGHTS,
            "Monitor, investigate and report on human rights violations.",
        ),
    )
    transition = (
        MandateTask(
            MandateTaskArea.SECURITY_SECTOR_REFORM,
            "Hand over security responsibilities to national authorities by region.",
        ),
        MandateTask(
            MandateTaskArea.RULE_OF_LAW,
            "Support national accountability mechanisms and the prisons service.",
        ),
        MandateTask(MandateTaskArea.HUMAN_RIGHTS, "Monitor and report on human rights violations."),
    )
    # Resolution numbers above 9000 cannot be mistaken for real Security Council resolutions.
    scenario.mission = Mission(
        acronym="UNMICA",
        name="United Nations Mission in Carana",
        organisation=MissionOrganisation.UN,
        start=date(2021, 4, 1),
        countries=(ISO3,),
        mandates=(
            MandatePeriod(date(2021, 4, 1), date(2022, 3, 31), "S/RES/9101 (2021)", tasks),
            MandatePeriod(date(2022, 4, 1), date(2023, 3, 31), "S/RES/9188 (2022)", tasks),
            MandatePeriod(date(2023, 4, 1), date(2024, 12, 31), "S/RES/9254 (2023)", tasks),
            MandatePeriod(date(2025, 1, 1), date(2026, 12, 31), "S/RES/9337 (2024)", transition),
        ),
    )


def _add_users(scenario: Scenario) -> None:
    scenario.users = [
        UserSpec("admin", Role.ADMIN, "Amina Osei (platform administrator)"),
        UserSpec(
            "analyst",
            Role.ANALYST,
            "Jonas Lindqvist (rule-of-law officer)",
            actor_name="United Nations Mission in Carana",
        ),
        UserSpec(
            "partner",
            Role.PARTNER,
            "Claire Dubois (NAIC programme officer)",
            actor_name="Northland Agency for International Cooperation",
            language="fr",
        ),
        UserSpec(
            "civil",
            Role.CIVIL_SOCIETY,
            "Grace Mensah (WJNC coordinator)",
            actor_name="Women's Justice Network of Carana",
        ),
        UserSpec("viewer", Role.VIEWER, "Omar Haddad (observer)", language="ar"),
        UserSpec(
            "handler",
            Role.CASE_HANDLER,
            "Fatou Diallo (complaints officer)",
            actor_name="Office of the Ombudsperson of Carana",
        ),
    ]
