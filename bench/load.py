"""The main read pages and API endpoints under load, on the demo scaled up.

    python bench/load.py [--database-url URL] [--workers 4] [--seconds 5]
                         [--events 400000] [--activities 20000] [--submissions 100000]
                         [--passages 50000] [--clients 20,100] [--only NAME,...]
                         [--out bench/results/load.json]

The database (by default ``peaceops_load`` on the local PostgreSQL server; a
``sqlite:///...`` URL works too) holds the Carana demo and then, added in batches by this
script, synthetic rows up to the counts asked for: events resampled from the demo's own
(same districts and grid cells, the point moved by up to 0.02 degrees, a new id), activities
copied from the demo's with their participants, institutions, locations and transactions,
survey submissions resampled within each wave, and documents of 50 passages each whose text
is drawn from the demo's passages (full-text indexed by the database as usual; no
embeddings, so lessons search is full-text only). The rows go in through the repositories'
insert functions or plain bulk inserts, without audit entries (bench data, not records of
anyone's work). What is there already is counted and kept, so a rerun generates nothing.

The app then runs as ``peaceops serve --workers N`` in a subprocess; for each endpoint in
turn, 20 and then 100 concurrent clients (httpx AsyncClient) ask for it for ``--seconds``,
logged in as the analyst (the session cookie of one login for pages, an API token for the
API), after a warm-up of up to 16 requests at once so that every worker has built its caches
(its time is reported apart: that is what the first users after a change wait). The table
gives the warm-up, requests, p50, p95, throughput and errors per endpoint and client count;
JSON goes to ``bench/results/load.json`` (one entry per engine and worker count).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform as host
import random
import re
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The server under test is started as the concurrency bench starts it (one copy of that code).
from concurrency import serving  # noqa: E402 - bench/ is on the path when run as a script

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/peaceops_load"
PASSAGES_PER_DOCUMENT = 50
BATCH = 5000
OWN_COLUMNS = ("id", "digest", "title", "passage_count")  # what a copied document sets anew


# The scaled-up database ------------------------------------------------------------------------


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database if missing; True when it was made now."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return not Path(parsed.database or "").exists()
    name = parsed.database or ""
    assert re.fullmatch(r"[a-z0-9_]+", name), f"unexpected database name {name!r}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return not exists


def counts(engine: Any) -> dict[str, int]:
    from sqlalchemy import func, select

    from peaceops.storage.tables import activities, events, passages, survey_submissions

    with engine.connect() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for name, table in (
                ("events", events),
                ("activities", activities),
                ("submissions", survey_submissions),
                ("passages", passages),
            )
        }


def scale_up(url: str, targets: dict[str, int], console: Any) -> dict[str, Any]:
    """The demo plus synthetic rows up to ``targets``; returns what was there, what was
    added and how long it took."""
    from rich.progress import Progress

    from peaceops.config import Settings
    from peaceops.platform import Platform

    fresh = ensure_database(url)
    platform = Platform(Settings(database_url=url))  # type: ignore[arg-type]
    timings: dict[str, float] = {}
    try:
        if fresh or not platform.is_current():
            console.print("Loading the Carana demo")
            started = time.perf_counter()
            platform.load_demo()
            timings["demo"] = round(time.perf_counter() - started, 1)
        before = counts(platform.engine)
        rng = random.Random(400)
        with Progress(console=console) as progress:
            for name, add in (
                ("events", add_events),
                ("activities", add_activities),
                ("submissions", add_submissions),
                ("passages", add_passages),
            ):
                missing = targets[name] - counts(platform.engine)[name]
                if missing <= 0:
                    continue
                task = progress.add_task(f"adding {missing:,} {name}", total=missing)
                started = time.perf_counter()
                add(platform.engine, missing, rng, lambda n, t=task: progress.advance(t, n))
                timings[name] = round(time.perf_counter() - started, 1)
        if timings and platform.engine.dialect.name == "postgresql":
            with platform.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        elif timings:
            with platform.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        return {"before": before, "after": counts(platform.engine), "seconds": timings}
    finally:
        platform.close()


def add_events(engine: Any, n: int, rng: random.Random, advance: Any) -> None:
    """Events resampled from the demo's: same place fields, the point jittered, a new id."""
    from sqlalchemy import select

    from peaceops.storage import transaction
    from peaceops.storage.repositories import events as events_repo
    from peaceops.storage.tables import events

    with engine.connect() as conn:
        seeds = [dict(r) for r in conn.execute(select(events)).mappings()]
        start = len(seeds)
    seeds = [s for s in seeds if s["lon"] is not None]
    for offset in range(0, n, BATCH):
        rows = []
        for k in range(offset, min(n, offset + BATCH)):
            seed = rng.choice(seeds)
            day = seed["date_start"].replace(day=rng.randint(1, 28))
            source_id = f"load-{start + k}"
            rows.append(
                {
                    **{c: v for c, v in seed.items() if c != "id"},
                    "source_id": source_id,
                    "version": "load",
                    "digest": hashlib.sha1(source_id.encode()).hexdigest(),
                    "date_start": day,
                    "date_end": day,
                    "lon": round(seed["lon"] + rng.uniform(-0.02, 0.02), 5),
                    "lat": round(seed["lat"] + rng.uniform(-0.02, 0.02), 5),
                }
            )
        with transaction(engine) as conn:
            events_repo.insert_events(conn, rows)
        advance(len(rows))


