"""Backup and restore on both engines: the demo round-trips, personal fields travel as
ciphertext only, damaged files are refused by name, and a backup taken while another thread
writes restores into a consistent database."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tarfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

import peaceops
from conftest import (
    SYSTEM,
    TestDatabase,
    create_pg_database,
    drop_pg_database,
)
from peaceops.domain.access import Principal, Role
from peaceops.domain.actors import Actor, ActorCategory, OrganisationType
from peaceops.errors import ConfigError, ConflictError, InputError, PermissionDenied
from peaceops.platform.backup import BackupService
from peaceops.services.cli.app import app
from peaceops.storage import backup as store
from peaceops.storage import current_revision, head_revision, make_engine
from peaceops.storage.crypto import FieldCipher
from peaceops.storage.migrate import downgrade
from peaceops.storage.tables import audit_log, complaints, trainees

runner = CliRunner()
HANDLER = Principal("case.handler", Role.CASE_HANDLER)


@pytest.fixture
def fresh(
    db: TestDatabase, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[TestDatabase]:
    """An empty database (no schema) on the engine of ``db``, to restore into."""
    if db.engine == "sqlite":
        target = TestDatabase("sqlite", f"sqlite:///{tmp_path / 'restored.db'}")
        yield target
        target.close()
        return
    server = request.getfixturevalue("postgres_server")
    name = f"peaceops_r_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    target = TestDatabase("postgresql", create_pg_database(server, name))
    yield target
    target.close()
    drop_pg_database(server, name)


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = store.table_counts(conn)
    engine.dispose()
    return found


def plain_payload(path: Path, manifest: store.Manifest, folder: Path) -> bytes:
    """The payload as stored data, decompressed (gzip for SQLite; pg_dump's custom format
    compresses its data, so it is turned into the SQL script pg_restore would run)."""
    _, payload = store.extract_payload(path, folder)
    if manifest.engine == "sqlite":
        return gzip.decompress(payload.read_bytes())
    return subprocess.run(
        [store.pg_tool("pg_restore"), "--file=-", str(payload)], check=True, capture_output=True
    ).stdout


def test_the_demo_round_trips_with_personal_fields_as_ciphertext(
    db: TestDatabase, fresh: TestDatabase, tmp_path: Path
) -> None:
    source = db.platform
    before = counts(db.url)
    report = source.backups.create(tmp_path / "demo.backup", by=SYSTEM)
    manifest = report.manifest
    assert report.path.exists() and manifest.engine == db.engine
    assert manifest.revision == head_revision() and manifest.tables == before
    assert manifest.peaceops_version == peaceops.__version__
    assert manifest.tables["trainees"] > 100 and manifest.tables["complaints"] > 100

    # Who is in the data: names and contacts, decrypted with the installation's keys.
    cipher = FieldCipher(db.settings().data_keys())
    with source.engine.connect() as conn:
        tokens = [
            *conn.execute(select(trainees.c.name_encrypted).limit(5)).scalars(),
            *conn.execute(
                select(complaints.c.complainant_encrypted)
                .where(complaints.c.complainant_encrypted.is_not(None))
                .limit(5)
            ).scalars(),
        ]
    secrets = [cipher.decrypt(t) for t in tokens]
    names = [s if not s.startswith("{") else json.loads(s)["name"] for s in secrets]
    assert len(names) == 10 and all(len(n) > 4 for n in names)
    stored = plain_payload(report.path, manifest, tmp_path)
    assert tokens[0].encode() in stored  # the payload was read as data: its ciphertext is there
    assert not [n for n in names if n.encode() in stored]
    assert not [n for n in names if n.encode() in report.path.read_bytes()]

    restored = fresh.platform.backups.restore(report.path, by=SYSTEM)
    assert restored.revision == head_revision() and not restored.migrated
    assert restored.keys_open_personal_data is True
    after = counts(fresh.url)
    assert {t: n for t, n in after.items() if t != "audit_log"} == {
        t: n for t, n in before.items() if t != "audit_log"
    }
    assert after["audit_log"] == before["audit_log"] + 1  # the restore's own entry

    # The audit chain: the same entries, then the restore, and it verifies end to end.
    with source.engine.connect() as conn:
        old = conn.execute(select(audit_log.c.id, audit_log.c.hash).order_by(audit_log.c.id))
        old_chain = [tuple(r) for r in old][: before["audit_log"]]
    with fresh.platform.engine.connect() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings().all()
    assert [(r["id"], r["hash"]) for r in rows[:-1]] == old_chain
    assert rows[-1]["entity"] == "database" and rows[-1]["action"] == "import"
    assert rows[-1]["after"]["restored_from"] == "demo.backup"
    assert fresh.platform.audit.verify(by=SYSTEM)["broken_at"] is None
    # Personal fields decrypt through the services, as they did before.
    with fresh.platform.engine.connect() as conn:
        case_id = conn.execute(
            select(complaints.c.id)
            .where(complaints.c.complainant_encrypted.is_not(None))
            .order_by(complaints.c.id)
            .limit(1)
        ).scalar_one()
    case = fresh.platform.complaints.case(case_id, by=HANDLER)
    original = source.complaints.case(case_id, by=HANDLER)
    assert case.complaint.complainant is not None
    assert case.complaint.complainant == original.complaint.complainant
    assert case.complaint.description == original.complaint.description

    # The backup itself is in the source's log: a full copy of every record was taken.
    entries, _ = source.audit.entries(by=SYSTEM, entity="database")
    assert len(entries) == 1
    assert entries[0].action.value == "read" and entries[0].after["backup"] == "demo.backup"


def test_damaged_files_are_refused_naming_the_file(db: TestDatabase, tmp_path: Path) -> None:
    report = db.platform.backups.create(tmp_path, by=SYSTEM)
    whole = report.path.read_bytes()
    assert report.path.parent == tmp_path and report.path.name.startswith("peaceops-")

    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(whole[: len(whole) // 2])
    flipped = tmp_path / "flipped.backup"
    damaged = bytearray(whole)
    damaged[len(whole) // 2] ^= 0xFF
    flipped.write_bytes(bytes(damaged))
    garbage = tmp_path / "notes.backup"
    garbage.write_text("not a backup at all\n")
    for path, why in (
        (truncated, "truncated"),
        (flipped, "SHA-256"),
        (garbage, "not a readable backup"),
    ):
        with pytest.raises(InputError, match=why) as caught:
            db.platform.backups.restore(path, by=SYSTEM, force=True)
        assert str(path) in str(caught.value)
    # Nothing was written: the database still holds the demo, its chain intact.
    assert counts(db.url)["trainees"] == report.manifest.tables["trainees"]
    assert db.platform.audit.verify(by=SYSTEM)["broken_at"] is None


def rewritten(path: Path, out: Path, **changes: object) -> Path:
    """The backup with its manifest changed (the payload and its checksum kept)."""
    with tarfile.open(path) as archive:
        manifest = json.loads(archive.extractfile(store.MANIFEST).read())  # type: ignore[union-attr]
        payload = out.parent / manifest["payload"]
        payload.write_bytes(archive.extractfile(manifest["payload"]).read())  # type: ignore[union-attr]
    manifest.update(changes)
    store.write_archive(out, store.Manifest(**manifest), payload)
    return out


def test_restore_refuses_newer_schemas_other_engines_and_databases_with_data(
    db: TestDatabase, tmp_path: Path
) -> None:
    report = db.platform.backups.create(tmp_path / "demo.backup", by=SYSTEM)
    newer = rewritten(report.path, tmp_path / "newer.backup", revision="9999")
    with pytest.raises(InputError, match="newer than this PeaceOps knows") as caught:
        db.platform.backups.restore(newer, by=SYSTEM, force=True)
    assert caught.value.problem.field == "revision" and str(newer) in str(caught.value)
    other = "postgresql" if db.engine == "sqlite" else "sqlite"
    foreign = rewritten(
        report.path, tmp_path / "foreign.backup", engine=other, payload=store.PAYLOADS[other]
    )
    with pytest.raises(InputError, match=f"backup of a {other} database"):
        db.platform.backups.restore(foreign, by=SYSTEM, force=True)
    with pytest.raises(ConflictError, match="--force"):
        db.platform.backups.restore(report.path, by=SYSTEM)
    with pytest.raises(PermissionDenied):
        db.platform.backups.create(tmp_path, by=Principal("analyst", Role.ANALYST))
    with pytest.raises(PermissionDenied):
        db.platform.backups.restore(report.path, by=Principal("analyst", Role.ANALYST))

    # Replacing the data: what was added since the backup is gone, the rest is back.
    db.platform.actors.create(
        Actor("Added after the backup", ActorCategory.RESEARCH, OrganisationType.ACADEMIC),
        by=SYSTEM,
    )
    restored = db.platform.backups.restore(report.path, by=SYSTEM, force=True)
    assert not restored.migrated
    assert counts(db.url)["actors"] == report.manifest.tables["actors"]
    assert db.platform.audit.verify(by=SYSTEM)["broken_at"] is None


def test_an_older_backup_is_migrated_after_the_restore(
    db: TestDatabase, fresh: TestDatabase, tmp_path: Path
) -> None:
    downgrade(db.platform.engine, "0011")
    report = db.platform.backups.create(tmp_path / "old.backup", by=SYSTEM)
    assert report.manifest.revision == "0011" and "benchmark_sets" in report.manifest.tables
    restored = fresh.platform.backups.restore(report.path, by=SYSTEM)
    assert restored.migrated and restored.revision == head_revision()
    after = counts(fresh.url)
    assert {t: after[t] for t in report.manifest.tables if t != "audit_log"} == {
        t: n for t, n in report.manifest.tables.items() if t != "audit_log"
    }
    # Migration 0012 chained the restored entries; the restore's entry follows them.
    assert fresh.platform.audit.verify(by=SYSTEM)["broken_at"] is None
    assert after["audit_log"] == report.manifest.tables["audit_log"] + 1


def test_a_backup_taken_while_another_thread_writes_is_consistent(
    db: TestDatabase, fresh: TestDatabase, tmp_path: Path
) -> None:
    platform = db.platform
    stop = threading.Event()
    written: list[int] = []
    failures: list[BaseException] = []

    def write() -> None:
        try:
            while not stop.is_set():
                actor = Actor(
                    f"Writer {len(written)}", ActorCategory.RESEARCH, OrganisationType.ACADEMIC
                )
                written.append(platform.actors.create(actor, by=SYSTEM).id or 0)
        except BaseException as exc:  # surfaced in the test thread below
            failures.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 5 and not failures:
            stop.wait(0.01)
        started = len(written)
        reports = [
            platform.backups.create(tmp_path / f"busy{i}.backup", by=SYSTEM) for i in range(3)
        ]
        during = len(written) - started
    finally:
        stop.set()
        writer.join()
    assert not failures
    assert during > 0, "the writer wrote nothing while the backups ran"
    seen = [r.manifest.tables["actors"] for r in reports]
    assert seen == sorted(seen)
    # Each backup restores whole: the rows its manifest counted, a chain that verifies.
    for report in (reports[0], reports[-1]):
        fresh.platform.backups.restore(report.path, by=SYSTEM, force=True)
        assert fresh.platform.audit.verify(by=SYSTEM)["broken_at"] is None
        restored = counts(fresh.url)
        assert restored["actors"] == report.manifest.tables["actors"]
        if db.engine == "sqlite":
            path = store.sqlite_file(fresh.url)
            with sqlite3.connect(path) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
                assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_postgres_programs_missing_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError, match="PEACEOPS_PG_BIN"):
        store.pg_tool("pg_dump", folder=tmp_path)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(store, "PG_TOOLS_FOLDER", tmp_path)
    with pytest.raises(ConfigError, match="postgresql-client"):
        store.pg_tool("pg_restore")
    (tmp_path / "14" / "bin").mkdir(parents=True)
    (tmp_path / "16" / "bin").mkdir(parents=True)
    for version in ("14", "16"):
        tool = tmp_path / version / "bin" / "pg_restore"
        tool.write_text("#!/bin/sh\n")
        tool.chmod(0o755)
    assert store.pg_tool("pg_restore") == str(tmp_path / "16" / "bin" / "pg_restore")
    # A program that fails: its own words reach the ConfigError.
    failing = tmp_path / "16" / "bin" / "pg_restore"
    failing.write_text(
        "#!/bin/sh\necho 'pg_restore: processing data for table \"public.x\"' >&2\n"
        "echo 'pg_restore: error: aborting because of server version mismatch' >&2\nexit 1\n"
    )
    seen: list[tuple[str, int, int | None]] = []
    with pytest.raises(ConfigError, match="server version mismatch") as caught:
        store._run_tool(
            [str(failing)],
            dict(os.environ),
            marker="processing data for table",
            stage="restore",
            total=3,
            progress=lambda *step: seen.append(step),
        )
    assert "exit 1" in str(caught.value) and ("restore", 1, 3) in seen


def cli(url: str, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--database-url", url, *args])


def test_cli_backup_check_and_restore(
    db: TestDatabase, fresh: TestDatabase, tmp_path: Path
) -> None:
    made = cli(db.url, "backup", str(tmp_path), "--json")
    assert made.exit_code == 0, made.output
    data = json.loads(made.stdout)
    path = Path(data["path"])
    assert path.parent == tmp_path and data["engine"] == db.engine and data["bytes"] > 10_000

    checked = cli(fresh.url, "restore", str(path), "--check")
    assert checked.exit_code == 0, checked.output
    assert (
        "checksum verified" in checked.stdout and current_revision(make_engine(fresh.url)) is None
    )  # checking wrote nothing

    done = cli(fresh.url, "restore", str(path), "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["rows"] == sum(data["tables"].values())
    assert cli(fresh.url, "audit", "verify").exit_code == 0

    again = cli(fresh.url, "restore", str(path))
    assert again.exit_code == 6 and "--force" in again.output
    assert cli(fresh.url, "restore", str(path), "--force").exit_code == 0

    broken = tmp_path / "broken.backup"
    broken.write_bytes(path.read_bytes()[:5000])
    refused = cli(fresh.url, "restore", str(broken), "--force")
    assert refused.exit_code == 3 and str(broken) in refused.output


RESTORE_SLOWLY = """
import sys, time
from pathlib import Path
from peaceops.storage.backup import restore_sqlite

