"""The knowledge base: ingest mission documents, tag their passages by theme, and find the
passages that answer a practitioner's question.

Search is hybrid. Full-text ranking (BM25 on SQLite's FTS5; on PostgreSQL, BM25's ingredients
rebuilt from ``ts_rank`` and document frequencies) and dense retrieval (cosine similarity of
MiniLM sentence embeddings, computed offline and held in memory as one float32 matrix) each
give a ranking; reciprocal rank fusion merges them.
Without the embedding model (an optional install) search is full-text alone and says so.
Reading needs ``READ_REFERENCE``; ingesting, re-indexing and training need ``IMPORT_DATA``.
"""

from __future__ import annotations

import builtins
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.exc import DataError

from peaceops.analytics.knowledge.ranking import reciprocal_rank_fusion, snippet
from peaceops.config import Settings
from peaceops.domain.access import Permission, Principal
from peaceops.domain.audit import AuditAction
from peaceops.domain.knowledge import Document, Hit, Passage, SearchFilters, SearchResult
from peaceops.errors import InputError, NotFound
from peaceops.ingest.documents import (
    ReadDocument,
    UnreadableDocument,
    document_files,
    read_document,
    recognise,
)
from peaceops.ingest.passages import split_passages
from peaceops.platform.access import require
from peaceops.platform.caching import VersionedCache
from peaceops.platform.unstorable import refusal
from peaceops.storage import transaction
from peaceops.storage.repositories import knowledge as repo

if TYPE_CHECKING:
    from peaceops.analytics.knowledge.embeddings import Encoder
    from peaceops.platform import Platform

CANDIDATES = 100
"""Passages each method proposes before fusion."""
EMBED_BATCH = 256
RELATED_CACHE_SIZE = 512
"""Related-lesson answers (a few passages each) a process keeps."""
MODES = ("hybrid", "lexical", "dense")
Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``."""


@dataclass(slots=True)
class IngestReport:
    added: list[tuple[str, int]] = field(default_factory=list)
    """(file name, passages) of each new document."""
    unchanged: list[str] = field(default_factory=list)
    """Files whose text is already stored."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(file name, reason) of each file that could not be read."""
    embedded: int = 0
    seconds: float = 0.0
    note: str | None = None

    @property
    def passages(self) -> int:
        return sum(n for _, n in self.added)

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": len(self.added),
            "passages": self.passages,
            "unchanged": len(self.unchanged),
            "skipped": [{"file": f, "reason": r} for f, r in self.skipped],
            "embedded": self.embedded,
            "seconds": round(self.seconds, 2),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class DenseIndex:
    """Every embedded passage as one matrix, rows in ``ids`` order."""

    version: int
    ids: np.ndarray
    documents: np.ndarray
    matrix: np.ndarray


