"""Knowledge base: indexing time and size for the real corpus, query latency, and retrieval
quality (nDCG@10, recall@20) of full-text, dense and hybrid search on the judged questions.

    python bench/docs.py [--database-url URL] [--limit-files N] [--no-embed] [--reuse]
                         [--out bench/results/docs.json]

Ingests ``../shared/data/texts`` (331 Secretary-General reports and 2,259 Security Council
resolutions; or ``PEACEOPS_SHARED_DATA``) into a fresh database (SQLite in a temporary folder
by default; with ``--database-url`` an empty PostgreSQL database made for the purpose), embeds
every passage when the model is installed, then asks each question of
``tests/data/knowledge_eval.yaml`` in the three modes (full-text only when nothing is
embedded). Prints tables and writes JSON. ``--reuse`` with a ``--database-url`` that already
holds the corpus skips ingestion and embeds only what is missing, so a long embedding run can
be resumed and the questions asked again without reading the corpus twice.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as host
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("PEACEOPS_SHARED_DATA", ROOT.parent / "shared" / "data"))
TEXTS = SHARED / "texts"
EVAL = ROOT / "tests" / "data" / "knowledge_eval.yaml"
MODES = ("lexical", "dense", "hybrid")


def database_size(url: str, folder: Path) -> int | None:
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    engine.dispose()
    return int(size)


def evaluate(platform: Any, by: Any, modes: tuple[str, ...]) -> dict[str, Any]:
    """nDCG@10 and recall@20 per mode over the judged questions, and query latencies."""
    import yaml

    from peaceops.analytics.knowledge.ranking import ndcg_at, recall_at
    from peaceops.storage import transaction
    from peaceops.storage.tables import documents, passages

    questions = yaml.safe_load(EVAL.read_text(encoding="utf-8"))
    questions = questions["questions"] if isinstance(questions, dict) else questions
    # Judgments name a document by its file stem and a passage by its ordinal.
    with transaction(platform.engine, write=False) as conn:
        rows = conn.execute(
            passages.select()
            .with_only_columns(passages.c.id, passages.c.ordinal, documents.c.source_name)
            .join_from(passages, documents, passages.c.document_id == documents.c.id)
        ).all()
    key_to_id = {(Path(name).stem, ordinal): pid for pid, ordinal, name in rows}
    results: dict[str, dict[str, list[float]]] = {m: {"ndcg": [], "recall": []} for m in modes}
    latencies: dict[str, list[float]] = {m: [] for m in modes}
    missing = 0
    for q in questions:
        grades = {}
        for judged in q["relevant"]:
            pid = key_to_id.get((judged["doc"], int(judged["ordinal"])))
            if pid is None:
                missing += 1
                continue
            grades[pid] = int(judged["grade"])
        for mode in modes:
            started = time.perf_counter()
            ranked = platform.knowledge.ranking(q["question"], by=by, mode=mode, k=20)
            latencies[mode].append(time.perf_counter() - started)
            results[mode]["ndcg"].append(ndcg_at(ranked, grades, 10))
            results[mode]["recall"].append(recall_at(ranked, grades, 20))
    summary: dict[str, Any] = {
        "questions": len(questions),
        "unmatched_judgments": missing,
        "modes": list(modes),
    }
    for mode in modes:
        lat = sorted(latencies[mode])
        summary[mode] = {
            "ndcg@10": round(statistics.mean(results[mode]["ndcg"]), 4),
            "recall@20": round(statistics.mean(results[mode]["recall"]), 4),
            "p50_ms": round(1000 * statistics.median(lat), 1),
            "p95_ms": round(1000 * lat[max(0, int(0.95 * len(lat)) - 1)], 1),
        }
    summary["per_question"] = [
        {
            "id": q["id"],
            **{f"{m}_ndcg@10": round(results[m]["ndcg"][i], 4) for m in modes},
        }
        for i, q in enumerate(questions)
    ]
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--limit-files", type=int, default=None)
    parser.add_argument("--no-embed", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "docs.json")
    args = parser.parse_args()
    if not TEXTS.is_dir():
        raise SystemExit(f"no corpus at {TEXTS} (set PEACEOPS_SHARED_DATA)")

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table
    from sqlalchemy import func, select

    from peaceops.config import Settings
    from peaceops.domain.access import Principal
    from peaceops.platform import Platform
    from peaceops.storage import transaction
    from peaceops.storage.tables import passages

    console = Console()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'docs.db'}"
        engine_name = url.split(":", 1)[0].split("+", 1)[0]
        corpus = Path(folder) / "corpus"
        corpus.mkdir()
        files = sorted(
            p
            for sub in ("un-sg-reports-pact", "unsc-resolutions-1946-2015")
            for p in (TEXTS / sub).glob("*.txt")
        )[: args.limit_files]
        for p in files:  # links, not copies: the corpus stays where it is
            (corpus / p.name).symlink_to(p)
        platform = Platform(Settings(database_url=url))  # type: ignore[arg-type]
        platform.initialise()
        by = Principal.system("bench")
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
        ) as bar:
            tasks: dict[str, Any] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            started = time.perf_counter()
            skipped: int | None = None
            if not (args.reuse and platform.knowledge.counts()["passages"]):
                report = platform.knowledge.ingest(corpus, by=by, progress=progress, embed=False)
                skipped = len(report.skipped)
            ingest_seconds = time.perf_counter() - started
            embed_seconds = 0.0
            embedded = 0
            if not args.no_embed and platform.knowledge.encoder() is not None:
                started = time.perf_counter()
                embedded = platform.knowledge.embed_missing(by=by, progress=progress)
                embed_seconds = time.perf_counter() - started
        size = database_size(url, Path(folder))
        counts = platform.knowledge.counts()
        with transaction(platform.engine, write=False) as conn:
            vectors = conn.execute(
                select(func.count()).select_from(passages).where(passages.c.vector.is_not(None))
            ).scalar_one()
        modes = MODES if vectors == counts["passages"] and not args.no_embed else ("lexical",)
        quality = evaluate(platform, by, modes) if EVAL.exists() else None
        platform.close()

    index = {
        "files": len(files),
        "documents": counts["documents"],
        "passages": counts["passages"],
        "skipped": skipped,
        "ingest_seconds": round(ingest_seconds, 1) if skipped is not None else None,
        "embedded": embedded,
        "embed_seconds": round(embed_seconds, 1),
        "passages_per_second_embedded": round(embedded / embed_seconds, 1) if embedded else None,
        "database_bytes": size,
    }
    table = Table(title=f"Knowledge base index ({engine_name})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in index.items():
        table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)
    if quality:
        q_table = Table(title=f"Retrieval on {quality['questions']} judged questions")
        for column in ("mode", "nDCG@10", "capped recall@20", "p50 ms", "p95 ms"):
            q_table.add_column(column, justify="left" if column == "mode" else "right")
        for mode in quality["modes"]:
            m = quality[mode]
            q_table.add_row(
                mode,
                f"{m['ndcg@10']:.3f}",
                f"{m['recall@20']:.3f}",
                str(m["p50_ms"]),
                str(m["p95_ms"]),
            )
        console.print(q_table)
    out = {
        "benchmark": "docs",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": engine_name,
        "python": sys.version.split()[0],
        "machine": f"{host.system()} {host.machine()}, {os.cpu_count()} CPUs",
        "index": index,
        "quality": quality,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    existing: dict[str, Any] = {}
    if args.out.exists():
        try:
            existing = json.loads(args.out.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            existing = {}
    runs = existing.get("runs", {}) if isinstance(existing, dict) else {}
    runs[engine_name] = out
    args.out.write_text(json.dumps({"runs": runs}, indent=2), encoding="utf-8")
    console.print(f"Written to {args.out}")


if __name__ == "__main__":
    main()
