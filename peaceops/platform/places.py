"""Countries, admin areas, settlements: reference data, boundary import, point-in-area."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry
from shapely import STRtree
from shapely.geometry import Point, shape
from sqlalchemy import Engine

from peaceops.domain.access import Permission, Principal
from peaceops.domain.audit import AuditAction
from peaceops.domain.places import AdminArea, Country, Settlement
from peaceops.errors import InputError, Problem, RowErrors
from peaceops.ingest import geojson
from peaceops.platform.access import require
from peaceops.platform.unstorable import refuse_unstorable
from peaceops.storage import transaction
from peaceops.storage.repositories import audited
from peaceops.storage.repositories import places as repo


@dataclass(slots=True)
class ImportReport:
    """What an import did: counts by outcome, and warnings that did not stop it."""

    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    warnings: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "warnings": [str(w) for w in self.warnings],
        }


def reference_countries() -> list[Country]:
    """Every ISO 3166-1 country, from pycountry."""
    return [
        Country(
            iso3=c.alpha_3,
            iso2=c.alpha_2,
            numeric=int(c.numeric),
            name=getattr(c, "common_name", None) or c.name,
        )
        for c in pycountry.countries
    ]


class PlacesService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def countries(self, *, with_data_only: bool = False) -> list[Country]:
        with transaction(self._engine, write=False) as conn:
            return repo.list_countries(conn, with_data_only=with_data_only)

    def country(self, iso3: str) -> Country:
        with transaction(self._engine, write=False) as conn:
            return repo.get_country(conn, iso3)

    def add_country(self, country: Country, *, by: Principal) -> bool:
        require(by, Permission.EDIT_REFERENCE)
        with transaction(self._engine) as conn:
            return repo.upsert_country(conn, by, country)

    def load_reference_countries(self, *, by: Principal) -> int:
        require(by, Permission.EDIT_REFERENCE)
        with transaction(self._engine) as conn:
            added = repo.bulk_insert_countries(conn, reference_countries())
            if added:
                audited.record(
                    conn,
                    by,
                    AuditAction.IMPORT,
                    "countries",
                    None,
                    after={"source": "pycountry (ISO 3166-1)", "created": added},
                )
            return added

    def import_country_codes(self, source: Path, *, by: Principal) -> ImportReport:
        """Gleditsch-Ward codes from a GW-to-ISO crosswalk CSV (``gwcode``, ``iso1al3``).

        UCDP uses the Gleditsch-Ward number as its ``country_id``, so both are set.
        """
        require(by, Permission.IMPORT_DATA)
        report = ImportReport(source=source.name)
        text = source.read_text(encoding="utf-8-sig")
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        columns = set(reader.fieldnames or [])
        gw_col = next((c for c in ("gwcode", "gwno", "gw_code") if c in columns), None)
        iso_col = next((c for c in ("iso1al3", "iso3", "iso_a3") if c in columns), None)
        if gw_col is None or iso_col is None:
            raise InputError(
                "expected columns gwcode and iso1al3 (or gwno/gw_code and iso3)",
                source=source.name,
                line=1,
            )
        problems: list[Problem] = []
        pairs: list[tuple[str, int]] = []
        for line, row in enumerate(reader, start=2):
            iso3 = (row.get(iso_col) or "").strip().upper()
            try:
                gw = int((row.get(gw_col) or "").strip())
            except ValueError:
                problems.append(
                    Problem("not a whole number", source=source.name, line=line, field=gw_col)
                )
                continue
            if not iso3:
                report.skipped += 1
                continue
            pairs.append((iso3, gw))
        if problems:
            raise RowErrors(problems, source=source.name)
        with transaction(self._engine) as conn:
            for iso3, gw in pairs:
                existing = repo.find_country(conn, iso3)
                if existing is None:
                    report.skipped += 1
                    report.warnings.append(
                        Problem(
                            f"{iso3} is not an ISO 3166 country; skipped",
                            source=source.name,
                            field=iso_col,
                        )
                    )
                    continue
                updated = Country(
                    iso3=existing.iso3,
                    name=existing.name,
                    iso2=existing.iso2,
                    numeric=existing.numeric,
                    gw_code=gw,
                    ucdp_id=gw,
                    fictional=existing.fictional,
                )
                if repo.upsert_country(conn, by, updated):
                    report.updated += 1
                else:
                    report.unchanged += 1
        return report

    def admin_areas(
        self, iso3: str, *, level: int | None = None, with_geometry: bool = True
    ) -> list[AdminArea]:
        with transaction(self._engine, write=False) as conn:
            repo.get_country(conn, iso3)
            return repo.list_admin_areas(conn, iso3, level=level, with_geometry=with_geometry)

    def admin_area(self, area_id: int) -> AdminArea:
        with transaction(self._engine, write=False) as conn:
            return repo.get_admin_area(conn, area_id)

    def settlements(self, iso3: str) -> list[Settlement]:
        with transaction(self._engine, write=False) as conn:
            return repo.list_settlements(conn, iso3)

    @refuse_unstorable
    def import_boundaries(
        self,
        source: Path,
        *,
        level: int,
        by: Principal,
        country: str | None = None,
        name_field: str | None = None,
        code_field: str | None = None,
        parent_field: str | None = None,
        country_field: str | None = None,
    ) -> ImportReport:
        """Import one level of admin areas from GeoJSON, all or nothing.

        Areas are matched on (country, code): a second import of the same file changes nothing;
        a corrected file updates what changed.
        """
        require(by, Permission.IMPORT_DATA)
        read = geojson.read_boundaries(
            source,
            level=level,
            country=country,
            name_field=name_field,
            code_field=code_field,
            parent_field=parent_field,
            country_field=country_field,
        )
        report = ImportReport(
            source=read.source, skipped=read.skipped_other_countries, warnings=list(read.warnings)
        )
        with transaction(self._engine) as conn:
            countries_in_file = sorted({a.country_iso3 for a in read.areas})
            for iso3 in countries_in_file:
                if repo.find_country(conn, iso3) is None:
                    raise InputError(
                        f"country {iso3} is not in the database (run 'peaceops init' first, or "
                        "add the country)",
                        source=read.source,
                        field=read.fields.country or "--country",
                    )
            parents: dict[tuple[str, str], int] = {}
            for iso3 in countries_in_file:
                for pcode, area_id in repo.area_ids_by_pcode(conn, iso3).items():
                    parents[(iso3, pcode)] = area_id
            problems = []
            for area, bbox in zip(read.areas, read.bboxes, strict=True):
                parent_id = None
                if area.parent_pcode:
                    parent_id = parents.get((area.country_iso3, area.parent_pcode))
                    if parent_id is None:
                        problems.append(
                            Problem(
                                f"parent area {area.parent_pcode!r} is not in the database; import "
                                f"level {level - 1} first",
                                source=read.source,
                                item=f"{area.name} ({area.pcode})",
                                field=read.fields.parent,
                            )
                        )
                        continue
                outcome = repo.upsert_admin_area(conn, by, area, bbox=bbox, parent_id=parent_id)
                setattr(report, outcome, getattr(report, outcome) + 1)
            if problems:
                raise RowErrors(problems, source=read.source)
            if report.created or report.updated:
                audited.record(
                    conn,
                    by,
                    AuditAction.IMPORT,
                    "admin_areas",
                    None,
                    after={**report.as_dict(), "level": level},
                )
        return report

    def export_boundaries(self, iso3: str, *, level: int | None = None) -> dict[str, Any]:
        return geojson.feature_collection(self.admin_areas(iso3, level=level))

    def locator(self, iso3: str, *, level: int) -> AreaLocator:
        return AreaLocator(self.admin_areas(iso3, level=level))

    def create_settlements(self, rows: list[Settlement], *, by: Principal) -> int:
        require(by, Permission.EDIT_REFERENCE)
        with transaction(self._engine) as conn:
            ids: dict[str, int] = {}
            for iso3 in {s.country_iso3 for s in rows}:
                ids.update(repo.area_ids_by_pcode(conn, iso3))
            return repo.create_settlements(conn, by, rows, ids)


class AreaLocator:
    """Point-in-area lookups against a set of admin areas (an STR-tree over shapely shapes)."""

    def __init__(self, areas: list[AdminArea]) -> None:
        self._areas = areas
        self._shapes = [shape(a.geometry) for a in areas]
        self._tree = STRtree(self._shapes)

    def locate(self, lon: float, lat: float) -> AdminArea | None:
        """The area containing the point (on a shared border, the first one found)."""
        point = Point(lon, lat)
        for index in self._tree.query(point, predicate="intersects"):
            return self._areas[int(index)]
        return None
