"""Seeds, mutations and the one property of the importer fuzz tests.

Every importer gets a small valid seed file (written here, in code, so that what is fuzzed is
visible) and Hypothesis strategies that break it: cut at a random byte, bytes flipped,
inserted or deleted, re-encoded (UTF-16, Latin-1, BOMs, NUL bytes), and, knowing the format,
cells, JSON values, XML elements and ZIP members replaced by hostile ones (formula injection,
5 MB fields, numbers of 5,000 digits, wrong JSON types, comments and unknown elements).

The property (``check_read``): the reader returns, or raises ``InputError`` whose message names
the file; never another exception, never a hang (a SIGALRM guard of ``HANG_SECONDS`` stands in
for pytest-timeout, which is not installed). Problems it returns name the file too.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from lxml import etree

from peaceops.errors import InputError, Problem, RowErrors

LONGER = int(os.environ.get("PEACEOPS_FUZZ_EXAMPLES", "0"))
# What every fuzz test shares: the same cases in CI (derandomized), no example database, no
# deadline (the alarm in the checks stops a hang); each test sets its number of examples.
FUZZ = settings(
    derandomize=not LONGER,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
"""Cases per seed when set: fuzz longer than CI does, with new random cases on every run."""
HANG_SECONDS = 60
"""A read that takes this long is taken to hang: every seed reads in milliseconds."""
TODAY = date(2026, 11, 1)
HUGE = "A" * 5_000_000
"""A 5 MB cell."""
FORMULAS = ("=cmd|' /C calc'!A0", "=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "'=1")
ODD_TEXT = (
    "",
    " ",
    "\x00",
    "\x1b[31m",
    "\u202e\u0645",
    "é",
    "\ufeff",
    "\ud7ff",
    "NaN",
    "Infinity",
    "-inf",
    "1e400",
    "-0",
    "²",
    "٣",
    "9" * 5000,
    "0000-00-00",
    "2024-02-30",
    "9999-12-31",
    "31/12/99999",
    "1900-01-01",
    '"',
    "a,b;c\td",
    "line\nbreak",
    "<x>&amp;</x>",
    "${x}",
    "%s%n",
    "../../etc/passwd",
    "é" * 301,
    "x" * 5000,
    "x" * 200_000,
)
CELL_VALUES = st.one_of(
    st.sampled_from(FORMULAS),
    st.sampled_from(ODD_TEXT),
    st.just(HUGE),
    st.text(max_size=30),
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


class Hang(BaseException):
    """A read ran past ``HANG_SECONDS`` (a BaseException, so no importer swallows it)."""


@contextmanager
def no_hang(seconds: float = HANG_SECONDS) -> Iterator[None]:
    def stop(signum: int, frame: object) -> None:
        raise Hang(f"still reading after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# How many cases each importer saw, printed at the end of the run -----------------------------

CASES: Counter[tuple[str, str]] = Counter()


class Tally:
    """A pytest plugin (registered by the fuzz modules) printing ``CASES`` after the run."""

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not CASES:
            return
        terminalreporter.section("importer fuzz cases")
        for importer in sorted({k for k, _ in CASES}):
            outcomes = {o: n for (i, o), n in CASES.items() if i == importer}
            shown = ", ".join(f"{o} {n}" for o, n in sorted(outcomes.items()))
            terminalreporter.write_line(
                f"{importer:<22} {sum(outcomes.values()):>5} cases ({shown})"
            )


TALLY = Tally()


def register_tally(config: Any) -> None:
    if not config.pluginmanager.is_registered(TALLY):
        config.pluginmanager.register(TALLY, "importer-fuzz-tally")


# The property --------------------------------------------------------------------------------


def named(text: str, name: str) -> bool:
    return name in text


def check_refusal(exc: InputError, name: str) -> None:
    """A refusal names the file; each problem of a RowErrors also names its place in it."""
    assert named(str(exc), name), f"the error does not name {name}: {exc}"
    if isinstance(exc, RowErrors):
        for p in exc.problems:
            assert p.line is not None or p.item or p.field, f"a problem without a place: {p}"


def check_read(
    importer: str,
    read: Callable[[Path], list[Problem]],
    path: Path,
    *,
    name: str | None = None,
    outcome: str = "",
) -> InputError | None:
    """Read ``path``; the read succeeds or raises ``InputError`` naming the file (returned).
    Anything else fails the test: another exception propagates, a hang raises ``Hang``."""
    name = name or path.name
    with no_hang():
        try:
            problems = read(path)
        except InputError as exc:
            check_refusal(exc, name)
            CASES[importer, outcome or "refused"] += 1
            return exc
    for p in problems:
        assert p.source and named(str(p), name), f"a problem does not name {name}: {p}"
    CASES[importer, outcome or "read"] += 1
    return None


# Mutations of bytes ---------------------------------------------------------------------------

SPLICES = (
    b"\x00",
    b"\xff",
    b"\xfe\xff",
    b"\xef\xbb\xbf",
    b"\xc3",
    b"\xe2\x80\xae",
    b"\r",
    b"\n",
    b'"',
    b",",
    b";",
    b"\t",
    b"<",
    b"&",
    b"]]>",
    b"<!--",
    b"{",
    b"[",
    b"}",
    b"]",
    b"'",
    b"=",
    b"\\",
    b"9" * 40,
    b"-1",
    b"1e999",
    b"NaN",
    b"null",
)


@st.composite
def byte_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    """One to three cuts, flips, splices, deletions or duplications of ``data``."""
    for _ in range(draw(st.integers(1, 3))):
        n = len(data)
        at = draw(st.integers(0, n))
        op = draw(st.sampled_from(["truncate", "flip", "splice", "delete", "duplicate"]))
        if op == "truncate":
            data = data[:at]
        elif op == "flip" and n:
            i = min(at, n - 1)
            data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
        elif op == "splice":
            piece = draw(st.sampled_from(SPLICES) | st.binary(min_size=1, max_size=8))
            data = data[:at] + piece + data[at:]
        elif op == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 64)) :]
        elif op == "duplicate":
            span = data[at : at + draw(st.integers(1, 200))]
            data = data[:at] + span * draw(st.integers(2, 50)) + data[at:]
    return data


ENCODINGS = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252", "utf-8-sig")


@st.composite
def encoding_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    """The same text in another encoding, with a doubled BOM, or with NUL bytes in it."""
    text = data.decode("utf-8")
    how = draw(st.sampled_from([*ENCODINGS, "double-bom", "nul", "bom-then-latin-1"]))
    if how == "double-bom":
        return b"\xef\xbb\xbf\xef\xbb\xbf" + data
    if how == "nul":
        at = draw(st.integers(0, len(data)))
        return data[:at] + b"\x00" * draw(st.integers(1, 4)) + data[at:]
    if how == "bom-then-latin-1":
        return b"\xef\xbb\xbf" + text.encode("latin-1", errors="replace")
    return text.encode(how, errors="replace")


# Mutations knowing the format ----------------------------------------------------------------


@st.composite
def csv_mutation(draw: st.DrawFn, data: bytes, delimiter: str = ",") -> bytes:
    """A cell replaced (or a column added) with a hostile value, or rows repeated or ragged."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))
    op = draw(st.sampled_from(["cell", "cell", "cell", "column", "ragged", "repeat"]))
    r = draw(st.integers(0, len(rows) - 1))
    if op == "cell":
        c = draw(st.integers(0, max(len(rows[r]) - 1, 0)))
        if rows[r]:
            rows[r][c] = draw(CELL_VALUES)
    elif op == "column":
        value = draw(CELL_VALUES)
        for row in rows:
            row.append(value)
    elif op == "ragged":
        rows[r] = rows[r][: draw(st.integers(0, len(rows[r])))]
    else:
        rows.extend([rows[r]] * draw(st.integers(1, 20)))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode("utf-8")


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([*FORMULAS, *ODD_TEXT[:20]])
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _json_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _json_paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _json_paths(v, (*path, i))


