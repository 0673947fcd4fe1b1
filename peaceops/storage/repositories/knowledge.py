"""Documents, passages and theme models; full-text search by engine.

SQLite ranks with FTS5's BM25 (``passages_fts``, kept in step with ``passages`` by triggers).
PostgreSQL has no BM25: its ``ts_rank`` knows how often a word occurs in a passage but not how
rare the word is in the collection, so a question's common words ("police") outweigh its
telling ones ("vetting"). There each word's ``ts_rank`` over the stored ``passages_fts``
column (heading weighted above text; GIN index ``ix_passages_fts``), normalised by passage
length, is multiplied by the word's inverse document frequency, counted through the index:
BM25's two ingredients from PostgreSQL's parts. Both engines take the user's words as plain
terms: the query is reduced to words before it reaches either parser, so no input can be read
as syntax.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, text, update

from peaceops.domain.access import Principal
from peaceops.domain.audit import AuditAction
from peaceops.domain.knowledge import Document, DocumentKind, Passage, SearchFilters
from peaceops.storage.repositories import audited, versions
from peaceops.storage.tables import documents, passages, theme_models

VERSION = "passages"
"""The name of the passages' counter in ``data_versions`` (the dense index is cached by it)."""
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
# Every WHERE fragment below is a constant; values are always bound parameters.
STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "how",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "there",
        "these",
        "this",
        "to",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "with",
        "did",
        "does",
        "do",
        "done",
        "after",
    }
)


def query_terms(query: str, *, limit: int = 24) -> list[str]:
    """The words of a query worth searching for, lower-cased, in order, without repeats.

    >>> query_terms('How was police "vetting" done in Haiti? OR NEAR(x)')
    ['police', 'vetting', 'haiti', 'near', 'x']
    """
    seen: list[str] = []
    for word in _WORD.findall(query.lower()):
        word = word.replace("’", "'")
        if word in STOPWORDS or word in seen:
            continue
        seen.append(word)
    return seen[:limit]


def _document(row: Any) -> Document:
    return Document(
        id=row["id"],
        title=row["title"],
        kind=DocumentKind(row["kind"]),
        symbol=row["symbol"],
        date=row["date"],
        language=row["language"],
        missions=tuple(row["missions"] or ()),
        countries=tuple(row["countries"] or ()),
        source_name=row["source_name"],
        digest=row["digest"],
        chars=row["chars"],
        passage_count=row["passage_count"],
        added_at=row["added_at"],
        added_by=row["added_by"],
    )


def _passage(row: Any) -> Passage:
    return Passage(
        id=row["id"],
        document_id=row["document_id"],
        ordinal=row["ordinal"],
        number=row["number"],
        heading=row["heading"],
        text=row["text"],
        themes=tuple(row["themes"] or ()),
    )


# Writing ---------------------------------------------------------------------------------------


def find_by_digest(conn: Connection, digest: str) -> Document | None:
    row = conn.execute(select(documents).where(documents.c.digest == digest)).mappings().first()
    return None if row is None else _document(row)


def create_document(
    conn: Connection,
    by: Principal,
    doc: Document,
    items: Sequence[Passage],
    *,
    at: datetime,
) -> int:
    """Store a document and its passages; the audit log gets the document (not each passage,
    which are its content)."""
    values = {
        "title": doc.title[:500],
        "kind": doc.kind.value,
        "symbol": doc.symbol,
        "date": doc.date,
        "language": doc.language,
        "missions": list(doc.missions),
        "countries": list(doc.countries),
        "source_name": doc.source_name[:300],
        "digest": doc.digest,
        "chars": doc.chars,
        "passage_count": len(items),
        "added_at": at,
        "added_by": by.username,
    }
    doc_id = int(audited.create(conn, by, documents, values))
    if items:
        conn.execute(
            insert(passages),
            [
                {
                    "document_id": doc_id,
                    "ordinal": p.ordinal,
                    "number": p.number,
                    "heading": p.heading[:500],
                    "text": p.text,
                    "themes": list(p.themes),
                    "vector": None,
                }
                for p in items
            ],
        )
    versions.bump(conn, VERSION)
    return doc_id


