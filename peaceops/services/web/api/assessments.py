"""Institutional assessment: frameworks, rounds, evidence, scores, changes and priorities.

Scores are computed from the stored evidence on request; roll-ups are returned with the
indicators they average, and every value carries its 95% interval.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, UploadFile
from pydantic import Field

from peaceops.platform.assessment import (
    MAX_UPLOAD,
    change_record,
    indicator_record,
    priority_record,
    rollup_record,
)
from peaceops.services.web.api.schemas import Page, Strict
from peaceops.services.web.deps import AssessmentManager, EvidenceReader, PlatformDep, Reader

router = APIRouter(prefix="/assessments", tags=["assessments"])


class RoundCreate(Strict):
    country_iso3: str = Field(min_length=3, max_length=3)
    framework: str = Field(description="Framework code, code@version or id.")
    name: str = Field(min_length=2, max_length=200)
    period_start: date
    period_end: date
    institutions: list[str] = Field(default_factory=list)
    sample_frame: str = ""
    notes: str = ""


def _round(platform: Any, rnd: Any) -> dict[str, Any]:
    fw = platform.assessment.framework(rnd.framework_id)
    return {
        **asdict(rnd),
        "framework": fw.key,
        "evidence": platform.assessment.evidence_counts(rnd.id),
    }


@router.get("/frameworks", response_model=Page[dict[str, Any]])
def read_frameworks(platform: PlatformDep, _by: Reader) -> Page[dict[str, Any]]:
    rows = [
        {
            "id": f.id,
            "code": f.code,
            "version": f.version,
            "title": f.title,
            "institutions": [i.code for i in f.institutions],
            "indicators": len(f.indicators),
        }
        for f in platform.assessment.frameworks()
    ]
    return Page(data=rows, count=len(rows))


@router.get("/frameworks/{framework_id}", response_model=dict[str, Any])
def read_framework(framework_id: int, platform: PlatformDep, _by: Reader) -> dict[str, Any]:
    """The whole framework document: institutions, indicators, items, scales, thresholds."""
    return {"id": framework_id, **platform.assessment.framework_document(framework_id)}


@router.get("/rounds", response_model=Page[dict[str, Any]])
def read_rounds(
    platform: PlatformDep, _by: Reader, country: str | None = None
) -> Page[dict[str, Any]]:
    rows = [
        _round(platform, r)
        for r in platform.assessment.rounds(country=country.upper() if country else None)
    ]
    return Page(data=rows, count=len(rows))


@router.post("/rounds", response_model=dict[str, Any], status_code=201)
def create_round(body: RoundCreate, platform: PlatformDep, by: AssessmentManager) -> dict[str, Any]:
    rnd = platform.assessment.create_round(
        country=body.country_iso3,
        framework=body.framework,
        name=body.name,
        period_start=body.period_start,
        period_end=body.period_end,
        institutions=body.institutions,
        sample_frame=body.sample_frame,
        notes=body.notes,
        by=by,
    )
    return _round(platform, rnd)


@router.get("/rounds/{round_id}", response_model=dict[str, Any])
def read_round(round_id: int, platform: PlatformDep, _by: Reader) -> dict[str, Any]:
    return _round(platform, platform.assessment.round(round_id))


@router.get("/rounds/{round_id}/evidence", response_model=dict[str, Any])
def read_evidence(round_id: int, platform: PlatformDep, by: EvidenceReader) -> dict[str, Any]:
    """Row-level evidence (respondents under pseudonymous references): analysts and admins."""
    ev = platform.assessment.evidence(round_id, by=by)
    return {
        "responses": [asdict(r) | {"line": None} for r in ev.responses],
        "admin_values": [asdict(v) | {"line": None} for v in ev.admin_values],
        "checks": [asdict(c) | {"line": None} for c in ev.checks],
    }


@router.post("/rounds/{round_id}/evidence", response_model=dict[str, Any])
async def import_evidence(
    round_id: int,
    file: UploadFile,
    platform: PlatformDep,
    by: AssessmentManager,
    sheet: str | None = None,
) -> dict[str, Any]:
    """Import an evidence workbook (XLSX) or one sheet as CSV; all or nothing."""
    data = await file.read(MAX_UPLOAD + 1)
    report = platform.assessment.import_upload(
        round_id, file.filename or "", data, by=by, sheet=sheet
    )
    return report.as_dict()


@router.get("/rounds/{round_id}/scores", response_model=list[dict[str, Any]])
def read_scores(
    round_id: int,
    platform: PlatformDep,
    _by: Reader,
    level: Literal["indicator", "dimension", "institution"] = "indicator",
    language: Literal["en", "fr"] = "en",
) -> list[dict[str, Any]]:
    """Scores 0 (worst) to 1 (best) with 95% intervals; roll-ups list their indicators."""
    scored = platform.assessment.score(round_id)
    if level == "indicator":
        return [
            indicator_record(scored.framework, s, language)
            for s in scored.scores.indicators.values()
        ]
    pool = scored.scores.dimensions if level == "dimension" else scored.scores.institutions
    return [rollup_record(r) for r in pool]


@router.get("/rounds/{round_id}/changes", response_model=dict[str, Any])
def read_changes(
    round_id: int, platform: PlatformDep, _by: Reader, since: int | None = None
) -> dict[str, Any]:
    """Change since ``since`` (default: the previous round), with a z-test per value."""
    base, items = platform.assessment.changes(round_id, since=since)
    return {
        "since": None if base is None else {"id": base.id, "name": base.name},
        "changes": [change_record(c) for c in items],
    }


@router.get("/rounds/{round_id}/priorities", response_model=list[dict[str, Any]])
def read_priorities(
    round_id: int,
    platform: PlatformDep,
    _by: Reader,
    language: Literal["en", "fr"] = "en",
) -> list[dict[str, Any]]:
    """Weaknesses ranked by distance to target x importance x confidence."""
    scored = platform.assessment.score(round_id)
    return [
        priority_record(scored.framework, p, language)
        for p in platform.assessment.priorities(round_id)
    ]
