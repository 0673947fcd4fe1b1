"""External governance indices as country-year values: WGI, WJP, BTI, V-Dem and the FSI.

The kind of file is told from its header, never from its name:

========  ==============================================  ==================================
source    file                                            country, year
========  ==============================================  ==================================
``wgi``   World Bank Worldwide Governance Indicators,     ``Code`` (ISO3, with the World
          long format (``Code, Year, Estimate,            Bank's old codes ROM, ZAR, TMP,
          Indicator``); the ``Estimate`` is used          ADO, WBG mapped), ``Year``
``wjp``   WJP Rule of Law Index, wide (``Abbreviation,    ``Abbreviation`` (ISO3), ``Year``
          Overall Score, Factor N: ...``); sub-factors    (an edition such as "2017-2018"
          are skipped                                     counts as its later year, 2018)
``bti``   Bertelsmann Transformation Index, wide          ``bti_country`` (a name), ``year``
          (democracyData layout: ``bti_country, year,     (the end of the review period, as
          S_Status_Index, Q1_Stateness, ...``)            democracyData gives it)
``vdem``  V-Dem high-level indices (``iso3c, year,        ``iso3c``, ``year``
          v2x_polyarchy, ...``)
``fsi``   Fund for Peace Fragile States Index (``Country,  ``Country`` (a name), ``Year`` (the
          Year, Total, C1: Security Apparatus, ...``);    edition, written as a date such as
          higher is worse                                 2020-01-01)
========  ==============================================  ==================================

Country names (BTI, FSI) are matched exactly, never fuzzily: first against ``NAME_ALIASES``,
then against the ISO 3166 names pycountry knows (official, common and short names, any case),
after Unicode normalisation (the BTI file spells Türkiye with a combining diaeresis).

``read_indices`` streams values and problems. An empty or ``NA`` cell is a missing value: it is
skipped without a word and counted in ``ReadStats.missing``. A cell that is not a number, or
lies outside a bounded scale, is a ``Problem`` naming the file, the line and the column, and the
row's other cells still come through. A row with an impossible year is skipped with a
``Problem``. A country that cannot be mapped, or that is not among ``known`` codes, is reported
once per file (at its first line, with the number of rows skipped), because historical states
such as the Soviet Union fill many rows of the longer series.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pycountry

from peaceops.domain.context import ContextValue
from peaceops.errors import InputError, Problem
from peaceops.ingest.guards import first_undecodable_line

SOURCES = ("wgi", "wjp", "bti", "vdem", "fsi")
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", ".", "-", ".."})
FIRST_YEAR = 1800
HEADER_BYTES = 1 << 20

CODE_ALIASES: dict[str, str] = {
    "ROM": "ROU",  # Romania (World Bank's former code)
    "ZAR": "COD",  # Democratic Republic of the Congo (World Bank's former code)
    "TMP": "TLS",  # Timor-Leste (World Bank's former code)
    "ADO": "AND",  # Andorra (World Bank's former code)
    "WBG": "PSE",  # West Bank and Gaza (World Bank)
    "KSV": "XKX",  # Kosovo (World Bank, V-Dem); XKX is the code in common use, not ISO 3166
}
"""Codes that outside files use for a country whose ISO 3166 alpha-3 code differs."""

NAME_ALIASES: dict[str, str] = {
    "Cape Verde": "CPV",
    "Congo Democratic Republic": "COD",
    "Congo Republic": "COG",
    "Congo, DR": "COD",
    "Congo, Rep.": "COG",
    "Cote d'Ivoire": "CIV",
    "Guinea Bissau": "GNB",
    "Israel and West Bank": "ISR",  # the FSI assesses Israel together with the West Bank
    "Kosovo": "XKX",  # not in ISO 3166; reported unless the countries table holds XKX
    "Kyrgyz Republic": "KGZ",
    "Macedonia": "MKD",
    "Micronesia": "FSM",
    "North Korea": "PRK",
    "Russia": "RUS",
    "Slovak Republic": "SVK",
    "South Korea": "KOR",
    "Swaziland": "SWZ",
    "The Gambia": "GMB",
    "Turkey": "TUR",
    "Türkiye": "TUR",
}
"""Names in the BTI and FSI files that no ISO 3166 name matches exactly."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a wide file (or one indicator of a long one) and how to read it."""

    indicator: str
    label: str
    low: float | None
    high: float | None
    higher_is_better: bool = True
    bounded: bool = True
    """Whether a value outside low..high is an error (WGI estimates may leave their range)."""


