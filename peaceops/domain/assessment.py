"""Institutional assessment: indicator frameworks, rounds and the evidence behind scores.

The method follows the structure of the UN Rule of Law Indicators (2011): indicators are
grouped by institution and by dimension, each is measured from one or more sources, and a
country is tracked against itself over rounds, never ranked against other countries.

A framework is data (YAML or XLSX, read by ``peaceops.ingest.frameworks``); the classes here
are its validated, immutable form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Dimension(StrEnum):
    """The four dimensions along which every institution is assessed."""

    PERFORMANCE = "performance"
    INTEGRITY = "integrity"
    """Integrity, transparency and accountability."""
    VULNERABLE_GROUPS = "vulnerable_groups"
    """Treatment of members of vulnerable groups."""
    CAPACITY = "capacity"


class EvidenceSource(StrEnum):
    """Where a measurement comes from; one indicator may be measured from several."""

    EXPERT_SURVEY = "expert_survey"
    PUBLIC_SURVEY = "public_survey"
    ADMINISTRATIVE = "administrative"
    DOCUMENT_REVIEW = "document_review"
    SITE_OBSERVATION = "site_observation"

    @property
    def is_survey(self) -> bool:
        return self in (EvidenceSource.EXPERT_SURVEY, EvidenceSource.PUBLIC_SURVEY)

    @property
    def is_check(self) -> bool:
        return self in (EvidenceSource.DOCUMENT_REVIEW, EvidenceSource.SITE_OBSERVATION)


class Measure(StrEnum):
    """What kind of number an indicator is."""

    SHARE = "share"
    """Share of respondents (or of checks, or of cases) with a favourable value, 0-1."""
    LIKERT_MEAN = "likert_mean"
    """Mean of a numeric response scale (for example 1-5)."""
    RATIO = "ratio"
    """One administrative count over another (for example detainees per cell place)."""
    RATE_PER_100K = "rate_per_100k"
    """An administrative count per 100,000 of a population."""
    YES_NO = "yes_no"
    """Whether a condition holds (a law exists, a register is kept): share of checks met."""


class Direction(StrEnum):
    HIGHER_BETTER = "higher_better"
    LOWER_BETTER = "lower_better"


class Disaggregation(StrEnum):
    SEX = "sex"
    REGION = "region"
    GROUP = "group"


# A text in the framework's languages: {"en": "...", "fr": "..."}.
Text = dict[str, str]


def text_in(text: Text, language: str) -> str:
    """The text in ``language``, falling back to English."""
    return text.get(language) or text.get("en") or next(iter(text.values()), "")


@dataclass(frozen=True, slots=True)
class ScaleValue:
    value: int
    label: Text


@dataclass(frozen=True, slots=True)
class Scale:
    """A closed response scale: the values a survey answer may take."""

    code: str
    values: tuple[ScaleValue, ...]

    @property
    def allowed(self) -> frozenset[int]:
        return frozenset(v.value for v in self.values)


@dataclass(frozen=True, slots=True)
class Item:
    """One thing measured for an indicator from one source.

    Survey items are questions on a ``scale`` (``favourable`` values count for shares);
    administrative items name a ``numerator`` and, for shares, ratios and rates, a
    ``denominator``; document-review and site-observation items are checks that are met or not.
    """

    code: str
    source: EvidenceSource
    text: Text
    scale: str | None = None
    favourable: tuple[int, ...] = ()
    numerator: Text | None = None
    denominator: Text | None = None


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Values of the measure that map to 0 and 1 when normalising (``low`` < ``high``)."""

    low: float
    high: float

    def normalise(self, value: float, direction: Direction) -> float:
        """Position of ``value`` between the thresholds, 0 worst and 1 best, clipped.

        >>> Thresholds(0.2, 0.8).normalise(0.5, Direction.HIGHER_BETTER)
        0.5
        >>> Thresholds(0.2, 0.8).normalise(0.35, Direction.LOWER_BETTER)
        0.75
        """
        share = (value - self.low) / (self.high - self.low)
        share = min(1.0, max(0.0, share))
        score = share if direction == Direction.HIGHER_BETTER else 1.0 - share
        return round(score, 12)


@dataclass(frozen=True, slots=True)
class Indicator:
    code: str
    institution: str
    dimension: Dimension
    text: Text
    direction: Direction
    measure: Measure
    thresholds: Thresholds
    sources: tuple[EvidenceSource, ...]
    items: tuple[Item, ...]
    weight: int = 2
    """Importance, 1 (useful) to 3 (essential); used in roll-ups and priorities."""
    disaggregations: tuple[Disaggregation, ...] = ()

    def items_from(self, source: EvidenceSource) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.source == source)


@dataclass(frozen=True, slots=True)
class FrameworkInstitution:
    """An institution as a framework names it, and the institution types it applies to."""

    code: str
    name: Text
    types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Framework:
    code: str
    version: str
    title: Text
    description: Text
    scales: dict[str, Scale]
    institutions: tuple[FrameworkInstitution, ...]
    indicators: tuple[Indicator, ...]
    id: int | None = None

    @property
    def key(self) -> str:
        return f"{self.code}@{self.version}"

    def indicator(self, code: str) -> Indicator:
        for ind in self.indicators:
            if ind.code == code:
                return ind
        raise KeyError(code)

    def item(self, code: str) -> tuple[Indicator, Item]:
        for ind in self.indicators:
            for item in ind.items:
                if item.code == code:
                    return ind, item
        raise KeyError(code)

    def institution(self, code: str) -> FrameworkInstitution:
        for inst in self.institutions:
            if inst.code == code:
                return inst
        raise KeyError(code)

    def institution_for_type(self, type_: str) -> FrameworkInstitution | None:
        for inst in self.institutions:
            if type_ in inst.types:
                return inst
        return None

    def items_from(self, source: EvidenceSource) -> list[tuple[Indicator, Item]]:
        return [(ind, it) for ind in self.indicators for it in ind.items if it.source == source]


@dataclass(frozen=True, slots=True)
class Round:
    """One assessment of a country's institutions against one framework version."""

    country_iso3: str
    framework_id: int
    name: str
    period_start: date
    period_end: date
    sample_frame: str = ""
    notes: str = ""
    institutions: tuple[str, ...] = ()
    """Framework institution codes assessed in this round; empty means all."""
    id: int | None = None


# Evidence records -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SurveyResponse:
    """One respondent of an expert or public survey: answers by item code, with a weight.

    ``respondent_ref`` is a keyed digest of the identifier in the source file, never the
    identifier itself; it makes a re-import recognise the same respondent.
    """

    source: EvidenceSource
    respondent_ref: str
    answers: dict[str, int]
    weight: float = 1.0
    sex: str | None = None
    region: str | None = None
    group: str | None = None
    collected_on: date | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class AdminValue:
    """An administrative figure for an item, with where and when it comes from."""

    item_code: str
    numerator: float
    denominator: float | None
    source_name: str
    as_of: date
    breakdown: str = ""
    """Empty for the national total, else ``sex=female``, ``region=XCA03``..."""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """A document-review or site-observation check: is the condition met, and where seen."""

    source: EvidenceSource
    item_code: str
    met: bool
    reference: str
    """The document cited, or the site observed."""
    checked_on: date
    notes: str = ""
    line: int | None = None


@dataclass(slots=True)
class Evidence:
    """Everything recorded for one round."""

    responses: list[SurveyResponse] = field(default_factory=list)
    admin_values: list[AdminValue] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.responses) + len(self.admin_values) + len(self.checks)