@st.composite
def json_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    """A value anywhere in the document replaced by one of another type, or removed."""
    doc = json.loads(data)
    paths = list(_json_paths(doc))[1:]
    path = draw(st.sampled_from(paths))
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    if draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(JSON_VALUES | st.just(HUGE))
    return json.dumps(doc, allow_nan=True).encode("utf-8")


@st.composite
def xml_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    """An element's text or attribute replaced, the element removed, repeated or joined by a
    comment, a processing instruction or an unknown element."""
    root = etree.fromstring(data)
    elements = list(root.iter())
    el = draw(st.sampled_from(elements))
    op = draw(st.sampled_from(["text", "attribute", "remove", "repeat", "comment", "pi", "child"]))
    value = draw(CELL_VALUES).replace("\x00", "").replace("\x1b", "")
    value = "".join(ch for ch in value if ch.isprintable() or ch in "\n\t")
    if op == "text":
        el.text = value
    elif op == "attribute":
        el.set(draw(st.sampled_from([*el.attrib.keys(), "code", "type", "ref"])), value)
    elif op == "remove" and el.getparent() is not None:
        el.getparent().remove(el)
    elif op == "repeat" and el.getparent() is not None:
        for _ in range(draw(st.integers(1, 20))):
            el.addnext(etree.fromstring(etree.tostring(el)))
    elif op == "comment":
        el.insert(0, etree.Comment(" fuzz "))
    elif op == "pi":
        el.insert(0, etree.ProcessingInstruction("fuzz", "x"))
    else:
        etree.SubElement(el, "unknown-element").text = value
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def deflated(plain: bytes) -> bytes:
    deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return deflate.compress(plain) + deflate.flush()


