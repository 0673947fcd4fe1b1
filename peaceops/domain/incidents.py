"""The mission's own incident reports, verified before they count, and peacekeeping deployments.

An incident is reported (by form, API or a CSV log), then verified or discredited by an
analyst who says why; duplicates are merged into one record. Only verified incidents become
events (``peaceops.domain.events.Event`` with source ``incident``) that feed forecasts and
public aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import date as Day  # inside Incident, ``date`` is the field, not the class
from enum import StrEnum

from peaceops.domain.events import ViolenceType


class IncidentType(StrEnum):
    """What happened: UCDP's three types of organised violence and threats to institutions."""

    STATE_BASED = "state_based"
    """Armed clash involving the state's forces (UCDP type 1)."""
    NON_STATE = "non_state"
    """Armed clash between non-state groups (UCDP type 2)."""
    ONE_SIDED = "one_sided"
    """Deliberate attack on civilians by an organised group or the state (UCDP type 3)."""
    ATTACK_ON_POLICE = "attack_on_police"
    """Attack on a police station, post or patrol."""
    ATTACK_ON_COURT = "attack_on_court"
    ATTACK_ON_PRISON = "attack_on_prison"
    """Attack on a prison, or a mass escape."""
    ATTACK_ON_OFFICIAL = "attack_on_official"
    """Killing, abduction or threat of a judge, prosecutor, official or human-rights defender."""
    PROTEST = "protest"
    """Demonstration or riot, peaceful or not."""
    DISPLACEMENT = "displacement"
    """People forced from their homes."""
    EXPLOSIVE_HAZARD = "explosive_hazard"
    """Mine, improvised explosive device or unexploded ordnance found or detonated."""
    CRIME = "crime"
    """Serious criminal violence (armed robbery, kidnapping) outside an armed conflict."""
    OTHER = "other"

    @property
    def violence_type(self) -> ViolenceType | None:
        """UCDP's type when the incident is organised violence, else None."""
        return _UCDP.get(self)

    @property
    def threatens_institutions(self) -> bool:
        return self in (
            IncidentType.ATTACK_ON_POLICE,
            IncidentType.ATTACK_ON_COURT,
            IncidentType.ATTACK_ON_PRISON,
            IncidentType.ATTACK_ON_OFFICIAL,
        )


_UCDP = {
    IncidentType.STATE_BASED: ViolenceType.STATE_BASED,
    IncidentType.NON_STATE: ViolenceType.NON_STATE,
    IncidentType.ONE_SIDED: ViolenceType.ONE_SIDED,
    # An armed group attacking police or a prison fights the state's forces (state-based, as
    # UCDP codes it); attacking courts and officials, who are civilians, is one-sided violence.
    IncidentType.ATTACK_ON_POLICE: ViolenceType.STATE_BASED,
    IncidentType.ATTACK_ON_COURT: ViolenceType.ONE_SIDED,
    IncidentType.ATTACK_ON_PRISON: ViolenceType.STATE_BASED,
    IncidentType.ATTACK_ON_OFFICIAL: ViolenceType.ONE_SIDED,
}


