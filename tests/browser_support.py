"""What the browser tests share: the Chromium command line, a live server, a watch on the
console and the network, and screenshots in tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from conftest import TestDatabase
from peaceops.services.web.app import create_app

CHROMIUM = os.environ.get("PEACEOPS_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(db: TestDatabase) -> Iterator[str]:
    """The app on a free local port, served by uvicorn in a thread."""
    port = free_port()
    app = create_app(db.settings(), platform=db.platform)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    """Debian's Chromium driven by Playwright; skips (or fails in CI) when it is missing."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        message = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("PEACEOPS_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


TIMEOUT_MS = 120_000


class Watch:
    """Collects console errors, failed requests and requests to other hosts."""

    def __init__(self, page, base: str) -> None:  # type: ignore[no-untyped-def]
        # Playwright's 30 s default is a test of speed, not behaviour: on a loaded CI machine a
        # login (Argon2 on purpose) and the dashboard behind it can take longer.
        page.set_default_timeout(TIMEOUT_MS)
        page.set_default_navigation_timeout(TIMEOUT_MS)
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", self._failed)
        page.on(
            "request",
            lambda r: None if r.url.startswith((base, "data:")) else self.outside.append(r.url),
        )

    def _failed(self, request) -> None:  # type: ignore[no-untyped-def]
        # A request the browser itself abandons because the page moved on (the favicon of a
        # page left at once) is not a failure of the app.
        if (request.failure or "") != "net::ERR_ABORTED":
            self.errors.append(f"failed: {request.url} ({request.failure})")


def shoot(page, name: str, engine: str = "sqlite") -> None:  # type: ignore[no-untyped-def]
    """A full-page screenshot: ``name.png`` on SQLite, ``engine-name.png`` otherwise."""
    ARTIFACTS.mkdir(exist_ok=True)
    name = name if engine == "sqlite" else f"{engine}-{name}"
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    """Log in through the form, in English, as a demo user."""
    page.goto(f"{base}/lang/en?next=/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill("peace-in-carana")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")
