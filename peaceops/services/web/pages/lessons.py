"""Lessons learned: the search page (facets, snippets), the document reader (passages with
the question's words marked and their themes) and a passage with the passages like it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from peaceops.analytics.knowledge.ranking import snippet
from peaceops.domain.knowledge import DocumentKind
from peaceops.errors import InputError
from peaceops.services.web.api.documents import filters_from
from peaceops.services.web.deps import PlatformDep, Reader, language
from peaceops.services.web.i18n import N_
from peaceops.services.web.rendering import render
from peaceops.storage.repositories.knowledge import query_terms

router = APIRouter()

KINDS = {
    DocumentKind.RESOLUTION.value: N_("Security Council resolution"),
    DocumentKind.SG_REPORT.value: N_("Report of the Secretary-General"),
    DocumentKind.AFTER_ACTION_REVIEW.value: N_("After-action review"),
    DocumentKind.END_OF_ASSIGNMENT.value: N_("End-of-assignment report"),
    DocumentKind.LESSONS_NOTE.value: N_("Lessons-learned note"),
    DocumentKind.MANDATE.value: N_("Mandate"),
    DocumentKind.POLICY.value: N_("Policy or procedure"),
    DocumentKind.LAW.value: N_("Legal text"),
    DocumentKind.OTHER.value: N_("Other document"),
}
MODES = {
    "hybrid": N_("Words and meaning (hybrid)"),
    "lexical": N_("Exact words (full text)"),
    "dense": N_("Meaning (embeddings)"),
}
FACETS = {
    "kind": N_("Kind"),
    "mission": N_("Mission"),
    "country": N_("Country"),
    "theme": N_("Theme"),
    "decade": N_("Decade"),
}
PAGE = 20


def theme_labels(lang: str) -> dict[str, str]:
    """Theme keys and their labels in ``lang``, from ``frameworks/taxonomies/themes.yaml``."""
    from peaceops.analytics.knowledge.themes import load_themes

    return {t.key: t.label_in(lang) for t in load_themes()}


def _decade_range(decade: str) -> tuple[date, date] | None:
    try:
        start = int(decade.rstrip("s"))
    except ValueError:
        return None
    return date(start, 1, 1), date(start + 9, 12, 31)


@router.get("/lessons")
async def read_lessons_page(
    request: Request,
    platform: PlatformDep,
    by: Reader,
    q: Annotated[str, Query(max_length=500)] = "",
    mission: Annotated[list[str] | None, Query(max_length=40)] = None,
    country: Annotated[list[str] | None, Query(max_length=3)] = None,
    theme: Annotated[list[str] | None, Query(max_length=60)] = None,
    kind: Annotated[list[str] | None, Query(max_length=30)] = None,
    decade: Annotated[str, Query(max_length=5)] = "",
    mode: Annotated[str, Query(pattern="^(hybrid|lexical|dense)$")] = "hybrid",
    page: Annotated[int, Query(ge=1, le=50)] = 1,
) -> Response:
    """Search the knowledge base: a question, filters as facets, passages with snippets."""
    lang = language(request)
    chosen: dict[str, list[str]] = {
        "mission": [m for m in mission or () if m],
        "country": [c for c in country or () if c],
        "theme": [t for t in theme or () if t],
        "kind": [k for k in kind or () if k in KINDS],
        "decade": [decade] if decade else [],
    }
    span = _decade_range(decade) if decade else None
    result = None
    error = None
    if q.strip():
        try:
            filters = filters_from(
                mission=chosen["mission"],
                country=chosen["country"],
                theme=chosen["theme"],
                kind=chosen["kind"],
                since=span[0] if span else None,
                until=span[1] if span else None,
            )
            result = await run_in_threadpool(
                platform.knowledge.search,
                q,
                by=by,
                filters=filters,
                limit=PAGE,
                offset=(page - 1) * PAGE,
                mode=mode,
            )
        except InputError as exc:
            error = exc.problem.message

    def link(**change: Any) -> str:
        """This search with one filter added, removed or the page changed."""
        params: list[tuple[str, str]] = [("q", q)] if q else []
        state = {k: list(v) for k, v in chosen.items()}
        for key, value in change.items():
            if key == "page":
                continue
            if value is None:
                state[key] = []
            elif value in state.get(key, []):
                state[key] = [v for v in state[key] if v != value]
            elif key == "decade":
                state[key] = [value]
            else:
                state.setdefault(key, []).append(value)
        for key, values in state.items():
            params.extend((key, v) for v in values)
        if mode != "hybrid":
            params.append(("mode", mode))
        if change.get("page"):
            params.append(("page", str(change["page"])))
        return "/lessons?" + urlencode(params)

    counts = await run_in_threadpool(platform.knowledge.counts)
    return render(
        request,
        "lessons.html",
        {
            "q": q,
            "result": result,
            "error": error,
            "chosen": chosen,
            "mode": mode,
            "modes": MODES,
            "kinds": KINDS,
            "facet_names": FACETS,
            "themes": theme_labels(lang.code),
            "country_names": {c.iso3: c.name for c in platform.places.countries()},
            "link": link,
            "page": page,
            "page_size": PAGE,
            "counts": counts,
        },
    )


@router.get("/lessons/documents/{document_id}")
def read_document_page(
    request: Request,
    platform: PlatformDep,
    by: Reader,
    document_id: int,
    q: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    """A document's passages in order, the question's words marked, themes shown."""
    doc, items = platform.knowledge.document(document_id, by=by)
    terms = query_terms(q) if q else []
    shown = [(p, snippet(p.text, terms, width=None)) for p in items]
    return render(
        request,
        "lesson_document.html",
        {
            "doc": doc,
            "passages": shown,
            "q": q,
            "kinds": KINDS,
            "themes": theme_labels(language(request).code),
            "country_names": {c.iso3: c.name for c in platform.places.countries()},
        },
    )


@router.get("/lessons/passages/{passage_id}")
def read_passage_page(
    request: Request, platform: PlatformDep, by: Reader, passage_id: int
) -> Response:
    """One passage and the passages of other documents like it (more like this)."""
    found = platform.knowledge.passage(passage_id, by=by)
    similar = platform.knowledge.more_like_this(passage_id, by=by, limit=8)
    doc, _ = platform.knowledge.document(found.document_id, by=by)
    return render(
        request,
        "lesson_passage.html",
        {
            "doc": doc,
            "passage": found,
            "similar": similar,
            "kinds": KINDS,
            "themes": theme_labels(language(request).code),
        },
    )
