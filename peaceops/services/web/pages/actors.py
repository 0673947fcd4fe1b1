"""Organisation pages: the directory, a profile, and editing (analysts, or one's own)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from peaceops.domain.access import Permission
from peaceops.domain.actors import ActorCategory
from peaceops.domain.coordination import Activity, OrgRole
from peaceops.services.web.api.activities import COMMITMENT, DISBURSEMENT
from peaceops.services.web.deps import OwnOrganisation, PlatformDep, Reader, language
from peaceops.services.web.pages.activities import coordination_labels, formatters
from peaceops.services.web.pages.forms import redirect
from peaceops.services.web.rendering import render

router = APIRouter()


@router.get("/actors")
def actors_page(
    request: Request,
    platform: PlatformDep,
    _by: Reader,
    category: ActorCategory | None = None,
    q: str | None = None,
) -> Response:
    actors = platform.actors.list(category=category, query=q or None)
    return render(
        request,
        "actors.html",
        {"actors": actors, "categories": list(ActorCategory), "category": category, "q": q or ""},
    )


def _roles_of(act: Activity, actor_id: int) -> list[int]:
    """The IATI roles an organisation plays in an activity (0: it reports the activity)."""
    roles = sorted({int(p.role) for p in act.participants if p.actor_id == actor_id})
    if act.reporting_org is not None and act.reporting_org.actor_id == actor_id:
        roles.insert(0, 0)
    return roles


def _sum(rows: list[dict[str, Any]], role: int, key: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for row in rows:
        if role in row["roles"]:
            for currency, value in row[key].items():
                out[currency] = out.get(currency, 0.0) + value
    return out


@router.get("/actors/{actor_id}")
def actor_page(actor_id: int, request: Request, platform: PlatformDep, by: Reader) -> Response:
    actor = platform.actors.get(actor_id)
    may_edit = by.can(Permission.EDIT_ACTORS) or (
        by.can(Permission.EDIT_OWN_ORGANISATION) and by.actor_id == actor_id
    )
    rows: list[dict[str, Any]] = [
        {
            "act": act,
            "roles": _roles_of(act, actor_id),
            "committed": act.total(*COMMITMENT),
            "disbursed": act.total(*DISBURSEMENT),
        }
        for act in platform.coordination.activities(actor_id=actor_id)
    ]
    totals = {
        role: {
            "committed": _sum(rows, role, "committed"),
            "disbursed": _sum(rows, role, "disbursed"),
        }
        for role in (OrgRole.FUNDING, OrgRole.IMPLEMENTING)
        if any(role in r["roles"] for r in rows)
    }
    others = (
        [a for a in platform.actors.list() if a.id != actor_id]
        if by.can(Permission.EDIT_ACTORS)
        else []
    )
    return render(
        request,
        "actor.html",
        {
            "actor": actor,
            "may_edit": may_edit,
            "categories": list(ActorCategory),
            "activity_rows": rows,
            "role_totals": totals,
            "merges": platform.coordination.merges(actor_id),
            "merge_candidates": others,
            **coordination_labels(),
            **formatters(language(request).code),
        },
    )


@router.post("/actors/{actor_id}")
def update_actor(
    actor_id: int,
    platform: PlatformDep,
    by: OwnOrganisation,
    name: Annotated[str, Form(min_length=2, max_length=300)],
    acronym: Annotated[str, Form(max_length=40)] = "",
    name_variants: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    variants = [v.strip() for v in name_variants.splitlines() if v.strip()]
    platform.actors.update(
        actor_id,
        {"name": name.strip(), "acronym": acronym.strip() or None, "name_variants": variants},
        by=by,
    )
    return redirect(f"/actors/{actor_id}", msg="saved")