@dataclass(slots=True)
class ReadStats:
    """What reading a file found, beside the values and problems it yields."""

    rows: int = 0
    values: int = 0
    missing: int = 0
    """Empty or NA cells: data not published for that country and year, not errors."""
    skipped: int = 0
    """Cells holding a value that was not used because of a problem."""
    problems: int = 0


WGI: dict[str, tuple[str, str]] = {  # normalised prefix of Indicator -> (code, label)
    "voiceandaccountability": ("voice_and_accountability", "Voice and Accountability"),
    "politicalstability": (
        "political_stability",
        "Political Stability and Absence of Violence/Terrorism",
    ),
    "governmenteffectiveness": ("government_effectiveness", "Government Effectiveness"),
    "regulatoryquality": ("regulatory_quality", "Regulatory Quality"),
    "ruleoflaw": ("rule_of_law", "Rule of Law"),
    "controlofcorruption": ("control_of_corruption", "Control of Corruption"),
}

BTI: dict[str, tuple[str, str]] = {  # column -> (code, label)
    "S_Status_Index": ("status_index", "Status Index"),
    "SI_Democracy_Status": ("democracy_status", "Democracy Status"),
    "SII_Economy_Status": ("economy_status", "Economy Status"),
    "Q1_Stateness": ("q1_stateness", "Q1 Stateness"),
    "Q1.1_Monopoly_on_the_use_of_force": (
        "q1_1_monopoly_on_force",
        "Q1.1 Monopoly on the use of force",
    ),
    "Q3_Rule_of_Law": ("q3_rule_of_law", "Q3 Rule of law"),
    "Q3.2_Independent_judiciary": ("q3_2_independent_judiciary", "Q3.2 Independent judiciary"),
    "Q3.3_Prosecution_of_office_abuse": (
        "q3_3_prosecution_of_office_abuse",
        "Q3.3 Prosecution of office abuse",
    ),
    "Q3.4_Civil_rights": ("q3_4_civil_rights", "Q3.4 Civil rights"),
}

VDEM: dict[str, tuple[str, str]] = {
    "v2x_polyarchy": ("v2x_polyarchy", "Electoral democracy index"),
    "v2x_libdem": ("v2x_libdem", "Liberal democracy index"),
    "v2x_partipdem": ("v2x_partipdem", "Participatory democracy index"),
    "v2x_delibdem": ("v2x_delibdem", "Deliberative democracy index"),
    "v2x_egaldem": ("v2x_egaldem", "Egalitarian democracy index"),
}

WJP_FACTOR = re.compile(r"^Factor\s*(\d+)\s*:\s*(.+?)\s*$")
FSI_INDICATOR = re.compile(r"^([CEPSX]\d+)\s*:\s*(.+?)\s*$")
YEAR_SPAN = re.compile(r"^(\d{4})\s*[-/\u2013]\s*(\d{4})$")
ISO_DATE = re.compile(r"^(\d{4})-\d{2}-\d{2}([ T].*)?$")


def slug(text: str) -> str:
    """An indicator code from a column title.

    >>> slug("Factor 3:Open Government "), slug("C1: Security Apparatus")
    ('factor_3_open_government', 'c1_security_apparatus')
    """
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


# Reading the header --------------------------------------------------------------------------


