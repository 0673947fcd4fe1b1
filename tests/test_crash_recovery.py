"""SIGKILL in the middle of each long import and of a forecast run, on both engines.

Each job runs the real command line (``python -m peaceops --database-url URL ...``) in a
subprocess against a copy of the demo database, is killed once it is demonstrably mid-way,
and then:

* SQLite passes ``PRAGMA integrity_check``; both engines hold the state before the job
  (each import writes in one transaction) or the resumable partial state the job documents:
  ``docs ingest`` commits each document with its passages, and ``import submissions`` with
  ``--start``/``--end`` saves the wave before importing into it;
* ``peaceops audit verify`` passes;
* the same command, run again, completes and leaves every table with the counts an
  uninterrupted run leaves on another copy of the demo.

"Mid-way" is observed, never guessed from a sleep: the job holds an open write transaction
that has written (PostgreSQL: a backend of the database with a transaction id; SQLite: the
write lock is taken) on several polls in a row, or it has committed some of its documents.
A forecast writes its summary in a short transaction at the end: on PostgreSQL the test
holds the audit chain's advisory lock so the run waits inside that transaction, its rows
written, until it is killed; on SQLite the kill follows the first sight of the write lock,
and a run that finishes first is tried again on the restored copy. A job that finishes
before it could be killed fails the test rather than passing it.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import Connection, create_engine, text
from typer.testing import CliRunner

from conftest import SYSTEM, TestDatabase, create_pg_database, drop_pg_database
from peaceops.config import Settings
from peaceops.domain.incidents import Incident, IncidentType
from peaceops.ingest.incidents import LogEntry, write_log
from peaceops.ingest.submissions_write import write_kobo_csv
from peaceops.platform import Platform
from peaceops.scenario.carana import DEFAULT_SEED, ISO3, build_carana
from peaceops.scenario.perception import build_perception_waves
from peaceops.services.cli.app import app
from peaceops.storage import make_engine
from peaceops.storage.backup import sqlite_file, table_counts
from peaceops.storage.repositories.audited import CHAIN_LOCK

runner = CliRunner()
GED_ROWS = 12_000
IATI_COPIES = 12  # of the demo's 39 activities
DOCUMENTS = 30
SUBMISSION_COPIES = 12  # of the demo's first wave (716 submissions): the bulk insert is the
# only write window on PostgreSQL, and 4 copies (2,840 rows) once closed before 5 polls saw it
INCIDENTS = 600
POLL = 0.02
IN_A_ROW = 5  # polls a write transaction must be seen open before the kill
PATIENCE = 300.0  # seconds a job may take to reach the point where it is killed


# Inputs ---------------------------------------------------------------------------------


def write_ged(path: Path) -> Path:
    """A synthetic UCDP GED file of ``GED_ROWS`` events (the columns the reader needs)."""
    rng = random.Random(1)
    lines = ["id,type_of_violence,date_start,date_end,best,low,high,latitude,longitude,country_id"]
    for i in range(GED_ROWS):
        day = date(2015, 1, 1) + timedelta(days=rng.randrange(3000))
        best = rng.randrange(0, 30)
        lines.append(
            f"{900_000 + i},{rng.choice((1, 2, 3))},{day},{day},{best},{best},{best + 3},"
            f"{rng.uniform(-20, -5):.4f},{rng.uniform(10, 30):.4f},482"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_iati(platform: Platform, folder: Path) -> Path:
    """The demo's activities exported as IATI XML, repeated under new identifiers."""
    exported = folder / "demo-activities.xml"
    platform.coordination.export_iati(exported, activities=platform.coordination.activities())
    tree = etree.parse(str(exported))
    root = tree.getroot()
    originals = root.findall("iati-activity")
    for activity in originals:
        root.remove(activity)
    for copy in range(IATI_COPIES):
        for activity in originals:
            clone = etree.fromstring(etree.tostring(activity))
            identifier = clone.find("iati-identifier")
            assert identifier is not None
            identifier.text = f"{identifier.text}-copy{copy}"
            root.append(clone)
    path = folder / "activities.xml"
    tree.write(str(path), xml_declaration=True, encoding="utf-8")
    return path


