"""Administration: user accounts and the audit log (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from peaceops.domain.access import Principal, Role
from peaceops.platform import Platform
from peaceops.services.web.deps import Admin, Auditor, PlatformDep
from peaceops.services.web.pages.forms import redirect
from peaceops.services.web.rendering import render

router = APIRouter(prefix="/admin")
PAGE_SIZE = 50


def _users_page(
    request: Request,
    platform: Platform,
    by: Principal,
    *,
    status_code: int = 200,
    **extra: object,
) -> Response:
    context = {
        "users": platform.accounts.list_users(by=by),
        "roles": list(Role),
        "actors": {a.id: a for a in platform.actors.list()},
        **extra,
    }
    return render(request, "admin_users.html", context, status_code=status_code)


@router.get("/users")
def users_page(request: Request, platform: PlatformDep, by: Admin) -> Response:
    return _users_page(request, platform, by)


@router.post("/users")
def create_user(
    request: Request,
    platform: PlatformDep,
    by: Admin,
    username: Annotated[str, Form(min_length=2, max_length=80)],
    display_name: Annotated[str, Form(min_length=1, max_length=200)],
    role: Annotated[Role, Form()],
    email: Annotated[str, Form(max_length=300)] = "",
    actor_id: Annotated[str, Form()] = "",
    language: Annotated[str, Form(pattern="^(|en|fr|ar)$")] = "",
) -> Response:
    user, password = platform.accounts.create_user(
        username=username,
        role=role,
        display_name=display_name,
        email=email or None,
        actor_id=int(actor_id) if actor_id.isdigit() else None,
        language=language or None,
        by=by,
    )
    # The one-time password is shown once, on this page, and never stored in clear.
    return _users_page(
        request, platform, by, status_code=201, created=user, one_time_password=password
    )


@router.post("/users/{user_id}")
def update_user(
    user_id: int,
    platform: PlatformDep,
    by: Admin,
    role: Annotated[Role, Form()],
    is_active: Annotated[str, Form()] = "",
) -> Response:
    platform.accounts.update_user(user_id, {"role": role, "is_active": is_active == "on"}, by=by)
    return redirect("/admin/users", msg="saved")


@router.get("/audit")
def audit_page(
    request: Request,
    platform: PlatformDep,
    by: Auditor,
    entity: str | None = None,
    username: str | None = None,
    page: int = 1,
) -> Response:
    page = max(page, 1)
    entries, total = platform.audit.entries(
        by=by,
        entity=entity or None,
        username=username or None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    return render(
        request,
        "admin_audit.html",
        {
            "entries": entries,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "entity": entity or "",
            "username": username or "",
        },
    )
