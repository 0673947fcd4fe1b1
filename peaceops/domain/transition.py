"""Transition: benchmarks for a mission's drawdown, measured on the platform's own evidence.

A benchmark is a statement the Security Council and the host government agree on ("the
national police can provide security in all regions"), the institution or area it concerns,
and conditions that make it measurable: an indicator or dimension score above a threshold, a
forecast risk below a level for some months, the share of complaints resolved, of gaps funded,
of trained personnel against a target, of sites handed over. Benchmark sets are data (YAML),
versioned, drafted, agreed (who, when) and revised.

Each condition is judged from a series of observations: met, on track (the trend reaches the
threshold by the target date), at risk (it might), off track (it will not at this pace), or no
evidence. The judgement carries its trend, its confidence and the projected date the threshold
is crossed, with an interval; too little evidence is said plainly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

Text = dict[str, str]


class ConditionKind(StrEnum):
    INDICATOR_SCORE = "indicator_score"
    """An assessment indicator's score (0-1) at or above a threshold."""
    DIMENSION_SCORE = "dimension_score"
    """An institution's dimension roll-up (0-1), or the institution overall, at or above."""
    FORECAST_RISK = "forecast_risk"
    """The forecast probability of 25 or more deaths a month at or below a level, in every
    month of a window (country or area)."""
    COMPLAINTS_RESOLVED = "complaints_resolved"
    """Share of complaints against security forces referred and closed with a decision."""
    GAPS_FUNDED = "gaps_funded"
    """Share of the identified gaps (measured weaknesses) that funded programmes address."""
    TRAINED_PERSONNEL = "trained_personnel"
    """Trained personnel still serving, against a target number."""
    SITES_HANDED_OVER = "sites_handed_over"
    """Share of the mission's sites (deployments) handed over or closed."""


class Direction(StrEnum):
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


class Status(StrEnum):
    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_EVIDENCE = "no_evidence"


class SetStatus(StrEnum):
    DRAFT = "draft"
    AGREED = "agreed"
    SUPERSEDED = "superseded"


@dataclass(frozen=True, slots=True)
class Condition:
    """One measurable condition of a benchmark."""

    key: str
    kind: ConditionKind
    threshold: float
    direction: Direction = Direction.AT_LEAST
    target: str = ""
    """What is measured: an indicator code, ``institution/dimension``, an institution type for
    trainings, a mission acronym for sites; empty for the country as a whole."""
    months: int = 1
    """For forecast risk: how many consecutive months must stay at or below the level."""
    label: Text = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Benchmark:
    key: str
    statement: Text
    institution: str = ""
    """The institution type (or framework institution) it concerns, if one."""
    area: str = ""
    """The admin-area P-code it concerns, if one."""
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class BenchmarkSet:
    code: str
    version: str
    title: Text
    benchmarks: tuple[Benchmark, ...]
    target_date: date
    """When the benchmarks should be met (the planned end of the drawdown)."""
    status: SetStatus = SetStatus.DRAFT
    agreed_by: str = ""
    agreed_on: date | None = None
    country_iso3: str = ""
    note: str = ""
    """Why this version: what was revised, or the decision that agreed it."""
    revises_id: int | None = None
    """The version this one revises."""
    id: int | None = None
    created_by: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Observation:
    """One measurement of a condition's quantity, with its standard error if known."""

    on: date
    value: float
    se: float | None = None
    evidence: str = ""
    """Where it comes from: a round, a forecast run, a register, with its id."""


@dataclass(frozen=True, slots=True)
class Judgement:
    """A condition judged from its observations."""

    condition: Condition
    status: Status
    latest: Observation | None
    trend_per_year: float | None
    """Change of the value per year (least squares over the observations)."""
    trend_se: float | None
    projected: date | None
    """When the trend crosses the threshold (None when met, falling away, or too thin)."""
    projected_low: date | None
    projected_high: date | None
    """An 80% interval of the crossing date, from the trend's uncertainty."""
    confidence: float
    """Probability, under the trend and its uncertainty, that the threshold is met by the
    target date (1.0 when met now; 0.0 with no evidence)."""
    reason: str
    """Why: the plain sentence behind the status (in English; pages retell it)."""
    observations: tuple[Observation, ...] = ()
    fitted: float | None = None
    """The trend's value at the latest observation (where projections start)."""


@dataclass(frozen=True, slots=True)
class BenchmarkJudgement:
    benchmark: Benchmark
    status: Status
    conditions: tuple[Judgement, ...]
    evaluated_on: datetime | None = None


STATUS_ORDER = (Status.OFF_TRACK, Status.AT_RISK, Status.NO_EVIDENCE, Status.ON_TRACK, Status.MET)
"""Worst first: how statuses combine (a group is as ready as its least ready benchmark)."""


def worst(statuses: list[Status] | tuple[Status, ...]) -> Status:
    """The least ready of some statuses (no evidence when there are none)."""
    if not statuses:
        return Status.NO_EVIDENCE
    return min(statuses, key=STATUS_ORDER.index)


@dataclass(frozen=True, slots=True)
class Readiness:
    """A country's benchmark set judged on the evidence known at ``as_of``."""

    benchmark_set: BenchmarkSet
    as_of: date
    judgements: tuple[BenchmarkJudgement, ...]

    def by_institution(self) -> dict[str, Status]:
        """Institution type -> the worst status of the benchmarks that concern it."""
        groups: dict[str, list[Status]] = {}
        for j in self.judgements:
            if j.benchmark.institution:
                groups.setdefault(j.benchmark.institution, []).append(j.status)
        return {k: worst(v) for k, v in groups.items()}

    def by_area(self) -> dict[str, Status]:
        """Admin-area P-code -> the worst status of the benchmarks that concern it."""
        groups: dict[str, list[Status]] = {}
        for j in self.judgements:
            if j.benchmark.area:
                groups.setdefault(j.benchmark.area, []).append(j.status)
        return {k: worst(v) for k, v in groups.items()}

    def counts(self) -> dict[Status, int]:
        """How many benchmarks have each status (every status present, zero if none)."""
        out = dict.fromkeys(Status, 0)
        for j in self.judgements:
            out[j.status] += 1
        return out

    @property
    def overall(self) -> Status:
        return worst([j.status for j in self.judgements])
