"""Perception surveys: questionnaires (XLSForm), waves of fieldwork, submissions from
KoboToolbox or ODK Central, design-based estimates with intervals and suppressed small cells,
and the answers mapped to framework items flowing into assessment rounds.

Personal answers (names, phone numbers, exact GPS points) are split from the rest on import,
encrypted at rest, and decrypted only for survey administrators (``MANAGE_SURVEYS`` with
``READ_PERSONAL_DATA``); everyone else sees the admin area a GPS point falls in.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from sqlalchemy import Engine

from peaceops.config import Settings
from peaceops.domain.access import Permission, Principal
from peaceops.domain.assessment import Evidence, EvidenceSource, SurveyResponse
from peaceops.domain.audit import AuditAction
from peaceops.domain.places import AdminArea
from peaceops.domain.surveys import (
    FieldRole,
    ItemMapping,
    Question,
    Submission,
    Survey,
    SurveyForm,
    Wave,
    age_group,
    text_in,
)
from peaceops.errors import InputError, NotFound, Problem
from peaceops.platform.access import require
from peaceops.platform.assessment import AssessmentService
from peaceops.platform.caching import VersionedCache
from peaceops.platform.places import AreaLocator, ImportReport
from peaceops.platform.unstorable import refuse_unstorable
from peaceops.storage import transaction
from peaceops.storage.crypto import FieldCipher
from peaceops.storage.repositories import assessment as assessment_repo
from peaceops.storage.repositories import audited, places
from peaceops.storage.repositories import surveys as repo

if TYPE_CHECKING:
    from peaceops.analytics.surveys import CellEstimate, Difference, Estimate

MAX_UPLOAD = 50 * 2**20
"""Largest questionnaire or export accepted through the web or the API."""

ESTIMATES_CACHE_SIZE = 256
"""Question estimates kept per process (each a few kilobytes: cells by region, sex and age)."""


def _plain(value: Any) -> Any:
    """An answer as JSON: dates as ISO text, tuples as lists."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _digest(sub: Submission) -> str:
    doc = {
        "answers": _plain(sub.answers),
        "repeats": _plain(sub.repeats),
        "submitted_at": _plain(sub.submitted_at),
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(slots=True)
class SurveySummary:
    survey: Survey
    waves: list[Wave]
    counts: dict[int, int]

    @property
    def respondents(self) -> int:
        return sum(self.counts.values())


@dataclass(slots=True)
class _Areas:
    """Region lookup for submissions: by P-code (region or district) and by GPS point."""

    regions: dict[str, AdminArea]
    region_of: dict[str, str]
    locator: AreaLocator | None

    def region(self, pcode: str | None, point: Any) -> AdminArea | None:
        if pcode and pcode in self.region_of:
            return self.regions[self.region_of[pcode]]
        if self.locator is not None and isinstance(point, tuple | list) and len(point) >= 2:
            return self.locator.locate(float(point[1]), float(point[0]))
        return None


@dataclass(slots=True)
class Prepared:
    """A submission split into what is stored in the clear and what is encrypted."""

    row: dict[str, Any]
    region_pcode: str | None
    problems: list[Problem] = field(default_factory=list)


@dataclass(slots=True)
class _Frame:
    """One wave's design columns and answers to one question (``answer``), for the
    estimators."""

    rows: builtins.list[dict[str, Any]]
    area_names: dict[int, str]

    def column(self, name: str) -> builtins.list[Any]:
        return [r[name] for r in self.rows]

    def labels(self, name: str) -> builtins.list[str | None]:
        return [None if r[name] in (None, "") else str(r[name]) for r in self.rows]

    def area_labels(self) -> builtins.list[str | None]:
        return [self.area_names.get(r["admin_area_id"]) for r in self.rows]


@dataclass(slots=True)
class Outcome:
    """One thing estimated for a question (the favourable share, one choice, a mean), overall
    and by each breakdown."""

    code: str
    """``favourable`` (share of an item's favourable values), ``mean``, or a choice name."""
    label: str
    """The choice's label; empty for ``favourable`` and ``mean`` (the interface names them)."""
    kind: str
    cells: builtins.list[CellEstimate]

    @property
    def overall(self) -> Estimate:
        return self.cells[0].estimate

    def breakdown(self, name: str) -> builtins.list[CellEstimate]:
        return [c for c in self.cells if c.breakdown == name]


@dataclass(slots=True)
class QuestionEstimates:
    survey: Survey
    wave: Wave
    question: Question
    label: str
    item_code: str | None
    outcomes: builtins.list[Outcome]
    respondents: int
    min_cell: int
    notes: tuple[str, ...] = ()

    @property
    def headline(self) -> Outcome | None:
        return self.outcomes[0] if self.outcomes else None


@dataclass(slots=True)
class TrendPoint:
    wave: Wave
    outcome: str
    label: str
    estimate: Estimate
    change: Difference | None
    """From the wave before (None for the first wave or when either is suppressed)."""


class SurveysService:
    def __init__(
        self, settings: Settings, engine: Engine, *, assessment: AssessmentService
    ) -> None:
        self._settings = settings
        self._engine = engine
        self._assessment = assessment
        self._cipher = FieldCipher(settings.data_keys())
        # Estimates by what they are computed from; see ``estimates``.
        self._estimates = VersionedCache(ESTIMATES_CACHE_SIZE)
        self._computing: dict[tuple[Any, ...], threading.Lock] = {}
        self._computing_lock = threading.Lock()

    # Questionnaires ---------------------------------------------------------------------

    @refuse_unstorable
    def load_form(self, path: Path, *, country: str, by: Principal) -> tuple[Survey, bool]:
        """Read an XLSForm (validated with pyxform) and store it; the same file again changes
        nothing, a changed form under the same version is refused."""
        from peaceops.ingest.xlsform import read_xlsform

        require(by, Permission.MANAGE_SURVEYS)
        return self.add_form(read_xlsform(path), country=country, by=by)

    def add_form(self, form: SurveyForm, *, country: str, by: Principal) -> tuple[Survey, bool]:
        """Store a questionnaire; its identity is a digest of what was read, not of the file's
        bytes, so the same form saved again by a spreadsheet program is still the same."""
        require(by, Permission.MANAGE_SURVEYS)
        sha256 = hashlib.sha256(
            json.dumps(repo.form_to_json(form), sort_keys=True).encode()
        ).hexdigest()
        if form.framework:
            fw = self._assessment.framework(form.framework)
            known = {it.code for ind in fw.indicators for it in ind.items}
            for m in form.items:
                if m.item_code not in known:
                    raise InputError(
                        f"item {m.item_code!r} is not in framework {form.framework}",
                        source=form.form_id,
                        item=m.question,
                        field="item",
                    )
        with transaction(self._engine) as conn:
            places.get_country(conn, country)
            survey_id, created = repo.store_survey(conn, by, form, country=country, sha256=sha256)
            return repo.get_survey(conn, survey_id), created

    def surveys(self) -> builtins.list[SurveySummary]:
        with transaction(self._engine, write=False) as conn:
            out = []
            for s in repo.list_surveys(conn):
                assert s.id is not None
                out.append(
                    SurveySummary(s, repo.waves(conn, s.id), repo.submission_counts(conn, s.id))
                )
            return out

    def survey(self, ref: int | str) -> Survey:
        with transaction(self._engine, write=False) as conn:
            return repo.get_survey(conn, ref)

    def waves(self, ref: int | str) -> builtins.list[Wave]:
        with transaction(self._engine, write=False) as conn:
            survey = repo.get_survey(conn, ref)
            assert survey.id is not None
            return repo.waves(conn, survey.id)

    def wave(self, ref: int | str, wave: int | str) -> Wave:
        with transaction(self._engine, write=False) as conn:
            survey = repo.get_survey(conn, ref)
            assert survey.id is not None
            return repo.get_wave(conn, survey.id, wave)

    def save_wave(
        self,
        ref: int | str,
        name: str,
        *,
        period_start: date,
        period_end: date,
        round_id: int | None = None,
        by: Principal,
    ) -> Wave:
        """Create a wave, or change its period or linked assessment round."""
        require(by, Permission.MANAGE_SURVEYS)
        if period_start > period_end:
            raise InputError("the wave ends before it starts", field="period_end")
        with transaction(self._engine) as conn:
            survey = repo.get_survey(conn, ref)
            assert survey.id is not None
            if round_id is not None:
                assessment_repo.get_round(conn, round_id)
            wave, _ = repo.upsert_wave(
                conn,
                by,
                Wave(survey.id, name.strip(), period_start, period_end, round_id=round_id),
            )
            return wave

    # Submissions ------------------------------------------------------------------------

    @refuse_unstorable
    def import_submissions(
        self, ref: int | str, path: Path, *, wave: int | str, by: Principal
    ) -> ImportReport:
        """Import a KoboToolbox or ODK Central export (CSV, XLSX, JSON or ODK's CSV zip) into
        a wave, in one transaction. Rows with problems are reported by line and column; the
        rest import; importing the same export again changes nothing."""
        from peaceops.ingest.submissions import read_submissions

        require(by, Permission.MANAGE_SURVEYS)
        survey = self.survey(ref)
        found = read_submissions(path, survey.form)
        report = self.add_submissions(
            survey.id or 0, found.submissions, wave=wave, label=path.name, by=by
        )
        report.warnings[:0] = found.problems
        return report

    def _areas(self, country: str) -> _Areas:
        with transaction(self._engine, write=False) as conn:
            areas = places.list_admin_areas(conn, country, with_geometry=True)
        regions = {a.pcode: a for a in areas if a.level == 1}
        region_of: dict[str, str] = {p: p for p in regions}
        for a in areas:
            if a.level == 2 and a.parent_pcode in regions:
                region_of[a.pcode] = a.parent_pcode
        locator = AreaLocator(list(regions.values())) if regions else None
        return _Areas(regions, region_of, locator)

    def _prepare(self, form: SurveyForm, sub: Submission, areas: _Areas) -> Prepared:
        """Split personal answers out, coarsen GPS to the region, pull out design and
        breakdown answers; problems say what was left out."""
        private = form.private_names
        answers = {k: v for k, v in sub.answers.items() if k not in private}
        personal: dict[str, Any] = {k: v for k, v in sub.answers.items() if k in private}
        repeats: dict[str, list[dict[str, Any]]] = {}
        personal_repeats: dict[str, list[dict[str, Any]]] = {}
        for name, rows in sub.repeats.items():
            repeats[name] = [{k: v for k, v in r.items() if k not in private} for r in rows]
            kept = [{k: v for k, v in r.items() if k in private} for r in rows]
            if any(kept):
                personal_repeats[name] = kept
        if personal_repeats:
            personal["_repeats"] = personal_repeats

        def by_role(role: FieldRole) -> Any:
            q = form.with_role(role)
            return None if q is None else sub.answers.get(q.name)

        problems: list[Problem] = []
        where = {"line": sub.line, "item": f"submission {sub.uuid}"}
        weight_value = by_role(FieldRole.WEIGHT)
        weight = 1.0
        if form.with_role(FieldRole.WEIGHT) is not None:
            try:
                weight = float(weight_value)
                if not weight > 0:
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(
                    Problem(
                        f"design weight {weight_value!r} is not a positive number; the "
                        "submission is left out of the import",
                        field=(form.with_role(FieldRole.WEIGHT) or Question("", "", {})).name,
                        **where,  # type: ignore[arg-type]
                    )
                )
        area_answer = by_role(FieldRole.AREA)
        gps = by_role(FieldRole.LOCATION)
        region = areas.region(str(area_answer) if area_answer else None, gps)
        if region is None and (area_answer or gps):
            problems.append(
                Problem(
                    f"place {area_answer or gps!r} is not in any known region of the country; "
                    "the submission is kept without an area",
                    **where,  # type: ignore[arg-type]
                )
            )
        age = by_role(FieldRole.AGE)
        if isinstance(age, int | float) and not isinstance(age, bool):
            group = age_group(int(age))
        else:
            group = str(age) if age not in (None, "") else None
        sex = by_role(FieldRole.SEX)
        stratum, cluster = by_role(FieldRole.STRATUM), by_role(FieldRole.CLUSTER)
        row = {
            "uuid": sub.uuid,
            "submitted_at": sub.submitted_at,
            "digest": _digest(sub),
            "weight": weight,
            "stratum": None if stratum is None else str(stratum),
            "cluster": None if cluster is None else str(cluster),
            "admin_area_id": region.id if region else None,
            "sex": str(sex) if sex not in (None, "") else None,
            "age_group": group,
            "answers": _plain(answers),
            "repeats": _plain(repeats),
            "personal_encrypted": (
                self._cipher.encrypt(json.dumps(_plain(personal), sort_keys=True))
                if personal
                else None
            ),
        }
        return Prepared(row, region.pcode if region else None, problems)

    def add_submissions(
        self,
        survey_id: int,
        submissions: builtins.list[Submission],
        *,
        wave: int | str,
        label: str,
        by: Principal,
    ) -> ImportReport:
        """Store submissions in one transaction, keyed by wave and submission uuid; if the wave
        feeds an assessment round, the answers mapped to framework items are stored as that
        round's public-survey evidence in the same transaction."""
        require(by, Permission.MANAGE_SURVEYS)
        report = ImportReport(source=label)
        survey = self.survey(survey_id)
        form = survey.form
        areas = self._areas(survey.country_iso3)
        with transaction(self._engine) as conn:
            assert survey.id is not None
            target = repo.get_wave(conn, survey.id, wave)
            assert target.id is not None
            known = repo.digests(conn, target.id)
            new_rows: builtins.list[dict[str, Any]] = []
            responses: builtins.list[SurveyResponse] = []
            seen: set[str] = set()
            for sub in submissions:
                if sub.uuid in seen:
                    report.warnings.append(
                        Problem(
                            f"submission {sub.uuid} appears twice; the first is kept",
                            source=label,
                            line=sub.line,
                        )
                    )
                    report.skipped += 1
                    continue
                seen.add(sub.uuid)
                prepared = self._prepare(form, sub, areas)
                for p in prepared.problems:
                    report.warnings.append(
                        Problem(p.message, source=label, line=p.line, field=p.field, item=p.item)
                    )
                if prepared.row["weight"] is None or any(
                    "left out" in p.message for p in prepared.problems
                ):
                    report.skipped += 1
                    continue
                row = prepared.row
                existing = known.get(sub.uuid)
                if existing is None:
                    new_rows.append({"wave_id": target.id, **row})
                    report.created += 1
                elif existing[1] != row["digest"]:
                    repo.update_submission(conn, existing[0], row)
                    report.updated += 1
                else:
                    report.unchanged += 1
                if target.round_id is not None and form.items:
                    response = self._response(form, sub, row, prepared.region_pcode)
                    if response is not None:
                        responses.append(response)
            repo.insert_submissions(conn, new_rows)
            fed = 0
            if target.round_id is not None and responses and (report.created or report.updated):
                require(by, Permission.MANAGE_ASSESSMENTS)
                digest = self._assessment.pseudonymiser(target.round_id)
                counts = assessment_repo.store_evidence(
                    conn,
                    target.round_id,
                    Evidence(
                        responses=[
                            SurveyResponse(
                                source=r.source,
                                respondent_ref=digest(r.respondent_ref),
                                answers=r.answers,
                                weight=r.weight,
                                sex=r.sex,
                                region=r.region,
                                group=r.group,
                                collected_on=r.collected_on,
                            )
                            for r in responses
                        ]
                    ),
                )
                fed = counts.created + counts.updated
            if report.created or report.updated:
                audited.record(
                    conn,
                    by,
                    AuditAction.IMPORT,
                    "survey_submissions",
                    target.id,
                    after={
                        **report.as_dict(),
                        "survey": f"{form.form_id}@{form.version}",
                        "wave": target.name,
                        "assessment_round": target.round_id,
                        "assessment_responses": fed,
                    },
                )
        if target.round_id is not None:
            self._assessment.forget_scores(target.round_id)
        return report

    def _response(
        self, form: SurveyForm, sub: Submission, row: dict[str, Any], region: str | None
    ) -> SurveyResponse | None:
        """The submission's answers to mapped questions, recoded to the items' scales."""
        answers: dict[str, int] = {}
        for m in form.items:
            value = sub.answers.get(m.question)
            if value is None or value == "":
                continue
            key = str(value)
            if m.recode:
                if key in m.recode:
                    answers[m.item_code] = int(m.recode[key])
            elif key.lstrip("-").isdigit():
                answers[m.item_code] = int(key)
        if not answers:
            return None
        collected = sub.submitted_at.date() if sub.submitted_at else None
        return SurveyResponse(
            source=EvidenceSource.PUBLIC_SURVEY,
            respondent_ref=f"{form.form_id}:{sub.uuid}",
            answers=answers,
            weight=float(row["weight"]),
            sex=row["sex"],
            region=region,
            group=None,
            collected_on=collected,
        )

    def submissions(
        self, ref: int | str, *, wave: int | str | None = None, by: Principal
    ) -> builtins.list[dict[str, Any]]:
        """Row-level answers for analysts. Personal answers (decrypted) only for survey
        administrators; for everyone else the region stands in for any GPS point."""
        require(by, Permission.READ_EVIDENCE)
        personal = by.can(Permission.MANAGE_SURVEYS) and by.can(Permission.READ_PERSONAL_DATA)
        with transaction(self._engine, write=False) as conn:
            survey = repo.get_survey(conn, ref)
            assert survey.id is not None
            waves = repo.waves(conn, survey.id)
            if wave is not None:
                waves = [repo.get_wave(conn, survey.id, wave)]
            names = {w.id: w.name for w in waves if w.id is not None}
            rows = repo.submission_rows(conn, list(names), personal=personal)
            area_names = {
                a.id: a.name
                for a in places.list_admin_areas(conn, survey.country_iso3, with_geometry=False)
            }
        out = []
        for r in rows:
            item: dict[str, Any] = {
                "wave": names[r["wave_id"]],
                "uuid": r["uuid"],
                "submitted_at": r["submitted_at"],
                "area": area_names.get(r["admin_area_id"]),
                "stratum": r["stratum"],
                "cluster": r["cluster"],
                "weight": r["weight"],
                "sex": r["sex"],
                "age_group": r["age_group"],
                **r["answers"],
            }
            if personal and r.get("personal_encrypted"):
                item["personal"] = json.loads(self._cipher.decrypt(r["personal_encrypted"]))
            out.append(item)
        return out

    def rotate_keys(self, *, by: Principal) -> int:
        """Re-encrypt every respondent's personal answers with the first data key."""
        require(by, Permission.MANAGE_SURVEYS)
        changed = 0
        with transaction(self._engine) as conn:
            rows = repo.encrypted_rows(conn)
            for row_id, token in rows:
                repo.update_submission(
                    conn, row_id, {"personal_encrypted": self._cipher.rotate(token)}
                )
                changed += 1
            if changed:
                audited.record(
                    conn,
                    by,
                    AuditAction.UPDATE,
                    "survey_submissions",
                    None,
                    after={"re-encrypted": changed},
                )
        return changed

    # Estimates --------------------------------------------------------------------------

    def estimable(self, ref: int | str) -> builtins.list[Question]:
        """Questions with something to estimate (choices or numbers), mapped ones first."""
        form = self.survey(ref).form
        mapped = {m.question for m in form.items}
        questions = form.estimable()
        return sorted(questions, key=lambda q: (q.name not in mapped, questions.index(q)))

    def _region_names(self, survey: Survey) -> tuple[int, dict[int, str]]:
        """The submissions' data version and the survey country's region names, read
        together."""
        with transaction(self._engine, write=False) as conn:
            version = repo.data_version(conn)
            names = {
                a.id: a.name
                for a in places.list_admin_areas(
                    conn, survey.country_iso3, level=1, with_geometry=False
                )
                if a.id is not None
            }
        return version, names

    def _frame(self, wave: Wave, question: str, area_names: dict[int, str]) -> _Frame:
        assert wave.id is not None
        with transaction(self._engine, write=False) as conn:
            rows = repo.estimation_rows(conn, wave.id, question)
        return _Frame(rows, area_names)

    def estimates(
        self,
        ref: int | str,
        question: str,
        *,
        wave: int | str | None = None,
        by: Principal,
        language: str = "en",
        level: float = 0.95,
    ) -> QuestionEstimates:
        """Design-based estimates for one question of one wave (the latest by default): overall
        and by region, sex and age group, each cell with fewer than ``min_cell_size``
        respondents suppressed (and a second cell where one alone could be derived).

        Kept in memory by everything they are computed from (the submissions' data version
        among it), so a dashboard's trend and every later request reuse them."""
        require(by, Permission.READ_REFERENCE)
        survey = self.survey(ref)
        form = survey.form
        q = form.question(question)
        if q is None or q not in form.estimable():
            raise NotFound(
                f"{question!r} is not a question of {form.form_id} with answers to estimate "
                "(choices or numbers, outside repeat groups)"
            )
        waves = self.waves(ref)
        if not waves:
            raise NotFound(f"survey {form.form_id} has no waves yet")
        target = waves[-1] if wave is None else self.wave(ref, wave)
        min_cell = self._settings.min_cell_size
        mapping = next((m for m in form.items if m.question == q.name), None)
        favourable = self._favourable(form, mapping)
        version, area_names = self._region_names(survey)
        # Everything the estimates are computed from (the submissions' data version beside it),
        # but the wave's own name and dates, taken from ``target`` on the way out: the same
        # request again is answered from memory.
        key = (
            survey.id,
            target.id,
            q.name,
            language,
            level,
            min_cell,
            favourable,
            tuple(sorted(area_names.items())),
        )
        with self._computing_lock:
            lock = self._computing.setdefault(key, threading.Lock())
        # Requests for the same estimates wait for the first; others go on in parallel.
        with lock:
            try:
                cached = self._estimates.get(key, version)
                if cached is None:
                    cached = self._estimate(
                        survey, target, q, mapping, favourable, area_names, language, level
                    )
                    self._estimates.put(key, version, cached)
            finally:
                with self._computing_lock:
                    self._computing.pop(key, None)
        # Shared with other callers: nothing downstream changes estimates in place.
        return replace(cast(QuestionEstimates, cached), wave=target)

    def _favourable(self, form: SurveyForm, mapping: ItemMapping | None) -> tuple[Any, ...] | None:
        """The favourable values of the framework item a question is mapped to (None when it is
        not mapped, or the framework has none): the headline outcome depends on them."""
        if mapping is None or not form.framework:
            return None
        _, item = self._assessment.framework(form.framework).item(mapping.item_code)
        return tuple(item.favourable) if item.favourable else None

    def _estimate(
        self,
        survey: Survey,
        target: Wave,
        q: Question,
        mapping: ItemMapping | None,
        favourable: tuple[Any, ...] | None,
        area_names: dict[int, str],
        language: str,
        level: float,
    ) -> QuestionEstimates:
        from peaceops.analytics.surveys import Design, estimate_by

        form = survey.form
        min_cell = self._settings.min_cell_size
        frame = self._frame(target, q.name, area_names)
        outcomes: builtins.list[Outcome] = []
        notes: tuple[str, ...] = ()
        if frame.rows:
            design = Design(
                frame.column("weight"),
                strata=frame.labels("stratum")
                if form.with_role(FieldRole.STRATUM) is not None
                else None,
                clusters=frame.labels("cluster")
                if form.with_role(FieldRole.CLUSTER) is not None
                else None,
                nest=True,
            )
            notes = design.notes
            groups = {
                "area": frame.area_labels(),
                "sex": frame.labels("sex"),
                "age_group": frame.labels("age_group"),
            }
            for code, label, kind, y in self._outcomes(
                form, q, mapping, favourable, frame, language
            ):
                cells = estimate_by(y, design, groups, kind=kind, min_cell=min_cell, level=level)
                outcomes.append(Outcome(code, label, kind, cells))
        title, _ = self.labels(form, q.name, language)
        return QuestionEstimates(
            survey=survey,
            wave=target,
            question=q,
            label=title,
            item_code=mapping.item_code if mapping else None,
            outcomes=outcomes,
            respondents=len(frame.rows),
            min_cell=min_cell,
            notes=notes,
        )

    def _outcomes(
        self,
        form: SurveyForm,
        q: Question,
        mapping: ItemMapping | None,
        favourable: tuple[Any, ...] | None,
        frame: _Frame,
        language: str,
    ) -> builtins.list[tuple[str, str, Literal["share", "mean"], Any]]:
        """What to estimate for a question: the favourable share (or mean) of a mapped item,
        the share choosing each choice, or the mean of a number."""
        import numpy as np

        answers = frame.column("answer")
        missing = [a is None or a == "" or a == [] for a in answers]
        out: builtins.list[tuple[str, str, Literal["share", "mean"], Any]] = []
        if mapping is not None and form.framework:
            recoded = [
                np.nan
                if m
                else float(
                    mapping.recode[str(a)]
                    if mapping.recode and str(a) in mapping.recode
                    else (int(a) if not mapping.recode and str(a).lstrip("-").isdigit() else np.nan)
                )
                for a, m in zip(answers, missing, strict=True)
            ]
            values = np.array(recoded, dtype=float)
            if favourable:
                fav = np.where(np.isnan(values), np.nan, np.isin(values, favourable))
                out.append(("favourable", "", "share", fav))
            else:
                out.append(("mean", "", "mean", values))
        if q.type in ("select_one", "select_multiple"):
            for c in q.choices:
                y = np.array(
                    [
                        np.nan
                        if m
                        else float(c.name in a if isinstance(a, list) else str(a) == c.name)
                        for a, m in zip(answers, missing, strict=True)
                    ],
                    dtype=float,
                )
                out.append((c.name, text_in(c.label, language) or c.name, "share", y))
        elif q.type in ("integer", "decimal") and mapping is None:
            values = np.array(
                [np.nan if m else float(a) for a, m in zip(answers, missing, strict=True)],
                dtype=float,
            )
            out.append(("mean", "", "mean", values))
        return out

    def trend(
        self,
        ref: int | str,
        question: str,
        *,
        outcome: str | None = None,
        by: Principal,
        language: str = "en",
    ) -> builtins.list[TrendPoint]:
        """One outcome of a question across waves (the headline outcome by default), with
        the change from the wave before and its interval."""
        from peaceops.analytics.surveys import difference

        points: builtins.list[TrendPoint] = []
        previous = None
        for w in self.waves(ref):
            assert w.id is not None
            est = self.estimates(ref, question, wave=w.id, by=by, language=language)
            chosen = next((o for o in est.outcomes if outcome is None or o.code == outcome), None)
            if chosen is None:
                continue
            change = difference(previous, chosen.overall) if previous is not None else None
            points.append(TrendPoint(w, chosen.code, chosen.label, chosen.overall, change))
            previous = chosen.overall
        return points

    def labels(self, form: SurveyForm, question: str, language: str) -> tuple[str, dict[str, str]]:
        q = form.question(question)
        if q is None:
            raise NotFound(f"no question {question!r} in {form.form_id}")
        return text_in(q.label, language) or q.name, {
            c.name: text_in(c.label, language) or c.name for c in q.choices
        }

    def roles_present(self, form: SurveyForm) -> Counter[FieldRole]:
        return Counter(form.roles.values())
