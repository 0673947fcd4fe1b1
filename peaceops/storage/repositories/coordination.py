"""Programmes and money: activities with their participants, places and transactions;
duplicate decisions; actor merges."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from peaceops.domain.access import Principal
from peaceops.domain.actors import Actor
from peaceops.domain.coordination import (
    Activity,
    ActivityLocation,
    ActivityStatus,
    Budget,
    Capability,
    Decision,
    Money,
    OrgRole,
    PairDecision,
    Participant,
    Result,
    ResultIndicator,
    ResultPeriod,
    SectorShare,
    Transaction,
    TransactionType,
)
from peaceops.errors import NotFound
from peaceops.storage.repositories import audited, versions
from peaceops.storage.tables import (
    activities,
    activity_institutions,
    activity_locations,
    activity_participants,
    activity_transactions,
    actor_merges,
    actors,
    duplicate_decisions,
    users,
)
from peaceops.storage.types import utcnow

# The data version raised by every write to activities or their children (see versions.py):
# a process keeps the activities it loaded until it changes.
VERSION = "activities"


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _results_json(results: Sequence[Result]) -> list[dict[str, Any]]:
    return [
        {
            "title": r.title,
            "type": r.type,
            "indicators": [
                {
                    "title": i.title,
                    "measure": i.measure,
                    "baseline": i.baseline,
                    "baseline_year": i.baseline_year,
                    "framework_indicator": i.framework_indicator,
                    "periods": [
                        {
                            "start": _iso(p.start),
                            "end": _iso(p.end),
                            "target": p.target,
                            "actual": p.actual,
                        }
                        for p in i.periods
                    ],
                }
                for i in r.indicators
            ],
        }
        for r in results
    ]


def _results(data: list[dict[str, Any]]) -> list[Result]:
    return [
        Result(
            title=r["title"],
            type=r["type"],
            indicators=tuple(
                ResultIndicator(
                    title=i["title"],
                    measure=i["measure"],
                    baseline=i["baseline"],
                    baseline_year=i["baseline_year"],
                    framework_indicator=i["framework_indicator"],
                    periods=tuple(
                        ResultPeriod(_date(p["start"]), _date(p["end"]), p["target"], p["actual"])
                        for p in i["periods"]
                    ),
                )
                for i in r["indicators"]
            ),
        )
        for r in data
    ]


def activity_values(act: Activity) -> dict[str, Any]:
    """The activity's own row (children are stored in their tables)."""
    return {
        "identifier": act.identifier,
        "source": act.source,
        "title": dict(act.title),
        "description": dict(act.description),
        "status": int(act.status) if act.status is not None else None,
        "planned_start": act.planned_start,
        "actual_start": act.actual_start,
        "planned_end": act.planned_end,
        "actual_end": act.actual_end,
        "reporting_org": act.reporting_org.name if act.reporting_org else None,
        "reporting_org_ref": act.reporting_org.ref if act.reporting_org else None,
        "reporting_actor_id": act.reporting_org.actor_id if act.reporting_org else None,
        "default_currency": act.default_currency,
        "countries": [[iso3, pct] for iso3, pct in act.countries],
        "sectors": [
            {"code": s.code, "vocabulary": s.vocabulary, "percentage": s.percentage, "name": s.name}
            for s in act.sectors
        ],
        "capabilities": sorted(c.value for c in act.capabilities),
        "budgets": [
            {
                "start": b.period_start.isoformat(),
                "end": b.period_end.isoformat(),
                "value": b.amount.value,
                "currency": b.amount.currency,
                "value_date": _iso(b.amount.value_date),
                "revised": b.revised,
            }
            for b in act.budgets
        ],
        "results": _results_json(act.results),
    }


