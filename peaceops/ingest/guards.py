"""Limits that keep a hostile or broken file from exhausting memory or time while it is read.

The importers read files people upload. A ZIP member (an XLSX sheet, a DOCX part, a CSV in an
ODK export) can claim to be small and inflate to gigabytes, a workbook can declare a million
rows of sixteen thousand columns that the reader would pad with empty cells, a JSON document
can nest arrays a hundred thousand deep, and a gzip stream can hide a bomb. The functions here
check each of these before (or while) the file is read and raise ``InputError`` naming the
file, so that every importer ends in a clean error or a successful read.

The limits are far above what the formats hold in practice (a KoboToolbox export of 50,000
submissions of 300 questions is 15 million cells; an XLSX sheet compresses about 5 to 20
times) and are module constants rather than settings: they guard the process, not a policy.
"""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from peaceops.errors import InputError

MAX_UNPACKED = 1 << 30
"""Bytes the members of one archive, or one gzip stream, may inflate to."""
MAX_RATIO = 100
"""How much a member larger than ``RATIO_FROM`` bytes may inflate (XLSX sheets: 5 to 20)."""
RATIO_FROM = 1 << 20
MAX_ROWS = 1_048_576
"""Rows of one worksheet: Excel's own limit."""
MAX_CELLS = 20_000_000
"""Cells of one workbook, empty padding included."""
MAX_JSON_DEPTH = 200
"""Levels of nested arrays and objects (a GeoJSON MultiPolygon needs six)."""

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"

PACKAGE_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    SyntaxError,  # xml.etree's ParseError and lxml's XMLSyntaxError both derive from it
    KeyError,
    ValueError,  # defusedxml's refusals of DTDs and entities among them
    TypeError,
    IndexError,
    AttributeError,
    EOFError,
    NotImplementedError,
    OSError,
    zlib.error,
)
"""What openpyxl and python-docx raise on a malformed package: they check little themselves."""


def _true_size(handle: IO[bytes], info: zipfile.ZipInfo, budget: int) -> int:
    """The bytes a member really inflates to, counted without holding them, stopping once
    past ``budget``; the headers' sizes are only what the file claims."""
    handle.seek(info.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != _LOCAL_SIGNATURE:
        raise zipfile.BadZipFile(f"bad local header of {info.filename}")
    fields = _LOCAL_HEADER.unpack(header)
    handle.seek(info.header_offset + _LOCAL_HEADER.size + fields[-2] + fields[-1])
    left = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        return left
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise NotImplementedError(f"compression method {info.compress_type}")
    inflate = zlib.decompressobj(-zlib.MAX_WBITS)
    total = 0
    while left > 0 and not inflate.eof:
        chunk = handle.read(min(left, 1 << 16))
        if not chunk:
            break
        left -= len(chunk)
        data = inflate.decompress(chunk, 1 << 20)
        total += len(data)
        while inflate.unconsumed_tail and total <= budget:
            data = inflate.decompress(inflate.unconsumed_tail, 1 << 20)
            total += len(data)
        if total > budget:
            break
    return total


def check_archive(source: Path | IO[bytes], *, name: str) -> None:
    """Refuse a ZIP package (XLSX, DOCX, an ODK CSV zip) that would inflate past the limits.

    Declared sizes are checked first (total, and the ratio of each large member), then each
    member is inflated once, chunk by chunk, to check that it is no larger than it says:
    ``zipfile`` trusts the declared size only when reading in small pieces, and openpyxl and
    python-docx read whole members at once. Raises ``InputError`` naming the file and member.
    """
    try:
        archive = zipfile.ZipFile(source)
    except PACKAGE_ERRORS as exc:
        raise InputError(f"not a readable ZIP package: {exc}", source=name) from None
    with archive:
        infos = archive.infolist()
        declared = sum(i.file_size for i in infos)
        if declared > MAX_UNPACKED:
            raise InputError(
                f"the package would unpack to {declared:,} bytes; PeaceOps reads at most "
                f"{MAX_UNPACKED:,}: split the file",
                source=name,
            )
        for info in infos:
            if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * info.compress_size:
                ratio = info.file_size // max(info.compress_size, 1)
                raise InputError(
                    f"member {info.filename} inflates {ratio:,} times (a ZIP bomb?); a genuine "
                    f"file inflates less than {MAX_RATIO} times",
                    source=name,
                )
        handle = archive.fp
        assert handle is not None
        budget = MAX_UNPACKED
        for info in infos:
            try:
                actual = _true_size(handle, info, min(budget, info.file_size))
            except (zipfile.BadZipFile, NotImplementedError, OSError, zlib.error) as exc:
                raise InputError(
                    f"member {info.filename} cannot be read: {exc}", source=name
                ) from None
            if actual > info.file_size:
                raise InputError(
                    f"member {info.filename} holds more than the {info.file_size:,} bytes it "
                    "declares (a ZIP bomb?)",
                    source=name,
                )
            budget -= actual


def gunzip(raw: bytes, *, name: str) -> bytes:
    """The content of a gzip file (all its members, as ``gzip.decompress`` reads them),
    refused once it inflates ``MAX_RATIO`` times its size (text inflates 5 to 20 times) or
    past ``MAX_UNPACKED`` bytes."""
    limit = min(MAX_UNPACKED, max(RATIO_FROM, MAX_RATIO * len(raw)))
    parts: list[bytes] = []
    total = 0
    data = raw
    try:
        while data:
            inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
            while data and not inflate.eof:
                part = inflate.decompress(data, 1 << 20)
                total += len(part)
                if total > limit:
                    raise InputError(
                        f"the gzip stream unpacks past {limit:,} bytes (a gzip bomb?); a "
                        f"genuine file inflates less than {MAX_RATIO} times",
                        source=name,
                    )
                parts.append(part)
                data = inflate.unconsumed_tail
            if not inflate.eof:
                raise InputError("not a readable gzip file: the stream is cut short", source=name)
            data = inflate.unused_data
            if data[:1] == b"\0":
                data = data.lstrip(b"\0")  # members may be padded with zeros
    except zlib.error as exc:
        raise InputError(f"not a readable gzip file: {exc}", source=name) from None
    return b"".join(parts)


def first_undecodable_line(path: Path, encoding: str = "utf-8") -> int | None:
    """The number of the first line of a file that is not valid ``encoding`` (a streaming
    reader only knows the buffer in which decoding failed, not the line)."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError:
                return number
    return None


def check_depth(value: Any, *, name: str, line: int | None = None) -> Any:
    """``value`` when its arrays and objects nest no deeper than ``MAX_JSON_DEPTH``: readers
    that walk JSON recursively would otherwise fail deep inside with a RecursionError."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise InputError(
                f"the JSON nests deeper than {MAX_JSON_DEPTH} levels", source=name, line=line
            )
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return value


