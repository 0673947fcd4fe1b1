"""Who does what, where and when: the 3W/4W matrix of activities.

A row is one actor (an implementer, or the reporting organisation when none is named), one
capability (None when the activity has none in the taxonomy), one place (an admin area where
the activity is located, or a country when it names no finer place) and one year. It counts the
activities in that cell and the money committed in that year, in one currency.

An activity appears in every cell it spans, so activity counts do not add up across rows; money
does: each commitment is split evenly over the activity's actor x capability x place cells of
the commitment's year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from peaceops.analytics.coordination.duplicates import activity_capabilities
from peaceops.analytics.coordination.flows import commitments, implementers
from peaceops.domain.coordination import Activity, Capability


@dataclass(frozen=True, slots=True)
class MatrixRow:
    actor: str
    capability: Capability | None
    admin_area_id: int | None
    country_iso3: str | None
    """The place: an admin area, or a country when the activity names no finer place."""
    year: int | None
    """None for activities without dates and commitments."""
    activities: int
    committed: float
    currency: str
    identifiers: tuple[str, ...] = ()
    """The identifiers of the activities in the cell, sorted."""


def _years(a: Activity, period: tuple[date, date] | None) -> list[int | None]:
    start, end = a.start, a.end
    if start is None and end is None:
        return [None]
    first = (start or end).year  # type: ignore[union-attr]
    last = (end or start).year  # type: ignore[union-attr]
    years = range(first, last + 1)
    if period is not None:
        years = range(max(first, period[0].year), min(last, period[1].year) + 1)
    return list(years)


def _within(areas: Iterable[int], wanted: set[int], parents: Mapping[int, int]) -> set[int]:
    """The areas that are in ``wanted`` or below one of them."""
    out = set()
    for area in areas:
        node: int | None = area
        seen: set[int] = set()
        while node is not None and node not in seen:
            if node in wanted:
                out.add(area)
                break
            seen.add(node)
            node = parents.get(node)
    return out


def matrix(
    activities: Sequence[Activity],
    *,
    currency: str,
    institution_ids: Iterable[int] | None = None,
    capability: Capability | None = None,
    admin_area_ids: Iterable[int] | None = None,
    area_parents: Mapping[int, int] | None = None,
    period: tuple[date, date] | None = None,
    actor: str | None = None,
) -> list[MatrixRow]:
    """The who x what x where x when matrix, filtered.

    Parameters
    ----------
    currency
        Committed money is summed in this currency; other currencies are left out.
    institution_ids
        Keep activities supporting one of these institutions.
    capability
        Keep activities with this capability, and only its rows.
    admin_area_ids
        Keep activities located in these areas or below them (with ``area_parents``), and only
        the rows of those places.
    period
        Keep activities overlapping ``(first day, last day)``, and only the years in it.
    actor
        Keep activities where an organisation's name contains this (any case); rows of that
        actor only when it is one of the implementers.

    Examples
    --------
    >>> from peaceops.domain.coordination import OrgRole, Participant
    >>> a = Activity("A", {"en": "Police"}, countries=[("SOM", None)],
    ...              capabilities=[Capability.POLICE_REFORM],
    ...              planned_start=date(2024, 1, 1), planned_end=date(2025, 6, 30),
    ...              participants=[Participant(OrgRole.IMPLEMENTING, "NGO")])
    >>> [(r.actor, r.capability.value, r.country_iso3, r.year) for r in matrix([a], currency="USD")]
    [('NGO', 'police_reform', 'SOM', 2024), ('NGO', 'police_reform', 'SOM', 2025)]
    """
    wanted_inst = set(institution_ids) if institution_ids is not None else None
    wanted_areas = set(admin_area_ids) if admin_area_ids is not None else None
    parents = area_parents or {}
    needle = actor.casefold() if actor else None
    counts: dict[tuple[str, Capability | None, int | None, str | None, int | None], set[int]] = (
        defaultdict(set)
    )
    money: dict[tuple[str, Capability | None, int | None, str | None, int | None], float] = (
        defaultdict(float)
    )
    for n, a in enumerate(activities):
        if wanted_inst is not None and not wanted_inst & set(a.institution_ids):
            continue
        caps: list[Capability | None] = [*sorted(activity_capabilities(a))] or [None]
        areas = sorted({loc.admin_area_id for loc in a.locations if loc.admin_area_id is not None})
        countries = [c for c, _ in a.countries] or [
            loc.country_iso3 for loc in a.locations if loc.country_iso3
        ]
        places: list[tuple[int | None, str | None]] = [(x, None) for x in areas] or [
            (None, c) for c in dict.fromkeys(countries)
        ]
        places = places or [(None, None)]
        who = implementers(a) or ["(not named)"]
        # Money is shared over all of the activity's cells, filtered or not, so that a
        # filtered row shows the same amount as the unfiltered row it comes from.
        cells = len(caps) * len(places) * len(who)
        if capability is not None:
            if capability not in caps:
                continue
            caps = [capability]
        if wanted_areas is not None:
            inside = _within(areas, wanted_areas, parents)
            if not inside:
                continue
            places = [(x, None) for x in sorted(inside)]
        if period is not None and (
            (a.start and a.start > period[1]) or (a.end and a.end < period[0])
        ):
            continue
        if needle is not None:
            names = [p.name for p in a.participants]
            names += [a.reporting_org.name] if a.reporting_org else []
            if not any(needle in x.casefold() for x in names):
                continue
            who = [x for x in who if needle in x.casefold()] or who
        years = _years(a, period)
        for w in who:
            for c in caps:
                for area, country in places:
                    for y in years:
                        counts[(w, c, area, country, y)].add(n)
        for t in commitments(a):
            if t.amount.currency != currency:
                continue
            y = t.date.year
            if period is not None and not period[0].year <= y <= period[1].year:
                continue
            for w in who:
                for c in caps:
                    for area, country in places:
                        key = (w, c, area, country, y)
                        money[key] += t.amount.value / cells
                        counts[key].add(n)
    keys = set(counts) | set(money)
    return [
        MatrixRow(
            w,
            c,
            area,
            country,
            y,
            len(counts[k]),
            round(money.get(k, 0.0), 2),
            currency,
            tuple(sorted(activities[i].identifier for i in counts[k])),
        )
        for k in sorted(
            keys,
            key=lambda k: (
                k[4] is None,
                k[4] or 0,
                k[0],
                k[1] is None,
                k[1] or "",
                k[2] or 0,
                k[3] or "",
            ),
        )
        for w, c, area, country, y in [k]
    ]
