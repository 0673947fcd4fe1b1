"""One's own account: password and API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from peaceops.domain.access import Principal, TokenScope
from peaceops.errors import InputError
from peaceops.platform import Platform
from peaceops.services.web.deps import LoggedIn, PlatformDep, TokenOwner, TokenUser
from peaceops.services.web.pages.forms import redirect
from peaceops.services.web.rendering import render

router = APIRouter(prefix="/account")


@router.get("")
def account_page(request: Request, platform: PlatformDep, by: LoggedIn) -> Response:
    return render(request, "account.html", _tokens(platform, by))


@router.post("/password")
def change_password(
    platform: PlatformDep,
    by: LoggedIn,
    current: Annotated[str, Form(max_length=500)],
    new: Annotated[str, Form(max_length=500)],
    again: Annotated[str, Form(max_length=500)],
) -> Response:
    if new != again:
        raise InputError("the two new passwords differ", field="again")
    platform.accounts.set_password(by.user_id or 0, new, by=by, current=current)
    # Changing the password ends every session, this one included.
    return redirect("/login", msg="password")


@router.post("/tokens")
def create_token(
    request: Request,
    platform: PlatformDep,
    by: TokenUser,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    scopes: Annotated[list[TokenScope], Form()] = [TokenScope.READ],  # noqa: B006 - FastAPI copies
    days: Annotated[int | None, Form(ge=1, le=365)] = None,
) -> Response:
    new = platform.accounts.create_token(name, by=by, scopes=frozenset(scopes), days=days)
    return render(
        request,
        "account.html",
        {**_tokens(platform, by), "new_token": new},
        status_code=201,
    )


@router.post("/tokens/{token_id}/revoke")
def revoke_token(token_id: int, platform: PlatformDep, by: TokenOwner) -> Response:
    platform.accounts.revoke_token(token_id, by=by)
    return redirect("/account", msg="token_revoked")


def _tokens(platform: Platform, by: Principal) -> dict[str, object]:
    return {
        "tokens": platform.accounts.list_tokens(by=by),
        "token_days": platform.settings.api_token_days,
    }