def _children(act: Activity) -> dict[str, list[dict[str, Any]]]:
    return {
        "participants": [
            {
                "role": int(p.role),
                "name": p.name,
                "ref": p.ref,
                "org_type": p.org_type,
                "actor_id": p.actor_id,
            }
            for p in act.participants
        ],
        "institutions": [{"institution_id": i} for i in sorted(set(act.institution_ids))],
        "locations": [
            {
                "name": loc.name,
                "lon": loc.lon,
                "lat": loc.lat,
                "country_iso3": loc.country_iso3,
                "admin_level": loc.admin_level,
                "admin_code": loc.admin_code,
                "admin_area_id": loc.admin_area_id,
            }
            for loc in act.locations
        ],
        "transactions": [
            {
                "type": int(t.type),
                "date": t.date,
                "value": t.amount.value,
                "currency": t.amount.currency,
                "value_date": t.amount.value_date,
                "provider": t.provider,
                "provider_ref": t.provider_ref,
                "receiver": t.receiver,
                "receiver_ref": t.receiver_ref,
                "description": t.description,
            }
            for t in act.transactions
        ],
    }


_NOUNS = {
    "activities": "activity",
    "activity_participants": "organisation",
    "activity_locations": "location",
    "activity_transactions": "transaction",
}


def oversized(act: Activity) -> tuple[str, int] | None:
    """The first value of an activity longer than its column holds, as ("organisation name",
    300): PostgreSQL refuses such a value where SQLite would store it, so importers check."""
    children = _children(act)
    rows = [
        (activities, activity_values(act)),
        *((activity_participants, r) for r in children["participants"]),
        *((activity_locations, r) for r in children["locations"]),
        *((activity_transactions, r) for r in children["transactions"]),
    ]
    for table, values in rows:
        for name, value in values.items():
            length = getattr(table.c[name].type, "length", None)
            if isinstance(value, str) and length is not None and len(value) > length:
                return f"{_NOUNS[table.name]} {name}", length
    return None


