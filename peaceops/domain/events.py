"""Violent events: UCDP GED records and the mission's own incident reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum

from peaceops.domain.places import Month


class ViolenceType(IntEnum):
    """UCDP's types of organised violence."""

    STATE_BASED = 1
    NON_STATE = 2
    ONE_SIDED = 3


class EventSource(StrEnum):
    UCDP_GED = "ucdp_ged"
    UCDP_CANDIDATE = "ucdp_candidate"
    INCIDENT = "incident"


TARGETS = {"sb": (1,), "ns": (2,), "os": (3,), "total": (1, 2, 3)}


@dataclass(frozen=True, slots=True)
class Event:
    """One event with its fatality estimates (low <= best <= high) and where it happened."""

    source: EventSource
    source_id: str
    version: str
    type_of_violence: ViolenceType
    date_start: date
    date_end: date
    best: int
    low: int
    high: int
    lon: float | None = None
    lat: float | None = None
    country_gw: int | None = None
    country: str | None = None
    priogrid_gid: int | None = None
    adm_1: str | None = None
    adm_2: str | None = None
    where_prec: int | None = None
    date_prec: int | None = None
    side_a: str | None = None
    side_b: str | None = None
    conflict_name: str | None = None
    id: int | None = None

    @property
    def month(self) -> Month:
        """The month an event counts in: that of its start date, as VIEWS aggregates GED."""
        return Month(self.date_start.year, self.date_start.month)
