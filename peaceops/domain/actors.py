"""Organisations: UN entities, donors, NGOs, civil society and host-government bodies."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class OrganisationType(IntEnum):
    """IATI OrganisationType codelist."""

    GOVERNMENT = 10
    LOCAL_GOVERNMENT = 11
    OTHER_PUBLIC_SECTOR = 15
    INTERNATIONAL_NGO = 21
    NATIONAL_NGO = 22
    REGIONAL_NGO = 23
    PARTNER_COUNTRY_NGO = 24
    PUBLIC_PRIVATE_PARTNERSHIP = 30
    MULTILATERAL = 40
    FOUNDATION = 60
    PRIVATE_SECTOR = 70
    PRIVATE_SECTOR_PROVIDER = 71
    PRIVATE_SECTOR_RECIPIENT = 72
    PRIVATE_SECTOR_THIRD = 73
    ACADEMIC = 80
    OTHER = 90


class ActorCategory(StrEnum):
    """How the field groups organisations, finer than the IATI type for coordination."""

    UN_ENTITY = "un_entity"
    PEACE_OPERATION = "peace_operation"
    REGIONAL_ORGANISATION = "regional_organisation"
    INTERNATIONAL_FINANCIAL_INSTITUTION = "international_financial_institution"
    BILATERAL_DONOR = "bilateral_donor"
    INTERNATIONAL_NGO = "international_ngo"
    NATIONAL_NGO = "national_ngo"
    CIVIL_SOCIETY = "civil_society"
    HOST_GOVERNMENT = "host_government"
    PRIVATE_CONTRACTOR = "private_contractor"
    RESEARCH = "research"


@dataclass(frozen=True, slots=True)
class Actor:
    """An organisation that funds, implements, oversees or is itself reformed."""

    name: str
    category: ActorCategory
    org_type: OrganisationType
    acronym: str | None = None
    iati_org_id: str | None = None
    country_iso3: str | None = None
    name_variants: tuple[str, ...] = ()
    id: int | None = None

    def matches(self, text: str) -> bool:
        """Whether a name as written somewhere refers to this actor (case and space blind)."""
        key = " ".join(text.casefold().split())
        names = (self.name, self.acronym or "", self.iati_org_id or "", *self.name_variants)
        return any(key == " ".join(n.casefold().split()) for n in names if n)
