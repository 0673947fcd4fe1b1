"""The mission's incident log, verified before it counts.

Analysts and administrators (``REPORT_INCIDENTS``) log incidents from the entry form, the API
or a CSV log, and read every report; everyone else reads verified incidents only. Verifying,
discrediting, reopening and merging duplicates (``VERIFY_INCIDENTS``) follow the steps of
``domain.incidents``; each step records who took it and why (a reason is required to verify
or discredit, and to merge), in ``incident_steps`` and in the audit log.

Only verified incidents feed forecasts and public aggregates: when an incident of organised
violence (its type has a UCDP ``violence_type``) becomes verified, its ``Event`` (source
``incident``, version ``peaceops``, id the incident's) is written in the same transaction;
when it is changed by a merge the event follows; when it leaves ``verified`` (reopened or
merged) the event is deleted.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from peaceops.config import Settings
from peaceops.domain.access import Permission, Principal
from peaceops.domain.audit import AuditAction
from peaceops.domain.events import Event, EventSource
from peaceops.domain.incidents import (
    UCDP_DATE_PREC,
    UCDP_WHERE_PREC,
    VERIFICATION_STEPS,
    Incident,
    IncidentType,
    Verification,
    VerificationStep,
    can_step,
)
from peaceops.domain.institutions import Site
from peaceops.domain.places import AdminArea, PriogridCell
from peaceops.errors import ConflictError, InputError, NotFound, Problem
from peaceops.platform.access import require
from peaceops.platform.incident_checks import (
    clean_incident,
    latest_day,
    reason_text,
    union,
    union_attachments,
)
from peaceops.platform.incident_places import (
    AreaBook,
    area_precision,
    around,
    casefold,
    check_bbox,
    haversine_km,
)
from peaceops.platform.places import ImportReport
from peaceops.platform.unstorable import refuse_unstorable
from peaceops.storage import transaction
from peaceops.storage.repositories import audited, places
from peaceops.storage.repositories import incidents as repo
from peaceops.storage.repositories import institutions as institutions_repo
from peaceops.storage.types import utcnow

if TYPE_CHECKING:
    from peaceops.scenario.incidents import DemoIncident

EVENT_VERSION = "peaceops"
"""Version of the events written for verified incidents."""
REASON_NEEDED = frozenset({Verification.VERIFIED, Verification.DISCREDITED})
CLOCK_SKEW = timedelta(minutes=5)
LOG_COLUMNS = {
    "fatalities": "fatalities_best",
    "lon/lat": "lon",
    "admin_area_id": "place",
    "institution_site_id": "site",
}
"""Fields the service names, as the columns of an incident log."""


@dataclass(frozen=True, slots=True)
class IncidentView:
    """One incident with what its page shows."""

    incident: Incident
    area: AdminArea | None
    """The admin area, without geometry."""
    region: AdminArea | None
    """Its level-1 ancestor (the area itself when it is a region)."""
    site: Site | None
    steps: tuple[VerificationStep, ...]
    """The verification history, for ``REPORT_INCIDENTS`` only (empty for others)."""
    merged_from: tuple[Incident, ...]
    """Duplicates merged into this incident (for ``REPORT_INCIDENTS`` only)."""


class IncidentsService:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._settings = settings
        self._engine = engine

    # Reporting ------------------------------------------------------------------------------

    def report(self, incident: Incident, *, by: Principal, at: datetime | None = None) -> Incident:
        """Log an incident and return it stored, as ``reported``.

        Checked with ``Incident.problems`` (``InputError`` naming the field); a point without
        an admin area gets the finest area holding it. The same (country, reference) sent
        again returns the stored incident and stores nothing. ``at`` is when it was reported
        (default now; never in the future).
        """
        return self.report_once(incident, by=by, at=at)[0]

    def report_once(
        self, incident: Incident, *, by: Principal, at: datetime | None = None
    ) -> tuple[Incident, bool]:
        """``report``, and whether the incident was created (False for a repeated reference)."""
        require(by, Permission.REPORT_INCIDENTS)
        moment = self._moment(at)
        clean = clean_incident(incident, today=latest_day(moment))
        with transaction(self._engine) as conn:
            iso3 = self._country(conn, clean.country_iso3)
            clean = replace(clean, country_iso3=iso3)
            if clean.reference:
                found = repo.find_by_reference(conn, iso3, clean.reference)
                if found is not None:
                    return found, False
            resolved = self._resolve(conn, clean, AreaBook.load(conn, iso3))
            return self._create(conn, resolved, by=by, at=moment)

    @refuse_unstorable
    def import_log(self, path: Path, *, country: str, by: Principal) -> ImportReport:
        """Import an incident log (CSV, see ``ingest.incidents``) in one transaction.

        Bad rows are reported by line and column and left out; the good rows import. Reports
        already stored (same reference in the country) are left as they are, so importing the
        log again changes nothing.
        """
        from peaceops.ingest.incidents import read_log

        require(by, Permission.REPORT_INCIDENTS)
        now = utcnow()
        found = read_log(path, country=(country or "").strip().upper(), today=latest_day(now))
        report = ImportReport(source=path.name, warnings=list(found.problems))
        lost: set[int | None] = {p.line for p in found.problems}
        with transaction(self._engine) as conn:
            iso3 = self._country(conn, country)
            areas = AreaBook.load(conn, iso3)
            sites = {
                casefold(s.name): s.id
                for s in institutions_repo.list_sites(conn, country_iso3=iso3)
                if s.id is not None
            }
            for entry in found.entries:
                problems: list[Problem] = []
                if repo.find_by_reference(conn, iso3, entry.reference) is not None:
                    report.unchanged += 1
                    continue
                area = areas.find(entry.place) if entry.place else None
                if entry.place and area is None:
                    message = f"place (P-code or area name) '{entry.place}' is not known in {iso3}"
                    problems.append(_problem(path, entry.line, "place", message))
                site_id = sites.get(casefold(entry.site)) if entry.site else None
                if entry.site and site_id is None:
                    message = f"site '{entry.site}' is not known in {iso3}"
                    problems.append(_problem(path, entry.line, "site", message))
                incident = replace(
                    entry.incident,
                    country_iso3=iso3,
                    admin_area_id=area.id if area else None,
                    institution_site_id=site_id,
                )
                if entry.place_precision is None and incident.lon is None and area is not None:
                    incident = replace(incident, place_precision=area_precision(area))
                if not problems:
                    try:
                        clean = clean_incident(incident, today=latest_day(now))
                        incident = self._resolve(conn, clean, areas)
                    except InputError as exc:
                        field = exc.problem.field or ""
                        column = LOG_COLUMNS.get(field, field)
                        problems.append(_problem(path, entry.line, column, exc.problem.message))
                if problems:
                    report.warnings.extend(problems)
                    lost.add(entry.line)
                    continue
                _, created = self._create(conn, incident, by=by, at=now)
                if created:
                    report.created += 1
                else:
                    report.unchanged += 1
            report.skipped = len(lost)
            if report.created:
                audited.record(
                    conn, by, AuditAction.IMPORT, "incidents", None, after=report.as_dict()
                )
        return report

    # Reading --------------------------------------------------------------------------------

    def get(self, incident_id: int, *, by: Principal) -> Incident:
        """One incident; unverified ones only for ``REPORT_INCIDENTS`` (others get NotFound)."""
        require(by, Permission.READ_REFERENCE)
        with transaction(self._engine, write=False) as conn:
            found = repo.get_incident(conn, incident_id)
        if not _visible(found, by):
            raise NotFound(f"incident {incident_id} does not exist")
        return found

    def view(self, incident_id: int, *, by: Principal) -> IncidentView:
        """One incident with its area, region, site and (for reporters) its history."""
        incident = self.get(incident_id, by=by)
        insider = by.can(Permission.REPORT_INCIDENTS)
        with transaction(self._engine, write=False) as conn:
            areas = AreaBook.load(conn, incident.country_iso3, geometry=False)
            area = areas.by_id.get(incident.admin_area_id or 0)
            site = None
            if incident.institution_site_id is not None:
                site = next(
                    (
                        s
                        for s in institutions_repo.list_sites(
                            conn, country_iso3=incident.country_iso3
                        )
                        if s.id == incident.institution_site_id
                    ),
                    None,
                )
            history = repo.steps(conn, [incident_id])[incident_id] if insider else []
            merged = repo.list_incidents(conn, merged_into_id=incident_id) if insider else []
        return IncidentView(
            incident=incident,
            area=area,
            region=areas.region_of(area) if area else None,
            site=site,
            steps=tuple(history),
            merged_from=tuple(merged),
        )

    def steps(self, incident_id: int) -> builtins.list[VerificationStep]:
        """The verification history of an incident, oldest first (callers decide who sees
        it: the web shows it to ``REPORT_INCIDENTS`` only)."""
        with transaction(self._engine, write=False) as conn:
            repo.get_incident(conn, incident_id)
            return repo.steps(conn, [incident_id])[incident_id]

    def list(
        self,
        *,
        by: Principal,
        country: str | None = None,
        status: Verification | None = None,
        type: IncidentType | None = None,
        since: date | None = None,
        until: date | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        area_id: int | None = None,
    ) -> builtins.list[Incident]:
        """Incidents, the latest first; callers without ``REPORT_INCIDENTS`` see verified
        ones only. ``area_id`` keeps the incidents of that area and of the areas within it."""
        require(by, Permission.READ_REFERENCE)
        statuses = _statuses(by, status)
        if not statuses:
            return []
        bounds = check_bbox(bbox) if bbox is not None else None
        with transaction(self._engine, write=False) as conn:
            within = None
            if area_id is not None:
                try:
                    area = places.get_admin_area(conn, area_id)
                except NotFound:
                    raise InputError(f"no admin area {area_id}", field="area_id") from None
                within = AreaBook.load(conn, area.country_iso3, geometry=False).within(area_id)
            return repo.list_incidents(
                conn,
                country_iso3=country.strip().upper() if country else None,
                statuses=statuses,
                types=[IncidentType(type)] if type is not None else None,
                since=since,
                until=until,
                bbox=bounds,
                area_ids=within,
            )

    def geojson(
        self,
        *,
        by: Principal,
        country: str | None = None,
        since: date | None = None,
        until: date | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        status: Verification | None = None,
        type: IncidentType | None = None,
    ) -> dict[str, Any]:
        """A GeoJSON FeatureCollection of the incidents for the map. An incident known only by
        its area is drawn at a point inside that area (``located`` says which)."""
        items = self.list(
            by=by, country=country, status=status, type=type, since=since, until=until, bbox=bbox
        )
        with transaction(self._engine, write=False) as conn:
            areas = {
                iso3: AreaBook.load(conn, iso3) for iso3 in sorted({i.country_iso3 for i in items})
            }
        features = []
        for i in items:
            book = areas[i.country_iso3]
            area = book.by_id.get(i.admin_area_id or 0)
            point = book.where(i)
            features.append(
                {
                    "type": "Feature",
                    "id": i.id,
                    "geometry": {"type": "Point", "coordinates": list(point)} if point else None,
                    "properties": {
                        "id": i.id,
                        "type": i.type.value,
                        "date": i.date.isoformat(),
                        "date_precision": i.date_precision.value,
                        "status": i.status.value,
                        "place_precision": i.place_precision.value,
                        "located": "point" if i.lon is not None else "area",
                        "place_name": i.place_name,
                        "admin_area_id": i.admin_area_id,
                        "pcode": area.pcode if area else None,
                        "area": area.name if area else None,
                        "fatalities_best": i.fatalities_best,
                        "fatalities_low": i.fatalities_low,
                        "fatalities_high": i.fatalities_high,
                        "injured": i.injured,
                        "threatens_institutions": i.type.threatens_institutions,
                        "institution_site_id": i.institution_site_id,
                    },
                }
            )
        return {"type": "FeatureCollection", "features": features}

    def near(
        self, lon: float, lat: float, km: float, *, since: date | None, by: Principal
    ) -> builtins.list[Incident]:
        """Verified incidents within ``km`` of a point (great-circle distance), since a day,
        the nearest first; an incident known only by its area is placed inside that area."""
        require(by, Permission.READ_REFERENCE)
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InputError(f"({lon}, {lat}) is not on Earth", field="lon/lat")
        if not km > 0:
            raise InputError("give a distance above 0 km", field="km")
        with transaction(self._engine, write=False) as conn:
            found = repo.list_incidents(
                conn, statuses=[Verification.VERIFIED], since=since, bbox=around(lon, lat, km)
            )
            books = {iso3: AreaBook.load(conn, iso3) for iso3 in {i.country_iso3 for i in found}}
        scored = []
        for i in found:
            point = books[i.country_iso3].where(i)
            if point is None:
                continue
            distance = haversine_km(lon, lat, point[0], point[1])
            if distance <= km:
                scored.append((distance, i.id or 0, i))
        return [i for _, _, i in sorted(scored, key=lambda s: (s[0], s[1]))]

    def possible_duplicates(
        self, incident_id: int, *, by: Principal, days: int = 7, km: float = 50.0
    ) -> builtins.list[Incident]:
        """Other reports that may describe the same incident: same country, dated within
        ``days``, within ``km`` (or in the same region when a place is only an area), not
        merged or discredited; the closest in time first."""
        require(by, Permission.VERIFY_INCIDENTS)
        with transaction(self._engine, write=False) as conn:
            this = repo.get_incident(conn, incident_id)
            found = repo.list_incidents(
                conn,
                country_iso3=this.country_iso3,
                statuses=[
                    Verification.REPORTED,
                    Verification.UNDER_VERIFICATION,
                    Verification.VERIFIED,
                ],
                since=this.date - timedelta(days=days),
                until=this.date + timedelta(days=days),
            )
            book = AreaBook.load(conn, this.country_iso3)
        here = book.where(this)
        here_region = book.region_of(book.by_id.get(this.admin_area_id or 0))
        out = []
        for other in found:
            if other.id == this.id:
                continue
            there = book.where(other)
            if this.lon is not None and other.lon is not None and here and there:
                close = haversine_km(*here, *there) <= km
            else:
                region = book.region_of(book.by_id.get(other.admin_area_id or 0))
                close = region is not None and region == here_region
            if close:
                out.append(other)
        return sorted(out, key=lambda o: (abs((o.date - this.date).days), o.id or 0))

    def counts(self) -> dict[str, int]:
        with transaction(self._engine, write=False) as conn:
            return repo.counts(conn)

    def last_date(self, country: str) -> date | None:
        """The date of the country's latest incident in the log, if any."""
        with transaction(self._engine, write=False) as conn:
            return repo.last_date(conn, country)

    # Verification ---------------------------------------------------------------------------

    def move(
        self,
        incident_id: int,
        to: Verification,
        *,
        reason: str,
        by: Principal,
        at: datetime | None = None,
    ) -> Incident:
        """Take one verification step (``ConflictError`` when the steps do not allow it).

        Verifying and discrediting need a reason; merging goes through ``merge``. The step,
        who took it and why are kept in ``incident_steps`` and the audit log; the incident's
        event is written or deleted in the same transaction.
        """
        require(by, Permission.VERIFY_INCIDENTS)
        try:
            target = Verification(to)
        except ValueError:
            raise InputError(f"'{to}' is not a verification status", field="to") from None
        if target is Verification.MERGED:
            raise InputError("use merge, which names the incident kept", field="to")
        text = reason_text(reason)
        if target in REASON_NEEDED and not text:
            raise InputError(f"say why the incident is {target.value}", field="reason")
        moment = self._moment(at)
        with transaction(self._engine) as conn:
            current = repo.get_incident(conn, incident_id, for_update=True)
            if not can_step(current.status, target):
                allowed = (
                    ", ".join(sorted(s.value for s in VERIFICATION_STEPS[current.status]))
                    or "nothing (merged)"
                )
                raise ConflictError(
                    f"incident {incident_id} is {current.status.value} and cannot become "
                    f"{target.value}; from {current.status.value} it may become {allowed}"
                )
            self._check_order(conn, incident_id, moment)
            repo.change_incident(conn, by, incident_id, {"status": target.value})
            repo.add_step(
                conn,
                by,
                VerificationStep(incident_id, current.status, target, moment, by.username, text),
            )
            self._sync_event(conn, by, incident_id)
            return repo.get_incident(conn, incident_id)

    def merge(
        self,
        duplicate_id: int,
        into_id: int,
        *,
        reason: str,
        by: Principal,
        best: int | None = None,
        at: datetime | None = None,
    ) -> Incident:
        """Fold a duplicate report into the incident kept; returns the incident kept.

        The duplicate becomes ``merged`` (with ``merged_into_id``); its sources, actors and
        attachments are added to the kept incident, whose fatality range widens (low the
        smaller, high the larger of the two) and whose best estimate stays unless ``best``
        gives another, which the reason should explain. Duplicates merged earlier into the
        duplicate now point at the kept incident. Both events follow.
        """
        require(by, Permission.VERIFY_INCIDENTS)
        text = reason_text(reason)
        if not text:
            raise InputError("say why these reports are the same incident", field="reason")
        if duplicate_id == into_id:
            raise InputError("an incident cannot be merged into itself", field="into")
        moment = self._moment(at)
        with transaction(self._engine) as conn:
            # Lock both rows in id order, so two merges of the same pair cannot deadlock.
            locked = {
                i: repo.get_incident(conn, i, for_update=True)
                for i in sorted((duplicate_id, into_id))
            }
            dup, kept = locked[duplicate_id], locked[into_id]
            if dup.country_iso3 != kept.country_iso3:
                raise InputError(
                    f"incident {into_id} is in {kept.country_iso3}, not {dup.country_iso3}",
                    field="into",
                )
            if not can_step(dup.status, Verification.MERGED):
                raise ConflictError(
                    f"incident {duplicate_id} is {dup.status.value} and cannot be merged; "
                    "reopen it first"
                )
            if kept.status in (Verification.MERGED, Verification.DISCREDITED):
                target = f" into incident {kept.merged_into_id}" if kept.merged_into_id else ""
                raise ConflictError(
                    f"incident {into_id} is {kept.status.value}; merge{target} instead, or "
                    "reopen it first"
                )
            self._check_order(conn, duplicate_id, moment)
            self._check_order(conn, into_id, moment)
            low = min(kept.fatalities_low, dup.fatalities_low)
            high = max(kept.fatalities_high, dup.fatalities_high)
            kept_best = kept.fatalities_best if best is None else best
            if not low <= kept_best <= high:
                raise InputError(
                    f"the best estimate must lie between {low} and {high}", field="best"
                )
            repo.change_incident(
                conn,
                by,
                into_id,
                {
                    "sources": union(kept.sources, dup.sources),
                    "actors": union(kept.actors, dup.actors),
                    "attachments": [
                        repo.attachment_values(a)
                        for a in union_attachments(kept.attachments, dup.attachments)
                    ],
                    "fatalities_low": low,
                    "fatalities_best": kept_best,
                    "fatalities_high": high,
                    "injured": max(kept.injured, dup.injured),
                    "institution_site_id": kept.institution_site_id or dup.institution_site_id,
                },
            )
            repo.change_incident(
                conn,
                by,
                duplicate_id,
                {"status": Verification.MERGED.value, "merged_into_id": into_id},
            )
            for earlier in repo.list_incidents(conn, merged_into_id=duplicate_id):
                repo.change_incident(conn, by, earlier.id or 0, {"merged_into_id": into_id})
            repo.add_step(
                conn,
                by,
                VerificationStep(
                    duplicate_id, dup.status, Verification.MERGED, moment, by.username, text
                ),
            )
            # A step that keeps the status records the merge in the kept incident's history.
            repo.add_step(
                conn,
                by,
                VerificationStep(
                    into_id,
                    kept.status,
                    kept.status,
                    moment,
                    by.username,
                    f"incident {duplicate_id} merged into this one: {text}",
                ),
            )
            self._sync_event(conn, by, duplicate_id)
            self._sync_event(conn, by, into_id)
            return repo.get_incident(conn, into_id)

    # The demo -------------------------------------------------------------------------------

    def load_demo(self, items: Sequence[DemoIncident], *, country: str, by: Principal) -> int:
        """Report, verify and merge generated incidents with their own timestamps, through
        ``report``, ``move`` and ``merge``; returns the incidents reported."""
        require(by, Permission.VERIFY_INCIDENTS)
        now = utcnow()
        with transaction(self._engine, write=False) as conn:
            iso3 = self._country(conn, country)
            site_ids = {s.name: s.id for s in institutions_repo.list_sites(conn, country_iso3=iso3)}
        ids: dict[str, int] = {}
        for item in sorted(items, key=lambda i: i.reported_at):
            if item.reported_at > now:  # a clock behind the scenario: leave the rest out
                continue
            incident = replace(
                item.incident,
                country_iso3=iso3,
                institution_site_id=site_ids.get(item.site) if item.site else None,
            )
            ids[item.reference] = self.report(incident, by=by, at=item.reported_at).id or 0
        # Every step of every incident in the order they were taken, so that a merge comes
        # after the steps that the incident kept took before it.
        steps = sorted(
            (
                (step.at, n, item.reference, step)
                for item in items
                for n, step in enumerate(item.steps)
            ),
            key=lambda s: (s[0], s[2], s[1]),
        )
        for at, _, reference, step in steps:
            if at > now or reference not in ids:
                continue
            if step.merge_into is not None:
                if step.merge_into in ids:
                    self.merge(
                        ids[reference], ids[step.merge_into], reason=step.reason, by=by, at=at
                    )
                continue
            self.move(ids[reference], step.to, reason=step.reason, by=by, at=at)
        return len(ids)

    # Internals ------------------------------------------------------------------------------

    def _moment(self, at: datetime | None) -> datetime:
        now = utcnow()
        if at is None:
            return now
        if at.tzinfo is None:
            raise InputError("a time without a time zone; give it in UTC", field="at")
        moment = at.astimezone(UTC)
        if moment > now + CLOCK_SKEW:
            raise InputError("the time given is in the future", field="at")
        return moment

    def _country(self, conn: Connection, country: str) -> str:
        iso3 = (country or "").strip().upper()
        if places.find_country(conn, iso3) is None:
            raise InputError(f"no country with the code '{country}'", field="country")
        return iso3

    def _resolve(self, conn: Connection, i: Incident, areas: AreaBook) -> Incident:
        """Check the area and the site against the database; give a point its area."""
        if i.admin_area_id is not None and i.admin_area_id not in areas.by_id:
            raise InputError(
                f"no admin area {i.admin_area_id} in {i.country_iso3}", field="admin_area_id"
            )
        if i.institution_site_id is not None:
            known = {
                s.id: s for s in institutions_repo.list_sites(conn, country_iso3=i.country_iso3)
            }
            site = known.get(i.institution_site_id)
            if site is None:
                raise InputError(
                    f"no institution site {i.institution_site_id} in {i.country_iso3}",
                    field="institution_site_id",
                )
            if not i.place_name:  # the site attacked names the place
                i = replace(i, place_name=site.name)
        if i.admin_area_id is None and i.lon is not None and i.lat is not None and areas.by_id:
            found = areas.locate(i.lon, i.lat)
            if found is None:
                raise InputError(
                    f"({i.lon}, {i.lat}) lies outside every admin area of {i.country_iso3}; "
                    "check the coordinates (longitude first, decimal degrees)",
                    field="lon/lat",
                )
            i = replace(i, admin_area_id=found.id)
        return i

    def _create(
        self, conn: Connection, i: Incident, *, by: Principal, at: datetime
    ) -> tuple[Incident, bool]:
        """Insert a checked incident as reported, with its first step; or find it by its
        reference when another transaction stored it first."""
        new = replace(
            i,
            status=Verification.REPORTED,
            reported_by=by.username,
            reported_at=at,
            merged_into_id=None,
            id=None,
        )
        try:
            with conn.begin_nested():
                new_id = repo.create_incident(conn, by, new)
        except IntegrityError:
            found = repo.find_by_reference(conn, i.country_iso3, i.reference or "")
            if found is None:
                raise
            return found, False
        repo.add_step(
            conn, by, VerificationStep(new_id, None, Verification.REPORTED, at, by.username)
        )
        return replace(new, id=new_id), True

    def _check_order(self, conn: Connection, incident_id: int, moment: datetime) -> None:
        history = repo.steps(conn, [incident_id])[incident_id]
        if history and moment < history[-1].at:
            raise InputError(
                "a step cannot be dated before the incident's previous step", field="at"
            )

    def _sync_event(self, conn: Connection, by: Principal, incident_id: int) -> None:
        """The incident's event as its status says: written while verified, else gone."""
        incident = repo.get_incident(conn, incident_id)
        event = self._event(conn, incident) if incident.status.counts else None
        if event is not None:
            repo.publish_event(conn, by, event)
        else:
            repo.withdraw_event(
                conn, by, EventSource.INCIDENT.value, str(incident_id), EVENT_VERSION
            )

    def _event(self, conn: Connection, i: Incident) -> Event | None:
        """The UCDP-style event of an incident of organised violence (None for other types)."""
        kind = i.type.violence_type
        if kind is None or i.id is None:
            return None
        areas = AreaBook.load(conn, i.country_iso3)
        area = areas.by_id.get(i.admin_area_id or 0)
        point = areas.where(i)
        lon, lat = point if point else (None, None)
        chain = areas.chain(area)
        country = places.get_country(conn, i.country_iso3)
        return Event(
            source=EventSource.INCIDENT,
            source_id=str(i.id),
            version=EVENT_VERSION,
            type_of_violence=kind,
            date_start=i.date,
            date_end=i.date,
            best=i.fatalities_best,
            low=i.fatalities_low,
            high=i.fatalities_high,
            lon=lon,
            lat=lat,
            country_gw=country.gw_code,
            country=country.name,
            priogrid_gid=PriogridCell.at(lon, lat).gid
            if lon is not None and lat is not None
            else None,
            adm_1=chain.get(1),
            adm_2=chain.get(2),
            where_prec=UCDP_WHERE_PREC[i.place_precision],
            date_prec=UCDP_DATE_PREC[i.date_precision],
            side_a=i.actors[0] if i.actors else None,
            side_b=i.actors[1] if len(i.actors) > 1 else None,
        )


# Helpers ---------------------------------------------------------------------------------------


def change_kind(before: Verification | None, after: Incident) -> str | None:
    """What a verification step or merge tells ``Platform.after_change`` once committed:
    ``incident_verified`` when the incident is verified (newly, or changed by a merge),
    ``events`` when it left verified (its event is gone), else None."""
    if after.status is Verification.VERIFIED:
        return "incident_verified"
    if before is Verification.VERIFIED:
        return "events"
    return None


def _problem(path: Path, line: int | None, column: str, message: str) -> Problem:
    return Problem(message, source=path.name, line=line, field=column)


def _visible(i: Incident, by: Principal) -> bool:
    return by.can(Permission.REPORT_INCIDENTS) or i.status.counts


def _statuses(by: Principal, status: Verification | None) -> builtins.list[Verification]:
    wanted = [Verification(status)] if status is not None else builtins.list(Verification)
    if by.can(Permission.REPORT_INCIDENTS):
        return wanted
    return [s for s in wanted if s.counts]


__all__ = [
    "EVENT_VERSION",
    "IncidentView",
    "IncidentsService",
    "change_kind",
    "check_bbox",
    "haversine_km",
    "latest_day",
]
