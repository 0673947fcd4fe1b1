"""External context: governance indices (WGI, WJP, BTI, V-Dem, FSI) as country-year series.

These values are shown beside the platform's own institutional assessments, always with their
source; they are imported from the publishers' files and never edited by hand.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from peaceops.domain.access import Permission, Principal
from peaceops.domain.audit import AuditAction
from peaceops.domain.context import CONTEXT_SOURCES, ContextValue
from peaceops.errors import InputError, Problem
from peaceops.ingest import governance
from peaceops.platform.access import require
from peaceops.platform.places import ImportReport
from peaceops.platform.unstorable import refuse_unstorable
from peaceops.storage import transaction
from peaceops.storage.repositories import audited
from peaceops.storage.repositories import context as repo
from peaceops.storage.repositories import places as places_repo

BATCH = 5000


@dataclass(slots=True)
class IndicesReport(ImportReport):
    """An ``ImportReport`` counted in values, with the missing (NA) cells and, for a folder,
    one report per file.

    ``skipped`` counts values not imported because of a problem (each is named in
    ``warnings``); ``missing`` counts empty or NA cells, which are not errors.
    """

    index: str | None = None
    missing: int = 0
    rows: int = 0
    seconds: float = 0.0
    files: list[IndicesReport] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = ImportReport.as_dict(self)
        data["index"] = self.index
        data["missing"] = self.missing
        data["rows"] = self.rows
        data["seconds"] = round(self.seconds, 2)
        if self.files:
            data["files"] = [
                {k: v for k, v in part.as_dict().items() if k != "warnings"}
                | {"warnings": len(part.warnings)}
                for part in self.files
            ]
        return data


class ContextService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @refuse_unstorable
    def import_indices(
        self,
        path: Path | str,
        *,
        by: Principal,
        progress: Callable[[int], None] | None = None,
    ) -> IndicesReport:
        """Import a governance index file, or every recognised CSV under a folder.

        Each file imports in one transaction, keyed by source, indicator, country and year:
        importing the same file again changes nothing, and a corrected file rewrites only the
        values that changed. Problems (a value that is not a number, an impossible year, a
        country that cannot be mapped or is not in the countries table) are reported with
        file, line and column, and the good rows still import. Each file that changes
        anything leaves one audit entry with its counts. In a folder, CSV files that are no
        governance index file are skipped with a warning, and so is a file that cannot be
        read at all; ``progress`` gets the rows read so far.
        """
        require(by, Permission.IMPORT_DATA)
        target = Path(path)
        if target.is_file():
            return self._import_file(target, governance.detect(target), by=by, progress=progress)
        if not target.is_dir():
            raise InputError("no such file or folder", source=str(target))
        files, warnings = governance.find_files(target)
        report = IndicesReport(source=target.name or str(target))
        report.warnings.extend(warnings)
        if not files:
            report.warnings.append(
                Problem(
                    "no governance index file (WGI, WJP, BTI, V-Dem, FSI) in this folder",
                    source=target.name or str(target),
                )
            )
        done = 0
        for file, kind in files:

            def step(rows: int, offset: int = done) -> None:
                if progress:
                    progress(offset + rows)

            try:
                part = self._import_file(file, kind, by=by, progress=step)
            except InputError as exc:
                where = exc.problem
                report.warnings.append(
                    Problem(
                        f"nothing imported from this file: {where.message}",
                        source=file.name,
                        line=where.line,
                        field=where.field,
                    )
                )
                continue
            done += part.rows
            report.files.append(part)
        for part in report.files:
            report.created += part.created
            report.updated += part.updated
            report.unchanged += part.unchanged
            report.skipped += part.skipped
            report.missing += part.missing
            report.rows += part.rows
            report.seconds += part.seconds
            report.warnings.extend(part.warnings)
        return report

    def _import_file(
        self,
        path: Path,
        kind: str,
        *,
        by: Principal,
        progress: Callable[[int], None] | None,
    ) -> IndicesReport:
        started = time.perf_counter()
        report = IndicesReport(source=path.name, index=kind)
        stats = governance.ReadStats()
        with transaction(self._engine) as conn:
            known = repo.country_codes(conn)
            stored = repo.existing_values(conn, kind)
            batch: list[ContextValue] = []
            changed: list[tuple[int, ContextValue]] = []
            items = governance.read_indices(path, known=known, kind=kind, stats=stats)
            for item in items:
                if progress and stats.rows % 1000 == 0:
                    progress(stats.rows)
                if isinstance(item, Problem):
                    report.warnings.append(item)
                    continue
                before = stored.get(item.key)
                if before is None:
                    batch.append(item)
                    report.created += 1
                    if len(batch) >= BATCH:
                        repo.insert_values(conn, batch)
                        batch = []
                elif before.same_as(item):
                    report.unchanged += 1
                else:
                    changed.append((before.row_id, item))
                    report.updated += 1
            repo.insert_values(conn, batch)
            repo.update_values(conn, changed)
            report.skipped = stats.skipped
            report.missing = stats.missing
            report.rows = stats.rows
            if progress:
                progress(stats.rows)
            if report.created or report.updated:
                summary = report.as_dict()
                summary["warnings"] = len(report.warnings)
                del summary["seconds"]
                audited.record(conn, by, AuditAction.IMPORT, "context_values", kind, after=summary)
        report.seconds = time.perf_counter() - started
        return report

    def series(
        self, country_iso3: str, *, sources: Iterable[str] | None = None
    ) -> list[ContextValue]:
        """A country's external index values, by source, indicator and year.

        Raises ``NotFound`` for an unknown country and ``InputError`` for an unknown source.
        """
        chosen = None if sources is None else sorted(set(sources))
        if chosen:
            unknown = [s for s in chosen if s not in CONTEXT_SOURCES]
            if unknown:
                raise InputError(
                    f"unknown source {', '.join(unknown)}; known: {', '.join(CONTEXT_SOURCES)}",
                    field="source",
                )
        with transaction(self._engine, write=False) as conn:
            country = places_repo.get_country(conn, country_iso3.upper())
            return repo.series(conn, country.iso3, chosen or None)

    def sources(self, country_iso3: str) -> list[str]:
        """The sources holding values for a country."""
        with transaction(self._engine, write=False) as conn:
            country = places_repo.get_country(conn, country_iso3.upper())
            return repo.sources_for(conn, country.iso3)