def delete_document(conn: Connection, by: Principal, doc_id: int) -> None:
    conn.execute(delete(passages).where(passages.c.document_id == doc_id))
    audited.remove(conn, by, documents, doc_id)
    versions.bump(conn, VERSION)


def set_vectors(conn: Connection, vectors: Iterable[tuple[int, bytes | None]]) -> int:
    """Store passages' embeddings (``None`` clears one)."""
    rows = [{"pid": pid, "blob": blob} for pid, blob in vectors]
    if rows:
        conn.execute(
            update(passages)
            .where(passages.c.id == bindparam("pid"))
            .values(vector=bindparam("blob")),
            rows,
        )
        versions.bump(conn, VERSION)
    return len(rows)


def set_themes(conn: Connection, themes: Iterable[tuple[int, Sequence[str]]]) -> int:
    """Store passages' theme keys."""
    rows = [{"pid": pid, "themes_value": list(keys)} for pid, keys in themes]
    if rows:
        conn.execute(
            update(passages)
            .where(passages.c.id == bindparam("pid"))
            .values(themes=bindparam("themes_value", type_=passages.c.themes.type)),
            rows,
        )
    return len(rows)


def record(
    conn: Connection, by: Principal, action: AuditAction, what: str, summary: dict[str, Any]
) -> None:
    audited.record(conn, by, action, what, None, after=summary)


def save_theme_model(
    conn: Connection,
    by: Principal,
    *,
    model: dict[str, Any],
    scores: dict[str, Any],
    source: str,
    at: datetime,
) -> int:
    return int(
        audited.create(
            conn,
            by,
            theme_models,
            {
                "trained_at": at,
                "trained_by": by.username,
                "source": source[:300],
                "scores": scores,
                "model": model,
            },
        )
    )


