"""Generated assessment evidence for Carana: respondents, registers, documents and site visits.

Each indicator has a hidden true level (0 worst .. 1 best) per round that follows a storyline:
the police vetting programme lifts police integrity, prison overcrowding erodes corrections
capacity, the courts change little. Evidence is then drawn from that level the way each
source would see it (sampled respondents, register counts, checks at sites), so scores,
intervals, changes and one deliberate source conflict (the expert panel is far more
optimistic about the prisons than the public and the registers) come out of the same
computation a real round goes through. Nothing here is a fact about a real country.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from peaceops.domain.assessment import (
    AdminValue,
    Check,
    Dimension,
    Direction,
    Evidence,
    EvidenceSource,
    Framework,
    Indicator,
    Item,
    Measure,
    SurveyResponse,
)
from peaceops.scenario.carana import Scenario

POPULATION = 4_180_000
"""Carana's population, the denominator of rates per 100,000."""
PUBLIC_RESPONDENTS = 600
EXPERT_RESPONDENTS = 45
FEMALE_SHARE_OF_SAMPLE = 0.42
"""Women are under-reached by the survey teams; weights restore an even split."""
CONFLICT_BIAS = 0.55

# Change of the true level per round, by (institution, dimension); None = every dimension.
TRENDS: dict[tuple[str, Dimension | None], float] = {
    ("police", Dimension.INTEGRITY): 0.14,
    ("police", None): 0.04,
    ("judiciary", None): 0.01,
    ("corrections", Dimension.CAPACITY): -0.12,
    ("corrections", Dimension.VULNERABLE_GROUPS): -0.05,
}

DOCUMENTS = {
    "police": ["Police Act (2019)", "Police Code of Conduct (2021)", "Police annual report 2025"],
    "judiciary": [
        "Criminal Procedure Code (2021)",
        "Judicial Service Commission Rules (2020)",
        "Legal Aid Act (2022)",
    ],
    "corrections": ["Prisons Act (2018)", "Prison Service Standing Orders (2023)"],
    "armed_forces": ["Defence Act (2022)", "Armed Forces Code of Conduct (2023)"],
    "defence_management": ["Defence White Paper (2024)", "National Budget Law 2026"],
    "oversight": ["Standing Orders of the National Assembly (2021)", "Ombudsman Act (2020)"],
}


@dataclass(frozen=True, slots=True)
class RoundSpec:
    framework_code: str
    name: str
    period_start: date
    period_end: date
    sample_frame: str
    notes: str
    evidence: Evidence
    institutions: tuple[str, ...] = ()


def _value(indicator: Indicator, level: float) -> float:
    t = indicator.thresholds
    span = t.high - t.low
    if indicator.direction == Direction.HIGHER_BETTER:
        return t.low + level * span
    return t.high - level * span


def _trend(institution: str, dimension: Dimension) -> float:
    return TRENDS.get((institution, dimension), 0.0) + TRENDS.get((institution, None), 0.0)


def _conflict_indicator(framework: Framework) -> str | None:
    """The indicator whose expert panel disagrees with a precise source (corrections first)."""
    precise = {EvidenceSource.PUBLIC_SURVEY, EvidenceSource.ADMINISTRATIVE}
    for preferred in ("corrections", None):
        for ind in framework.indicators:
            if preferred and ind.institution != preferred:
                continue
            if EvidenceSource.EXPERT_SURVEY in ind.sources and precise & set(ind.sources):
                return ind.code
    return None


def _answer(
    rng: random.Random,
    framework: Framework,
    indicator: Indicator,
    item: Item,
    level: float,
) -> int:
    assert item.scale is not None
    allowed = sorted(framework.scales[item.scale].allowed)
    level = min(0.98, max(0.02, level))
    if indicator.measure == Measure.SHARE:
        p = _value(indicator, level)
        p = min(0.98, max(0.02, p))
        favourable = [v for v in allowed if v in item.favourable]
        other = [v for v in allowed if v not in item.favourable]
        if not other or rng.random() < p:
            return rng.choice(favourable)
        return rng.choice(other)
    target = _value(indicator, level)
    weights = [math.exp(-((v - target) ** 2) / 1.2) for v in allowed]
    return rng.choices(allowed, weights=weights)[0]