def load_json(text: str, *, name: str) -> Any:
    """A JSON document, with its syntax errors, its depth and its absurd numbers (Python
    refuses integers of more than 4,300 digits) reported as ``InputError`` naming the file."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg} (column {exc.colno})", source=name, line=exc.lineno
        ) from None
    except RecursionError:
        raise InputError(
            f"the JSON nests deeper than {MAX_JSON_DEPTH} levels", source=name
        ) from None
    except ValueError as exc:
        raise InputError(f"not valid JSON: {exc}", source=name) from None
    return check_depth(value, name=name)


def read_workbook(
    path: Path,
    *,
    name: str,
    sheets: Callable[[list[str]], Iterable[str]] | None = None,
) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """(title, rows) of the worksheets of an XLSX workbook, values only, read within limits.

    ``sheets`` picks the titles to read from all of them (default: every sheet, in order).
    Rows are padded to the sheet's width as openpyxl pads them, except when the sheet declares
    more cells than ``MAX_CELLS``: then only the cells it holds are read (a few cells at row
    1,048,576 and column XFD would otherwise be padded into billions of empty ones). Empty rows
    at the end are left out. Raises
    ``InputError`` naming the file (and sheet) when the package is a bomb, malformed, or
    holds more than ``MAX_ROWS`` rows or ``MAX_CELLS`` cells.
    """
    from openpyxl import load_workbook

    check_archive(path, name=name)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except PACKAGE_ERRORS as exc:
        raise InputError(f"not a readable XLSX workbook: {exc}", source=name) from None
    out: list[tuple[str, list[tuple[Any, ...]]]] = []
    cells = 0
    try:
        # Worksheets only: a chart sheet has no cells.
        by_title = {ws.title: ws for ws in wb.worksheets}
        titles = list(by_title)
        for title in titles if sheets is None else list(sheets(titles)):
            label = f"{name} [{title}]"
            try:
                ws = by_title[title]
                declared = (ws.max_row or 0) * (ws.max_column or 0)
                ragged = declared > MAX_CELLS
                if ragged:
                    ws.reset_dimensions()
                rows: list[tuple[Any, ...]] = []
                for row in ws.iter_rows(values_only=True):
                    cells += max(len(row), 1)
                    if len(rows) >= MAX_ROWS or cells > MAX_CELLS:
                        raise InputError(
                            f"more than {MAX_ROWS:,} rows or {MAX_CELLS:,} cells; split the "
                            "workbook",
                            source=label,
                            line=len(rows) + 1,
                        )
                    rows.append(tuple(row))
            except PACKAGE_ERRORS as exc:
                raise InputError(f"the sheet cannot be read: {exc}", source=label) from None
            while rows and all(v is None for v in rows[-1]):
                rows.pop()  # the padding of a sheet formatted (or declared) far below its data
            if ragged and rows:
                width = max(len(r) for r in rows)
                if width * len(rows) > MAX_CELLS:
                    raise InputError(
                        f"{len(rows):,} rows of {width:,} columns are more than {MAX_CELLS:,} "
                        "cells; delete the empty rows and columns or split the workbook",
                        source=label,
                    )
                rows = [r + (None,) * (width - len(r)) for r in rows]
            out.append((title, rows))
    except PACKAGE_ERRORS as exc:
        raise InputError(f"not a readable XLSX workbook: {exc}", source=name) from None
    finally:
        wb.close()
    return out


__all__ = [
    "MAX_CELLS",
    "MAX_JSON_DEPTH",
    "MAX_RATIO",
    "MAX_ROWS",
    "MAX_UNPACKED",
    "PACKAGE_ERRORS",
    "check_archive",
    "check_depth",
    "first_undecodable_line",
    "gunzip",
    "load_json",
    "read_workbook",
]
