"""Backing up and restoring the whole database (administrators only).

The engine-specific copying is ``storage.backup``'s; this service holds the rules around it:
who may, where the file goes, that a restore goes only into an empty database unless told
to replace one, never from a schema newer than this code knows, that the restored rows are
the ones the manifest lists, that older backups are migrated up, and that both leave an
entry in the audit log (a backup is a full copy of every record, a restore replaces them).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from peaceops.config import Settings
from peaceops.domain.access import Permission, Principal
from peaceops.domain.audit import AuditAction
from peaceops.errors import ConfigError, ConflictError, InputError
from peaceops.platform.access import require
from peaceops.storage import backup as store
from peaceops.storage import current_revision, head_revision, transaction, upgrade
from peaceops.storage.crypto import FieldCipher
from peaceops.storage.repositories import audited
from peaceops.storage.tables import complaints, survey_submissions, trainees

# The personal fields a restore tries to open with the configured keys.
ENCRYPTED = (
    trainees.c.name_encrypted,
    complaints.c.complainant_encrypted,
    survey_submissions.c.personal_encrypted,
)


@dataclass(frozen=True, slots=True)
class BackupReport:
    path: Path
    manifest: store.Manifest
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "bytes": self.path.stat().st_size,
            "seconds": round(self.seconds, 2),
            **self.manifest.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class RestoreReport:
    source: Path
    manifest: store.Manifest
    revision: str | None
    """The database's schema revision after the restore (and the migrations it needed)."""
    migrated: bool
    keys_open_personal_data: bool | None
    """Whether the configured data keys decrypt the restored personal fields (None: none)."""
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "engine": self.manifest.engine,
            "backup_revision": self.manifest.revision,
            "backup_created_at": self.manifest.created_at,
            "revision": self.revision,
            "migrated": self.migrated,
            "tables": self.manifest.tables,
            "rows": self.manifest.rows,
            "keys_open_personal_data": self.keys_open_personal_data,
            "seconds": round(self.seconds, 2),
        }