class KnowledgeService:
    def __init__(self, settings: Settings, engine: Engine, *, platform: Platform) -> None:
        self._settings = settings
        self._engine = engine
        self._platform = platform
        # Related lessons by passages' data version and what was asked; see ``related``.
        self._related = VersionedCache(RELATED_CACHE_SIZE)
        self._lock = threading.Lock()
        self._encoder: Encoder | None = None
        self._encoder_tried = False
        self._index: DenseIndex | None = None

    # The model ------------------------------------------------------------------------------

    def encoder(self) -> Encoder | None:
        """The sentence encoder, loaded once; None when the model is not installed."""
        with self._lock:
            if not self._encoder_tried:
                from peaceops.analytics.knowledge.embeddings import load_encoder

                self._encoder = load_encoder(self._settings.embedding_model)
                self._encoder_tried = True
            return self._encoder

    def model_status(self) -> str | None:
        """Why dense search is off (one sentence), or None when it is on."""
        from peaceops.analytics.knowledge.embeddings import missing_reason

        return missing_reason(self._settings.embedding_model)

    def _tagger(self) -> Callable[[Sequence[str]], builtins.list[tuple[str, ...]]]:
        """The trained theme classifier if one is stored, else the keyword tagger."""
        from peaceops.analytics.knowledge.themes import KeywordTagger, from_json, load_themes

        with transaction(self._engine, write=False) as conn:
            stored = repo.latest_theme_model(conn)
        if stored is not None:
            classifier = from_json(stored["model"])
            return lambda texts: classifier.predict(list(texts))
        keywords = KeywordTagger(load_themes())
        return lambda texts: keywords.tag(list(texts))

    # Ingest --------------------------------------------------------------------------------

    def _names(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """Missions and countries with the names that stand for them in a text."""
        missions: dict[str, list[str]] = {}
        for m in self._platform.missions.list():
            names = [m.acronym] if m.acronym else []
            if m.name and len(m.name) > 12:
                names.append(m.name)
            if names:
                missions[m.acronym or m.name] = names
        countries: dict[str, list[str]] = {}
        for c in self._platform.places.countries():
            names = [c.name]
            short = c.name.split(",")[0].split(" (")[0]
            if short != c.name:
                names.append(short)
            countries[c.iso3] = names
        return missions, countries

    def ingest(
        self, path: Path, *, by: Principal, progress: Progress | None = None, embed: bool = True
    ) -> IngestReport:
        """Read a file or every document below a folder. Each document is stored in its own
        transaction with its passages; a file that cannot be read is reported and skipped;
        a text already stored (same digest) is left alone. Passages without a vector (new ones,
        or those an interrupted run left) are then embedded when the model is installed."""
        require(by, Permission.IMPORT_DATA)
        started = time.perf_counter()
        files = document_files(path)
        missions, countries = self._names()
        tag = self._tagger()
        report = IngestReport()
        for i, file in enumerate(files, start=1):
            try:
                read = read_document(file, missions=missions, countries=countries)
            except (UnreadableDocument, OSError) as exc:
                reason = exc.problem.message if isinstance(exc, InputError) else str(exc)
                report.skipped.append((file.name, reason))
                continue
            finally:
                if progress:
                    progress("read", i, len(files))
            try:
                stored = self._store(read, tag, by=by)
            except DataError as exc:  # what PostgreSQL refuses (see platform.unstorable)
                report.skipped.append((file.name, refusal(exc, file.name).problem.message))
                continue
            if stored is None:
                report.unchanged.append(file.name)
            else:
                report.added.append((file.name, stored))
        # Files skipped as unreadable wrote nothing, so they leave no entry either: only an
        # ingest that stored a document is recorded (the report still lists the skipped).
        if report.added:
            with transaction(self._engine) as conn:
                summary = {**report.as_dict(), "source": str(path.name)}
                summary["skipped"] = len(report.skipped)
                repo.record(conn, by, AuditAction.IMPORT, "documents", summary)
        # Embedding also picks up passages an earlier, interrupted run left without a vector.
        if embed and self.encoder() is not None:
            report.embedded = self.embed_missing(by=by, progress=progress)
        elif embed and report.added:
            report.note = self.model_status()
        report.seconds = time.perf_counter() - started
        return report

    def ingest_text(
        self,
        text: str,
        *,
        name: str,
        by: Principal,
        embed: bool = True,
        countries: tuple[str, ...] = (),
    ) -> IngestReport:
        """Ingest a document given as text (``name`` as if it were its file's name);
        ``countries`` replaces the countries recognised in the text when given."""
        require(by, Permission.IMPORT_DATA)
        missions, names = self._names()
        read = recognise(text, name=name, missions=missions, countries=names)
        if countries:
            read = replace(read, countries=countries)
        stored = self._store(read, self._tagger(), by=by)
        report = IngestReport()
        if stored is None:
            report.unchanged.append(name)
        else:
            report.added.append((name, stored))
            if embed and self.encoder() is not None:
                report.embedded = self.embed_missing(by=by)
        return report

    def _store(
        self,
        read: ReadDocument,
        tag: Callable[[Sequence[str]], builtins.list[tuple[str, ...]]],
        *,
        by: Principal,
    ) -> int | None:
        """Store a read document with its passages in one transaction; the number of
        passages, or None when the same text is already stored."""
        with transaction(self._engine) as conn:
            if repo.find_by_digest(conn, read.digest) is not None:
                return None
            raw = split_passages(read.text)
            themes = tag([p.text for p in raw]) if raw else []
            items = [
                Passage(0, p.ordinal, p.text, p.number, p.heading, tuple(t))
                for p, t in zip(raw, themes, strict=True)
            ]
            doc = Document(
                title=read.title,
                kind=read.kind,
                digest=read.digest,
                symbol=read.symbol,
                date=read.date,
                language=read.language,
                missions=read.missions,
                countries=read.countries,
                source_name=read.source_name,
                chars=len(read.text),
            )
            repo.create_document(conn, by, doc, items, at=datetime.now(UTC))
        return len(items)

    def embed_missing(self, *, by: Principal, progress: Progress | None = None) -> int:
        """Embed every passage without a vector; returns how many."""
        require(by, Permission.IMPORT_DATA)
        encoder = self.encoder()
        if encoder is None:
            raise InputError(self.model_status() or "no embedding model", field="model")
        from peaceops.analytics.knowledge.embeddings import pack

        with transaction(self._engine, write=False) as conn:
            total = repo.counts(conn)["passages"] - repo.counts(conn)["embedded"]
        done = 0
        after = 0
        while True:
            with transaction(self._engine, write=False) as conn:
                batch = repo.passage_texts(
                    conn, missing_vectors=True, after_id=after, limit=EMBED_BATCH
                )
            if not batch:
                break
            vectors = encoder.encode([_embedded_text(h, t) for _, h, t in batch])
            with transaction(self._engine) as conn:
                repo.set_vectors(
                    conn,
                    (
                        (pid, pack(v[None, :]))
                        for (pid, _, _), v in zip(batch, vectors, strict=True)
                    ),
                )
            done += len(batch)
            after = batch[-1][0]
            if progress:
                progress("embed", done, max(total, done))
        return done

    def reindex(self, *, by: Principal, progress: Progress | None = None) -> dict[str, int]:
        """Tag every passage again (with the current theme model) and embed every passage
        again (with the installed model)."""
        require(by, Permission.IMPORT_DATA)
        tag = self._tagger()
        tagged = 0
        after = 0
        with transaction(self._engine, write=False) as conn:
            total = repo.counts(conn)["passages"]
        while True:
            with transaction(self._engine, write=False) as conn:
                batch = repo.passage_texts(conn, after_id=after, limit=2000)
            if not batch:
                break
            themes = tag([t for _, _, t in batch])
            with transaction(self._engine) as conn:
                repo.set_themes(
                    conn, ((pid, keys) for (pid, _, _), keys in zip(batch, themes, strict=True))
                )
                if self.encoder() is not None:
                    repo.set_vectors(conn, ((pid, None) for pid, _, _ in batch))
            tagged += len(batch)
            after = batch[-1][0]
            if progress:
                progress("tag", tagged, total)
        embedded = self.embed_missing(by=by, progress=progress) if self.encoder() else 0
        with transaction(self._engine) as conn:
            summary = {"tagged": tagged, "embedded": embedded}
            repo.record(conn, by, AuditAction.UPDATE, "passages", summary)
        return summary

    def train_themes(self, shared_data: Path, *, by: Principal) -> dict[str, Any]:
        """Train the theme classifier on the PACT-coded paragraphs below ``shared_data``
        (``texts/pact-coded-paragraphs`` and ``texts/un-sg-reports-pact``), score it on
        reports held out, then fit it on all of them and store it for ingest and re-index.
        Returns the held-out scores (classifier and keyword tagger)."""
        require(by, Permission.IMPORT_DATA)
        from peaceops.analytics.knowledge.themes import (
            ThemeClassifier,
            evaluate,
            load_themes,
            to_json,
            training_set,
        )

        themes = load_themes()
        data = training_set(shared_data, themes, split=split_passages)
        if not data.texts:
            raise InputError(f"no coded paragraphs found below {shared_data}", field="data")
        held_out = evaluate(data.texts, data.labels, data.groups, themes=themes)
        model = ThemeClassifier().fit(data.texts, data.labels, groups=data.groups)
        scores = {
            "held_out": held_out.as_dict(),
            "paragraphs": len(data.texts),
            "reports": data.reports,
        }
        with transaction(self._engine) as conn:
            repo.save_theme_model(
                conn,
                by,
                model=to_json(model),
                scores=scores,
                source=str(shared_data),
                at=datetime.now(UTC),
            )
        return scores

    # Reading -------------------------------------------------------------------------------

    def documents(
        self, *, by: Principal, limit: int = 200, offset: int = 0
    ) -> tuple[builtins.list[Document], int]:
        require(by, Permission.READ_REFERENCE)
        with transaction(self._engine, write=False) as conn:
            return repo.list_documents(conn, limit=limit, offset=offset)

    def document(self, doc_id: int, *, by: Principal) -> tuple[Document, builtins.list[Passage]]:
        require(by, Permission.READ_REFERENCE)
        with transaction(self._engine, write=False) as conn:
            doc = repo.get_document(conn, doc_id)
            if doc is None:
                raise NotFound(f"no document {doc_id}")
            return doc, repo.document_passages(conn, doc_id)

    def passage(self, passage_id: int, *, by: Principal) -> Passage:
        require(by, Permission.READ_REFERENCE)
        with transaction(self._engine, write=False) as conn:
            found = repo.passages_by_id(conn, [passage_id]).get(passage_id)
        if found is None:
            raise NotFound(f"no passage {passage_id}")
        return found

    def counts(self) -> dict[str, int]:
        with transaction(self._engine, write=False) as conn:
            return repo.counts(conn)

    # Search --------------------------------------------------------------------------------

    def _dense_index(self) -> DenseIndex | None:
        from peaceops.analytics.knowledge.embeddings import unpack

        with transaction(self._engine, write=False) as conn:
            version = repo.data_version(conn)
            index = self._index
            if index is not None and index.version == version:
                return index
            ids, docs, blobs = repo.vectors(conn)
        if not ids:
            return None
        index = DenseIndex(
            version,
            np.asarray(ids, dtype=np.int64),
            np.asarray(docs, dtype=np.int64),
            unpack(blobs),
        )
        self._index = index
        return index

    def _dense(
        self, vector: np.ndarray, filters: SearchFilters, allowed: set[int] | None, k: int
    ) -> builtins.list[int]:
        from peaceops.analytics.knowledge.embeddings import cosine_top_k

        index = self._dense_index()
        if index is None:
            return []
        matrix, ids = index.matrix, index.ids
        if allowed is not None:
            keep = np.isin(ids, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
            matrix, ids = matrix[keep], ids[keep]
        if not len(ids):
            return []
        top, _ = cosine_top_k(vector, matrix, min(k, len(ids)))
        return [int(ids[i]) for i in top]

    def search(
        self,
        query: str,
        *,
        by: Principal,
        filters: SearchFilters | None = None,
        limit: int = 20,
        offset: int = 0,
        mode: str = "hybrid",
    ) -> SearchResult:
        """The passages that best answer ``query``, fused from full-text and dense rankings."""
        require(by, Permission.READ_REFERENCE)
        if mode not in MODES:
            raise InputError(f"mode must be one of {', '.join(MODES)}", field="mode")
        text = " ".join(query.split())[:500]
        if not text:
            raise InputError("say what to search for", field="q")
        chosen = filters or SearchFilters()
        terms = repo.query_terms(text)
        note = None
        encoder = self.encoder() if mode != "lexical" else None
        if mode != "lexical" and encoder is None:
            note = self.model_status()
            mode = "lexical"
        with transaction(self._engine, write=False) as conn:
            lexical = (
                [pid for pid, _ in repo.lexical_search(conn, terms, chosen, limit=CANDIDATES)]
                if mode != "dense"
                else []
            )
            allowed = repo.filtered_passage_ids(conn, chosen) if encoder is not None else None
        dense: builtins.list[int] = []
        if encoder is not None:
            dense = self._dense(encoder.encode([text])[0], chosen, allowed, CANDIDATES)
        rankings = [r for r in (lexical, dense) if r] if mode == "hybrid" else [lexical or dense]
        fused = reciprocal_rank_fusion(rankings)
        page = fused[offset : offset + limit]
        lex_rank = {pid: i for i, pid in enumerate(lexical, start=1)}
        dense_rank = {pid: i for i, pid in enumerate(dense, start=1)}
        with transaction(self._engine, write=False) as conn:
            found = repo.passages_by_id(conn, [pid for pid, _ in page])
            docs = {d: repo.get_document(conn, d) for d in {p.document_id for p in found.values()}}
            facets = _facets(repo.facet_rows(conn, [pid for pid, _ in fused[:200]]))
        hits = []
        for pid, score in page:
            passage = found.get(pid)
            doc = docs.get(passage.document_id) if passage else None
            if passage is None or doc is None:
                continue
            hits.append(
                Hit(
                    passage=passage,
                    document=doc,
                    score=round(score, 6),
                    snippet=snippet(passage.text, terms),
                    lexical_rank=lex_rank.get(pid),
                    dense_rank=dense_rank.get(pid),
                )
            )
        return SearchResult(text, tuple(hits), len(fused), facets, mode, note)

    def ranking(
        self, query: str, *, by: Principal, mode: str, k: int = CANDIDATES
    ) -> builtins.list[int]:
        """Passage ids only, best first, for evaluation: no snippets, no facets."""
        result = self.search(query, by=by, limit=k, mode=mode)
        return [h.passage.id or 0 for h in result.hits]

    def related(
        self,
        text: str,
        *,
        by: Principal,
        institution_type: str | None = None,
        capabilities: Sequence[str] = (),
        country: str | None = None,
        limit: int = 3,
    ) -> builtins.list[Hit]:
        """Lessons for an institution or a programme: the passages closest to ``text`` (its
        name, its title) among those tagged with the themes its type or capabilities link to
        (``frameworks/taxonomies/themes.yaml``); the country's own documents first."""
        require(by, Permission.READ_REFERENCE)
        with transaction(self._engine, write=False) as conn:
            version = repo.data_version(conn)
        key = (text, institution_type, tuple(capabilities), country, limit)
        kept = self._related.get(key, version)
        if kept is not None:
            return builtins.list(kept)
        hits = self._related_hits(
            text,
            by=by,
            institution_type=institution_type,
            capabilities=capabilities,
            country=country,
            limit=limit,
        )
        # Institution and activity pages ask for the same few lessons on every view.
        self._related.put(key, version, hits)
        return builtins.list(hits)

    def _related_hits(
        self,
        text: str,
        *,
        by: Principal,
        institution_type: str | None,
        capabilities: Sequence[str],
        country: str | None,
        limit: int,
    ) -> builtins.list[Hit]:
        if not self.counts()["passages"] or not text.strip():
            return []
        keys = _linked_themes(institution_type, capabilities)
        hits: builtins.list[Hit] = []
        seen: set[int] = set()
        for countries in ((country,) if country else (), ()):
            filters = SearchFilters(themes=tuple(sorted(keys)), countries=countries)
            for hit in self.search(text, by=by, filters=filters, limit=limit).hits:
                if hit.passage.id not in seen and len(hits) < limit:
                    seen.add(hit.passage.id or 0)
                    hits.append(hit)
            if len(hits) >= limit:
                break
        return hits

    def more_like_this(
        self, passage_id: int, *, by: Principal, limit: int = 8
    ) -> builtins.list[Hit]:
        """Passages of other documents close to this one (by embedding, else by its words)."""
        require(by, Permission.READ_REFERENCE)
        with transaction(self._engine, write=False) as conn:
            found = repo.passages_by_id(conn, [passage_id]).get(passage_id)
        if found is None:
            raise NotFound(f"no passage {passage_id}")
        index = self._dense_index() if self.encoder() is not None else None
        ids: builtins.list[int] = []
        if index is not None and passage_id in set(index.ids.tolist()):
            from peaceops.analytics.knowledge.embeddings import cosine_top_k

            row = int(np.searchsorted(index.ids, passage_id))
            others = index.documents != found.document_id
            top, _ = cosine_top_k(index.matrix[row], index.matrix[others], limit)
            ids = [int(index.ids[others][i]) for i in top]
        else:
            words = Counter(repo.query_terms(found.text, limit=400))
            terms = [w for w, _ in words.most_common(12)]
            with transaction(self._engine, write=False) as conn:
                ranked = repo.lexical_search(conn, terms, SearchFilters(), limit=limit * 4)
                same = repo.passages_by_id(conn, [pid for pid, _ in ranked])
            ids = [p for p, _ in ranked if same[p].document_id != found.document_id][:limit]
        with transaction(self._engine, write=False) as conn:
            passages = repo.passages_by_id(conn, ids)
            docs = {
                d: repo.get_document(conn, d) for d in {p.document_id for p in passages.values()}
            }
        terms = repo.query_terms(found.heading + " " + found.text, limit=12)
        out = []
        for rank, pid in enumerate(ids, start=1):
            p = passages[pid]
            doc = docs[p.document_id]
            if doc is not None:
                out.append(Hit(p, doc, 1.0 / rank, snippet(p.text, terms), None, rank))
        return out


def _linked_themes(institution_type: str | None, capabilities: Sequence[str]) -> set[str]:
    """Theme keys linked to an institution type (through the frameworks' institutions) or to
    programme capability areas."""
    from peaceops.analytics.knowledge.themes import load_themes
    from peaceops.ingest.frameworks import builtin_frameworks

    codes: set[tuple[str, str]] = set()
    if institution_type:
        for framework in builtin_frameworks():
            for inst in framework.institutions:
                if institution_type in {str(t) for t in inst.types}:
                    codes.add((framework.code, inst.code))
    wanted = {str(c) for c in capabilities}
    keys = set()
    for theme in load_themes():
        if any(
            (link.framework, i) in codes for link in theme.frameworks for i in link.institutions
        ):
            keys.add(theme.key)
        if wanted & {str(c) for c in theme.capabilities}:
            keys.add(theme.key)
    return keys


def _embedded_text(heading: str, text: str) -> str:
    """What is embedded: the innermost heading (without its numbering) and the text."""
    inner = heading.split(" › ")[-1] if heading else ""
    inner = inner.split(". ", 1)[-1] if inner[:5].rstrip(". ").isalnum() else inner
    return f"{inner}: {text}" if inner else text


def _facets(
    rows: Sequence[tuple[str, list[str], list[str], Any, list[str]]],
) -> dict[str, dict[str, int]]:
    kinds: Counter[str] = Counter()
    missions: Counter[str] = Counter()
    countries: Counter[str] = Counter()
    themes: Counter[str] = Counter()
    decades: Counter[str] = Counter()
    for kind, mis, cty, when, thm in rows:
        kinds[kind] += 1
        missions.update(mis)
        countries.update(cty)
        themes.update(thm)
        if when is not None:
            decades[f"{when.year // 10 * 10}s"] += 1
    return {
        "kind": dict(kinds.most_common()),
        "mission": dict(missions.most_common(15)),
        "country": dict(countries.most_common(15)),
        "theme": dict(themes.most_common()),
        "decade": dict(sorted(decades.items())),
    }


__all__ = ["IngestReport", "KnowledgeService"]
