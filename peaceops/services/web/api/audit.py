from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Query

from peaceops.services.web.api.schemas import AuditEntryPublic, Page
from peaceops.services.web.deps import Auditor, PlatformDep

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=Page[AuditEntryPublic])
def read_audit_log(
    platform: PlatformDep,
    by: Auditor,
    entity: str | None = None,
    entity_id: str | None = None,
    username: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> Page[AuditEntryPublic]:
    """The audit log, newest first; ``count`` is the total matching entries."""
    entries, total = platform.audit.entries(
        by=by, entity=entity, entity_id=entity_id, username=username, limit=limit, offset=offset
    )
    return Page(data=[AuditEntryPublic.model_validate(asdict(e)) for e in entries], count=total)
