"""Perception surveys: questionnaires, waves and submissions (personal answers encrypted by the
caller before they reach this module)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from peaceops.domain.access import Principal
from peaceops.domain.surveys import (
    Choice,
    FieldRole,
    ItemMapping,
    Question,
    Survey,
    SurveyForm,
    Wave,
)
from peaceops.errors import ConflictError, NotFound
from peaceops.storage.repositories import audited, versions
from peaceops.storage.tables import survey_submissions, survey_waves, surveys
from peaceops.storage.types import utcnow

VERSION = "survey_submissions"
"""The data version raised by every write to stored submissions (estimates are cached by it)."""

# The questionnaire as stored JSON ---------------------------------------------------------------


def form_to_json(form: SurveyForm) -> dict[str, Any]:
    return {
        "form_id": form.form_id,
        "version": form.version,
        "title": form.title,
        "default_language": form.default_language,
        "languages": list(form.languages),
        "framework": form.framework,
        "roles": {k: v.value for k, v in form.roles.items()},
        "items": [
            {"question": m.question, "item_code": m.item_code, "recode": m.recode}
            for m in form.items
        ],
        "questions": [
            {
                "name": q.name,
                "type": q.type,
                "label": q.label,
                "path": list(q.path),
                "repeat": q.repeat,
                "list_name": q.list_name,
                "choices": [{"name": c.name, "label": c.label} for c in q.choices],
                "required": q.required,
            }
            for q in form.questions
        ],
    }


def form_from_json(doc: dict[str, Any]) -> SurveyForm:
    return SurveyForm(
        form_id=doc["form_id"],
        version=doc["version"],
        title=doc["title"],
        default_language=doc.get("default_language", "en"),
        languages=tuple(doc.get("languages", ())),
        framework=doc.get("framework"),
        roles={k: FieldRole(v) for k, v in doc.get("roles", {}).items()},
        items=tuple(
            ItemMapping(m["question"], m["item_code"], dict(m.get("recode", {})))
            for m in doc.get("items", ())
        ),
        questions=tuple(
            Question(
                name=q["name"],
                type=q["type"],
                label=q["label"],
                path=tuple(q.get("path", ())),
                repeat=q.get("repeat"),
                list_name=q.get("list_name"),
                choices=tuple(Choice(c["name"], c["label"]) for c in q.get("choices", ())),
                required=bool(q.get("required", False)),
            )
            for q in doc["questions"]
        ),
    )


def _survey(row: Any) -> Survey:
    return Survey(
        form=form_from_json(row.definition),
        country_iso3=row.country_iso3,
        sha256=row.sha256,
        id=row.id,
        loaded_at=row.loaded_at,
    )


# Questionnaires -------------------------------------------------------------------------------


def store_survey(
    conn: Connection, by: Principal, form: SurveyForm, *, country: str, sha256: str
) -> tuple[int, bool]:
    """Store a questionnaire version; returns (id, created). Same version, other content:
    refused, because stored submissions were read against the version they name."""
    row = conn.execute(
        select(surveys).where(surveys.c.form_id == form.form_id, surveys.c.version == form.version)
    ).one_or_none()
    if row is not None:
        if row.sha256 != sha256:
            raise ConflictError(
                f"questionnaire {form.form_id} version {form.version} is already loaded with "
                "other content; give the changed form a new version in its settings sheet"
            )
        return int(row.id), False
    new_id = audited.create(
        conn,
        by,
        surveys,
        {
            "form_id": form.form_id,
            "version": form.version,
            "country_iso3": country,
            "title": form.title,
            "framework_code": form.framework,
            "definition": form_to_json(form),
            "sha256": sha256,
            "loaded_at": utcnow(),
        },
    )
    return int(new_id), True


def list_surveys(conn: Connection) -> list[Survey]:
    rows = conn.execute(select(surveys).order_by(surveys.c.form_id, surveys.c.id))
    return [_survey(r) for r in rows]


def get_survey(conn: Connection, ref: int | str) -> Survey:
    """A questionnaire by id, or by form id (its latest loaded version)."""
    query = select(surveys)
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        query = query.where(surveys.c.id == int(ref))
    else:
        query = query.where(surveys.c.form_id == ref).order_by(surveys.c.id.desc()).limit(1)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no survey {ref!r}; load its XLSForm with 'peaceops import xlsform'")
    return _survey(row)


# Waves ----------------------------------------------------------------------------------------


def _wave(row: Any) -> Wave:
    return Wave(
        survey_id=row.survey_id,
        name=row.name,
        period_start=row.period_start,
        period_end=row.period_end,
        round_id=row.round_id,
        id=row.id,
    )


def upsert_wave(conn: Connection, by: Principal, wave: Wave) -> tuple[Wave, str]:
    row = conn.execute(
        select(survey_waves).where(
            survey_waves.c.survey_id == wave.survey_id, survey_waves.c.name == wave.name
        )
    ).one_or_none()
    values = {
        "period_start": wave.period_start,
        "period_end": wave.period_end,
        "round_id": wave.round_id,
    }
    if row is None:
        new_id = audited.create(
            conn, by, survey_waves, {"survey_id": wave.survey_id, "name": wave.name, **values}
        )
        return _wave(conn.execute(select(survey_waves).where(survey_waves.c.id == new_id)).one()), (
            "created"
        )
    if all(getattr(row, k) == v for k, v in values.items()):
        return _wave(row), "unchanged"
    audited.change(conn, by, survey_waves, row.id, values)
    return _wave(conn.execute(select(survey_waves).where(survey_waves.c.id == row.id)).one()), (
        "updated"
    )


def waves(conn: Connection, survey_id: int) -> list[Wave]:
    rows = conn.execute(
        select(survey_waves)
        .where(survey_waves.c.survey_id == survey_id)
        .order_by(survey_waves.c.period_start, survey_waves.c.id)
    )
    return [_wave(r) for r in rows]


def get_wave(conn: Connection, survey_id: int, ref: int | str) -> Wave:
    query = select(survey_waves).where(survey_waves.c.survey_id == survey_id)
    if isinstance(ref, int):
        query = query.where(survey_waves.c.id == ref)
    else:
        query = query.where(survey_waves.c.name == ref)
    row = conn.execute(query).one_or_none()
    if row is None:
        raise NotFound(f"no wave {ref!r} of this survey")
    return _wave(row)


def wave_by_id(conn: Connection, wave_id: int) -> Wave:
    row = conn.execute(select(survey_waves).where(survey_waves.c.id == wave_id)).one_or_none()
    if row is None:
        raise NotFound(f"no survey wave {wave_id}")
    return _wave(row)


def submission_counts(conn: Connection, survey_id: int) -> dict[int, int]:
    rows = conn.execute(
        select(survey_submissions.c.wave_id, func.count())
        .join(survey_waves, survey_waves.c.id == survey_submissions.c.wave_id)
        .where(survey_waves.c.survey_id == survey_id)
        .group_by(survey_submissions.c.wave_id)
    )
    return {int(w): int(n) for w, n in rows}


# Submissions ----------------------------------------------------------------------------------


def digests(conn: Connection, wave_id: int) -> dict[str, tuple[int, str]]:
    """uuid -> (row id, digest) of what the wave holds, to tell new from changed."""
    rows = conn.execute(
        select(
            survey_submissions.c.uuid, survey_submissions.c.id, survey_submissions.c.digest
        ).where(survey_submissions.c.wave_id == wave_id)
    )
    return {r.uuid: (int(r.id), r.digest) for r in rows}


def insert_submissions(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert many at once; the caller records one audit entry for the import."""
    if rows:
        conn.execute(insert(survey_submissions), rows)
        versions.bump(conn, VERSION)


