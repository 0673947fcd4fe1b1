"""Web hardening: CSRF tokens, login rate limiting and security headers."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "peaceops_session"
CSRF_COOKIE = "peaceops_csrf"
LANG_COOKIE = "peaceops_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI sets inline styles on the elements it builds; only its page allows them.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def new_csrf_secret() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(secret_key: str, browser_secret: str) -> str:
    """The token a form must carry: bound to this browser's CSRF cookie and the server key."""
    return hmac.new(secret_key.encode(), browser_secret.encode(), hashlib.sha256).hexdigest()


def csrf_valid(secret_key: str, browser_secret: str | None, token: str | None) -> bool:
    if not browser_secret or not token:
        return False
    return hmac.compare_digest(csrf_token(secret_key, browser_secret), token)


class RateLimiter:
    """Sliding-window counter of events per key (a client address, a user name)."""

    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        events = self._events[key]
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._trim(key, time.monotonic())) >= self.limit

    def hit(self, key: str) -> None:
        with self._lock:
            self._trim(key, time.monotonic()).append(time.monotonic())

    def reset(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)

    def retry_after(self, key: str) -> int:
        with self._lock:
            events = self._trim(key, time.monotonic())
            if not events:
                return 0
            return max(1, int(events[0] + self.window - time.monotonic()) + 1)


class SecurityHeaders(BaseHTTPMiddleware):
    """Headers every answer carries: CSP, no framing, no sniffing, no referrer leaks."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        path = request.url.path
        response.headers.setdefault("Content-Security-Policy", DOCS_CSP if path == "/docs" else CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "geolocation=(), camera=(), microphone=()"
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if not path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
