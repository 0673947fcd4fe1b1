"""Concurrent writers through the real app: every accepted record stored once, none lost.

    python bench/concurrency.py [--records 10000] [--clients 50] [--workers 2]
                                [--engine sqlite|postgresql|both] [--postgres-url URL]
                                [--out bench/results/concurrency.json]

Loads the Carana demo into a fresh database (SQLite in a temporary folder; on PostgreSQL a
database ``peaceops_bench_concurrency`` made and dropped on the server of ``--postgres-url``),
serves it with ``peaceops serve --workers N`` in a subprocess, and lets ``--clients``
concurrent clients (httpx AsyncClient, one per client, each with its own cookies) send
``--records`` records: a third complaints from an SMS gateway through the API (a case
handler's token, the message id as ``external_id``), a third complaints through the public
form (no login, CSRF token, rate limit raised), a third incident reports through the API
(an analyst's token, with a ``reference``). One record in twenty is sent twice at once by two
clients (the gateway or reporter retrying); one in fifty is invalid and must be refused.
Each record carries a unique marker (in its id, reference or narrative), so that afterwards
the database can be checked: each accepted record stored exactly once, refused ones not at
all, the new rows as many as the accepted records, one audit ``create`` entry per new row,
and the audit chain intact. ``tests/test_concurrency.py`` runs the same code at a smaller
scale on both engines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform as host
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "peaceops_bench_concurrency"
REPEAT_EVERY = 20  # one record in twenty is sent twice at once
INVALID_EVERY = 50  # one record in fifty is invalid
KINDS = ("gateway", "public", "incident")
REFERENCE = re.compile(r"PO-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]")


@dataclass(frozen=True, slots=True)
class Job:
    """One request to send: a record of a kind, identified by its marker."""

    kind: str
    marker: str
    valid: bool = True


@dataclass(frozen=True, slots=True)
class Targets:
    """What valid records refer to, and the tokens that send them."""

    country: str
    area_ids: tuple[int, ...]
    handler_token: str
    analyst_token: str


@dataclass
class Outcome:
    """What the clients saw: the status of every request, by marker."""

    statuses: dict[str, list[int]] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)  # public form marker -> reference
    transport_errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def accepted(self, kind: str | None = None) -> set[str]:
        return {
            m
            for m, codes in self.statuses.items()
            if any(200 <= c < 300 for c in codes) and (kind is None or m.split("-")[2] == kind)
        }

    def by_status(self) -> dict[str, int]:
        counts = Counter(str(c) for codes in self.statuses.values() for c in codes)
        counts.update({f"transport: {k}": v for k, v in self.transport_errors.items()})
        return dict(sorted(counts.items()))


def plan(records: int, *, run: str, seed: int = 20) -> list[Job]:
    """``records`` jobs in a random order, a repeated job right after its first copy (so
    that two clients send it at nearly the same moment)."""
    rng = random.Random(seed)
    jobs: list[Job] = []
    for n in range(records):
        kind = KINDS[n % len(KINDS)]
        jobs.append(Job(kind, f"cc-{run}-{kind}-{n:06d}", valid=n % INVALID_EVERY != 7))
    rng.shuffle(jobs)
    out: list[Job] = []
    for n, job in enumerate(jobs):
        out.append(job)
        if n % REPEAT_EVERY == 3 and job.kind != "public" and job.valid:
            out.append(job)
    return out


def prepare(url: str) -> Targets:
    """Tokens for the demo's case handler and analyst, and the districts of the country."""
    from peaceops.config import Settings
    from peaceops.domain.access import Principal, TokenScope
    from peaceops.platform import Platform

    platform = Platform(Settings(database_url=url))  # type: ignore[arg-type]
    try:
        system = Principal.system("bench")
        users = {u.username: u for u in platform.accounts.list_users(by=system)}
        scopes = frozenset({TokenScope.READ, TokenScope.WRITE})
        tokens = {
            name: platform.accounts.create_token(
                "concurrency", by=system, user_id=users[name].id, scopes=scopes
            )
            for name in ("handler", "analyst")
        }
        areas = platform.places.admin_areas("XCA", level=2, with_geometry=False)
        return Targets(
            country="XCA",
            area_ids=tuple(a.id for a in areas if a.id is not None),
            handler_token=tokens["handler"].token,
            analyst_token=tokens["analyst"].token,
        )
    finally:
        platform.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(url: str, *, workers: int, log: Path) -> Iterator[str]:
    """``peaceops serve --workers N`` on a free port, its output in ``log``; yields the base
    URL. The public form's rate limit is raised: every client here shares one address."""
    import httpx

    port = free_port()
    env = {
        **os.environ,
        "PEACEOPS_DATABASE_URL": url,
        "PEACEOPS_COMPLAINT_INTAKE_PER_HOUR": "1000000",
    }
    command = [sys.executable, "-m", "peaceops", "serve", "--host", "127.0.0.1"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--port", str(port), "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the server stopped: {log.read_text(errors='replace')}")
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not answer within 90 s")
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def gateway_body(job: Job, targets: Targets, n: int) -> dict[str, Any]:
    return {
        "channel": "sms",
        "external_id": job.marker,
        "category": ("excessive_force", "extortion", "threats")[n % 3],
        "description": f"Message {job.marker}: officers at the checkpoint demanded money.",
        "country": targets.country,
        # A district that does not exist: the service refuses it inside its transaction.
        "admin_area_id": targets.area_ids[n % len(targets.area_ids)] if job.valid else 999_999,
    }


def incident_body(job: Job, targets: Targets, n: int) -> dict[str, Any]:
    day = date.today() - timedelta(days=1 + n % 300)
    return {
        "country": targets.country,
        "type": ("state_based", "one_sided", "attack_on_police")[n % 3],
        # A date to come is refused by the service.
        "date": (day if job.valid else date.today() + timedelta(days=30)).isoformat(),
        "admin_area_id": targets.area_ids[n % len(targets.area_ids)],
        "fatalities_best": n % 4,
        "narrative": f"Report {job.marker}.",
        "reference": job.marker,
    }


def public_form(job: Job, n: int, token: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "country": "XCA",
        "category": ("arbitrary_arrest", "property", "discrimination")[n % 3] if job.valid else "?",
        "description": f"Complaint {job.marker}: my brother was held three days without charge.",
        "confidentiality": "anonymous",
    }


async def drive(
    base: str, jobs: list[Job], *, targets: Targets, clients: int, guard_seconds: float = 1800
) -> Outcome:
    """Send every job from ``clients`` concurrent clients; fails (a deadlock, most likely)
    when the whole run has not finished within ``guard_seconds``."""
    import httpx

    outcome = Outcome()
    queue: asyncio.Queue[tuple[int, Job]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait((int(job.marker.rsplit("-", 1)[1]), job))

    async def one_client() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=300) as client:
            page = await client.get("/complain")
            found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert found, "the complaint form carries no CSRF token"
            csrf = found.group(1)
            while True:
                try:
                    n, job = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                try:
                    if job.kind == "gateway":
                        answer = await client.post(
                            "/api/v1/complaints",
                            json=gateway_body(job, targets, n),
                            headers={"Authorization": f"Bearer {targets.handler_token}"},
                        )
                    elif job.kind == "incident":
                        answer = await client.post(
                            "/api/v1/incidents",
                            json=incident_body(job, targets, n),
                            headers={"Authorization": f"Bearer {targets.analyst_token}"},
                        )
                    else:
                        answer = await client.post("/complain", data=public_form(job, n, csrf))
                        if answer.status_code == 200:
                            shown = REFERENCE.search(answer.text)
                            outcome.references[job.marker] = shown.group(0) if shown else "?"
                except httpx.HTTPError as exc:
                    outcome.transport_errors[type(exc).__name__] += 1
                    outcome.statuses.setdefault(job.marker, []).append(0)
                    continue
                outcome.statuses.setdefault(job.marker, []).append(answer.status_code)

    started = time.perf_counter()
    await asyncio.wait_for(
        asyncio.gather(*(one_client() for _ in range(clients))), timeout=guard_seconds
    )
    outcome.seconds = time.perf_counter() - started
    return outcome


@dataclass(frozen=True, slots=True)
class Baseline:
    """The last ids before the run: what is newer was written by it."""

    complaint_id: int
    incident_id: int
    audit_id: int


def baseline(url: str) -> Baseline:
    from sqlalchemy import func, select

    from peaceops.storage import make_engine
    from peaceops.storage.tables import audit_log, complaints, incidents

    engine = make_engine(url)
    with engine.connect() as conn:
        ids = [
            conn.execute(select(func.coalesce(func.max(t.c.id), 0))).scalar_one()
            for t in (complaints, incidents, audit_log)
        ]
    engine.dispose()
    return Baseline(*ids)


def check(url: str, jobs: list[Job], outcome: Outcome, before: Baseline) -> dict[str, Any]:
    """What the database holds after the run, against what the clients were told."""
    from sqlalchemy import func, select

    from peaceops.config import Settings
    from peaceops.domain.access import Principal
    from peaceops.platform import Platform
    from peaceops.storage.tables import audit_log, complaints, incidents

    platform = Platform(Settings(database_url=url))  # type: ignore[arg-type]
    system = Principal.system("bench")
    try:
        with platform.engine.connect() as conn:
            new_complaints = conn.execute(
                select(complaints.c.id, complaints.c.external_id, complaints.c.reference).where(
                    complaints.c.id > before.complaint_id
                )
            ).all()
            new_incidents = conn.execute(
                select(incidents.c.id, incidents.c.reference).where(
                    incidents.c.id > before.incident_id
                )
            ).all()
            creates = conn.execute(
                select(audit_log.c.entity, audit_log.c.entity_id, func.count())
                .where(
                    audit_log.c.id > before.audit_id,
                    audit_log.c.action == "create",
                    audit_log.c.entity.in_(("complaints", "incidents")),
                )
                .group_by(audit_log.c.entity, audit_log.c.entity_id)
            ).all()
        # The public form's records are found by the marker in their narrative, which is
        # stored encrypted: read the new cases through the platform.
        narratives = {
            c.complaint.id: c.complaint.description
            for c in platform.complaints.cases(by=system)
            if c.complaint.id is not None and c.complaint.id > before.complaint_id
        }
        chain = platform.audit.verify(by=system)
    finally:
        platform.close()

    marker = re.compile(r"cc-[0-9a-z]+-public-\d{6}")
    stored: Counter[str] = Counter()
    for row in new_complaints:
        if row.external_id:
            stored[row.external_id] += 1
        else:
            found = marker.search(narratives.get(row.id, ""))
            stored[found.group(0) if found else f"unmarked complaint {row.id}"] += 1
    for row in new_incidents:
        stored[row.reference or f"unmarked incident {row.id}"] += 1

    sent = {job.marker for job in jobs}
    accepted = outcome.accepted()
    refused = sent - accepted
    duplicates = sorted(m for m, k in stored.items() if k > 1)
    lost = sorted(m for m in accepted if stored[m] == 0)
    stored_refused = sorted(m for m in refused if stored[m] > 0)
    strays = sorted(m for m in stored if m not in sent)
    # A public-form record's reference, as shown to the person, is the one stored.
    by_reference = {row.reference: row.id for row in new_complaints}
    wrong_reference = sorted(
        m
        for m, ref in outcome.references.items()
        if narratives.get(by_reference.get(ref, -1), "").find(m) < 0
    )
    audit_counts = Counter({(e, int(i)): k for e, i, k in creates})
    rows = [("complaints", r.id) for r in new_complaints] + [
        ("incidents", r.id) for r in new_incidents
    ]
    rows_without_one_entry = [r for r in rows if audit_counts[r] != 1]
    entries_without_row = sorted(set(audit_counts) - set(rows))
    return {
        "records": len(sent),
        "requests": sum(len(v) for v in outcome.statuses.values()),
        "seconds": round(outcome.seconds, 1),
        "records_per_second": round(len(sent) / outcome.seconds, 1) if outcome.seconds else 0,
        "accepted": len(accepted),
        "accepted_by_kind": {k: len(outcome.accepted(k)) for k in KINDS},
        "refused": len(refused),
        "expected_refused": sum(1 for j in jobs if not j.valid),
        "stored": sum(stored.values()),
        "new_rows": len(new_complaints) + len(new_incidents),
        "duplicates": duplicates,
        "lost": lost,
        "refused_but_stored": stored_refused,
        "strays": strays,
        "wrong_reference": wrong_reference,
        "audit_creates": sum(audit_counts.values()),
        "rows_without_one_audit_entry": rows_without_one_entry[:20],
        "audit_entries_without_row": entries_without_row[:20],
        "audit_chain": chain,
        "status_counts": outcome.by_status(),
        "repeats_answered": Counter(
            "+".join(str(c) for c in sorted(codes))
            for codes in outcome.statuses.values()
            if len(codes) > 1
        ),
    }


def run(
    url: str, *, records: int, clients: int, workers: int, log: Path, run_id: str = "b"
) -> dict[str, Any]:
    """The whole check on a database holding the demo: serve, send, look."""
    targets = prepare(url)
    jobs = plan(records, run=run_id)
    before = baseline(url)
    with serving(url, workers=workers, log=log) as base:
        outcome = asyncio.run(drive(base, jobs, targets=targets, clients=clients))
    return check(url, jobs, outcome, before)


@contextmanager
def demo_database(engine: str, folder: Path, postgres_url: str) -> Iterator[str]:
    """A fresh database holding the demo, on the engine asked for."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from peaceops.config import Settings
    from peaceops.platform import Platform

    if engine == "sqlite":
        url = f"sqlite:///{folder / 'concurrency.db'}"
        admin = None
    else:
        admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
        url = make_url(postgres_url).set(database=DATABASE).render_as_string(hide_password=False)
    platform = Platform(Settings(database_url=url))  # type: ignore[arg-type]
    platform.load_demo()
    platform.close()
    try:
        yield url
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
            admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres-url", default=PG_URL)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "concurrency.json")
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    console = Console()
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    results: dict[str, dict[str, Any]] = {}
    for engine in engines:
        with (
            tempfile.TemporaryDirectory() as folder,
            demo_database(engine, Path(folder), args.postgres_url) as url,
        ):
            console.print(
                f"[bold]{engine}: {args.records:,} records from {args.clients} clients, "
                f"{args.workers} workers"
            )
            figures = run(
                url,
                records=args.records,
                clients=args.clients,
                workers=args.workers,
                log=Path(folder) / "server.log",
            )
            results[engine] = figures

    table = Table(title=f"Concurrent writers: {args.clients} clients, {args.workers} workers")
    columns = ("engine", "records", "requests", "s", "records/s", "accepted", "refused")
    more = ("stored", "duplicates", "lost", "audit creates", "chain")
    for column in (*columns, *more):
        table.add_column(column, justify="left" if column == "engine" else "right")
    for engine, r in results.items():
        table.add_row(
            engine,
            f"{r['records']:,}",
            f"{r['requests']:,}",
            f"{r['seconds']:.1f}",
            f"{r['records_per_second']:.1f}",
            f"{r['accepted']:,}",
            f"{r['refused']:,}",
            f"{r['stored']:,}",
            str(len(r["duplicates"])),
            str(len(r["lost"])),
            f"{r['audit_creates']:,}",
            "ok" if r["audit_chain"].get("broken_at") is None else "BROKEN",
        )
    console.print(table)
    for engine, r in results.items():
        answers = ", ".join(f"{k}: {v:,}" for k, v in r["status_counts"].items())
        console.print(f"{engine} answers by HTTP status: {answers}")
    report = {
        "benchmark": "concurrency",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "records": args.records,
        "clients": args.clients,
        "server": f"peaceops serve --workers {args.workers}, loopback",
        "python": sys.version.split()[0],
        "machine": f"{host.system()} {host.machine()}, {os.cpu_count()} CPUs",
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    console.print(f"Written to {args.out}")


if __name__ == "__main__":
    main()
