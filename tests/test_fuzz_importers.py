"""Every importer, fed malformed, truncated, oversized, wrongly encoded and hostile files,
reads them or refuses them with an ``InputError`` naming the file; it never crashes or hangs.

The Hypothesis cases mutate one valid seed per format (``fuzz_seeds.SEEDS``); the explicit
cases below are the attacks a mutation would never stumble on: XML entity expansion and
external entities, ZIP bombs and workbooks declaring millions of rows, JSON nested 100,000
deep, gzip bombs, PDF and DOCX bombs, formula injection and 5 MB cells. Whether nothing is
written when an import through the platform fails is checked in
``test_fuzz_importers_platform.py``. The number of cases per importer is printed at the end of
the run ("importer fuzz cases").
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import socket
import tempfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fuzz_seeds import (
    IATI_XML,
    SEEDS,
    docx_bytes,
    fuzz_form,
    pdf_bytes,
    read_ingest,
    xlsform_bytes,
)
from fuzz_support import (
    FORMULAS,
    FUZZ,
    HUGE,
    LONGER,
    TODAY,
    Member,
    Seed,
    build_zip,
    check_read,
    csv_bytes,
    member,
    mutations,
    register_tally,
    spaces_deflated,
    workbook,
    write_case,
    zip_members,
    zipped,
)
from hypothesis import given, settings

from peaceops.errors import InputError

# Cases per seed: the slow readers (pyxform builds the whole XForm) get fewer. CI runs the
# same cases every time (derandomized); PEACEOPS_FUZZ_EXAMPLES=2000 fuzzes longer, with new
# random cases on each run.
EXAMPLES = {"xlsform": 30, "documents": 40}
DEFAULT_EXAMPLES = 80


@pytest.fixture(autouse=True, scope="module")
def _tally(request: pytest.FixtureRequest) -> None:
    register_tally(request.config)


def _id(seed: Seed) -> str:
    return f"{seed.importer}-{seed.filename}"


@pytest.mark.parametrize("seed", SEEDS, ids=_id)
def test_the_seeds_read_without_problems_of_their_own(seed: Seed, tmp_path: Path) -> None:
    """The fuzzing starts from files the importers accept, row by row."""
    path = write_case(seed, tmp_path, seed.body())
    problems = read_ingest(seed.importer, path)
    assert [p for p in problems if p.line is not None] == []


@pytest.mark.parametrize("seed", SEEDS, ids=_id)
def test_mutated_files_are_read_or_refused_naming_the_file(seed: Seed) -> None:
    strategy = mutations(seed)

    @settings(FUZZ, max_examples=LONGER or EXAMPLES.get(seed.importer, DEFAULT_EXAMPLES))
    @given(data=strategy)
    def fuzz(data: bytes) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = write_case(seed, Path(folder), data)
            check_read(seed.importer, lambda p: read_ingest(seed.importer, p), path)

    fuzz()


# XML: entities are never expanded or fetched ---------------------------------------------------


@pytest.fixture
def listener() -> Iterator[tuple[str, Callable[[], bool]]]:
    """A local TCP server: (its URL, whether anything connected to it)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.setblocking(False)

    def contacted() -> bool:
        try:
            connection, _ = server.accept()
        except BlockingIOError:
            return False
        connection.close()
        return True

    yield f"http://127.0.0.1:{server.getsockname()[1]}", contacted
    server.close()


SECRET = "TOP-SECRET-7f3a9c"


def _lol(depth: int = 9) -> str:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, depth + 1)
    ]
    return f"<!DOCTYPE r [{''.join(entities)}]>"


