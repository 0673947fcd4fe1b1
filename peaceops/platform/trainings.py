"""Training records: the register of courses and sessions, who attended, and whether the
people trained still serve. Trainees' names are encrypted at rest and shown only to roles
with ``READ_PERSONAL_DATA``; everyone else sees keyed pseudonyms and aggregates whose small
cells are suppressed."""

from __future__ import annotations

import builtins
import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from peaceops.config import Settings
from peaceops.domain.access import Permission, Principal
from peaceops.domain.audit import AuditAction
from peaceops.domain.training import DeploymentStatus, TrainingRecords
from peaceops.errors import Problem
from peaceops.platform.access import require
from peaceops.platform.places import ImportReport
from peaceops.platform.unstorable import refuse_unstorable
from peaceops.storage import transaction
from peaceops.storage.crypto import FieldCipher
from peaceops.storage.repositories import audited, places
from peaceops.storage.repositories import institutions as institutions_repo
from peaceops.storage.repositories import trainings as repo


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass(slots=True)
class FollowUp:
    """Of the people who completed a course: how many passed vetting and still serve."""

    institution: str
    trained: int
    female: int | None
    cleared: int | None
    serving: int | None
    reassigned: int | None
    gone: int | None
    """Left, dismissed or deceased."""
    suppressed: bool = False
    by_topic: dict[str, int] = field(default_factory=dict)

    @property
    def serving_share(self) -> float | None:
        return None if self.serving is None or not self.trained else self.serving / self.trained


