from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from peaceops.domain.context import CONTEXT_SOURCES
from peaceops.services.web.api.schemas import (
    ContextSeriesPublic,
    ContextSourcePublic,
    ContextValuePublic,
    CountryPublic,
    Page,
)
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


@router.get("/{iso3}/context", response_model=ContextSeriesPublic)
def read_country_context(
    iso3: str,
    platform: PlatformDep,
    _by: Reader,
    source: Annotated[
        list[str] | None, Query(description="Keep only these sources (wgi, wjp, bti, vdem, fsi).")
    ] = None,
) -> ContextSeriesPublic:
    """External governance indices for a country, by source, indicator and year.

    Context beside the platform's own assessments: each value names its source, scale and
    whether a higher value is better; scales differ, so sources are not compared directly.
    """
    values = platform.context.series(iso3, sources=source)
    codes = sorted({v.source for v in values})
    return ContextSeriesPublic(
        country_iso3=iso3.upper(),
        sources=[
            ContextSourcePublic(code=code, **CONTEXT_SOURCES[code]._asdict())
            for code in codes
            if code in CONTEXT_SOURCES
        ],
        data=[ContextValuePublic(**asdict(v)) for v in values],
        count=len(values),
    )
