"""Programmes and money: import and export (IATI, HXL 3W/4W, GeoJSON), resolution of actors,
institutions and places, and the coordination analyses (matrix, flows, duplicates, gaps)."""

from __future__ import annotations

import builtins
import functools
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import Connection, Engine

from peaceops.config import Settings
from peaceops.domain.access import Permission, Principal
from peaceops.domain.actors import Actor
from peaceops.domain.audit import AuditAction
from peaceops.domain.coordination import (
    DAC_CAPABILITIES,
    Activity,
    ActivityLocation,
    Capability,
    Decision,
    PairDecision,
)
from peaceops.domain.institutions import Institution
from peaceops.domain.places import AdminArea
from peaceops.errors import InputError, NotFound, Problem
from peaceops.platform.access import require
from peaceops.platform.caching import VersionedCache
from peaceops.platform.places import AreaLocator, ImportReport
from peaceops.platform.unstorable import refuse_unstorable
from peaceops.storage import hold_lock, transaction
from peaceops.storage.repositories import actors as actors_repo
from peaceops.storage.repositories import audited, places, shared
from peaceops.storage.repositories import coordination as repo
from peaceops.storage.repositories import institutions as institutions_repo

if TYPE_CHECKING:
    from peaceops.analytics.assessment.scoring import Priority
    from peaceops.analytics.coordination.duplicates import DuplicatePair
    from peaceops.analytics.coordination.flows import FlowGraph, SpendingRow
    from peaceops.analytics.coordination.gaps import AreaGap, CapabilityGap
    from peaceops.analytics.coordination.matrix import MatrixRow
    from peaceops.domain.assessment import Framework, Round
    from peaceops.platform.assessment import AssessmentService, ScoredRound
    from peaceops.platform.forecasting import ForecastingService

RISK_THRESHOLD = 0.2
"""Areas whose highest monthly probability of 25 or more deaths in the next three months
reaches this are checked for programming."""
PAIR_CACHE_SIZE = 4
"""Duplicate searches (country and threshold, as of a data version) a process keeps."""
PAIR_CACHE_LARGEST = 200_000
"""Searches that flag more pairs than this (a threshold near 0 on a large portfolio) are not
kept: each would hold hundreds of megabytes in every worker."""
DERIVED_CACHE_SIZE = 32
"""Country scopes, matrices, flows and spending tables (as of a data version) a process
keeps."""
_T = TypeVar("_T")

Progress = Callable[[int], None]
"""Called with the number of activities read so far."""


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass(slots=True)
class Resolver:
    """Turns names and codes as sources write them into the platform's records."""

    actors: dict[str, int]
    institutions: dict[tuple[str, str], int]
    """(country ISO3 or "", casefolded name or acronym) -> institution id."""
    areas: dict[str, AdminArea]
    """P-code -> area."""
    area_names: dict[tuple[str, int, str], AdminArea]
    """(country, level, casefolded name) -> area."""
    locators: dict[str, AreaLocator]

    def actor(self, name: str | None, ref: str | None) -> int | None:
        for text in (ref, name):
            if text and _key(text) in self.actors:
                return self.actors[_key(text)]
        return None

    def institution(self, ref: str, countries: Iterable[str]) -> int | None:
        for iso3 in (*countries, ""):
            found = self.institutions.get((iso3, _key(ref)))
            if found is not None:
                return found
        return None

    def location(self, loc: ActivityLocation, countries: Sequence[str]) -> ActivityLocation:
        if loc.admin_area_id is not None:
            return loc
        area = self.areas.get(loc.admin_code or "")
        if area is None and loc.admin_level is not None:
            for iso3 in (loc.country_iso3, *countries):
                area = self.area_names.get((iso3 or "", loc.admin_level, _key(loc.name)))
                if area is not None:
                    break
        if area is None and loc.lon is not None and loc.lat is not None:
            for iso3 in (loc.country_iso3, *countries):
                locator = self.locators.get(iso3 or "")
                area = locator.locate(loc.lon, loc.lat) if locator else None
                if area is not None:
                    break
        if area is None:
            return loc
        return replace(
            loc,
            admin_area_id=area.id,
            admin_code=loc.admin_code or area.pcode,
            admin_level=loc.admin_level or area.level,
            country_iso3=loc.country_iso3 or area.country_iso3,
        )


