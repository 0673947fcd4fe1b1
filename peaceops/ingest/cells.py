"""Spreadsheet cells that a spreadsheet will not run as formulas, CSV templates, and the
reading of CSV files people keep in spreadsheets.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula
to Excel and LibreOffice (CSV or formula injection): a complaint or an incident narrative typed
by an outsider could run when an analyst opens the export. Every file PeaceOps writes for a
spreadsheet passes its text cells through ``guard``, which puts the apostrophe spreadsheets
themselves use before such a cell (and before a cell that starts with an apostrophe, so that
``unguard`` gives back exactly what was written).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from peaceops.errors import InputError
from peaceops.ingest.guards import first_undecodable_line

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard(value: str) -> str:
    """The cell as a spreadsheet shows it but never runs it.

    >>> guard("=HYPERLINK(1)"), guard("'quoted"), guard("plain")
    ("'=HYPERLINK(1)", "''quoted", 'plain')
    """
    return "'" + value if value.startswith((*FORMULA_START, "'")) else value


def unguard(value: str) -> str:
    """The cell without the apostrophe ``guard`` (or a spreadsheet user) put before it.

    >>> unguard(guard("=1+1")), unguard(guard("'x")), unguard("'plain")
    ('=1+1', "'x", "'plain")
    """
    if value.startswith("'") and value[1:].startswith((*FORMULA_START, "'")):
        return value[1:]
    return value


def write_csv_template(
    path: Path, columns: Sequence[str], help: Mapping[str, str], note: str
) -> Path:
    """An empty CSV log to fill in: the header row, then a row explaining each column whose
    first cell is ``note`` (readers skip that row, so the template imports as it is)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerow([note, *(help[c] for c in columns[1:])])
    return path


def csv_records(path: Path, *, kind: str) -> list[tuple[int, list[str]]]:
    """(row number, cells) of every record of a UTF-8 CSV file that people keep in a
    spreadsheet (``kind`` names it in messages: "log", "register", "tracker"). Rows are
    numbered as a spreadsheet shows them (the header is row 1), so a cell with line breaks
    still counts as one row. Raises ``InputError`` naming the file when it cannot be read."""
    records: list[tuple[int, list[str]]] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            records.extend(enumerate(csv.reader(fh), start=1))
    except UnicodeDecodeError:
        raise InputError(
            f"the file is not UTF-8 text; save the {kind} as 'CSV UTF-8'",
            source=path.name,
            line=first_undecodable_line(path),
        ) from None
    except csv.Error as exc:  # a cell longer than the csv module's limit (128 KiB)
        raise InputError(
            f"not a readable CSV file: {exc}", source=path.name, line=len(records) + 1
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc}", source=path.name) from None
    return records
