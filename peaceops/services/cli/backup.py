"""``peaceops backup`` and ``peaceops restore``: the whole database to one file and back."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from peaceops.services.cli.context import console, print_json, reporting_errors, state

if TYPE_CHECKING:
    from peaceops.platform import Platform

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
STAGES = {
    "snapshot": "Copying the database",
    "compress": "Compressing",
    "dump": "Dumping tables (pg_dump)",
    "checksum": "Computing the checksum",
    "extract": "Reading the backup",
    "verify": "Verifying the checksum",
    "restore": "Restoring",
    "migrate": "Migrating to the current schema",
}


@contextmanager
def _bars(*, quiet: bool) -> Iterator[Any]:
    """A progress bar per stage, as ``progress(stage, done, total)``."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        console=console,
        transient=True,
        disable=quiet,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(STAGES.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield progress


@contextmanager
def _platform(ctx: typer.Context) -> Iterator[Platform]:
    """The platform at whatever schema revision the database is: a backup is worth taking
    before an upgrade, and a restore may go into an empty database."""
    from peaceops.platform import Platform

    platform = Platform(state(ctx).settings)
    try:
        yield platform
    finally:
        platform.close()


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


def backup(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Argument(
            help="Folder to write a timestamped peaceops-ENGINE-TIME.backup in (created when "
            "its name has no extension), or a file name (default: PEACEOPS_DATA_DIR/backups/).",
            show_default=False,
        ),
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """Write a consistent copy of the database to one file while it stays in use.

    SQLite is copied with VACUUM INTO, PostgreSQL with pg_dump (see PEACEOPS_PG_BIN). The
    file holds a manifest (engine, schema revision, time, rows per table, SHA-256) and
    personal fields as ciphertext only: keep PEACEOPS_DATA_KEY (or PEACEOPS_SECRET_KEY) apart
    from it, since a restore needs the same keys to read them.
    """
    from peaceops.domain.access import Principal

    by = Principal.system(f"cli:{getpass.getuser()}")
    with reporting_errors(), _platform(ctx) as platform, _bars(quiet=json_output) as progress:
        report = platform.backups.create(out, by=by, progress=progress)
    data = report.as_dict()
    if json_output:
        print_json(data)
        return
    console.print(
        f"Backup written: {data['path']} ({_size(data['bytes'])}, {data['engine']}, schema "
        f"revision {data['revision']}, {report.manifest.rows} rows in {len(data['tables'])} "
        f"tables, {data['seconds']:.1f} s).",
        markup=False,
        soft_wrap=True,
    )
    console.print(f"SHA-256 of the payload: {data['sha256']}", markup=False)


def restore(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="Backup file written by 'peaceops backup'.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace a database that holds data (it is lost)."),
    ] = False,
    check: Annotated[
        bool,
        typer.Option("--check", help="Only verify the file and show its manifest."),
    ] = False,
    json_output: JsonOpt = False,
) -> None:
    """Restore a backup into the database, then migrate it to the current schema.

    The file is verified first (manifest, size, SHA-256). The database must be empty unless
    --force; a backup from a newer PeaceOps schema, or of the other engine, is refused. The
    restore is one transaction: interrupted, it leaves the database as it was. Stop the web
    server while restoring. Personal fields open only with the data keys of the backup's
    installation.
    """
    from peaceops.domain.access import Principal

    by = Principal.system(f"cli:{getpass.getuser()}")
    if check:
        with reporting_errors(), _platform(ctx) as platform:
            manifest = platform.backups.check(file, by=by)
        if json_output:
            print_json(manifest.as_dict())
        else:
            console.print(
                f"{file}: a whole {manifest.engine} backup of schema revision "
                f"{manifest.revision}, made {manifest.created_at} by PeaceOps "
                f"{manifest.peaceops_version} ({manifest.server_version}); "
                f"{manifest.rows} rows in {len(manifest.tables)} tables; checksum verified.",
                markup=False,
                soft_wrap=True,
            )
        return
    with reporting_errors(), _platform(ctx) as platform, _bars(quiet=json_output) as progress:
        report = platform.backups.restore(file, by=by, force=force, progress=progress)
    data = report.as_dict()
    if json_output:
        print_json(data)
        return
    migrated = " and migrated" if data["migrated"] else ""
    console.print(
        f"Restored{migrated}: {data['rows']} rows in {len(data['tables'])} tables from a backup "
        f"made {data['backup_created_at']}; the database is at schema revision "
        f"{data['revision']} ({data['seconds']:.1f} s).",
        markup=False,
        soft_wrap=True,
    )
    if data["keys_open_personal_data"] is False:
        console.print(
            "Warning: the configured data keys do not decrypt the restored personal fields; "
            "set PEACEOPS_DATA_KEY (or PEACEOPS_SECRET_KEY) to the keys of the installation "
            "the backup came from.",
            style="yellow",
            markup=False,
            soft_wrap=True,
        )
