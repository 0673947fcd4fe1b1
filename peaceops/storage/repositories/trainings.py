"""Training records: courses, sessions, trainees (names encrypted by the caller), attendance."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from peaceops.domain.training import Course, TrainingSession
from peaceops.errors import NotFound
from peaceops.storage.tables import (
    institutions,
    trainees,
    training_courses,
    training_participations,
    training_sessions,
)


def _upsert(
    conn: Connection, table: Any, where: dict[str, Any], values: dict[str, Any]
) -> tuple[int, str]:
    """Insert, update or leave a row found by ``where``; returns its id and the outcome."""
    clause = [table.c[k] == v for k, v in where.items()]
    row = conn.execute(select(table).where(*clause)).mappings().first()
    if row is None:
        new_id = conn.execute(
            insert(table).values(**where, **values).returning(table.c.id)
        ).scalar_one()
        return int(new_id), "created"
    if all(row[k] == v for k, v in values.items()):
        return int(row["id"]), "unchanged"
    conn.execute(update(table).where(table.c.id == row["id"]).values(**values))
    return int(row["id"]), "updated"


def upsert_course(conn: Connection, course: Course) -> tuple[int, str]:
    return _upsert(
        conn,
        training_courses,
        {"code": course.code},
        {
            "title": course.title,
            "topic": course.topic,
            "tags": list(course.tags),
            "duration_days": course.duration_days,
            "provider": course.provider,
        },
    )


def course_ids(conn: Connection) -> dict[str, int]:
    return {
        r.code: r.id for r in conn.execute(select(training_courses.c.code, training_courses.c.id))
    }


def upsert_session(
    conn: Connection, session: TrainingSession, *, course_id: int
) -> tuple[int, str]:
    return _upsert(
        conn,
        training_sessions,
        {"course_id": course_id, "start": session.start, "place": session.place},
        {
            "end": session.end,
            "provider": session.provider,
            "activity_identifier": session.activity_identifier,
            "admin_area_id": session.admin_area_id,
        },
    )


def trainee_rows(conn: Connection, institution_id: int | None = None) -> list[dict[str, Any]]:
    query = select(trainees)
    if institution_id is not None:
        query = query.where(trainees.c.institution_id == institution_id)
    return [dict(r) for r in conn.execute(query.order_by(trainees.c.id)).mappings()]


def insert_trainee(conn: Connection, values: dict[str, Any]) -> int:
    return int(
        conn.execute(insert(trainees).values(**values).returning(trainees.c.id)).scalar_one()
    )


def update_trainee(conn: Connection, trainee_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(trainees).where(trainees.c.id == trainee_id).values(**values))


def upsert_participation(
    conn: Connection, session_id: int, trainee_id: int, values: dict[str, Any]
) -> str:
    row = (
        conn.execute(
            select(training_participations).where(
                training_participations.c.session_id == session_id,
                training_participations.c.trainee_id == trainee_id,
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        conn.execute(
            insert(training_participations).values(
                session_id=session_id, trainee_id=trainee_id, **values
            )
        )
        return "created"
    if all(row[k] == v for k, v in values.items()):
        return "unchanged"
    conn.execute(
        update(training_participations)
        .where(
            training_participations.c.session_id == session_id,
            training_participations.c.trainee_id == trainee_id,
        )
        .values(**values)
    )
    return "updated"


def sessions(conn: Connection) -> list[dict[str, Any]]:
    """Every session with its course and attendance counts by sex and outcome."""
    p, t, s, c = training_participations, trainees, training_sessions, training_courses
    counts: dict[int, dict[str, int]] = {}
    rows = conn.execute(
        select(p.c.session_id, t.c.sex, p.c.completed, p.c.certified, func.count())
        .join(t, t.c.id == p.c.trainee_id)
        .group_by(p.c.session_id, t.c.sex, p.c.completed, p.c.certified)
    )
    for session_id, sex, completed, certified, n in rows:
        d = counts.setdefault(
            session_id, {"total": 0, "female": 0, "male": 0, "completed": 0, "certified": 0}
        )
        d["total"] += n
        if sex in ("female", "male"):
            d[sex] += n
        d["completed"] += n if completed else 0
        d["certified"] += n if certified else 0
    out = []
    query = (
        select(s, c.c.code, c.c.title, c.c.topic, c.c.tags)
        .join(c, c.c.id == s.c.course_id)
        .order_by(s.c.start, c.c.code)
    )
    for r in conn.execute(query).mappings():
        out.append(
            {
                **dict(r),
                **counts.get(
                    r["id"], {"total": 0, "female": 0, "male": 0, "completed": 0, "certified": 0}
                ),
            }
        )
    return out


def get_session(conn: Connection, session_id: int) -> dict[str, Any]:
    for row in sessions(conn):
        if row["id"] == session_id:
            return row
    raise NotFound(f"training session {session_id} does not exist")


def attendees(conn: Connection, session_id: int) -> list[dict[str, Any]]:
    p, t, i = training_participations, trainees, institutions
    query = (
        select(t, p.c.completed, p.c.certified, p.c.score, i.c.name.label("institution"))
        .join(p, p.c.trainee_id == t.c.id)
        .join(i, i.c.id == t.c.institution_id)
        .where(p.c.session_id == session_id)
        .order_by(t.c.service_number)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def follow_up(conn: Connection, *, by_topic: bool = False) -> list[dict[str, Any]]:
    """People who completed training, by institution, sex, vetting and deployment status
    (each person once), or by institution and course topic."""
    p, t, s, c, i = (
        training_participations,
        trainees,
        training_sessions,
        training_courses,
        institutions,
    )
    keys: list[Any] = [i.c.id.label("institution_id"), i.c.name.label("institution")]
    keys += [c.c.topic] if by_topic else [t.c.sex, t.c.vetting, t.c.deployment]
    query = (
        select(*keys, func.count(func.distinct(t.c.id)).label("people"))
        .join(p, p.c.trainee_id == t.c.id)
        .join(s, s.c.id == p.c.session_id)
        .join(c, c.c.id == s.c.course_id)
        .join(i, i.c.id == t.c.institution_id)
        .where(p.c.completed.is_(True))
        .group_by(*keys)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def counts(conn: Connection) -> dict[str, int]:
    return {
        "courses": conn.execute(select(func.count()).select_from(training_courses)).scalar_one(),
        "sessions": conn.execute(select(func.count()).select_from(training_sessions)).scalar_one(),
        "trainees": conn.execute(select(func.count()).select_from(trainees)).scalar_one(),
        "participations": conn.execute(
            select(func.count()).select_from(training_participations)
        ).scalar_one(),
    }
