"""The knowledge base on both engines: the demo's lessons notes and a law's text, ingest of
every file type with unreadable files reported, idempotent re-ingest, full-text search with filters,
snippets and hostile queries, hybrid and dense search when the model is installed, more like
this, permissions and the audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from conftest import SYSTEM, TestDatabase
from peaceops.domain.access import Principal, Role
from peaceops.domain.knowledge import DocumentKind, SearchFilters
from peaceops.errors import InputError, PermissionDenied
from peaceops.platform import Platform
from peaceops.platform.knowledge import KnowledgeService
from peaceops.storage import transaction
from peaceops.storage.tables import passages

VIEWER = Principal("viewer", Role.VIEWER)


def _model_installed(platform: Platform) -> bool:
    return platform.knowledge.encoder() is not None


def test_the_demo_holds_unmica_lessons_notes(platform: Platform) -> None:
    docs, total = platform.knowledge.documents(by=VIEWER)
    assert total == 7  # six UNMICA notes and the Legal Aid Act the legal register links to
    kinds = {d.kind for d in docs}
    assert DocumentKind.LAW in kinds
    assert {DocumentKind.AFTER_ACTION_REVIEW, DocumentKind.END_OF_ASSIGNMENT} <= kinds
    assert {DocumentKind.LESSONS_NOTE, DocumentKind.MANDATE} <= kinds
    for d in docs:
        assert d.countries == ("XCA",) and d.date is not None and d.passage_count > 0
    vetting = next(d for d in docs if d.kind is DocumentKind.AFTER_ACTION_REVIEW)
    assert vetting.title.startswith("After action review: vetting")
    _, passages = platform.knowledge.document(vetting.id or 0, by=VIEWER)
    assert [p.number for p in passages] == [str(n) for n in range(1, len(passages) + 1)]
    assert passages[0].heading == "I. Background"
    assert any(p.themes for p in passages), "the demo's passages are tagged with themes"


def test_full_text_search_finds_ranks_marks_and_filters(platform: Platform) -> None:
    result = platform.knowledge.search(
        "vetting of police officers", by=VIEWER, mode="lexical", limit=5
    )
    assert result.mode == "lexical" and result.hits
    top = result.hits[0]
    assert top.document.kind is DocumentKind.AFTER_ACTION_REVIEW
    assert "<mark>" in top.snippet and top.lexical_rank == 1 and top.dense_rank is None
    assert result.facets["kind"]["after_action_review"] >= 1
    notes_only = platform.knowledge.search(
        "vetting of police officers",
        by=VIEWER,
        mode="lexical",
        filters=SearchFilters(kinds=(DocumentKind.LESSONS_NOTE,)),
    )
    assert notes_only.hits
    assert all(h.document.kind is DocumentKind.LESSONS_NOTE for h in notes_only.hits)
    recent = platform.knowledge.search(
        "vetting", by=VIEWER, mode="lexical", filters=SearchFilters(since=top.document.date)
    )
    assert all(h.document.date and h.document.date >= top.document.date for h in recent.hits)


@pytest.mark.parametrize(
    "query",
    ['"unbalanced', "police NEAR(court)", "prison* OR", "-; DROP TABLE passages; --", "ü ß 警察"],
)
def test_queries_are_words_never_syntax(platform: Platform, query: str) -> None:
    result = platform.knowledge.search(query, by=VIEWER, mode="lexical")
    assert result.total >= 0
    assert platform.knowledge.counts()["documents"] == 7


def test_an_empty_question_is_refused(platform: Platform) -> None:
    with pytest.raises(InputError) as info:
        platform.knowledge.search("   ", by=VIEWER)
    assert info.value.problem.field == "q"


def _docx(path: Path, paragraphs: list[str]) -> Path:
    from docx import Document as Docx

    doc = Docx()
    for p in paragraphs:
        doc.add_paragraph(p)
    doc.save(str(path))
    return path


def _blank_pdf(path: Path) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def test_a_folder_ingests_every_kind_of_file_and_reports_the_unreadable(
    platform: Platform, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "S-RES-9999(2030).txt").write_text(
        "S/RES/9999 (2030)\nResolution 9999 (2030)\nAdopted on 3 April 2030\n\n"
        "The Security Council,\n\n"
        "1. Decides that the mission shall support the reform of the prisons service;\n"
        "2. Requests a report on the prisons of Carana within ninety days;\n",
        encoding="cp1252",
    )
    (folder / "note.html").write_text(
        "<html><head><title>x</title><script>alert(1)</script></head><body>"
        "<h1>Lessons note: border management at Lunsar Bay</h1>"
        "<p>The border service of Carana lacked vehicles and radios to patrol the coast.</p>"
        "<p>Joint patrols with customs officers reduced smuggling of small arms.</p>"
        "</body></html>",
        encoding="utf-8",
    )
    _docx(
        folder / "aar.docx",
        [
            "After action review: elections security in Tarunga",
            "1. The police deployed to every polling station in Tarunga on election day.",
            "2. Radio communication failed in three districts.",
        ],
    )
    _blank_pdf(folder / "scanned.pdf")
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "image.png").write_bytes(b"\x89PNG")  # not a document: not even listed
    report = platform.knowledge.ingest(folder, by=SYSTEM, embed=False)
    assert sorted(name for name, _ in report.added) == [
        "S-RES-9999(2030).txt",
        "aar.docx",
        "note.html",
    ]
    skipped = dict(report.skipped)
    assert set(skipped) == {"scanned.pdf", "broken.docx"}
    assert "no text layer" in skipped["scanned.pdf"]
    again = platform.knowledge.ingest(folder, by=SYSTEM, embed=False)
    assert again.added == [] and len(again.unchanged) == 3
    docs, total = platform.knowledge.documents(by=VIEWER)
    assert total == 10
    resolution = next(d for d in docs if d.symbol == "S/RES/9999 (2030)")
    assert resolution.kind is DocumentKind.RESOLUTION and resolution.date is not None
    _, passages = platform.knowledge.document(resolution.id or 0, by=VIEWER)
    assert [p.number for p in passages if p.number] == ["1", "2"]
    html = next(d for d in docs if d.source_name == "note.html")
    _, html_passages = platform.knowledge.document(html.id or 0, by=VIEWER)
    assert not any("alert(1)" in p.text for p in html_passages)
    found = platform.knowledge.search("smuggling small arms", by=VIEWER, mode="lexical")
    assert found.hits[0].document.source_name == "note.html"
    entries, _ = platform.audit.entries(by=SYSTEM, entity="documents", limit=1000)
    assert sum(1 for e in entries if e.action.value == "create") >= 3


def test_readers_search_but_only_importers_ingest(platform: Platform, tmp_path: Path) -> None:
    (tmp_path / "n.txt").write_text("A lessons note about prisons in Carana." * 3)
    with pytest.raises(PermissionDenied):
        platform.knowledge.ingest(tmp_path, by=VIEWER)
    with pytest.raises(PermissionDenied):
        platform.knowledge.reindex(by=VIEWER)
    assert platform.knowledge.search("prisons", by=VIEWER, mode="lexical").hits


def test_more_like_this_comes_from_other_documents(platform: Platform) -> None:
    top = platform.knowledge.search("pre-trial detention", by=VIEWER, limit=1).hits[0]
    similar = platform.knowledge.more_like_this(top.passage.id or 0, by=VIEWER, limit=3)
    assert similar
    assert all(h.document.id != top.document.id for h in similar)


def test_dense_search_finds_what_the_words_miss(platform: Platform) -> None:
    if not _model_installed(platform):
        pytest.skip(platform.knowledge.model_status() or "no embedding model")
    counts = platform.knowledge.counts()
    assert counts["embedded"] == counts["passages"], "the demo's passages are embedded"
    # None of these words is in the vetting review's paragraph on removals.
    query = "officers dismissed for abuses were given no help to find other work"
    dense = platform.knowledge.search(query, by=VIEWER, mode="dense", limit=3)
    assert dense.mode == "dense"
    assert any("exit package" in h.passage.text for h in dense.hits)
    hybrid = platform.knowledge.search(query, by=VIEWER, limit=5)
    assert hybrid.mode == "hybrid"
    assert any("exit package" in h.passage.text for h in hybrid.hits)


def test_an_interrupted_embedding_resumes_on_the_next_ingest(
    platform: Platform, tmp_path: Path
) -> None:
    if not _model_installed(platform):
        pytest.skip(platform.knowledge.model_status() or "no embedding model")
    (tmp_path / "note.txt").write_text(
        "Lessons note: prison registers in Lesedi\n\n"
        "1. Paper registers of detainees were lost when the prison flooded.\n"
        "2. A duplicate register kept at the court allowed every detainee to be traced.\n",
        encoding="utf-8",
    )
    first = platform.knowledge.ingest(tmp_path, by=SYSTEM)
    assert first.embedded == 2
    # As if the run had stopped after storing the passages but before embedding them.
    with transaction(platform.engine) as conn:
        conn.execute(update(passages).values(vector=None))
    again = platform.knowledge.ingest(tmp_path, by=SYSTEM)
    assert again.added == [] and again.unchanged == ["note.txt"]
    counts = platform.knowledge.counts()
    assert again.embedded == counts["passages"] == counts["embedded"]


def test_related_lessons_are_kept_until_the_passages_change(
    db: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = db.platform
    searches: list[str] = []
    real = KnowledgeService.search

    def counted(self: KnowledgeService, text: str, **kwargs: Any) -> Any:
        searches.append(text)
        return real(self, text, **kwargs)

    monkeypatch.setattr(KnowledgeService, "search", counted)
    ask: dict[str, Any] = {"by": SYSTEM, "institution_type": "police", "country": "XCA"}
    first = platform.knowledge.related("Carana National Police vetting", **ask)
    assert first and searches
    asked = len(searches)
    assert platform.knowledge.related("Carana National Police vetting", **ask) == first
    assert len(searches) == asked  # from memory
    # Another process adds a document: the next question searches again and finds it.
    other = Platform(db.settings())
    try:
        other.knowledge.ingest_text(
            "1. Police vetting in Carana: the vetting of the Carana National Police removed "
            "officers named in complaints, and vetting boards met every week in each region.",
            name="vetting-note.txt",
            by=SYSTEM,
            embed=False,
            countries=("XCA",),
        )
        again = platform.knowledge.related("Carana National Police vetting", **ask)
        assert len(searches) > asked
        # What one process kept is what another, asking afresh, finds.
        fresh = Platform(db.settings())
        try:
            assert fresh.knowledge.related("Carana National Police vetting", **ask) == again
        finally:
            fresh.close()
    finally:
        other.close()
