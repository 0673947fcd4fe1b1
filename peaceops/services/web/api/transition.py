"""Transition: benchmark templates, a country's benchmark sets (drafted, agreed, revised) and
its readiness judged against the current set."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field, model_validator

from peaceops.services.web.deps import PlatformDep, Reader, TransitionManager

router = APIRouter(tags=["transition"])


class DraftIn(BaseModel):
    template: str | None = Field(default=None, description="A template code to start from.")
    benchmarks_yaml: str | None = Field(
        default=None, max_length=500_000, description="A set in the YAML layout of the export."
    )
    target_date: date | None = None
    note: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _one_source(self) -> DraftIn:
        if (self.template is None) == (self.benchmarks_yaml is None):
            raise ValueError("give either template or benchmarks_yaml")
        return self


class AgreeIn(BaseModel):
    agreed_by: str = Field(min_length=1, max_length=200)
    agreed_on: date
    note: str | None = Field(default=None, max_length=2000)


class ReviseIn(BaseModel):
    version: str = Field(min_length=1, max_length=20)
    note: str = Field(default="", max_length=2000)


def _full(s: Any, language: str = "en") -> dict[str, Any]:
    from peaceops.platform.transition import set_dict
    from peaceops.storage.repositories.transition import benchmarks_json

    return {**set_dict(s, language=language), "benchmarks": benchmarks_json(s)}


@router.get("/benchmark-templates")
def read_templates(platform: PlatformDep, by: Reader) -> list[dict[str, Any]]:
    return [_full(t) for t in platform.transition.templates()]


@router.get("/countries/{iso3}/benchmark-sets")
def read_sets(iso3: str, platform: PlatformDep, by: Reader) -> list[dict[str, Any]]:
    from peaceops.platform.transition import set_dict

    return [set_dict(s) for s in platform.transition.sets(country=iso3, by=by)]


@router.post("/countries/{iso3}/benchmark-sets", status_code=201)
def create_set(
    iso3: str, body: DraftIn, platform: PlatformDep, by: TransitionManager
) -> dict[str, Any]:
    from peaceops.ingest.benchmarks import read_benchmarks_text

    service = platform.transition
    if body.benchmarks_yaml is not None:
        found = read_benchmarks_text(body.benchmarks_yaml, source="benchmarks_yaml")
        return _full(service.import_set(found, country=iso3, by=by, note=body.note))
    stored = service.draft(
        service.template(body.template or ""),
        country=iso3,
        by=by,
        target_date=body.target_date,
        note=body.note,
    )
    return _full(stored)


@router.get("/benchmark-sets/{set_id}")
def read_set(set_id: int, platform: PlatformDep, by: Reader) -> dict[str, Any]:
    return _full(platform.transition.get(set_id, by=by))


@router.get("/benchmark-sets/{set_id}/yaml", response_class=Response)
def read_set_yaml(set_id: int, platform: PlatformDep, by: Reader) -> Response:
    from peaceops.ingest.benchmarks import benchmarks_yaml

    found = platform.transition.get(set_id, by=by)
    name = f"{found.country_iso3}_{found.code}_{found.version}.yaml"
    return Response(
        benchmarks_yaml(found),
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/benchmark-sets/{set_id}/agree")
def agree_set(
    set_id: int, body: AgreeIn, platform: PlatformDep, by: TransitionManager
) -> dict[str, Any]:
    stored = platform.transition.agree(
        set_id, agreed_by=body.agreed_by, agreed_on=body.agreed_on, by=by, note=body.note
    )
    return _full(stored)


@router.post("/benchmark-sets/{set_id}/revise", status_code=201)
def revise_set(
    set_id: int, body: ReviseIn, platform: PlatformDep, by: TransitionManager
) -> dict[str, Any]:
    return _full(platform.transition.revise(set_id, version=body.version, by=by, note=body.note))


@router.delete("/benchmark-sets/{set_id}", status_code=204)
def delete_set(set_id: int, platform: PlatformDep, by: TransitionManager) -> Response:
    platform.transition.delete_draft(set_id, by=by)
    return Response(status_code=204)


@router.get("/countries/{iso3}/readiness")
def read_readiness(
    iso3: str,
    platform: PlatformDep,
    by: Reader,
    as_of: date | None = Query(default=None, description="Judge on the evidence known then."),
) -> dict[str, Any]:
    """Each benchmark of the country's current set with its status and its conditions'
    evidence, trend, projected date (with an 80% interval) and confidence; forecast-risk
    conditions have no evidence for roles that may not read forecasts."""
    from peaceops.errors import NotFound
    from peaceops.platform.transition import judgement_dict, set_dict

    found = platform.transition.readiness(iso3, by=by, as_of=as_of)
    if found is None:
        raise NotFound(f"{iso3.upper()} has no benchmark set")
    return {
        "set": set_dict(found.benchmark_set),
        "as_of": found.as_of.isoformat(),
        "overall": found.overall.value,
        "counts": {k.value: v for k, v in found.counts().items()},
        "by_institution": {k: v.value for k, v in found.by_institution().items()},
        "by_area": {k: v.value for k, v in found.by_area().items()},
        "benchmarks": [judgement_dict(j) for j in found.judgements],
    }