def update_submission(conn: Connection, row_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(survey_submissions).where(survey_submissions.c.id == row_id).values(values))
    versions.bump(conn, VERSION)


def data_version(conn: Connection) -> int:
    """Raised by every insert or update of a submission (a wave's rows go with its survey's,
    and neither is ever deleted)."""
    return versions.current(conn, VERSION)


ESTIMATION_COLUMNS = ("weight", "stratum", "cluster", "admin_area_id", "sex", "age_group")


def estimation_rows(conn: Connection, wave_id: int, question: str) -> list[dict[str, Any]]:
    """A wave's design columns and its answer to one question (``answer``), in stored order.

    Only that answer is taken out of each row's JSON, by the database: parsing every answer
    of 50,000 submissions per wave was most of a survey dashboard's time.
    """
    rows = conn.execute(
        select(
            *(survey_submissions.c[name] for name in ESTIMATION_COLUMNS),
            survey_submissions.c.answers[question].label("answer"),
        )
        .where(survey_submissions.c.wave_id == wave_id)
        .order_by(survey_submissions.c.id)
    ).mappings()
    return [dict(r) for r in rows]


def submission_rows(
    conn: Connection, wave_ids: Iterable[int], *, personal: bool = False
) -> list[dict[str, Any]]:
    columns = [c for c in survey_submissions.c if personal or c.name != "personal_encrypted"]
    rows = conn.execute(
        select(*columns)
        .where(survey_submissions.c.wave_id.in_(list(wave_ids)))
        .order_by(survey_submissions.c.wave_id, survey_submissions.c.id)
    ).mappings()
    return [dict(r) for r in rows]


def wave_period(conn: Connection, wave_id: int) -> tuple[date, date]:
    w = wave_by_id(conn, wave_id)
    return w.period_start, w.period_end


def encrypted_rows(conn: Connection) -> list[tuple[int, str]]:
    rows = conn.execute(
        select(survey_submissions.c.id, survey_submissions.c.personal_encrypted).where(
            survey_submissions.c.personal_encrypted.is_not(None)
        )
    )
    return [(int(r.id), str(r.personal_encrypted)) for r in rows]
