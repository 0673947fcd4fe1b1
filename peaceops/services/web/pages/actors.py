"""Organisation pages: the directory, a profile, and editing (analysts, or one's own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from peaceops.domain.access import Permission
from peaceops.domain.actors import ActorCategory
from peaceops.services.web.deps import OwnOrganisation, PlatformDep, Reader
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


@router.get("/actors/{actor_id}")
def actor_page(actor_id: int, request: Request, platform: PlatformDep, by: Reader) -> Response:
    actor = platform.actors.get(actor_id)
    may_edit = by.can(Permission.EDIT_ACTORS) or (
        by.can(Permission.EDIT_OWN_ORGANISATION) and by.actor_id == actor_id
    )
    return render(
        request,
        "actor.html",
        {"actor": actor, "may_edit": may_edit, "categories": list(ActorCategory)},
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
