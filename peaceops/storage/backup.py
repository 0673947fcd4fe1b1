"""Backups of a PeaceOps database: one file, a manifest and the engine's own consistent copy.

A backup is an uncompressed tar archive holding ``manifest.json`` (engine, schema revision,
when, which PeaceOps, rows per table, size and SHA-256 of the payload) and the payload:

* SQLite: ``database.sqlite.gz``, made with ``VACUUM INTO``, which copies one read
  transaction's view of the database while the web server and imports go on writing (WAL),
  and leaves out free pages, so no deleted text travels with the copy;
* PostgreSQL: ``database.pgdump``, ``pg_dump --format=custom`` run under a snapshot exported
  from the transaction that also counted the rows and read the revision, so the manifest
  describes exactly what was dumped.

Personal fields are encrypted before they reach the database (``crypto.py``), so a backup
holds their ciphertext only; the data keys are not in it and must be kept apart.

Restoring reverses each: SQLite through the online backup API (one write transaction on the
target, so an interrupted restore leaves the target as it was), PostgreSQL with
``pg_restore --clean --if-exists --no-owner --single-transaction``. The rules around a
restore (empty target, schema revision, migrations, the audit entry) are the platform's.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from peaceops.errors import ConfigError, InputError
from peaceops.storage.migrate import MIGRATIONS
from peaceops.storage.tables import metadata

FORMAT = "peaceops-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PAYLOADS = {"sqlite": "database.sqlite.gz", "postgresql": "database.pgdump"}
CHUNK = 1 << 20
PG_TOOLS_FOLDER = Path("/usr/lib/postgresql")

Progress = Callable[[str, int, int | None], None]
"""``progress(stage, done, total)``: stages are named below; ``total`` None when unknown."""


def no_progress(stage: str, done: int, total: int | None) -> None:
    """The progress callback of callers that do not show one."""


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a backup holds, written beside the payload and checked before a restore."""

    engine: str
    revision: str | None
    created_at: str
    peaceops_version: str
    server_version: str
    tables: dict[str, int]
    payload: str
    payload_bytes: int
    sha256: str
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def parse(cls, raw: bytes, *, source: str) -> Manifest:
        """The manifest read from its JSON; an InputError naming the file and the field when
        it is not one PeaceOps wrote."""
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"the manifest is not JSON ({exc})", source=source) from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError("not a PeaceOps backup (no peaceops-backup manifest)", source=source)
        if data.get("format_version") != FORMAT_VERSION:
            raise InputError(
                f"backup format version {data.get('format_version')!r} is not one this "
                f"PeaceOps reads ({FORMAT_VERSION}): restore it with the PeaceOps that made it",
                source=source,
                field="format_version",
            )
        expected = {
            "engine": str,
            "created_at": str,
            "peaceops_version": str,
            "server_version": str,
            "tables": dict,
            "payload": str,
            "payload_bytes": int,
            "sha256": str,
        }
        for key, kind in expected.items():
            if not isinstance(data.get(key), kind):
                raise InputError("missing or of the wrong type", source=source, field=key)
        if data["engine"] not in PAYLOADS or data["payload"] != PAYLOADS[data["engine"]]:
            raise InputError(
                f"unknown engine or payload ({data['engine']!r}, {data['payload']!r})",
                source=source,
                field="engine",
            )
        if data.get("revision") is not None and not isinstance(data["revision"], str):
            raise InputError("must be text", source=source, field="revision")
        if not all(isinstance(k, str) and isinstance(v, int) for k, v in data["tables"].items()):
            raise InputError("row counts must be whole numbers", source=source, field="tables")
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


# Schema revisions -------------------------------------------------------------------------


def known_revision(revision: str | None) -> bool:
    """Whether this PeaceOps's migrations know ``revision`` (None, an empty database, is
    known): a backup of a newer schema cannot be restored by older code."""
    if revision is None:
        return True
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        return ScriptDirectory.from_config(config).get_revision(revision) is not None
    except CommandError:
        return False


