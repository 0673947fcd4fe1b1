"""Legal frameworks: the laws, decrees and procedures that govern police, courts, prisons and
armed forces, followed from draft to force, and checked against what international practice
expects a law of their kind to contain.

An instrument moves through a lifecycle of dated steps, each with its evidence and the actors
and activities that supported it. The rules (``check_step``) keep the record honest: dates in
order, no adoption of a law before it was tabled in parliament, no promulgation before
adoption, and no going back, unless the step records why (an exception). A standards checklist
(``peaceops/frameworks/legal/*.yaml``) is checked provision by provision against an
instrument, each finding citing the article; the share met is document-review evidence for the
assessment frameworks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from peaceops.domain.institutions import InstitutionType

Text = dict[str, str]
"""A text in several languages: {"en": "...", "fr": "..."}."""


class InstrumentType(StrEnum):
    CONSTITUTION_ARTICLE = "constitution_article"
    LAW = "law"
    DECREE = "decree"
    REGULATION = "regulation"
    POLICY = "policy"
    SOP = "sop"
    """Standard operating procedure."""

    @property
    def needs_parliament(self) -> bool:
        """Laws and constitutional provisions are adopted by a legislature; decrees,
        regulations, policies and procedures by the executive that issues them."""
        return self in (InstrumentType.CONSTITUTION_ARTICLE, InstrumentType.LAW)


class LegalSector(StrEnum):
    POLICE = "police"
    JUSTICE = "justice"
    CORRECTIONS = "corrections"
    DEFENCE = "defence"
    OVERSIGHT = "oversight"
    DDR = "ddr"
    """Disarmament, demobilization and reintegration."""
    BORDER = "border"
    OTHER = "other"


class Stage(StrEnum):
    """The lifecycle of an instrument, in order; ``withdrawn`` and ``struck_down`` end it."""

    DRAFTING = "drafting"
    CONSULTATION = "consultation"
    CABINET = "cabinet"
    """Submitted to (or approved by) the council of ministers."""
    TABLED = "tabled"
    """Tabled in parliament."""
    ADOPTED = "adopted"
    PROMULGATED = "promulgated"
    """Promulgated and published in the official gazette."""
    REGULATIONS = "regulations"
    """The implementing regulations the instrument calls for have been issued."""
    IN_FORCE = "in_force"
    WITHDRAWN = "withdrawn"
    STRUCK_DOWN = "struck_down"
    """Annulled by a constitutional or supreme court."""

    @property
    def order(self) -> int:
        return _ORDER[self]

    @property
    def is_final(self) -> bool:
        return self in (Stage.WITHDRAWN, Stage.STRUCK_DOWN)

    @property
    def is_law(self) -> bool:
        """The instrument binds: it has been adopted (and not struck down or withdrawn)."""
        return Stage.ADOPTED.order <= self.order <= Stage.IN_FORCE.order


PIPELINE = (
    Stage.DRAFTING,
    Stage.CONSULTATION,
    Stage.CABINET,
    Stage.TABLED,
    Stage.ADOPTED,
    Stage.PROMULGATED,
    Stage.REGULATIONS,
    Stage.IN_FORCE,
)
_ORDER = {stage: i for i, stage in enumerate(PIPELINE)} | {
    Stage.WITHDRAWN: 100,
    Stage.STRUCK_DOWN: 101,
}

EXPECTED_DAYS: dict[Stage, int] = {
    Stage.DRAFTING: 365,
    Stage.CONSULTATION: 180,
    Stage.CABINET: 120,
    Stage.TABLED: 270,
    Stage.ADOPTED: 60,
    Stage.PROMULGATED: 180,
    Stage.REGULATIONS: 90,
}
"""How long an instrument may sit at a stage before it counts as stuck: a year to draft, six
months of consultation, four months before cabinet, nine months in parliament, two months from
adoption to promulgation, six months for the implementing regulations after publication, three
from those to entry into force. Rough planning figures of legislative support work, shown
beside the measured days so a reader can judge; a country's own calendar may differ."""


class Finding(StrEnum):
    """What a reviewer found for one provision of a checklist in one instrument."""

    MET = "met"
    NOT_MET = "not_met"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True)
