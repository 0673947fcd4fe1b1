from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Response

from peaceops.domain.institutions import Institution, InstitutionType
from peaceops.services.web.api.schemas import (
    InstitutionCreate,
    InstitutionPublic,
    InstitutionUpdate,
    Page,
    SitePublic,
)
from peaceops.services.web.deps import Editor, PlatformDep, Reader

router = APIRouter(prefix="/institutions", tags=["institutions"])


@router.get("", response_model=Page[InstitutionPublic])
def read_institutions(
    platform: PlatformDep,
    _by: Reader,
    country: str | None = None,
    type: InstitutionType | None = None,
) -> Page[InstitutionPublic]:
    rows = [
        InstitutionPublic(**asdict(i))
        for i in platform.institutions.list(country=country, type=type)
    ]
    return Page(data=rows, count=len(rows))


@router.get("/{institution_id}", response_model=InstitutionPublic)
def read_institution(institution_id: int, platform: PlatformDep, _by: Reader) -> InstitutionPublic:
    return InstitutionPublic(**asdict(platform.institutions.get(institution_id)))


@router.get("/{institution_id}/sites", response_model=Page[SitePublic])
def read_institution_sites(
    institution_id: int, platform: PlatformDep, _by: Reader
) -> Page[SitePublic]:
    platform.institutions.get(institution_id)
    rows = [
        SitePublic(**asdict(s)) for s in platform.institutions.sites(institution_id=institution_id)
    ]
    return Page(data=rows, count=len(rows))


@router.post("", response_model=InstitutionPublic, status_code=201)
def create_institution(
    body: InstitutionCreate, platform: PlatformDep, by: Editor
) -> InstitutionPublic:
    created = platform.institutions.create(
        Institution(
            country_iso3=body.country_iso3.upper(),
            type=body.type,
            name=body.name,
            acronym=body.acronym,
            parent_id=body.parent_id,
            description=body.description,
        ),
        by=by,
    )
    return InstitutionPublic(**asdict(created))


@router.patch("/{institution_id}", response_model=InstitutionPublic)
def update_institution(
    institution_id: int, body: InstitutionUpdate, platform: PlatformDep, by: Editor
) -> InstitutionPublic:
    changes = body.model_dump(exclude_unset=True)
    updated = platform.institutions.update(institution_id, changes, by=by)
    return InstitutionPublic(**asdict(updated))


@router.delete("/{institution_id}", status_code=204)
def delete_institution(institution_id: int, platform: PlatformDep, by: Editor) -> Response:
    platform.institutions.delete(institution_id, by=by)
    return Response(status_code=204)
