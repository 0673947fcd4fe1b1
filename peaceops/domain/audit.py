"""The audit trail: who changed what, when, from what to what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    IMPORT = "import"
    READ = "read"
    """Personal data was shown (a complainant's identity): reads of it leave a trace too."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    action: AuditAction
    entity: str
    entity_id: str | None
    username: str
    user_id: int | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    via: str | None = None
    id: int | None = None
