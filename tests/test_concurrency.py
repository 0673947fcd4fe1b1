"""Concurrent writers and concurrent imports, on both engines.

Fifty clients send complaints (through the API as an SMS gateway, and through the public
form) and incident reports to the real app served with several worker processes; afterwards
every accepted record is stored exactly once, refused ones not at all, each new row has one
audit entry and the audit chain holds. The driver is ``bench/concurrency.py``, which runs the
same code at full scale (10,000 records); here the count is ``PEACEOPS_CONCURRENCY_RECORDS``
(default 1,000, enough to keep fifty clients busy and have every write queue on the lock).
"""

from __future__ import annotations

import csv
import importlib.util
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from shapely.geometry import shape
from sqlalchemy import func, select

from conftest import SYSTEM, TestDatabase, shared_file
from peaceops.domain.access import Principal
from peaceops.platform import Platform
from peaceops.storage.tables import activities, audit_log, events, incidents

ROOT = Path(__file__).resolve().parents[1]
RECORDS = int(os.environ.get("PEACEOPS_CONCURRENCY_RECORDS", "1000"))
CLIENTS = 50
IMPORTERS = 4


def bench_module() -> ModuleType:
    """``bench/concurrency.py``, loaded as a module (bench/ is not a package)."""
    path = ROOT / "bench" / "concurrency.py"
    spec = importlib.util.spec_from_file_location("bench_concurrency", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_fifty_concurrent_writers_store_every_accepted_record_exactly_once(
    db: TestDatabase, tmp_path: Path
) -> None:
    bench = bench_module()
    workers = 2
    found = bench.run(
        db.url, records=RECORDS, clients=CLIENTS, workers=workers, log=tmp_path / "server.log"
    )
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert "Traceback" not in log, log[-4000:]
    # Each record was answered; the invalid ones (one in fifty) were refused with 422.
    assert found["records"] == RECORDS
    assert found["refused"] == found["expected_refused"] > 0
    assert set(found["status_counts"]) <= {"200", "201", "422"}, found["status_counts"]
    assert found["status_counts"]["422"] == found["expected_refused"]
    assert found["accepted"] == RECORDS - found["expected_refused"]
    assert min(found["accepted_by_kind"].values()) > 0
    # Stored exactly once, nothing lost, nothing refused kept, nothing unexpected written.
    assert found["duplicates"] == []
    assert found["lost"] == []
    assert found["refused_but_stored"] == []
    assert found["strays"] == []
    assert found["wrong_reference"] == []
    assert found["stored"] == found["new_rows"] == found["accepted"]
    # A record sent twice at once by two clients: created once, found the second time.
    assert found["repeats_answered"]
    assert set(found["repeats_answered"]) == {"200+201"}
    # One audit "create" per new row, and the chain intact.
    assert found["audit_creates"] == found["new_rows"]
    assert found["rows_without_one_audit_entry"] == []
    assert found["audit_entries_without_row"] == []
    assert found["audit_chain"]["broken_at"] is None, found["audit_chain"]


# Concurrent imports ---------------------------------------------------------------------------


def at_once(db: TestDatabase, work: Callable[[Platform], Any]) -> list[Any]:
    """Run ``work`` in ``IMPORTERS`` threads, each with its own platform (its own engine and
    connections, as separate processes would have), released together; their results, or
    the exceptions they raised."""
    barrier = threading.Barrier(IMPORTERS)
    results: list[Any] = [None] * IMPORTERS
    platforms = [Platform(db.settings()) for _ in range(IMPORTERS)]

    def one(k: int) -> None:
        barrier.wait()
        try:
            results[k] = work(platforms[k])
        except Exception as exc:  # the test reports it below
            results[k] = exc

    threads = [threading.Thread(target=one, args=(k,)) for k in range(IMPORTERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    for p in platforms:
        p.close()
    assert not any(t.is_alive() for t in threads), "an import did not finish (deadlock?)"
    failures = [r for r in results if isinstance(r, Exception)]
    assert not failures, failures
    return results


def count(db: TestDatabase, query: Any) -> int:
    with db.platform.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def incident_log(platform: Platform, path: Path, rows: int) -> Path:
    """An incident log of ``rows`` reports, each in a district of the demo's country."""
    districts = platform.places.admin_areas("XCA", level=2)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["reference", "date", "type", "lon", "lat", "fatalities_best"])
        for n in range(rows):
            x, y = shape(districts[n % len(districts)].geometry).representative_point().coords[0]
            writer.writerow([f"C-{n}", f"2025-0{1 + n % 9}-1{n % 10}", "one_sided", x, y, n % 3])
    return path


def test_concurrent_imports_of_the_same_incident_log_store_it_once(
    db: TestDatabase, tmp_path: Path
) -> None:
    path = incident_log(db.platform, tmp_path / "log.csv", 60)
    analyst = Principal.system("pytest")
    before = count(db, select(func.count()).select_from(incidents))
    reports = at_once(db, lambda p: p.incidents.import_log(path, country="XCA", by=analyst))
    assert count(db, select(func.count()).select_from(incidents)) == before + 60
    # One import created them all, the others found every report already there.
    assert sorted((r.created, r.unchanged) for r in reports) == [(0, 60)] * 3 + [(60, 0)]
    imports = select(func.count()).where(
        audit_log.c.entity == "incidents", audit_log.c.action == "import"
    )
    assert count(db, imports) == 1
    assert db.platform.audit.verify(by=SYSTEM)["broken_at"] is None


@pytest.mark.shared_data
def test_concurrent_imports_of_the_same_iati_file_store_each_activity_once(
    db: TestDatabase,
) -> None:
    path = shared_file("iati/activities/cafod_drc_2013-01-23_v1.00.xml")
    before = count(db, select(func.count()).select_from(activities))
    reports = at_once(db, lambda p: p.coordination.import_iati(path, by=SYSTEM))
    created = sum(r.created for r in reports)
    assert created > 0
    assert count(db, select(func.count()).select_from(activities)) == before + created
    assert sorted(r.created for r in reports) == [0, 0, 0, created]
    assert all(r.created + r.unchanged == created for r in reports)
    assert db.platform.audit.verify(by=SYSTEM)["broken_at"] is None


@pytest.mark.shared_data
def test_concurrent_imports_of_the_same_ged_file_store_each_event_once(db: TestDatabase) -> None:
    path = shared_file("ucdp/ged231_sample.csv")
    before = count(db, select(func.count()).select_from(events))
    reports = at_once(db, lambda p: p.events.import_ucdp_ged(path, by=SYSTEM))
    created = max(r.created for r in reports)
    assert created > 0
    assert count(db, select(func.count()).select_from(events)) == before + created
    assert sorted((r.created, r.unchanged) for r in reports) == [(0, created)] * 3 + [(created, 0)]
    assert db.platform.audit.verify(by=SYSTEM)["broken_at"] is None
