"""Pure domain objects: frozen dataclasses and enums, no I/O, SQL, pandas or web."""

from peaceops.domain.access import ROLE_PERMISSIONS, Permission, Principal, Role, TokenScope, User
from peaceops.domain.actors import Actor, ActorCategory, OrganisationType
from peaceops.domain.audit import AuditEntry
from peaceops.domain.events import Event, EventSource, ViolenceType
from peaceops.domain.institutions import Institution, InstitutionType, Site, SiteKind
from peaceops.domain.missions import MandatePeriod, MandateTask, Mission, MissionOrganisation
from peaceops.domain.places import AdminArea, Country, Month, PriogridCell, Settlement

__all__ = [
    "ROLE_PERMISSIONS",
    "Actor",
    "ActorCategory",
    "AdminArea",
    "AuditEntry",
    "Country",
    "Event",
    "EventSource",
    "Institution",
    "InstitutionType",
    "MandatePeriod",
    "MandateTask",
    "Mission",
    "MissionOrganisation",
    "Month",
    "OrganisationType",
    "Permission",
    "Principal",
    "PriogridCell",
    "Role",
    "Settlement",
    "Site",
    "SiteKind",
    "TokenScope",
    "User",
    "ViolenceType",
]
