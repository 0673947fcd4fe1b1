"""Money through the system: funder -> implementer -> institution, and spending against plans.

Amounts are commitments in one currency; nothing is converted. Money in other currencies is
counted apart (``other_currencies``) so that a chart never silently drops it.

When a funder reports an outgoing commitment to an implementer and the implementer reports the
incoming commitment from that funder, the same money is reported twice: for each funder and
implementer the larger of the two sides is kept, not their sum.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from peaceops.analytics.coordination.duplicates import activity_capabilities, normalise_name
from peaceops.domain.coordination import (
    Activity,
    Capability,
    OrgRole,
    Transaction,
    TransactionType,
)

NO_INSTITUTION = "institution:none"
FUNDER, IMPLEMENTER, INSTITUTION = 0, 1, 2


def commitments(activity: Activity) -> list[Transaction]:
    """The activity's commitment transactions: outgoing ones, or incoming ones if it reports
    no outgoing commitment (an implementer's record)."""
    out = [t for t in activity.transactions if t.type == TransactionType.OUTGOING_COMMITMENT]
    if out:
        return out
    return [t for t in activity.transactions if t.type == TransactionType.INCOMING_COMMITMENT]


def implementers(activity: Activity) -> list[str]:
    """Names of the implementing organisations, or the reporting organisation if none."""
    names = [p.name for p in activity.participants if p.role == OrgRole.IMPLEMENTING and p.name]
    if names:
        return list(dict.fromkeys(names))
    return [activity.reporting_org.name] if activity.reporting_org else []


def funders(activity: Activity) -> list[str]:
    names = [p.name for p in activity.participants if p.role == OrgRole.FUNDING and p.name]
    if names:
        return list(dict.fromkeys(names))
    return [activity.reporting_org.name] if activity.reporting_org else []


@dataclass(frozen=True, slots=True)
class FlowNode:
    key: str
    label: str
    column: int
    """0 funder, 1 implementer, 2 institution."""


@dataclass(frozen=True, slots=True)
class FlowLink:
    source: str
    target: str
    value: float


@dataclass(frozen=True, slots=True)
class FlowGraph:
    """Nodes in three columns and the commitments between them, in ``currency``."""

    nodes: tuple[FlowNode, ...]
    links: tuple[FlowLink, ...]
    currency: str
    other_currencies: dict[str, float] = field(default_factory=dict)
    activities: int = 0

    def as_sequences(self) -> tuple[list[tuple[str, str, int]], list[tuple[str, str, float]]]:
        """Plain ``(key, label, column)`` nodes and ``(source, target, value)`` links, as
        ``peaceops.reports.sankey.sankey_svg`` takes them."""
        return (
            [(n.key, n.label, n.column) for n in self.nodes],
            [(x.source, x.target, x.value) for x in self.links],
        )


def funding_flows(
    activities: Sequence[Activity],
    *,
    currency: str,
    year: int | None = None,
    capability: Capability | None = None,
    institution_names: Mapping[int, str] | None = None,
) -> FlowGraph:
    """Commitments from funders to implementers, and from implementers to institutions.

    A commitment goes from its provider (or the activity's funders, or its reporting
    organisation) to its receiver (or the activity's implementers), split evenly where there
    are several. Each implementer's share goes on, split evenly, to the institutions the
    activity supports ("No institution named" when it names none).

    Examples
    --------
    >>> from datetime import date
    >>> from peaceops.domain.coordination import Money, Participant
    >>> a = Activity("A", {"en": "Police"}, institution_ids=[1, 2],
    ...     reporting_org=Participant(OrgRole.FUNDING, "Donor"),
    ...     participants=[Participant(OrgRole.IMPLEMENTING, "NGO")],
    ...     transactions=[Transaction(TransactionType.OUTGOING_COMMITMENT, date(2024, 1, 1),
    ...                               Money(100.0, "USD"), provider="Donor", receiver="NGO")])
    >>> g = funding_flows([a], currency="USD", institution_names={1: "Police", 2: "Courts"})
    >>> [(x.source, x.target, x.value) for x in g.links]
    [('funder:donor', 'implementer:ngo', 100.0), ('implementer:ngo', 'institution:1', 50.0), \
('implementer:ngo', 'institution:2', 50.0)]
    """
    labels: dict[str, tuple[str, int]] = {}
    # (source, target) -> side ("out" from the funder's record, "in" from the implementer's)
    sides: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: {"out": 0.0, "in": 0.0})
    other: dict[str, float] = defaultdict(float)
    counted = 0

    def node(column: int, name: str) -> str:
        key = f"{('funder', 'implementer')[column]}:{normalise_name(name) or name}"
        labels.setdefault(key, (name, column))
        return key

    for a in activities:
        if capability is not None and capability not in activity_capabilities(a):
            continue
        used = False
        for t in commitments(a):
            if year is not None and t.date.year != year:
                continue
            if t.amount.currency != currency:
                other[t.amount.currency] += t.amount.value
                continue
            side: Literal["out", "in"] = (
                "out" if t.type == TransactionType.OUTGOING_COMMITMENT else "in"
            )
            if side == "out":
                sources = [t.provider] if t.provider else funders(a)
                targets = [t.receiver] if t.receiver else implementers(a)
            else:
                sources = [t.provider] if t.provider else funders(a)
                targets = [a.reporting_org.name] if a.reporting_org else implementers(a)
            if not sources or not targets:
                continue
            used = True
            share = t.amount.value / (len(sources) * len(targets))
            for s in sources:
                for r in targets:
                    f_key, i_key = node(FUNDER, s), node(IMPLEMENTER, r)
                    sides[(f_key, i_key)][side] += share
                    inst: list[int | None] = [*a.institution_ids] or [None]
                    for i in inst:
                        key = NO_INSTITUTION if i is None else f"institution:{i}"
                        label = (
                            "No institution named"
                            if i is None
                            else (institution_names or {}).get(i, f"Institution {i}")
                        )
                        labels.setdefault(key, (label, INSTITUTION))
                        sides[(i_key, key)][side] += share / len(inst)
        counted += used
    links = tuple(
        FlowLink(source, target, round(max(v["out"], v["in"]), 2))
        for (source, target), v in sorted(sides.items())
        if max(v["out"], v["in"]) > 0
    )
    used_keys = {x.source for x in links} | {x.target for x in links}
    nodes = tuple(
        FlowNode(key, label, column)
        for key, (label, column) in sorted(labels.items(), key=lambda kv: (kv[1][1], kv[0]))
        if key in used_keys
    )
    return FlowGraph(nodes, links, currency, dict(sorted(other.items())), counted)