def _header(path: Path) -> list[str]:
    """The column titles. Only the start of the file is decoded: a bad byte further down is
    reported by ``read_indices`` with the file it is in, not taken for another kind of file."""
    try:
        with path.open("rb") as handle:
            start = handle.read(HEADER_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", source=path.name) from exc
    text = start.decode("utf-8-sig", errors="replace")
    try:
        row = next(csv.reader(io.StringIO(text, newline="")), None)
    except csv.Error as exc:
        raise InputError(f"not a readable CSV file: {exc}", source=path.name, line=1) from None
    if not row:
        raise InputError("the file is empty", source=path.name, line=1)
    return [c.strip() for c in row]


def _kind(columns: Collection[str]) -> str | None:
    have = set(columns)
    if {"Code", "Year", "Estimate", "Indicator"} <= have:
        return "wgi"
    if {"Abbreviation", "Year", "Overall Score"} <= have and any(WJP_FACTOR.match(c) for c in have):
        return "wjp"
    if {"bti_country", "year"} <= have and have & set(BTI):
        return "bti"
    if {"iso3c", "year"} <= have and have & set(VDEM):
        return "vdem"
    if {"Country", "Year", "Total"} <= have and any(FSI_INDICATOR.match(c) for c in have):
        return "fsi"
    return None


def detect(path: Path | str) -> str:
    """The source code of a governance index file, told from its header.

    Raises ``InputError`` naming the file when the header matches none of the sources.
    """
    path = Path(path)
    kind = _kind(_header(path))
    if kind is None:
        raise InputError(
            "not a recognised governance index file: expected the header of the World "
            "Governance Indicators (Code, Year, Estimate, Indicator), the WJP Rule of Law "
            "Index (Abbreviation, Year, Overall Score, Factor N: ...), the BTI (bti_country, "
            "year, ...), the V-Dem indices (iso3c, year, v2x_...) or the Fragile States Index "
            "(Country, Year, Total, C1: ...)",
            source=path.name,
            line=1,
        )
    return kind


def find_files(folder: Path | str) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """Every recognised CSV under a folder (recursively, in name order) with its source, and
    a warning for each CSV that is not a governance index file."""
    found: list[tuple[Path, str]] = []
    warnings: list[Problem] = []
    root = Path(folder)
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() == ".csv"):
        where = str(path.relative_to(root))
        try:
            kind = _kind(_header(path))
        except InputError as exc:
            warnings.append(Problem(f"skipped: {exc.problem.message}", source=where))
            continue
        if kind is None:
            warnings.append(
                Problem("skipped: not a recognised governance index file", source=where)
            )
        else:
            found.append((path, kind))
    return found, warnings


# Countries and years -------------------------------------------------------------------------


def country_from_code(code: str) -> str | None:
    """An ISO3 code from a code column (old World Bank codes mapped); None if not a code.

    >>> country_from_code("ROM"), country_from_code(" caf "), country_from_code("C.A.R.")
    ('ROU', 'CAF', None)
    """
    text = code.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", text):
        return None
    return CODE_ALIASES.get(text, text)


def country_from_name(name: str) -> str | None:
    """An ISO3 code from a country name: the alias table, then pycountry's exact lookup.

    >>> country_from_name("Congo, DR"), country_from_name("Yemen"), country_from_name("Carana")
    ('COD', 'YEM', None)
    """
    text = unicodedata.normalize("NFC", " ".join(name.split()))
    if not text:
        return None
    if text in NAME_ALIASES:
        return NAME_ALIASES[text]
    if len(text) <= 3:  # pycountry.lookup would take "CA" or "4" as a code
        return None
    try:
        country = pycountry.countries.lookup(text)
    except LookupError:
        return None
    return str(country.alpha_3)


def parse_year(text: str) -> int:
    """A year from '2019', '2019.0', a WJP edition '2017-2018' (its later year, the year of
    publication) or a date '2020-01-01'; raises ValueError otherwise.

    >>> parse_year("2017-2018"), parse_year("2020-01-01"), parse_year(" 1996 ")
    (2018, 2020, 1996)
    """
    value = text.strip()
    span = YEAR_SPAN.match(value)
    try:
        if span:
            first, year = int(span.group(1)), int(span.group(2))
            if year != first + 1:
                raise ValueError
        elif ISO_DATE.match(value):
            year = date.fromisoformat(value[:10]).year
        else:
            number = float(value)
            if not number.is_integer():
                raise ValueError
            year = int(number)
    except (ValueError, OverflowError):
        raise ValueError(f"not a year: {value!r}") from None
    if not FIRST_YEAR <= year <= date.today().year + 1:
        raise ValueError(f"impossible year {year}")
    return year


def _number(text: str, column: Column) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"not a number: {text!r}")
    if column.bounded and column.low is not None and column.high is not None:
        slack = 1e-9 * (column.high - column.low)
        if not column.low - slack <= value <= column.high + slack:
            raise ValueError(f"{value:g} is outside the scale {column.low:g} to {column.high:g}")
    return value


# The layouts ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Layout:
    """Where a source keeps its country, year and values."""

    source: str
    country_column: str
    by_name: bool
    year_column: str
    columns: dict[str, Column] = field(default_factory=dict)
    """Wide files: column title -> how to read it."""
    indicator_column: str | None = None
    value_column: str | None = None
    indicator_of: Callable[[str], Column | None] | None = None
    """Long files: the column for an indicator named in a row."""


