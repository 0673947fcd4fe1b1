"""Permission checks shared by every service."""

from __future__ import annotations

from peaceops.domain.access import Permission, Principal
from peaceops.errors import PermissionDenied


def require(by: Principal, permission: Permission) -> None:
    if not by.can(permission):
        raise PermissionDenied(
            f"the {by.role.value} role may not {permission.value.replace('_', ' ')}"
        )


def require_own_organisation(by: Principal, actor_id: int) -> None:
    """Partners and civil society may change only the organisation they belong to."""
    if by.can(Permission.EDIT_ACTORS):
        return
    require(by, Permission.EDIT_OWN_ORGANISATION)
    if by.actor_id != actor_id:
        raise PermissionDenied("you may change only your own organisation's record")
