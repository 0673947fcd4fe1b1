"""Imports through the platform, on SQLite and PostgreSQL: a refused file writes nothing, an
accepted one imports once.

For every importer the platform calls, mutated files (``fuzz_support``) go through the
platform service on a copy of the demo database. The property, checked example by example:
the import returns, or raises ``InputError`` (a ``ConflictError`` when the file clashes with
what is stored, such as a changed questionnaire under the same version) naming the file; when
it raises, the row count of every table, the audit log among them, is what it was; when it
returns, importing the same bytes again changes no count. Explicit cases check that files
whose good rows come before a fatal flaw (a bad byte, a broken ZIP member) write nothing, and
that an external entity in an IATI file never reaches the database.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fuzz_seeds import (
    IATI_XML,
    SEEDS,
    fuzz_form,
)
from fuzz_support import (
    CASES,
    FUZZ,
    LONGER,
    TODAY,
    Seed,
    check_refusal,
    mutations,
    no_hang,
    register_tally,
    sweep,
    write_case,
)
from hypothesis import given, settings
from sqlalchemy import Engine, func, select, text, union_all

from conftest import SYSTEM, TestDatabase
from peaceops.errors import ConflictError, InputError
from peaceops.platform import Platform
from peaceops.storage import tables

EXAMPLES = 8
"""Cases per importer and engine: each is two imports and three counts of every table."""
PLATFORM = settings(FUZZ, max_examples=LONGER or EXAMPLES)


@pytest.fixture(autouse=True, scope="module")
def _tally(request: pytest.FixtureRequest) -> None:
    register_tally(request.config)


@dataclass(frozen=True)
class Route:
    """How the platform imports one seed's files, and what it needs in the database first."""

    seed: Seed
    call: Callable[[Platform, Path], Any]
    setup: Callable[[Platform], None] | None = None


def _seed(filename: str) -> Seed:
    return next(s for s in SEEDS if s.filename == filename)


def _survey(platform: Platform) -> None:
    platform.surveys.add_form(fuzz_form(), country="XCA", by=SYSTEM)
    platform.surveys.save_wave(
        "fuzz_form", "Fuzz", period_start=date(2026, 1, 1), period_end=date(2026, 1, 31), by=SYSTEM
    )


ROUTES = [
    Route(_seed("GEDEvent_v23_1.csv"), lambda p, path: p.events.import_ucdp_ged(path, by=SYSTEM)),
    Route(_seed("activities.xml"), lambda p, path: p.coordination.import_iati(path, by=SYSTEM)),
    Route(
        _seed("iati-data_2024-05-01.json"),
        lambda p, path: p.coordination.import_3w(path, by=SYSTEM),
    ),
    Route(
        _seed("3w.xlsx"), lambda p, path: p.coordination.import_3w(path, by=SYSTEM, country="SO")
    ),
    Route(
        _seed("fuzz_form.xlsx"),
        lambda p, path: p.surveys.load_form(path, country="XCA", by=SYSTEM),
    ),
    Route(
        _seed("kobo.csv"),
        lambda p, path: p.surveys.import_submissions("fuzz_form", path, wave="Fuzz", by=SYSTEM),
        _survey,
    ),
    Route(
        _seed("odk.zip"),
        lambda p, path: p.surveys.import_submissions("fuzz_form", path, wave="Fuzz", by=SYSTEM),
        _survey,
    ),
    Route(
        _seed("boundaries.geojson"),
        lambda p, path: p.places.import_boundaries(path, level=1, country="XCA", by=SYSTEM),
    ),
    Route(_seed("log.csv"), lambda p, path: p.incidents.import_log(path, country="XCA", by=SYSTEM)),
    Route(
        _seed("tracker.csv"),
        lambda p, path: p.legal.import_tracker(path, by=SYSTEM, country="XCA", today=TODAY),
    ),
    Route(_seed("report.docx"), lambda p, path: p.knowledge.ingest(path, by=SYSTEM, embed=False)),
    Route(_seed("register.xlsx"), lambda p, path: p.trainings.import_register(path, by=SYSTEM)),
    Route(
        _seed("register.csv"),
        lambda p, path: p.complaints.import_register(path, country="XCA", by=SYSTEM),
    ),
    Route(_seed("geopko.csv"), lambda p, path: p.deployments.import_geopko(path, by=SYSTEM)),
    Route(_seed("vdem.csv"), lambda p, path: p.context.import_indices(path, by=SYSTEM)),
]


def counts(engine: Engine) -> dict[str, int]:
    """The number of rows of every table, in one query."""
    names = sorted(tables.metadata.tables)
    query = union_all(
        *(
            select(text(f"'{name}'"), func.count()).select_from(tables.metadata.tables[name])
            for name in names
        )
    )
    with engine.connect() as conn:
        return {str(name): int(n) for name, n in conn.execute(query)}


