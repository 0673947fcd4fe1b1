"""Users, roles and what each role may do.

The permission table below is the single source of truth; the web layer and the platform
both check it, and the route x role test matrix reads its expectations from its own table so
that a change here must be made twice, on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    """Runs the platform: users, settings, audit log, everything analysts do."""
    ANALYST = "analyst"
    """Mission staff: enter and import data, run analyses, edit reference records."""
    PARTNER = "partner"
    """A donor or agency: its own organisation's records plus shared aggregates."""
    CIVIL_SOCIETY = "civil_society"
    """A civil-society organisation: its own records plus public aggregates."""
    VIEWER = "viewer"
    """Reads dashboards and reference data; changes nothing."""
    CASE_HANDLER = "case_handler"
    """Handles complaints against security forces; the only role that sees who complained."""


class Permission(StrEnum):
    READ_REFERENCE = "read_reference"
    EDIT_REFERENCE = "edit_reference"
    IMPORT_DATA = "import_data"
    EDIT_ACTORS = "edit_actors"
    EDIT_OWN_ORGANISATION = "edit_own_organisation"
    MANAGE_USERS = "manage_users"
    READ_AUDIT = "read_audit"
    USE_API_TOKENS = "use_api_tokens"
    READ_FORECASTS = "read_forecasts"
    MANAGE_ASSESSMENTS = "manage_assessments"
    READ_EVIDENCE = "read_evidence"
    """Row-level assessment evidence (survey respondents), beyond the aggregates."""
    MANAGE_COORDINATION = "manage_coordination"
    """Decide on candidate duplicate activities; record trainings."""
    READ_PERSONAL_DATA = "read_personal_data"
    """Names and identifying details of people (trainees, survey respondents), decrypted."""
    MANAGE_SURVEYS = "manage_surveys"
    """Load questionnaires and submissions; with READ_PERSONAL_DATA, see respondents' details."""
    HANDLE_COMPLAINTS = "handle_complaints"
    """Read complaint cases (narratives included) and move them through the workflow."""
    READ_COMPLAINANT_IDENTITY = "read_complainant_identity"
    """Who complained and how to reach them: case handlers only, never administrators."""
    REPORT_INCIDENTS = "report_incidents"
    """Log incidents and read unverified reports (everyone else sees verified incidents only)."""
    VERIFY_INCIDENTS = "verify_incidents"
    """Verify, discredit and merge incident reports."""
    MANAGE_ALERTS = "manage_alerts"
    """Write alert rules and run them (admins); reading and acknowledging alerts needs
    READ_FORECASTS, since most alerts speak of forecast risk."""
    MANAGE_TRANSITION = "manage_transition"
    """Draft, agree and revise a country's transition benchmark sets."""


# Administrators may do everything but learn who complained: a complainant's identity is for
# the people handling the case, not for whoever runs the server.
_ALL = frozenset(Permission) - {Permission.READ_COMPLAINANT_IDENTITY}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: _ALL,
    Role.ANALYST: frozenset(
        {
            Permission.READ_REFERENCE,
            Permission.EDIT_REFERENCE,
            Permission.IMPORT_DATA,
            Permission.EDIT_ACTORS,
            Permission.EDIT_OWN_ORGANISATION,
            Permission.USE_API_TOKENS,
            Permission.READ_FORECASTS,
            Permission.MANAGE_ASSESSMENTS,
            Permission.READ_EVIDENCE,
            Permission.MANAGE_COORDINATION,
            Permission.READ_PERSONAL_DATA,
            Permission.MANAGE_SURVEYS,
            Permission.REPORT_INCIDENTS,
            Permission.VERIFY_INCIDENTS,
            Permission.MANAGE_TRANSITION,
        }
    ),
    # Forecasts of violence are for those who plan with them (mission, partners, observers);
    # civil-society accounts see the public dashboards, not area-level risk estimates.
    Role.PARTNER: frozenset(
        {
            Permission.READ_REFERENCE,
            Permission.EDIT_OWN_ORGANISATION,
            Permission.USE_API_TOKENS,
            Permission.READ_FORECASTS,
        }
    ),
    Role.CIVIL_SOCIETY: frozenset(
        {
            Permission.READ_REFERENCE,
            Permission.EDIT_OWN_ORGANISATION,
            Permission.USE_API_TOKENS,
        }
    ),
    Role.VIEWER: frozenset({Permission.READ_REFERENCE, Permission.READ_FORECASTS}),
    Role.CASE_HANDLER: frozenset(
        {
            Permission.READ_REFERENCE,
            Permission.USE_API_TOKENS,
            Permission.HANDLE_COMPLAINTS,
            Permission.READ_COMPLAINANT_IDENTITY,
        }
    ),
}


class TokenScope(StrEnum):
    """What an API token may do, within its owner's role (a token never exceeds the role)."""

    READ = "read"
    """Read what the role may read, except personal data."""
    WRITE = "write"
    """Change data (any unsafe HTTP method, any permission that writes)."""
    PERSONAL = "personal"
    """Read personal data: names of trainees and respondents, who complained."""


# Permissions that only read. A token without the write scope holds these alone (and, at the
# web layer, may not use unsafe HTTP methods, since acknowledging an alert, say, writes under a
# reading permission).
READING_PERMISSIONS = frozenset(
    {
        Permission.READ_REFERENCE,
        Permission.READ_AUDIT,
        Permission.USE_API_TOKENS,  # listing one's tokens; creating one is an unsafe request
        Permission.READ_FORECASTS,
        Permission.READ_EVIDENCE,
        Permission.READ_PERSONAL_DATA,
        Permission.READ_COMPLAINANT_IDENTITY,
    }
)
PERSONAL_PERMISSIONS = frozenset(
    {Permission.READ_PERSONAL_DATA, Permission.READ_COMPLAINANT_IDENTITY}
)
DEFAULT_TOKEN_SCOPES = frozenset({TokenScope.READ})


@dataclass(frozen=True, slots=True)
class Principal:
    """Whoever is acting: a logged-in user, an API token, or the local command line.

    ``scopes`` is None for sessions and the command line (the whole role); an API token's
    scopes narrow its owner's role.
    """

    username: str
    role: Role
    user_id: int | None = None
    actor_id: int | None = None
    via: str = "cli"
    scopes: frozenset[TokenScope] | None = None

    def can(self, permission: Permission) -> bool:
        if permission not in ROLE_PERMISSIONS[self.role]:
            return False
        if self.scopes is None:
            return True
        if permission in PERSONAL_PERMISSIONS and TokenScope.PERSONAL not in self.scopes:
            return False
        return permission in READING_PERMISSIONS or TokenScope.WRITE in self.scopes

    @property
    def may_write(self) -> bool:
        """False for a token without the write scope: it may not change anything."""
        return self.scopes is None or TokenScope.WRITE in self.scopes

    @classmethod
    def system(cls, username: str = "system") -> Principal:
        """The operator at the command line of the server: full rights, audited by name."""
        return cls(username=username, role=Role.ADMIN, via="cli")


@dataclass(frozen=True, slots=True)
class User:
    username: str
    role: Role
    display_name: str
    email: str | None = None
    actor_id: int | None = None
    language: str | None = None
    is_active: bool = True
    created_at: datetime | None = None
    last_login_at: datetime | None = None
    id: int | None = None

    def principal(self, *, via: str, scopes: frozenset[TokenScope] | None = None) -> Principal:
        return Principal(
            username=self.username,
            role=self.role,
            user_id=self.id,
            actor_id=self.actor_id,
            via=via,
            scopes=scopes,
        )
