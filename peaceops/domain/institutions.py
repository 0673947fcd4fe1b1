"""National institutions of the security and justice sectors, and their sites."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class InstitutionType(StrEnum):
    """Taxonomy of the institutions PeaceOps assesses and supports."""

    POLICE = "police"
    GENDARMERIE = "gendarmerie"
    BORDER_AGENCY = "border_agency"
    COURTS = "courts"
    PROSECUTION = "prosecution"
    LEGAL_AID = "legal_aid"
    CORRECTIONS = "corrections"
    ARMED_FORCES = "armed_forces"
    MINISTRY_INTERIOR = "ministry_interior"
    MINISTRY_JUSTICE = "ministry_justice"
    MINISTRY_DEFENCE = "ministry_defence"
    PARLIAMENTARY_OVERSIGHT = "parliamentary_oversight"
    HUMAN_RIGHTS_INSTITUTION = "human_rights_institution"
    ANTI_CORRUPTION_BODY = "anti_corruption_body"
    CIVIL_ADMINISTRATION = "civil_administration"

    @property
    def sector(self) -> str:
        return _SECTORS[self]


_SECTORS = {
    InstitutionType.POLICE: "security",
    InstitutionType.GENDARMERIE: "security",
    InstitutionType.BORDER_AGENCY: "security",
    InstitutionType.COURTS: "justice",
    InstitutionType.PROSECUTION: "justice",
    InstitutionType.LEGAL_AID: "justice",
    InstitutionType.CORRECTIONS: "justice",
    InstitutionType.ARMED_FORCES: "defence",
    InstitutionType.MINISTRY_INTERIOR: "security",
    InstitutionType.MINISTRY_JUSTICE: "justice",
    InstitutionType.MINISTRY_DEFENCE: "defence",
    InstitutionType.PARLIAMENTARY_OVERSIGHT: "oversight",
    InstitutionType.HUMAN_RIGHTS_INSTITUTION: "oversight",
    InstitutionType.ANTI_CORRUPTION_BODY: "oversight",
    InstitutionType.CIVIL_ADMINISTRATION: "governance",
}


class SiteKind(StrEnum):
    """Kinds of physical site an institution operates."""

    HEADQUARTERS = "headquarters"
    POLICE_STATION = "police_station"
    POLICE_POST = "police_post"
    COURT = "court"
    PROSECUTOR_OFFICE = "prosecutor_office"
    PRISON = "prison"
    BARRACKS = "barracks"
    BORDER_POST = "border_post"
    TRAINING_CENTRE = "training_centre"
    OFFICE = "office"


@dataclass(frozen=True, slots=True)
class Institution:
    """A national institution: police, a court system, a prison service, a ministry..."""

    country_iso3: str
    type: InstitutionType
    name: str
    acronym: str | None = None
    parent_id: int | None = None
    description: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Site:
    """A place where an institution works: a police station, a court, a prison."""

    institution_id: int
    name: str
    kind: SiteKind
    lon: float | None = None
    lat: float | None = None
    admin_area_id: int | None = None
    id: int | None = None
