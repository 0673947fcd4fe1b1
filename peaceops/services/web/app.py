"""The FastAPI application factory."""

from __future__ import annotations

from typing import Any

import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

import peaceops
from peaceops.config import Settings, load_settings
from peaceops.errors import ConfigError
from peaceops.platform import Platform
from peaceops.services.web import errors
from peaceops.services.web.api import router as api_router
from peaceops.services.web.context import WEB_DIR, WebContext
from peaceops.services.web.pages import router as pages_router
from peaceops.services.web.security import CSRF_COOKIE, SecurityHeaders, new_csrf_secret

PUBLIC_PATHS = ("/health", "/login", "/lang/", "/docs", "/openapi.json", "/static/")


class CsrfCookie(BaseHTTPMiddleware):
    """Give every browser a CSRF secret cookie; forms carry a token derived from it."""

    def __init__(self, app: Any, *, secure: bool) -> None:
        super().__init__(app)
        self.secure = secure

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        secret = None
        if CSRF_COOKIE not in request.cookies and not request.url.path.startswith(
            ("/static/", "/api/", "/health")
        ):
            secret = new_csrf_secret()
            request.state.csrf_secret = secret
        response = await call_next(request)
        if secret is not None:
            response.set_cookie(
                CSRF_COOKIE, secret, httponly=True, samesite="strict", secure=self.secure, path="/"
            )
        return response


def create_app(settings: Settings, *, platform: Platform | None = None) -> FastAPI:
    """Build the web app for one database. The database must be migrated already."""
    platform = platform or Platform(settings)
    if not platform.is_current():
        raise ConfigError(
            "the database is not at the current schema version; run "
            "'peaceops db upgrade' or 'peaceops init'"
        )
    app = FastAPI(
        title="PeaceOps API",
        version=peaceops.__version__,
        description="Institutions, programmes, community voice, early warning, transition and "
        "lessons learned for peace operations. Authenticate with a session cookie or "
        "`Authorization: Bearer <token>` (create tokens on your account page).",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.web = WebContext.build(settings, platform)
    app.add_middleware(CsrfCookie, secure=settings.cookie_secure)
    app.add_middleware(SecurityHeaders)
    errors.install(app)
    app.mount(
        "/static/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger"
    )
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")

    @app.get("/health", include_in_schema=False)
    def health() -> Response:
        try:
            with platform.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Response:
        web: WebContext = request.app.state.web
        return web.templates.TemplateResponse(request, "docs.html", {"title": app.title})

    app.include_router(api_router)
    app.include_router(pages_router)
    return app


def create_app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory`` and process managers: settings from PEACEOPS_*."""
    return create_app(load_settings())
