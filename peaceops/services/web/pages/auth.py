"""Login, logout and the choice of language (the public pages)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from peaceops.errors import AuthenticationError
from peaceops.services.web.deps import (
    LoggedIn,
    WebDep,
    check_csrf,
    current_principal,
)
from peaceops.services.web.i18n import N_
from peaceops.services.web.pages.forms import redirect, safe_next
from peaceops.services.web.rendering import render
from peaceops.services.web.security import LANG_COOKIE, SESSION_COOKIE

router = APIRouter()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    if current_principal(request) is not None:
        return redirect(safe_next(next))
    return render(request, "login.html", {"next": safe_next(next)})


@router.post("/login")
async def login(
    request: Request,
    web: WebDep,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=500)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    await check_csrf(request)
    client = client_address(request)
    user_key = username.strip().lower()
    limiter_client, limiter_user = web.login_by_client, web.login_by_user
    if limiter_client.blocked(client) or limiter_user.blocked(user_key):
        wait = max(limiter_client.retry_after(client), limiter_user.retry_after(user_key))
        response: Response = render(
            request,
            "login.html",
            {
                "next": safe_next(next),
                "username": username,
                "error": N_("Too many failed attempts. Wait a few minutes and try again."),
            },
            status_code=429,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        user = web.platform.accounts.authenticate(username, password, via="web")
    except AuthenticationError as exc:
        limiter_client.hit(client)
        limiter_user.hit(user_key)
        locked = "locked" in str(exc)
        return render(
            request,
            "login.html",
            {
                "next": safe_next(next),
                "username": username,
                "error": N_("This account is locked for a while after too many failed attempts.")
                if locked
                else N_("Wrong user name or password."),
            },
            status_code=401,
        )
    limiter_user.reset(user_key)
    token = web.platform.accounts.start_session(user)
    target = safe_next(next)
    if web.platform.accounts.must_change_password(user.username):
        target = "/account?msg=must_change"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=web.settings.cookie_secure,
        max_age=int(web.settings.session_hours * 3600),
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, web: WebDep, by: LoggedIn) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        web.platform.accounts.end_session(token, by=by)
    response = redirect("/login", msg="logged_out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}")
def choose_language(code: str, web: WebDep, next: str | None = None) -> Response:
    if code not in web.languages:
        raise HTTPException(404, "unknown language")
    response = redirect(safe_next(next))
    response.set_cookie(
        LANG_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        samesite="lax",
        secure=web.settings.cookie_secure,
        path="/",
    )
    return response
