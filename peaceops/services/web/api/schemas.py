"""Request and response bodies: XCreate, XUpdate, XPublic and XsPublic(data, count)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from peaceops.domain.access import Role, TokenScope
from peaceops.domain.actors import ActorCategory, OrganisationType
from peaceops.domain.audit import AuditAction
from peaceops.domain.institutions import InstitutionType, SiteKind
from peaceops.domain.missions import MandateTaskArea, MissionOrganisation

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    data: list[T]
    count: int


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CountryPublic(BaseModel):
    iso3: str
    name: str
    iso2: str | None
    numeric: int | None
    gw_code: int | None
    ucdp_id: int | None
    fictional: bool


class AdminAreaPublic(BaseModel):
    id: int
    country_iso3: str
    level: int
    pcode: str
    name: str
    parent_pcode: str | None
    source: str | None
    geometry: dict[str, Any] | None = None


class MandateTaskPublic(BaseModel):
    area: MandateTaskArea
    text: str


class MandatePeriodPublic(BaseModel):
    id: int | None
    start: date
    end: date
    resolution: str | None
    tasks: list[MandateTaskPublic]


class MandatePeriodCreate(Strict):
    start: date
    end: date
    resolution: str | None = Field(None, max_length=100)
    tasks: list[MandateTaskPublic] = []


class MissionPublic(BaseModel):
    id: int
    acronym: str
    name: str
    organisation: MissionOrganisation
    start: date
    end: date | None
    countries: list[str]
    mandates: list[MandatePeriodPublic]


class MissionCreate(Strict):
    acronym: str = Field(min_length=2, max_length=40)
    name: str = Field(min_length=2, max_length=300)
    organisation: MissionOrganisation
    start: date
    end: date | None = None
    countries: list[str] = Field(min_length=1)
    mandates: list[MandatePeriodCreate] = []


class InstitutionPublic(BaseModel):
    id: int
    country_iso3: str
    type: InstitutionType
    name: str
    acronym: str | None
    parent_id: int | None
    description: str | None


class InstitutionCreate(Strict):
    country_iso3: str = Field(min_length=3, max_length=3)
    type: InstitutionType
    name: str = Field(min_length=2, max_length=300)
    acronym: str | None = Field(None, max_length=40)
    parent_id: int | None = None
    description: str | None = Field(None, max_length=5000)


class InstitutionUpdate(Strict):
    type: InstitutionType | None = None
    name: str | None = Field(None, min_length=2, max_length=300)
    acronym: str | None = Field(None, max_length=40)
    parent_id: int | None = None
    description: str | None = Field(None, max_length=5000)


class SitePublic(BaseModel):
    id: int
    institution_id: int
    name: str
    kind: SiteKind
    lon: float | None
    lat: float | None
    admin_area_id: int | None


class ActorPublic(BaseModel):
    id: int
    name: str
    acronym: str | None
    category: ActorCategory
    org_type: OrganisationType
    iati_org_id: str | None
    country_iso3: str | None
    name_variants: list[str]


class ActorCreate(Strict):
    name: str = Field(min_length=2, max_length=300)
    category: ActorCategory
    org_type: OrganisationType
    acronym: str | None = Field(None, max_length=40)
    iati_org_id: str | None = Field(None, max_length=100)
    country_iso3: str | None = Field(None, min_length=3, max_length=3)
    name_variants: list[str] = []


class ActorUpdate(Strict):
    name: str | None = Field(None, min_length=2, max_length=300)
    category: ActorCategory | None = None
    org_type: OrganisationType | None = None
    acronym: str | None = Field(None, max_length=40)
    iati_org_id: str | None = Field(None, max_length=100)
    country_iso3: str | None = Field(None, min_length=3, max_length=3)
    name_variants: list[str] | None = None


class UserPublic(BaseModel):
    id: int
    username: str
    role: Role
    display_name: str
    email: str | None
    actor_id: int | None
    language: str | None
    is_active: bool
    created_at: datetime | None
    last_login_at: datetime | None


class UserCreate(Strict):
    username: str = Field(min_length=2, max_length=80)
    role: Role
    display_name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=300)
    actor_id: int | None = None
    language: str | None = Field(None, pattern="^(en|fr|ar)$")
    password: str | None = Field(None, min_length=10, max_length=200)


class UserCreated(UserPublic):
    one_time_password: str | None


class UserUpdate(Strict):
    role: Role | None = None
    display_name: str | None = Field(None, min_length=1, max_length=200)
    email: str | None = Field(None, max_length=300)
    actor_id: int | None = None
    language: str | None = Field(None, pattern="^(en|fr|ar)$")
    is_active: bool | None = None


class TokenCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    days: int | None = Field(None, ge=1, le=365)
    scopes: list[TokenScope] = Field(
        default_factory=lambda: [TokenScope.READ],
        min_length=1,
        description="read: what the role may read but personal data; write: changes; "
        "personal: personal data. Never beyond the owner's role.",
    )


class TokenCreated(BaseModel):
    id: int
    token: str
    expires_at: datetime
    scopes: list[TokenScope]


class TokenPublic(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked: bool
    scopes: list[TokenScope]


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    username: str
    user_id: int | None
    via: str | None
    action: AuditAction
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class ContextSourcePublic(BaseModel):
    code: str
    name: str
    publisher: str
    licence: str


class ContextValuePublic(BaseModel):
    source: str
    indicator: str
    label: str
    country_iso3: str
    year: int
    value: float
    scale_low: float | None
    scale_high: float | None
    higher_is_better: bool


class ContextSeriesPublic(BaseModel):
    """External governance indices for one country, each value labelled with its source."""

    country_iso3: str
    sources: list[ContextSourcePublic]
    data: list[ContextValuePublic]
    count: int
