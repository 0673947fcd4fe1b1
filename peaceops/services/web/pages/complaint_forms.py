"""The public complaint forms: their bodies read with a size limit and parsed by hand, their
CSRF token checked, and the intake form's answers turned into a complaint.

The pages themselves are in ``pages/complaints.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

from fastapi import Depends, HTTPException, Request

from peaceops.domain.complaints import Category, Channel, Complainant, Complaint, Confidentiality
from peaceops.services.web.api.complaints import VICTIM_SEXES
from peaceops.services.web.deps import get_web, language
from peaceops.services.web.i18n import N_
from peaceops.services.web.security import CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, csrf_valid

MAX_FORM_BYTES = 64 * 1024
MAX_FORM_FIELDS = 40
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9+()\-. /]{5,40}$")


# The body, read with a size limit --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublicForm:
    values: dict[str, str]
    problem: Literal["too_large", "unreadable"] | None = None


async def public_form(request: Request) -> PublicForm:
    """The url-encoded body of a public form, refused unread when it says it is too large and
    cut off as soon as it grows too large (chunked bodies give no length)."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_FORM_BYTES):
        return PublicForm({}, "too_large")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_FORM_BYTES:
            return PublicForm({}, "too_large")
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return PublicForm({}, "unreadable" if body else None)
    try:
        parsed = parse_qs(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        return PublicForm({}, "unreadable")
    return PublicForm({k: v[0] for k, v in parsed.items()})


PublicFormDep = Annotated[PublicForm, Depends(public_form)]


def require_csrf(request: Request, form: PublicForm) -> None:
    """The public forms carry the CSRF token of the anonymous browser, as the login does."""
    token = form.values.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not csrf_valid(get_web(request).secret, request.cookies.get(CSRF_COOKIE), token):
        message = N_(
            "This form has expired or was not sent from this site. Reload the page and try again."
        )
        raise HTTPException(403, language(request).gettext(message))


# The intake form's answers ----------------------------------------------------------------------


def _choice(value: str, allowed: set[int]) -> tuple[int | None, bool]:
    """An optional id from a select: (id or None, valid)."""
    if not value:
        return None, True
    if value.isdigit() and int(value) in allowed:
        return int(value), True
    return None, False


def read_intake(
    values: dict[str, str], context: dict[str, Any], *, lang: str
) -> tuple[Complaint | None, dict[str, str]]:
    """The complaint the form describes, or the problems found, by field (message keys).

    ``context`` is the intake form's: the categories, institutions and regions it offers and
    the longest description accepted."""
    errors: dict[str, str] = {}
    category = values.get("category", "")
    if category not in context["categories"]:
        errors["category"] = "category"
    description = values.get("description", "").strip()
    if len(description) < 10:
        errors["description"] = "description"
    elif len(description) > context["max_chars"]:
        errors["description"] = "description_long"
    institutions = {i.id for i in context["institutions"] if i.id is not None}
    institution_id, ok = _choice(values.get("institution_id", ""), institutions)
    if not ok:
        errors["institution_id"] = "institution_id"
    areas = {a.id for g in context["regions"] for a in (g.region, *g.districts) if a.id is not None}
    area_id, ok = _choice(values.get("admin_area_id", ""), areas)
    if not ok:
        errors["admin_area_id"] = "admin_area_id"
    incident: date | None = None
    if values.get("incident_date"):
        try:
            incident = date.fromisoformat(values["incident_date"])
        except ValueError:
            errors["incident_date"] = "incident_date"
        else:
            if incident > date.today() or incident.year < 1950:
                errors["incident_date"] = "incident_date"
    unit = values.get("unit", "").strip()
    if len(unit) > 200:
        errors["unit"] = "unit"
    sex = values.get("victim_sex", "")
    if sex and sex not in VICTIM_SEXES:
        errors["victim_sex"] = "victim_sex"
    person = None
    mode = values.get("confidentiality", "")
    if mode == Confidentiality.CONFIDENTIAL:
        name = values.get("name", "").strip()[:200]
        phone = values.get("phone", "").strip()
        email = values.get("email", "").strip()
        if not name:
            errors["name"] = "name"
        if not phone and not email:
            errors["phone"] = "contact"
        elif phone and not PHONE.match(phone):
            errors["phone"] = "phone"
        if email and (len(email) > 254 or not EMAIL.match(email)):
            errors["email"] = "email"
        person = Complainant(name=name, phone=phone, email=email)
    elif mode != Confidentiality.ANONYMOUS:
        errors["confidentiality"] = "confidentiality"
    if errors:
        return None, errors
    # An anonymous complaint keeps nothing typed into the contact fields.
    complaint = Complaint(
        category=Category(category),
        description=description,
        channel=Channel.WEB,
        confidentiality=Confidentiality(mode),
        received_at=datetime.now(UTC),
        institution_id=institution_id,
        unit=unit,
        admin_area_id=area_id,
        incident_date=incident,
        victim_sex=sex or None,
        complainant=person,
        language=lang,
    )
    return complaint, {}
