"""The knowledge base: documents, their passages, and search with filters and facets."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from peaceops.domain.knowledge import Document, DocumentKind, Hit, Passage, SearchFilters
from peaceops.errors import InputError
from peaceops.services.web.deps import PlatformDep, Reader

router = APIRouter(tags=["knowledge"])


class DocumentPublic(BaseModel):
    id: int
    title: str
    kind: str
    symbol: str | None
    date: date | None
    language: str
    missions: list[str]
    countries: list[str]
    source_name: str
    passages: int

    @classmethod
    def of(cls, d: Document) -> DocumentPublic:
        return cls(
            id=d.id or 0,
            title=d.title,
            kind=d.kind.value,
            symbol=d.symbol,
            date=d.date,
            language=d.language,
            missions=list(d.missions),
            countries=list(d.countries),
            source_name=d.source_name,
            passages=d.passage_count,
        )


class DocumentsPublic(BaseModel):
    data: list[DocumentPublic]
    count: int


class PassagePublic(BaseModel):
    id: int
    document_id: int
    ordinal: int
    number: str | None
    heading: str
    text: str
    themes: list[str]

    @classmethod
    def of(cls, p: Passage) -> PassagePublic:
        return cls(
            id=p.id or 0,
            document_id=p.document_id,
            ordinal=p.ordinal,
            number=p.number,
            heading=p.heading,
            text=p.text,
            themes=list(p.themes),
        )


class DocumentWithPassages(DocumentPublic):
    passage_list: list[PassagePublic]


class HitPublic(BaseModel):
    passage: PassagePublic
    document: DocumentPublic
    score: float
    snippet: str
    lexical_rank: int | None
    dense_rank: int | None

    @classmethod
    def of(cls, h: Hit) -> HitPublic:
        return cls(
            passage=PassagePublic.of(h.passage),
            document=DocumentPublic.of(h.document),
            score=h.score,
            snippet=h.snippet,
            lexical_rank=h.lexical_rank,
            dense_rank=h.dense_rank,
        )


class SearchPublic(BaseModel):
    query: str
    mode: str
    note: str | None
    data: list[HitPublic]
    count: int
    facets: dict[str, dict[str, int]]


def filters_from(
    *,
    mission: list[str] | None,
    country: list[str] | None,
    theme: list[str] | None,
    kind: list[str] | None,
    since: date | None,
    until: date | None,
    document: int | None = None,
) -> SearchFilters:
    try:
        kinds = tuple(DocumentKind(k) for k in kind or ())
    except ValueError:
        raise InputError(
            f"kind must be one of {', '.join(k.value for k in DocumentKind)}", field="kind"
        ) from None
    return SearchFilters(
        missions=tuple(m.upper()[:40] for m in mission or () if m),
        countries=tuple(c.upper()[:3] for c in country or () if c),
        themes=tuple(t[:60] for t in theme or () if t),
        kinds=kinds,
        since=since,
        until=until,
        document_id=document,
    )


@router.get("/documents", response_model=DocumentsPublic)
def read_documents(
    platform: PlatformDep,
    by: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> DocumentsPublic:
    """The documents of the knowledge base, the latest first."""
    docs, total = platform.knowledge.documents(by=by, limit=limit, offset=offset)
    return DocumentsPublic(data=[DocumentPublic.of(d) for d in docs], count=total)


@router.get("/documents/{document_id}", response_model=DocumentWithPassages)
def read_document(platform: PlatformDep, by: Reader, document_id: int) -> DocumentWithPassages:
    """One document with its passages in order."""
    doc, items = platform.knowledge.document(document_id, by=by)
    return DocumentWithPassages(
        **DocumentPublic.of(doc).model_dump(), passage_list=[PassagePublic.of(p) for p in items]
    )


@router.get("/passages/{passage_id}/similar", response_model=list[HitPublic])
def read_similar_passages(
    platform: PlatformDep,
    by: Reader,
    passage_id: int,
    limit: Annotated[int, Query(ge=1, le=50)] = 8,
) -> list[HitPublic]:
    """More like this: passages of other documents close to this one."""
    return [
        HitPublic.of(h) for h in platform.knowledge.more_like_this(passage_id, by=by, limit=limit)
    ]


@router.get("/search", response_model=SearchPublic)
async def search_passages(
    platform: PlatformDep,
    by: Reader,
    q: Annotated[str, Query(min_length=1, max_length=500, description="The question.")],
    mission: Annotated[list[str] | None, Query(max_length=40)] = None,
    country: Annotated[list[str] | None, Query(max_length=3)] = None,
    theme: Annotated[list[str] | None, Query(max_length=60)] = None,
    kind: Annotated[list[str] | None, Query(max_length=30)] = None,
    since: date | None = None,
    until: date | None = None,
    document: int | None = None,
    mode: Annotated[str, Query(pattern="^(hybrid|lexical|dense)$")] = "hybrid",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1000)] = 0,
) -> SearchPublic:
    """Passages that answer a question: full-text and embedding rankings fused, with
    snippets (query words in ``<mark>``) and facets by kind, mission, country, theme, decade."""
    filters = filters_from(
        mission=mission,
        country=country,
        theme=theme,
        kind=kind,
        since=since,
        until=until,
        document=document,
    )
    result = await run_in_threadpool(
        platform.knowledge.search,
        q,
        by=by,
        filters=filters,
        limit=limit,
        offset=offset,
        mode=mode,
    )
    return SearchPublic(
        query=result.query,
        mode=result.mode,
        note=result.note,
        data=[HitPublic.of(h) for h in result.hits],
        count=result.total,
        facets=result.facets,
    )
