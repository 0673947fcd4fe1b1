"""Gaps: assessed weaknesses nobody addresses, and high-risk areas without security or justice
programming.

**Capability gaps.** For each of the top assessment priorities, the activities addressing it
are those active at ``as_of`` (or ended less than a year before; not cancelled) that

* link a result indicator to the priority's framework indicator (an exact link always counts),
  or
* support an institution whose type belongs to the priority's framework institution (or, naming
  no institution, have one of that institution's reform capabilities), and have a capability
  relevant to the priority's dimension (``DIMENSION_CAPABILITIES``; for performance, the
  institution's own reform capabilities, ``TYPE_CAPABILITIES``).

Coverage saturates with the money committed in ``currency`` and the number of distinct actors::

    coverage = 1 - 2 ** -(committed / money_half + actors / actors_half)

so that ``money_half`` of money alone, or ``actors_half`` actors alone, cover half the gap. The
gap score is ``priority x (1 - coverage)``; gaps are ranked by it, highest first. Money in
other currencies is reported, not converted, and does not enter the coverage.

**Risk gaps.** Admin areas whose forecast risk reaches ``threshold`` and where no security or
justice activity (one with a capability of the taxonomy) is located in the area, in a region
containing it, or in one of its sub-areas; ranked by risk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from peaceops.analytics.assessment.scoring import Priority
from peaceops.analytics.coordination.duplicates import activity_capabilities, normalise_name
from peaceops.analytics.coordination.flows import commitments, implementers
from peaceops.domain.assessment import Dimension, Framework
from peaceops.domain.coordination import Activity, ActivityStatus, Capability

Explanation = tuple[tuple[str, dict[str, object]], ...]

C = Capability
TYPE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    "police": frozenset({C.POLICE_REFORM, C.COMMUNITY_POLICING}),
    "gendarmerie": frozenset({C.POLICE_REFORM, C.COMMUNITY_POLICING}),
    "border_agency": frozenset({C.BORDER_MANAGEMENT}),
    "courts": frozenset({C.JUSTICE_REFORM}),
    "prosecution": frozenset({C.JUSTICE_REFORM}),
    "legal_aid": frozenset({C.LEGAL_AID}),
    "corrections": frozenset({C.CORRECTIONS}),
    "armed_forces": frozenset({C.DEFENCE_REFORM, C.DDR}),
    "ministry_interior": frozenset({C.POLICE_REFORM, C.SSR_GENERAL}),
    "ministry_justice": frozenset({C.JUSTICE_REFORM, C.LEGISLATIVE_DRAFTING}),
    "ministry_defence": frozenset({C.DEFENCE_REFORM}),
    "parliamentary_oversight": frozenset({C.OVERSIGHT, C.LEGISLATIVE_DRAFTING}),
    "human_rights_institution": frozenset({C.OVERSIGHT, C.HUMAN_RIGHTS_TRAINING}),
    "anti_corruption_body": frozenset({C.ANTI_CORRUPTION}),
    "civil_administration": frozenset({C.SSR_GENERAL}),
}
"""The reform capabilities of each institution type (``InstitutionType`` values)."""

DIMENSION_CAPABILITIES: dict[Dimension, frozenset[Capability]] = {
    Dimension.PERFORMANCE: frozenset({C.SSR_GENERAL}),
    Dimension.INTEGRITY: frozenset({C.VETTING, C.ANTI_CORRUPTION, C.OVERSIGHT}),
    Dimension.VULNERABLE_GROUPS: frozenset({C.GENDER_SGBV, C.HUMAN_RIGHTS_TRAINING, C.LEGAL_AID}),
    Dimension.CAPACITY: frozenset({C.INFRASTRUCTURE, C.EQUIPMENT}),
}
"""Capabilities relevant to each dimension; performance adds the institution's reform
capabilities."""

MONEY_HALF = 1_000_000.0
ACTORS_HALF = 2.0
ACTIVE_GRACE = timedelta(days=365)


def relevant_capabilities(dimension: Dimension, types: Sequence[str]) -> frozenset[Capability]:
    """Capabilities that address a dimension of an institution of these types.

    >>> sorted(c.value for c in relevant_capabilities(Dimension.PERFORMANCE, ["police"]))
    ['community_policing', 'police_reform', 'ssr_general']
    """
    caps = set(DIMENSION_CAPABILITIES[dimension])
    if dimension == Dimension.PERFORMANCE:
        for t in types:
            caps |= TYPE_CAPABILITIES.get(t, frozenset())
    return frozenset(caps)


def coverage(committed: float, actors: int, *, money_half: float, actors_half: float) -> float:
    """``1 - 2 ** -(committed / money_half + actors / actors_half)``.

    >>> coverage(1_000_000, 0, money_half=1e6, actors_half=2)
    0.5
    """
    return 1.0 - float(2.0 ** -(committed / money_half + actors / actors_half))


def _active(a: Activity, as_of: date) -> bool:
    if a.status == ActivityStatus.CANCELLED:
        return False
    return a.end is None or a.end >= as_of - ACTIVE_GRACE


def _money(a: Activity, currency: str) -> tuple[float, dict[str, float]]:
    """Committed money in ``currency``, and in other currencies; budgets if no commitment."""
    same = 0.0
    other: defaultdict[str, float] = defaultdict(float)
    amounts = [t.amount for t in commitments(a)] or [b.amount for b in a.budgets]
    for m in amounts:
        if m.currency == currency:
            same += m.value
        else:
            other[m.currency] += m.value
    return same, dict(other)


@dataclass(frozen=True, slots=True)
class CapabilityGap:
    """An assessment priority and what addresses it."""

    priority: Priority
    capabilities: tuple[Capability, ...]
    """Capabilities that count as addressing it."""
    activities: tuple[str, ...]
    """Identifiers of the activities addressing it."""
    linked: tuple[str, ...]
    """Those linking a result indicator to the priority's framework indicator."""
    actors: tuple[str, ...]
    committed: float
    currency: str
    other_currencies: dict[str, float] = field(default_factory=dict)
    coverage: float = 0.0
    score: float = 0.0
    """priority x (1 - coverage); the ranking key."""
    explanation: Explanation = ()