def add_activities(engine: Any, n: int, rng: random.Random, advance: Any) -> None:
    """Activities copied from the demo's, children and all, under new identifiers; each copy
    moved by a whole number of years (-8 to +2: its dates, budgets and transactions) and placed
    at the locations of another demo activity of the same countries. Copies left in the
    seed's place and time would be 20,000 reports of about a hundred programmes, every copy of
    a planted duplicate a duplicate of every copy of its twin (half a million pairs), which no
    real portfolio looks like."""
    from peaceops.storage import transaction
    from peaceops.storage.repositories import coordination as repo

    with engine.connect() as conn:
        seeds = repo.load_activities(conn)
    start = len(seeds)
    for offset in range(0, n, 1000):
        with transaction(engine) as conn:
            size = min(1000, n - offset)
            for k in range(offset, offset + size):
                seed = rng.choice(seeds)
                years = rng.randint(-8, 2)
                places = [s for s in seeds if s.countries == seed.countries and s.locations]
                locations = rng.choice(places).locations if places else seed.locations
                copy = replace(
                    seed,
                    id=None,
                    identifier=f"{seed.identifier}-L{start + k}",
                    title={lang: f"{t} ({start + k})" for lang, t in seed.title.items()},
                    planned_start=_moved(seed.planned_start, years),
                    actual_start=_moved(seed.actual_start, years),
                    planned_end=_moved(seed.planned_end, years),
                    actual_end=_moved(seed.actual_end, years),
                    budgets=[
                        replace(
                            b,
                            period_start=_moved(b.period_start, years),
                            period_end=_moved(b.period_end, years),
                            amount=replace(b.amount, value_date=_moved(b.amount.value_date, years)),
                        )
                        for b in seed.budgets
                    ],
                    transactions=[
                        replace(
                            t,
                            date=_moved(t.date, years),
                            amount=replace(t.amount, value_date=_moved(t.amount.value_date, years)),
                        )
                        for t in seed.transactions
                    ],
                    locations=list(locations),
                )
                repo.store_activity(conn, copy)
        advance(size)


def _moved(day: Any, years: int) -> Any:
    """The date ``years`` later (29 February becomes the 28th in a common year); None stays."""
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_submissions(engine: Any, n: int, rng: random.Random, advance: Any) -> None:
    """Submissions resampled within their wave, under new uuids."""
    from sqlalchemy import insert, select

    from peaceops.storage import transaction
    from peaceops.storage.tables import survey_submissions

    with engine.connect() as conn:
        seeds = [dict(r) for r in conn.execute(select(survey_submissions)).mappings()]
    start = len(seeds)
    for offset in range(0, n, BATCH):
        rows = []
        for k in range(offset, min(n, offset + BATCH)):
            seed = rng.choice(seeds)
            uuid = f"load-{start + k}"
            rows.append(
                {
                    **{c: v for c, v in seed.items() if c != "id"},
                    "uuid": uuid,
                    "digest": hashlib.sha256(uuid.encode()).hexdigest(),
                }
            )
        with transaction(engine) as conn:
            conn.execute(insert(survey_submissions), rows)
        advance(len(rows))


