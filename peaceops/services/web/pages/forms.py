"""Small helpers shared by page handlers: safe redirects and flash messages."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi.responses import RedirectResponse

from peaceops.services.web.i18n import N_

# Flash messages travel as a key in the query string, never as free text (no injection).
MESSAGES = {
    "saved": N_("Changes saved."),
    "created": N_("Created."),
    "password": N_("Password changed."),
    "token_revoked": N_("Token revoked."),
    "logged_out": N_("You are logged out."),
    "must_change": N_("Please choose a new password before you go on."),
}


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths: never redirect a user to another site after login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def redirect(path: str, *, msg: str | None = None) -> RedirectResponse:
    if msg:
        path = f"{path}{'&' if '?' in path else '?'}{urlencode({'msg': msg})}"
    return RedirectResponse(path, status_code=303)
