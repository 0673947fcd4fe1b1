"""Dependencies of routes: who is calling, what they may do, and CSRF on unsafe requests.

Every route except the public ones (health, login, language choice, API docs, static files)
depends on ``Requires``; the route x role test matrix proves it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from peaceops.domain.access import ROLE_PERMISSIONS, Permission, Principal
from peaceops.errors import PermissionDenied
from peaceops.platform import Platform
from peaceops.platform.access import require_own_organisation
from peaceops.services.web.context import WebContext
from peaceops.services.web.i18n import Language, negotiate
from peaceops.services.web.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    LANG_COOKIE,
    SESSION_COOKIE,
    csrf_valid,
)

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginRequired(Exception):
    """No valid session or token: pages redirect to the login form, the API answers 401."""


def get_web(request: Request) -> WebContext:
    web: WebContext = request.app.state.web
    return web


WebDep = Annotated[WebContext, Depends(get_web)]


def get_platform(request: Request) -> Platform:
    return get_web(request).platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def current_principal(request: Request) -> Principal | None:
    """The caller, from an API token or a session cookie; cached on the request."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    web = get_web(request)
    principal = None
    user = None
    token = bearer_token(request)
    if token is not None:
        access = web.platform.accounts.token_access(token)
        if access is not None:
            user, scopes = access
            principal = user.principal(via="api", scopes=scopes)
    else:
        session = request.cookies.get(SESSION_COOKIE)
        if session:
            user = web.platform.accounts.session_user(session)
            principal = user.principal(via="web") if user else None
    request.state.principal = principal
    request.state.user = user
    return principal


async def check_csrf(request: Request) -> None:
    """Cookie-authenticated unsafe requests must carry the CSRF token (form field or header)."""
    if request.method not in UNSAFE or bearer_token(request) is not None:
        return
    web = get_web(request)
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if not csrf_valid(web.secret, request.cookies.get(CSRF_COOKIE), token):
        raise HTTPException(403, "CSRF token missing or wrong: reload the page and try again")


class Requires:
    """Route dependency: the caller must be logged in and hold ``permission`` (if given)."""

    def __init__(self, permission: Permission | None = None) -> None:
        self.permission = permission

    async def __call__(self, request: Request) -> Principal:
        principal = current_principal(request)
        if principal is None:
            raise LoginRequired
        if self.permission is not None and not principal.can(self.permission):
            action = self.permission.value.replace("_", " ")
            if self.permission in ROLE_PERMISSIONS[principal.role]:
                raise PermissionDenied(f"this API token's scopes do not allow it to {action}")
            raise PermissionDenied(f"the {principal.role.value} role may not {action}")
        if request.method in UNSAFE and not principal.may_write:
            raise PermissionDenied("this API token is read-only: create one with the write scope")
        await check_csrf(request)
        return principal


def language(request: Request) -> Language:
    """The interface language: explicit choice (cookie), the user's preference, the browser's."""
    web = get_web(request)
    code = request.cookies.get(LANG_COOKIE)
    if code not in web.languages:
        current_principal(request)
        user = getattr(request.state, "user", None)
        code = user.language if user is not None and user.language else None
    if code not in web.languages:
        code = negotiate(request.headers.get("accept-language"), web.settings.default_language)
    return web.languages[code or "en"]


LoggedIn = Annotated[Principal, Depends(Requires())]
Reader = Annotated[Principal, Depends(Requires(Permission.READ_REFERENCE))]
Editor = Annotated[Principal, Depends(Requires(Permission.EDIT_REFERENCE))]
ActorEditor = Annotated[Principal, Depends(Requires(Permission.EDIT_OWN_ORGANISATION))]
ActorManager = Annotated[Principal, Depends(Requires(Permission.EDIT_ACTORS))]
Admin = Annotated[Principal, Depends(Requires(Permission.MANAGE_USERS))]
Auditor = Annotated[Principal, Depends(Requires(Permission.READ_AUDIT))]
TokenUser = Annotated[Principal, Depends(Requires(Permission.USE_API_TOKENS))]
ForecastReader = Annotated[Principal, Depends(Requires(Permission.READ_FORECASTS))]
AssessmentManager = Annotated[Principal, Depends(Requires(Permission.MANAGE_ASSESSMENTS))]
EvidenceReader = Annotated[Principal, Depends(Requires(Permission.READ_EVIDENCE))]
Importer = Annotated[Principal, Depends(Requires(Permission.IMPORT_DATA))]
CoordinationManager = Annotated[Principal, Depends(Requires(Permission.MANAGE_COORDINATION))]
TransitionManager = Annotated[Principal, Depends(Requires(Permission.MANAGE_TRANSITION))]


async def own_organisation(actor_id: int, by: ActorEditor) -> Principal:
    """Partners and civil society may change only their own organisation (checked first)."""
    require_own_organisation(by, actor_id)
    return by


async def token_owner(token_id: int, request: Request, by: TokenUser) -> Principal:
    """A token is revoked by its owner or by an admin."""
    get_platform(request).accounts.check_token_owner(token_id, by=by)
    return by


OwnOrganisation = Annotated[Principal, Depends(own_organisation)]
TokenOwner = Annotated[Principal, Depends(token_owner)]