def add_passages(engine: Any, n: int, rng: random.Random, advance: Any) -> None:
    """Documents of 50 passages each, their text drawn from the demo's passages."""
    from sqlalchemy import insert, select

    from peaceops.storage import transaction
    from peaceops.storage.tables import documents, passages

    with engine.connect() as conn:
        docs = [dict(r) for r in conn.execute(select(documents)).mappings()]
        seeds = [
            dict(r)
            for r in conn.execute(
                select(passages.c.number, passages.c.heading, passages.c.text, passages.c.themes)
            ).mappings()
        ]
    start = len(docs)
    made = 0
    while made < n:
        with transaction(engine) as conn:
            for _ in range(max(1, BATCH // PASSAGES_PER_DOCUMENT)):
                if made >= n:
                    break
                size = min(PASSAGES_PER_DOCUMENT, n - made)
                seed = rng.choice(docs)
                number = start + made // PASSAGES_PER_DOCUMENT
                doc_id = conn.execute(
                    insert(documents)
                    .values(
                        **{c: v for c, v in seed.items() if c not in OWN_COLUMNS},
                        title=f"{seed['title']} ({number})",
                        digest=hashlib.sha256(f"load-{number}".encode()).hexdigest(),
                        passage_count=size,
                    )
                    .returning(documents.c.id)
                ).scalar_one()
                rows = [
                    {**rng.choice(seeds), "document_id": doc_id, "ordinal": k, "vector": None}
                    for k in range(size)
                ]
                conn.execute(insert(passages), rows)
                made += size
                advance(size)


# The server and the clients ----------------------------------------------------------------


def credentials(url: str, base: str) -> tuple[dict[str, str], dict[str, str]]:
    """The analyst's session cookies (one login through the form) and an API token."""
    import httpx

    from peaceops.config import Settings
    from peaceops.domain.access import Principal
    from peaceops.platform import Platform

    platform = Platform(Settings(database_url=url))  # type: ignore[arg-type]
    system = Principal.system("bench")
    analyst = next(u for u in platform.accounts.list_users(by=system) if u.username == "analyst")
    token = platform.accounts.create_token("load", by=system, user_id=analyst.id).token
    platform.close()
    with httpx.Client(base_url=base, timeout=60) as client:
        page = client.get("/login")
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert found, "the login page carries no CSRF token"
        answer = client.post(
            "/login",
            data={
                "username": "analyst",
                "password": "peace-in-carana",
                "csrf_token": found.group(1),
                "next": "/",
            },
        )
        assert answer.status_code in (200, 303), answer.status_code
        cookies = dict(client.cookies)
    return cookies, {"Authorization": f"Bearer {token}"}


def scenarios(url: str) -> list[tuple[str, str]]:
    """(name, path) of the pages and endpoints measured, with ids from the database."""
    from sqlalchemy import func, select

    from peaceops.storage import make_engine
    from peaceops.storage.tables import institutions, surveys

    engine = make_engine(url)
    with engine.connect() as conn:
        institution = conn.execute(select(func.min(institutions.c.id))).scalar_one()
        survey = conn.execute(select(func.min(surveys.c.id))).scalar_one()
    engine.dispose()
    window = "since=2024-01&until=2026-12"
    return [
        ("health", "/health"),
        ("page: home", "/countries"),
        ("page: country", "/countries/XCA"),
        ("page: risk", "/countries/XCA/risk"),
        ("page: situation", "/countries/XCA/situation"),
        ("page: coordination", "/coordination?country=XCA"),
        ("page: activities", "/activities?country=XCA"),
        ("page: survey", f"/surveys/{survey}"),
        ("page: accountability", "/accountability?country=XCA"),
        ("page: lessons search", "/lessons?q=police+vetting"),
        ("page: institution", f"/institutions/{institution}"),
        ("page: transition", "/countries/XCA/transition"),
        ("api: events layer", f"/api/v1/layers/events?country=XCA&{window}&zoom=7"),
        ("api: areas layer", "/api/v1/layers/areas?country=XCA&zoom=7"),
        ("api: risk layer", "/api/v1/layers/risk?country=XCA"),
        ("api: activities", "/api/v1/activities?country=XCA&limit=50"),
        ("api: survey estimates", f"/api/v1/surveys/{survey}/estimates"),
        ("api: accountability", "/api/v1/accountability?country=XCA"),
        ("api: lessons search", "/api/v1/search?q=police+vetting"),
        ("api: institution", f"/api/v1/institutions/{institution}"),
        ("api: readiness", "/api/v1/countries/XCA/readiness"),
        ("api: incidents", "/api/v1/incidents?country=XCA"),
    ]


async def hammer(
    base: str,
    path: str,
    *,
    cookies: dict[str, str],
    headers: dict[str, str],
    clients: int,
    seconds: float,
) -> dict[str, Any]:
    """``clients`` concurrent clients asking for ``path`` until ``seconds`` have passed."""
    import httpx

    latencies: list[float] = []
    errors: dict[str, int] = {}
    sizes: list[int] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    auth = headers if path.startswith("/api/") else {}
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=300, cookies=cookies, headers=auth
    ) as client:
        # Warm-up: as many requests at once as there are clients (up to 16), so that each
        # worker has built its caches (the duplicate search, the event panel) before timing.
        t0 = time.perf_counter()
        warm = await asyncio.gather(*(client.get(path) for _ in range(min(clients, 16))))
        first = warm[0]
        first_ms = round(1000 * (time.perf_counter() - t0), 1)
        deadline = time.perf_counter() + seconds

        async def one_client() -> None:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    r = await client.get(path)
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                    continue
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
                else:
                    sizes.append(len(r.content))

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "first_status": first.status_code,
        "warm_up_ms": first_ms,
        "warm_up_errors": sum(r.status_code != 200 for r in warm),
        "requests": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p95_ms": (
            round(1000 * latencies[max(0, int(0.95 * len(latencies)) - 1)], 1)
            if latencies
            else None
        ),
        "per_second": round(len(latencies) / elapsed, 1),
        "kb": round(statistics.median(sizes) / 1024, 1) if sizes else 0.0,
    }