class Step:
    """One dated step of an instrument's lifecycle."""

    stage: Stage
    on: date
    evidence: str
    """What shows it happened: the gazette number, the parliament's record, a letter."""
    evidence_document_id: int | None = None
    """A document of the knowledge base holding the evidence or the text at this step."""
    actors: tuple[int, ...] = ()
    """Organisations that supported the step (the coordination register's actors)."""
    activities: tuple[int, ...] = ()
    """Programme activities that supported the step."""
    exception: str = ""
    """Why a rule was set aside (a decree-law adopted without tabling, a bill returned to
    drafting); required whenever ``check_step`` finds one."""
    id: int | None = None
    recorded_by: str = ""
    recorded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Instrument:
    """A legal instrument of one country."""

    country_iso3: str
    code: str
    """A short key, unique in the country (``police-act``): what a tracker's rows are matched
    on, so importing the same tracker again changes nothing."""
    title: Text
    type: InstrumentType
    sector: LegalSector
    institution_types: tuple[InstitutionType, ...] = ()
    reference: str = ""
    """The official number or citation, once it has one (``Law No. 2025-14``)."""
    amends_id: int | None = None
    """The instrument it amends or replaces."""
    replaces: bool = False
    """True when it replaces ``amends_id`` entirely rather than amending it."""
    document_id: int | None = None
    """Its full text, a document of the knowledge base."""
    text_url: str = ""
    """Or where its text is published (a gazette, a legal database)."""
    summary: str = ""
    steps: tuple[Step, ...] = ()
    id: int | None = None
    created_by: str = ""
    created_at: datetime | None = None

    def title_in(self, language: str) -> str:
        return self.title.get(language) or self.title.get("en") or next(iter(self.title.values()))

    @property
    def stage(self) -> Stage | None:
        return self.steps[-1].stage if self.steps else None

    @property
    def since(self) -> date | None:
        """When it reached its current stage."""
        return self.steps[-1].on if self.steps else None

    def reached(self, stage: Stage) -> Step | None:
        """The first step at ``stage``, if any."""
        return next((s for s in self.steps if s.stage == stage), None)


@dataclass(frozen=True, slots=True)
class RuleBreach:
    """A lifecycle rule the new step breaks; without an exception the step is refused."""

    rule: str
    message: str


def check_step(
    instrument_type: InstrumentType, steps: tuple[Step, ...], new: Step, *, today: date
) -> list[RuleBreach]:
    """The rules a new step breaks, given the steps before it (oldest first).

    Dates: not before the last step, not in the future (never excusable). Order: no stage
    before the current one; a law is not adopted before it was tabled; nothing is promulgated
    before adoption; implementing regulations and entry into force come after publication;
    an instrument is withdrawn only before it binds and struck down only after; nothing follows
    a final stage. All but the date rules may be set aside by an exception.

    >>> d = date(2025, 1, 1)
    >>> s = (Step(Stage.DRAFTING, d, "draft"),)
    >>> [b.rule for b in check_step(InstrumentType.LAW, s, Step(Stage.ADOPTED, d, "vote"),
    ...                             today=d)]
    ['adopted_before_tabled']
    >>> check_step(InstrumentType.DECREE, s, Step(Stage.ADOPTED, d, "signed"), today=d)
    []
    """
    breaches: list[RuleBreach] = []
    last = steps[-1] if steps else None
    seen = {s.stage for s in steps}
    if new.on > today:
        breaches.append(RuleBreach("future_date", f"{new.on} is in the future"))
    if last and new.on < last.on:
        breaches.append(
            RuleBreach(
                "date_order",
                f"{new.on} is before the last step ({last.stage.value}, {last.on})",
            )
        )
    if last and last.stage.is_final:
        breaches.append(
            RuleBreach("after_final", f"the instrument was {last.stage.value} on {last.on}")
        )
    elif last and new.stage.order < last.stage.order and not new.stage.is_final:
        breaches.append(
            RuleBreach(
                "backwards", f"{new.stage.value} comes before the current stage, {last.stage.value}"
            )
        )
    if new.stage == Stage.ADOPTED and instrument_type.needs_parliament and Stage.TABLED not in seen:
        breaches.append(
            RuleBreach("adopted_before_tabled", "a law is adopted only after it was tabled")
        )
    if new.stage == Stage.PROMULGATED and Stage.ADOPTED not in seen:
        breaches.append(
            RuleBreach("promulgated_before_adopted", "promulgation comes after adoption")
        )
    if new.stage in (Stage.REGULATIONS, Stage.IN_FORCE) and Stage.PROMULGATED not in seen:
        breaches.append(
            RuleBreach(
                f"{new.stage.value}_before_published",
                "implementing regulations and entry into force come after publication",
            )
        )
    binding = any(s.is_law for s in seen)
    if new.stage == Stage.WITHDRAWN and binding:
        breaches.append(
            RuleBreach(
                "withdrawn_after_adoption", "an adopted instrument is repealed, not withdrawn"
            )
        )
    if new.stage == Stage.STRUCK_DOWN and not binding:
        breaches.append(
            RuleBreach("struck_down_before_adoption", "only an adopted instrument is struck down")
        )
    return breaches


