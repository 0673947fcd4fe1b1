"""Complaints against security and justice personnel, handled as confidential cases.

A complaint comes in through the public web form, a hotline or SMS gateway (the API), or a
paper register (CSV). It gets a reference code the complainant keeps; with it they can learn
the case's stage, nothing else. Case handlers move it through a fixed workflow, each stage
with a deadline; referral goes to an oversight body recorded as an actor. The complainant's
identity and contact details are encrypted at rest and shown to case handlers only.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum


class Category(StrEnum):
    EXCESSIVE_FORCE = "excessive_force"
    ARBITRARY_ARREST = "arbitrary_arrest"
    """Arbitrary arrest or detention."""
    EXTORTION = "extortion"
    """Extortion and bribery."""
    SGBV = "sgbv"
    """Sexual and gender-based violence."""
    TORTURE = "torture"
    """Torture or ill-treatment."""
    DISCRIMINATION = "discrimination"
    FAILURE_TO_ACT = "failure_to_act"
    PROPERTY = "property"
    """Seizure or destruction of property."""
    THREATS = "threats"
    """Threats and intimidation."""
    OTHER = "other"


# Categories whose complaints never appear in breakdowns finer than the country, whatever the
# cell size: a single SGBV complaint from a small district can identify the person.
SENSITIVE_CATEGORIES = frozenset({Category.SGBV, Category.TORTURE})


class Channel(StrEnum):
    WEB = "web"
    HOTLINE = "hotline"
    SMS = "sms"
    PAPER = "paper"
    IN_PERSON = "in_person"


class Confidentiality(StrEnum):
    ANONYMOUS = "anonymous"
    """No identity given: the case cannot be followed up with the complainant except by code."""
    CONFIDENTIAL = "confidential"
    """Identity given, encrypted, and seen by case handlers only."""


class Status(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    UNDER_REVIEW = "under_review"
    REFERRED = "referred"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self not in (Status.RESOLVED, Status.CLOSED)


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.ACKNOWLEDGED, Status.CLOSED}),
    Status.ACKNOWLEDGED: frozenset({Status.UNDER_REVIEW, Status.CLOSED}),
    Status.UNDER_REVIEW: frozenset({Status.REFERRED, Status.RESOLVED, Status.CLOSED}),
    # An oversight body may send a case back for more review.
    Status.REFERRED: frozenset({Status.UNDER_REVIEW, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset(),
    Status.CLOSED: frozenset(),
}

# Days a case may stay in each open stage before it is overdue (``PEACEOPS_COMPLAINT_DEADLINES``
# overrides them), and the days from receipt within which a case should be resolved.
DEFAULT_DEADLINE_DAYS: dict[Status, int] = {
    Status.RECEIVED: 3,
    Status.ACKNOWLEDGED: 10,
    Status.UNDER_REVIEW: 30,
    Status.REFERRED: 60,
}
RESOLUTION_DAYS = 90


def can_move(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


def stage_due(status: Status, since: datetime, deadlines: dict[Status, int]) -> datetime | None:
    """When a case entering ``status`` at ``since`` becomes overdue (None once finished)."""
    days = deadlines.get(status)
    return None if days is None or not status.is_open else since + timedelta(days=days)


# Reference codes: 10 characters of Crockford's base32 (50 random bits) and a check
# character, shown as PO-XXXXX-XXXXX-C. No I, L, O or U, so a code read over a phone line or
# copied by hand survives; the check character (Luhn mod 32) catches every single mistyped
# character and most swapped neighbours, and stays in the same alphabet, so a code can be
# typed on a phone keypad and sent by SMS.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})


def _check_char(body: str) -> str:
    n = len(_ALPHABET)
    total, factor = 0, 2
    for ch in reversed(body):
        addend = factor * _ALPHABET.index(ch)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return _ALPHABET[(n - total % n) % n]


def new_reference() -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"PO-{body[:5]}-{body[5:]}-{_check_char(body)}"


def normalise_reference(text: str) -> str | None:
    """The canonical form of a typed reference, or None if it cannot be one."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum()).translate(_READ_AS)
    if len(raw) == 13 and raw.startswith("P0"):  # the "PO-" prefix, its O read as 0
        raw = raw[2:]
    if len(raw) != 11:
        return None
    body, check = raw[:10], raw[10]
    if any(ch not in _ALPHABET for ch in body) or _check_char(body) != check:
        return None
    return f"PO-{body[:5]}-{body[5:]}-{check}"


@dataclass(frozen=True, slots=True)
class Complainant:
    """Who complains, when they give it: kept encrypted, read by case handlers only."""

    name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.phone or self.email or self.address)


@dataclass(frozen=True, slots=True)
class Complaint:
    category: Category
    description: str
    channel: Channel
    confidentiality: Confidentiality
    received_at: datetime
    status: Status = Status.RECEIVED
    reference: str = ""
    institution_id: int | None = None
    unit: str = ""
    """The unit, station or post involved, as the complainant names it."""
    admin_area_id: int | None = None
    """Where it happened, at admin-area precision (never finer in any stored field)."""
    incident_date: date | None = None
    victim_sex: str | None = None
    complainant: Complainant | None = None
    referred_to_actor_id: int | None = None
    stage_since: datetime | None = None
    stage_due: datetime | None = None
    external_id: str | None = None
    """The gateway's message id or the paper register's number: submitted twice, stored once."""
    language: str = "en"
    id: int | None = None

    def is_overdue(self, now: datetime) -> bool:
        return self.status.is_open and self.stage_due is not None and self.stage_due < now

    def resolved_within(self, resolved_at: datetime | None, days: int = RESOLUTION_DAYS) -> bool:
        return resolved_at is not None and resolved_at - self.received_at <= timedelta(days=days)


@dataclass(frozen=True, slots=True)
class Transition:
    complaint_id: int
    from_status: Status | None
    to_status: Status
    at: datetime
    by: str
    note: str = ""
    actor_id: int | None = None
    """The oversight body a referral went to."""
    id: int | None = None