class TrainingsService:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._settings = settings
        self._engine = engine
        self._cipher = FieldCipher(settings.data_keys())

    def _pseudonym(self, institution_id: int, service_number: str) -> str:
        key = self._settings.secret_key.get_secret_value().encode()
        message = f"trainee|{institution_id}|{service_number}".encode()
        return "T-" + hmac.new(key, message, hashlib.sha256).hexdigest()[:10]

    # Writing ----------------------------------------------------------------------------

    @refuse_unstorable
    def import_register(self, path: Path, *, by: Principal) -> ImportReport:
        """Import the training register workbook (courses, sessions, participants)."""
        from peaceops.ingest.trainings import read_trainings

        require(by, Permission.MANAGE_COORDINATION)
        found = read_trainings(path)
        report = self.add_records(found.records, label=path.name, by=by)
        report.warnings[:0] = found.problems
        report.skipped += len({(p.source, p.line) for p in found.problems if p.line is not None})
        return report

    def add_records(self, records: TrainingRecords, *, label: str, by: Principal) -> ImportReport:
        """Store courses, sessions, trainees and attendance in one transaction.

        Trainees are keyed by institution and service number, sessions by course, start date and
        place, so loading the same register twice changes nothing.
        """
        require(by, Permission.MANAGE_COORDINATION)
        report = ImportReport(source=label)
        outcomes: dict[str, int] = defaultdict(int)
        with transaction(self._engine) as conn:
            inst: dict[str, int] = {}
            for i in institutions_repo.list_institutions(conn):
                for name in (i.name, i.acronym):
                    if name and i.id:
                        inst.setdefault(_key(name), i.id)
            for course in records.courses:
                outcomes["course_" + repo.upsert_course(conn, course)[1]] += 1
            courses = repo.course_ids(conn)
            pcodes = places.area_ids_by_pcode(conn)
            session_ids: dict[int, int] = {}
            for n, s in enumerate(records.sessions):
                course_id = courses.get(s.course_code)
                if course_id is None:
                    report.warnings.append(
                        Problem(f"unknown course {s.course_code!r}", source=label, item=s.place)
                    )
                    continue
                if s.admin_area_id is None and s.admin_code:
                    s = replace(s, admin_area_id=pcodes.get(s.admin_code))
                sid, outcome = repo.upsert_session(conn, s, course_id=course_id)
                session_ids[n] = sid
                outcomes["session_" + outcome] += 1
            existing = {
                (r["institution_id"], r["service_number"]): r for r in repo.trainee_rows(conn)
            }
            trainee_ids: dict[tuple[int, str], int] = {}
            for t in records.trainees:
                found_id = t.institution_id or inst.get(_key(t.institution_ref))
                if found_id is None:
                    report.warnings.append(
                        Problem(
                            f"unknown institution {t.institution_ref!r}",
                            source=label,
                            item=t.service_number,
                            field="institution",
                        )
                    )
                    continue
                institution_id: int = found_id
                values = {
                    "sex": t.sex.value,
                    "rank": t.rank,
                    "birth_year": t.birth_year,
                    "vetting": t.vetting.value,
                    "deployment": t.deployment.value,
                    "status_date": t.status_date,
                }
                row = existing.get((institution_id, t.service_number))
                if row is None:
                    tid = repo.insert_trainee(
                        conn,
                        {
                            "institution_id": institution_id,
                            "service_number": t.service_number,
                            "name_encrypted": self._cipher.encrypt(t.name),
                            **values,
                        },
                    )
                    report.created += 1
                else:
                    tid = row["id"]
                    same = all(row[k] == v for k, v in values.items())
                    if same and self._cipher.decrypt(row["name_encrypted"]) == t.name:
                        report.unchanged += 1
                    else:
                        values["name_encrypted"] = self._cipher.encrypt(t.name)
                        repo.update_trainee(conn, tid, values)
                        report.updated += 1
                trainee_ids[(institution_id, t.service_number)] = tid
            for index, part in records.attendance:
                session_id = session_ids.get(index)
                attendee = trainee_ids.get(
                    (inst.get(_key(part.institution_ref), 0), part.service_number)
                )
                if session_id is None or attendee is None:
                    report.warnings.append(
                        Problem(
                            "attendance of an unknown session or trainee is skipped",
                            source=label,
                            item=part.service_number,
                        )
                    )
                    continue
                outcome = repo.upsert_participation(
                    conn,
                    session_id,
                    attendee,
                    {"completed": part.completed, "certified": part.certified, "score": part.score},
                )
                outcomes["attendance_" + outcome] += 1
            if (
                report.created
                or report.updated
                or any(k.endswith(("created", "updated")) for k in outcomes)
            ):
                audited.record(
                    conn,
                    by,
                    AuditAction.IMPORT,
                    "trainings",
                    None,
                    after={**report.as_dict(), **outcomes},
                )
        return report

    # Reading ----------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with transaction(self._engine, write=False) as conn:
            return repo.counts(conn)

    def sessions(self, *, by: Principal) -> builtins.list[dict[str, Any]]:
        """Sessions with attendance counts; counts by sex below the minimum cell size are
        suppressed for roles that may not see personal data."""
        require(by, Permission.READ_REFERENCE)
        with transaction(self._engine, write=False) as conn:
            rows = repo.sessions(conn)
        if not by.can(Permission.READ_PERSONAL_DATA):
            for r in rows:
                self._suppress(r)
        return rows

    def _suppress(self, row: dict[str, Any]) -> None:
        """Hide the counts by sex when either is a small cell; both go, since the total
        minus one would give the other away."""
        small = self._settings.min_cell_size
        row["suppressed"] = any(0 < (row.get(k) or 0) < small for k in ("female", "male"))
        if row["suppressed"]:
            row["female"] = row["male"] = None

    def session(
        self, session_id: int, *, by: Principal
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """A session and its attendees: names for roles with ``READ_PERSONAL_DATA``, else
        pseudonyms; service numbers are never shown to other roles."""
        require(by, Permission.READ_REFERENCE)
        personal = by.can(Permission.READ_PERSONAL_DATA)
        with transaction(self._engine, write=False) as conn:
            meta = repo.get_session(conn, session_id)
            people = repo.attendees(conn, session_id)
        out = []
        for p in people:
            row = {
                "ref": self._pseudonym(p["institution_id"], p["service_number"]),
                "institution": p["institution"],
                "completed": p["completed"],
                "certified": p["certified"],
                "vetting": p["vetting"],
                "deployment": p["deployment"],
            }
            if personal:
                row.update(
                    name=self._cipher.decrypt(p["name_encrypted"]),
                    service_number=p["service_number"],
                    sex=p["sex"],
                    rank=p["rank"],
                    score=p["score"],
                )
            out.append(row)
        if not personal:
            meta = dict(meta)
            self._suppress(meta)
        if not personal and len(out) < self._settings.min_cell_size:
            out = []
            meta = {**meta, "attendees_suppressed": True}
        return meta, out

    def follow_up(self, *, by: Principal) -> builtins.list[FollowUp]:
        """From trained to serving, by institution."""
        require(by, Permission.READ_REFERENCE)
        with transaction(self._engine, write=False) as conn:
            rows = repo.follow_up(conn)
            topic_rows = repo.follow_up(conn, by_topic=True)
        topics_of: dict[str, dict[str, int]] = defaultdict(dict)
        for r in topic_rows:
            topics_of[r["institution"]][r["topic"]] = r["people"]
        by_inst: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            by_inst[r["institution"]].append(r)
        out = []
        gone = {
            DeploymentStatus.LEFT.value,
            DeploymentStatus.DISMISSED.value,
            DeploymentStatus.DECEASED.value,
        }
        small = self._settings.min_cell_size
        personal = by.can(Permission.READ_PERSONAL_DATA)
        for name, group in sorted(by_inst.items()):
            # A person trained in two topics counts in both topic counts, once in the totals.
            people = {(r["sex"], r["vetting"], r["deployment"]): r["people"] for r in group}
            topics = topics_of[name]
            trained = sum(people.values())

            def cell(value: int, trained: int = trained) -> int | None:
                """A count, unless it or its complement in ``trained`` is a small cell."""
                if personal:
                    return value
                rest = trained - value
                return None if 0 < value < small or 0 < rest < small else value

            female = sum(v for (s, _, _), v in people.items() if s == "female")
            cleared = sum(v for (_, vt, _), v in people.items() if vt == "cleared")
            status = {
                "serving": sum(v for (_, _, d), v in people.items() if d == "serving"),
                "reassigned": sum(v for (_, _, d), v in people.items() if d == "reassigned"),
                "gone": sum(v for (_, _, d), v in people.items() if d in gone),
            }
            shown = {k: cell(v) for k, v in status.items()}
            if None in shown.values() and not personal:
                # One hidden status could be worked out from the others and the total.
                shown = dict.fromkeys(status)
            f = FollowUp(
                institution=name,
                trained=trained if personal or trained >= small else 0,
                female=cell(female),
                cleared=cell(cleared),
                serving=shown["serving"],
                reassigned=shown["reassigned"],
                gone=shown["gone"],
                by_topic={k: v for k, v in sorted(topics.items()) if personal or v >= small},
            )
            f.suppressed = None in (f.female, f.cleared, f.serving, f.reassigned, f.gone)
            out.append(f)
        return out

    def rotate_keys(self, *, by: Principal) -> int:
        """Re-encrypt every trainee's name with the first data key; returns the rows rewritten."""
        require(by, Permission.MANAGE_USERS)
        rewritten = 0
        with transaction(self._engine) as conn:
            for row in repo.trainee_rows(conn):
                token = self._cipher.rotate(row["name_encrypted"])
                repo.update_trainee(conn, row["id"], {"name_encrypted": token})
                rewritten += 1
            audited.record(
                conn, by, AuditAction.UPDATE, "trainees", None, after={"re_encrypted": rewritten}
            )
        return rewritten


__all__ = ["FollowUp", "TrainingsService"]
