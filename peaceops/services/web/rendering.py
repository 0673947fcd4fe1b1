"""Rendering pages: every template gets the language, the user, the CSRF token and labels."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from peaceops.services.web import labels
from peaceops.services.web.deps import current_principal, get_web, language
from peaceops.services.web.i18n import LANGUAGE_NAMES
from peaceops.services.web.pages.forms import MESSAGES
from peaceops.services.web.security import CSRF_COOKIE, csrf_token


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    web = get_web(request)
    lang = language(request)
    principal = current_principal(request)
    browser_secret = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf_secret", "")
    page = {
        "request": request,
        "lang": lang.code,
        "dir": lang.direction,
        "_": lang.gettext,
        "ngettext": lang.ngettext,
        "label": lambda group, value: labels.label(lang, group, value),
        "languages": LANGUAGE_NAMES,
        "principal": principal,
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(web.secret, browser_secret) if browser_secret else "",
        "path": request.url.path,
        "flash": MESSAGES.get(request.query_params.get("msg", "")),
        "can": (lambda p: principal is not None and principal.can(p)),
        # Called by the navigation only for forecast readers: one COUNT query.
        "open_alerts": (lambda: web.platform.alerts.count_open(by=principal) if principal else 0),
    }
    page.update(context or {})
    return web.templates.TemplateResponse(request, template, page, status_code=status_code)
