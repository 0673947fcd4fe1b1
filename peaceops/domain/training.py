"""Training records: courses, sessions, trainees, and what became of them afterwards.

"Trained" is followed to "serving": a participation records attendance and certification,
and a trainee's vetting and deployment statuses say whether the person still serves, where,
and whether they passed vetting. Names of trainees are personal data; the platform stores them
encrypted and shows them only to roles allowed to see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


class VettingStatus(StrEnum):
    NOT_VETTED = "not_vetted"
    PENDING = "pending"
    CLEARED = "cleared"
    REJECTED = "rejected"


class DeploymentStatus(StrEnum):
    """Where a trainee is now, as the institution's personnel records say."""

    SERVING = "serving"
    """Serving in a post that uses the training."""
    REASSIGNED = "reassigned"
    """Serving, but in a post that does not use it."""
    LEFT = "left"
    DISMISSED = "dismissed"
    DECEASED = "deceased"
    UNKNOWN = "unknown"


CURRICULUM_TAGS = (
    "human_rights",
    "sops",
    "investigation",
    "public_order",
    "gender_sgbv",
    "community_policing",
    "case_management",
    "prison_management",
    "leadership",
    "forensics",
    "border_control",
    "ethics",
)


@dataclass(frozen=True, slots=True)
class Course:
    code: str
    title: str
    topic: str
    """The capability area (a ``Capability`` value) the course builds."""
    tags: tuple[str, ...] = ()
    duration_days: int | None = None
    provider: str | None = None
    """The organisation that designed the course, by name."""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class TrainingSession:
    course_code: str
    start: date
    end: date
    place: str
    provider: str | None = None
    """The organisation that delivered the session, by name."""
    activity_identifier: str | None = None
    """The activity (programme) that paid for the session."""
    admin_area_id: int | None = None
    admin_code: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Trainee:
    """A member of a national institution who attends training."""

    service_number: str
    """The institution's personnel number; with the institution it identifies the person."""
    institution_ref: str
    """The institution's name or acronym."""
    name: str
    sex: Sex = Sex.UNKNOWN
    rank: str | None = None
    birth_year: int | None = None
    vetting: VettingStatus = VettingStatus.NOT_VETTED
    deployment: DeploymentStatus = DeploymentStatus.UNKNOWN
    status_date: date | None = None
    """When vetting and deployment were last confirmed."""
    institution_id: int | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Participation:
    session_id: int | None
    service_number: str
    institution_ref: str
    completed: bool = True
    certified: bool = False
    score: float | None = None


@dataclass(slots=True)
class TrainingRecords:
    """What one import or one generator yields: courses, sessions and who attended."""

    courses: list[Course] = field(default_factory=list)
    sessions: list[TrainingSession] = field(default_factory=list)
    trainees: list[Trainee] = field(default_factory=list)
    attendance: list[tuple[int, Participation]] = field(default_factory=list)
    """(index into ``sessions``, participation)."""
