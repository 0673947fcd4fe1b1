"""From evidence to scores: per source, per indicator, per dimension and institution.

The method, formula by formula, is in ``docs/methods/assessment.md``. In short:

1. **Per source.** Each source measuring an indicator gives an estimate in the indicator's
   own units with a 95% interval: Wilson for shares (Kish effective n under weights),
   bootstrap over respondents for means, exact Poisson for rates and ratios, exact for
   yes/no checks. It is normalised to 0 (worst) .. 1 (best) between the indicator's
   thresholds, following its direction.
2. **Per indicator.** Sources are combined by precision weighting on the normalised scale,
   each standard error floored at ``SE_FLOOR`` (no source is more certain than that). Two
   sources conflict when their difference exceeds 2.58 standard errors of the difference;
   conflicts are flagged and both values are kept. Confidence combines, as a noisy-OR,
   one component per source (sample size times a recency decay) and is reduced on conflict.
3. **Roll-ups.** Dimension and institution scores are platform aggregates: importance-weighted
   means of their indicators, with intervals from a parametric bootstrap of the indicators.
4. **Change** between rounds is tested with a z statistic on the normalised values.
5. **Priorities** rank weaknesses by distance to target x importance x confidence.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from peaceops.analytics.assessment.stats import (
    Z95,
    Estimate,
    bootstrap_mean,
    count_share,
    exact,
    normal_p_value,
    poisson_rate,
    weighted_share,
)
from peaceops.domain.assessment import (
    AdminValue,
    Check,
    Dimension,
    Evidence,
    EvidenceSource,
    Framework,
    Indicator,
    Measure,
    SurveyResponse,
)

SE_FLOOR = 0.05
"""Smallest standard error of a source on the normalised 0-1 scale."""
SURVEY_HALF_N = 50.0
"""Effective sample size at which a survey's size component reaches 0.5."""
ADMIN_SIZE = 0.75
"""Size component of an administrative figure (a register, not a sample)."""
CHECK_HALF_N = 2.0
"""Number of checks at which a document or observation component reaches 0.5."""
RECENCY_HALF_LIFE_MONTHS = 24.0
CONFLICT_Z = 2.576
"""Two sources conflict beyond this many standard errors of their difference (1% two-sided:
with dozens of source pairs per round, a 5% test would flag several agreeing pairs by chance)."""
CONFLICT_PENALTY = 0.6
ROLLUP_DRAWS = 2000
HIGH_CONFIDENCE = 0.75
MEDIUM_CONFIDENCE = 0.45


@dataclass(frozen=True, slots=True)
class GroupEstimate:
    """An estimate for one group of a disaggregation; ``estimate`` is None when suppressed."""

    by: str
    group: str
    n: int
    estimate: Estimate | None


@dataclass(frozen=True, slots=True)
class SourceScore:
    indicator: str
    source: EvidenceSource
    raw: Estimate
    """In the indicator's units (share, mean, ratio, rate)."""
    value: float
    low: float
    high: float
    """Normalised 0 (worst) .. 1 (best), with the interval mapped through the thresholds."""
    as_of: date
    records: int
    groups: tuple[GroupEstimate, ...] = ()
    spread: float = 0.0
    """Standard error on the normalised scale before clipping at the thresholds."""

    @property
    def se(self) -> float:
        """Standard error used to combine and compare sources, at least ``SE_FLOOR``.

        Taken from the unclipped interval: a value beyond a threshold is clipped to 0 or 1,
        but its uncertainty is not.
        """
        return max(SE_FLOOR, self.spread, (self.high - self.low) / (2 * Z95))


@dataclass(frozen=True, slots=True)
class Conflict:
    a: EvidenceSource
    b: EvidenceSource
    difference: float
    z: float


@dataclass(frozen=True, slots=True)
class IndicatorScore:
    indicator: str
    institution: str
    dimension: Dimension
    weight: int
    value: float
    low: float
    high: float
    se: float
    sources: tuple[SourceScore, ...]
    conflicts: tuple[Conflict, ...]
    confidence: float

    @property
    def rating(self) -> str:
        return confidence_rating(self.confidence)