def digest(act: Activity) -> str:
    """A digest of everything stored about an activity, to make re-imports no-ops."""
    text = json.dumps(
        [audited.jsonable(activity_values(act)), _children(act)],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Stored:
    id: int
    outcome: str
    """``created``, ``updated`` or ``unchanged``."""


def existing_digests(conn: Connection, identifiers: Iterable[str]) -> dict[str, tuple[int, str]]:
    ids = list(identifiers)
    out: dict[str, tuple[int, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            select(activities.c.identifier, activities.c.id, activities.c.sha256).where(
                activities.c.identifier.in_(chunk)
            )
        )
        out.update({r.identifier: (r.id, r.sha256) for r in rows})
    return out


def store_activity(
    conn: Connection, act: Activity, *, known: tuple[int, str] | None = None
) -> Stored:
    """Insert or replace an activity and its children (the caller audits the import)."""
    sha = digest(act)
    values = {**activity_values(act), "sha256": sha, "updated_at": utcnow()}
    if known is not None and known[1] == sha:
        return Stored(known[0], "unchanged")
    versions.bump(conn, VERSION)
    if known is None:
        row_id = conn.execute(insert(activities).values(**values).returning(activities.c.id))
        activity_id: int = row_id.scalar_one()
        outcome = "created"
    else:
        activity_id = known[0]
        conn.execute(update(activities).where(activities.c.id == activity_id).values(**values))
        for table in (
            activity_participants,
            activity_institutions,
            activity_locations,
            activity_transactions,
        ):
            conn.execute(delete(table).where(table.c.activity_id == activity_id))
        outcome = "updated"
    children = _children(act)
    for table, rows in (
        (activity_participants, children["participants"]),
        (activity_institutions, children["institutions"]),
        (activity_locations, children["locations"]),
        (activity_transactions, children["transactions"]),
    ):
        if rows:
            conn.execute(insert(table), [{**r, "activity_id": activity_id} for r in rows])
    return Stored(activity_id, outcome)


def delete_activity(conn: Connection, by: Principal, activity_id: int) -> None:
    audited.remove(conn, by, activities, activity_id)
    versions.bump(conn, VERSION)


def activities_version(conn: Connection) -> int:
    """The activities' data version: it changes with every write to them."""
    return versions.current(conn, VERSION)


def _activity(row: Any, children: dict[str, list[Any]]) -> Activity:
    reporting = (
        Participant(
            OrgRole.ACCOUNTABLE,
            row.reporting_org,
            ref=row.reporting_org_ref,
            actor_id=row.reporting_actor_id,
        )
        if row.reporting_org
        else None
    )
    return Activity(
        id=row.id,
        identifier=row.identifier,
        source=row.source,
        title=dict(row.title),
        description=dict(row.description),
        status=ActivityStatus(row.status) if row.status is not None else None,
        planned_start=row.planned_start,
        actual_start=row.actual_start,
        planned_end=row.planned_end,
        actual_end=row.actual_end,
        reporting_org=reporting,
        default_currency=row.default_currency,
        countries=[(c[0], c[1]) for c in row.countries],
        sectors=[SectorShare(**s) for s in row.sectors],
        capabilities=[Capability(c) for c in row.capabilities],
        budgets=[
            Budget(
                _date(b["start"]) or date.min,
                _date(b["end"]) or date.min,
                Money(b["value"], b["currency"], _date(b["value_date"])),
                b["revised"],
            )
            for b in row.budgets
        ],
        results=_results(row.results),
        participants=[
            Participant(OrgRole(p.role), p.name, p.ref, p.org_type, p.actor_id)
            for p in children["participants"]
        ],
        institution_ids=[i.institution_id for i in children["institutions"]],
        locations=[
            ActivityLocation(
                name=loc.name,
                lon=loc.lon,
                lat=loc.lat,
                admin_area_id=loc.admin_area_id,
                country_iso3=loc.country_iso3,
                admin_level=loc.admin_level,
                admin_code=loc.admin_code,
            )
            for loc in children["locations"]
        ],
        transactions=[
            Transaction(
                type=TransactionType(t.type),
                date=t.date,
                amount=Money(t.value, t.currency, t.value_date),
                provider=t.provider,
                provider_ref=t.provider_ref,
                receiver=t.receiver,
                receiver_ref=t.receiver_ref,
                description=t.description,
            )
            for t in children["transactions"]
        ],
    )


def load_activities(
    conn: Connection,
    *,
    ids: Sequence[int] | None = None,
    actor_id: int | None = None,
    institution_id: int | None = None,
) -> list[Activity]:
    """Activities with all their children, in identifier order."""
    query = select(activities).order_by(activities.c.identifier)
    if ids is not None:
        query = query.where(activities.c.id.in_(list(ids)))
    if actor_id is not None:
        query = query.where(
            or_(
                activities.c.reporting_actor_id == actor_id,
                activities.c.id.in_(
                    select(activity_participants.c.activity_id).where(
                        activity_participants.c.actor_id == actor_id
                    )
                ),
            )
        )
    if institution_id is not None:
        query = query.where(
            activities.c.id.in_(
                select(activity_institutions.c.activity_id).where(
                    activity_institutions.c.institution_id == institution_id
                )
            )
        )
    rows = list(conn.execute(query))
    children: dict[int, dict[str, list[Any]]] = defaultdict(
        lambda: {"participants": [], "institutions": [], "locations": [], "transactions": []}
    )
    wanted = [r.id for r in rows]
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for key, table, order in (
            ("participants", activity_participants, activity_participants.c.id),
            ("institutions", activity_institutions, activity_institutions.c.institution_id),
            ("locations", activity_locations, activity_locations.c.id),
            ("transactions", activity_transactions, activity_transactions.c.id),
        ):
            for child in conn.execute(
                select(table).where(table.c.activity_id.in_(chunk)).order_by(order)
            ):
                children[child.activity_id][key].append(child)
    return [_activity(r, children[r.id]) for r in rows]


def get_activity(conn: Connection, activity_id: int) -> Activity:
    found = load_activities(conn, ids=[activity_id])
    if not found:
        raise NotFound(f"activity {activity_id} does not exist")
    return found[0]


def find_activity(conn: Connection, identifier: str) -> Activity:
    row = conn.execute(
        select(activities.c.id).where(activities.c.identifier == identifier)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no activity has the identifier {identifier!r}")
    return get_activity(conn, row)


def count_activities(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(activities)).scalar_one())


# Duplicate decisions -------------------------------------------------------------------------


def decisions(conn: Connection) -> dict[tuple[str, str], PairDecision]:
    out = {}
    for r in conn.execute(select(duplicate_decisions)):
        out[(r.first_identifier, r.second_identifier)] = PairDecision(
            r.first_identifier,
            r.second_identifier,
            Decision(r.decision),
            r.note,
            r.decided_by,
            r.decided_at,
        )
    return out


def decide(
    conn: Connection, by: Principal, first: str, second: str, decision: Decision, note: str
) -> None:
    a, b = PairDecision.key(first, second)
    values = {
        "decision": decision.value,
        "note": note,
        "decided_by": by.username,
        "decided_at": utcnow(),
    }
    existing = conn.execute(
        select(duplicate_decisions.c.id).where(
            duplicate_decisions.c.first_identifier == a,
            duplicate_decisions.c.second_identifier == b,
        )
    ).scalar_one_or_none()
    if existing is None:
        audited.create(
            conn,
            by,
            duplicate_decisions,
            {"first_identifier": a, "second_identifier": b, **values},
        )
    else:
        audited.change(conn, by, duplicate_decisions, existing, values)


# Actor merges --------------------------------------------------------------------------------


def merge_actor(conn: Connection, by: Principal, keep: Actor, other: Actor) -> None:
    """Fold ``other`` into ``keep``: its names become variants, its links move, it goes."""
    assert keep.id is not None and other.id is not None
    variants = list(keep.name_variants)
    for name in (other.name, other.acronym, *other.name_variants):
        if name and name not in variants and name not in (keep.name, keep.acronym):
            variants.append(name)
    values: dict[str, Any] = {"name_variants": variants}
    if keep.iati_org_id is None and other.iati_org_id:
        values["iati_org_id"] = other.iati_org_id
    if keep.acronym is None and other.acronym:
        values["acronym"] = other.acronym
    for table, column in (
        (activity_participants, activity_participants.c.actor_id),
        (activities, activities.c.reporting_actor_id),
        (users, users.c.actor_id),
    ):
        for row_id in conn.execute(select(table.c.id).where(column == other.id)).scalars():
            audited.change(conn, by, table, row_id, {column.name: keep.id})
    audited.create(
        conn,
        by,
        actor_merges,
        {
            "into_actor_id": keep.id,
            "merged_name": other.name,
            "merged_acronym": other.acronym,
            "merged_iati_org_id": other.iati_org_id,
            "merged_by": by.username,
            "merged_at": utcnow(),
        },
    )
    # The unique IATI identifier moves only once the merged record is gone.
    audited.remove(conn, by, actors, other.id)
    audited.change(conn, by, actors, keep.id, values)
    versions.bump(conn, VERSION)


def merges_into(conn: Connection, actor_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(actor_merges)
        .where(actor_merges.c.into_actor_id == actor_id)
        .order_by(actor_merges.c.merged_at)
    ).mappings()
    return [dict(r) for r in rows]


def link_participants(conn: Connection, names: dict[str, int]) -> int:
    """Point participants written under ``names`` (casefolded) at their actors."""
    n = 0
    for r in conn.execute(
        select(activity_participants.c.id, activity_participants.c.name).where(
            activity_participants.c.actor_id.is_(None)
        )
    ):
        actor_id = names.get(" ".join(r.name.casefold().split()))
        if actor_id is not None:
            conn.execute(
                update(activity_participants)
                .where(activity_participants.c.id == r.id)
                .values(actor_id=actor_id)
            )
            n += 1
    if n:
        versions.bump(conn, VERSION)
    return n
