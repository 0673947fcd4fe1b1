"""Programmes and money: activities, who takes part in what role, where, with what funds.

The model follows the IATI activity standard (2.03) closely enough to import and export it
without loss for the fields PeaceOps uses, and adds what coordination needs: the national
institutions an activity supports and its capability areas in a security-sector taxonomy
finer than the DAC code 15210.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum, StrEnum


class ActivityStatus(IntEnum):
    """IATI ActivityStatus codelist."""

    PIPELINE = 1
    IMPLEMENTATION = 2
    FINALISATION = 3
    CLOSED = 4
    CANCELLED = 5
    SUSPENDED = 6


class OrgRole(IntEnum):
    """IATI OrganisationRole codelist: who funds, answers for, extends, implements."""

    FUNDING = 1
    ACCOUNTABLE = 2
    EXTENDING = 3
    IMPLEMENTING = 4


class TransactionType(IntEnum):
    """IATI TransactionType codelist (2.0x numeric codes)."""

    INCOMING_FUNDS = 1
    OUTGOING_COMMITMENT = 2
    DISBURSEMENT = 3
    EXPENDITURE = 4
    INTEREST_PAYMENT = 5
    LOAN_REPAYMENT = 6
    REIMBURSEMENT = 7
    PURCHASE_OF_EQUITY = 8
    SALE_OF_EQUITY = 9
    CREDIT_GUARANTEE = 10
    INCOMING_COMMITMENT = 11
    OUTGOING_PLEDGE = 12
    INCOMING_PLEDGE = 13


class Capability(StrEnum):
    """Capability areas of security and justice support, finer than DAC 15210."""

    POLICE_REFORM = "police_reform"
    COMMUNITY_POLICING = "community_policing"
    JUSTICE_REFORM = "justice_reform"
    LEGAL_AID = "legal_aid"
    CORRECTIONS = "corrections"
    DEFENCE_REFORM = "defence_reform"
    OVERSIGHT = "oversight"
    ANTI_CORRUPTION = "anti_corruption"
    DDR = "ddr"
    BORDER_MANAGEMENT = "border_management"
    LEGISLATIVE_DRAFTING = "legislative_drafting"
    VETTING = "vetting"
    HUMAN_RIGHTS_TRAINING = "human_rights_training"
    GENDER_SGBV = "gender_sgbv"
    INFRASTRUCTURE = "infrastructure"
    EQUIPMENT = "equipment"
    MINE_ACTION = "mine_action"
    SSR_GENERAL = "ssr_general"
    """Security system management and reform not specified further."""


# DAC 5-digit purpose codes of the conflict, peace and security and governance sectors, and the
# capability each implies when nothing more specific is known.
DAC_CAPABILITIES: dict[str, Capability] = {
    "15113": Capability.ANTI_CORRUPTION,
    "15130": Capability.JUSTICE_REFORM,
    "15152": Capability.OVERSIGHT,
    "15160": Capability.HUMAN_RIGHTS_TRAINING,
    "15170": Capability.GENDER_SGBV,
    "15180": Capability.GENDER_SGBV,
    "15210": Capability.SSR_GENERAL,
    "15230": Capability.SSR_GENERAL,
    "15240": Capability.DDR,
    "15250": Capability.MINE_ACTION,
    "15261": Capability.DDR,
}


@dataclass(frozen=True, slots=True)
class Participant:
    role: OrgRole
    name: str
    ref: str | None = None
    org_type: str | None = None
    actor_id: int | None = None


@dataclass(frozen=True, slots=True)
class SectorShare:
    code: str
    vocabulary: str = "1"
    """IATI SectorVocabulary: 1 DAC 5-digit, 2 DAC 3-digit, 99 reporting organisation's own."""
    percentage: float | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ActivityLocation:
    name: str
    lon: float | None = None
    lat: float | None = None
    admin_area_id: int | None = None
    country_iso3: str | None = None
    admin_level: int | None = None
    """1 for a region (``#adm1``), 2 for a district (``#adm2``); None for a named point."""
    admin_code: str | None = None
    """The P-code as the source gave it, resolved to ``admin_area_id`` by the platform."""


