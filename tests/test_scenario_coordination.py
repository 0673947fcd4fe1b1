"""The Carana programmes and training records: deterministic, consistent, and their plants hold."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from datetime import date

import pytest
from shapely.geometry import Point, shape

from peaceops.domain.assessment import Framework
from peaceops.domain.coordination import Activity, Capability, TransactionType
from peaceops.domain.training import CURRICULUM_TAGS, Sex
from peaceops.ingest.frameworks import builtin_paths, read_framework, to_domain
from peaceops.scenario import Scenario, build_carana
from peaceops.scenario.assessment import TRENDS
from peaceops.scenario.coordination import (
    AS_OF,
    GAP_DIMENSIONS,
    RISK_GAP_REGIONS,
    USD_PER_UNIT,
    CoordinationScenario,
    build_coordination,
)

tt = TransactionType


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return build_carana()


@pytest.fixture(scope="module")
def coord(scenario: Scenario) -> CoordinationScenario:
    return build_coordination(scenario, seed=scenario.seed)


@pytest.fixture(scope="module")
def frameworks() -> dict[str, Framework]:
    out = {}
    for path in builtin_paths():
        framework = to_domain(read_framework(path))
        out[framework.code] = framework
    return out


def by_id(coord: CoordinationScenario) -> dict[str, Activity]:
    return {a.identifier: a for a in coord.activities}


def region_of(code: str) -> str:
    return code[:5]


def usd(activity: Activity, *types: TransactionType) -> float:
    return sum(USD_PER_UNIT[cur] * v for cur, v in activity.total(*types).items())


def overlap(a: Activity, b: Activity) -> bool:
    assert a.start and a.end and b.start and b.end
    return a.start <= b.end and b.start <= a.end


def test_same_seed_same_output(scenario: Scenario, coord: CoordinationScenario) -> None:
    assert build_coordination(scenario, seed=scenario.seed) == coord
    other = build_coordination(scenario, seed=scenario.seed + 1)
    assert other != coord
    assert [a.identifier for a in other.activities] == [a.identifier for a in coord.activities]


def test_sizes(coord: CoordinationScenario) -> None:
    records = coord.trainings
    assert 30 <= len(coord.activities) <= 45
    assert 8 <= len(records.courses) <= 12
    assert 20 <= len(records.sessions) <= 30
    assert 400 <= len(records.trainees) <= 600
    years = {a.start.year for a in coord.activities if a.start}
    assert min(years) == 2021 and max(years) == 2026


def test_new_actors_are_new_but_one_duplicates_an_existing_record(
    scenario: Scenario, coord: CoordinationScenario
) -> None:
    for actor in coord.actors:
        assert not any(old.matches(actor.name) for old in scenario.actors), actor.name
    everyone = {a.name for a in (*scenario.actors, *coord.actors)}
    for variant, original in coord.actor_merge_candidates:
        assert {variant, original} <= everyone
        assert variant in {a.name for a in coord.actors}
    assert any(
        p.name == variant
        for a in coord.activities
        for p in a.participants
        for variant, _ in coord.actor_merge_candidates
    )


def test_every_participant_is_a_known_actor(
    scenario: Scenario, coord: CoordinationScenario
) -> None:
    actors = [*scenario.actors, *coord.actors]
    for activity in coord.activities:
        assert activity.reporting_org is not None
        for p in (activity.reporting_org, *activity.participants):
            assert any(a.matches(p.name) for a in actors), (activity.identifier, p.name)
        roles = {p.role for p in activity.participants}
        assert {1, 4} <= {int(r) for r in roles}, activity.identifier


def test_institution_refs_resolve(scenario: Scenario, coord: CoordinationScenario) -> None:
    known = {n for i in scenario.institutions.values() for n in (i.name, i.acronym) if n}
    for activity in coord.activities:
        assert activity.institution_refs
        assert set(activity.institution_refs) <= known, activity.identifier
    assert {t.institution_ref for t in coord.trainings.trainees} <= known


def test_locations_are_scenario_places(scenario: Scenario, coord: CoordinationScenario) -> None:
    pcodes = {r.pcode: 1 for r in scenario.regions} | {d.pcode: 2 for d in scenario.districts}
    for activity in coord.activities:
        assert activity.locations
        for loc in activity.locations:
            if loc.admin_code is None:
                assert loc.lon is not None and loc.lat is not None
            else:
                assert pcodes[loc.admin_code] == loc.admin_level
    towns = {(t.name, t.admin_pcode) for t in scenario.settlements}
    for session in coord.trainings.sessions:
        assert (session.place, session.admin_code) in towns


def test_identifiers_are_iati_style_and_unique(coord: CoordinationScenario) -> None:
    ids = [a.identifier for a in coord.activities]
    assert len(ids) == len(set(ids))
    for activity in coord.activities:
        match = re.fullmatch(r"(X[XM]-[A-Z0-9-]+)-CAR-(\d{4})-\d{3}", activity.identifier)
        assert match, activity.identifier
        assert activity.start and int(match[2]) == activity.start.year


def test_dates_are_ordered(coord: CoordinationScenario) -> None:
    for a in coord.activities:
        assert a.start and a.end and a.start <= a.end
        for budget in a.budgets:
            assert a.start <= budget.period_start <= budget.period_end <= a.end
        for t in a.transactions:
            assert a.start <= t.date <= min(a.end, AS_OF), a.identifier
        for result in a.results:
            for indicator in result.indicators:
                for period in indicator.periods:
                    assert period.start and period.end and period.start <= period.end
                    assert period.actual is None or period.end <= AS_OF


def test_money_adds_up(coord: CoordinationScenario) -> None:
    flows = (
        (tt.OUTGOING_COMMITMENT, tt.DISBURSEMENT),
        (tt.INCOMING_COMMITMENT, tt.INCOMING_FUNDS),
    )
    for a in coord.activities:
        budgeted = sum(b.amount.value for b in a.budgets) * USD_PER_UNIT[a.default_currency or ""]
        for commit, pay in flows:
            committed, paid = usd(a, commit), usd(a, pay)
            if a.identifier in coord.planted_overspend and commit == tt.OUTGOING_COMMITMENT:
                assert paid > committed > 0
            else:
                assert paid <= committed, a.identifier
            assert committed == 0 or committed == pytest.approx(budgeted, rel=0.01)
        assert usd(a, tt.EXPENDITURE) <= usd(a, tt.DISBURSEMENT, tt.INCOMING_FUNDS)
    currencies = Counter(a.default_currency for a in coord.activities)
    assert currencies["USD"] > currencies["EUR"] > 0


def test_sectors_and_capabilities(coord: CoordinationScenario) -> None:
    for a in coord.activities:
        assert a.sectors and all(re.fullmatch(r"15\d{3}", s.code) for s in a.sectors)
        assert sum(s.percentage or 0 for s in a.sectors) == pytest.approx(100)
        assert a.capabilities and all(isinstance(c, Capability) for c in a.capabilities)
    assert sum(1 for a in coord.activities if "fr" in a.title) >= 5


def test_result_links_name_framework_indicators(
    coord: CoordinationScenario, frameworks: dict[str, Framework]
) -> None:
    codes = {i.code for fw in frameworks.values() for i in fw.indicators}
    linked = [
        ind.framework_indicator
        for a in coord.activities
        for r in a.results
        for ind in r.indicators
        if ind.framework_indicator
    ]
    assert len(linked) >= 30
    assert set(linked) <= codes


def test_training_records_are_consistent(coord: CoordinationScenario, scenario: Scenario) -> None:
    records = coord.trainings
    activities = by_id(coord)
    courses = {c.code for c in records.courses}
    for course in records.courses:
        assert set(course.tags) <= set(CURRICULUM_TAGS)
        assert Capability(course.topic)
    for session in records.sessions:
        assert session.course_code in courses
        funder = activities[session.activity_identifier or ""]
        assert funder.start and funder.end
        assert funder.start <= session.start <= session.end <= funder.end
        assert session.end <= AS_OF and session.start.year >= 2022
    numbers = Counter((t.institution_ref, t.service_number) for t in records.trainees)
    assert max(numbers.values()) == 1
    for index, participation in records.attendance:
        assert 0 <= index < len(records.sessions)
        assert (participation.institution_ref, participation.service_number) in numbers
    police = [t for t in records.trainees if t.institution_ref == "CNP"]
    women = sum(t.sex == Sex.FEMALE for t in police) / len(police)
    assert 0.2 <= women <= 0.3
    deployment = Counter(t.deployment.value for t in police)
    assert deployment["serving"] > len(police) / 2
    assert 0 < deployment["dismissed"] < len(police) / 10
    assert all(
        t.deployment.value in ("dismissed", "left") for t in police if t.vetting.value == "rejected"
    )


def test_planted_duplicates_look_alike(scenario: Scenario, coord: CoordinationScenario) -> None:
    activities = by_id(coord)
    names = {n: key for key, i in scenario.institutions.items() for n in (i.name, i.acronym) if n}
    assert 3 <= len(coord.planted_duplicates) <= 4
    for first, second, reason in coord.planted_duplicates:
        a, b = activities[first], activities[second]
        assert reason
        assert a.reporting_org and b.reporting_org
        assert a.reporting_org.name != b.reporting_org.name
        assert {names[r] for r in a.institution_refs} & {names[r] for r in b.institution_refs}
        assert set(a.capabilities) & set(b.capabilities)
        codes = {loc.admin_code for loc in a.locations} & {loc.admin_code for loc in b.locations}
        assert codes - {None}
        assert overlap(a, b)
        assert a.description["en"] != b.description["en"]


def test_funder_and_implementer_records_are_linked(coord: CoordinationScenario) -> None:
    activities = by_id(coord)
    funder, implementer = activities["XX-NAIC-CAR-2023-014"], activities["XX-JWBI-CAR-2023-002"]
    paid = [t for t in funder.transactions if t.type == tt.DISBURSEMENT]
    received = [t for t in implementer.transactions if t.type == tt.INCOMING_FUNDS]
    assert paid and all(t.receiver_ref == "XX-JWBI" for t in paid)
    assert all(t.provider_ref == funder.identifier for t in received)
    assert [t.amount.value for t in paid] == [t.amount.value for t in received]


def test_near_misses_differ_in_something_that_matters(
    scenario: Scenario, coord: CoordinationScenario
) -> None:
    activities = by_id(coord)
    names = {n: key for key, i in scenario.institutions.items() for n in (i.name, i.acronym) if n}
    assert len(coord.near_misses) >= 4
    planted = {frozenset(pair[:2]) for pair in coord.planted_duplicates}
    for first, second, _ in coord.near_misses:
        assert frozenset((first, second)) not in planted
        a, b = activities[first], activities[second]
        same_institution = bool(
            {names[r] for r in a.institution_refs} & {names[r] for r in b.institution_refs}
        )
        same_capability = bool(set(a.capabilities) & set(b.capabilities))
        same_district = bool(
            {loc.admin_code for loc in a.locations if loc.admin_level == 2}
            & {loc.admin_code for loc in b.locations if loc.admin_level == 2}
        )
        assert not (same_institution and same_capability and same_district and overlap(a, b))
        assert sum((same_institution, same_capability, same_district, overlap(a, b))) >= 2


def committed_by_cell(
    coord: CoordinationScenario, framework: Framework
) -> dict[tuple[str, str], float]:
    """Committed USD per (institution, dimension), split evenly over the cells an activity
    links to through its result indicators."""
    cell = {i.code: (i.institution, i.dimension.value) for i in framework.indicators}
    out = dict.fromkeys(cell.values(), 0.0)
    for a in coord.activities:
        cells = {
            cell[ind.framework_indicator]
            for r in a.results
            for ind in r.indicators
            if ind.framework_indicator in cell
        }
        money = usd(a, tt.OUTGOING_COMMITMENT, tt.INCOMING_COMMITMENT)
        for c in cells:
            out[c] += money / len(cells)
    return out


def test_weakest_dimension_gets_least_money(
    coord: CoordinationScenario, frameworks: dict[str, Framework]
) -> None:
    framework = frameworks["rule_of_law"]
    # The storyline: corrections capacity falls fastest, then corrections vulnerable groups.
    trends = {
        (i.institution, i.dimension.value): TRENDS.get((i.institution, i.dimension), 0.0)
        + TRENDS.get((i.institution, None), 0.0)
        for i in framework.indicators
    }
    assert sorted(trends, key=lambda c: trends[c])[:2] == list(GAP_DIMENSIONS)
    money = committed_by_cell(coord, framework)
    median = statistics.median(money.values())
    weakest, falling = GAP_DIMENSIONS
    assert 0 < money[weakest] < median / 5
    assert money[falling] == 0
    capability = dict.fromkeys(Capability, 0.0)
    for a in coord.activities:
        for c in a.capabilities:
            capability[c] += usd(a, tt.OUTGOING_COMMITMENT, tt.INCOMING_COMMITMENT)
    assert capability[Capability.CORRECTIONS] < statistics.median(capability.values())


def test_most_violent_regions_have_no_programmes(
    scenario: Scenario, coord: CoordinationScenario
) -> None:
    regions = {r.pcode: shape(r.geometry) for r in scenario.regions}

    def locate(lon: float, lat: float) -> str:
        return next(code for code, area in regions.items() if area.covers(Point(lon, lat)))

    recent = Counter(
        locate(e.lon, e.lat)
        for e in scenario.events
        if e.date_start >= date(2024, 1, 1) and e.lon is not None and e.lat is not None
    )
    assert {code for code, _ in recent.most_common(2)} == set(RISK_GAP_REGIONS)
    located: Counter[str] = Counter()
    for a in coord.activities:
        for loc in a.locations:
            if loc.admin_code:
                located[region_of(loc.admin_code)] += 1
            else:
                assert loc.lon is not None and loc.lat is not None
                located[locate(loc.lon, loc.lat)] += 1
    for code in RISK_GAP_REGIONS:
        assert located[code] == 0
        assert not any(region_of(s.admin_code or "") == code for s in coord.trainings.sessions)
    for calm in ("XCA01", "XCA04", "XCA08"):
        assert located[calm] >= 5