@cache
def spaces_deflated(size: int) -> tuple[bytes, int]:
    """(raw deflate stream, CRC-32) of ``size`` spaces, built a megabyte at a time."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = b" " * (1 << 20)
    parts, crc = [], 0
    for _ in range(size >> 20):
        parts.append(deflate.compress(block))
        crc = zlib.crc32(block, crc)
    parts.append(deflate.flush())
    return b"".join(parts), crc


@dataclass(frozen=True)
class Member:
    """A ZIP member written as given: its deflated bytes and the sizes its headers declare."""

    name: str
    raw: bytes
    crc: int
    size: int


def member(name: str, plain: bytes) -> Member:
    return Member(name, deflated(plain), zlib.crc32(plain), len(plain))


def build_zip(members: list[Member]) -> bytes:
    """A ZIP file written field by field, so that a member may declare any size."""
    out = io.BytesIO()
    offsets = []
    for m in members:
        name = m.name.encode()
        offsets.append(out.tell())
        out.write(
            struct.pack(
                "<4s5H3L2H",
                b"PK\x03\x04",
                20,
                0,
                8,
                0,
                0x21,
                m.crc,
                len(m.raw),
                m.size,
                len(name),
                0,
            )
        )
        out.write(name + m.raw)
    start = out.tell()
    for m, offset in zip(members, offsets, strict=True):
        name = m.name.encode()
        out.write(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                8,
                0,
                0x21,
                m.crc,
                len(m.raw),
                m.size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
        )
        out.write(name)
    end = out.tell()
    out.write(
        struct.pack(
            "<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), end - start, start, 0
        )
    )
    return out.getvalue()


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def zipped(members: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


@st.composite
def zip_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    """A member's bytes mutated, the member dropped or renamed, or the package stored."""
    members = zip_members(data)
    name = draw(st.sampled_from(sorted(members)))
    op = draw(st.sampled_from(["member", "member", "member", "drop", "rename", "stored"]))
    if op == "member":
        members[name] = draw(byte_mutation(members[name]))
    elif op == "drop":
        del members[name]
    elif op == "rename":
        members[name + draw(st.sampled_from(["x", "/", ".bak"]))] = members.pop(name)
    return zipped(members, method=zipfile.ZIP_STORED if op == "stored" else zipfile.ZIP_DEFLATED)