def _wgi_indicator(name: str) -> Column | None:
    key = re.sub(r"[^a-z]", "", name.lower())
    for prefix, (code, label) in WGI.items():
        if key.startswith(prefix):
            return Column(code, f"WGI: {label} (estimate)", -2.5, 2.5, bounded=False)
    return None


def layout(source: str, header: list[str]) -> Layout:
    """How to read a file of the given source with the given header."""
    if source == "wgi":
        return Layout(
            "wgi",
            "Code",
            False,
            "Year",
            indicator_column="Indicator",
            value_column="Estimate",
            indicator_of=_wgi_indicator,
        )
    if source == "wjp":
        columns = {"Overall Score": Column("overall", "WJP: Overall score", 0.0, 1.0)}
        for title in header:
            match = WJP_FACTOR.match(title)
            if match:
                number, name = match.groups()
                columns[title] = Column(
                    slug(name), f"WJP Factor {number}: {name.strip()}", 0.0, 1.0
                )
        return Layout("wjp", "Abbreviation", False, "Year", columns=columns)
    if source == "bti":
        columns = {
            title: Column(code, f"BTI: {label}", 1.0, 10.0)
            for title, (code, label) in BTI.items()
            if title in header
        }
        return Layout("bti", "bti_country", True, "year", columns=columns)
    if source == "vdem":
        columns = {
            title: Column(code, f"V-Dem: {label}", 0.0, 1.0)
            for title, (code, label) in VDEM.items()
            if title in header
        }
        return Layout("vdem", "iso3c", False, "year", columns=columns)
    if source == "fsi":
        columns = {"Total": Column("total", "FSI: Total", 0.0, 120.0, higher_is_better=False)}
        for title in header:
            match = FSI_INDICATOR.match(title)
            if match:
                code, name = match.groups()
                columns[title] = Column(
                    slug(f"{code} {name}"),
                    f"FSI {code}: {name}",
                    0.0,
                    10.0,
                    higher_is_better=False,
                )
        return Layout("fsi", "Country", True, "Year", columns=columns)
    raise ValueError(f"unknown governance source {source!r}")


@dataclass(slots=True)
class _Unknown:
    """A country that could not be used, seen on some rows of a file."""

    first_line: int
    column: str
    reason: str
    rows: int = 0


