"""What an incident report must be before it is stored: allowed values, clean text within
limits, and nothing ``Incident.problems`` finds impossible; and how two reports combine when
one is merged into the other."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from peaceops.domain.incidents import (
    Attachment,
    DatePrecision,
    Incident,
    IncidentType,
    PlacePrecision,
)
from peaceops.errors import InputError
from peaceops.ingest.complaints import strip_controls
from peaceops.platform.incident_places import casefold

LATEST_ZONE = timedelta(hours=14)
"""A date is in the future when it is after today everywhere on Earth (UTC+14)."""
SHORT_TEXT = 200
SOURCE_TEXT = 1000
MAX_ITEMS = 50
MAX_ATTACHMENTS = 20
MAX_NARRATIVE = 20_000
MAX_REASON = 2000


def latest_day(moment: datetime) -> date:
    """The latest date anywhere on Earth at ``moment``: an incident dated after it is in the
    future."""
    return (moment.astimezone(UTC) + LATEST_ZONE).date()


def clean_incident(i: Incident, *, today: date) -> Incident:
    """The incident with clean text and allowed values, or ``InputError`` naming the
    first bad field."""

    def choice(enum: Any, value: Any, name: str) -> Any:
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(m.value for m in enum)
            raise InputError(
                f"'{value}' is not allowed; use one of {allowed}", field=name
            ) from None

    def short(value: str, name: str, limit: int = SHORT_TEXT) -> str:
        out = strip_controls(str(value or ""))
        if len(out) > limit:
            raise InputError(f"longer than {limit} characters", field=name)
        return out

    def items(values: Sequence[str], name: str, limit: int) -> tuple[str, ...]:
        out = tuple(t for t in (short(v, name, limit) for v in values) if t)
        if len(out) > MAX_ITEMS:
            raise InputError(f"at most {MAX_ITEMS} entries", field=name)
        return tuple(dict.fromkeys(out))

    def count(value: Any, name: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"'{value}' is not a whole number", field=name)
        return value

    def degrees(value: Any, name: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise InputError(f"'{value}' is not a number of degrees", field=name)
        return float(value)

    attachments = []
    for a in i.attachments:
        name = short(a.name, "attachments")
        if not name:
            raise InputError("an attachment needs a name", field="attachments")
        sha = short(a.sha256, "attachments", 64).lower()
        if sha and (len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha)):
            raise InputError(f"'{a.sha256}' is not a SHA-256 digest", field="attachments")
        if a.size is not None and (isinstance(a.size, bool) or a.size < 0):
            raise InputError("an attachment's size cannot be negative", field="attachments")
        attachments.append(
            Attachment(
                name=name,
                media_type=short(a.media_type, "attachments", 100),
                size=a.size,
                sha256=sha,
                location=short(a.location, "attachments", 500),
            )
        )
    if len(attachments) > MAX_ATTACHMENTS:
        raise InputError(f"at most {MAX_ATTACHMENTS} attachments", field="attachments")
    narrative = strip_controls(str(i.narrative or ""), multiline=True)
    if len(narrative) > MAX_NARRATIVE:
        raise InputError(f"longer than {MAX_NARRATIVE} characters", field="narrative")
    reference = short(i.reference or "", "reference", 120) or None
    clean = Incident(
        type=choice(IncidentType, i.type, "type"),
        date=i.date,
        country_iso3=(i.country_iso3 or "").strip().upper(),
        date_precision=choice(DatePrecision, i.date_precision, "date_precision"),
        lon=degrees(i.lon, "lon/lat"),
        lat=degrees(i.lat, "lon/lat"),
        admin_area_id=i.admin_area_id,
        place_precision=choice(PlacePrecision, i.place_precision, "place_precision"),
        place_name=short(i.place_name, "place_name"),
        actors=items(i.actors, "actors", SHORT_TEXT),
        fatalities_best=count(i.fatalities_best, "fatalities"),
        fatalities_low=count(i.fatalities_low, "fatalities"),
        fatalities_high=count(i.fatalities_high, "fatalities"),
        injured=count(i.injured, "injured"),
        sources=items(i.sources, "sources", SOURCE_TEXT),
        narrative=narrative,
        attachments=tuple(union_attachments(attachments, ())),
        institution_site_id=i.institution_site_id,
        reference=reference,
    )
    if not isinstance(clean.date, date) or isinstance(clean.date, datetime):
        raise InputError("give the day as a date", field="date")
    problems = clean.problems(today)
    if problems:
        field, message = problems[0]
        raise InputError(message, field=field)
    return clean


def reason_text(text: str) -> str:
    """A reason or note as stored: no control characters, within the limit."""
    out = strip_controls(text or "", multiline=True)
    if len(out) > MAX_REASON:
        raise InputError(f"longer than {MAX_REASON} characters", field="reason")
    return out


def union(first: Sequence[str], second: Sequence[str]) -> list[str]:
    """Both lists in order, each value once (compared case-blind)."""
    out: dict[str, str] = {}
    for value in (*first, *second):
        out.setdefault(casefold(value), value)
    return list(out.values())


def union_attachments(
    first: Sequence[Attachment], second: Sequence[Attachment]
) -> list[Attachment]:
    out: dict[tuple[str, str], Attachment] = {}
    for a in (*first, *second):
        out.setdefault((a.sha256 or casefold(a.name), a.location), a)
    return list(out.values())


__all__ = ["clean_incident", "latest_day", "reason_text", "union", "union_attachments"]