@dataclass(frozen=True, slots=True)
class Money:
    value: float
    currency: str
    value_date: date | None = None


@dataclass(frozen=True, slots=True)
class Budget:
    period_start: date
    period_end: date
    amount: Money
    revised: bool = False


@dataclass(frozen=True, slots=True)
class Transaction:
    type: TransactionType
    date: date
    amount: Money
    provider: str | None = None
    provider_ref: str | None = None
    receiver: str | None = None
    receiver_ref: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ResultPeriod:
    start: date | None
    end: date | None
    target: float | None = None
    actual: float | None = None


@dataclass(frozen=True, slots=True)
class ResultIndicator:
    title: str
    measure: str = "1"
    """IATI IndicatorMeasure: 1 unit, 2 percentage, 3 nominal, 4 ordinal, 5 qualitative."""
    baseline: float | None = None
    baseline_year: int | None = None
    periods: tuple[ResultPeriod, ...] = ()
    framework_indicator: str | None = None
    """An assessment framework indicator code this result indicator speaks to."""


@dataclass(frozen=True, slots=True)
class Result:
    title: str
    type: str = "1"
    """IATI ResultType: 1 output, 2 outcome, 3 impact, 9 other."""
    indicators: tuple[ResultIndicator, ...] = ()


@dataclass(slots=True)
class Activity:
    """A project or programme, as a funder, an agency or an NGO reports it."""

    identifier: str
    title: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)
    status: ActivityStatus | None = None
    planned_start: date | None = None
    actual_start: date | None = None
    planned_end: date | None = None
    actual_end: date | None = None
    reporting_org: Participant | None = None
    participants: list[Participant] = field(default_factory=list)
    countries: list[tuple[str, float | None]] = field(default_factory=list)
    """Recipient countries (ISO3) with their percentage."""
    sectors: list[SectorShare] = field(default_factory=list)
    capabilities: list[Capability] = field(default_factory=list)
    institution_ids: list[int] = field(default_factory=list)
    institution_refs: list[str] = field(default_factory=list)
    """Institutions as a source names them (name or acronym); the platform resolves them."""
    locations: list[ActivityLocation] = field(default_factory=list)
    budgets: list[Budget] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    default_currency: str | None = None
    source: str = "iati"
    line: int | None = None
    id: int | None = None

    @property
    def start(self) -> date | None:
        return self.actual_start or self.planned_start

    @property
    def end(self) -> date | None:
        return self.actual_end or self.planned_end

    def title_in(self, language: str = "en") -> str:
        return self.title.get(language) or next(iter(self.title.values()), self.identifier)

    def in_country(self, iso3: str) -> bool:
        """Whether the activity names ``iso3`` as a recipient country or a location's country."""
        return any(c == iso3 for c, _ in self.countries) or any(
            loc.country_iso3 == iso3 for loc in self.locations
        )

    def mentions(self, needle: str) -> bool:
        """Whether ``needle`` (casefolded) occurs in the identifier, a title or an organisation."""
        names = (
            self.identifier,
            *self.title.values(),
            *(p.name for p in self.participants),
            *([self.reporting_org.name] if self.reporting_org else []),
            *(p.ref or "" for p in self.participants),
        )
        return any(needle in n.casefold() for n in names)

    def total(self, *types: TransactionType) -> dict[str, float]:
        """Sum of the transactions of ``types`` by currency."""
        out: dict[str, float] = {}
        for t in self.transactions:
            if t.type in types:
                out[t.amount.currency] = out.get(t.amount.currency, 0.0) + t.amount.value
        return out


class Decision(StrEnum):
    """What a coordinator decided about a candidate duplicate pair."""

    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


@dataclass(frozen=True, slots=True)
class PairDecision:
    """A kept decision on two activities, keyed by their identifiers (stable across imports)."""

    first: str
    second: str
    decision: Decision
    note: str = ""
    decided_by: str | None = None
    decided_at: datetime | None = None

    @staticmethod
    def key(a: str, b: str) -> tuple[str, str]:
        return (a, b) if a <= b else (b, a)
