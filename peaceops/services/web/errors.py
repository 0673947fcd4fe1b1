"""The one place where PeaceOps errors become HTTP answers (JSON for the API, pages else)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from peaceops.errors import (
    AuthenticationError,
    ConfigError,
    ConflictError,
    InputError,
    NotFound,
    PeaceOpsError,
    PermissionDenied,
    RowErrors,
)
from peaceops.services.web.deps import LoginRequired
from peaceops.services.web.i18n import N_

STATUS: dict[type[PeaceOpsError], int] = {
    InputError: 422,
    NotFound: 404,
    AuthenticationError: 401,
    PermissionDenied: 403,
    ConflictError: 409,
    ConfigError: 500,
}
TITLES = {
    400: N_("Bad request"),
    401: N_("Please log in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Not allowed"),
    409: N_("Conflict"),
    422: N_("Invalid input"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong"),
}


def database_refusal(exc: Exception) -> PeaceOpsError:
    """A write or look-up the database refused, as the error the platform would have raised.

    The platform checks what it can before it writes; this is the last line behind it. What
    the database refuses is the caller's input (a reference to a record that does not exist,
    a duplicate, a number, text or date the column cannot hold), so the answer is 409 or 422,
    not a server error. PostgreSQL names the constraint by SQLSTATE, SQLite by message.
    """
    orig = getattr(exc, "orig", exc)
    state = str(getattr(orig, "sqlstate", "") or "")
    text = str(orig)
    statement = str(getattr(exc, "statement", "") or "").lstrip().upper()
    if state == "23505" or text.startswith("UNIQUE constraint failed"):
        return ConflictError("a record with these values exists already")
    if state == "23503" or text.startswith("FOREIGN KEY constraint failed"):
        if statement.startswith("DELETE"):
            return ConflictError("other records still refer to this one; remove them first")
        return InputError("a value refers to a record that does not exist")
    if isinstance(exc, IntegrityError):
        return InputError("a required value is missing or not allowed")
    return InputError(
        "a value is outside what can be stored: a number too large, a NUL character, "
        "or a date out of range"
    )


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _page(request: Request, status: int, detail: str) -> Response:
    from peaceops.services.web.rendering import render

    return render(
        request,
        "error.html",
        {"status": status, "title": TITLES.get(status, TITLES[500]), "detail": detail},
        status_code=status,
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(PeaceOpsError)
    async def peaceops_error(request: Request, exc: PeaceOpsError) -> Response:
        status = next((s for t, s in STATUS.items() if isinstance(exc, t)), 500)
        if is_api(request):
            body: dict[str, object] = {"detail": str(exc)}
            if isinstance(exc, RowErrors):
                body["problems"] = [str(p) for p in exc.problems]
            elif isinstance(exc, InputError) and exc.problem.field:
                body["field"] = exc.problem.field
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            return JSONResponse(body, status_code=status, headers=headers)
        return _page(request, status, str(exc))

    @app.exception_handler(IntegrityError)
    @app.exception_handler(DataError)
    async def refused(request: Request, exc: Exception) -> Response:
        return await peaceops_error(request, database_refusal(exc))

    @app.exception_handler(OverflowError)
    async def overflow(request: Request, exc: OverflowError) -> Response:
        # SQLite's driver refuses to bind an integer beyond 64 bits (PostgreSQL compares or
        # refuses it as DataError); any other overflow is a server error.
        if "SQLite INTEGER" not in str(exc):
            raise exc
        return await peaceops_error(request, database_refusal(exc))

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if is_api(request):
            return JSONResponse(
                {
                    "detail": "authentication required: send a session cookie or "
                    "'Authorization: Bearer <token>'"
                },
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if is_api(request) or request.url.path.startswith("/static/"):
            return JSONResponse(
                {"detail": exc.detail},
                status_code=exc.status_code,
                headers=getattr(exc, "headers", None),
            )
        return _page(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {
                "field": ".".join(str(p) for p in err["loc"][1:]) or str(err["loc"][0]),
                "message": err["msg"],
            }
            for err in exc.errors()
        ]
        if is_api(request):
            return JSONResponse(
                {"detail": "invalid request", "problems": problems}, status_code=422
            )
        text = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return _page(request, 422, text)
