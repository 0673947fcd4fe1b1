"""``peaceops serve``: the web app and the API."""

from __future__ import annotations

import os
import threading
import time
import urllib.request
import webbrowser
from typing import TYPE_CHECKING, Annotated

import typer

from peaceops.services.cli.context import console, reporting_errors, state

if TYPE_CHECKING:
    from peaceops.config import Settings


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address (default PEACEOPS_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default PEACEOPS_PORT).")] = None,
    workers: Annotated[int, typer.Option(help="Number of worker processes.", min=1)] = 1,
    open_browser: Annotated[
        bool, typer.Option("--open-browser", help="Open the app in a browser once it is up.")
    ] = False,
) -> None:
    """Serve the web app and the JSON API (use a reverse proxy with TLS on a server)."""
    st = state(ctx)
    with reporting_errors():
        st.platform()  # refuses an empty or outdated database with a clear message
    settings = st.settings
    run_server(
        settings,
        host=host or settings.host,
        port=port or settings.port,
        open_browser=open_browser,
        workers=workers,
    )


def run_server(
    settings: Settings, *, host: str, port: int, open_browser: bool, workers: int = 1
) -> None:
    import uvicorn

    url = f"http://{host}:{port}"
    console.print(f"PeaceOps is starting at [bold]{url}[/] (Ctrl+C to stop).")
    if open_browser:
        threading.Thread(target=_open_when_ready, args=(url,), daemon=True).start()
    if workers > 1:
        os.environ["PEACEOPS_DATABASE_URL"] = settings.database_url
        uvicorn.run(
            "peaceops.services.web.app:create_app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
            log_level="info",
            # The supervisor restarts a worker that misses its ping; a worker busy building a
            # large page (a country's whole event panel) can hold the GIL for more than the
            # default 5 s without being stuck.
            timeout_worker_healthcheck=60,
        )
        return
    from peaceops.services.web.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=True, log_level="info")


def _open_when_ready(url: str) -> None:
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as answer:  # noqa: S310
                if answer.status == 200:
                    webbrowser.open(f"{url}/login")
                    return
        except OSError:
            time.sleep(0.2)