class DatePrecision(StrEnum):
    """How exactly the date is known (UCDP ``date_prec`` 1, 2-3, 4, 5)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class PlacePrecision(StrEnum):
    """How exactly the place is known (UCDP ``where_prec`` 1, 2, 3-4, 6)."""

    EXACT = "exact"
    """The point is where it happened."""
    NEAR = "near"
    """Within about 25 km of the point."""
    DISTRICT = "district"
    """Only the admin-2 area is known."""
    REGION = "region"
    """Only the admin-1 area is known."""
    COUNTRY = "country"


UCDP_WHERE_PREC = {
    PlacePrecision.EXACT: 1,
    PlacePrecision.NEAR: 2,
    PlacePrecision.DISTRICT: 3,
    PlacePrecision.REGION: 4,
    PlacePrecision.COUNTRY: 6,
}
UCDP_DATE_PREC = {
    DatePrecision.DAY: 1,
    DatePrecision.WEEK: 2,
    DatePrecision.MONTH: 4,
    DatePrecision.YEAR: 5,
}


class Verification(StrEnum):
    REPORTED = "reported"
    UNDER_VERIFICATION = "under_verification"
    VERIFIED = "verified"
    DISCREDITED = "discredited"
    MERGED = "merged"
    """A duplicate report, folded into another incident."""

    @property
    def counts(self) -> bool:
        """Whether the incident feeds forecasts and public aggregates."""
        return self == Verification.VERIFIED


VERIFICATION_STEPS: dict[Verification, frozenset[Verification]] = {
    Verification.REPORTED: frozenset({Verification.UNDER_VERIFICATION, Verification.MERGED}),
    Verification.UNDER_VERIFICATION: frozenset(
        {Verification.VERIFIED, Verification.DISCREDITED, Verification.MERGED}
    ),
    # New information may reopen a decision.
    Verification.VERIFIED: frozenset({Verification.UNDER_VERIFICATION, Verification.MERGED}),
    Verification.DISCREDITED: frozenset({Verification.UNDER_VERIFICATION}),
    Verification.MERGED: frozenset(),
}


def can_step(current: Verification, target: Verification) -> bool:
    return target in VERIFICATION_STEPS[current]


@dataclass(frozen=True, slots=True)
class Attachment:
    """What is known of a photo, report or recording kept elsewhere (never its content)."""

    name: str
    media_type: str = ""
    size: int | None = None
    sha256: str = ""
    location: str = ""
    """Where the file is kept (a document system reference)."""


@dataclass(frozen=True, slots=True)
class Incident:
    type: IncidentType
    date: date
    country_iso3: str
    date_precision: DatePrecision = DatePrecision.DAY
    lon: float | None = None
    lat: float | None = None
    admin_area_id: int | None = None
    place_precision: PlacePrecision = PlacePrecision.EXACT
    place_name: str = ""
    actors: tuple[str, ...] = ()
    fatalities_best: int = 0
    fatalities_low: int = 0
    fatalities_high: int = 0
    injured: int = 0
    sources: tuple[str, ...] = ()
    narrative: str = ""
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    institution_site_id: int | None = None
    """The police station, court or prison attacked, when one was."""
    status: Verification = Verification.REPORTED
    reference: str | None = None
    """The reporter's own number (a CSV log's id): the same report twice is stored once."""
    reported_by: str = ""
    reported_at: datetime | None = None
    merged_into_id: int | None = None
    id: int | None = None

    def problems(self, today: Day) -> list[tuple[str, str]]:
        """(field, message) for everything that makes the record impossible."""
        out: list[tuple[str, str]] = []
        if not 0 <= self.fatalities_low <= self.fatalities_best <= self.fatalities_high:
            out.append(
                (
                    "fatalities",
                    f"fatalities must satisfy 0 <= low <= best <= high, got low "
                    f"{self.fatalities_low}, best {self.fatalities_best}, high "
                    f"{self.fatalities_high}",
                )
            )
        if self.injured < 0:
            out.append(("injured", "the number injured cannot be negative"))
        if self.date > today:
            out.append(("date", f"{self.date.isoformat()} is in the future"))
        if (self.lon is None) != (self.lat is None):
            out.append(("lon/lat", "give both longitude and latitude, or neither"))
        if (
            self.lon is not None
            and self.lat is not None
            and not (-180 <= self.lon <= 180 and -90 <= self.lat <= 90)
        ):
            out.append(("lon/lat", f"({self.lon}, {self.lat}) is not on Earth"))
        if self.lon is None and self.admin_area_id is None:
            out.append(("place", "give a point or an admin area"))
        if self.lon is None and self.place_precision in (PlacePrecision.EXACT, PlacePrecision.NEAR):
            out.append(("place_precision", "an exact or near place needs a point"))
        return out


@dataclass(frozen=True, slots=True)
class VerificationStep:
    incident_id: int
    from_status: Verification | None
    to_status: Verification
    at: datetime
    by: str
    reason: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Deployment:
    """Peacekeepers at one place in one month or year (Geo-PKO), by mission."""

    mission: str
    """The mission's acronym, as Geo-PKO spells it (MINUSCA, MONUSCO ...)."""
    location: str
    year: int
    lon: float
    lat: float
    month: int | None = None
    """None for a yearly aggregate (Geo-PKO's map files)."""
    country: str = ""
    troops: int | None = None
    """Average number of troops there (None when the source gives none)."""
    units: dict[str, int] = field(default_factory=dict)
    """Troop types present, with counts where known (infantry, police, medical, aviation ...)."""
    contributors: tuple[str, ...] = ()
    """Troop-contributing countries there."""
    is_hq: bool = False
    source: str = "geo-pko"
    admin_area_id: int | None = None
    id: int | None = None