def latest_theme_model(conn: Connection) -> dict[str, Any] | None:
    row = (
        conn.execute(select(theme_models).order_by(theme_models.c.id.desc()).limit(1))
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


# Reading ---------------------------------------------------------------------------------------


def get_document(conn: Connection, doc_id: int) -> Document | None:
    row = conn.execute(select(documents).where(documents.c.id == doc_id)).mappings().first()
    return None if row is None else _document(row)


def list_documents(
    conn: Connection, *, kind: DocumentKind | None = None, limit: int = 200, offset: int = 0
) -> tuple[list[Document], int]:
    query = select(documents)
    counted = select(func.count()).select_from(documents)
    if kind is not None:
        query = query.where(documents.c.kind == kind.value)
        counted = counted.where(documents.c.kind == kind.value)
    query = query.order_by(documents.c.date.desc().nulls_last(), documents.c.id.desc())
    rows = conn.execute(query.limit(limit).offset(offset)).mappings()
    return [_document(r) for r in rows], int(conn.execute(counted).scalar_one())


def all_documents(conn: Connection) -> list[Document]:
    return [_document(r) for r in conn.execute(select(documents)).mappings()]


def document_passages(conn: Connection, doc_id: int) -> list[Passage]:
    query = select(passages).where(passages.c.document_id == doc_id).order_by(passages.c.ordinal)
    return [_passage(r) for r in conn.execute(query).mappings()]


def passages_by_id(conn: Connection, ids: Sequence[int]) -> dict[int, Passage]:
    if not ids:
        return {}
    query = select(passages).where(passages.c.id.in_(list(ids)))
    return {r["id"]: _passage(r) for r in conn.execute(query).mappings()}


def passage_texts(
    conn: Connection, *, missing_vectors: bool = False, after_id: int = 0, limit: int = 1000
) -> list[tuple[int, str, str]]:
    """(id, heading, text) of passages in id order, from ``after_id``, for (re)indexing."""
    query = (
        select(passages.c.id, passages.c.heading, passages.c.text)
        .where(passages.c.id > after_id)
        .order_by(passages.c.id)
        .limit(limit)
    )
    if missing_vectors:
        query = query.where(passages.c.vector.is_(None))
    return [(int(r[0]), str(r[1]), str(r[2])) for r in conn.execute(query)]


def vectors(conn: Connection) -> tuple[list[int], list[int], list[bytes]]:
    """(passage ids, document ids, vectors) of every passage that has a vector."""
    query = (
        select(passages.c.id, passages.c.document_id, passages.c.vector)
        .where(passages.c.vector.is_not(None))
        .order_by(passages.c.id)
    )
    ids: list[int] = []
    docs: list[int] = []
    blobs: list[bytes] = []
    for pid, did, blob in conn.execute(query):
        ids.append(int(pid))
        docs.append(int(did))
        blobs.append(bytes(blob))
    return ids, docs, blobs


def counts(conn: Connection) -> dict[str, int]:
    return {
        "documents": int(conn.execute(select(func.count()).select_from(documents)).scalar_one()),
        "passages": int(conn.execute(select(func.count()).select_from(passages)).scalar_one()),
        "embedded": int(
            conn.execute(
                select(func.count()).select_from(passages).where(passages.c.vector.is_not(None))
            ).scalar_one()
        ),
    }


def data_version(conn: Connection) -> int:
    return versions.current(conn, VERSION)


# Full-text search ------------------------------------------------------------------------------


def _filter_sql(filters: SearchFilters, params: dict[str, Any], dialect: str) -> list[str]:
    """WHERE clauses on ``d`` (documents) and ``p`` (passages) for the filters."""
    where: list[str] = []
    if filters.document_id is not None:
        where.append("d.id = :f_doc")
        params["f_doc"] = filters.document_id
    if filters.kinds:
        names = []
        for i, kind in enumerate(filters.kinds):
            params[f"f_kind{i}"] = kind.value
            names.append(f":f_kind{i}")
        where.append(f"d.kind IN ({', '.join(names)})")
    if filters.since is not None:
        where.append("d.date >= :f_since")
        params["f_since"] = filters.since
    if filters.until is not None:
        where.append("d.date <= :f_until")
        params["f_until"] = filters.until
    # Lists stored as JSON: match the quoted value inside the text, which both engines can do
    # without JSON functions (values are upper-case codes or theme keys, never quotes).
    for column, values, prefix in (
        ("d.missions", filters.missions, "f_mis"),
        ("d.countries", filters.countries, "f_cty"),
        ("p.themes", filters.themes, "f_thm"),
    ):
        if values:
            alternatives = []
            for i, value in enumerate(values):
                params[f"{prefix}{i}"] = f'%"{value}"%'
                cast = f"CAST({column} AS TEXT)" if dialect == "postgresql" else column
                alternatives.append(f"{cast} LIKE :{prefix}{i}")
            where.append("(" + " OR ".join(alternatives) + ")")
    return where


def lexical_search(
    conn: Connection, terms: Sequence[str], filters: SearchFilters, *, limit: int = 100
) -> list[tuple[int, float]]:
    """(passage id, score) of the best full-text matches, best first (score: higher better).

    Every term is optional (OR), as BM25 expects: passages holding more of the rarer terms
    rank higher."""
    if not terms:
        return []
    params: dict[str, Any] = {"limit": limit}
    dialect = conn.dialect.name
    where = _filter_sql(filters, params, dialect)
    if dialect == "sqlite":
        # Each term quoted as an FTS5 string: no operator can be smuggled in.
        params["match"] = " OR ".join('"' + t.replace('"', "") + '"' for t in terms)
        sql = (
            "SELECT p.id, -bm25(passages_fts, 2.0, 1.0) AS score FROM passages_fts "  # noqa: S608
            "JOIN passages p ON p.id = passages_fts.rowid JOIN documents d ON d.id = p.document_id "
            "WHERE passages_fts MATCH :match"
            + "".join(f" AND {w}" for w in where)
            + " ORDER BY bm25(passages_fts, 2.0, 1.0) LIMIT :limit"
        )
    else:
        weights = _postgres_idf(conn, terms)
        if not weights:
            return []
        ranks = []
        for i, (query, idf) in enumerate(weights):
            params[f"q{i}"], params[f"w{i}"] = query, idf
            # Heading (A) counts twice the text (B), as on SQLite; 1 = divide by 1 + log(length).
            ranks.append(
                f"CAST(:w{i} AS float8) * ts_rank('{{0, 0, 0.5, 1}}', p.passages_fts, "
                f"CAST(:q{i} AS tsquery), 1)"
            )
        matches = " || ".join(f"CAST(:q{i} AS tsquery)" for i in range(len(weights)))
        sql = (
            f"SELECT p.id, {' + '.join(ranks)} AS score "  # noqa: S608
            "FROM passages p JOIN documents d ON d.id = p.document_id "
            f"WHERE p.passages_fts @@ ({matches})"
            + "".join(f" AND {w}" for w in where)
            + " ORDER BY score DESC, p.id LIMIT :limit"
        )
    return [(int(r[0]), float(r[1])) for r in conn.execute(text(sql), params)]


def _postgres_idf(conn: Connection, terms: Sequence[str]) -> list[tuple[str, float]]:
    """Each term's parsed query (``plainto_tsquery``, so nothing is syntax) and its inverse
    document frequency, ``ln(1 + (N - n + 0.5) / (n + 0.5))`` as in BM25, ``n`` counted through
    the GIN index. Terms that parse to nothing (PostgreSQL's own stop words) or to a stem
    already seen ("vetted", "vetting") are dropped."""
    total = conn.execute(select(func.count()).select_from(passages)).scalar_one()
    out: list[tuple[str, float]] = []
    seen: set[str] = set()
    for term in terms:
        query = conn.execute(
            text("SELECT CAST(plainto_tsquery('english', :t) AS text)"), {"t": term}
        ).scalar_one()
        if not query or query in seen:
            continue
        seen.add(query)
        n = conn.execute(
            text("SELECT count(*) FROM passages WHERE passages_fts @@ CAST(:q AS tsquery)"),
            {"q": query},
        ).scalar_one()
        out.append((query, math.log(1 + (total - n + 0.5) / (n + 0.5))))
    return out


def filtered_passage_ids(conn: Connection, filters: SearchFilters) -> set[int] | None:
    """Ids of the passages the filters allow, or None when nothing is filtered."""
    params: dict[str, Any] = {}
    where = _filter_sql(filters, params, conn.dialect.name)
    if not where:
        return None
    sql = (
        "SELECT p.id FROM passages p JOIN documents d ON d.id = p.document_id WHERE "  # noqa: S608
        + " AND ".join(where)
    )
    return {int(r[0]) for r in conn.execute(text(sql), params)}


def facet_rows(
    conn: Connection, ids: Sequence[int]
) -> list[tuple[str, list[str], list[str], date | None, list[str]]]:
    """(kind, missions, countries, date, themes) for each passage id, for the facets."""
    if not ids:
        return []
    query = (
        select(
            documents.c.kind,
            documents.c.missions,
            documents.c.countries,
            documents.c.date,
            passages.c.themes,
        )
        .select_from(passages.join(documents, documents.c.id == passages.c.document_id))
        .where(passages.c.id.in_(list(ids)))
    )
    return [
        (r[0], list(r[1] or ()), list(r[2] or ()), r[3], list(r[4] or ()))
        for r in conn.execute(query)
    ]


__all__ = [
    "STOPWORDS",
    "VERSION",
    "all_documents",
    "counts",
    "create_document",
    "data_version",
    "delete_document",
    "document_passages",
    "facet_rows",
    "filtered_passage_ids",
    "find_by_digest",
    "get_document",
    "latest_theme_model",
    "lexical_search",
    "list_documents",
    "passage_texts",
    "passages_by_id",
    "query_terms",
    "record",
    "save_theme_model",
    "set_themes",
    "set_vectors",
    "vectors",
]