def write_documents(folder: Path) -> Path:
    """``DOCUMENTS`` notes of a dozen numbered paragraphs each, all different."""
    folder.mkdir()
    rng = random.Random(2)
    words = [
        *("police", "court", "prison", "justice", "reform", "security", "sector", "training"),
        *("vetting", "mission", "Carana", "district", "region", "oversight", "rights"),
        *("detention", "handover", "patrol", "registry"),
    ]
    for i in range(DOCUMENTS):
        paragraphs = [
            f"{n}. " + " ".join(rng.choice(words) for _ in range(80)) + "." for n in range(1, 13)
        ]
        body = f"UNMICA lessons note {i}\n\n" + "\n\n".join(paragraphs) + "\n"
        (folder / f"note-{i:03d}.txt").write_text(body, encoding="utf-8")
    return folder


def write_submissions(platform: Platform, folder: Path) -> Path:
    """The demo survey's first wave, several times over under new submission ids."""
    form = platform.surveys.survey("carana_perception").form
    wave = build_perception_waves(build_carana(DEFAULT_SEED), seed=DEFAULT_SEED)[0]
    subs = [
        replace(s, uuid=f"extra-{copy}-{i}")
        for copy in range(SUBMISSION_COPIES)
        for i, s in enumerate(wave.submissions)
    ]
    return write_kobo_csv(subs, form, folder / "submissions.csv")


def write_incidents(platform: Platform, folder: Path) -> Path:
    """``INCIDENTS`` reports at the demo's incident points, each with its own reference."""
    points = [(i.lon, i.lat) for i in platform.incidents.list(by=SYSTEM) if i.lon is not None]
    rng = random.Random(3)
    kinds = [IncidentType.STATE_BASED, IncidentType.ATTACK_ON_POLICE, IncidentType.PROTEST]
    entries = []
    for i in range(INCIDENTS):
        lon, lat = rng.choice(points)
        incident = Incident(
            type=rng.choice(kinds),
            date=date(2025, 1, 1) + timedelta(days=rng.randrange(500)),
            country_iso3=ISO3,
            lon=lon,
            lat=lat,
            fatalities_low=0,
            fatalities_best=1,
            fatalities_high=2,
            narrative=f"Synthetic report {i}",
            reference=f"SYN-{i}",
        )
        entries.append(LogEntry(incident))
    return write_log(folder / "incidents.csv", entries)


@pytest.fixture(scope="module")
def inputs(
    tmp_path_factory: pytest.TempPathFactory, demo_templates: dict[str, str]
) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("crash-inputs")
    copy = folder / "demo.db"
    copy.write_bytes(Path(demo_templates["sqlite"]).read_bytes())
    platform = Platform(Settings(database_url=f"sqlite:///{copy}"))
    try:
        return {
            "ged": write_ged(folder / "GEDEvent_v25_1.csv"),
            "iati": write_iati(platform, folder),
            "docs": write_documents(folder / "notes"),
            "submissions": write_submissions(platform, folder),
            "incidents": write_incidents(platform, folder),
        }
    finally:
        platform.close()


# Jobs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    name: str
    args: tuple[str, ...]
    partial: frozenset[str] = frozenset()
    """Tables whose rows a killed run may leave, as the job documents (checked apart)."""


JOBS = [
    Job("ucdp-ged", ("import", "ucdp-ged", "{ged}", "--json")),
    Job("iati", ("import", "iati", "{iati}", "--json")),
    Job(
        "documents",
        ("docs", "ingest", "{docs}", "--no-embed", "--json"),
        partial=frozenset({"documents", "passages", "audit_log"}),
    ),
    Job(
        "submissions",
        (
            *("import", "submissions", "carana_perception", "{submissions}", "--wave", "Extra"),
            *("--start", "2026-01-01", "--end", "2026-01-31", "--json"),
        ),
        partial=frozenset({"survey_waves", "audit_log"}),
    ),
    Job("incidents", ("import", "incidents", "{incidents}", "--country", ISO3, "--json")),
    Job(
        "forecast",
        (
            *("forecast", "run", "--level", "pgm", "--country", ISO3, "--cutoff", "2026-09"),
            *("--steps", "36", "--model", "decay_conflictology", "--draws", "200"),
        ),
    ),
]