def read_indices(
    source: Path | str,
    *,
    known: Collection[str] | None = None,
    kind: str | None = None,
    stats: ReadStats | None = None,
) -> Iterator[ContextValue | Problem]:
    """Stream the values of a governance index file, with a ``Problem`` for every cell or row
    that cannot be used.

    ``known`` holds the ISO3 codes that may be stored (those of the countries table); without
    it any three-letter code is accepted. ``kind`` skips detection; ``stats`` is filled in as
    the file is read (missing cells, skipped values).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "hl.csv"
    >>> _ = path.write_text("iso3c,year,v2x_polyarchy,v2x_libdem\\n"
    ...                     "CAF,2019,0.36,NA\\nCAF,2018,high,0.2\\nSOV,1950,0.1,0.1\\n")
    >>> stats = ReadStats()
    >>> items = list(read_indices(path, known={"CAF"}, stats=stats))
    >>> [(i.indicator, i.year, i.value) for i in items if isinstance(i, ContextValue)]
    [('v2x_polyarchy', 2019, 0.36), ('v2x_libdem', 2018, 0.2)]
    >>> [str(i) for i in items if isinstance(i, Problem)]  # doctest: +NORMALIZE_WHITESPACE
    ["hl.csv, line 3, CAF 2018, field 'v2x_polyarchy': not a number: 'high'",
     "hl.csv, line 4, country 'SOV', field 'iso3c': not in the countries table; 1 row(s) skipped"]
    >>> stats.missing, stats.skipped
    (1, 3)
    """
    path = Path(source)
    name = path.name
    header = _header(path)
    chosen = kind or _kind(header)
    if chosen is None:
        detect(path)  # raises the InputError that explains it
        return
    spec = layout(chosen, header)
    needed = [spec.country_column, spec.year_column]
    if spec.indicator_column and spec.value_column:
        needed += [spec.indicator_column, spec.value_column]
    absent = [c for c in needed if c not in header]
    if absent or not (spec.columns or spec.indicator_of):
        raise InputError(
            f"not a {chosen} file: columns {', '.join(absent) or 'of indicators'} missing",
            source=name,
            line=1,
        )
    tally = stats if stats is not None else ReadStats()
    known_codes = None if known is None else frozenset(known)
    unknown: dict[str, _Unknown] = {}
    seen: dict[tuple[str, str, str, int], int] = {}

    def problem(message: str, line: int, field: str | None, item: str | None) -> Problem:
        tally.problems += 1
        return Problem(message, source=name, line=line, field=field, item=item)

    reader: Any = None
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
        with handle:
            reader = csv.reader(handle)
            next(reader, None)
            index = {title.strip(): i for i, title in enumerate(header)}
            for cells in reader:
                line = reader.line_num
                if not any(c.strip() for c in cells):
                    continue
                tally.rows += 1

                def cell(title: str, cells: list[str] = cells) -> str:
                    position = index[title]
                    return cells[position].strip() if position < len(cells) else ""

                # The values this row holds, before anything is checked.
                wanted: list[tuple[str, Column, str]] = []
                if spec.indicator_of and spec.indicator_column and spec.value_column:
                    raw_indicator = cell(spec.indicator_column)
                    column = spec.indicator_of(raw_indicator)
                    raw = cell(spec.value_column)
                    if column is None:
                        if raw.lower() not in MISSING:
                            tally.skipped += 1
                            yield problem(
                                f"unknown indicator {raw_indicator!r}",
                                line,
                                spec.indicator_column,
                                None,
                            )
                        else:
                            tally.missing += 1
                        continue
                    wanted.append((spec.value_column, column, raw))
                else:
                    wanted = [(t, c, cell(t)) for t, c in spec.columns.items()]
                present = [(t, c, raw) for t, c, raw in wanted if raw.lower() not in MISSING]
                tally.missing += len(wanted) - len(present)
                if not present:
                    continue

                raw_country = cell(spec.country_column)
                iso3 = (
                    country_from_name(raw_country)
                    if spec.by_name
                    else country_from_code(raw_country)
                )
                try:
                    year = parse_year(cell(spec.year_column))
                except ValueError as exc:
                    tally.skipped += len(present)
                    yield problem(str(exc), line, spec.year_column, f"country {raw_country!r}")
                    continue
                reason = None
                if iso3 is None:
                    reason = (
                        "no ISO 3166 country has this name (add it to NAME_ALIASES)"
                        if spec.by_name
                        else "not a three-letter country code"
                    )
                elif known_codes is not None and iso3 not in known_codes:
                    reason = "not in the countries table"
                if reason is not None:
                    tally.skipped += len(present)
                    entry = unknown.setdefault(
                        raw_country, _Unknown(line, spec.country_column, reason)
                    )
                    entry.rows += 1
                    continue
                assert iso3 is not None

                for title, column, raw in present:
                    try:
                        value = _number(raw, column)
                    except ValueError as exc:
                        tally.skipped += 1
                        yield problem(str(exc), line, title, f"{iso3} {year}")
                        continue
                    item = ContextValue(
                        source=chosen,
                        indicator=column.indicator,
                        label=column.label,
                        country_iso3=iso3,
                        year=year,
                        value=value,
                        scale_low=column.low,
                        scale_high=column.high,
                        higher_is_better=column.higher_is_better,
                    )
                    first = seen.setdefault(item.key, line)
                    if first != line:
                        tally.skipped += 1
                        yield problem(
                            f"{iso3} {year} appears again (first at line {first}); the first "
                            "is kept",
                            line,
                            title if spec.columns else spec.indicator_column,
                            f"{iso3} {year}",
                        )
                        continue
                    tally.values += 1
                    yield item
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text ({exc.reason})", source=name, line=first_undecodable_line(path)
        ) from exc
    except csv.Error as exc:
        line = reader.line_num if reader is not None else None
        raise InputError(f"not a readable CSV file: {exc}", source=name, line=line) from exc

    for raw_country, entry in sorted(unknown.items(), key=lambda kv: kv[1].first_line):
        yield problem(
            f"{entry.reason}; {entry.rows} row(s) skipped",
            entry.first_line,
            entry.column,
            f"country {raw_country!r}",
        )


def count_rows(source: Path | str) -> int:
    """Data rows in a CSV file (for a progress bar)."""
    with Path(source).open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return max(lines - 1, 0)


__all__ = [
    "CODE_ALIASES",
    "NAME_ALIASES",
    "SOURCES",
    "ReadStats",
    "count_rows",
    "country_from_code",
    "country_from_name",
    "detect",
    "find_files",
    "parse_year",
    "read_indices",
]
