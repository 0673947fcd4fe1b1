"""Conflict events: UCDP GED imports (and, later, the mission's own incident reports)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from peaceops.domain.access import Permission, Principal
from peaceops.domain.audit import AuditAction
from peaceops.domain.events import Event, EventSource
from peaceops.errors import Problem
from peaceops.ingest import ucdp_ged
from peaceops.platform.access import require
from peaceops.platform.places import ImportReport
from peaceops.platform.unstorable import refuse_unstorable
from peaceops.storage import hold_lock, transaction
from peaceops.storage.repositories import audited
from peaceops.storage.repositories import events as repo

BATCH = 5000


class EventsService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @refuse_unstorable
    def import_ucdp_ged(
        self,
        source: Path,
        *,
        by: Principal,
        version: str | None = None,
        kind: EventSource = EventSource.UCDP_GED,
        progress: Callable[[int], None] | None = None,
    ) -> ImportReport:
        """Import a GED (or Candidate) file in one transaction, keyed by UCDP id and version.

        Bad rows are skipped and reported (line, id, field); the good ones import. Importing
        the same file again changes nothing; a corrected file updates the changed events. The
        import is audited as one entry with its counts (not one entry per event).
        """
        require(by, Permission.IMPORT_DATA)
        items = ucdp_ged.read_ged(source, version=version, kind=kind)
        return self._store(items, label=source.name, by=by, progress=progress)

    def add_events(self, items: Iterable[Event], *, label: str, by: Principal) -> ImportReport:
        """Store events made elsewhere (the demonstration scenario, an incident register)."""
        require(by, Permission.IMPORT_DATA)
        return self._store(items, label=label, by=by, progress=None)

    def _store(
        self,
        items: Iterable[Event | Problem],
        *,
        label: str,
        by: Principal,
        progress: Callable[[int], None] | None,
    ) -> ImportReport:
        report = ImportReport(source=label)
        batch: list[dict[str, Any]] = []
        seen: set[str] = set()
        with transaction(self._engine) as conn:
            # Imports match their rows against the stored events: one at a time, so that two
            # imports of the same file do not both insert an event (see hold_lock).
            hold_lock(conn, "events import")
            known: dict[str, tuple[int, str]] | None = None
            rows = 0
            for item in items:
                rows += 1
                if progress and rows % 1000 == 0:
                    progress(rows)
                if isinstance(item, Problem):
                    report.skipped += 1
                    report.warnings.append(item)
                    continue
                if known is None:
                    known = repo.existing_digests(conn, item.source.value, item.version)
                if item.source_id in seen:
                    report.skipped += 1
                    report.warnings.append(
                        Problem(
                            "the same id appears twice; the first is kept",
                            source=label,
                            item=f"id {item.source_id}",
                        )
                    )
                    continue
                seen.add(item.source_id)
                values = repo.values_of(item)
                if item.source_id in known:
                    row_id, digest = known[item.source_id]
                    if digest == values["digest"]:
                        report.unchanged += 1
                    else:
                        repo.update_event(conn, row_id, values)
                        report.updated += 1
                    continue
                batch.append(
                    {
                        "source": item.source.value,
                        "source_id": item.source_id,
                        "version": item.version,
                        **values,
                    }
                )
                report.created += 1
                if len(batch) >= BATCH:
                    repo.insert_events(conn, batch)
                    batch = []
            repo.insert_events(conn, batch)
            if progress:
                progress(rows)
            if report.created or report.updated:
                summary = report.as_dict()
                summary["warnings"] = len(report.warnings)
                audited.record(conn, by, AuditAction.IMPORT, "events", None, after=summary)
        return report

    def vintage(self) -> dict[str, Any]:
        with transaction(self._engine, write=False) as conn:
            return repo.vintage(conn)