class CoordinationService:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        assessment: AssessmentService,
        forecasting: Callable[[], ForecastingService],
    ) -> None:
        self._settings = settings
        self._engine = engine
        self._assessment = assessment
        self._forecasting = forecasting
        # Every activity with its children, as of a data version: the coordination pages and
        # the situation map's programme layer filter and aggregate all of them, and reading
        # thousands of activities per request was the slowest thing under load.
        self._loaded: tuple[int, builtins.list[Activity]] | None = None
        self._loaded_lock = threading.Lock()
        # Duplicate pairs by data version, country and threshold: finding them compares every
        # activity of a country with every other, once per change rather than per request.
        self._pairs: OrderedDict[tuple[Any, ...], builtins.list[DuplicatePair]] = OrderedDict()
        self._pairs_lock = threading.Lock()
        self._derived_values = VersionedCache(DERIVED_CACHE_SIZE)

    # Resolution -------------------------------------------------------------------------

    def _resolver(self, countries: Iterable[str]) -> Resolver:
        with transaction(self._engine, write=False) as conn:
            actor_keys: dict[str, int] = {}
            for a in actors_repo.list_actors(conn):
                assert a.id is not None
                for name in (a.name, a.acronym, a.iati_org_id, *a.name_variants):
                    if name:
                        actor_keys.setdefault(_key(name), a.id)
            inst: dict[tuple[str, str], int] = {}
            for i in institutions_repo.list_institutions(conn):
                assert i.id is not None
                for name in (i.name, i.acronym):
                    if name:
                        inst.setdefault((i.country_iso3, _key(name)), i.id)
                        inst.setdefault(("", _key(name)), i.id)
            areas: dict[str, AdminArea] = {}
            named: dict[tuple[str, int, str], AdminArea] = {}
            locators: dict[str, AreaLocator] = {}
            for iso3 in sorted(set(countries)):
                if places.find_country(conn, iso3) is None:
                    continue
                found = places.list_admin_areas(conn, iso3, with_geometry=True)
                for area in found:
                    areas[area.pcode] = area
                    named.setdefault((iso3, area.level, _key(area.name)), area)
                deepest = max((x.level for x in found), default=1)
                finest = [x for x in found if x.level == deepest]
                if finest:
                    locators[iso3] = AreaLocator(finest)
        return Resolver(actor_keys, inst, areas, named, locators)

    def _resolve(self, act: Activity, resolver: Resolver, warnings: list[Problem]) -> Activity:
        countries = [c for c, _ in act.countries] or sorted(
            {loc.country_iso3 for loc in act.locations if loc.country_iso3}
        )
        participants = [
            replace(p, actor_id=p.actor_id or resolver.actor(p.name, p.ref))
            for p in act.participants
        ]
        reporting = act.reporting_org
        if reporting is not None:
            reporting = replace(
                reporting,
                actor_id=reporting.actor_id or resolver.actor(reporting.name, reporting.ref),
            )
        institution_ids = list(act.institution_ids)
        for ref in act.institution_refs:
            found = resolver.institution(ref, countries)
            if found is None:
                warnings.append(
                    Problem(
                        f"institution {ref!r} is not known; the activity is kept without it",
                        source=act.source,
                        line=act.line,
                        item=act.identifier,
                        field="institution",
                    )
                )
            elif found not in institution_ids:
                institution_ids.append(found)
        capabilities = list(dict.fromkeys(act.capabilities))
        if not capabilities:
            capabilities = list(
                dict.fromkeys(
                    DAC_CAPABILITIES[s.code] for s in act.sectors if s.code in DAC_CAPABILITIES
                )
            )
        return replace(
            act,
            participants=participants,
            reporting_org=reporting,
            institution_ids=institution_ids,
            institution_refs=[],
            capabilities=capabilities,
            locations=[resolver.location(loc, countries) for loc in act.locations],
        )

    # Import -----------------------------------------------------------------------------

    def store(
        self,
        records: Iterable[Activity | Problem],
        *,
        source: str,
        by: Principal,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Resolve and store activities in one transaction, with one audit entry.

        Problems in the stream are kept as warnings; an activity met twice in the same file
        keeps its last version and is reported.
        """
        require(by, Permission.IMPORT_DATA)
        report = ImportReport(source=source)
        wanted: dict[str, Activity] = {}
        for item in records:
            if isinstance(item, Problem):
                report.warnings.append(item)
                continue
            if item.identifier in wanted:
                report.warnings.append(
                    Problem(
                        "the same activity identifier appears again; the later one is kept",
                        source=source,
                        line=item.line,
                        item=item.identifier,
                    )
                )
            wanted[item.identifier] = item
            if progress:
                progress(len(wanted))
        # A row or activity is skipped when a problem names its line and nothing was read
        # from that line (several problems on one line count once).
        kept_lines = {a.line for a in wanted.values() if a.line is not None}
        report.skipped = len(
            {(w.source, w.line) for w in report.warnings if w.line is not None}
            - {(w.source, w.line) for w in report.warnings if w.line in kept_lines}
        )
        countries = {c for a in wanted.values() for c, _ in a.countries} | {
            loc.country_iso3 for a in wanted.values() for loc in a.locations if loc.country_iso3
        }
        resolver = self._resolver(countries)
        resolved = []
        for act in (self._resolve(a, resolver, report.warnings) for a in wanted.values()):
            too_long = repo.oversized(act)
            if too_long is None:
                resolved.append(act)
                continue
            report.skipped += 1
            report.warnings.append(
                Problem(
                    f"the {too_long[0]} is longer than {too_long[1]} characters; the activity "
                    "was left out",
                    source=source,
                    line=act.line,
                    item=act.identifier[:80],
                    field=too_long[0],
                )
            )
        changed: list[str] = []
        with transaction(self._engine) as conn:
            # Two imports of the same file at once would both find an activity new and the
            # later insert would fail: imports of activities run one after another.
            hold_lock(conn, "activities import")
            known = repo.existing_digests(conn, wanted)
            for act in resolved:
                stored = repo.store_activity(conn, act, known=known.get(act.identifier))
                setattr(report, stored.outcome, getattr(report, stored.outcome) + 1)
                if stored.outcome != "unchanged":
                    changed.append(act.identifier)
            if changed:
                audited.record(
                    conn,
                    by,
                    AuditAction.IMPORT,
                    "activities",
                    None,
                    after={**report.as_dict(), "identifiers": changed[:200]},
                )
        return report

    @refuse_unstorable
    def import_iati(
        self,
        path: Path,
        *,
        by: Principal,
        schema_folder: Path | None = None,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Import an IATI activity file (validated against the 2.03 schema when given)."""
        from peaceops.ingest import iati

        require(by, Permission.IMPORT_DATA)
        schema = iati.load_schema(schema_folder) if schema_folder else None
        return self.store(
            iati.read_iati(path, schema=schema), source=path.name, by=by, progress=progress
        )

    @refuse_unstorable
    def import_3w(self, path: Path, *, by: Principal, country: str | None = None) -> ImportReport:
        """Import an HXL-tagged 3W/4W sheet (CSV or XLSX), or the IATI-3W JSON layout."""
        require(by, Permission.IMPORT_DATA)
        if path.suffix.lower() == ".json":
            from peaceops.ingest.iati3w import read_iati3w

            lookups = path.parent if (path.parent / "org_lookup.csv").exists() else None
            found = read_iati3w(path, lookups=lookups)
            return self.store([*found.activities, *found.problems], source=path.name, by=by)
        from peaceops.ingest.hxl import read_3w

        read = read_3w(path, default_country=country)
        return self.store([*read.activities, *read.problems], source=path.name, by=by)

    def add_activities(
        self, activities: Sequence[Activity], *, label: str, by: Principal
    ) -> ImportReport:
        return self.store(activities, source=label, by=by)

    # Reading ----------------------------------------------------------------------------

    def activities(
        self,
        *,
        actor_id: int | None = None,
        institution_id: int | None = None,
        query: str | None = None,
        capability: Capability | None = None,
        country: str | None = None,
    ) -> builtins.list[Activity]:
        """Activities by organisation and institution (in the database), then by text in the
        identifier, titles and organisations, capability and country; identifier order."""
        with transaction(self._engine, write=False) as conn:
            if actor_id is None and institution_id is None:
                found = self._all_activities(conn)
            else:
                found = repo.load_activities(conn, actor_id=actor_id, institution_id=institution_id)
        needle = " ".join((query or "").casefold().split())
        iso3 = (country or "").strip().upper()
        return [
            a
            for a in found
            if (not needle or a.mentions(needle))
            and (capability is None or capability in a.capabilities)
            and (not iso3 or a.in_country(iso3))
        ]

    def _all_activities(self, conn: Connection) -> builtins.list[Activity]:
        """Every activity, loaded again only when the activities' data version has changed
        (by any process). The objects are shared between callers: treat them as read-only."""
        return self._versioned_activities(conn)[1]

    def _versioned_activities(self, conn: Connection) -> tuple[int, builtins.list[Activity]]:
        version = repo.activities_version(conn)
        # One loader at a time: requests arriving together wait for it rather than each
        # loading every activity again.
        with self._loaded_lock:
            if self._loaded is None or self._loaded[0] != version:
                self._loaded = (version, repo.load_activities(conn))
            return self._loaded

    def activity(self, ref: int | str) -> Activity:
        with transaction(self._engine, write=False) as conn:
            if isinstance(ref, int):
                return repo.get_activity(conn, ref)
            return repo.find_activity(conn, ref)

    def delete_activity(self, activity_id: int, *, by: Principal) -> None:
        require(by, Permission.IMPORT_DATA)
        with transaction(self._engine) as conn:
            repo.delete_activity(conn, by, activity_id)

    def count(self) -> int:
        with transaction(self._engine, write=False) as conn:
            return repo.count_activities(conn)

    # Export -----------------------------------------------------------------------------

    def export_iati(self, out: Path, *, activities: Sequence[Activity] | None = None) -> int:
        from peaceops.ingest import iati

        acts = builtins.list(activities if activities is not None else self.activities())
        with out.open("wb") as handle:
            iati.write_iati(acts, handle, generated=datetime.now(UTC))
        return len(acts)

    def export_3w(self, out: Path, *, activities: Sequence[Activity] | None = None) -> int:
        from peaceops.ingest.hxl import write_3w

        acts = builtins.list(activities if activities is not None else self.activities())
        write_3w(acts, out)
        return len(acts)

    def running(self, country: str, since: date, until: date) -> dict[str, Any]:
        """``geojson`` of a country's activities running at some time from ``since`` to
        ``until``. The country's whole layer is kept per activities' data version and admin
        areas (the situation map asks for it on every view) and filtered by dates each time,
        so that windows a user slides through do not each hold a copy."""
        version, acts = self._scoped(country)
        parents = tuple(sorted(self._area_parents(country.upper()).items()))
        located = self._derived(
            ("located", country.upper(), parents), version, lambda: self.geojson(activities=acts)
        )
        first, last = since.isoformat(), until.isoformat()
        return {
            "type": "FeatureCollection",
            "features": [
                f
                for f in located["features"]
                if (f["properties"]["start"] is None or f["properties"]["start"] <= last)
                and (f["properties"]["end"] is None or f["properties"]["end"] >= first)
            ],
        }

    def geojson(self, *, activities: Sequence[Activity] | None = None) -> dict[str, Any]:
        """Activity locations as a GeoJSON FeatureCollection (points; areas by centroid)."""
        from shapely.geometry import shape

        acts = builtins.list(activities if activities is not None else self.activities())
        area_ids = {loc.admin_area_id for a in acts for loc in a.locations if loc.admin_area_id}
        centroids: dict[int, tuple[float, float]] = {}
        with transaction(self._engine, write=False) as conn:
            for area_id in sorted(area_ids):
                geom = shape(places.get_admin_area(conn, area_id).geometry)
                point = geom.representative_point()
                centroids[area_id] = (round(point.x, 5), round(point.y, 5))
        features = []
        for act in acts:
            for loc in act.locations:
                if loc.lon is not None and loc.lat is not None:
                    coords, precision = (loc.lon, loc.lat), "exact"
                elif loc.admin_area_id in centroids:
                    coords, precision = centroids[loc.admin_area_id], f"admin{loc.admin_level}"
                else:
                    continue
                features.append(
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": list(coords)},
                        "properties": {
                            "identifier": act.identifier,
                            "title": act.title_in("en"),
                            "location": loc.name,
                            "admin_code": loc.admin_code,
                            "precision": precision,
                            "capabilities": [c.value for c in act.capabilities],
                            "implementers": sorted(
                                {p.name for p in act.participants if p.role.value == 4}
                            ),
                            "start": act.start.isoformat() if act.start else None,
                            "end": act.end.isoformat() if act.end else None,
                        },
                    }
                )
        return {"type": "FeatureCollection", "features": features}

    def export_geojson(self, out: Path, *, activities: Sequence[Activity] | None = None) -> int:
        collection = self.geojson(activities=activities)
        out.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
        return len(collection["features"])

    # Duplicate decisions and actor merges ---------------------------------------------------

    def decisions(self) -> dict[tuple[str, str], PairDecision]:
        with transaction(self._engine, write=False) as conn:
            return repo.decisions(conn)

    def decide(
        self, first: str, second: str, decision: Decision, *, note: str = "", by: Principal
    ) -> PairDecision:
        """Keep a coordinator's decision on a candidate pair (a later decision replaces it)."""
        require(by, Permission.MANAGE_COORDINATION)
        if first == second:
            raise InputError("a pair needs two different activities", field="second")
        with transaction(self._engine) as conn:
            for identifier in (first, second):
                repo.find_activity(conn, identifier)
            repo.decide(conn, by, first, second, decision, note)
            return repo.decisions(conn)[PairDecision.key(first, second)]

    def merge_actors(self, keep_id: int, other_id: int, *, by: Principal) -> Actor:
        """Fold one organisation record into another: its names become name variants, its
        activities, users and participations move, and the merge is kept on record."""
        require(by, Permission.EDIT_ACTORS)
        if keep_id == other_id:
            raise InputError("an organisation cannot be merged into itself", field="other")
        with transaction(self._engine) as conn:
            keep = actors_repo.get_actor(conn, keep_id)
            other = actors_repo.get_actor(conn, other_id)
            repo.merge_actor(conn, by, keep, other)
            return actors_repo.get_actor(conn, keep_id)

    def merges(self, actor_id: int) -> builtins.list[dict[str, Any]]:
        with transaction(self._engine, write=False) as conn:
            return repo.merges_into(conn, actor_id)

    def unresolved_organisations(self) -> builtins.list[tuple[str, int]]:
        """Organisation names in activities that match no actor, most frequent first."""
        counts: dict[str, int] = {}
        for act in self.activities():
            for p in act.participants:
                if p.actor_id is None:
                    counts[p.name] = counts.get(p.name, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def link_actors(self, *, by: Principal) -> int:
        """Point participations written under an actor's name or variant at that actor."""
        require(by, Permission.EDIT_ACTORS)
        resolver = self._resolver(())
        with transaction(self._engine) as conn:
            n = repo.link_participants(conn, resolver.actors)
            if n:
                audited.record(
                    conn,
                    by,
                    AuditAction.UPDATE,
                    "activity_participants",
                    None,
                    after={"linked": n},
                )
        return n

    # Context for analyses ---------------------------------------------------------------------

    def institutions_by_id(self) -> dict[int, Institution]:
        with transaction(self._engine, write=False) as conn:
            return {i.id: i for i in institutions_repo.list_institutions(conn) if i.id}

    def area_index(self, country: str) -> dict[int, AdminArea]:
        with transaction(self._engine, write=False) as conn:
            if places.find_country(conn, country) is None:
                raise NotFound(f"no country {country!r}")
            return {
                a.id: a
                for a in places.list_admin_areas(conn, country, with_geometry=False)
                if a.id is not None
            }

    # Analyses ---------------------------------------------------------------------------

    def _area_parents(self, country: str | None) -> dict[int, int]:
        with transaction(self._engine, write=False) as conn:
            countries = [country] if country else [c.iso3 for c in places.list_countries(conn)]
            out: dict[int, int] = {}
            for iso3 in countries:
                areas = places.list_admin_areas(conn, iso3, with_geometry=False)
                ids = {a.pcode: a.id for a in areas}
                for a in areas:
                    if a.id is not None and a.parent_pcode and ids.get(a.parent_pcode):
                        out[a.id] = ids[a.parent_pcode] or 0
            return out

    def _institution_types(self) -> dict[int, str]:
        return {i: inst.type.value for i, inst in self.institutions_by_id().items()}

    def scope(self, country: str | None) -> builtins.list[Activity]:
        """A country's activities (every activity without one), read-only and shared."""
        return self._scoped(country)[1]

    def _scoped(self, country: str | None) -> tuple[int, builtins.list[Activity]]:
        """``scope`` with the data version it is as of."""
        with transaction(self._engine, write=False) as conn:
            version, everything = self._versioned_activities(conn)
        iso3 = (country or "").strip().upper()
        return version, self._derived(
            ("scope", iso3),
            version,
            lambda: [a for a in everything if not iso3 or a.in_country(iso3)],
        )

    def _derived(self, key: tuple[Any, ...], version: int, compute: Callable[[], _T]) -> _T:
        """Something computed from the activities (as of ``version``) and whatever else ``key``
        names, kept for the next request: the dashboard's country scope, matrix, money flows,
        spending and gaps each took a few hundred milliseconds over 20,000 activities. Callers
        treat it as read-only."""
        found = self._derived_values.get(key, version)
        if found is None:
            found = compute()
            self._derived_values.put(key, version, found)
        return cast(_T, found)

    def duplicates(
        self, *, country: str | None = None, threshold: float | None = None
    ) -> builtins.list[DuplicatePair]:
        """Candidate duplicate pairs, most likely first, with kept decisions attached.

        Pairs scoring at least ``threshold`` are found once per version of the activities
        (and of the institutions' types and areas' parents they use) and kept in this process;
        decisions are attached on each call. A pair decided when the search ran is listed
        whatever its score; one decided later, below the threshold, appears with the next
        search (after a change to the activities)."""
        from peaceops.analytics.coordination import duplicates

        floor = duplicates.THRESHOLD if threshold is None else threshold
        decided = {k: d.decision for k, d in self.decisions().items()}
        with transaction(self._engine, write=False) as conn:
            version, everything = self._versioned_activities(conn)
        iso3 = (country or "").strip().upper()
        acts = [a for a in everything if not iso3 or a.in_country(iso3)]
        types = self._institution_types()
        parents = self._area_parents(country)
        key = (version, iso3, floor, tuple(sorted(types.items())), tuple(sorted(parents.items())))
        # Decided pairs below the threshold come with the search (those decided when it ran).
        found = self._cached_pairs(
            key,
            lambda: duplicates.find_duplicates(
                acts,
                institution_types=types,
                area_parents=parents,
                decisions=decided,
                threshold=floor,
            ),
        )

        def decision(p: DuplicatePair) -> Decision | None:
            return decided.get(p.key, decided.get((p.second, p.first)))

        # Most pairs are undecided: only those whose decision changed since the search are
        # copied (68,000 copies per request were a third of the dashboard's time).
        return [p if p.decision == (d := decision(p)) else replace(p, decision=d) for p in found]

    def _cached_pairs(
        self, key: tuple[Any, ...], find: Callable[[], builtins.list[DuplicatePair]]
    ) -> builtins.list[DuplicatePair]:
        """The search's pairs from this process's memory, else from another process's stored
        result, else searched (and stored, so that the other workers of a server read them
        rather than each spending a minute on a large portfolio)."""
        from peaceops.analytics.coordination.duplicates import pair_from_json, pair_to_json

        # One search at a time in a process: requests arriving together wait for the first.
        with self._pairs_lock:
            if key in self._pairs:
                self._pairs.move_to_end(key)
                return self._pairs[key]
            # The model's own code is part of the stored key: after an upgrade that changes
            # how pairs are scored, a search stored by the old code is not read.
            stored_key = shared.digest("duplicates", (_duplicates_model(), key))

            searched: builtins.list[DuplicatePair] | None = None

            def search() -> dict[str, Any]:
                nonlocal searched
                searched = find()
                # Too many to keep: None tells the other processes to search for themselves.
                many = len(searched) > PAIR_CACHE_LARGEST
                return {"pairs": None if many else [pair_to_json(p) for p in searched]}

            stored = shared.computed_once(self._engine, "duplicates", stored_key, search)
            if searched is not None:
                found = searched
            elif stored["pairs"] is not None:
                found = [pair_from_json(p) for p in stored["pairs"]]
            else:
                found = find()
            if len(found) <= PAIR_CACHE_LARGEST:
                self._pairs[key] = found
                while len(self._pairs) > PAIR_CACHE_SIZE:
                    self._pairs.popitem(last=False)
            return found

    def latest_priorities(
        self, country: str
    ) -> builtins.list[tuple[ScoredRound, builtins.list[Priority]]]:
        """The latest assessment round of each framework in a country, with its priorities."""
        from peaceops.analytics.assessment.scoring import priorities

        latest: dict[int, Round] = {}
        for r in self._assessment.rounds(country=country.upper()):
            best = latest.get(r.framework_id)
            if best is None or (r.period_end, r.id or 0) > (best.period_end, best.id or 0):
                latest[r.framework_id] = r
        out = []
        for rnd in sorted(latest.values(), key=lambda r: r.period_end, reverse=True):
            scored = self._assessment.score(rnd.id or 0)
            out.append((scored, priorities(scored.scores)))
        return out

    def capability_gaps(
        self, country: str, *, as_of: date | None = None, currency: str = "USD", top: int = 15
    ) -> builtins.list[tuple[ScoredRound, CapabilityGap]]:
        """The top weaknesses of each framework's latest round, with the activities and money
        addressing them, ranked together."""
        found: list[tuple[ScoredRound, CapabilityGap]] = []
        for scored, ranked in self.latest_priorities(country):
            found += [
                (scored, g)
                for g in self.priority_gaps(
                    country,
                    ranked,
                    framework=scored.framework,
                    as_of=as_of or scored.round.period_end,
                    currency=currency,
                    top=top,
                )
            ]
        found.sort(key=lambda sg: (-sg[1].score, sg[1].priority.indicator))
        return found[:top]

    def priority_gaps(
        self,
        country: str,
        ranked: Sequence[Priority],
        *,
        framework: Framework,
        as_of: date,
        currency: str = "USD",
        top: int = 15,
    ) -> builtins.list[CapabilityGap]:
        """``analytics.coordination.gaps.capability_gaps`` over a country's activities, kept
        per activities' data version and everything else it reads (the dashboard and every
        readiness judgement ask for the same rounds' gaps)."""
        from peaceops.analytics.coordination import gaps

        version, acts = self._scoped(country)
        types = self._institution_types()
        key = (
            "priority_gaps",
            country.upper(),
            tuple(ranked),
            framework.key,
            as_of,
            currency,
            top,
            tuple(sorted(types.items())),
        )
        return self._derived(
            key,
            version,
            lambda: gaps.capability_gaps(
                ranked,
                acts,
                framework=framework,
                institution_types=types,
                as_of=as_of,
                currency=currency,
                top=top,
            ),
        )

    def area_risk(
        self, country: str, *, by: Principal, months: int = 3
    ) -> tuple[dict[str, Any] | None, dict[int, float]]:
        """The latest admin-area forecast run of a country and each area's highest monthly
        probability of 25 or more deaths over its first ``months`` months."""
        require(by, Permission.READ_FORECASTS)
        service = self._forecasting()
        runs = [r for r in service.runs(country=country.upper()) if r["level"] != "pgm"]
        if not runs:
            return None, {}
        run = max(runs, key=lambda r: (r["cutoff_month_id"], r["id"]))
        first = run["cutoff_month_id"] + 1
        areas = {a.pcode: i for i, a in self.area_index(country.upper()).items()}
        risk: dict[int, float] = {}
        for v in service.run_values(run["id"]):
            if v["unit"] in areas and first <= v["month_id"] < first + months:
                area_id = areas[v["unit"]]
                risk[area_id] = max(risk.get(area_id, 0.0), float(v["p_ge25"]))
        return run, risk

    def risk_gaps(
        self, country: str, *, by: Principal, threshold: float = RISK_THRESHOLD
    ) -> tuple[dict[str, Any] | None, builtins.list[AreaGap]]:
        """High-risk areas (forecast) with no security or justice programming located there."""
        from peaceops.analytics.coordination import gaps

        run, risk = self.area_risk(country, by=by)
        if run is None:
            return None, []
        index = self.area_index(country.upper())
        return run, gaps.risk_gaps(
            risk,
            self.scope(country),
            area_parents=self._area_parents(country.upper()),
            area_names={i: a.name for i, a in index.items()},
            threshold=threshold,
            as_of=today(),
        )

    def gap_rows(
        self, country: str, *, currency: str = "USD", by: Principal
    ) -> builtins.list[dict[str, Any]]:
        """Both kinds of gap as plain rows (for CSV and the command line), ranked within kind:
        weaknesses first, then areas at risk (shown only to roles that may read forecasts)."""
        from peaceops.analytics.coordination.gaps import explain_gap
        from peaceops.domain.assessment import text_in

        rows: list[dict[str, Any]] = []
        for scored, g in self.capability_gaps(country, currency=currency):
            indicator = scored.framework.indicator(g.priority.indicator)
            rows.append(
                {
                    "kind": "weakness",
                    "round": scored.round.name,
                    "what": f"{g.priority.indicator} {text_in(indicator.text, 'en')}",
                    "institution": g.priority.institution,
                    "dimension": g.priority.dimension.value,
                    "score": round(g.score, 3),
                    "priority": round(g.priority.priority, 3),
                    "committed": round(g.committed, 2),
                    "currency": g.currency,
                    "activities": " ".join(g.activities),
                    "why": explain_gap(g),
                }
            )
        if by.can(Permission.READ_FORECASTS):
            run, areas = self.risk_gaps(country, by=by)
            for a in areas:
                rows.append(
                    {
                        "kind": "area_at_risk",
                        "round": f"forecast run {run['id']}" if run else "",
                        "what": a.name,
                        "institution": "",
                        "dimension": "",
                        "score": round(a.risk, 3),
                        "priority": round(a.risk, 3),
                        "committed": 0.0,
                        "currency": currency,
                        "activities": "",
                        "why": explain_gap(a),
                    }
                )
        return rows

    def flows(
        self,
        *,
        country: str | None = None,
        currency: str = "USD",
        year: int | None = None,
        capability: Capability | None = None,
    ) -> FlowGraph:
        from peaceops.analytics.coordination import flows

        names = {i: inst.acronym or inst.name for i, inst in self.institutions_by_id().items()}
        version, acts = self._scoped(country)
        key = ("flows", country, currency, year, capability, tuple(sorted(names.items())))
        return self._derived(
            key,
            version,
            lambda: flows.funding_flows(
                acts, currency=currency, year=year, capability=capability, institution_names=names
            ),
        )

    def spending(
        self, *, country: str | None = None, currency: str = "USD"
    ) -> builtins.list[SpendingRow]:
        from peaceops.analytics.coordination import flows

        version, acts = self._scoped(country)
        return self._derived(
            ("spending", country, currency),
            version,
            lambda: flows.disbursement_vs_commitment(acts, currency=currency),
        )

    def matrix(
        self,
        *,
        country: str | None = None,
        currency: str = "USD",
        institution_ids: Iterable[int] | None = None,
        capability: Capability | None = None,
        admin_area_ids: Iterable[int] | None = None,
        period: tuple[date, date] | None = None,
        actor: str | None = None,
    ) -> builtins.list[MatrixRow]:
        from peaceops.analytics.coordination import matrix

        version, acts = self._scoped(country)
        parents = self._area_parents(country)
        institutions = None if institution_ids is None else tuple(institution_ids)
        areas = None if admin_area_ids is None else tuple(admin_area_ids)
        key = (
            "matrix",
            country,
            currency,
            institutions,
            capability,
            areas,
            period,
            actor,
            tuple(sorted(parents.items())),
        )
        return self._derived(
            key,
            version,
            lambda: matrix.matrix(
                acts,
                currency=currency,
                institution_ids=institutions,
                capability=capability,
                admin_area_ids=areas,
                area_parents=parents,
                period=period,
                actor=actor,
            ),
        )

    @staticmethod
    def in_country(activities: Iterable[Activity], country: str) -> builtins.list[Activity]:
        return [a for a in activities if a.in_country(country)]


def today() -> date:
    return datetime.now(UTC).date()


@functools.cache
def _duplicates_model() -> str:
    """A digest of the duplicate scorer's source, which names the model in stored searches."""
    from peaceops.analytics.coordination import duplicates

    return hashlib.sha256(Path(duplicates.__file__).read_bytes()).hexdigest()[:16]
