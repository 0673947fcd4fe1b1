"""Institutional assessment: frameworks, rounds, evidence, scores, change and priorities."""

from __future__ import annotations

import builtins
import hashlib
import hmac
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from peaceops.analytics.assessment import scoring
from peaceops.config import Settings
from peaceops.domain.access import Permission, Principal
from peaceops.domain.assessment import (
    Evidence,
    EvidenceSource,
    Framework,
    Round,
    SurveyResponse,
    text_in,
)
from peaceops.domain.audit import AuditAction
from peaceops.errors import InputError, RowErrors
from peaceops.ingest import evidence as evidence_files
from peaceops.ingest import frameworks as framework_files
from peaceops.platform.access import require
from peaceops.platform.places import ImportReport
from peaceops.storage import transaction
from peaceops.storage.repositories import assessment as repo
from peaceops.storage.repositories import audited, places

RESPONDENT_ROWS = 200
"""Respondent answers shown on an indicator's evidence page."""
MAX_UPLOAD = 20 * 2**20
"""Largest evidence file accepted through the web or the API."""


@dataclass(frozen=True, slots=True)
class ScoredRound:
    round: Round
    framework: Framework
    scores: scoring.RoundScores


class AssessmentService:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._settings = settings
        self._engine = engine
        self._cache: dict[tuple[int, str], scoring.RoundScores] = {}
        self._frameworks: dict[tuple[int, str], Framework] = {}

    # Frameworks -------------------------------------------------------------------------

    def _store(
        self, model: framework_files.FrameworkModel, *, origin: str, by: Principal
    ) -> tuple[Framework, bool]:
        with transaction(self._engine) as conn:
            framework_id, created = repo.store_framework(
                conn,
                by,
                code=model.code,
                version=model.version,
                title=model.title.model_dump(exclude_none=True),
                content=model.model_dump(mode="json"),
                sha256=framework_files.content_digest(model),
                origin=origin,
            )
        return framework_files.to_domain(model, framework_id=framework_id), created

    def load_builtin(self, *, by: Principal) -> builtins.list[tuple[Framework, bool]]:
        """Store the frameworks shipped with PeaceOps (a version already stored is kept)."""
        require(by, Permission.MANAGE_ASSESSMENTS)
        return [
            self._store(m, origin="builtin", by=by) for m in framework_files.builtin_frameworks()
        ]

    def load_framework(self, path: Path, *, by: Principal) -> tuple[Framework, bool]:
        """Validate and store a user's framework (YAML or the XLSX layout)."""
        require(by, Permission.MANAGE_ASSESSMENTS)
        return self._store(framework_files.read_framework(path), origin="user", by=by)

    def _domain(self, stored: repo.StoredFramework) -> Framework:
        """The validated framework of a stored version; a version never changes, so it is
        validated once per process."""
        key = (stored.id, stored.sha256)
        if key not in self._frameworks:
            model = framework_files.validate(
                stored.content, source=f"{stored.code}@{stored.version}"
            )
            self._frameworks[key] = framework_files.to_domain(model, framework_id=stored.id)
        return self._frameworks[key]

    def frameworks(self) -> builtins.list[Framework]:
        with transaction(self._engine, write=False) as conn:
            return [self._domain(s) for s in repo.list_frameworks(conn)]

    def framework(self, ref: int | str) -> Framework:
        """By id, by ``code`` (latest loaded version) or by ``code@version``."""
        with transaction(self._engine, write=False) as conn:
            if isinstance(ref, int) or str(ref).isdigit():
                return self._domain(repo.get_framework(conn, int(ref)))
            code, _, version = str(ref).partition("@")
            return self._domain(repo.find_framework(conn, code, version or None))

    def framework_document(self, framework_id: int) -> dict[str, Any]:
        """The stored framework as its file document (for export to XLSX or YAML)."""
        with transaction(self._engine, write=False) as conn:
            return repo.get_framework(conn, framework_id).content

    # Rounds -----------------------------------------------------------------------------

    def create_round(
        self,
        *,
        country: str,
        framework: str,
        name: str,
        period_start: date,
        period_end: date,
        institutions: builtins.list[str] | None = None,
        sample_frame: str = "",
        notes: str = "",
        by: Principal,
    ) -> Round:
        require(by, Permission.MANAGE_ASSESSMENTS)
        fw = self.framework(framework)
        known = {i.code for i in fw.institutions}
        unknown = sorted(set(institutions or ()) - known)
        if unknown:
            raise InputError(
                f"{', '.join(unknown)} not in framework {fw.key} ({', '.join(sorted(known))})",
                field="institutions",
            )
        if period_start > period_end:
            raise InputError("the period ends before it starts", field="period_end")
        if not name.strip():
            raise InputError("a round needs a name", field="name")
        assert fw.id is not None
        rnd = Round(
            country_iso3=country.upper(),
            framework_id=fw.id,
            name=name.strip(),
            period_start=period_start,
            period_end=period_end,
            sample_frame=sample_frame,
            notes=notes,
            institutions=tuple(institutions or ()),
        )
        with transaction(self._engine) as conn:
            places.get_country(conn, rnd.country_iso3)
            round_id = repo.create_round(conn, by, rnd)
            return repo.get_round(conn, round_id)

    def rounds(
        self, *, country: str | None = None, framework: str | None = None
    ) -> builtins.list[Round]:
        with transaction(self._engine, write=False) as conn:
            return repo.list_rounds(conn, country_iso3=country, framework_code=framework)

    def round(self, round_id: int) -> Round:
        with transaction(self._engine, write=False) as conn:
            return repo.get_round(conn, round_id)

    def assessed_institutions(self, rnd: Round, fw: Framework) -> builtins.list[str]:
        return list(rnd.institutions) or [i.code for i in fw.institutions]

    # Evidence ---------------------------------------------------------------------------

    def template(
        self, framework: str, out: Path, *, language: str = "en", sheet: str | None = None
    ) -> Path:
        fw = self.framework(framework)
        if out.suffix.lower() == ".xlsx":
            evidence_files.write_xlsx_template(fw, out, language=language)
        elif out.suffix.lower() == ".csv":
            name = sheet or out.stem
            if name not in evidence_files.SHEETS:
                raise InputError(
                    f"a CSV template holds one source: --sheet {' | '.join(evidence_files.SHEETS)}",
                    field="sheet",
                )
            evidence_files.write_csv_template(fw, EvidenceSource(name), out)
        else:
            raise InputError("a template is an .xlsx or .csv file", field="out")
        return out

    def import_evidence(
        self, round_id: int, path: Path, *, by: Principal, sheet: str | None = None
    ) -> ImportReport:
        """Validate a whole evidence file, then store it in one transaction (or nothing).

        Records are keyed (respondent, item and date, check and reference), so importing the
        same file again changes nothing and a corrected file updates what changed.
        """
        require(by, Permission.MANAGE_ASSESSMENTS)
        rnd = self.round(round_id)
        fw = self.framework(rnd.framework_id)
        ev = evidence_files.read_evidence(
            path, fw, pseudonymise=self._pseudonymiser(round_id), sheet=sheet
        )
        return self.store_evidence(round_id, ev, label=path.name, by=by)

    def enter_record(
        self, round_id: int, source: EvidenceSource, values: dict[str, str], *, by: Principal
    ) -> ImportReport:
        """One administrative figure or one check typed into a form, validated like a file row."""
        require(by, Permission.MANAGE_ASSESSMENTS)
        if source.is_survey:
            raise InputError("survey respondents come in files, not one by one", field="source")
        fw = self.framework(self.round(round_id).framework_id)
        header = evidence_files.columns_for(fw, source)
        sheet = evidence_files.Sheet(source.value, header, [(1, [values.get(c) for c in header])])
        ev, problems = evidence_files.read_sheet(
            fw, sheet, source_name="form", pseudonymise=self._pseudonymiser(round_id)
        )
        if problems:
            raise RowErrors(problems, source="form")
        return self.store_evidence(round_id, ev, label="form", by=by)

    def _pseudonymiser(self, round_id: int) -> Callable[[str], str]:
        """Respondent identifiers become keyed digests: stable for re-imports, not reversible."""
        key = self._settings.secret_key.get_secret_value().encode()

        def digest(respondent_id: str) -> str:
            message = f"{round_id}:{respondent_id}".encode()
            return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]

        return digest

    def pseudonymiser(self, round_id: int) -> Callable[[str], str]:
        """The keyed digest a round gives respondent identifiers (for evidence stored by other
        services in their own transaction, such as survey submissions)."""
        return self._pseudonymiser(round_id)

    def forget_scores(self, round_id: int) -> None:
        """Drop cached scores of a round whose evidence another service has changed."""
        self._cache = {k: v for k, v in self._cache.items() if k[0] != round_id}

    def add_evidence(
        self, round_id: int, ev: Evidence, *, label: str, by: Principal
    ) -> ImportReport:
        """Store evidence made elsewhere (generated demo data), identifiers pseudonymised."""
        digest = self._pseudonymiser(round_id)
        responses = [replace(r, respondent_ref=digest(r.respondent_ref)) for r in ev.responses]
        return self.store_evidence(
            round_id,
            Evidence(responses, list(ev.admin_values), list(ev.checks)),
            label=label,
            by=by,
        )

    def import_upload(
        self, round_id: int, filename: str, data: bytes, *, by: Principal, sheet: str | None = None
    ) -> ImportReport:
        """An evidence file sent through the web or the API (kept only while it is read)."""
        name = Path(filename or "evidence.xlsx").name
        if Path(name).suffix.lower() not in (".xlsx", ".csv"):
            raise InputError("send an .xlsx workbook or a .csv file", field="file")
        if len(data) > MAX_UPLOAD:
            raise InputError(f"the file is larger than {MAX_UPLOAD // 2**20} MB", field="file")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            path.write_bytes(data)
            return self.import_evidence(round_id, path, by=by, sheet=sheet)

    def store_evidence(
        self, round_id: int, ev: Evidence, *, label: str, by: Principal
    ) -> ImportReport:
        require(by, Permission.MANAGE_ASSESSMENTS)
        report = ImportReport(source=label)
        with transaction(self._engine) as conn:
            repo.get_round(conn, round_id)
            counts = repo.store_evidence(conn, round_id, ev)
            report.created, report.updated, report.unchanged = (
                counts.created,
                counts.updated,
                counts.unchanged,
            )
            if counts.created or counts.updated:
                audited.record(
                    conn,
                    by,
                    AuditAction.IMPORT,
                    "assessment_evidence",
                    round_id,
                    after={**report.as_dict(), "records": len(ev)},
                )
        self._cache = {k: v for k, v in self._cache.items() if k[0] != round_id}
        return report

    def evidence(self, round_id: int, *, by: Principal) -> Evidence:
        """Row-level evidence (pseudonymous respondents included): analysts and admins only."""
        require(by, Permission.READ_EVIDENCE)
        with transaction(self._engine, write=False) as conn:
            repo.get_round(conn, round_id)
            return repo.load_evidence(conn, round_id)

    def indicator_evidence(self, round_id: int, code: str, *, by: Principal) -> dict[str, Any]:
        """What lies behind one indicator's score, as far as the caller may see it.

        Everyone gets the answer counts per item (aggregates), the administrative figures and
        the document and site checks; only ``READ_EVIDENCE`` also gets the respondents' rows
        (pseudonymous references), at most ``limit`` answers.
        """
        require(by, Permission.READ_REFERENCE)
        fw = self.framework(self.round(round_id).framework_id)
        items = {i.code for i in fw.indicator(code).items}
        with transaction(self._engine, write=False) as conn:
            ev = repo.load_evidence(conn, round_id)
        rows_allowed = by.can(Permission.READ_EVIDENCE)
        distribution: dict[str, dict[int, int]] = {}
        respondents: list[tuple[SurveyResponse, str, int]] = []
        for r in ev.responses:
            for item_code, value in r.answers.items():
                if item_code not in items:
                    continue
                counts = distribution.setdefault(item_code, {})
                counts[value] = counts.get(value, 0) + 1
                if rows_allowed and len(respondents) < RESPONDENT_ROWS:
                    respondents.append((r, item_code, value))
        return {
            "restricted": not rows_allowed,
            "distribution": distribution,
            "respondents": respondents,
            "admin": [v for v in ev.admin_values if v.item_code in items],
            "checks": [c for c in ev.checks if c.item_code in items],
        }

    def evidence_counts(self, round_id: int) -> dict[str, int]:
        with transaction(self._engine, write=False) as conn:
            return repo.evidence_counts(conn, round_id)

    # Scores -----------------------------------------------------------------------------

    def score(self, round_id: int) -> ScoredRound:
        """Every score of a round, computed from its stored evidence.

        Cached per process under the round's evidence version (its record counts and the number
        of imports that changed it, from the audit log), so that an import through another
        worker or the command line is seen at once.
        """
        with transaction(self._engine, write=False) as conn:
            rnd = repo.get_round(conn, round_id)
            counts = repo.evidence_counts(conn, round_id)
            changes = repo.evidence_changes(conn, round_id)
            fw = self._domain(repo.get_framework(conn, rnd.framework_id))
            signature = repr((sorted(counts.items()), changes, self._settings.min_cell_size))
            cached = self._cache.get((round_id, signature))
            if cached is None:
                ev = repo.load_evidence(conn, round_id)
        if cached is None:
            cached = scoring.score_round(
                fw,
                ev,
                period_end=rnd.period_end,
                institutions=self.assessed_institutions(rnd, fw),
                min_cell=self._settings.min_cell_size,
                seed=round_id,
            )
            self._cache[(round_id, signature)] = cached
        return ScoredRound(rnd, fw, cached)

    def previous_round(self, rnd: Round) -> Round | None:
        """The latest earlier round of the same country with the same framework code."""
        fw = self.framework(rnd.framework_id)
        earlier = [
            r
            for r in self.rounds(country=rnd.country_iso3, framework=fw.code)
            if r.period_end < rnd.period_end and r.id != rnd.id
        ]
        return earlier[-1] if earlier else None

    def changes(
        self, round_id: int, *, since: int | None = None
    ) -> tuple[Round | None, builtins.list[scoring.Change]]:
        after = self.score(round_id)
        base = self.round(since) if since is not None else self.previous_round(after.round)
        if base is None:
            return None, []
        if base.country_iso3 != after.round.country_iso3:
            raise InputError("rounds of different countries are not compared", field="since")
        before = self.score(base.id or 0)
        return base, scoring.changes(before.scores, after.scores, before.framework, after.framework)

    def priorities(self, round_id: int) -> builtins.list[scoring.Priority]:
        return scoring.priorities(self.score(round_id).scores)

    def history(self, country: str, framework_code: str) -> builtins.list[ScoredRound]:
        """Every round of a country with one framework, oldest first, scored."""
        return [
            self.score(r.id or 0) for r in self.rounds(country=country, framework=framework_code)
        ]

    def for_institution_type(
        self, country: str, institution_type: str
    ) -> builtins.list[tuple[ScoredRound, str]]:
        """Scored rounds of a country that assess an institution of this type, oldest first,
        with the framework's code for that institution."""
        out = []
        for rnd in self.rounds(country=country):
            fw = self.framework(rnd.framework_id)
            inst = fw.institution_for_type(institution_type)
            if inst is None or inst.code not in self.assessed_institutions(rnd, fw):
                continue
            out.append((self.score(rnd.id or 0), inst.code))
        return out

    def report_data(self, round_id: int, *, language: str = "en") -> dict[str, Any]:
        """Everything the round report shows, as plain records."""
        scored = self.score(round_id)
        fw, rnd = scored.framework, scored.round
        base, moves = self.changes(round_id)
        institutions = []
        for code in self.assessed_institutions(rnd, fw):
            inst = fw.institution(code)
            institutions.append(
                {
                    "code": code,
                    "name": text_in(inst.name, language),
                    "overall": next(
                        (
                            rollup_record(r)
                            for r in scored.scores.institutions
                            if r.institution == code
                        ),
                        None,
                    ),
                    "dimensions": [
                        rollup_record(r) for r in scored.scores.dimensions if r.institution == code
                    ],
                    "indicators": [
                        indicator_record(fw, s, language)
                        for s in scored.scores.indicators.values()
                        if s.institution == code
                    ],
                }
            )
        return {
            "round": {
                "id": rnd.id,
                "name": rnd.name,
                "country": rnd.country_iso3,
                "period_start": rnd.period_start.isoformat(),
                "period_end": rnd.period_end.isoformat(),
                "sample_frame": rnd.sample_frame,
                "notes": rnd.notes,
            },
            "framework": {"key": fw.key, "title": text_in(fw.title, language)},
            "evidence": self.evidence_counts(round_id),
            "institutions": institutions,
            "missing": list(scored.scores.missing),
            "since": None if base is None else {"id": base.id, "name": base.name},
            "changes": [change_record(c) for c in moves],
            "priorities": [priority_record(fw, p, language) for p in self.priorities(round_id)],
            "language": language,
        }