def revision_of(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows in each PeaceOps table the database holds (older revisions hold fewer tables)."""
    present = set(inspect(conn).get_table_names())
    return {
        table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for table in metadata.sorted_tables
        if table.name in present
    }


def holds_data(engine: Engine) -> bool:
    """Whether any PeaceOps table of the database has a row (a migrated but empty database
    does not)."""
    with engine.connect() as conn:
        return any(table_counts(conn).values())


# Files ----------------------------------------------------------------------------------


class _Reader(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class _Writer(Protocol):
    def write(self, data: bytes, /) -> int: ...


def sha256_file(path: Path, *, stage: str, progress: Progress) -> str:
    digest = hashlib.sha256()
    total, done = path.stat().st_size, 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            done += len(chunk)
            progress(stage, done, total)
    return digest.hexdigest()


def _copy(
    reader: _Reader, writer: _Writer, *, stage: str, total: int | None, progress: Progress
) -> int:
    done = 0
    while chunk := reader.read(CHUNK):
        writer.write(chunk)
        done += len(chunk)
        progress(stage, done, total)
    return done


def write_archive(out: Path, manifest: Manifest, payload: Path) -> None:
    """Write the backup file: beside ``out`` first, renamed into place once complete, so an
    interrupted backup never leaves a file that looks whole."""
    partial = out.with_name(out.name + ".partial")
    body = json.dumps(manifest.as_dict(), indent=2, sort_keys=True).encode("utf-8")
    try:
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
            now = int(time.time())
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(body), 0o600, now
            archive.addfile(info, io.BytesIO(body))
            info = tarfile.TarInfo(manifest.payload)
            info.size, info.mode, info.mtime = payload.stat().st_size, 0o600, now
            with payload.open("rb") as fh:
                archive.addfile(info, fh)
        partial.chmod(0o600)
        with partial.open("rb") as fh:
            os.fsync(fh.fileno())
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)


def read_manifest(source: Path) -> Manifest:
    """The manifest of a backup file, without reading its payload."""
    name = str(source)
    try:
        with tarfile.open(source, "r:") as archive:
            member = archive.next()
            if member is None or member.name != MANIFEST or not member.isfile():
                raise InputError(f"not a PeaceOps backup (no {MANIFEST} first)", source=name)
            reader = archive.extractfile(member)
            assert reader is not None
            return Manifest.parse(reader.read(), source=name)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise InputError(
            f"not a readable backup file (truncated or damaged: {exc})", source=name
        ) from exc


def extract_payload(
    source: Path, folder: Path, *, progress: Progress = no_progress
) -> tuple[Manifest, Path]:
    """Check a backup file and copy its payload into ``folder``: the manifest must be one
    PeaceOps wrote and the payload must have the size and SHA-256 it records. Any damage is
    an InputError naming the file."""
    name = str(source)
    manifest = read_manifest(source)
    target = folder / manifest.payload
    try:
        with tarfile.open(source, "r:") as archive:
            member = next((m for m in archive if m.name == manifest.payload), None)
            if member is None or not member.isfile():
                raise InputError(f"the payload {manifest.payload} is missing", source=name)
            reader = archive.extractfile(member)
            assert reader is not None
            with target.open("wb") as fh:
                size = _copy(reader, fh, stage="extract", total=member.size, progress=progress)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise InputError(
            f"not a readable backup file (truncated or damaged: {exc})", source=name
        ) from exc
    if size != manifest.payload_bytes:
        raise InputError(
            f"the payload has {size} bytes, the manifest says {manifest.payload_bytes}: the "
            "file is truncated or damaged",
            source=name,
            field="payload_bytes",
        )
    if sha256_file(target, stage="verify", progress=progress) != manifest.sha256:
        raise InputError(
            "the payload does not match the SHA-256 of the manifest: the file is damaged",
            source=name,
            field="sha256",
        )
    return manifest, target


# SQLite ---------------------------------------------------------------------------------


def sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ConfigError("an in-memory SQLite database has nothing to back up or restore into")
    return Path(database).expanduser()


@contextmanager
def _sqlite(path: Path, *, readonly: bool = False) -> Iterator[sqlite3.Connection]:
    uri = f"{path.resolve().as_uri()}?mode=ro" if readonly else str(path)
    conn = sqlite3.connect(uri, uri=readonly, timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout=30000")
        yield conn
    finally:
        conn.close()


def snapshot_sqlite(
    url: str, folder: Path, *, progress: Progress = no_progress
) -> tuple[Path, dict[str, Any]]:
    """Copy the database with ``VACUUM INTO`` (one read transaction: writers go on), compress
    the copy and return the payload with what the manifest says of it."""
    source = sqlite_file(url)
    if not source.exists():
        raise ConfigError(f"SQLite database {source} does not exist")
    copy = folder / "database.sqlite"
    progress("snapshot", 0, None)
    with _sqlite(source) as conn:
        conn.execute("VACUUM INTO ?", (str(copy),))
        version = str(conn.execute("SELECT sqlite_version()").fetchone()[0])
    progress("snapshot", 1, 1)
    # Counted on the copy itself, so the manifest describes exactly what it holds.
    engine = create_engine(f"sqlite:///{copy}")
    try:
        with engine.connect() as conn:
            info = {"revision": revision_of(conn), "tables": table_counts(conn)}
    finally:
        engine.dispose()
    payload = folder / PAYLOADS["sqlite"]
    with copy.open("rb") as reader, gzip.open(payload, "wb", compresslevel=6) as writer:
        _copy(reader, writer, stage="compress", total=copy.stat().st_size, progress=progress)
    copy.unlink()
    return payload, {**info, "server_version": f"SQLite {version}"}


def restore_sqlite(payload: Path, url: str, *, progress: Progress = no_progress) -> None:
    """Write the backup over the database at ``url`` through SQLite's online backup API:
    the target is replaced in one write transaction, so readers never see half of it and an
    interrupted restore leaves it as it was."""
    plain = payload.with_suffix("")
    with gzip.open(payload, "rb") as reader, plain.open("wb") as writer:
        try:
            _copy(reader, writer, stage="extract", total=None, progress=progress)
        except (OSError, EOFError) as exc:
            raise InputError(f"the SQLite payload is not gzip data ({exc})") from exc
    target = sqlite_file(url)
    if not target.parent.is_dir():
        raise ConfigError(f"database folder {target.parent} does not exist")
    with _sqlite(plain, readonly=True) as source, _sqlite(target) as destination:
        try:
            source.backup(
                destination,
                pages=256,
                progress=lambda _status, remaining, total: progress(
                    "restore", total - remaining, total
                ),
            )
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"restoring into {target} failed: {exc}") from exc
        destination.execute("PRAGMA journal_mode=WAL")
    plain.unlink()


# PostgreSQL -----------------------------------------------------------------------------


def pg_tool(name: str, *, folder: Path | None = None) -> str:
    """The path of ``pg_dump`` or ``pg_restore``: in ``folder`` when the settings name one,
    else on PATH, else the newest under /usr/lib/postgresql (Debian's layout)."""
    if folder is not None:
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
        raise ConfigError(
            f"{name} not found in {folder} (PEACEOPS_PG_BIN): point it at the folder holding "
            "the PostgreSQL client programs"
        )
    found = shutil.which(name)
    if found:
        return found
    installed = sorted(
        PG_TOOLS_FOLDER.glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if installed:
        return str(installed[-1])
    raise ConfigError(
        f"{name} not found: install the PostgreSQL client programs matching the server "
        "(Debian: apt-get install postgresql-client-15) or set PEACEOPS_PG_BIN to their folder"
    )


def _pg_target(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for the programs, with the password passed in the
    environment rather than on a command line other users can read."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run_tool(
    command: list[str],
    env: dict[str, str],
    *,
    marker: str,
    stage: str,
    total: int,
    progress: Progress,
) -> None:
    """Run pg_dump or pg_restore with ``--verbose``, counting the tables it reports on
    stderr as progress; a failure is a ConfigError carrying what the program said."""
    lines: list[str] = []
    done = 0
    progress(stage, 0, total)
    with subprocess.Popen(  # noqa: S603 - a fixed program with arguments we built
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line.rstrip())
            if marker in line:
                done += 1
                progress(stage, min(done, total), total)
        code = process.wait()
    if code != 0:
        said = "\n".join(
            line for line in lines if "error" in line.lower() or "fatal" in line.lower()
        )
        raise ConfigError(
            f"{Path(command[0]).name} failed (exit {code}): "
            f"{said or (lines[-1] if lines else 'no message')}"
        )
    progress(stage, total, total)


def dump_postgres(
    engine: Engine, folder: Path, *, tools: Path | None = None, progress: Progress = no_progress
) -> tuple[Path, dict[str, Any]]:
    """``pg_dump --format=custom`` under a snapshot exported from the transaction that counts
    the rows and reads the revision: the dump and its manifest see the same database."""
    pg_dump = pg_tool("pg_dump", folder=tools)
    target, env = _pg_target(engine.url.render_as_string(hide_password=False))
    payload = folder / PAYLOADS["postgresql"]
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            info: dict[str, Any] = {"revision": revision_of(conn), "tables": table_counts(conn)}
            info["server_version"] = "PostgreSQL " + str(
                conn.execute(text("SHOW server_version")).scalar_one()
            )
            tables = len(inspect(conn).get_table_names())
            _run_tool(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-password",
                    "--verbose",
                    f"--snapshot={snapshot}",
                    f"--file={payload}",
                    f"--dbname={target}",
                ],
                env,
                marker="dumping contents of table",
                stage="dump",
                total=max(tables, 1),
                progress=progress,
            )
    return payload, info


def restore_postgres(
    payload: Path,
    engine: Engine,
    *,
    tables: int,
    drop: Sequence[str] = (),
    tools: Path | None = None,
    progress: Progress = no_progress,
) -> None:
    """``pg_restore --clean --if-exists --no-owner`` in one transaction: a failure or a kill
    leaves the database as it was. ``drop`` names tables the backup does not hold (a target
    at a newer revision) to drop first, so the migrations after the restore can create them."""
    pg_restore = pg_tool("pg_restore", folder=tools)
    target, env = _pg_target(engine.url.render_as_string(hide_password=False))
    if drop:
        with engine.begin() as conn:
            for name in drop:
                conn.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
    # Idle pooled connections hold no locks, but a clean slate avoids surprises.
    engine.dispose()
    _run_tool(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            "--verbose",
            f"--dbname={target}",
            str(payload),
        ],
        env,
        marker="processing data for table",
        stage="restore",
        total=max(tables, 1),
        progress=progress,
    )


def present_tables(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(inspect(conn).get_table_names())
