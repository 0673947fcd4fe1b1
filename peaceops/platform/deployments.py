"""Peacekeeping deployments (Geo-PKO and the mission's own records) and the UN missions list:
where a mission is, with how many troops of which kinds, and how that changed year by year."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine

from peaceops.config import Settings
from peaceops.domain.access import Permission, Principal
from peaceops.domain.audit import AuditAction
from peaceops.domain.incidents import Deployment
from peaceops.domain.missions import Mission
from peaceops.errors import InputError, Problem
from peaceops.ingest import geopko
from peaceops.ingest.un_missions import MissionEntry, read_un_missions
from peaceops.platform.access import require
from peaceops.platform.missions import MissionsService
from peaceops.platform.places import AreaLocator, ImportReport
from peaceops.platform.unstorable import refuse_unstorable
from peaceops.storage import transaction
from peaceops.storage.repositories import audited, places
from peaceops.storage.repositories import deployments as repo

BATCH = 5000
BBox = tuple[float, float, float, float]


@dataclass(slots=True)
class DeploymentsReport(ImportReport):
    """An ``ImportReport`` of deployment records, with what reading the file found."""

    kind: str = ""
    rows: int = 0
    """Data rows read from the file."""
    records: int = 0
    """Records the rows gave (map files fold several rows of a year and place into one)."""
    filtered: int = 0
    """Rows of other missions or countries than asked for."""
    located: int = 0
    """Records placed in a stored admin area."""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        data = ImportReport.as_dict(self)
        data.update(
            kind=self.kind,
            rows=self.rows,
            records=self.records,
            filtered=self.filtered,
            located=self.located,
            seconds=round(self.seconds, 2),
        )
        return data


@dataclass(frozen=True, slots=True)
class MissionDeployments:
    """What is stored of one mission's deployments."""

    mission: str
    first_year: int
    last_year: int
    records: int
    places: int
    countries: tuple[str, ...] = ()


class YearPoint(NamedTuple):
    """One year of a mission: places deployed to and troops (see ``timeline``)."""

    year: int
    locations: int
    troops: int


@dataclass(slots=True)
class DeploymentView:
    """A mission's deployments for one year (its yearly records, else one month's)."""

    mission: str
    year: int | None
    month: int | None
    records: list[Deployment] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    months: list[int] = field(default_factory=list)
    """Months of the chosen year holding monthly records."""
    has_yearly: bool = False

    @property
    def troops(self) -> int:
        return sum(d.troops or 0 for d in self.records)

    @property
    def countries(self) -> list[str]:
        """Countries of the records, the most frequent first."""
        counts = Counter(d.country for d in self.records if d.country)
        return [c for c, _ in counts.most_common()]


def parse_bbox(text: str) -> BBox:
    """``minlon,minlat,maxlon,maxlat`` as four numbers; raises ``InputError`` otherwise.

    >>> parse_bbox("-25,-23,-22.5,-19")
    (-25.0, -23.0, -22.5, -19.0)
    """
    parts = [p.strip() for p in text.split(",")]
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise InputError(
            "bbox must be four numbers: minlon,minlat,maxlon,maxlat", field="bbox"
        ) from None
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise InputError(
            "bbox is off the Earth or upside down (minlat must not exceed maxlat)", field="bbox"
        )
    return west, south, east, north


