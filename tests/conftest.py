"""Shared fixtures: one ``db`` fixture over SQLite and PostgreSQL, seeded with the demo.

Each test gets its own copy of a database holding the Carana demonstration scenario: a file
copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL, so tests can write freely.
PostgreSQL tests skip with the reason when no server answers, except when
``PEACEOPS_REQUIRE_POSTGRES=1`` (as ``scripts/test`` and CI set it), where they fail.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from peaceops.config import Settings
from peaceops.domain.access import Principal, TokenScope
from peaceops.domain.coordination import Activity, Capability, OrgRole, Participant
from peaceops.platform import Platform

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("PEACEOPS_SHARED_DATA", ROOT.parent / "shared" / "data"))
PG_URL = os.environ.get(
    "PEACEOPS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_PG = os.environ.get("PEACEOPS_REQUIRE_POSTGRES") == "1"
ENGINES = ("sqlite", "postgresql")
SYSTEM = Principal.system("pytest")
# The live server and browser fixtures of the browser tests.
pytest_plugins = ["browser_support"]
_counter = itertools.count()
# Property tests check behaviour, never speed: on a loaded CI machine a slow first draw or
# example is not a failure. Each test still sets its own number of examples.
settings.register_profile("peaceops", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("peaceops")


def shared_file(relative: str) -> Path:
    """A file of ../shared/data; the test skips with a clear reason when it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(
            f"shared dataset {relative} not found under {SHARED_DATA} (set PEACEOPS_SHARED_DATA)"
        )
    return path


def _pg_problem() -> str | None:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


@pytest.fixture(scope="session")
def postgres_server() -> str:
    problem = _pg_problem()
    if problem:
        message = f"PostgreSQL at {make_url(PG_URL).render_as_string()} did not answer ({problem})"
        if REQUIRE_PG:
            pytest.fail(message + "; PEACEOPS_REQUIRE_POSTGRES=1 requires it")
        pytest.skip(message)
    return PG_URL


def _pg_admin(server_url: str):  # type: ignore[no-untyped-def]
    return create_engine(server_url, isolation_level="AUTOCOMMIT")


def pg_database_url(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def create_pg_database(server_url: str, name: str, *, template: str | None = None) -> str:
    assert re.fullmatch(r"[a-z0-9_]+", name)
    admin = _pg_admin(server_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    admin.dispose()
    return pg_database_url(server_url, name)


def drop_pg_database(server_url: str, name: str) -> None:
    admin = _pg_admin(server_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class TestDatabase:
    """A database for one test: its engine kind, URL, and a platform opened on demand."""

    __test__ = False  # not a test class, despite its name
    engine: str
    url: str
    _platforms: list[Platform] = field(default_factory=list)

    def settings(self, **overrides: object) -> Settings:
        return Settings(database_url=self.url, **overrides)  # type: ignore[arg-type]

    @property
    def platform(self) -> Platform:
        if not self._platforms:
            self._platforms.append(Platform(self.settings()))
        return self._platforms[0]

    def close(self) -> None:
        for p in self._platforms:
            p.close()


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Build the demo once per engine; tests copy it."""
    built: dict[str, str] = {}
    folder = tmp_path_factory.mktemp("templates")
    sqlite_path = folder / "demo.db"
    platform = Platform(Settings(database_url=f"sqlite:///{sqlite_path}"))
    platform.load_demo()
    platform.close()
    built["sqlite"] = str(sqlite_path)
    pg_template = None
    if _pg_problem() is None:
        pg_template = f"peaceops_tpl_{os.getpid()}"
        url = create_pg_database(PG_URL, pg_template)
        platform = Platform(Settings(database_url=url))
        platform.load_demo()
        platform.close()
        built["postgresql"] = pg_template
    yield built
    if pg_template:
        drop_pg_database(PG_URL, pg_template)


@pytest.fixture(params=ENGINES)
def db(
    request: pytest.FixtureRequest, tmp_path: Path, demo_templates: dict[str, str]
) -> Iterator[TestDatabase]:
    """A fresh copy of the demo database, once on SQLite and once on PostgreSQL."""
    engine = request.param
    if engine == "sqlite":
        target = tmp_path / "peaceops.db"
        shutil.copyfile(demo_templates["sqlite"], target)
        database = TestDatabase("sqlite", f"sqlite:///{target}")
        yield database
        database.close()
        return
    server = request.getfixturevalue("postgres_server")
    if "postgresql" not in demo_templates:
        pytest.fail("PostgreSQL answered but the demo template could not be built")
    name = f"peaceops_t_{os.getpid()}_{next(_counter)}"
    url = create_pg_database(server, name, template=demo_templates["postgresql"])
    database = TestDatabase("postgresql", url)
    yield database
    database.close()
    drop_pg_database(server, name)


@pytest.fixture(params=ENGINES)
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestDatabase]:
    """A database with nothing in it (not even the schema), on each engine."""
    if request.param == "sqlite":
        database = TestDatabase("sqlite", f"sqlite:///{tmp_path / 'empty.db'}")
        yield database
        database.close()
        return
    server = request.getfixturevalue("postgres_server")
    name = f"peaceops_e_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    database = TestDatabase("postgresql", create_pg_database(server, name))
    yield database
    database.close()
    drop_pg_database(server, name)


@pytest.fixture
def platform(db: TestDatabase) -> Platform:
    return db.platform


@pytest.fixture
def system() -> Principal:
    return SYSTEM


# Web -------------------------------------------------------------------------------------


@pytest.fixture
def app(db: TestDatabase):  # type: ignore[no-untyped-def]
    from peaceops.services.web.app import create_app

    return create_app(db.settings(), platform=db.platform)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def login(client, username: str, password: str = "peace-in-carana"):  # type: ignore[no-untyped-def]
    """Log in through the real form (CSRF token included); returns the login answer."""
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_from(page.text),
            "next": "/",
        },
        follow_redirects=False,
    )


def api_token(platform: Platform, username: str) -> dict[str, str]:
    """Authorization header with a fresh API token for a demo user."""
    user = next(u for u in platform.accounts.list_users(by=SYSTEM) if u.username == username)
    token = platform.accounts.create_token(
        "tests", by=SYSTEM, user_id=user.id, scopes=frozenset(TokenScope)
    )
    return {"Authorization": f"Bearer {token.token}"}


def police_training(identifier: str, org: str, title: str = "Police training") -> Activity:
    """A police training activity in XCA reported by ``org``: two with different reporters
    are a likely duplicate pair."""
    return Activity(
        identifier=identifier,
        title={"en": title},
        description={"en": "Basic training and mentoring for 200 police officers in Kismayo"},
        countries=[("XCA", None)],
        capabilities=[Capability.POLICE_REFORM],
        planned_start=date(2024, 1, 1),
        planned_end=date(2024, 12, 31),
        reporting_org=Participant(OrgRole.EXTENDING, org),
        source="test",
    )