@dataclass(frozen=True, slots=True)
class Rollup:
    """A platform aggregate: dimension (``dimension`` set) or whole institution (None)."""

    institution: str
    dimension: Dimension | None
    value: float
    low: float
    high: float
    indicators: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def se(self) -> float:
        return (self.high - self.low) / (2 * Z95)


@dataclass(slots=True)
class RoundScores:
    framework: str
    indicators: dict[str, IndicatorScore] = field(default_factory=dict)
    dimensions: list[Rollup] = field(default_factory=list)
    institutions: list[Rollup] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    """Indicators of the assessed institutions with no usable evidence."""

    def rollup(self, institution: str, dimension: Dimension | None = None) -> Rollup | None:
        pool = self.institutions if dimension is None else self.dimensions
        for r in pool:
            if r.institution == institution and r.dimension == dimension:
                return r
        return None


def confidence_rating(confidence: float) -> str:
    if confidence >= HIGH_CONFIDENCE:
        return "high"
    if confidence >= MEDIUM_CONFIDENCE:
        return "medium"
    return "low"


# Normalisation -----------------------------------------------------------------------------


def normalise_interval(indicator: Indicator, est: Estimate) -> tuple[float, float, float]:
    t, d = indicator.thresholds, indicator.direction
    value = t.normalise(est.value, d)
    a, b = t.normalise(est.low, d), t.normalise(est.high, d)
    return value, min(a, b), max(a, b)


def normalised_spread(indicator: Indicator, est: Estimate) -> float:
    """The estimate's standard error in normalised units (threshold span = 1), unclipped."""
    t = indicator.thresholds
    return est.se / (t.high - t.low)


# Per source ---------------------------------------------------------------------------------


def _months_between(earlier: date, later: date) -> float:
    return max(0.0, (later - earlier).days / 30.4375)


def _respondent_scores(
    indicator: Indicator, source: EvidenceSource, responses: Sequence[SurveyResponse]
) -> tuple[list[float], list[SurveyResponse]]:
    """Each respondent's value for the indicator: favourable share or mean of their answers."""
    items = indicator.items_from(source)
    values: list[float] = []
    kept: list[SurveyResponse] = []
    for r in responses:
        answers = [(item, r.answers[item.code]) for item in items if item.code in r.answers]
        if not answers:
            continue
        if indicator.measure == Measure.SHARE:
            fav = [1.0 if a in item.favourable else 0.0 for item, a in answers]
            values.append(sum(fav) / len(fav))
        else:
            values.append(sum(float(a) for _, a in answers) / len(answers))
        kept.append(r)
    return values, kept


def _survey_estimate(
    indicator: Indicator, values: Sequence[float], weights: Sequence[float], seed: int
) -> Estimate:
    binary = all(v in (0.0, 1.0) for v in values)
    if indicator.measure == Measure.SHARE and binary:
        return weighted_share(values, weights)
    return bootstrap_mean(values, weights, seed=seed)


def survey_score(
    indicator: Indicator,
    source: EvidenceSource,
    responses: Sequence[SurveyResponse],
    *,
    period_end: date,
    min_cell: int,
    seed: int = 0,
) -> SourceScore | None:
    values, kept = _respondent_scores(indicator, source, responses)
    if not values:
        return None
    weights = [r.weight for r in kept]
    raw = _survey_estimate(indicator, values, weights, seed)
    value, low, high = normalise_interval(indicator, raw)
    dates = [r.collected_on for r in kept if r.collected_on is not None]
    groups: list[GroupEstimate] = []
    for by in indicator.disaggregations:
        cells: dict[str, list[int]] = defaultdict(list)
        for n, r in enumerate(kept):
            key = getattr(r, by.value)
            if key:
                cells[key].append(n)
        for key in sorted(cells):
            idx = cells[key]
            est = None
            if len(idx) >= min_cell:
                est = _survey_estimate(
                    indicator, [values[i] for i in idx], [weights[i] for i in idx], seed
                )
            groups.append(GroupEstimate(by.value, key, len(idx), est))
    return SourceScore(
        indicator=indicator.code,
        source=source,
        raw=raw,
        value=value,
        low=low,
        high=high,
        as_of=max(dates) if dates else period_end,
        records=len(kept),
        groups=tuple(groups),
        spread=normalised_spread(indicator, raw),
    )