# Seeds ----------------------------------------------------------------------------------------


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@st.composite
def workbook_mutation(draw: st.DrawFn, sheets: dict[str, list[list[Any]]]) -> bytes:
    """The seed's workbook with a cell given a hostile value (a formula among them), or a
    sheet renamed or emptied."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    copy = {t: [list(r) for r in rows] for t, rows in sheets.items()}
    title = draw(st.sampled_from(sorted(copy)))
    rows = copy[title]
    op = draw(st.sampled_from(["cell", "cell", "cell", "rename", "empty", "repeat"]))
    if op == "cell" and rows:
        r = draw(st.integers(0, len(rows) - 1))
        c = draw(st.integers(0, max(len(rows[r]), 1) - 1))
        value: Any = draw(
            CELL_VALUES.map(lambda v: ILLEGAL_CHARACTERS_RE.sub("", v)[:32767])
            | st.floats(allow_nan=False, allow_infinity=False)
            | st.integers(-(10**15), 10**15)
            | st.dates()
            | st.booleans()
            | st.none()
        )
        if rows[r]:
            rows[r][c] = value
        else:
            rows[r] = [value]
    elif op == "rename":
        copy[title + "_"] = copy.pop(title)
    elif op == "empty":
        copy[title] = []
    elif op == "repeat" and rows:
        rows.extend([rows[-1]] * draw(st.integers(1, 50)))
    return workbook(copy)


@dataclass(frozen=True)
class Seed:
    """A valid file for one importer and the mutations that apply to its format."""

    importer: str
    filename: str
    kind: str
    """csv, tsv, json, xml, xlsx, zip, text, html, pdf or docx."""
    body: Callable[[], bytes]
    sheets: Callable[[], dict[str, list[list[Any]]]] | None = None
    siblings: dict[str, Callable[[], bytes]] = field(default_factory=dict)
    """Files written next to the mutated one (the other CSVs of a training register)."""


def mutations(seed: Seed) -> st.SearchStrategy[bytes]:
    """Every mutation that applies to the seed's format."""
    data = seed.body()
    ways: list[st.SearchStrategy[bytes]] = [byte_mutation(data)]
    if seed.kind in ("csv", "tsv", "json", "xml", "text", "html"):
        ways.append(encoding_mutation(data))
    if seed.kind in ("csv", "tsv"):
        ways.append(csv_mutation(data, "\t" if seed.kind == "tsv" else ","))
        ways.append(csv_mutation(data, "\t" if seed.kind == "tsv" else ","))
    if seed.kind == "json":
        ways.extend([json_mutation(data), json_mutation(data)])
    if seed.kind == "xml":
        ways.extend([xml_mutation(data), xml_mutation(data)])
    if seed.kind in ("xlsx", "zip", "docx"):
        ways.extend([zip_mutation(data), zip_mutation(data)])
    if seed.kind == "xlsx" and seed.sheets is not None:
        ways.append(workbook_mutation(seed.sheets()))
    return st.one_of(ways)


def write_case(seed: Seed, folder: Path, data: bytes) -> Path:
    """Write the (mutated) file and its siblings into ``folder``; the path of the file."""
    for name, body in seed.siblings.items():
        (folder / name).write_bytes(body())
    path = folder / seed.filename
    path.write_bytes(data)
    return path


def csv_bytes(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


# Sweeps: one hostile value in each place of a seed, in turn --------------------------------------

SWEEP_VALUES = ("a\x00" + "x" * 5000, "9" * 20)
"""A NUL byte in text past every column's length, a number past every integer column's
range: what SQLite stores and PostgreSQL refuses."""


def sweep(seed: Seed) -> Iterator[tuple[str, bytes]]:
    """(where, file) with each value of ``SWEEP_VALUES`` put in each cell of the seed's last
    row (CSV, workbooks), each leaf of its JSON, or each text and attribute of its XML."""
    data = seed.body()
    if seed.kind == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        for c in range(len(rows[-1])):
            for value in SWEEP_VALUES:
                changed = [list(r) for r in rows]
                changed[-1][c] = value
                yield f"{rows[0][c]}={value[:3]}", csv_bytes(changed)
    elif seed.kind == "xlsx" and seed.sheets is not None:
        sheets = seed.sheets()
        for title, rows in sheets.items():
            for c in range(len(rows[-1])):
                for value in SWEEP_VALUES:
                    value = value.replace("\x00", "")  # a workbook cannot hold it
                    changed = {t: [list(r) for r in rs] for t, rs in sheets.items()}
                    changed[title][-1][c] = value
                    yield f"{title}:{rows[0][c]}={value[:3]}", workbook(changed)
    elif seed.kind == "json":
        doc = json.loads(data)
        for path in _json_paths(doc):
            parent: Any = doc
            for step in path[:-1]:
                parent = parent[step]
            if not path or isinstance(parent[path[-1]], dict | list) or "coordinates" in path:
                continue
            for value in SWEEP_VALUES:
                copy = json.loads(data)
                target = copy
                for step in path[:-1]:
                    target = target[step]
                target[path[-1]] = value
                yield f"{'/'.join(map(str, path))}={value[:3]}", json.dumps(copy).encode()
    elif seed.kind == "xml":
        count = len(list(etree.fromstring(data).iter()))
        for i in range(count):
            for value in SWEEP_VALUES:
                value = value.replace("\x00", "")  # not an XML character: fuzzed elsewhere
                root = etree.fromstring(data)
                el = list(root.iter())[i]
                if el.text and el.text.strip():
                    el.text = value
                    yield f"{el.tag}={value[:3]}", etree.tostring(root)
                for name in list(el.attrib):
                    root = etree.fromstring(data)
                    list(root.iter())[i].set(name, value)
                    yield f"{el.tag}@{name}={value[:3]}", etree.tostring(root)
