"""Accountability aggregates of complaints, with small cells suppressed.

Counts of complaints by institution, category, region and month are published to everyone.
Regions are admin level 1, never finer, and SGBV and torture complaints are left out of them
whatever the counts. A cell with fewer than ``min_cell`` complaints is suppressed (primary
suppression). Because the total and the other cells of a breakdown are published, a breakdown
with exactly one suppressed cell would let a reader back that cell out; the next-smallest cell
is then suppressed too (complementary suppression). Empty cells (months without complaints)
reveal nobody and stay published.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

from peaceops.domain.complaints import (
    RESOLUTION_DAYS,
    SENSITIVE_CATEGORIES,
    Category,
    Status,
    stage_due,
)

K = TypeVar("K", bound=Hashable)
NOT_RECORDED = "Not recorded"
"""Label of the cell of complaints without an institution or a region."""


@dataclass(slots=True)
class AccountabilityRow:
    """One cell of a breakdown; a suppressed cell has every count and share None."""

    label: str
    received: int | None
    per_100k: float | None
    """Complaints received in the period per 100,000 people of the country (not annualised)."""
    referred_share: float | None
    """Share of the cell's complaints referred to an oversight body at least once."""
    resolved_in_time_share: float | None
    """Of the finished (resolved or closed) complaints, the share resolved within
    ``RESOLUTION_DAYS`` of receipt; None when none is finished."""
    open: int | None
    overdue: int | None
    suppressed: bool = False
    key: str = ""
    """Institution id, category value, region P-code, or "" for complaints without one."""