def _admin_estimate(measure: Measure, numerator: float, denominator: float | None) -> Estimate:
    if measure == Measure.YES_NO:
        return exact(1.0 if numerator >= 1 else 0.0, 1)
    assert denominator is not None and denominator > 0
    if measure == Measure.SHARE:
        return count_share(numerator, denominator)
    if measure == Measure.RATE_PER_100K:
        return poisson_rate(numerator, denominator, per=100_000)
    return poisson_rate(numerator, denominator)


def admin_score(indicator: Indicator, values: Sequence[AdminValue]) -> SourceScore | None:
    """Latest figure per item; several items of one indicator are summed (num and den)."""
    codes = {i.code for i in indicator.items_from(EvidenceSource.ADMINISTRATIVE)}
    latest: dict[tuple[str, str], AdminValue] = {}
    for v in values:
        if v.item_code not in codes:
            continue
        key = (v.item_code, v.breakdown)
        if key not in latest or v.as_of > latest[key].as_of:
            latest[key] = v
    totals = [v for (_, b), v in latest.items() if b == ""]
    if not totals:
        return None
    if indicator.measure == Measure.YES_NO:
        met = sum(1 for v in totals if v.numerator >= 1)
        raw = exact(met / len(totals), len(totals))
    else:
        num = sum(v.numerator for v in totals)
        den = sum(v.denominator or 0.0 for v in totals)
        if den <= 0:
            return None
        raw = _admin_estimate(indicator.measure, num, den)
    value, low, high = normalise_interval(indicator, raw)
    groups = []
    for (_, breakdown), v in sorted(latest.items()):
        if breakdown == "" or indicator.measure == Measure.YES_NO:
            continue
        by, _, group = breakdown.partition("=")
        if not v.denominator:
            continue
        groups.append(
            GroupEstimate(
                by,
                group,
                int(v.denominator),
                _admin_estimate(indicator.measure, v.numerator, v.denominator),
            )
        )
    return SourceScore(
        indicator=indicator.code,
        source=EvidenceSource.ADMINISTRATIVE,
        raw=raw,
        value=value,
        low=low,
        high=high,
        as_of=max(v.as_of for v in totals),
        records=len(totals),
        groups=tuple(groups),
        spread=normalised_spread(indicator, raw),
    )


def check_score(
    indicator: Indicator, source: EvidenceSource, checks: Sequence[Check]
) -> SourceScore | None:
    codes = {i.code for i in indicator.items_from(source)}
    mine = [c for c in checks if c.source == source and c.item_code in codes]
    if not mine:
        return None
    met = sum(1 for c in mine if c.met)
    if indicator.measure == Measure.YES_NO:
        raw = exact(met / len(mine), len(mine))
    else:
        raw = count_share(met, len(mine))
    value, low, high = normalise_interval(indicator, raw)
    return SourceScore(
        indicator=indicator.code,
        source=source,
        raw=raw,
        value=value,
        low=low,
        high=high,
        as_of=max(c.checked_on for c in mine),
        records=len(mine),
        spread=normalised_spread(indicator, raw),
    )


# Per indicator -----------------------------------------------------------------------------


def source_confidence(score: SourceScore, period_end: date) -> float:
    """One source's contribution to confidence, in [0, 1): size x recency."""
    if score.source.is_survey:
        size = score.raw.n / (score.raw.n + SURVEY_HALF_N)
    elif score.source == EvidenceSource.ADMINISTRATIVE:
        size = ADMIN_SIZE
    else:
        size = score.records / (score.records + CHECK_HALF_N)
    recency = 0.5 ** (_months_between(score.as_of, period_end) / RECENCY_HALF_LIFE_MONTHS)
    return float(size * recency)