@dataclass(frozen=True, slots=True)
class _Facts:
    """What deciding whether an activity addresses a priority reads, taken out once per
    activity rather than once per activity and priority."""

    activity: Activity
    indicators: frozenset[str]
    """Framework indicators its result indicators link to."""
    capabilities: frozenset[Capability]
    institution_types: frozenset[str] | None
    """Types of the institutions it names; None when it names none."""

    @classmethod
    def of(cls, a: Activity, institution_types: Mapping[int, str]) -> _Facts:
        return cls(
            a,
            frozenset(
                i.framework_indicator
                for r in a.results
                for i in r.indicators
                if i.framework_indicator
            ),
            frozenset(activity_capabilities(a)),
            frozenset(t for i in a.institution_ids if (t := institution_types.get(i)) is not None)
            if a.institution_ids
            else None,
        )


def _addresses(
    facts: _Facts,
    p: Priority,
    types: frozenset[str],
    reform: frozenset[Capability],
    relevant: frozenset[Capability],
) -> tuple[bool, bool]:
    """(addresses, through an exact result link)."""
    if p.indicator in facts.indicators:
        return True, True
    if not facts.capabilities & relevant:
        return False, False
    if facts.institution_types is not None:
        return bool(facts.institution_types & types), False
    return bool(facts.capabilities & reform), False