@dataclass(frozen=True, slots=True)
class SpendingRow:
    """Money of one year and capability: committed, disbursed and spent."""

    year: int
    capability: Capability | None
    """None for activities without a capability in the taxonomy."""
    committed: float
    disbursed: float
    expended: float
    activities: int

    @property
    def disbursed_share(self) -> float | None:
        """Disbursed over committed, None when nothing was committed."""
        return round(self.disbursed / self.committed, 4) if self.committed else None


def disbursement_vs_commitment(
    activities: Sequence[Activity], *, currency: str
) -> list[SpendingRow]:
    """Commitments, disbursements and expenditure by transaction year and capability.

    An activity with several capabilities is split evenly among them, so that the rows add up
    to the activities' totals. Other currencies are left out.

    >>> from datetime import date
    >>> from peaceops.domain.coordination import Money
    >>> t = lambda kind, v: Transaction(kind, date(2024, 5, 1), Money(v, "USD"))
    >>> a = Activity("A", {"en": "Courts"}, capabilities=[Capability.JUSTICE_REFORM],
    ...     transactions=[t(TransactionType.OUTGOING_COMMITMENT, 100.0),
    ...                   t(TransactionType.DISBURSEMENT, 40.0)])
    >>> [(r.year, r.capability.value, r.committed, r.disbursed) for r in
    ...  disbursement_vs_commitment([a], currency="USD")]
    [(2024, 'justice_reform', 100.0, 40.0)]
    """
    sums: dict[tuple[int, Capability | None], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    who: dict[tuple[int, Capability | None], set[int]] = defaultdict(set)
    for n, a in enumerate(activities):
        caps: list[Capability | None] = [*sorted(activity_capabilities(a))] or [None]
        committed = {id(t) for t in commitments(a)}
        for t in a.transactions:
            if t.amount.currency != currency:
                continue
            if id(t) in committed:
                column = 0
            elif t.type == TransactionType.DISBURSEMENT:
                column = 1
            elif t.type == TransactionType.EXPENDITURE:
                column = 2
            else:
                continue
            for c in caps:
                sums[(t.date.year, c)][column] += t.amount.value / len(caps)
                who[(t.date.year, c)].add(n)
    return [
        SpendingRow(year, cap, round(v[0], 2), round(v[1], 2), round(v[2], 2), len(who[key]))
        for key, v in sorted(
            sums.items(), key=lambda kv: (kv[0][0], kv[0][1] is None, kv[0][1] or "")
        )
        for year, cap in [key]
    ]
