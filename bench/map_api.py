"""Situation-map layer API under load: p50/p95 latency and throughput per layer and zoom.

    python bench/map_api.py [--events 400000] [--seconds 5] [--database-url URL]
                            [--out bench/results/map_api.json]

Builds a fresh database (SQLite in a temporary folder by default; with ``--database-url`` an
empty PostgreSQL database you created for the purpose), loads the Carana demo (boundaries,
users, a forecast run) and then ``--events`` GED-shaped events: the real points of
``ged201_reduced_points_1995-2019.csv`` (UCDP GED 20.1, 61,296 events), repeated with new ids
and a jitter of up to 0.02 degrees until the count is reached. The app runs under uvicorn
on loopback in a subprocess (one worker); 20 and 100 concurrent clients (httpx AsyncClient)
call each layer for ``--seconds``; ``/health`` is the ceiling (the cost of the app itself).
"first ms" is the time of one call before the clients start: in the 20-client round, the
uncached cost of the view (event cells are then cached until the events change).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import json
import os
import platform as host
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("PEACEOPS_SHARED_DATA", ROOT.parent / "shared" / "data"))
GED = SHARED / "ucdp" / "ged201_reduced_points_1995-2019.csv"
VERSION = "bench"

# (name, path and query): the layers at several zooms and windows.
SCENARIOS = [
    ("health", "/health"),
    ("areas XCA z6", "/api/v1/layers/areas?country=XCA&zoom=6"),
    ("risk XCA", "/api/v1/layers/risk?country=XCA"),
    (
        "events world z2 1995-2019",
        "/api/v1/layers/events?country=XCA&bbox=-180,-90,180,90&since=1995-01&until=2019-12&zoom=2",
    ),
    (
        "events Africa z4 2010-2019",
        "/api/v1/layers/events?country=XCA&bbox=-20,-35,52,38&since=2010-01&until=2019-12&zoom=4",
    ),
    (
        "events Afghanistan z6 2015",
        "/api/v1/layers/events?country=XCA&bbox=60,29,75,39&since=2015-01&until=2015-12&zoom=6",
    ),
    (
        "events Kabul z10 2017-06",
        "/api/v1/layers/events?country=XCA&bbox=68.9,34.3,69.4,34.7&since=2017-06&until=2017-06"
        "&zoom=10",
    ),
]
CONCURRENCY = (20, 100)


def read_points() -> list[tuple[int, float, float, int]]:
    with GED.open(newline="", encoding="utf-8") as handle:
        return [
            (int(r["year"]), float(r["longitude"]), float(r["latitude"]), int(r["best"]))
            for r in csv.DictReader(handle)
        ]


def load(url: str, n_events: int) -> dict[str, Any]:
    """Demo plus ``n_events`` events; returns timings and an API token of the analyst."""
    import numpy as np
    from rich.progress import Progress

    from peaceops.config import Settings
    from peaceops.domain.access import Principal
    from peaceops.domain.places import Month
    from peaceops.platform import Platform
    from peaceops.storage import transaction
    from peaceops.storage.repositories import events as events_repo

    settings = Settings(database_url=url)  # type: ignore[arg-type]
    platform = Platform(settings)
    started = time.perf_counter()
    platform.load_demo()
    demo_seconds = time.perf_counter() - started
    system = Principal.system("bench")
    analyst = next(u for u in platform.accounts.list_users(by=system) if u.username == "analyst")
    token = platform.accounts.create_token("bench", by=system, user_id=analyst.id).token

    points = read_points()
    rng = np.random.default_rng(20)
    started = time.perf_counter()
    batch = 10_000
    with Progress() as progress:
        task = progress.add_task(f"loading {n_events:,} events", total=n_events)
        for offset in range(0, n_events, batch):
            size = min(batch, n_events - offset)
            picks = rng.integers(0, len(points), size)
            jitter = rng.uniform(-0.02, 0.02, (size, 2))
            months = rng.integers(1, 13, size)
            days = rng.integers(1, 29, size)
            types = rng.integers(1, 4, size)
            rows = []
            for k in range(size):
                year, lon, lat, best = points[int(picks[k])]
                when = date(year, int(months[k]), int(days[k]))
                source_id = f"b{offset + k}"
                rows.append(
                    {
                        "source": "ucdp_ged",
                        "source_id": source_id,
                        "version": VERSION,
                        "digest": hashlib.sha1(source_id.encode()).hexdigest(),
                        "type_of_violence": int(types[k]),
                        "date_start": when,
                        "date_end": when,
                        "month_id": Month(year, int(months[k])).month_id,
                        "best": best,
                        "low": best,
                        "high": best,
                        "lon": round(max(-180.0, min(180.0, lon + float(jitter[k, 0]))), 5),
                        "lat": round(max(-90.0, min(90.0, lat + float(jitter[k, 1]))), 5),
                        "country_gw": None,
                        "country": None,
                        "priogrid_gid": None,
                        "adm_1": None,
                        "adm_2": None,
                        "where_prec": 1,
                        "date_prec": 1,
                        "side_a": None,
                        "side_b": None,
                        "conflict_name": None,
                    }
                )
            with transaction(platform.engine) as conn:
                events_repo.insert_events(conn, rows)
            progress.advance(task, size)
    load_seconds = time.perf_counter() - started
    platform.close()
    return {"token": token, "demo_seconds": demo_seconds, "load_seconds": load_seconds}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    code = (
        "import uvicorn\n"
        "from peaceops.config import Settings\n"
        "from peaceops.services.web.app import create_app\n"
        f"uvicorn.run(create_app(Settings(database_url={url!r})), host='127.0.0.1', "
        f"port={port}, log_level='warning')\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the app did not start")


async def hammer(base: str, path: str, token: str, clients: int, seconds: float) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    errors = 0
    sizes: list[int] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        # One warm-up call, so that lazy imports and caches are not measured; its time is
        # reported as the first call's (the uncached cost, in the first round of a path).
        t0 = time.perf_counter()
        await client.get(path, headers=headers)
        first_ms = round(1000 * (time.perf_counter() - t0), 1)
        deadline = time.perf_counter() + seconds

        async def one_client() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                r = await client.get(path, headers=headers)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors += 1
                else:
                    sizes.append(len(r.content))

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "first_ms": first_ms,
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p95_ms": round(1000 * latencies[max(0, int(0.95 * len(latencies)) - 1)], 1),
        "per_second": round(len(latencies) / elapsed, 1),
        "kb": round(statistics.median(sizes) / 1024, 1) if sizes else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=400_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "map_api.json")
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    console = Console()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine_name = url.split(":", 1)[0].split("+", 1)[0]
        console.print(f"[bold]Loading the demo and {args.events:,} events ({engine_name})")
        loaded = load(url, args.events)
        port = free_port()
        server = start_server(url, port)
        results: list[dict[str, Any]] = []
        try:
            for clients in CONCURRENCY:
                for name, path in SCENARIOS:
                    figures = asyncio.run(
                        hammer(
                            f"http://127.0.0.1:{port}", path, loaded["token"], clients, args.seconds
                        )
                    )
                    results.append({"scenario": name, "clients": clients, "path": path, **figures})
                    console.print(f"{name} x{clients}: {figures}")
        finally:
            server.terminate()
            server.wait(timeout=20)

    table = Table(title=f"Situation-map layers, {args.events:,} events, {engine_name}")
    columns = ("scenario", "clients", "first ms", "requests", "errors", "p50 ms", "p95 ms")
    for column in (*columns, "req/s", "KB"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for r in results:
        table.add_row(
            r["scenario"],
            str(r["clients"]),
            f"{r['first_ms']:.1f}",
            str(r["requests"]),
            str(r["errors"]),
            f"{r['p50_ms']:.1f}",
            f"{r['p95_ms']:.1f}",
            f"{r['per_second']:.1f}",
            f"{r['kb']:.1f}",
        )
    console.print(table)
    report = {
        "benchmark": "map_api",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": engine_name,
        "events": args.events,
        "seconds_per_scenario": args.seconds,
        "demo_load_seconds": round(loaded["demo_seconds"], 1),
        "event_load_seconds": round(loaded["load_seconds"], 1),
        "events_per_second_loaded": round(args.events / loaded["load_seconds"]),
        "python": sys.version.split()[0],
        "machine": f"{host.system()} {host.machine()}, {os.cpu_count()} CPUs",
        "server": "uvicorn, one worker, loopback",
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    existing: dict[str, Any] = {}
    if args.out.exists():
        try:
            existing = json.loads(args.out.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            existing = {}
    runs = existing.get("runs", {}) if isinstance(existing, dict) else {}
    runs[engine_name] = report
    args.out.write_text(json.dumps({"runs": runs}, indent=2), encoding="utf-8")
    console.print(f"Written to {args.out}")


if __name__ == "__main__":
    main()
