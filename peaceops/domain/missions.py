"""Peace operations and their mandates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class MissionOrganisation(StrEnum):
    UN = "UN"
    AU = "AU"
    EU = "EU"
    ECOWAS = "ECOWAS"
    OSCE = "OSCE"
    NATO = "NATO"
    OTHER = "other"


class MandateTaskArea(StrEnum):
    """Areas of mandated tasks, as Security Council resolutions group them."""

    PROTECTION_OF_CIVILIANS = "protection_of_civilians"
    SECURITY_SECTOR_REFORM = "security_sector_reform"
    RULE_OF_LAW = "rule_of_law"
    DDR = "ddr"
    HUMAN_RIGHTS = "human_rights"
    ELECTIONS = "elections"
    STATE_AUTHORITY = "state_authority"
    POLITICAL_PROCESS = "political_process"
    HUMANITARIAN_ACCESS = "humanitarian_access"
    MINE_ACTION = "mine_action"


@dataclass(frozen=True, slots=True)
class MandateTask:
    area: MandateTaskArea
    text: str


@dataclass(frozen=True, slots=True)
class MandatePeriod:
    """One mandate: the resolution that set it, its dates and its tasks."""

    start: date
    end: date
    resolution: str | None = None
    tasks: tuple[MandateTask, ...] = ()
    id: int | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"mandate ends ({self.end}) before it starts ({self.start})")

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Mission:
    """A peace operation: a UN, AU, EU or other mission in one or more countries."""

    acronym: str
    name: str
    organisation: MissionOrganisation
    start: date
    end: date | None = None
    countries: tuple[str, ...] = ()
    mandates: tuple[MandatePeriod, ...] = field(default=(), compare=False)
    id: int | None = None

    def mandate_on(self, day: date) -> MandatePeriod | None:
        return next((m for m in self.mandates if m.covers(day)), None)
