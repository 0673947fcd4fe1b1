from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from peaceops.services.web.api.schemas import CountryPublic, Page
from peaceops.services.web.deps import PlatformDep, Reader

router = APIRouter(prefix="/countries", tags=["countries"])


@router.get("", response_model=Page[CountryPublic])
def read_countries(
    platform: PlatformDep, _by: Reader, with_data: bool = False
) -> Page[CountryPublic]:
    """Countries; ``with_data=true`` keeps those with boundaries or a fictional scenario."""
    rows = [CountryPublic(**asdict(c)) for c in platform.places.countries(with_data_only=with_data)]
    return Page(data=rows, count=len(rows))


@router.get("/{iso3}", response_model=CountryPublic)
def read_country(iso3: str, platform: PlatformDep, _by: Reader) -> CountryPublic:
    return CountryPublic(**asdict(platform.places.country(iso3)))