def _fieldwork_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max(1, (end - start).days + 1)))


def _surveys(
    rng: random.Random,
    framework: Framework,
    levels: dict[str, float],
    conflict: str | None,
    prefix: str,
    start: date,
    end: date,
    regions: list[str],
    public_respondents: int,
) -> list[SurveyResponse]:
    out: list[SurveyResponse] = []
    female_weight = 0.5 / FEMALE_SHARE_OF_SAMPLE
    male_weight = 0.5 / (1 - FEMALE_SHARE_OF_SAMPLE)
    for source, n in (
        (EvidenceSource.PUBLIC_SURVEY, public_respondents),
        (EvidenceSource.EXPERT_SURVEY, EXPERT_RESPONDENTS),
    ):
        items = framework.items_from(source)
        if not items:
            continue
        tag = "PS" if source == EvidenceSource.PUBLIC_SURVEY else "ES"
        for k in range(1, n + 1):
            female = rng.random() < FEMALE_SHARE_OF_SAMPLE
            displaced = rng.random() < 0.15
            answers: dict[str, int] = {}
            for indicator, item in items:
                level = levels[indicator.code]
                if source == EvidenceSource.PUBLIC_SURVEY:
                    if female and indicator.dimension == Dimension.VULNERABLE_GROUPS:
                        level -= 0.15
                    if displaced:
                        level -= 0.08
                elif indicator.code == conflict:
                    level += CONFLICT_BIAS
                if rng.random() < 0.04:
                    continue  # no answer
                answers[item.code] = _answer(rng, framework, indicator, item, level)
            public = source == EvidenceSource.PUBLIC_SURVEY
            out.append(
                SurveyResponse(
                    source=source,
                    respondent_ref=f"{prefix}-{tag}-{k:04d}",
                    answers=answers,
                    weight=(female_weight if female else male_weight) if public else 1.0,
                    sex="female" if female else "male",
                    region=rng.choice(regions) if public else None,
                    group=("displaced" if displaced else "resident") if public else None,
                    collected_on=_fieldwork_day(rng, start, end),
                )
            )
    return out


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (normal approximation above 500)."""
    if mean > 500:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _admin(
    rng: random.Random, framework: Framework, levels: dict[str, float], end: date
) -> list[AdminValue]:
    out: list[AdminValue] = []
    for indicator, item in framework.items_from(EvidenceSource.ADMINISTRATIVE):
        level = min(0.98, max(0.02, levels[indicator.code]))
        value = _value(indicator, level)
        as_of = end - timedelta(days=rng.randrange(20, 120))
        source = f"{framework.institution(indicator.institution).name['en']} records"
        if indicator.measure == Measure.YES_NO:
            out.append(
                AdminValue(item.code, 1.0 if rng.random() < level else 0.0, None, source, as_of)
            )
            continue
        if indicator.measure == Measure.RATE_PER_100K:
            den = float(POPULATION)
            num = float(_poisson(rng, value * den / 100_000))
        elif indicator.measure == Measure.RATIO:
            den = float(rng.randrange(800, 4000))
            num = float(_poisson(rng, value * den))
        else:
            den = float(rng.randrange(300, 3000))
            p = min(1.0, max(0.0, value))
            num = float(sum(1 for _ in range(int(den)) if rng.random() < p))
        out.append(AdminValue(item.code, num, den, source, as_of))
        if indicator.measure == Measure.SHARE and "sex" in {
            d.value for d in indicator.disaggregations
        }:
            for sex, shift in (("female", -0.06), ("male", 0.04)):
                d = float(rng.randrange(150, 1500))
                q = min(1.0, max(0.0, p + shift))
                n = float(sum(1 for _ in range(int(d)) if rng.random() < q))
                out.append(AdminValue(item.code, n, d, source, as_of, breakdown=f"sex={sex}"))
    return out


def _checks(
    rng: random.Random,
    framework: Framework,
    levels: dict[str, float],
    start: date,
    end: date,
    sites_by_type: dict[str, list[str]],
) -> list[Check]:
    out: list[Check] = []
    for source in (EvidenceSource.DOCUMENT_REVIEW, EvidenceSource.SITE_OBSERVATION):
        for indicator, item in framework.items_from(source):
            level = min(0.98, max(0.02, levels[indicator.code]))
            p = (
                _value(indicator, level)
                if indicator.measure in (Measure.SHARE, Measure.YES_NO)
                else level
            )
            p = min(1.0, max(0.0, p))
            if source == EvidenceSource.DOCUMENT_REVIEW:
                refs = DOCUMENTS.get(indicator.institution, ["Official Gazette"])[:2]
            else:
                types = framework.institution(indicator.institution).types
                pool = sorted({s for t in types for s in sites_by_type.get(t, [])})
                refs = rng.sample(pool, min(8, len(pool))) if pool else ["Port Amani"]
            for ref in refs:
                out.append(
                    Check(
                        source=source,
                        item_code=item.code,
                        met=rng.random() < p,
                        reference=ref,
                        checked_on=_fieldwork_day(rng, start, end),
                    )
                )
    return out


def build_rounds(
    framework: Framework,
    scenario: Scenario,
    *,
    rounds: int,
    seed: int,
    public_respondents: int = PUBLIC_RESPONDENTS,
    fed_items: frozenset[str] = frozenset(),
) -> list[RoundSpec]:
    """``rounds`` yearly rounds of ``framework`` (the last in 2026), oldest first.

    Indicators measured only by ``fed_items`` (the legal-framework items, which the demo's
    laws and their checklist reviews supply) get no generated evidence; they are left out
    before any random draw, so the other indicators' evidence does not depend on them."""
    if fed_items:
        framework = replace(
            framework,
            indicators=tuple(
                ind
                for ind in framework.indicators
                if not {item.code for item in ind.items} <= fed_items
            ),
        )
    rng = random.Random(f"{seed}:{framework.code}")
    regions = [r.pcode for r in scenario.regions]
    types = {key: inst.type.value for key, inst in scenario.institutions.items()}
    sites_by_type: dict[str, list[str]] = {}
    for site in scenario.sites:
        sites_by_type.setdefault(types[site.institution_key], []).append(site.name)
    base = {ind.code: rng.uniform(0.25, 0.6) for ind in framework.indicators}
    conflict = _conflict_indicator(framework)
    out = []
    for r in range(rounds):
        year = 2026 - (rounds - 1 - r)
        start, end = date(year, 2, 1), date(year, 5, 31)
        levels = {
            ind.code: base[ind.code]
            + r * _trend(ind.institution, ind.dimension)
            + rng.gauss(0, 0.02)
            for ind in framework.indicators
        }
        prefix = f"{framework.code[:3].upper()}{year}"
        evidence = Evidence(
            responses=_surveys(
                rng, framework, levels, conflict, prefix, start, end, regions, public_respondents
            ),
            admin_values=_admin(rng, framework, levels, end),
            checks=_checks(rng, framework, levels, start, end, sites_by_type),
        )
        label = "baseline" if r == 0 else f"round {r + 1}"
        out.append(
            RoundSpec(
                framework_code=framework.code,
                name=f"{framework.title['en']} {year} ({label})",
                period_start=start,
                period_end=end,
                sample_frame=(
                    f"Household survey of {public_respondents} adults in the 8 regions "
                    f"(two-stage cluster sample, weighted by sex); panel of "
                    f"{EXPERT_RESPONDENTS} practitioners; institutional registers; document "
                    "review; visits to a sample of sites."
                ),
                notes="Generated for the Carana demonstration scenario (fictional).",
                evidence=evidence,
            )
        )
    return out