class Watch:
    """Looks at the database from outside the job: is a write transaction open, how many
    rows has it committed."""

    def __init__(self, db: TestDatabase) -> None:
        self.db = db
        self._sqlite: sqlite3.Connection | None = None
        self._conn: Connection | None = None
        if db.engine == "sqlite":
            self._sqlite = sqlite3.connect(sqlite_file(db.url), timeout=0, isolation_level=None)
        else:
            self._engine = create_engine(db.url, isolation_level="AUTOCOMMIT")
            self._conn = self._engine.connect()

    def writing(self, *, waiting_on_lock: bool = False) -> bool:
        """A job's write transaction is open (and, on PostgreSQL, has written a row; with
        ``waiting_on_lock``, it waits for an advisory lock)."""
        if self._sqlite is not None:
            try:
                self._sqlite.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc):
                    return True
                raise
            self._sqlite.execute("ROLLBACK")
            return False
        assert self._conn is not None
        wait = " AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
        found = self._conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
                + (wait if waiting_on_lock else "")
            )
        ).scalar_one()
        return bool(found)

    def count(self, table: str) -> int:
        query = f'SELECT count(*) FROM "{table}"'
        if self._sqlite is not None:
            return int(self._sqlite.execute(query).fetchone()[0])
        assert self._conn is not None
        return int(self._conn.execute(text(query)).scalar_one())

    def hold_chain_lock(self) -> None:
        assert self._conn is not None
        self._conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": CHAIN_LOCK})

    def release_chain_lock(self) -> None:
        assert self._conn is not None
        self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": CHAIN_LOCK})

    def others_gone(self) -> None:
        """Wait until the killed job's server process has noticed and rolled back."""
        if self._conn is None:
            return
        deadline = time.monotonic() + 60
        query = text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        while self._conn.execute(query).scalar_one():
            assert time.monotonic() < deadline, "the killed job's backend did not go away"
            time.sleep(POLL)

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        if self._conn is not None:
            self._conn.close()
            self._engine.dispose()


class FinishedFirst(Exception):
    """The job ended before it could be killed mid-way."""


def kill_mid_way(
    db: TestDatabase, args: list[str], folder: Path, *, ready: Callable[[], bool], in_a_row: int
) -> None:
    """Run the command line in a subprocess and SIGKILL it once ``ready()`` has held for
    ``in_a_row`` polls running; FinishedFirst if it ended before that."""
    log = folder / f"job-{uuid.uuid4().hex[:6]}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "peaceops", "--database-url", db.url, *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=folder,
        )
        try:
            seen, deadline = 0, time.monotonic() + PATIENCE
            while seen < in_a_row:
                if process.poll() is not None:
                    raise FinishedFirst(
                        f"exit {process.returncode}: {log.read_text(errors='replace')[-2000:]}"
                    )
                assert time.monotonic() < deadline, "the job never reached its write"
                seen = seen + 1 if ready() else 0
                if seen < in_a_row:
                    time.sleep(POLL if in_a_row > 1 else POLL / 4)
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait()
    assert process.returncode == -signal.SIGKILL, "the job was not killed while running"


@pytest.fixture
def reference(
    db: TestDatabase, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[TestDatabase]:
    """Another copy of the demo on the same engine, for the uninterrupted run."""
    templates: dict[str, str] = request.getfixturevalue("demo_templates")
    if db.engine == "sqlite":
        target = tmp_path / "reference.db"
        target.write_bytes(Path(templates["sqlite"]).read_bytes())
        database = TestDatabase("sqlite", f"sqlite:///{target}")
        yield database
        database.close()
        return
    server = request.getfixturevalue("postgres_server")
    name = f"peaceops_ref_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    database = TestDatabase(
        "postgresql", create_pg_database(server, name, template=templates["postgresql"])
    )
    yield database
    database.close()
    drop_pg_database(server, name)


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = table_counts(conn)
    engine.dispose()
    return found


