"""Assessment benchmark: evidence import and scoring at survey sizes a mission meets.

    python bench/assessment.py [--respondents 600 5000 20000] [--out bench/results/assessment.json]

For each size: a rule-of-law round with that many public-survey respondents (plus 45 experts,
registers, documents and site checks, generated from the Carana storyline) is written to an
XLSX evidence workbook, imported into a fresh SQLite database (first import, then the same file
again), and scored from scratch (every indicator, roll-up and bootstrap). Prints a table and
writes JSON. Timings are wall-clock on this machine.
"""

from __future__ import annotations

import argparse
import json
import platform as host
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from peaceops.config import Settings  # noqa: E402
from peaceops.domain.access import Principal  # noqa: E402
from peaceops.domain.assessment import Evidence, EvidenceSource, Framework  # noqa: E402
from peaceops.ingest import evidence as evidence_files  # noqa: E402
from peaceops.platform import Platform  # noqa: E402
from peaceops.scenario import assessment as generator  # noqa: E402
from peaceops.scenario.carana import build_carana  # noqa: E402


def write_workbook(framework: Framework, evidence: Evidence, path: Path) -> None:
    """The generated evidence in the template layout, as a user would fill it."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for source in EvidenceSource:
        items = framework.items_from(source)
        if not items:
            continue
        ws = wb.create_sheet(source.value)
        columns = evidence_files.columns_for(framework, source)
        ws.append(columns)
        if source.is_survey:
            for r in evidence.responses:
                if r.source != source:
                    continue
                ws.append(
                    [r.respondent_ref, r.weight, r.sex, r.region, r.group, r.collected_on]
                    + [r.answers.get(c) for c in columns[len(evidence_files.SURVEY_COLUMNS) :]]
                )
        elif source == EvidenceSource.ADMINISTRATIVE:
            for v in evidence.admin_values:
                ws.append(
                    [v.item_code, v.breakdown, v.as_of, v.numerator, v.denominator, v.source_name]
                )
        else:
            for c in evidence.checks:
                if c.source == source:
                    ws.append(
                        [c.item_code, c.reference, "yes" if c.met else "no", c.checked_on, ""]
                    )
    wb.save(path)


def run(size: int, folder: Path) -> dict[str, Any]:
    scenario = build_carana()
    platform = Platform(Settings(database_url=f"sqlite:///{folder / f'a{size}.db'}"))
    by = Principal.system("bench")
    platform.initialise(by=by)
    frameworks = {fw.code: fw for fw, _ in platform.assessment.load_builtin(by=by)}
    fw = frameworks["rule_of_law"]
    spec = generator.build_rounds(
        fw, scenario, rounds=1, seed=scenario.seed, public_respondents=size
    )[0]
    evidence = spec.evidence
    evidence = Evidence(
        [replace(r, respondent_ref=f"B{n}") for n, r in enumerate(evidence.responses)],
        evidence.admin_values,
        evidence.checks,
    )
    book = folder / f"evidence-{size}.xlsx"
    write_workbook(fw, evidence, book)
    rnd = platform.assessment.create_round(
        country="CAF",
        framework=fw.key,
        name=f"bench {size}",
        period_start=spec.period_start,
        period_end=spec.period_end,
        by=by,
    )
    assert rnd.id is not None
    started = time.perf_counter()
    first = platform.assessment.import_evidence(rnd.id, book, by=by)
    import_s = time.perf_counter() - started
    started = time.perf_counter()
    again = platform.assessment.import_evidence(rnd.id, book, by=by)
    reimport_s = time.perf_counter() - started
    platform.assessment._cache.clear()
    started = time.perf_counter()
    scored = platform.assessment.score(rnd.id)
    score_s = time.perf_counter() - started
    platform.close()
    return {
        "respondents": size,
        "records": len(evidence),
        "workbook_mb": round(book.stat().st_size / 1e6, 2),
        "import_s": round(import_s, 2),
        "created": first.created,
        "reimport_s": round(reimport_s, 2),
        "reimport_unchanged": again.unchanged,
        "score_s": round(score_s, 2),
        "indicators_scored": len(scored.scores.indicators),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, nargs="+", default=[600, 5000, 20000])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "assessment.json")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.respondents:
            rows.append(run(size, Path(tmp)))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = Table(
        "respondents",
        "records",
        "workbook MB",
        "import s",
        "re-import s",
        "score s",
        "indicators",
        title="Assessment: import and scoring (SQLite)",
    )
    for r in rows:
        table.add_row(
            str(r["respondents"]),
            str(r["records"]),
            str(r["workbook_mb"]),
            str(r["import_s"]),
            f"{r['reimport_s']} ({r['reimport_unchanged']} unchanged)",
            str(r["score_s"]),
            str(r["indicators_scored"]),
        )
    Console().print(table)
    Console().print(f"peak memory: {peak_mb:.0f} MB")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"machine": host.platform(), "peak_mb": round(peak_mb), "runs": rows}, indent=2)
    )
    Console().print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