@dataclass(slots=True)
class Accountability:
    """Complaints of one country and period in aggregate."""

    country: str
    period_start: date | None
    period_end: date | None
    min_cell: int
    by_institution: list[AccountabilityRow]
    by_category: list[AccountabilityRow]
    by_area: list[AccountabilityRow]
    """Regions (admin level 1) only; SGBV and torture complaints are left out of them."""
    by_month: list[tuple[str, int | None]]
    """("2026-03", count) for every month of the period; None where suppressed."""
    total: int
    population: int = 0
    """Sum of the populations of the country's settlements: the denominator of per_100k."""
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the aggregates count of one complaint, and the cells it falls in."""

    category: Category
    received_on: date
    institution: tuple[str, str] | None
    """(id, name) of the institution complained about; None when not recorded."""
    region: tuple[str, str] | None
    """(P-code, name) of the admin level 1 area; None when not recorded."""
    open: bool
    overdue: bool
    """Open and past the deadline of its stage."""
    finished: bool
    """Resolved or closed."""
    in_time: bool
    """Resolved within ``RESOLUTION_DAYS`` of receipt."""
    referred: bool
    """Referred to an oversight body at least once."""


def case_facts(
    status: Status,
    *,
    category: Category,
    received_at: datetime,
    stage_since: datetime,
    closed_at: datetime | None,
    referred: bool,
    deadlines: dict[Status, int],
    now: datetime,
    institution: tuple[str, str] | None = None,
    region: tuple[str, str] | None = None,
) -> CaseFacts:
    """The facts of one complaint that the aggregates count.

    Parameters
    ----------
    status
        The complaint's current stage.
    category
        What the complaint is about.
    received_at, stage_since, closed_at
        When it was received, when its current stage began, and when it was finished (None
        while open).
    referred
        Whether it was ever referred to an oversight body.
    deadlines
        Days a case may stay in each open stage.
    now
        The moment against which ``overdue`` is judged.
    institution, region
        The cells of the complaint in those breakdowns, as ``(key, label)``; None for the
        cell of complaints without one.

    Returns
    -------
    CaseFacts

    Examples
    --------
    >>> from datetime import UTC
    >>> t = datetime(2026, 3, 1, tzinfo=UTC)
    >>> later = t + timedelta(days=20)
    >>> f = case_facts(
    ...     Status.RESOLVED, category=Category.EXTORTION, received_at=t, stage_since=later,
    ...     closed_at=later, referred=False, deadlines={}, now=later,
    ... )
    >>> f.finished, f.in_time, f.open
    (True, True, False)
    """
    due = stage_due(status, stage_since, deadlines)
    return CaseFacts(
        category=category,
        received_on=received_at.date(),
        institution=institution,
        region=region,
        open=status.is_open,
        overdue=status.is_open and due is not None and due < now,
        finished=not status.is_open,
        in_time=status == Status.RESOLVED
        and closed_at is not None
        and closed_at - received_at <= timedelta(days=RESOLUTION_DAYS),
        referred=referred,
    )


def suppressed_cells(counts: Mapping[K, int], *, min_cell: int) -> set[K]:
    """The cells of one breakdown to suppress, primary and complementary.

    Parameters
    ----------
    counts
        Number of complaints per cell.
    min_cell
        Smallest count that is published (``PEACEOPS_MIN_CELL_SIZE``).

    Returns
    -------
    set
        The keys of the cells with ``0 < n < min_cell``; when that is exactly one cell, also
        the smallest other non-empty cell (ties broken by the key as text).

    Examples
    --------
    >>> sorted(suppressed_cells({"north": 2, "south": 3, "east": 9}, min_cell=5))
    ['north', 'south']
    >>> sorted(suppressed_cells({"north": 2, "south": 7, "east": 9}, min_cell=5))
    ['north', 'south']
    >>> suppressed_cells({"north": 0, "south": 7, "east": 9}, min_cell=5)
    set()
    """
    hidden = {k for k, n in counts.items() if 0 < n < min_cell}
    if len(hidden) == 1:
        rest = sorted(
            ((n, str(k), k) for k, n in counts.items() if k not in hidden and n > 0),
            key=lambda item: (item[0], item[1]),
        )
        if rest:
            hidden.add(rest[0][2])
    return hidden


def breakdown_rows(
    groups: Mapping[tuple[str, str], Sequence[CaseFacts]], *, min_cell: int, population: int
) -> list[AccountabilityRow]:
    """One row per cell of a breakdown, small cells suppressed.

    Parameters
    ----------
    groups
        ``(key, label)`` of each cell to the facts of its complaints.
    min_cell
        Smallest count that is published.
    population
        Denominator of ``per_100k``; 0 leaves the rates out.

    Returns
    -------
    list[AccountabilityRow]
        The published cells, largest first (then by label), then the suppressed ones by label.

    Examples
    --------
    >>> from datetime import UTC
    >>> t = datetime(2026, 3, 1, tzinfo=UTC)
    >>> def case(status, referred):
    ...     closed = None if status.is_open else t
    ...     return case_facts(
    ...         status, category=Category.EXTORTION, received_at=t, stage_since=t,
    ...         closed_at=closed, referred=referred, deadlines={Status.RECEIVED: 7},
    ...         now=t + timedelta(days=30),
    ...     )
    >>> done, late = case(Status.RESOLVED, True), case(Status.RECEIVED, False)
    >>> groups = {("a", "A"): [done] * 4 + [late], ("b", "B"): [late] * 6, ("c", "C"): [done]}
    >>> for r in breakdown_rows(groups, min_cell=3, population=1_000_000):
    ...     print(r.label, r.received, r.per_100k, r.referred_share, r.overdue, r.suppressed)
    B 6 0.6 0.0 6 False
    A None None None None True
    C None None None None True
    """
    hidden = suppressed_cells({k: len(v) for k, v in groups.items()}, min_cell=min_cell)
    shown, suppressed = [], []
    for (key, label), items in groups.items():
        if (key, label) in hidden:
            suppressed.append(
                AccountabilityRow(label, None, None, None, None, None, None, True, key)
            )
            continue
        n = len(items)
        finished = sum(1 for f in items if f.finished)
        shown.append(
            AccountabilityRow(
                label=label,
                received=n,
                per_100k=n / population * 100_000 if population else None,
                referred_share=sum(1 for f in items if f.referred) / n,
                resolved_in_time_share=(
                    sum(1 for f in items if f.in_time) / finished if finished else None
                ),
                open=sum(1 for f in items if f.open),
                overdue=sum(1 for f in items if f.overdue),
                key=key,
            )
        )
    shown.sort(key=lambda r: (-(r.received or 0), r.label))
    suppressed.sort(key=lambda r: r.label)
    return shown + suppressed


def accountability(
    cases: Sequence[CaseFacts],
    *,
    country: str,
    period_start: date | None,
    period_end: date | None,
    min_cell: int,
    population: int,
) -> Accountability:
    """Complaints by institution, category, region and month, small cells suppressed.

    Parameters
    ----------
    cases
        The complaints received in the period.
    country
        ISO3 code of the country.
    period_start, period_end
        The period (inclusive); None for open ends.
    min_cell
        Smallest count that is published (``PEACEOPS_MIN_CELL_SIZE``).
    population
        Sum of the populations of the country's settlements, for ``per_100k``; 0 if unknown.

    Returns
    -------
    Accountability
        SGBV and torture complaints are left out of ``by_area``; ``notes`` say so.
    """

    def breakdown(
        key: Callable[[CaseFacts], tuple[str, str] | None], only: Iterable[CaseFacts]
    ) -> list[AccountabilityRow]:
        groups: dict[tuple[str, str], list[CaseFacts]] = defaultdict(list)
        for case in only:
            groups[key(case) or ("", NOT_RECORDED)].append(case)
        return breakdown_rows(groups, min_cell=min_cell, population=population)

    def category(case: CaseFacts) -> tuple[str, str]:
        return (case.category.value, case.category.value.replace("_", " ").capitalize())

    notes = [
        f"Cells with fewer than {min_cell} complaints are suppressed.",
        "Regional figures leave out complaints of sexual and gender-based violence and of torture.",
    ]
    if not population:
        notes.append("No settlement populations are recorded: rates are not computed.")
    return Accountability(
        country=country,
        period_start=period_start,
        period_end=period_end,
        min_cell=min_cell,
        by_institution=breakdown(lambda c: c.institution, cases),
        by_category=breakdown(category, cases),
        by_area=breakdown(
            lambda c: c.region, [c for c in cases if c.category not in SENSITIVE_CATEGORIES]
        ),
        by_month=monthly_counts(
            (c.received_on for c in cases), start=period_start, end=period_end, min_cell=min_cell
        ),
        total=len(cases),
        population=population,
        notes=notes,
    )


def monthly_counts(
    days: Iterable[date], *, start: date | None, end: date | None, min_cell: int
) -> list[tuple[str, int | None]]:
    """Complaints received per calendar month, small months suppressed.

    Parameters
    ----------
    days
        The day each complaint was received.
    start, end
        The period; when either is None it is taken from the days.
    min_cell
        Smallest count that is published.

    Returns
    -------
    list[tuple[str, int | None]]
        ``("2026-03", count)`` for every month from the first to the last, None where
        suppressed; empty when there are no days and the period is open.

    Examples
    --------
    >>> days = [date(2026, 1, 5)] * 6 + [date(2026, 3, 2)] * 2 + [date(2026, 4, 9)] * 7
    >>> monthly_counts(days, start=None, end=None, min_cell=5)
    [('2026-01', None), ('2026-02', 0), ('2026-03', None), ('2026-04', 7)]
    """
    days = list(days)
    if not days and (start is None or end is None):
        return []
    first = start or min(days)
    last = end or max(days)
    counts: dict[str, int] = {}
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        counts[f"{year:04d}-{month:02d}"] = 0
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    for d in days:
        label = f"{d.year:04d}-{d.month:02d}"
        if label in counts:
            counts[label] += 1
    hidden = suppressed_cells(counts, min_cell=min_cell)
    return [(m, None if m in hidden else n) for m, n in counts.items()]


__all__ = [
    "NOT_RECORDED",
    "Accountability",
    "AccountabilityRow",
    "CaseFacts",
    "accountability",
    "breakdown_rows",
    "case_facts",
    "monthly_counts",
    "suppressed_cells",
]
