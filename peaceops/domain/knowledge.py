"""The knowledge base: mission documents (mandates, Secretary-General reports, after-action
reviews, end-of-assignment reports, lessons notes) split into passages that can be searched,
tagged by theme and cited by symbol and paragraph."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class DocumentKind(StrEnum):
    RESOLUTION = "resolution"
    """A Security Council resolution (S/RES/...), the mandate's source."""
    SG_REPORT = "sg_report"
    """A report of the Secretary-General (S/YYYY/NNN)."""
    AFTER_ACTION_REVIEW = "after_action_review"
    END_OF_ASSIGNMENT = "end_of_assignment"
    LESSONS_NOTE = "lessons_note"
    MANDATE = "mandate"
    """A mandate or concept document other than a resolution."""
    POLICY = "policy"
    """Guidance, policy or standard operating procedure."""
    LAW = "law"
    """A legal text: a law, decree or code."""
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Document:
    title: str
    kind: DocumentKind
    digest: str
    """SHA-256 of the normalised text: the same text ingested again is the same document."""
    symbol: str | None = None
    """The UN document symbol, e.g. ``S/2004/300`` or ``S/RES/1509 (2003)``."""
    date: date | None = None
    language: str = "en"
    missions: tuple[str, ...] = ()
    """Mission acronyms the document concerns (``MINUSTAH``)."""
    countries: tuple[str, ...] = ()
    """ISO3 codes of the countries it concerns."""
    source_name: str = ""
    """The file it came from (name only)."""
    chars: int = 0
    passage_count: int = 0
    added_at: datetime | None = None
    added_by: str | None = None
    id: int | None = None

    @property
    def citation(self) -> str:
        """How a practitioner cites it: the symbol, else the title."""
        return self.symbol or self.title


@dataclass(frozen=True, slots=True)
class Passage:
    document_id: int
    ordinal: int
    """Position in the document, from 1."""
    text: str
    number: str | None = None
    """The paragraph number printed in the document (``"32"``), if any."""
    heading: str = ""
    themes: tuple[str, ...] = ()
    """Theme keys (``frameworks/taxonomies/themes.yaml``) the passage is tagged with."""
    id: int | None = None

    @property
    def label(self) -> str:
        """``para. 32`` where the document numbers it, else ``§ 5`` by position."""
        return f"para. {self.number}" if self.number else f"§ {self.ordinal}"


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """What a search is narrowed to; empty fields do not narrow."""

    missions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    kinds: tuple[DocumentKind, ...] = ()
    themes: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    document_id: int | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """One passage found, with its document, the snippet to show and how it was found."""

    passage: Passage
    document: Document
    score: float
    """The fused score (reciprocal rank fusion), higher is better."""
    snippet: str
    """The passage with the query's words marked (``<mark>``), HTML-escaped otherwise."""
    lexical_rank: int | None = None
    dense_rank: int | None = None


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    hits: tuple[Hit, ...]
    total: int
    """How many passages matched before the page was cut (full-text matches and the dense
    candidates kept)."""
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    """Counts per mission, kind, theme and decade among the matches."""
    mode: str = "hybrid"
    """``hybrid``, ``lexical`` or ``dense``; ``lexical`` when no embedding model is installed."""
    note: str | None = None


__all__ = ["Document", "DocumentKind", "Hit", "Passage", "SearchFilters", "SearchResult"]
