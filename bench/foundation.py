"""Foundation benchmark: demo load, real boundary import, page and API latency, page weight.

    python bench/foundation.py [--requests 60] [--out bench/results/foundation.json]

Runs on SQLite and, when it answers, on PostgreSQL (PEACEOPS_TEST_POSTGRES_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test). Prints a table and writes JSON. Latencies
are measured in-process (no network), so they are the app's own cost per request.
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
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from peaceops.config import Settings  # noqa: E402
from peaceops.domain.access import Principal  # noqa: E402
from peaceops.platform import Platform  # noqa: E402

SHARED = Path(os.environ.get("PEACEOPS_SHARED_DATA", ROOT.parent / "shared" / "data"))
PG_SERVER = os.environ.get(
    "PEACEOPS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PAGES = [
    "/countries/XCA",
    "/countries/XCA/map",
    "/countries/XCA/risk",
    "/institutions/4",
    "/admin/audit",
    "/api/v1/institutions?country=XCA",
    "/api/v1/admin-areas?country=XCA&format=geojson",
]


def databases(folder: Path) -> list[tuple[str, str]]:
    found = [("sqlite", f"sqlite:///{folder / 'bench.db'}")]
    try:
        admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "peaceops_bench" WITH (FORCE)'))
            conn.execute(text('CREATE DATABASE "peaceops_bench"'))
        admin.dispose()
        from sqlalchemy.engine import make_url

        found.append(
            (
                "postgresql",
                make_url(PG_SERVER)
                .set(database="peaceops_bench")
                .render_as_string(hide_password=False),
            )
        )
    except Exception as exc:
        print(f"PostgreSQL not measured: {exc}", file=sys.stderr)
    return found


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(engine: str, url: str, requests: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from peaceops.services.web.app import create_app
    from peaceops.services.web.security import CSRF_COOKIE, SESSION_COOKIE

    result: dict[str, Any] = {"engine": engine}
    platform = Platform(Settings(database_url=url))
    started = time.perf_counter()
    platform.load_demo()
    result["demo_load_s"] = round(time.perf_counter() - started, 3)

    source = SHARED / "natural-earth" / "ne_10m_admin_1_target8_from_ems.geojson"
    if source.exists():
        by = Principal.system("bench")
        created = 0
        started = time.perf_counter()
        for iso3 in ("LBR", "SLE", "HTI", "SSD", "MLI", "COD", "CAF", "SOM"):
            created += platform.places.import_boundaries(
                source, level=1, country=iso3, by=by
            ).created
        result["ne_admin1_import_s"] = round(time.perf_counter() - started, 3)
        result["ne_admin1_areas"] = created
        started = time.perf_counter()
        platform.places.import_boundaries(source, level=1, country="COD", by=by)
        result["ne_reimport_unchanged_s"] = round(time.perf_counter() - started, 3)

    admin = next(
        u for u in platform.accounts.list_users(by=Principal.system()) if u.username == "admin"
    )
    session = platform.accounts.start_session(admin)
    app = create_app(Settings(database_url=url), platform=platform)
    pages: dict[str, Any] = {}
    with TestClient(app, cookies={SESSION_COOKIE: session, CSRF_COOKIE: "bench"}) as client:
        for path in PAGES:
            timings = []
            size = 0
            for _ in range(requests):
                t0 = time.perf_counter()
                answer = client.get(path)
                timings.append((time.perf_counter() - t0) * 1000)
                assert answer.status_code == 200, (path, answer.status_code)
                size = len(answer.content)
            pages[path] = {
                "p50_ms": round(statistics.median(timings), 1),
                "p95_ms": round(percentile(timings, 0.95), 1),
                "bytes": size,
            }
    result["pages"] = pages
    platform.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "foundation.json")
    args = parser.parse_args()
    console = Console()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for engine, url in databases(Path(folder)):
            console.print(f"measuring {engine} ...")
            results.append(measure(engine, url, args.requests))
    table = Table(title=f"PeaceOps foundation ({args.requests} requests per page, in-process)")
    table.add_column("measure")
    for r in results:
        table.add_column(r["engine"], justify="right")
    for key, label in (
        ("demo_load_s", "demo load (s)"),
        ("ne_admin1_import_s", "Natural Earth admin-1, 8 countries (s)"),
        ("ne_admin1_areas", "  areas imported"),
        ("ne_reimport_unchanged_s", "  re-import COD, unchanged (s)"),
    ):
        table.add_row(label, *(str(r.get(key, "-")) for r in results))
    for path in PAGES:
        table.add_row(
            f"{path} p50 / p95 ms",
            *(f"{r['pages'][path]['p50_ms']} / {r['pages'][path]['p95_ms']}" for r in results),
        )
    for path in PAGES:
        table.add_row(f"{path} KB", *(f"{r['pages'][path]['bytes'] / 1024:.0f}" for r in results))
    console.print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "machine": {
                    "python": sys.version.split()[0],
                    "cpus": os.cpu_count(),
                    "platform": host.platform(),
                },
                "requests": args.requests,
                "results": results,
            },
            indent=2,
        )
    )
    console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