def capability_gaps(
    priorities: Sequence[Priority],
    activities: Sequence[Activity],
    *,
    framework: Framework,
    institution_types: Mapping[int, str],
    as_of: date,
    currency: str = "USD",
    top: int = 15,
    money_half: float = MONEY_HALF,
    actors_half: float = ACTORS_HALF,
) -> list[CapabilityGap]:
    """The ``top`` priorities with the activities addressing them, ranked by uncovered need.

    Parameters
    ----------
    priorities
        From ``peaceops.analytics.assessment.scoring.priorities``.
    activities
        Activities with their institutions, capabilities, results and transactions.
    framework
        The framework the priorities come from (maps its institutions to institution types).
    institution_types
        Institution id to its ``InstitutionType`` value.
    as_of
        Activities ended more than a year before are not counted.
    currency
        Money is counted in this currency; others are reported apart.

    Examples
    --------
    >>> from peaceops.domain.assessment import FrameworkInstitution
    >>> fw = Framework("f", "1", {}, {}, {}, (FrameworkInstitution("police", {}, ("police",)),), ())
    >>> p = Priority("POL-INT-01", "police", Dimension.INTEGRITY, 0.6, 3, 0.9, 0.54)
    >>> from peaceops.domain.coordination import OrgRole, Participant
    >>> a = Activity("A", {"en": "Vetting"}, institution_ids=[7], capabilities=[Capability.VETTING],
    ...              participants=[Participant(OrgRole.IMPLEMENTING, "NGO")])
    >>> [(g.activities, round(g.coverage, 2)) for g in capability_gaps(
    ...     [p], [a], framework=fw, institution_types={7: "police"}, as_of=date(2025, 1, 1))]
    [(('A',), 0.29)]
    """
    ranked = sorted(priorities, key=lambda x: (-x.priority, x.indicator))[:top]
    live = [_Facts.of(a, institution_types) for a in activities if _active(a, as_of)]
    money: dict[int, tuple[float, dict[str, float]]] = {}
    who: dict[int, list[tuple[str, str]]] = {}
    out = []
    for p in ranked:
        try:
            types = frozenset(framework.institution(p.institution).types)
        except KeyError:
            types = frozenset()
        reform = frozenset().union(*(TYPE_CAPABILITIES.get(t, frozenset()) for t in types))
        relevant = relevant_capabilities(p.dimension, sorted(types))
        found, linked, actors = [], [], set()
        names: dict[str, str] = {}
        committed = 0.0
        other: defaultdict[str, float] = defaultdict(float)
        for n, facts in enumerate(live):
            hit, exact = _addresses(facts, p, types, reform, relevant)
            if not hit:
                continue
            a = facts.activity
            found.append(a.identifier)
            if exact:
                linked.append(a.identifier)
            if n not in who:
                who[n] = [(normalise_name(name), name) for name in implementers(a)]
                money[n] = _money(a, currency)
            for key, name in who[n]:
                actors.add(key)
                names.setdefault(key, name)
            same, rest = money[n]
            committed += same
            for cur, v in rest.items():
                other[cur] += v
        cov = coverage(committed, len(actors), money_half=money_half, actors_half=actors_half)
        explanation: list[tuple[str, dict[str, object]]] = [
            (
                "priority",
                {
                    "indicator": p.indicator,
                    "institution": p.institution,
                    "dimension": p.dimension.value,
                    "priority": round(p.priority, 3),
                },
            )
        ]
        if not found:
            explanation.append(("no_activity", {}))
        else:
            explanation.append(("activities", {"count": len(found), "actors": len(actors)}))
        if linked:
            explanation.append(("result_link", {"count": len(linked)}))
        if committed:
            explanation.append(("committed", {"amount": round(committed, 2), "currency": currency}))
        for cur, v in sorted(other.items()):
            explanation.append(("other_currency", {"amount": round(v, 2), "currency": cur}))
        explanation.append(("coverage", {"percent": round(100 * cov)}))
        out.append(
            CapabilityGap(
                priority=p,
                capabilities=tuple(sorted(relevant)),
                activities=tuple(found),
                linked=tuple(linked),
                actors=tuple(sorted(names[k] for k in actors)),
                committed=round(committed, 2),
                currency=currency,
                other_currencies={k: round(v, 2) for k, v in sorted(other.items())},
                coverage=round(cov, 4),
                score=round(p.priority * (1.0 - cov), 4),
                explanation=tuple(explanation),
            )
        )
    out.sort(key=lambda g: (-g.score, g.priority.indicator))
    return out


@dataclass(frozen=True, slots=True)
class AreaGap:
    """An admin area with high forecast risk and no security or justice programming."""

    admin_area_id: int
    name: str
    risk: float
    parent_id: int | None
    parent_name: str | None
    explanation: Explanation = ()