def find_conflicts(sources: Sequence[SourceScore]) -> list[Conflict]:
    out = []
    for i, a in enumerate(sources):
        for b in sources[i + 1 :]:
            diff = b.value - a.value
            z = diff / math.sqrt(a.se**2 + b.se**2)
            if abs(z) > CONFLICT_Z:
                out.append(Conflict(a.source, b.source, diff, z))
    return out


def combine(
    indicator: Indicator, sources: Sequence[SourceScore], *, period_end: date
) -> IndicatorScore:
    """Precision-weighted value, conflicts and confidence of one indicator."""
    if not sources:
        raise ValueError("an indicator score needs at least one source")
    weights = [1.0 / s.se**2 for s in sources]
    total = sum(weights)
    value = sum(w * s.value for w, s in zip(weights, sources, strict=True)) / total
    se = 1.0 / math.sqrt(total)
    conflicts = find_conflicts(sources)
    missing = 1.0
    for s in sources:
        missing *= 1.0 - source_confidence(s, period_end)
    confidence = 1.0 - missing
    if conflicts:
        confidence *= CONFLICT_PENALTY
    return IndicatorScore(
        indicator=indicator.code,
        institution=indicator.institution,
        dimension=indicator.dimension,
        weight=indicator.weight,
        value=value,
        low=max(0.0, value - Z95 * se),
        high=min(1.0, value + Z95 * se),
        se=se,
        sources=tuple(sources),
        conflicts=tuple(conflicts),
        confidence=confidence,
    )


def indicator_sources(
    indicator: Indicator,
    evidence: Evidence,
    *,
    period_end: date,
    min_cell: int,
    seed: int = 0,
) -> list[SourceScore]:
    out: list[SourceScore] = []
    for source in indicator.sources:
        score: SourceScore | None
        if source.is_survey:
            responses = [r for r in evidence.responses if r.source == source]
            score = survey_score(
                indicator, source, responses, period_end=period_end, min_cell=min_cell, seed=seed
            )
        elif source == EvidenceSource.ADMINISTRATIVE:
            score = admin_score(indicator, evidence.admin_values)
        else:
            score = check_score(indicator, source, evidence.checks)
        if score is not None:
            out.append(score)
    return out


# Roll-ups -----------------------------------------------------------------------------------


def _draws(scores: Sequence[IndicatorScore], rng: np.random.Generator) -> np.ndarray:
    values = np.array([s.value for s in scores])
    ses = np.array([s.se for s in scores])
    noise = rng.standard_normal((ROLLUP_DRAWS, len(scores)))
    draws: np.ndarray = np.clip(values + noise * ses, 0.0, 1.0)
    return draws


def _weighted(scores: Sequence[IndicatorScore], draws: np.ndarray) -> tuple[float, np.ndarray]:
    w = np.array([s.weight for s in scores], dtype=float)
    point = float(np.dot([s.value for s in scores], w) / w.sum())
    return point, (draws * w).sum(axis=1) / w.sum()


def rollups(
    framework: Framework,
    scores: dict[str, IndicatorScore],
    institutions: Iterable[str],
    *,
    seed: int = 0,
) -> tuple[list[Rollup], list[Rollup]]:
    """Dimension and institution aggregates with parametric-bootstrap intervals.

    A dimension is the importance-weighted mean of its scored indicators; an institution is the
    mean of its dimensions, draw by draw, so each dimension counts equally.
    """
    rng = np.random.default_rng(seed)
    dims: list[Rollup] = []
    insts: list[Rollup] = []
    for inst in institutions:
        per_dim_draws = []
        per_dim_points = []
        inst_codes: list[str] = []
        inst_missing: list[str] = []
        for dim in Dimension:
            members = [
                i for i in framework.indicators if i.institution == inst and i.dimension == dim
            ]
            scored = [scores[i.code] for i in members if i.code in scores]
            missing = tuple(i.code for i in members if i.code not in scores)
            inst_missing.extend(missing)
            if not scored:
                continue
            point, draws = _weighted(scored, _draws(scored, rng))
            low, high = np.quantile(draws, [0.025, 0.975])
            codes = tuple(s.indicator for s in scored)
            inst_codes.extend(codes)
            dims.append(Rollup(inst, dim, point, float(low), float(high), codes, missing))
            per_dim_draws.append(draws)
            per_dim_points.append(point)
        if per_dim_draws:
            mean_draws = np.mean(per_dim_draws, axis=0)
            low, high = np.quantile(mean_draws, [0.025, 0.975])
            insts.append(
                Rollup(
                    inst,
                    None,
                    float(np.mean(per_dim_points)),
                    float(low),
                    float(high),
                    tuple(inst_codes),
                    tuple(inst_missing),
                )
            )
    return dims, insts


