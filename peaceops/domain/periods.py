"""Reporting periods: a year, a half, a quarter or a month, named the way staff write them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from peaceops.errors import InputError


class PeriodKind(StrEnum):
    YEAR = "year"
    HALF = "half"
    QUARTER = "quarter"
    MONTH = "month"


_PATTERNS = (
    (re.compile(r"(\d{4})"), PeriodKind.YEAR),
    (re.compile(r"(\d{4})-?H([12])"), PeriodKind.HALF),
    (re.compile(r"(\d{4})-?Q([1-4])"), PeriodKind.QUARTER),
    (re.compile(r"(\d{4})-(\d{2})"), PeriodKind.MONTH),
)
_MONTHS = {PeriodKind.YEAR: 12, PeriodKind.HALF: 6, PeriodKind.QUARTER: 3, PeriodKind.MONTH: 1}


@dataclass(frozen=True, slots=True)
class ReportingPeriod:
    """A calendar period: ``kind``, its ``year`` and its ``number`` within the year (the half,
    quarter or month; 1 for a year).

    >>> p = ReportingPeriod.parse("2024q4")
    >>> p.code, p.start.isoformat(), p.end.isoformat()
    ('2024Q4', '2024-10-01', '2024-12-31')
    >>> [ReportingPeriod.parse(t).code for t in ("2025", "2025-H1", "2025-06")]
    ['2025', '2025H1', '2025-06']
    """

    kind: PeriodKind
    year: int
    number: int = 1

    @classmethod
    def parse(cls, text: str, *, field: str = "period") -> ReportingPeriod:
        """Read ``2024``, ``2024H1``, ``2024Q4`` or ``2024-06``; an InputError names ``field``."""
        cleaned = text.strip().upper()
        for pattern, kind in _PATTERNS:
            match = pattern.fullmatch(cleaned)
            if match is None:
                continue
            year = int(match.group(1))
            number = int(match.group(2)) if kind != PeriodKind.YEAR else 1
            if not 1990 <= year <= 2100:
                break
            if kind == PeriodKind.MONTH and not 1 <= number <= 12:
                break
            return cls(kind, year, number)
        raise InputError(
            f"'{text}' is not a reporting period: write a year (2024), a half (2024H1), "
            "a quarter (2024Q4) or a month (2024-06)",
            field=field,
        )

    @property
    def code(self) -> str:
        if self.kind == PeriodKind.YEAR:
            return str(self.year)
        if self.kind == PeriodKind.HALF:
            return f"{self.year}H{self.number}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.year}Q{self.number}"
        return f"{self.year}-{self.number:02d}"

    @property
    def months(self) -> int:
        return _MONTHS[self.kind]

    @property
    def start(self) -> date:
        return date(self.year, (self.number - 1) * self.months + 1, 1)

    @property
    def end(self) -> date:
        """The last day of the period."""
        last_month = self.number * self.months
        following = date(self.year + last_month // 12, last_month % 12 + 1, 1)
        return following - timedelta(days=1)

    def __str__(self) -> str:
        return self.code