def risk_gaps(
    area_risk: Mapping[int, float],
    activities: Sequence[Activity],
    *,
    area_parents: Mapping[int, int],
    area_names: Mapping[int, str],
    threshold: float,
    as_of: date | None = None,
) -> list[AreaGap]:
    """High-risk admin areas where no security or justice activity is located, by risk.

    An activity counts for an area when it is located in the area, in a region containing it,
    or in one of its sub-areas, and has a capability of the taxonomy (explicit, or implied by
    a DAC sector). With ``as_of``, only activities active then (or ended less than a year
    before) count.

    >>> from peaceops.domain.coordination import ActivityLocation
    >>> a = Activity("A", {"en": "Courts"}, capabilities=[Capability.JUSTICE_REFORM],
    ...              locations=[ActivityLocation("North", admin_area_id=1)])
    >>> names = {1: "North", 11: "Hills", 21: "Coast"}
    >>> [g.name for g in risk_gaps({11: 0.7, 21: 0.6, 22: 0.1}, [a], area_parents={11: 1, 21: 2},
    ...                            area_names=names, threshold=0.5)]
    ['Coast']
    """
    children: dict[int, set[int]] = defaultdict(set)
    for child, up in area_parents.items():
        children[up].add(child)

    def ancestors(area: int) -> set[int]:
        seen: set[int] = set()
        parent = area_parents.get(area)
        while parent is not None and parent not in seen:
            seen.add(parent)
            parent = area_parents.get(parent)
        return seen

    def descendants(area: int) -> set[int]:
        out: set[int] = set()
        todo = [area]
        while todo:
            for c in children.get(todo.pop(), ()):
                if c not in out:
                    out.add(c)
                    todo.append(c)
        return out

    covered: set[int] = set()
    for a in activities:
        if as_of is not None and not _active(a, as_of):
            continue
        if not activity_capabilities(a):
            continue
        covered |= {loc.admin_area_id for loc in a.locations if loc.admin_area_id is not None}
    out = []
    for area, risk in area_risk.items():
        if risk < threshold:
            continue
        if covered & ({area} | ancestors(area) | descendants(area)):
            continue
        parent = area_parents.get(area)
        name = area_names.get(area, str(area))
        parent_name = area_names.get(parent) if parent is not None else None
        explanation: list[tuple[str, dict[str, object]]] = [
            ("risk", {"percent": round(100 * risk)}),
            ("no_programming", {"admin_area_id": area, "name": name}),
        ]
        if parent is not None:
            explanation.append(("none_in_region", {"admin_area_id": parent, "name": parent_name}))
        out.append(AreaGap(area, name, round(risk, 4), parent, parent_name, tuple(explanation)))
    out.sort(key=lambda g: (-g.risk, g.name))
    return out


def explain_gap(gap: CapabilityGap | AreaGap) -> str:
    """One plain English line for the command line.

    Codes: ``priority`` (indicator, institution, dimension, priority), ``no_activity``,
    ``activities`` (count, actors), ``result_link`` (count), ``committed`` (amount, currency),
    ``other_currency`` (amount, currency), ``coverage`` (percent); for areas ``risk``
    (percent), ``no_programming`` (admin_area_id, name), ``none_in_region`` (admin_area_id,
    name).
    """
    parts = []
    for code, x in gap.explanation:
        if code == "priority":
            parts.append(f"{x['indicator']} ({x['institution']}, {x['dimension']})")
        elif code == "no_activity":
            parts.append("no activity addresses it")
        elif code == "activities":
            parts.append(f"{x['count']} activities by {x['actors']} actors")
        elif code == "result_link":
            parts.append(f"{x['count']} linked by their results")
        elif code in ("committed", "other_currency"):
            parts.append(f"{float(str(x['amount'])):,.0f} {x['currency']} committed")
        elif code == "coverage":
            parts.append(f"{x['percent']}% covered")
        elif code == "risk":
            parts.append(f"{x['percent']}% risk")
        elif code == "no_programming":
            parts.append(f"no security or justice programming in {x['name']}")
        elif code == "none_in_region":
            parts.append(f"nor in {x['name'] or 'its region'}")
    return "; ".join(parts)