def score_round(
    framework: Framework,
    evidence: Evidence,
    *,
    period_end: date,
    institutions: Sequence[str] = (),
    min_cell: int = 10,
    seed: int = 0,
) -> RoundScores:
    """Every score of a round, computed from its evidence."""
    assessed = list(institutions) or [i.code for i in framework.institutions]
    result = RoundScores(framework=framework.key)
    for indicator in framework.indicators:
        if indicator.institution not in assessed:
            continue
        sources = indicator_sources(
            indicator, evidence, period_end=period_end, min_cell=min_cell, seed=seed
        )
        if sources:
            result.indicators[indicator.code] = combine(indicator, sources, period_end=period_end)
        else:
            result.missing.append(indicator.code)
    result.dimensions, result.institutions = rollups(
        framework, result.indicators, assessed, seed=seed
    )
    return result


# Change between rounds ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    key: str
    """An indicator code, ``institution/dimension`` or ``institution``."""
    before: float
    after: float
    difference: float
    z: float
    p_value: float

    @property
    def significant(self) -> bool:
        return self.p_value < 0.05

    @property
    def direction(self) -> str:
        if not self.significant:
            return "no_clear_change"
        return "better" if self.difference > 0 else "worse"


def _change(key: str, before: float, after: float, se_before: float, se_after: float) -> Change:
    se = math.sqrt(se_before**2 + se_after**2)
    diff = after - before
    z = diff / se if se > 0 else (0.0 if diff == 0 else math.copysign(math.inf, diff))
    return Change(key, before, after, diff, z, normal_p_value(z) if math.isfinite(z) else 0.0)


def comparable(a: Indicator, b: Indicator) -> bool:
    """Two framework versions measure an indicator the same way."""
    return (a.measure, a.direction, a.thresholds) == (b.measure, b.direction, b.thresholds)


def changes(
    before: RoundScores,
    after: RoundScores,
    framework_before: Framework,
    framework_after: Framework,
) -> list[Change]:
    """Change of every indicator and roll-up present in both rounds, with a z-test."""
    out: list[Change] = []
    for code, b in after.indicators.items():
        a = before.indicators.get(code)
        if a is None:
            continue
        try:
            same = comparable(framework_before.indicator(code), framework_after.indicator(code))
        except KeyError:
            same = False
        if same:
            out.append(_change(code, a.value, b.value, a.se, b.se))
    for rb in after.dimensions + after.institutions:
        ra = before.rollup(rb.institution, rb.dimension)
        if ra is None:
            continue
        key = rb.institution if rb.dimension is None else f"{rb.institution}/{rb.dimension.value}"
        out.append(_change(key, ra.value, rb.value, ra.se, rb.se))
    return out


# Priorities ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Priority:
    indicator: str
    institution: str
    dimension: Dimension
    gap: float
    """Distance to the target (1 on the normalised scale)."""
    weight: int
    confidence: float
    priority: float


def priorities(scores: RoundScores) -> list[Priority]:
    """Weaknesses ranked by gap x importance (weight / 3) x confidence, highest first."""
    out = [
        Priority(
            indicator=s.indicator,
            institution=s.institution,
            dimension=s.dimension,
            gap=1.0 - s.value,
            weight=s.weight,
            confidence=s.confidence,
            priority=(1.0 - s.value) * (s.weight / 3.0) * s.confidence,
        )
        for s in scores.indicators.values()
    ]
    out.sort(key=lambda p: (-p.priority, p.indicator))
    return out