def _entity_documents(secret: Path, url: str) -> dict[str, tuple[str, str]]:
    """name -> (DOCTYPE, the reference to put in an element's text or attribute)."""
    return {
        "billion-laughs": (_lol(), "&lol9;"),
        "external-file": (f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>', "&xxe;"),
        "external-http": (f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{url}/entity">]>', "&xxe;"),
        "parameter-entity": (
            f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{url}/dtd"> %p;]>',
            "plain",
        ),
        "external-dtd": (f'<!DOCTYPE r SYSTEM "{url}/x.dtd">', "plain"),
        "local-dtd": (f'<!DOCTYPE r SYSTEM "{secret.as_uri()}">', "plain"),
    }


def _iati_with(doctype: str, reference: str, *, attribute: bool) -> bytes:
    body = IATI_XML.replace('<?xml version="1.0" encoding="UTF-8"?>\n', "")
    if attribute:
        body = body.replace('<activity-status code="2"/>', f'<activity-status code="{reference}"/>')
    else:
        body = body.replace("XM-FUZZ-1</iati-identifier>", f"XM-{reference}</iati-identifier>")
        body = body.replace("Police training in Carana", f"Police {reference} training")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n{body}'.encode()


def _assert_nothing_leaked(outcome: Any, secret_text: str = SECRET) -> None:
    assert secret_text not in repr(outcome)


@pytest.mark.parametrize("attribute", [False, True], ids=["in-text", "in-attribute"])
@pytest.mark.parametrize(
    "attack",
    [
        "billion-laughs",
        "external-file",
        "external-http",
        "parameter-entity",
        "external-dtd",
        "local-dtd",
    ],
)
def test_iati_xml_entities_are_never_expanded_read_or_fetched(
    attack: str, attribute: bool, tmp_path: Path, listener: tuple[str, Callable[[], bool]]
) -> None:
    from peaceops.ingest.iati import read_iati

    url, contacted = listener
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    doctype, reference = _entity_documents(secret, url)[attack]
    path = tmp_path / "activities.xml"
    path.write_bytes(_iati_with(doctype, reference, attribute=attribute))
    seen: list[Any] = []

    def read(p: Path) -> list[Any]:
        items = list(read_iati(p))
        seen.extend(items)
        return [i for i in items if not hasattr(i, "identifier")]

    refused = check_read("iati", read, path)
    _assert_nothing_leaked([seen, refused])
    assert "lol" * 1000 not in repr(seen)
    assert not contacted(), "the XML parser fetched something over the network"


def _package_with_entity(data: bytes, member: str, doctype: str, reference: str) -> bytes:
    """The ZIP package with ``member`` (an XML part) given a DOCTYPE and an entity reference
    in its first text node."""
    members = zip_members(data)
    xml = members[member].decode("utf-8")
    if xml.startswith("<?xml"):
        declaration, _, xml = xml.partition("?>")
        declaration += "?>"
    else:
        declaration = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    head, sep, tail = xml.partition("<t>")
    if not sep:
        head, sep, tail = xml.partition("<w:t>")
    xml = head + sep + reference + tail
    members[member] = f"{declaration}{doctype}{xml}".encode()
    return zipped(members)


PACKAGES = [
    ("hxl", "3w.xlsx", lambda: workbook({"3W": [["#org+impl", "#activity+name"], ["a", "b"]]})),
    ("xlsform", "fuzz_form.xlsx", xlsform_bytes),
    ("legal_tracker", "tracker.xlsx", lambda: workbook({"tracker": [["code"], ["x"]]})),
    ("documents", "report.docx", docx_bytes),
]


def _first_xml_part(data: bytes, filename: str) -> str:
    names = zip_members(data)
    if filename.endswith(".docx"):
        return "word/document.xml"
    return next(n for n in sorted(names) if n.startswith("xl/worksheets/"))


@pytest.mark.parametrize(("importer", "filename", "build"), PACKAGES, ids=[p[0] for p in PACKAGES])
@pytest.mark.parametrize("attack", ["billion-laughs", "external-file", "external-http"])
def test_entities_inside_office_packages_are_refused_or_ignored(
    importer: str,
    filename: str,
    build: Callable[[], bytes],
    attack: str,
    tmp_path: Path,
    listener: tuple[str, Callable[[], bool]],
) -> None:
    url, contacted = listener
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    doctype, reference = _entity_documents(secret, url)[attack]
    data = build()
    path = tmp_path / filename
    path.write_bytes(
        _package_with_entity(data, _first_xml_part(data, filename), doctype, reference)
    )
    seen: list[Any] = []

    def read(p: Path) -> list[Any]:
        if importer == "documents":
            from peaceops.ingest.documents import read_document

            seen.append(read_document(p))
            return []
        return read_ingest(importer, p)

    refused = check_read(importer, read, path)
    _assert_nothing_leaked([seen, refused])
    assert not contacted()


# ZIP bombs and workbooks declaring millions of cells -----------------------------------------

BOMB = 256 << 20
"""What a bomb member inflates to: 256 MB of spaces from a few hundred kilobytes."""
PACKAGE_SEEDS = [s for s in SEEDS if s.kind in ("xlsx", "zip", "docx")]


def _largest_part(data: bytes) -> str:
    members = zip_members(data)
    return max(sorted(members), key=lambda n: len(members[n]))


def _bomb(data: bytes, how: str) -> bytes:
    """The package with one member turned into a bomb: ``honest`` declares its 256 MB,
    ``lying`` declares the size of the part it replaces, ``many`` adds 1,100 members of 1 MB
    each (each too small for the ratio check, together past the 1 GiB limit)."""
    members = zip_members(data)
    target = _largest_part(data)
    kept = [member(n, b) for n, b in members.items() if n != target]
    if how == "many":
        raw, crc = spaces_deflated(1 << 20)
        extra = [Member(f"customXml/item{i}.xml", raw, crc, 1 << 20) for i in range(1100)]
        return build_zip([*kept, member(target, members[target]), *extra])
    raw, crc = spaces_deflated(BOMB)
    size = BOMB if how == "honest" else len(members[target])
    return build_zip([*kept, Member(target, raw, crc, size)])


@pytest.mark.parametrize("how", ["honest", "lying", "many"])
@pytest.mark.parametrize("seed", PACKAGE_SEEDS, ids=_id)
def test_zip_bombs_are_refused_before_they_inflate(seed: Seed, how: str, tmp_path: Path) -> None:
    path = write_case(seed, tmp_path, _bomb(seed.body(), how))
    refused = check_read(seed.importer, lambda p: read_ingest(seed.importer, p), path)
    assert isinstance(refused, InputError), f"{seed.filename}: a {how} ZIP bomb was read"
    assert "ZIP bomb" in str(refused) or "unpack" in str(refused), refused


def _declaring(data: bytes, dimension: str, far_cell: str | None) -> bytes:
    """The workbook with each sheet declaring ``dimension`` and, optionally, a cell far away."""
    members = zip_members(data)
    for name in [n for n in members if n.startswith("xl/worksheets/sheet")]:
        xml = members[name].decode("utf-8")
        declared = f'<dimension ref="{dimension}"/>'
        if "<dimension " in xml:
            xml = re.sub(r'<dimension ref="[^"]*"\s*/>', declared, xml)
        else:  # written in write-only mode: the dimension goes after sheetPr
            xml = xml.replace("</sheetPr>", "</sheetPr>" + declared, 1)
        if far_cell:
            row = re.sub(r"[A-Z]+", "", far_cell)
            cell = f'<row r="{row}"><c r="{far_cell}" t="inlineStr"><is><t>x</t></is></c></row>'
            xml = xml.replace("</sheetData>", cell + "</sheetData>")
        members[name] = xml.encode()
    return zipped(members)


@pytest.mark.parametrize(
    ("dimension", "far_cell", "must_refuse"),
    [
        ("A1:XFD1048576", "XFD1048576", True),  # 17 billion cells of padding
        ("A1:XFD1048576", None, False),  # a lying dimension over a small sheet
        ("A1:E1048576", None, False),  # a million rows declared, five columns: within limits
    ],
    ids=["every-cell", "every-cell-declared", "million-rows-declared"],
)
@pytest.mark.parametrize("seed", [s for s in SEEDS if s.kind == "xlsx"], ids=_id)
def test_workbooks_declaring_millions_of_cells_are_read_within_limits(
    seed: Seed, dimension: str, far_cell: str | None, must_refuse: bool, tmp_path: Path
) -> None:
    path = write_case(seed, tmp_path, _declaring(seed.body(), dimension, far_cell))
    refused = check_read(seed.importer, lambda p: read_ingest(seed.importer, p), path)
    if must_refuse:
        assert isinstance(refused, InputError), "a workbook padded to billions of cells was read"


# JSON nested 100,000 deep, and gzip bombs ------------------------------------------------------

JSON_SEEDS = [s for s in SEEDS if s.kind == "json"]


def _nest(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def _deep_inside(data: bytes, depth: int) -> bytes:
    """The document with its first list or object value replaced by a value ``depth`` deep."""
    text = data.decode("utf-8")
    doc = json.loads(text)
    marker = "__deep__"
    if isinstance(doc, list):
        doc[0] = marker
    elif isinstance(doc.get("features"), list):
        doc["features"][0]["properties"] = marker
    else:
        key = next(k for k, v in doc.items() if isinstance(v, list))
        doc[key][0] = marker
    return json.dumps(doc).replace(f'"{marker}"', _nest(depth)).encode()


@pytest.mark.parametrize("where", ["whole", "inside-deep", "inside-moderate"])
@pytest.mark.parametrize("seed", JSON_SEEDS, ids=_id)
def test_deeply_nested_json_is_refused_or_read_without_recursion_errors(
    seed: Seed, where: str, tmp_path: Path
) -> None:
    data = {
        "whole": _nest(100_000).encode(),
        "inside-deep": _deep_inside(seed.body(), 100_000),
        "inside-moderate": _deep_inside(seed.body(), 180),
    }[where]
    path = write_case(seed, tmp_path, data)
    refused = check_read(seed.importer, lambda p: read_ingest(seed.importer, p), path)
    if where != "inside-moderate":
        assert isinstance(refused, InputError)


def test_gzip_bombs_of_boundaries_are_refused_and_gzipped_files_read(tmp_path: Path) -> None:
    seed = next(s for s in SEEDS if s.importer == "geojson")
    path = tmp_path / seed.filename
    path.write_bytes(gzip.compress(seed.body()))
    assert check_read("geojson", lambda p: read_ingest("geojson", p), path) is None
    # 1,100 gzip members of 1 MB of spaces each: a kilobyte apiece, 1.1 GB unpacked.
    path.write_bytes(gzip.compress(seed.body()) + gzip.compress(b" " * (1 << 20)) * 1100)
    refused = check_read("geojson", lambda p: read_ingest("geojson", p), path)
    assert isinstance(refused, InputError) and "gzip" in str(refused)
    path.write_bytes(gzip.compress(seed.body())[:-9])
    assert isinstance(check_read("geojson", lambda p: read_ingest("geojson", p), path), InputError)


# PDF and DOCX that are garbage or bombs -------------------------------------------------------


def _zlib_spaces(size: int) -> bytes:
    """A zlib stream (as PDF's FlateDecode holds) of ``size`` spaces."""
    deflate = zlib.compressobj(9)
    block = b" " * (1 << 20)
    return b"".join(deflate.compress(block) for _ in range(size >> 20)) + deflate.flush()


def _pdf_with_stream(stream: bytes, extra: str = "") -> bytes:
    """A one-page PDF whose content stream is ``stream`` (already encoded), with ``extra``
    entries in the stream's dictionary (such as a filter)."""
    base = pdf_bytes()
    start = base.index(b"4 0 obj\n")
    end = base.index(b"endobj\n", start) + len(b"endobj\n")
    obj = b"4 0 obj\n<< /Length %d %s >>\nstream\n" % (len(stream), extra.encode()) + stream
    obj += b"\nendstream\nendobj\n"
    return base[:start] + obj + base[end:]


PDF_CASES: dict[str, Callable[[], bytes]] = {
    "flate-bomb": lambda: _pdf_with_stream(_zlib_spaces(128 << 20), "/Filter /FlateDecode"),
    "garbage": lambda: b"%PDF-1.7\n" + bytes(range(256)) * 64,
    "no-text-layer": lambda: _pdf_with_stream(b"0 0 m 100 100 l S"),
    "nested-arrays": lambda: _pdf_with_stream(b"BT " + b"[" * 50_000 + b"]" * 50_000 + b" ET"),
    "self-referencing-pages": lambda: pdf_bytes().replace(b"/Kids [3 0 R]", b"/Kids [2 0 R]"),
    "empty": lambda: b"",
}


@pytest.mark.parametrize("case", sorted(PDF_CASES))
def test_broken_and_hostile_pdfs_are_read_or_refused(case: str, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(PDF_CASES[case]())
    refused = check_read("documents", lambda p: read_ingest("documents", p), path)
    if case in ("garbage", "no-text-layer", "empty"):
        assert isinstance(refused, InputError)


@pytest.mark.parametrize(
    "case",
    ["garbage", "truncated", "not-a-docx-zip", "no-document-part", "broken-document-xml"],
)
def test_broken_docx_files_are_refused(case: str, tmp_path: Path) -> None:
    data = docx_bytes()
    members = zip_members(data)
    if case == "garbage":
        data = b"PK\x03\x04" + bytes(range(256)) * 16
    elif case == "truncated":
        data = data[: len(data) // 2]
    elif case == "not-a-docx-zip":
        data = zipped({"hello.txt": b"hello"})
    elif case == "no-document-part":
        data = zipped({n: b for n, b in members.items() if n != "word/document.xml"})
    else:
        members["word/document.xml"] = members["word/document.xml"][:300]
        data = zipped(members)
    path = tmp_path / "report.docx"
    path.write_bytes(data)
    assert isinstance(
        check_read("documents", lambda p: read_ingest("documents", p), path), InputError
    )


# Formula injection and huge cells in CSV files --------------------------------------------------

CSV_SEEDS = [s for s in SEEDS if s.kind == "csv"]


def _rows(seed: Seed) -> list[list[str]]:
    return list(csv.reader(io.StringIO(seed.body().decode("utf-8"), newline="")))


@pytest.mark.parametrize("formula", FORMULAS)
@pytest.mark.parametrize("seed", CSV_SEEDS, ids=_id)
def test_formula_cells_are_read_as_text_or_refused(
    seed: Seed, formula: str, tmp_path: Path
) -> None:
    """A cell a spreadsheet would run is only ever text to the importers: the file reads (or
    each such value is refused as a bad value of its column), never evaluated or crashing."""
    rows = _rows(seed)
    data_row = next(i for i, r in enumerate(rows) if i and any(r))
    rows[data_row] = [formula if c.strip() and not c[0].isdigit() else c for c in rows[data_row]]
    path = write_case(seed, tmp_path, csv_bytes(rows))
    check_read(seed.importer, lambda p: read_ingest(seed.importer, p), path)


@pytest.mark.parametrize(
    ("importer", "filename", "column", "read_back"),
    [
        ("incidents", "log.csv", "narrative", lambda r: r.entries[0].incident.narrative),
        ("complaints", "register.csv", "description", lambda r: r.entries[0].complaint.description),
        ("legal_tracker", "tracker.csv", "title_en", lambda r: r.rows[0].title["en"]),
    ],
    ids=["incidents", "complaints", "legal_tracker"],
)
def test_formulas_in_free_text_come_back_verbatim(
    importer: str, filename: str, column: str, read_back: Callable[[Any], str], tmp_path: Path
) -> None:
    from peaceops.ingest.complaints import read_register
    from peaceops.ingest.incidents import read_log
    from peaceops.ingest.legal_tracker import read_tracker

    seed = next(s for s in CSV_SEEDS if s.importer == importer)
    readers: dict[str, Callable[[Path], Any]] = {
        "incidents": lambda p: read_log(p, country="XCA", today=TODAY),
        "complaints": read_register,
        "legal_tracker": lambda p: read_tracker(p, country="XCA", today=TODAY),
    }
    for formula in ("=cmd|' /C calc'!A0", "@SUM(A1)", "+1 tonne", "-5 people"):
        rows = _rows(seed)
        rows[1][rows[0].index(column)] = formula
        path = write_case(seed, tmp_path, csv_bytes(rows))
        assert read_back(readers[importer](path)) == formula


@pytest.mark.parametrize("seed", CSV_SEEDS, ids=_id)
def test_a_five_megabyte_cell_is_read_or_refused_naming_the_line(
    seed: Seed, tmp_path: Path
) -> None:
    rows = _rows(seed)
    column = max(range(len(rows[1])), key=lambda i: len(rows[1][i]))
    rows[1][column] = HUGE
    path = write_case(seed, tmp_path, csv_bytes(rows))
    refused = check_read(seed.importer, lambda p: read_ingest(seed.importer, p), path)
    if refused is not None:
        assert refused.problem.line is not None, refused


def test_submissions_seed_form_reads() -> None:
    """The questionnaire the submission seeds answer has its repeat group (ODK's zip needs it)."""
    assert fuzz_form().repeats == ("household",)