EXCUSABLE = frozenset(
    {
        "after_final",
        "backwards",
        "adopted_before_tabled",
        "promulgated_before_adopted",
        "regulations_before_published",
        "in_force_before_published",
        "withdrawn_after_adoption",
        "struck_down_before_adoption",
    }
)
"""Rules an exception may set aside; the date rules never are."""


@dataclass(frozen=True, slots=True)
class Standard:
    key: str
    title: Text


@dataclass(frozen=True, slots=True)
class Provision:
    key: str
    text: Text
    look_for: Text
    standards: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Checklist:
    """What international practice expects a law of one kind to contain."""

    code: str
    version: str
    title: Text
    description: Text
    instrument_types: tuple[InstrumentType, ...]
    institution_types: tuple[InstitutionType, ...]
    standards: tuple[Standard, ...]
    provisions: tuple[Provision, ...]
    feeds: tuple[tuple[str, str], ...] = ()
    """(framework code, document-review item code) that reviews against it supply."""

    def provision(self, key: str) -> Provision:
        for p in self.provisions:
            if p.key == key:
                return p
        raise KeyError(key)


@dataclass(frozen=True, slots=True)
class ProvisionReview:
    """One provision of a checklist, checked against one instrument."""

    provision: str
    finding: Finding
    article: str = ""
    """Where the instrument says it (``art. 12(3)``); required when met."""
    note: str = ""


@dataclass(frozen=True, slots=True)
class ChecklistReview:
    """An instrument checked against a checklist, provision by provision."""

    instrument_id: int
    checklist: str
    reviewed_on: date
    findings: tuple[ProvisionReview, ...]
    reviewed_by: str = ""
    id: int | None = None

    @property
    def applicable(self) -> int:
        return sum(1 for f in self.findings if f.finding != Finding.NOT_APPLICABLE)

    @property
    def met(self) -> int:
        return sum(1 for f in self.findings if f.finding == Finding.MET)

    @property
    def share_met(self) -> float | None:
        """Met over applicable provisions; None when none applies."""
        return self.met / self.applicable if self.applicable else None


@dataclass(frozen=True, slots=True)
class PipelineEntry:
    """Where an instrument stands: its stage, for how long, and whether that is too long."""

    instrument: Instrument
    stage: Stage
    since: date
    days: int
    expected_days: int | None
    share_met: float | None = None
    replaced_by: Instrument | None = None
    """The instrument in force that replaced this one, if any: no longer binding."""

    @property
    def stuck(self) -> bool:
        return self.expected_days is not None and self.days > self.expected_days


def stage_on(instrument: Instrument, day: date) -> Stage | None:
    """The instrument's stage at the end of ``day`` (None before its first step)."""
    reached = [s for s in instrument.steps if s.on <= day]
    return reached[-1].stage if reached else None


def replacements(instruments: list[Instrument], day: date) -> dict[int, Instrument]:
    """Instrument id -> the instrument that replaced it, in force by ``day``: a replaced law
    no longer binds, though it was never struck down."""
    out: dict[int, Instrument] = {}
    for i in instruments:
        if i.replaces and i.amends_id is not None and stage_on(i, day) == Stage.IN_FORCE:
            out[i.amends_id] = i
    return out


def binding_on(instrument: Instrument, day: date, replaced: dict[int, Instrument]) -> bool:
    """Adopted (and not struck down, withdrawn or replaced) at the end of ``day``."""
    stage = stage_on(instrument, day)
    return stage is not None and stage.is_law and (instrument.id or 0) not in replaced
