"""Results shared between the processes of a server: the duplicate search over a large
portfolio takes a minute, so the first app worker to need it computes it and stores it, and
the others (and the workers started after a restart) read it (on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, select

from conftest import SYSTEM, TestDatabase, police_training
from peaceops.analytics.coordination import duplicates
from peaceops.domain.coordination import Decision
from peaceops.platform import Platform
from peaceops.storage import transaction
from peaceops.storage.repositories import shared
from peaceops.storage.tables import shared_results


class Searches:
    """Counts the duplicate searches of every platform in this process."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, pause: float = 0.0) -> None:
        self.count = 0
        self._lock = threading.Lock()
        real = duplicates.find_duplicates

        def counted(*args: Any, **kwargs: Any) -> list[duplicates.DuplicatePair]:
            with self._lock:
                self.count += 1
            time.sleep(pause)  # long enough for another worker to ask meanwhile
            return real(*args, **kwargs)

        monkeypatch.setattr(duplicates, "find_duplicates", counted)


def test_every_demo_pair_reads_back_as_it_was_found(platform: Platform) -> None:
    platform.coordination.decide(
        *sorted(p.key for p in platform.coordination.duplicates())[0],
        Decision.CONFIRMED,
        by=SYSTEM,
    )
    pairs = platform.coordination.duplicates(threshold=0.0)
    assert len(pairs) >= 5 and any(p.decision for p in pairs)
    assert [duplicates.pair_from_json(duplicates.pair_to_json(p)) for p in pairs] == pairs


def test_a_second_worker_reads_the_first_workers_search(
    db: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    searches = Searches(monkeypatch)
    first = db.platform.coordination.duplicates(country="XCA")
    assert searches.count == 1 and first
    other = Platform(db.settings())  # another worker: nothing in its memory
    try:
        assert other.coordination.duplicates(country="XCA") == first
        assert searches.count == 1
        # A change to the activities is a new key: searched again, by whoever asks first.
        other.coordination.add_activities(
            [police_training("XX-S-1", "Donor"), police_training("XX-S-2", "NGO")],
            label="t",
            by=SYSTEM,
        )
        again = db.platform.coordination.duplicates(country="XCA")
        assert searches.count == 2
        assert ("XX-S-1", "XX-S-2") in {p.key for p in again}
        assert other.coordination.duplicates(country="XCA") == again
        assert searches.count == 2
    finally:
        other.close()


def test_workers_asking_together_wait_for_one_search(
    db: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.engine != "postgresql":
        pytest.skip("SQLite serves one process; only PostgreSQL makes workers wait")
    searches = Searches(monkeypatch, pause=1.0)
    workers = [Platform(db.settings()) for _ in range(3)]
    found: list[Any] = [None] * len(workers)

    def ask(n: int) -> None:
        found[n] = workers[n].coordination.duplicates(country="XCA")

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(len(workers))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for w in workers:
            w.close()
    assert searches.count == 1
    assert found[0] and found[1] == found[0] and found[2] == found[0]


def test_a_kind_keeps_its_latest_results_only(db: TestDatabase) -> None:
    engine = db.platform.engine
    for n in range(shared.KEEP + 3):
        key = shared.digest("test", ("version", n))
        assert shared.computed_once(engine, "test", key, partial(dict, n=n)) == {"n": n}
    with transaction(engine, write=False) as conn:
        kept = conn.execute(
            select(func.count()).select_from(shared_results).where(shared_results.c.kind == "test")
        ).scalar_one()
        latest = shared.read(conn, shared.digest("test", ("version", shared.KEEP + 2)))
        oldest = shared.read(conn, shared.digest("test", ("version", 0)))
    assert kept == shared.KEEP and latest == {"n": shared.KEEP + 2} and oldest is None