def attempt(route: Route, platform: Platform, path: Path) -> str:
    """Import ``path``; check the property; 'imported' or 'refused'."""
    before = counts(platform.engine)
    with no_hang():
        try:
            route.call(platform, path)
        except (InputError, ConflictError) as exc:
            if isinstance(exc, InputError):
                check_refusal(exc, path.name)
            assert counts(platform.engine) == before, f"a refused import wrote: {exc}"
            return "refused"
        after = counts(platform.engine)
        route.call(platform, path)
    assert counts(platform.engine) == after, "importing the same file again changed the database"
    return "imported"


def _id(route: Route) -> str:
    return f"{route.seed.importer}-{route.seed.filename}"


@pytest.mark.parametrize("route", ROUTES, ids=_id)
def test_a_refused_import_writes_nothing_and_an_accepted_one_imports_once(
    route: Route, db: TestDatabase
) -> None:
    platform = db.platform
    if route.setup:
        route.setup(platform)
    importer = f"{route.seed.importer} (platform)"

    @PLATFORM
    @given(data=mutations(route.seed))
    def fuzz(data: bytes) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = write_case(route.seed, Path(folder), data)
            CASES[importer, f"{attempt(route, platform, path)} {db.engine}"] += 1

    fuzz()


# Good rows first, then a flaw that stops the whole file -----------------------------------------

LONG_CELL = b'"' + b"x" * 200_000 + b'"'
"""A cell past the csv module's limit (128 KiB): the whole file is refused at that line."""
FLAWED = [
    ("GEDEvent_v23_1.csv", b"903,1,,,,,,,,,,,,2024-05-01,2024-05-01,1,1,1\n\xff\xfe,1\n"),
    ("geopko.csv", b"Map 2,MINUSCA,2019,8,Bambari,Central African Republic,5.7,20.6,10,1\n\xff"),
    ("vdem.csv", b"LBR,2018,0.58,0.44\nCAF,2017," + LONG_CELL + b",0.1\n"),
    ("log.csv", b"INC-9,2026-03-03,,crime,,,North,,,,,,,,,," + LONG_CELL + b",\n"),
    ("register.csv", b"R-9,2026-03-02,extortion,,,,," + LONG_CELL + b",no\n"),
    ("kobo.csv", LONG_CELL + b"\n"),
]


@pytest.mark.parametrize(("filename", "tail"), FLAWED, ids=[f for f, _ in FLAWED])
def test_good_rows_before_a_fatal_flaw_write_nothing(
    filename: str, tail: bytes, db: TestDatabase
) -> None:
    route = next(r for r in ROUTES if r.seed.filename == filename)
    platform = db.platform
    if route.setup:
        route.setup(platform)
    before = counts(platform.engine)
    with tempfile.TemporaryDirectory() as folder:
        path = write_case(route.seed, Path(folder), route.seed.body() + tail)
        with pytest.raises(InputError) as caught:
            route.call(platform, path)
    check_refusal(caught.value, filename)
    assert counts(platform.engine) == before


def test_an_external_entity_in_iati_never_reaches_the_database(
    db: TestDatabase, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a9c")
    doctype = f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    body = IATI_XML.replace('<?xml version="1.0" encoding="UTF-8"?>\n', "")
    body = body.replace("Police training in Carana", "Police &xxe; training")
    body = body.replace("Basic training of police officers.", "&xxe;")
    path = tmp_path / "activities.xml"
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n{body}')
    report = db.platform.coordination.import_iati(path, by=SYSTEM)
    assert report.created == 2
    stored = db.platform.coordination.activity("XM-FUZZ-1")
    assert "TOP-SECRET" not in repr(stored) and "TOP-SECRET" not in repr(report)
    with db.platform.engine.connect() as conn:
        rows = conn.execute(select(tables.metadata.tables["activities"])).all()
        log = conn.execute(select(tables.metadata.tables["audit_log"])).all()
    assert "TOP-SECRET" not in repr(rows) and "TOP-SECRET" not in repr(log)


SWEPT = [r for r in ROUTES if r.seed.kind in ("csv", "xlsx", "json", "xml")]


@pytest.mark.parametrize("route", SWEPT, ids=_id)
def test_long_text_nul_bytes_and_huge_numbers_in_every_field_import_or_are_refused(
    route: Route, db: TestDatabase
) -> None:
    """Each field in turn, with what SQLite would store and PostgreSQL refuses: the import
    stores it, reports the row, or refuses the file, on both engines alike."""
    platform = db.platform
    if route.setup:
        route.setup(platform)
    importer = f"{route.seed.importer} (sweep)"
    for where, data in sweep(route.seed):
        with tempfile.TemporaryDirectory() as folder:
            path = write_case(route.seed, Path(folder), data)
            try:
                outcome = attempt(route, platform, path)
            except Exception as exc:
                raise AssertionError(f"{where}: {type(exc).__name__}: {exc}") from exc
            CASES[importer, f"{outcome} {db.engine}"] += 1
