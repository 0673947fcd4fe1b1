"""Loading the demonstration scenario through the same services users go through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from peaceops.domain.access import Principal
from peaceops.domain.institutions import Site
from peaceops.errors import ConflictError
from peaceops.platform.accounts import AccountsService
from peaceops.platform.actors import ActorsService
from peaceops.platform.events import EventsService
from peaceops.platform.institutions import InstitutionsService
from peaceops.platform.missions import MissionsService
from peaceops.platform.places import PlacesService
from peaceops.scenario.carana import Scenario
from peaceops.storage import transaction
from peaceops.storage.repositories import places as places_repo

Progress = Callable[[str, int], None]


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    role: str
    password: str


def load_scenario(
    scenario: Scenario,
    *,
    places: PlacesService,
    institutions: InstitutionsService,
    actors: ActorsService,
    missions: MissionsService,
    accounts: AccountsService,
    events: EventsService,
    by: Principal,
    progress: Progress | None = None,
) -> list[DemoLogin]:
    """Write the scenario into a database that holds none of it yet.

    Everything that could clash (the country's boundaries, user names, organisations, the
    mission) is checked before anything is written, so a refusal leaves the database as it was.
    """
    step = progress or (lambda _label, _n: None)
    engine = places._engine
    with transaction(engine, write=False) as conn:
        if places_repo.find_country(conn, scenario.country.iso3) is not None and (
            places_repo.count_admin_areas(conn, scenario.country.iso3)
        ):
            raise ConflictError(
                f"the {scenario.country.name} scenario is loaded already in this database"
            )
    clashes = sorted(
        {u.username for u in accounts.list_users(by=by)} & {u.username for u in scenario.users}
    )
    clashes += sorted({a.name for a in actors.list()} & {a.name for a in scenario.actors})
    if scenario.mission and any(m.acronym == scenario.mission.acronym for m in missions.list()):
        clashes.append(scenario.mission.acronym)
    if clashes:
        raise ConflictError(
            f"this database already has {', '.join(clashes)}; the demonstration needs a "
            "database of its own (unset PEACEOPS_DATABASE_URL, or point it at a new file)"
        )
    places.add_country(scenario.country, by=by)
    step("country", 1)
    _write_areas(places, scenario, by)
    step("boundaries", len(scenario.regions) + len(scenario.districts))
    places.create_settlements(scenario.settlements, by=by)
    step("towns", len(scenario.settlements))

    ids: dict[str, int] = {}
    for key, inst in scenario.institutions.items():
        ids[key] = institutions.create(inst, by=by).id or 0
    for key, parent in scenario.institution_parents.items():
        institutions.update(ids[key], {"parent_id": ids[parent]}, by=by)
    step("institutions", len(ids))
    area_ids = {
        a.pcode: a.id
        for a in places.admin_areas(scenario.country.iso3, level=2, with_geometry=False)
    }
    for spec in scenario.sites:
        institutions.add_site(
            Site(
                institution_id=ids[spec.institution_key],
                name=spec.name,
                kind=spec.kind,
                lon=spec.lon,
                lat=spec.lat,
                admin_area_id=area_ids.get(spec.district_pcode),
            ),
            by=by,
        )
    step("sites", len(scenario.sites))

    actor_ids = {a.name: actors.create(a, by=by).id for a in scenario.actors}
    step("actors", len(actor_ids))
    if scenario.mission is not None:
        missions.create(scenario.mission, by=by)
        step("mission", 1)

    events.add_events(scenario.events, label="Carana scenario events", by=by)
    step("events", len(scenario.events))

    logins = []
    for person in scenario.users:
        accounts.create_user(
            username=person.username,
            role=person.role,
            display_name=person.display_name,
            password=scenario.password,
            by=by,
            actor_id=actor_ids.get(person.actor_name) if person.actor_name else None,
            language=person.language,
        )
        logins.append(DemoLogin(person.username, person.role.value, scenario.password))
    step("users", len(logins))
    return logins


def _write_areas(places: PlacesService, scenario: Scenario, by: Principal) -> None:
    """Boundaries go through the GeoJSON importer, exactly as a user's file would."""
    import json
    import tempfile
    from pathlib import Path

    from peaceops.ingest.geojson import feature_collection

    with tempfile.TemporaryDirectory() as folder:
        for level, areas in ((1, scenario.regions), (2, scenario.districts)):
            path = Path(folder) / f"carana_admin{level}.geojson"
            path.write_text(json.dumps(feature_collection(areas)), encoding="utf-8")
            places.import_boundaries(path, level=level, by=by)
