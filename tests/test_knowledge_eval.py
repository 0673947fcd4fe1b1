"""Retrieval quality on real documents, against the judged questions of
``tests/data/knowledge_eval.yaml``: a regression guard for the splitter, the full-text index
and the fusion of full-text and meaning.

The corpus is a slice of ``../shared/data/texts`` small enough to embed in a test run: the 15
Secretary-General reports on MINUJUSTH, UNMIH and MIPONUH (about 1,050 passages). The
questions asked are those with at least three passages judged as answering them (grade 2) in
that slice (13 of the 48); judgments on documents outside it are left out. ``bench/docs.py``
asks all 48 of the whole corpus.

Floors are the figures first measured here, less a margin, so that a change that makes search
worse fails. Mean nDCG@10 / capped recall@20: full text 0.458 / 0.451 on SQLite and
0.432 / 0.458 on PostgreSQL; meaning 0.455 / 0.480; hybrid 0.535 / 0.549. Nothing was tuned on
these questions: the fusion is plain reciprocal-rank fusion with k = 60.
"""

from __future__ import annotations

import os
import statistics
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conftest import (
    ENGINES,
    SYSTEM,
    create_pg_database,
    drop_pg_database,
    shared_file,
)
from peaceops.analytics.knowledge.ranking import ndcg_at, recall_at
from peaceops.config import Settings
from peaceops.platform import Platform
from peaceops.storage import transaction
from peaceops.storage.tables import documents, passages

EVAL = Path(__file__).resolve().parent / "data" / "knowledge_eval.yaml"
MISSIONS = ("MINUJUSTH", "UNMIH", "MIPONUH")


@pytest.fixture(scope="module", params=ENGINES)
def indexed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """The slice ingested once per engine (embedded too where the model is installed)."""
    reports = shared_file("texts/un-sg-reports-pact")
    folder = tmp_path_factory.mktemp("slice")
    corpus = folder / "corpus"
    corpus.mkdir()
    for path in sorted(reports.glob("*.txt")):
        if path.name.split("_S_")[0] in MISSIONS:
            (corpus / path.name).symlink_to(path)
    server = None
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'slice.db'}"
    else:
        server = request.getfixturevalue("postgres_server")
        name = f"peaceops_k_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        url = create_pg_database(server, name)
    platform = Platform(Settings(database_url=url))  # type: ignore[arg-type]
    platform.initialise()
    # Meaning is computed the same way on both engines (NumPy over stored vectors), so the
    # model's minute of work is spent once, on SQLite.
    report = platform.knowledge.ingest(corpus, by=SYSTEM, embed=request.param == "sqlite")
    assert not report.skipped, report.skipped
    yield platform
    platform.close()
    if server:
        drop_pg_database(server, name)


def judged_questions(platform: Platform) -> list[tuple[str, dict[int, int]]]:
    """(question, {passage id: grade}) for the questions answerable in the slice."""
    with transaction(platform.engine, write=False) as conn:
        rows = conn.execute(
            passages.select()
            .with_only_columns(passages.c.id, passages.c.ordinal, documents.c.source_name)
            .join_from(passages, documents, passages.c.document_id == documents.c.id)
        ).all()
    key_to_id = {(Path(name).stem, ordinal): pid for pid, ordinal, name in rows}
    asked = []
    for q in yaml.safe_load(EVAL.read_text(encoding="utf-8"))["questions"]:
        grades = {
            key_to_id[(j["doc"], int(j["ordinal"]))]: int(j["grade"])
            for j in q["relevant"]
            if (j["doc"], int(j["ordinal"])) in key_to_id
        }
        if sum(1 for g in grades.values() if g == 2) >= 3:
            asked.append((q["question"], grades))
    return asked


def quality(platform: Platform, mode: str) -> tuple[float, float]:
    """Mean nDCG@10 and recall@20 over the judged questions."""
    asked = judged_questions(platform)
    assert len(asked) == 13, "the slice and the eval set no longer match"
    ndcg, recall = [], []
    for question, grades in asked:
        ranked = platform.knowledge.ranking(question, by=SYSTEM, mode=mode, k=20)
        ndcg.append(ndcg_at(ranked, grades, 10))
        recall.append(recall_at(ranked, grades, 20))
    return statistics.mean(ndcg), statistics.mean(recall)


def test_every_judged_passage_of_the_slice_is_found_where_the_judges_read_it(
    indexed: Platform,
) -> None:
    """The splitter still numbers passages as it did when the questions were judged: each
    judged passage of the slice starts with the words recorded beside it."""
    with transaction(indexed.engine, write=False) as conn:
        rows = conn.execute(
            passages.select()
            .with_only_columns(passages.c.ordinal, passages.c.text, documents.c.source_name)
            .join_from(passages, documents, passages.c.document_id == documents.c.id)
        ).all()
    texts = {(Path(name).stem, ordinal): text for ordinal, text, name in rows}
    checked = 0
    for q in yaml.safe_load(EVAL.read_text(encoding="utf-8"))["questions"]:
        for j in q["relevant"]:
            key = (j["doc"], int(j["ordinal"]))
            if key in texts and j.get("starts"):
                assert texts[key].startswith(j["starts"]), (q["id"], key)
                checked += 1
    assert checked > 100


def test_full_text_search_keeps_its_quality(indexed: Platform) -> None:
    ndcg, recall = quality(indexed, "lexical")
    assert ndcg >= 0.40, f"lexical nDCG@10 fell to {ndcg:.3f}"
    assert recall >= 0.40, f"lexical recall@20 fell to {recall:.3f}"


# The model's work is done once, on SQLite; meaning ranks alike on both engines.
@pytest.mark.parametrize("indexed", ["sqlite"], indirect=True)
def test_hybrid_search_beats_words_alone_and_meaning_alone(indexed: Platform) -> None:
    if indexed.knowledge.encoder() is None:
        pytest.skip(indexed.knowledge.model_status() or "no embedding model installed")
    lexical, _ = quality(indexed, "lexical")
    dense, _ = quality(indexed, "dense")
    hybrid, hybrid_recall = quality(indexed, "hybrid")
    assert dense >= 0.38, f"dense nDCG@10 fell to {dense:.3f}"
    assert hybrid >= 0.48, f"hybrid nDCG@10 fell to {hybrid:.3f}"
    assert hybrid > lexical and hybrid > dense, (lexical, dense, hybrid)
    assert hybrid_recall >= 0.48, f"hybrid recall@20 fell to {hybrid_recall:.3f}"
