"""Reading the audit log (admins only)."""

from __future__ import annotations

from sqlalchemy import Engine

from peaceops.domain.access import Permission, Principal
from peaceops.domain.audit import AuditEntry
from peaceops.platform.access import require
from peaceops.storage import transaction
from peaceops.storage.repositories import audit as repo


class AuditService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def entries(
        self,
        *,
        by: Principal,
        entity: str | None = None,
        entity_id: str | None = None,
        username: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[AuditEntry], int]:
        require(by, Permission.READ_AUDIT)
        with transaction(self._engine, write=False) as conn:
            return repo.list_entries(
                conn,
                entity=entity,
                entity_id=entity_id,
                username=username,
                limit=min(max(limit, 1), 1000),
                offset=max(offset, 0),
            )

    def verify(self, *, by: Principal) -> dict[str, object]:
        """Check the audit log's hash chain end to end (see ``repositories.audit.verify_chain``)."""
        require(by, Permission.READ_AUDIT)
        with transaction(self._engine, write=False) as conn:
            return repo.verify_chain(conn)