class DeploymentsService:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._settings = settings
        self._engine = engine
        self._missions = MissionsService(engine)

    # Importing -----------------------------------------------------------------------------

    @refuse_unstorable
    def import_geopko(
        self,
        source: Path,
        *,
        by: Principal,
        mission: str | None = None,
        country: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> DeploymentsReport:
        """Import a Geo-PKO file (the location-month file, or a FrontMap with the TTMap and
        TCCMap beside it) or a folder of map files, in one transaction.

        Bad rows are reported by line and column and the rest import. Records are keyed by
        source, mission, year, month, place and coordinates: importing the same file again
        changes nothing; a corrected file updates what changed. Each record is placed in an
        admin area when that country's boundaries are stored. The import is audited as one
        entry with its counts.
        """
        require(by, Permission.IMPORT_DATA)
        started = time.perf_counter()
        stats = geopko.ReadStats()
        items = geopko.read_geopko(source, mission=mission, country=country, stats=stats)
        report = self._store(
            items, label=source.name, by=by, progress=progress, rows=lambda: stats.rows
        )
        report.kind = stats.kind
        report.rows = stats.rows
        report.filtered = stats.filtered
        report.seconds = time.perf_counter() - started
        return report

    def add_deployments(
        self, items: Iterable[Deployment], *, label: str, by: Principal
    ) -> DeploymentsReport:
        """Store records made elsewhere (the demonstration scenario, a mission's own plan)."""
        require(by, Permission.IMPORT_DATA)
        started = time.perf_counter()
        checked: list[Deployment | Problem] = []
        for d in items:
            problem = _problem(d, label)
            checked.append(problem or d)
        report = self._store(checked, label=label, by=by, progress=None, rows=None)
        report.kind = "records"
        report.rows = len(checked)
        report.seconds = time.perf_counter() - started
        return report

    def _store(
        self,
        items: Iterable[Deployment | Problem],
        *,
        label: str,
        by: Principal,
        progress: Callable[[int], None] | None,
        rows: Callable[[], int] | None,
    ) -> DeploymentsReport:
        report = DeploymentsReport(source=label)
        records: dict[repo.Key, Deployment] = {}
        for n, item in enumerate(items, start=1):
            if progress and n % 1000 == 0:
                progress(rows() if rows else n)
            if isinstance(item, Problem):
                report.skipped += 1
                report.warnings.append(item)
                continue
            key = repo.key_of(item)
            if key in records:
                report.skipped += 1
                report.warnings.append(
                    Problem(
                        "the same record appears twice; the first is kept",
                        source=label,
                        item=f"{item.mission} {item.year}-{item.month or 0} {item.location}",
                    )
                )
                continue
            records[key] = item
        report.records = len(records)
        with transaction(self._engine) as conn:
            locate = _Locator(conn, {d.country for d in records.values()})
            known = repo.existing(
                conn,
                sources={k[0] for k in records},
                missions={k[1] for k in records},
            )
            inserts: list[dict[str, Any]] = []
            updates: list[dict[str, Any]] = []
            for key, item in records.items():
                if item.admin_area_id is None:
                    area_id = locate(item.country, item.lon, item.lat)
                    if area_id is not None:
                        item = replace(item, admin_area_id=area_id)
                if item.admin_area_id is not None:
                    report.located += 1
                values = repo.values_of(item)
                if key in known:
                    row_id, stored = known[key]
                    if stored == values:
                        report.unchanged += 1
                    else:
                        updates.append({"row_id": row_id, **values})
                        report.updated += 1
                    continue
                inserts.append(repo.row_of(item))
                report.created += 1
                if len(inserts) >= BATCH:
                    repo.insert_rows(conn, inserts)
                    inserts = []
            repo.insert_rows(conn, inserts)
            for start in range(0, len(updates), BATCH):
                repo.update_rows(conn, updates[start : start + BATCH])
            if progress:
                progress(rows() if rows else len(records))
            if report.created or report.updated:
                summary = report.as_dict()
                summary["warnings"] = len(report.warnings)
                del summary["seconds"]
                audited.record(conn, by, AuditAction.IMPORT, "deployments", None, after=summary)
        return report

    def import_un_missions(
        self, source: Path, *, by: Principal, crosswalk: Path | None = None
    ) -> ImportReport:
        """Import the UN peacekeeping missions list (``DPPADPOSS-PKO.csv``), with host
        countries from the crosswalk workbook, through the missions service.

        Missions are matched on acronym: a stored mission is updated where the list differs
        (name, dates, countries; its mandates are kept) and left alone otherwise, so importing
        the list again changes nothing. Rows without a start date, and countries not in the
        database (run ``peaceops init``), are reported and left out.
        """
        require(by, Permission.IMPORT_DATA)
        report = ImportReport(source=source.name)
        entries: list[MissionEntry] = []
        for item in read_un_missions(source, crosswalk=crosswalk):
            if isinstance(item, Problem):
                report.warnings.append(item)
            else:
                entries.append(item)
        with transaction(self._engine, write=False) as conn:
            stored = {c.iso3 for c in places.list_countries(conn)}
        missions: list[Mission] = []
        for entry in entries:
            try:
                mission = entry.mission()
            except ValueError:
                report.skipped += 1  # reported by the reader already
                continue
            absent = [c for c in mission.countries if c not in stored]
            if absent:
                report.warnings.append(
                    Problem(
                        f"{', '.join(absent)} not in the countries table ('peaceops init' "
                        "loads the ISO 3166 countries; add others by hand); the mission is "
                        "stored without it",
                        source=source.name,
                        line=entry.line,
                        field="iso3c",
                        item=entry.acronym,
                    )
                )
                mission = replace(
                    mission, countries=tuple(c for c in mission.countries if c in stored)
                )
            missions.append(mission)
        for _, outcome in self._missions.save_all(missions, by=by):
            setattr(report, outcome, getattr(report, outcome) + 1)
        return report

    # Reading -------------------------------------------------------------------------------

    def deployments(
        self,
        *,
        mission: str | None = None,
        year: int | None = None,
        month: int | None = None,
        bbox: BBox | None = None,
        country: str | None = None,
    ) -> list[Deployment]:
        """Stored records matching every filter given. ``month`` 0 keeps the yearly records,
        1-12 that month's; None keeps both. ``bbox`` is (minlon, minlat, maxlon, maxlat)."""
        if month is not None and not 0 <= month <= 12:
            raise InputError("month must be 0 (yearly records) or 1 to 12", field="month")
        with transaction(self._engine, write=False) as conn:
            return repo.list_deployments(
                conn,
                mission=mission.strip().upper() if mission else None,
                year=year,
                month=month,
                bbox=bbox,
                country=country.strip().upper() if country else None,
            )

    def geojson(
        self,
        *,
        mission: str | None = None,
        year: int | None = None,
        month: int | None = None,
        bbox: BBox | None = None,
        country: str | None = None,
    ) -> dict[str, Any]:
        """The matching records as a GeoJSON FeatureCollection of points (the map layer)."""
        found = self.deployments(
            mission=mission, year=year, month=month, bbox=bbox, country=country
        )
        return feature_collection(found)

    def timeline(self, mission: str) -> list[YearPoint]:
        """Per year: places deployed to and troops. From the yearly records where there are
        any (troops: the sum of each place's yearly average); otherwise from the monthly ones
        (troops: the average of the monthly totals; places: every place named that year)."""
        acronym = mission.strip().upper()
        with transaction(self._engine, write=False) as conn:
            yearly = repo.yearly_totals(conn, acronym)
            monthly = repo.monthly_totals(conn, acronym)
            month_places = repo.places_by_year(conn, acronym, monthly=True) if monthly else {}
        points = {y: YearPoint(y, n, t) for y, (n, t) in yearly.items()}
        by_year: dict[int, list[int]] = {}
        for (y, _), troops in monthly.items():
            by_year.setdefault(y, []).append(troops)
        for y, totals in by_year.items():
            if y not in points:
                points[y] = YearPoint(y, month_places.get(y, 0), round(sum(totals) / len(totals)))
        return [points[y] for y in sorted(points)]

    def missions_with_deployments(self) -> list[MissionDeployments]:
        with transaction(self._engine, write=False) as conn:
            rows = repo.missions_summary(conn)
        return [
            MissionDeployments(
                r["mission"],
                r["first"],
                r["last"],
                r["records"],
                r["places"],
                tuple(r["countries"]),
            )
            for r in rows
        ]

    def view(
        self, mission: str, *, year: int | None = None, month: int | None = None
    ) -> DeploymentView:
        """One year of a mission: its yearly records, or a month's when ``month`` is given or
        the year has no yearly records (then the latest month). Without ``year``, the latest."""
        acronym = mission.strip().upper()
        with transaction(self._engine, write=False) as conn:
            periods = repo.periods(conn, acronym)
            years = sorted({y for y, _ in periods})
            view = DeploymentView(acronym, None, None, years=years)
            if not years:
                return view
            chosen = year if year in years else years[-1]
            months = sorted(m for y, m in periods if y == chosen and m > 0)
            view.year, view.months = chosen, months
            view.has_yearly = (chosen, 0) in periods
            if month in months:
                view.month = month
            elif not view.has_yearly and months:
                view.month = months[-1]
            view.records = repo.list_deployments(
                conn, mission=acronym, year=chosen, month=view.month or 0
            )
        return view


class _Locator:
    """Point-in-area lookups for the countries whose boundaries are stored (finest level)."""

    def __init__(self, conn: Connection, countries: Iterable[str]) -> None:
        self._locators: dict[str, AreaLocator] = {}
        self._cache: dict[tuple[str, float, float], int | None] = {}
        for iso3 in sorted(c for c in countries if c):
            if places.find_country(conn, iso3) is None:
                continue
            areas = places.list_admin_areas(conn, iso3, with_geometry=True)
            deepest = max((a.level for a in areas), default=0)
            finest = [a for a in areas if a.level == deepest]
            if finest:
                self._locators[iso3] = AreaLocator(finest)

    def __call__(self, country: str, lon: float, lat: float) -> int | None:
        locator = self._locators.get(country)
        if locator is None:
            return None
        key = (country, lon, lat)
        if key not in self._cache:
            area = locator.locate(lon, lat)
            self._cache[key] = area.id if area is not None else None
        return self._cache[key]


def _problem(d: Deployment, label: str) -> Problem | None:
    """What makes a record made elsewhere impossible, if anything."""
    item = f"{d.mission} {d.year}-{d.month or 0} {d.location}"
    if not d.mission.strip() or not d.location.strip():
        return Problem("a record needs a mission and a place", source=label, item=item)
    if d.month is not None and not 1 <= d.month <= 12:
        return Problem(f"{d.month} is not a month", source=label, item=item, field="month")
    if not (-180 <= d.lon <= 180 and -90 <= d.lat <= 90):
        return Problem(f"({d.lon}, {d.lat}) is not on Earth", source=label, item=item)
    if d.troops is not None and d.troops < 0:
        return Problem("troops cannot be negative", source=label, item=item, field="troops")
    if any(v < 0 for v in d.units.values()):
        return Problem("unit counts cannot be negative", source=label, item=item, field="units")
    return None


def feature_collection(records: Iterable[Deployment]) -> dict[str, Any]:
    """Records as GeoJSON points with their values as properties."""
    features = [
        {
            "type": "Feature",
            "id": d.id,
            "geometry": {"type": "Point", "coordinates": [d.lon, d.lat]},
            "properties": {
                "mission": d.mission,
                "location": d.location,
                "year": d.year,
                "month": d.month,
                "country": d.country,
                "troops": d.troops,
                "units": d.units,
                "contributors": list(d.contributors),
                "is_hq": d.is_hq,
                "headquarters": geopko.HQ_LEVELS.get(d.units.get("headquarters", 0)),
                "admin_area_id": d.admin_area_id,
                "source": d.source,
            },
        }
        for d in records
    ]
    return {"type": "FeatureCollection", "features": features}


__all__ = [
    "DeploymentView",
    "DeploymentsReport",
    "DeploymentsService",
    "MissionDeployments",
    "YearPoint",
    "feature_collection",
    "parse_bbox",
]