def _version() -> str:
    """The installed PeaceOps's version, for the manifest (the package root is above the
    platform's layer, so it is read from the installed metadata)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("peaceops")
    except PackageNotFoundError:
        return "unknown"


class BackupService:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._settings = settings
        self._engine = engine

    @property
    def engine_name(self) -> str:
        return self._engine.dialect.name

    def default_path(self, out: Path | None = None) -> Path:
        """Where a backup goes: a timestamped file inside ``out`` when it is a folder (one
        that exists, or a name without an extension, created), ``out`` itself when it names
        a file, else inside ``PEACEOPS_DATA_DIR/backups``."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        name = f"peaceops-{self.engine_name}-{stamp}.backup"
        folder = self._settings.data_dir / "backups" if out is None else out
        if out is None or out.is_dir() or (not out.exists() and not out.suffix):
            if out is not None and not folder.parent.is_dir():
                raise InputError(f"folder {folder.parent} does not exist", source=str(folder))
            folder.mkdir(parents=True, exist_ok=True)
            return folder / name
        if not out.parent.is_dir():
            raise InputError(f"folder {out.parent} does not exist", source=str(out))
        return out

    def create(
        self, out: Path | None = None, *, by: Principal, progress: store.Progress | None = None
    ) -> BackupReport:
        """Write a consistent copy of the database to one file, while others go on using it.

        Any schema revision can be backed up (take one before ``peaceops db upgrade``). A
        backup holds every account and the whole audit log: administrators only.
        """
        require(by, Permission.MANAGE_USERS)
        started = time.perf_counter()
        path = self.default_path(out)
        report = progress or store.no_progress
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=".peaceops-backup-") as tmp:
            folder = Path(tmp)
            if self.engine_name == "sqlite":
                payload, info = store.snapshot_sqlite(
                    self._engine.url.render_as_string(hide_password=False),
                    folder,
                    progress=report,
                )
            else:
                payload, info = store.dump_postgres(
                    self._engine, folder, tools=self._settings.pg_bin, progress=report
                )
            manifest = store.Manifest(
                engine=self.engine_name,
                revision=info["revision"],
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                peaceops_version=_version(),
                server_version=info["server_version"],
                tables=info["tables"],
                payload=payload.name,
                payload_bytes=payload.stat().st_size,
                sha256=store.sha256_file(payload, stage="checksum", progress=report),
            )
            store.write_archive(path, manifest, payload)
        self._record(
            by,
            AuditAction.READ,
            {
                "backup": path.name,
                "sha256": manifest.sha256,
                "revision": manifest.revision,
                "rows": manifest.rows,
            },
        )
        return BackupReport(path, manifest, time.perf_counter() - started)

    def check(self, source: Path, *, by: Principal) -> store.Manifest:
        """Read and verify a backup file (manifest, size, SHA-256) without restoring it."""
        require(by, Permission.MANAGE_USERS)
        with tempfile.TemporaryDirectory(prefix=".peaceops-check-") as tmp:
            manifest, _ = store.extract_payload(source, Path(tmp))
        return manifest

    def restore(
        self,
        source: Path,
        *,
        by: Principal,
        force: bool = False,
        progress: store.Progress | None = None,
    ) -> RestoreReport:
        """Replace the database's content with a backup's.

        The backup is verified first (an InputError naming the file when it is damaged). It
        must come from the same engine and from a schema revision this code knows; the
        database must hold no data unless ``force``. The restored rows are checked against
        the manifest, an older schema is then migrated up, and an audit entry notes the
        restore. Stop the web server while restoring: its caches do not know the data changed.
        """
        require(by, Permission.MANAGE_USERS)
        started = time.perf_counter()
        name = str(source)
        report = progress or store.no_progress
        work = None
        if self.engine_name == "sqlite":
            work = store.sqlite_file(self._engine.url.render_as_string()).parent
            if not work.is_dir():
                raise ConfigError(f"database folder {work} does not exist")
        with tempfile.TemporaryDirectory(dir=work, prefix=".peaceops-restore-") as tmp:
            manifest, payload = store.extract_payload(source, Path(tmp), progress=report)
            if manifest.engine != self.engine_name:
                raise InputError(
                    f"a backup of a {manifest.engine} database cannot be restored into "
                    f"{self.engine_name}",
                    source=name,
                    field="engine",
                )
            if not store.known_revision(manifest.revision):
                raise InputError(
                    f"the backup's schema revision {manifest.revision} is newer than this "
                    f"PeaceOps knows (newest {head_revision()}): upgrade PeaceOps to restore it",
                    source=name,
                    field="revision",
                )
            if not force and store.holds_data(self._engine):
                raise ConflictError(
                    "the database holds data already: restore into an empty database, or "
                    "add --force to replace everything in it"
                )
            self._engine.dispose()
            if self.engine_name == "sqlite":
                store.restore_sqlite(
                    payload,
                    self._engine.url.render_as_string(hide_password=False),
                    progress=report,
                )
            else:
                extra = set(store.present_tables(self._engine)) - set(manifest.tables)
                store.restore_postgres(
                    payload,
                    self._engine,
                    tables=len(manifest.tables) + 1,
                    drop=sorted(extra - {"alembic_version"}),
                    tools=self._settings.pg_bin,
                    progress=report,
                )
        self._engine.dispose()
        self._check_rows(manifest, source=name)
        migrated = manifest.revision != head_revision()
        if migrated:
            report("migrate", 0, None)
            upgrade(self._engine)
            report("migrate", 1, 1)
        self._record(
            by,
            AuditAction.IMPORT,
            {
                "restored_from": source.name,
                "backup_created_at": manifest.created_at,
                "backup_revision": manifest.revision,
                "sha256": manifest.sha256,
                "rows": manifest.rows,
                "migrated": migrated,
            },
        )
        return RestoreReport(
            source,
            manifest,
            current_revision(self._engine),
            migrated,
            self._keys_open_personal_data(),
            time.perf_counter() - started,
        )

    def _check_rows(self, manifest: store.Manifest, *, source: str) -> None:
        """The restored database must hold the rows the manifest counted at backup time."""
        with self._engine.connect() as conn:
            found = store.table_counts(conn)
        wrong = {t: (found.get(t), n) for t, n in manifest.tables.items() if found.get(t) != n}
        if wrong:
            shown = ", ".join(f"{t}: {got} rows, manifest {n}" for t, (got, n) in wrong.items())
            raise InputError(
                f"the restored database does not hold what the backup lists ({shown})",
                source=source,
                field="tables",
            )

    def _record(self, by: Principal, action: AuditAction, after: dict[str, Any]) -> None:
        """An audit entry about the database as a whole, on a database at the current schema
        (an older one has no hash chain to join; its backup is still taken)."""
        if current_revision(self._engine) != head_revision():
            return
        with transaction(self._engine) as conn:
            audited.record(conn, by, action, "database", None, after=after)

    def _keys_open_personal_data(self) -> bool | None:
        """Whether the configured data keys decrypt a restored personal field: a restore
        with other keys succeeds, but leaves names and contacts unreadable."""
        cipher = FieldCipher(self._settings.data_keys())
        with transaction(self._engine, write=False) as conn:
            tokens = (
                conn.execute(select(column).where(column.is_not(None)).limit(1)).scalar()
                for column in ENCRYPTED
            )
            token = next((t for t in tokens if t is not None), None)
        if token is None:
            return None
        try:
            cipher.decrypt(str(token))
        except ConfigError:
            return False
        return True
