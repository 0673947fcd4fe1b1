"""Benchmark sets of a country: every version kept, each drafted, agreed or superseded.

Every write goes through ``audited`` in the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from peaceops.domain.access import Principal
from peaceops.domain.transition import (
    Benchmark,
    BenchmarkSet,
    Condition,
    ConditionKind,
    Direction,
    SetStatus,
)
from peaceops.errors import NotFound
from peaceops.storage.repositories import audited
from peaceops.storage.tables import benchmark_sets
from peaceops.storage.types import utcnow


def benchmarks_json(s: BenchmarkSet) -> list[dict[str, Any]]:
    return [
        {
            "key": b.key,
            "statement": dict(b.statement),
            "institution": b.institution,
            "area": b.area,
            "conditions": [
                {
                    "key": c.key,
                    "kind": c.kind.value,
                    "threshold": c.threshold,
                    "direction": c.direction.value,
                    "target": c.target,
                    "months": c.months,
                    "label": dict(c.label),
                }
                for c in b.conditions
            ],
        }
        for b in s.benchmarks
    ]


def _benchmarks(data: list[dict[str, Any]]) -> tuple[Benchmark, ...]:
    return tuple(
        Benchmark(
            key=b["key"],
            statement=dict(b["statement"]),
            institution=b.get("institution") or "",
            area=b.get("area") or "",
            conditions=tuple(
                Condition(
                    key=c["key"],
                    kind=ConditionKind(c["kind"]),
                    threshold=float(c["threshold"]),
                    direction=Direction(c.get("direction") or Direction.AT_LEAST),
                    target=c.get("target") or "",
                    months=int(c.get("months") or 1),
                    label=dict(c.get("label") or {}),
                )
                for c in b.get("conditions") or ()
            ),
        )
        for b in data
    )


def _set(row: Any) -> BenchmarkSet:
    return BenchmarkSet(
        code=row["code"],
        version=row["version"],
        title=dict(row["title"] or {}),
        benchmarks=_benchmarks(row["benchmarks"] or []),
        target_date=row["target_date"],
        status=SetStatus(row["status"]),
        agreed_by=row["agreed_by"] or "",
        agreed_on=row["agreed_on"],
        country_iso3=row["country_iso3"],
        note=row["note"] or "",
        revises_id=row["revises_id"],
        id=row["id"],
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


def add_set(conn: Connection, s: BenchmarkSet, *, by: Principal) -> int:
    values = {
        "country_iso3": s.country_iso3,
        "code": s.code,
        "version": s.version,
        "title": dict(s.title),
        "target_date": s.target_date,
        "benchmarks": benchmarks_json(s),
        "status": s.status.value,
        "agreed_by": s.agreed_by,
        "agreed_on": s.agreed_on,
        "note": s.note,
        "revises_id": s.revises_id,
        "created_by": by.username,
        "created_at": utcnow(),
    }
    return int(audited.create(conn, by, benchmark_sets, values))


def set_status(
    conn: Connection,
    set_id: int,
    status: SetStatus,
    *,
    by: Principal,
    agreed_by: str | None = None,
    agreed_on: Any = None,
    note: str | None = None,
) -> bool:
    values: dict[str, Any] = {"status": status.value}
    if agreed_by is not None:
        values["agreed_by"] = agreed_by
        values["agreed_on"] = agreed_on
    if note is not None:
        values["note"] = note
    return audited.change(conn, by, benchmark_sets, set_id, values)


def remove_set(conn: Connection, set_id: int, *, by: Principal) -> None:
    audited.remove(conn, by, benchmark_sets, set_id)


def get_set(conn: Connection, set_id: int) -> BenchmarkSet:
    row = (
        conn.execute(select(benchmark_sets).where(benchmark_sets.c.id == set_id)).mappings().first()
    )
    if row is None:
        raise NotFound(f"no benchmark set {set_id}")
    return _set(row)


def list_sets(conn: Connection, *, country: str | None = None) -> list[BenchmarkSet]:
    query = select(benchmark_sets).order_by(
        benchmark_sets.c.country_iso3, benchmark_sets.c.code, benchmark_sets.c.id
    )
    if country:
        query = query.where(benchmark_sets.c.country_iso3 == country)
    return [_set(r) for r in conn.execute(query).mappings()]