def write(
    args: argparse.Namespace, engine_name: str, built: dict[str, Any], results: list[dict[str, Any]]
) -> None:
    """Write the run so far (after every scenario: a stopped run keeps its figures)."""
    report = {
        "benchmark": "load",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "label": args.label,
        "engine": engine_name,
        "workers": args.workers,
        "seconds_per_scenario": args.seconds,
        "scale": built["after"],
        "generated_seconds": built["seconds"],
        "python": sys.version.split()[0],
        "machine": f"{host.system()} {host.machine()}, {os.cpu_count()} CPUs",
        "server": f"peaceops serve --workers {args.workers}, loopback",
        "results": results,
    }
    existing: dict[str, Any] = {}
    if args.out.exists():
        try:
            existing = json.loads(args.out.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            existing = {}
    runs = existing.get("runs", {}) if isinstance(existing, dict) else {}
    key = f"{engine_name}-{args.workers}w" + (f"-{args.label}" if args.label else "")
    runs[key] = report
    args.out.write_text(json.dumps({"runs": runs}, indent=2, default=str), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--events", type=int, default=400_000)
    parser.add_argument("--activities", type=int, default=20_000)
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--passages", type=int, default=50_000)
    parser.add_argument("--clients", default="20,100", help="Client counts, comma separated.")
    parser.add_argument("--only", default="", help="Names (or parts) of scenarios to run.")
    parser.add_argument("--label", default="", help="Kept with the run (e.g. 'before').")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "load.json")
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    console = Console()
    url = args.database_url
    engine_name = url.split(":", 1)[0].split("+", 1)[0]
    targets = {
        "events": args.events,
        "activities": args.activities,
        "submissions": args.submissions,
        "passages": args.passages,
    }
    built = scale_up(url, targets, console)
    console.print(f"Database: {built['after']} (generated: {built['seconds'] or 'nothing'})")
    if args.generate_only:
        return
    wanted = [w.strip().casefold() for w in args.only.split(",") if w.strip()]
    plan = [s for s in scenarios(url) if not wanted or any(w in s[0] for w in wanted)]
    client_counts = [int(c) for c in args.clients.split(",")]
    log = args.out.parent / f"load-server-{engine_name}.log"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    with serving(url, workers=args.workers, log=log) as base:
        cookies, headers = credentials(url, base)
        for clients in client_counts:
            for name, path in plan:
                figures = asyncio.run(
                    hammer(
                        base,
                        path,
                        cookies=cookies,
                        headers=headers,
                        clients=clients,
                        seconds=args.seconds,
                    )
                )
                results.append({"scenario": name, "clients": clients, "path": path, **figures})
                write(args, engine_name, built, results)
                console.print(
                    f"{name} x{clients}: {figures['requests']} requests, p50 "
                    f"{figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
                    f"{figures['per_second']}/s, {figures['errors']} errors"
                )

    scale = ", ".join(f"{v:,} {k}" for k, v in built["after"].items())
    table = Table(title=f"Load: {scale}; {engine_name}, {args.workers} workers")
    columns = (
        "endpoint",
        "clients",
        "warm-up s",
        "requests",
        "p50 ms",
        "p95 ms",
        "req/s",
        "errors",
        "KB",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "endpoint" else "right")
    for r in results:
        table.add_row(
            r["scenario"],
            str(r["clients"]),
            f"{r['warm_up_ms'] / 1000:.1f}",
            str(r["requests"]),
            f"{r['p50_ms']:.1f}" if r["p50_ms"] is not None else "-",
            f"{r['p95_ms']:.1f}" if r["p95_ms"] is not None else "-",
            f"{r['per_second']:.1f}",
            str(r["errors"]),
            f"{r['kb']:.1f}",
        )
    console.print(table)
    console.print(f"Written to {args.out}")


if __name__ == "__main__":
    main()
