from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from peaceops.domain.actors import Actor, ActorCategory
from peaceops.services.web.api.schemas import ActorCreate, ActorPublic, ActorUpdate, Page
from peaceops.services.web.deps import ActorManager, OwnOrganisation, PlatformDep, Reader

router = APIRouter(prefix="/actors", tags=["actors"])


def _public(actor: Actor) -> ActorPublic:
    return ActorPublic.model_validate(asdict(actor))


@router.get("", response_model=Page[ActorPublic])
def read_actors(
    platform: PlatformDep, _by: Reader, category: ActorCategory | None = None, q: str | None = None
) -> Page[ActorPublic]:
    rows = [_public(a) for a in platform.actors.list(category=category, query=q)]
    return Page(data=rows, count=len(rows))


@router.get("/{actor_id}", response_model=ActorPublic)
def read_actor(actor_id: int, platform: PlatformDep, _by: Reader) -> ActorPublic:
    return _public(platform.actors.get(actor_id))


@router.post("", response_model=ActorPublic, status_code=201)
def create_actor(body: ActorCreate, platform: PlatformDep, by: ActorManager) -> ActorPublic:
    actor = Actor(
        name=body.name,
        category=body.category,
        org_type=body.org_type,
        acronym=body.acronym,
        iati_org_id=body.iati_org_id,
        country_iso3=body.country_iso3.upper() if body.country_iso3 else None,
        name_variants=tuple(body.name_variants),
    )
    return _public(platform.actors.create(actor, by=by))


@router.patch("/{actor_id}", response_model=ActorPublic)
def update_actor(
    actor_id: int, body: ActorUpdate, platform: PlatformDep, by: OwnOrganisation
) -> ActorPublic:
    """Analysts change any organisation; partners and civil society only their own."""
    changes = body.model_dump(exclude_unset=True)
    return _public(platform.actors.update(actor_id, changes, by=by))