def cli(url: str, args: list[str]):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--database-url", url, *args])


def check_documents(db: TestDatabase, before: dict[str, int], killed: dict[str, int]) -> None:
    """Committed one by one: some documents, each with every one of its passages."""
    assert before["documents"] < killed["documents"] < before["documents"] + DOCUMENTS
    engine = make_engine(db.url)
    with engine.connect() as conn:
        torn = conn.execute(
            text(
                "SELECT count(*) FROM documents d WHERE d.passage_count <> "
                "(SELECT count(*) FROM passages p WHERE p.document_id = d.id)"
            )
        ).scalar_one()
    engine.dispose()
    assert torn == 0, "a document was stored without all its passages"


@pytest.mark.parametrize("job", JOBS, ids=[j.name for j in JOBS])
def test_a_killed_job_leaves_a_consistent_database_and_reruns(
    job: Job, db: TestDatabase, reference: TestDatabase, inputs: dict[str, Path], tmp_path: Path
) -> None:
    args = [a.format(**{k: str(v) for k, v in inputs.items()}) for a in job.args]
    pg = db.engine == "postgresql"
    racy = job.name == "forecast" and not pg
    backup = db.platform.backups.create(tmp_path / "before.backup", by=SYSTEM) if racy else None
    db.close()  # the job gets the database to itself
    watch = Watch(db)
    try:
        for attempt in range(3 if racy else 1):
            before = counts(db.url)
            try:
                if job.name == "documents":
                    start = before["documents"]
                    kill_mid_way(
                        db,
                        args,
                        tmp_path,
                        ready=lambda start=start: watch.count("documents") >= start + 3,
                        in_a_row=1,
                    )
                elif job.name == "forecast" and pg:
                    watch.hold_chain_lock()
                    try:
                        kill_mid_way(
                            db,
                            args,
                            tmp_path,
                            ready=lambda: watch.writing(waiting_on_lock=True),
                            in_a_row=1,
                        )
                    finally:
                        watch.release_chain_lock()
                else:
                    kill_mid_way(
                        db,
                        args,
                        tmp_path,
                        ready=watch.writing,
                        in_a_row=1 if racy else IN_A_ROW,
                    )
                break
            except FinishedFirst as finished:
                if backup is None or attempt == 2:
                    pytest.fail(f"{job.name} finished before it could be killed: {finished}")
                restored = Platform(db.settings())
                restored.backups.restore(backup.path, by=SYSTEM, force=True)
                restored.close()
        watch.others_gone()
    finally:
        watch.close()

    if not pg:
        with sqlite3.connect(sqlite_file(db.url)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    killed = counts(db.url)
    uninterrupted = cli(reference.url, args)
    assert uninterrupted.exit_code == 0, uninterrupted.output
    whole = counts(reference.url)
    changed = {t for t in killed if killed[t] != before[t]}
    # Beyond the job's documented partial state, a table may have changed only when the kill
    # landed between the job's last commit and the process's exit (the watcher saw the
    # transaction open, it committed before the signal arrived); then it holds exactly what an
    # uninterrupted run stores, never part of it.
    late = changed - job.partial
    assert all(killed[t] == whole[t] for t in late), (
        f"rows left by the killed {job.name}: "
        f"{ {t: (before[t], killed[t], whole[t]) for t in late} }"
    )
    if job.name == "documents":
        check_documents(db, before, killed)
    if job.name == "submissions":
        assert killed["survey_waves"] == before["survey_waves"] + 1
        assert killed["survey_submissions"] in (
            before["survey_submissions"],
            whole["survey_submissions"],
        )
    verified = cli(db.url, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output

    rerun = cli(db.url, args)
    assert rerun.exit_code == 0, rerun.output
    after, expected = counts(db.url), counts(reference.url)
    if backup is not None:
        # The backup and any restore of the retries are entries of their own.
        after.pop("audit_log"), expected.pop("audit_log")
    assert after == expected
    assert cli(db.url, ["audit", "verify"]).exit_code == 0
    grown = {t for t in after if after[t] > before[t]}
    assert grown, f"the rerun of {job.name} stored nothing"
