"""Complaint intake and the case board: how many complaints per second the platform stores, one
at a time and from many threads at once, and how long the board and the aggregates take.

    python bench/complaints.py [--complaints 2000] [--threads 16] [--database-url URL]
                               [--out bench/results/complaints.json]

Runs on a fresh SQLite database by default (``--database-url`` for PostgreSQL, which must be
empty). Each complaint is validated, its narrative and identity encrypted, its reference drawn,
and its audit entry written, in its own transaction, as on the public form.
"""

from __future__ import annotations

import argparse
import json
import platform as host
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "complaints.json")
    args = parser.parse_args()

    from rich.console import Console
    from rich.progress import track
    from rich.table import Table

    from peaceops.config import Settings
    from peaceops.domain.access import Principal, Role
    from peaceops.domain.complaints import (
        Category,
        Channel,
        Complainant,
        Complaint,
        Confidentiality,
    )
    from peaceops.platform import Platform
    from peaceops.platform.scenario import load_scenario
    from peaceops.scenario.carana import DEFAULT_SEED, build_carana

    by = Principal.system("bench")
    folder = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{Path(folder.name) / 'bench.db'}"
    platform = Platform(Settings(database_url=url))
    platform.upgrade()
    platform.places.load_reference_countries(by=by)
    load_scenario(
        build_carana(DEFAULT_SEED),
        places=platform.places,
        institutions=platform.institutions,
        actors=platform.actors,
        missions=platform.missions,
        accounts=platform.accounts,
        events=platform.events,
        by=by,
    )
    police = next(i for i in platform.institutions.list(country="XCA") if i.acronym == "CNP")
    categories = list(Category)

    def complaint(n: int) -> Complaint:
        return Complaint(
            category=categories[n % len(categories)],
            description=f"Complaint {n}: officers at the checkpoint demanded money. " * 4,
            channel=Channel.WEB,
            confidentiality=Confidentiality.CONFIDENTIAL,
            received_at=datetime.now(UTC),
            institution_id=police.id,
            complainant=Complainant(name=f"Person {n}", phone=f"+999 {n:07d}"),
        )

    rows: list[dict[str, Any]] = []
    half = args.complaints // 2
    started = time.perf_counter()
    for n in track(range(half), description="one at a time"):
        platform.complaints.submit(complaint(n), country="XCA")
    seconds = time.perf_counter() - started
    rows.append({"step": "intake, one at a time", "count": half, "seconds": seconds})

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        stored = list(
            pool.map(
                lambda n: platform.complaints.submit(complaint(n), country="XCA"),
                range(half, args.complaints),
            )
        )
    seconds = time.perf_counter() - started
    assert len({c.reference for c in stored}) == len(stored)
    rows.append(
        {
            "step": f"intake, {args.threads} threads at once",
            "count": len(stored),
            "seconds": seconds,
        }
    )

    handler = Principal("bench-handler", Role.CASE_HANDLER)
    started = time.perf_counter()
    cases = platform.complaints.cases(by=handler)
    rows.append(
        {
            "step": "case board (all cases)",
            "count": len(cases),
            "seconds": time.perf_counter() - started,
        }
    )
    started = time.perf_counter()
    summary = platform.complaints.accountability(country="XCA", by=handler)
    rows.append(
        {
            "step": "accountability aggregates",
            "count": summary.total,
            "seconds": time.perf_counter() - started,
        }
    )
    platform.close()
    folder.cleanup()

    table = Table("step", "complaints", "seconds", "per second", title="Complaints")
    for r in rows:
        r["per_second"] = r["count"] / r["seconds"]
        table.add_row(r["step"], str(r["count"]), f"{r['seconds']:.2f}", f"{r['per_second']:.0f}")
    Console().print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    engine = "postgresql" if url.startswith("postgresql") else "sqlite"
    args.out.write_text(
        json.dumps({"machine": host.platform(), "engine": engine, "runs": rows}, indent=2)
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