def progress(stage, done, total):
    if stage == "restore":
        print(done, total, flush=True)
        time.sleep(0.3)

restore_sqlite(Path(sys.argv[1]), sys.argv[2], progress=progress)
"""


def test_an_interrupted_sqlite_restore_leaves_the_database_as_it_was(
    tmp_path: Path, demo_templates: dict[str, str]
) -> None:
    """SQLite's backup API writes the target in one transaction: killed between two steps
    of the copy, the restore leaves the target whole and unchanged."""
    source, target = tmp_path / "source.db", tmp_path / "target.db"
    shutil.copyfile(demo_templates["sqlite"], source)
    shutil.copyfile(demo_templates["sqlite"], target)
    made = TestDatabase("sqlite", f"sqlite:///{source}")
    report = made.platform.backups.create(tmp_path / "demo.backup", by=SYSTEM)
    made.close()
    kept = TestDatabase("sqlite", f"sqlite:///{target}")
    kept.platform.actors.create(
        Actor("Only in the target", ActorCategory.RESEARCH, OrganisationType.ACADEMIC), by=SYSTEM
    )
    before = counts(kept.url)
    kept.close()
    folder = tmp_path / "payload"
    folder.mkdir()
    _, payload = store.extract_payload(report.path, folder)

    process = subprocess.Popen(
        [sys.executable, "-c", RESTORE_SLOWLY, str(payload), kept.url],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for step, line in enumerate(process.stdout, start=1):
        done, total = map(int, line.split())
        if 0 < done < total and step >= 2:
            process.kill()
            break
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the restore ended before it was killed"

    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert counts(kept.url) == before
    assert kept.platform.audit.verify(by=SYSTEM)["broken_at"] is None
    kept.close()


def test_where_a_backup_goes(db: TestDatabase, tmp_path: Path) -> None:
    """A folder (existing, or a new name without an extension) gets a timestamped file; a
    file name is used as given; nothing goes into a folder that does not exist."""
    service = db.platform.backups
    assert service.default_path(tmp_path).parent == tmp_path
    made = service.default_path(tmp_path / "nightly")
    assert made.parent == tmp_path / "nightly" and made.parent.is_dir()
    assert made.name.startswith(f"peaceops-{db.engine}-") and made.suffix == ".backup"
    assert service.default_path(tmp_path / "today.backup") == tmp_path / "today.backup"
    with pytest.raises(InputError, match="does not exist"):
        service.default_path(tmp_path / "missing" / "today.backup")
    with pytest.raises(InputError, match="does not exist"):
        service.default_path(tmp_path / "missing" / "nightly")
    settings = db.settings(data_dir=tmp_path / "data")
    default = BackupService(settings, db.platform.engine).default_path()
    assert default.parent == tmp_path / "data" / "backups" and default.parent.is_dir()
