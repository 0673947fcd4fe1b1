"""Coordination analyses as JSON: the 3W matrix, money flows, duplicates and decisions, gaps."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from peaceops.domain.coordination import Capability, Decision
from peaceops.services.web.deps import CoordinationManager, PlatformDep, Reader

router = APIRouter(prefix="/coordination", tags=["coordination"])

Country = Annotated[str | None, Query(min_length=3, max_length=3)]
Currency = Annotated[str, Query(min_length=3, max_length=3)]


class MatrixRowPublic(BaseModel):
    actor: str
    capability: Capability | None
    admin_area_id: int | None
    country_iso3: str | None
    year: int | None
    activities: int
    identifiers: list[str]
    committed: float
    currency: str


class MatrixPublic(BaseModel):
    data: list[MatrixRowPublic]
    count: int


class FlowsPublic(BaseModel):
    currency: str
    nodes: list[dict[str, Any]]
    links: list[dict[str, Any]]
    other_currencies: dict[str, float]
    spending: list[dict[str, Any]]


class Reason(BaseModel):
    code: str
    values: dict[str, Any]


class DuplicatePublic(BaseModel):
    first: str
    second: str
    score: float
    text_similarity: float
    components: dict[str, float]
    explanation: list[Reason]
    text: str
    decision: Decision | None


class DuplicatesPublic(BaseModel):
    data: list[DuplicatePublic] = Field(description="Most likely first.")
    count: int = Field(description="Pairs found (before limit and offset).")


class DecisionCreate(BaseModel):
    first: str = Field(min_length=1, max_length=200)
    second: str = Field(min_length=1, max_length=200)
    decision: Decision
    note: str = Field("", max_length=2000)


class DecisionPublic(BaseModel):
    first: str
    second: str
    decision: Decision
    note: str
    decided_by: str | None


class GapPublic(BaseModel):
    kind: str
    round: str
    what: str
    institution: str
    dimension: str
    score: float
    priority: float
    committed: float
    currency: str
    activities: str
    why: str


class GapsPublic(BaseModel):
    data: list[GapPublic]
    count: int


def _reasons(explanation: Any) -> list[Reason]:
    return [Reason(code=code, values=dict(values)) for code, values in explanation]


@router.get("/matrix", response_model=MatrixPublic)
def read_matrix(
    platform: PlatformDep,
    _by: Reader,
    country: Country = None,
    currency: Currency = "USD",
    capability: Capability | None = None,
    institution_id: int | None = None,
    admin_area_id: int | None = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    actor: Annotated[str | None, Query(max_length=300)] = None,
) -> MatrixPublic:
    rows = platform.coordination.matrix(
        country=country.upper() if country else None,
        currency=currency.upper(),
        institution_ids=[institution_id] if institution_id else None,
        capability=capability,
        admin_area_ids=[admin_area_id] if admin_area_id else None,
        period=(date(year, 1, 1), date(year, 12, 31)) if year else None,
        actor=actor,
    )
    data = [
        MatrixRowPublic(
            actor=r.actor,
            capability=r.capability,
            admin_area_id=r.admin_area_id,
            country_iso3=r.country_iso3,
            year=r.year,
            activities=r.activities,
            identifiers=list(r.identifiers),
            committed=r.committed,
            currency=r.currency,
        )
        for r in rows
    ]
    return MatrixPublic(data=data, count=len(data))


@router.get("/flows", response_model=FlowsPublic)
def read_flows(
    platform: PlatformDep,
    _by: Reader,
    country: Country = None,
    currency: Currency = "USD",
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    capability: Capability | None = None,
) -> FlowsPublic:
    code = country.upper() if country else None
    graph = platform.coordination.flows(
        country=code, currency=currency.upper(), year=year, capability=capability
    )
    spending = platform.coordination.spending(country=code, currency=currency.upper())
    return FlowsPublic(
        currency=graph.currency,
        nodes=[{"key": n.key, "label": n.label, "column": n.column} for n in graph.nodes],
        links=[{"source": x.source, "target": x.target, "value": x.value} for x in graph.links],
        other_currencies=dict(graph.other_currencies),
        spending=[
            {
                "year": s.year,
                "capability": s.capability.value if s.capability else None,
                "committed": s.committed,
                "disbursed": s.disbursed,
                "expended": s.expended,
                "activities": s.activities,
            }
            for s in spending
        ],
    )


@router.get("/duplicates", response_model=DuplicatesPublic)
def read_duplicates(
    platform: PlatformDep,
    _by: Reader,
    country: Country = None,
    threshold: Annotated[float | None, Query(ge=0, le=1)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> DuplicatesPublic:
    from peaceops.analytics.coordination.duplicates import explain

    found = platform.coordination.duplicates(
        country=country.upper() if country else None, threshold=threshold
    )
    pairs = found[offset : offset + limit]
    data = [
        DuplicatePublic(
            first=p.first,
            second=p.second,
            score=round(p.score, 4),
            text_similarity=round(p.text_similarity, 4),
            components={k: round(v, 4) for k, v in p.components.items()},
            explanation=_reasons(p.explanation),
            text=explain(p),
            decision=p.decision,
        )
        for p in pairs
    ]
    return DuplicatesPublic(data=data, count=len(found))


@router.post("/duplicates/decisions", response_model=DecisionPublic, status_code=201)
def create_decision(
    body: DecisionCreate, platform: PlatformDep, by: CoordinationManager
) -> DecisionPublic:
    kept = platform.coordination.decide(
        body.first, body.second, body.decision, note=body.note, by=by
    )
    return DecisionPublic(
        first=kept.first,
        second=kept.second,
        decision=kept.decision,
        note=kept.note,
        decided_by=kept.decided_by,
    )


@router.get("/gaps", response_model=GapsPublic)
def read_gaps(
    platform: PlatformDep,
    by: Reader,
    country: Annotated[str, Query(min_length=3, max_length=3)],
    currency: Currency = "USD",
) -> GapsPublic:
    """Weaknesses with little support; areas at risk only for roles that read forecasts."""
    rows = platform.coordination.gap_rows(country.upper(), currency=currency.upper(), by=by)
    data = [GapPublic(**r) for r in rows]
    return GapsPublic(data=data, count=len(data))