# Plain records for the CLI, the API and reports -----------------------------------------------


def source_record(s: scoring.SourceScore) -> dict[str, Any]:
    return {
        "source": s.source.value,
        "raw": {"value": s.raw.value, "low": s.raw.low, "high": s.raw.high, "n": s.raw.n},
        "score": s.value,
        "low": s.low,
        "high": s.high,
        "records": s.records,
        "as_of": s.as_of.isoformat(),
        "groups": [
            {
                "by": g.by,
                "group": g.group,
                "n": g.n,
                "suppressed": g.estimate is None,
                "value": None if g.estimate is None else g.estimate.value,
                "low": None if g.estimate is None else g.estimate.low,
                "high": None if g.estimate is None else g.estimate.high,
            }
            for g in s.groups
        ],
    }


def indicator_record(fw: Framework, s: scoring.IndicatorScore, language: str) -> dict[str, Any]:
    ind = fw.indicator(s.indicator)
    return {
        "indicator": s.indicator,
        "text": text_in(ind.text, language),
        "institution": s.institution,
        "dimension": s.dimension.value,
        "measure": ind.measure.value,
        "direction": ind.direction.value,
        "weight": s.weight,
        "score": s.value,
        "low": s.low,
        "high": s.high,
        "confidence": s.confidence,
        "rating": s.rating,
        "conflict": bool(s.conflicts),
        "conflicts": [
            {"a": c.a.value, "b": c.b.value, "difference": c.difference, "z": c.z}
            for c in s.conflicts
        ],
        "sources": [source_record(x) for x in s.sources],
    }


def rollup_record(r: scoring.Rollup) -> dict[str, Any]:
    return {
        "institution": r.institution,
        "dimension": None if r.dimension is None else r.dimension.value,
        "score": r.value,
        "low": r.low,
        "high": r.high,
        "indicators": list(r.indicators),
        "missing": list(r.missing),
        "aggregate": "platform aggregate: importance-weighted mean of the indicators listed",
    }


def change_record(c: scoring.Change) -> dict[str, Any]:
    return {
        "key": c.key,
        "before": c.before,
        "after": c.after,
        "difference": c.difference,
        "z": c.z,
        "p_value": c.p_value,
        "significant": c.significant,
        "direction": c.direction,
    }


def priority_record(fw: Framework, p: scoring.Priority, language: str) -> dict[str, Any]:
    return {
        "indicator": p.indicator,
        "text": text_in(fw.indicator(p.indicator).text, language),
        "institution": p.institution,
        "dimension": p.dimension.value,
        "gap": p.gap,
        "weight": p.weight,
        "confidence": p.confidence,
        "priority": p.priority,
    }
