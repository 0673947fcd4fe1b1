"""HXL-tagged 3W/4W sheets ("who does what where [when]"): import and export, CSV and XLSX.

Reading
-------
The HXL hashtag row may be any of the first 25 rows (usually the one after the human headers);
it is the first row where most non-empty cells are hashtags. Columns are matched as HXL
matches them: by tag and attributes, order- and case-insensitive, extra attributes allowed
(``#org+impl`` matches ``#org +impl +name``). The first column matching a field is used;
titles, descriptions (one per ``+i_xx`` language attribute) and money columns (one per
currency attribute) may repeat. Columns matching nothing are listed in
``HxlReport.unmatched_columns``.

Rules, so that a sheet imports the same way every time:

* **One activity per code.** Rows sharing ``#activity+code`` (or ``+id``) merge into one
  activity: their locations, organisations, sectors, countries and capabilities are united;
  the first row's title, description, dates and status are kept, and a disagreement is
  reported. A row without a code gets ``hxl-`` and 16 hex digits of a SHA-256 of its
  organisations, title, place and start date (normalised), so re-importing the same sheet gives
  the same identifiers; one problem says how many rows this concerned.
* **Money is not double-counted.** For each activity, kind (commitment, disbursement,
  expenditure) and currency: when every row carrying a value carries the same value, that is
  the activity's total repeated on each row (the 3W habit) and it counts once; when rows carry
  different values they are amounts per location and are summed. Each total becomes one
  transaction dated on ``#date+reported``, else the start date, else the end date.
* **One place per row.** A row with ``#loc`` is a named place (``admin_level`` None) with its
  ``#geo+lat``/``#geo+lon``, whose ``admin_code`` is ``#loc+code`` or else the row's most
  specific area code (the area it lies in); otherwise ``#adm2`` gives a level-2 location,
  else ``#adm1`` a level-1 location; coordinates alone give a point named by them. Its country
  is the row's (``#country+code``, else ``default_country``) when the row names exactly one.
* **Capabilities.** Values given in ``#sector+capability`` (or ``#indicator+capability``) are
  used as they are; an activity without any is given those implied by its DAC codes
  (``DAC_CAPABILITIES``) and by keywords in its sector names (``CAPABILITY_KEYWORDS``).
* **Bad rows are skipped, good rows import.** A row with an unreadable date, an end before its
  start, a negative or unreadable amount, an unknown currency, country, status or capability is
  reported (file, 1-based spreadsheet line, column tag) and not imported.

Writing
-------
``write_3w`` writes a human header row, the hashtag row, then one row per activity and location
(an activity without a location still gets a row). Money is written once per activity, on its
first row, one row per currency. CSV text cells starting with ``= + - @`` or ``'`` are written
with a leading ``'`` (so spreadsheet programs do not run them as formulas) and read back
without it.
XLSX cells keep numbers to 16 significant digits (what openpyxl writes), CSV cells in full.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pycountry

from peaceops.domain.coordination import (
    DAC_CAPABILITIES,
    Activity,
    ActivityLocation,
    ActivityStatus,
    Capability,
    Money,
    OrgRole,
    Participant,
    SectorShare,
    Transaction,
    TransactionType,
)
from peaceops.errors import InputError, Problem
from peaceops.ingest.cells import guard, unguard
from peaceops.ingest.guards import read_workbook

HEADER_SEARCH_ROWS = 25
SEPARATORS = re.compile(r"\s*[;|]\s*")
_HASHTAG = re.compile(r"^#[a-z][a-z0-9_]*(\s*\+\s*[a-z][a-z0-9_]*)*$", re.IGNORECASE)

ROLE_ATTRIBUTES: dict[OrgRole, tuple[str, ...]] = {
    OrgRole.FUNDING: ("funder", "donor"),
    OrgRole.ACCOUNTABLE: ("prog",),
    OrgRole.EXTENDING: ("extending",),
    OrgRole.IMPLEMENTING: ("impl",),
}
MONEY_KINDS: dict[str, TransactionType] = {
    "commitment": TransactionType.OUTGOING_COMMITMENT,
    "disbursement": TransactionType.DISBURSEMENT,
    "expenditure": TransactionType.EXPENDITURE,
}
_STATUS_SYNONYMS: dict[ActivityStatus, str] = {
    ActivityStatus.PIPELINE: "planned|pipeline|proposed|identification|prévu|planifié",
    ActivityStatus.IMPLEMENTATION: "ongoing|on-going|active|implementation|in progress|en cours",
    ActivityStatus.FINALISATION: "finalisation|finalization|closing",
    ActivityStatus.CLOSED: "completed|complete|closed|finished|ended|terminé|achevé",
    ActivityStatus.CANCELLED: "cancelled|canceled|annulé",
    ActivityStatus.SUSPENDED: "suspended|on hold|suspendu",
}
STATUS_WORDS = {w: st for st, words in _STATUS_SYNONYMS.items() for w in words.split("|")}
STATUS_OUT: dict[ActivityStatus, str] = {
    ActivityStatus.PIPELINE: "planned",
    ActivityStatus.IMPLEMENTATION: "ongoing",
    ActivityStatus.FINALISATION: "finalisation",
    ActivityStatus.CLOSED: "completed",
    ActivityStatus.CANCELLED: "cancelled",
    ActivityStatus.SUSPENDED: "suspended",
}

# Keywords in sector and subsector names (English and French, as 3W sheets of peace operations
# are written) and the capability each implies. Matched in this order; a matched phrase is
# removed before the next, so "community policing" does not also count as police reform.
# Whole words where a stem would catch unrelated ones ("polic*" would catch "Population
# Policies", a DAC sector name).
# Infrastructure and equipment are left out: in sector names they are generic
# ("Other Social Infrastructure & Services") and say nothing about security support.
CAPABILITY_KEYWORDS: tuple[tuple[str, Capability], ...] = (
    ("community policing|community-policing|police de proximité", Capability.COMMUNITY_POLICING),
    ("police|policing|gendarmerie", Capability.POLICE_REFORM),
    ("legal aid|legal assistance|aide juridique|assistance juridique", Capability.LEGAL_AID),
    ("prison*|correction*|penitentiar*|pénitentiaire*|détention", Capability.CORRECTIONS),
    (
        "justice|judicia*|judiciaire|court|courts|tribuna*|rule of law|état de droit",
        Capability.JUSTICE_REFORM,
    ),
    (
        "ddr|disarmament|demobili*|reintegration|désarmement|démobilisation|réintégration",
        Capability.DDR,
    ),
    ("child soldier*|small arms|salw", Capability.DDR),
    ("border|borders|frontière*|customs|douane*|immigration", Capability.BORDER_MANAGEMENT),
    ("vetting|contrôle des antécédents", Capability.VETTING),
    ("human rights|droits de l'homme|droits humains", Capability.HUMAN_RIGHTS_TRAINING),
    (
        "gbv|sgbv|gender*|sexual violence|women|genre|vbg|vsbg|violences? sexuelles?",
        Capability.GENDER_SGBV,
    ),
    ("oversight|parliament*|parlement*|ombuds*|contrôle civil", Capability.OVERSIGHT),
    ("anti-corruption|anticorruption|corruption|integrity|intégrité", Capability.ANTI_CORRUPTION),
    ("legislat*|law drafting|législati*", Capability.LEGISLATIVE_DRAFTING),
    ("mine action|landmine*|land mine*|demining|déminage|uxo|explosive*", Capability.MINE_ACTION),
    (
        "defence|defense|armed forces|military|défense|forces armées|militaire*",
        Capability.DEFENCE_REFORM,
    ),
    ("security sector|security system|ssr|secteur de la sécurité|rss", Capability.SSR_GENERAL),
)
"""Keywords separated by ``|``: a trailing ``*`` stands for any word ending, ``s?`` for a
plural; anything else is literal."""


def _keyword_pattern(words: str) -> re.Pattern[str]:
    parts = [
        re.escape(w.removesuffix("*")).replace(r"s\?", "s?") + (r"\w*" if w.endswith("*") else "")
        for w in words.split("|")
    ]
    return re.compile(rf"\b(?:{'|'.join(parts)})\b", re.IGNORECASE)


_KEYWORDS = tuple((_keyword_pattern(words), c) for words, c in CAPABILITY_KEYWORDS)

# (field, HXL pattern): the first pattern matching a column decides its field. More specific
# patterns come first; "-x" excludes columns carrying attribute x, as in HXL tag patterns.
_NAME_EXCLUDES = "-code-id-type-acronym"
_FIELD_PATTERNS: list[tuple[str, str]] = [
    ("identifier", "#activity+code"),
    ("identifier", "#activity+id"),
    ("description", "#activity+description"),
    ("description", "#activity+desc"),
    ("title", "#activity+name"),
    ("title", "#activity+title"),
    ("title", "#activity-type"),
]
for _role, _attrs in ROLE_ATTRIBUTES.items():
    for _a in _attrs:
        _FIELD_PATTERNS += [
            (f"ref:{int(_role)}", f"#org+{_a}+code"),
            (f"ref:{int(_role)}", f"#org+{_a}+id"),
            (f"type:{int(_role)}", f"#org+{_a}+type"),
            (f"org:{int(_role)}", f"#org+{_a}{_NAME_EXCLUDES}"),
        ]
_FIELD_PATTERNS += [
    ("beneficiary", f"#org+beneficiary{_NAME_EXCLUDES}"),
    ("org:4", f"#org{_NAME_EXCLUDES}-beneficiary"),
    ("capability", "#sector+capability"),
    ("capability", "#indicator+capability"),
    ("sector_code", "#sector+code"),
    ("sector", "#sector"),
    ("subsector_code", "#subsector+code"),
    ("subsector", "#subsector"),
    ("country", "#country"),
    ("adm1_code", "#adm1+code"),
    ("adm1", "#adm1"),
    ("adm2_code", "#adm2+code"),
    ("adm2", "#adm2"),
    ("loc_code", "#loc+code"),
    ("loc", "#loc"),
    ("lat", "#geo+lat"),
    ("lon", "#geo+lon"),
    ("actual_start", "#date+start+actual"),
    ("planned_start", "#date+start"),
    ("actual_end", "#date+end+actual"),
    ("planned_end", "#date+end"),
    ("reported", "#date+reported"),
    ("status", "#status"),
    ("commitment", "#value+commitment"),
    ("commitment", "#value+budget"),
    ("commitment", "#value+funding"),
    ("disbursement", "#value+disbursement"),
    ("disbursement", "#value+disbursed"),
    ("expenditure", "#value+spent"),
    ("expenditure", "#value+expenditure"),
    ("currency", "#currency"),
]
_REPEATABLE = {"title", "description", *MONEY_KINDS}
_Bad = Callable[..., None]
"""Reports a problem of the current row: ``bad(field, message, tag=None)``."""
_ORG_FIELDS = {f"org:{int(r)}" for r in OrgRole}


@dataclass(frozen=True, slots=True)
class Tag:
    """One HXL hashtag with its attributes, e.g. ``#org +impl +name``."""

    name: str
    attributes: frozenset[str]
    text: str = field(default="", compare=False)
    """As the file writes it, lower-cased, without spaces: what problems name."""

    @classmethod
    def parse(cls, text: str) -> Tag | None:
        """The tag of a hashtag cell, or None when the cell is not a hashtag."""
        text = "".join(text.split()).lower()
        if not _HASHTAG.match(text):
            return None
        parts = text.split("+")
        return cls(parts[0], frozenset(p for p in parts[1:] if p), text)

    @property
    def language(self) -> str | None:
        for a in self.attributes:
            if a.startswith("i_") and len(a) > 2:
                return a[2:]
        return None

    def __str__(self) -> str:
        return self.text or self.name + "".join(f"+{a}" for a in sorted(self.attributes))


@dataclass(frozen=True, slots=True)
class TagPattern:
    """An HXL tag pattern: ``#org+impl-code`` matches ``#org`` columns with +impl, without +code."""

    name: str
    include: frozenset[str]
    exclude: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> TagPattern:
        tokens = re.split(r"([+-])", text.strip().lower())
        include: set[str] = set()
        exclude: set[str] = set()
        for sign, attr in zip(tokens[1::2], tokens[2::2], strict=True):
            (include if sign == "+" else exclude).add(attr.strip())
        return cls(tokens[0].strip(), frozenset(include), frozenset(exclude))

    def matches(self, tag: Tag) -> bool:
        return (
            tag.name == self.name
            and self.include <= tag.attributes
            and not (self.exclude & tag.attributes)
        )


_PATTERNS = [(f, TagPattern.parse(p)) for f, p in _FIELD_PATTERNS]


def field_of(tag: Tag) -> str | None:
    """The 3W field a column tag feeds, or None when PeaceOps does not map it.

    >>> field_of(Tag.parse("#org +impl +name"))
    'org:4'
    >>> field_of(Tag.parse("#ORG+Funder+code"))
    'ref:1'
    """
    return next((f for f, p in _PATTERNS if p.matches(tag)), None)


@dataclass(frozen=True, slots=True)
class HxlReport:
    """What ``read_3w`` found: activities, problems, data rows read, columns not mapped."""

    activities: list[Activity]
    problems: list[Problem]
    rows: int
    unmatched_columns: list[str]


def capabilities_for(sectors: Iterable[SectorShare]) -> list[Capability]:
    """Capabilities implied by DAC codes and by keywords in sector names, in first-seen order.

    Parameters
    ----------
    sectors
        Sector shares; DAC 5-digit codes are looked up in ``DAC_CAPABILITIES``, names (and
        codes of other vocabularies) are searched for ``CAPABILITY_KEYWORDS``.

    Returns
    -------
    list of Capability
        Without repeats.

    Examples
    --------
    >>> capabilities_for([SectorShare("15210"), SectorShare("x", "99", name="Community policing")])
    [<Capability.SSR_GENERAL: 'ssr_general'>, <Capability.COMMUNITY_POLICING: 'community_policing'>]
    """
    out: list[Capability] = []
    for s in sectors:
        if s.vocabulary == "1" and s.code in DAC_CAPABILITIES:
            out.append(DAC_CAPABILITIES[s.code])
        text = " ".join(t for t in {s.name or "", s.code if s.vocabulary == "99" else ""} if t)
        for pattern, capability in _KEYWORDS:
            if pattern.search(text):
                out.append(capability)
                text = pattern.sub(" ", text)
    return list(dict.fromkeys(out))


# Reading: cells ---------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _split(text: str) -> list[str]:
    return [p for p in SEPARATORS.split(text.strip()) if p]


def _split_keep(text: str) -> list[str]:
    return [p.strip() for p in SEPARATORS.split(text.strip())] if text.strip() else []


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_YMD = re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?:[T ].*)?$")


def parse_date(value: Any) -> date:
    """A date from a cell: a spreadsheet date, ISO ``YYYY-MM-DD``, ``DD/MM/YYYY`` (or with
    dots or dashes), ``MM/DD/YYYY`` when the day is above 12, or an Excel day number.

    >>> parse_date("31/01/2021"), parse_date("2021-01-31"), parse_date("01/31/2021")
    (datetime.date(2021, 1, 31), datetime.date(2021, 1, 31), datetime.date(2021, 1, 31))
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        # Day numbers from 1955 on: a bare year (2021) is not taken for a day of 1905.
        if 20000 <= value < 2958466:
            found = from_excel(value)
            if isinstance(found, datetime):
                return found.date()
        raise ValueError("not a date")
    text = str(value).strip()
    if m := _YMD.match(text):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DMY.match(text):
        first, second, year = int(m[1]), int(m[2]), int(m[3])
        if first <= 12 < second:
            return date(year, first, second)
        return date(year, second, first)
    raise ValueError("not a date")


def parse_amount(value: Any) -> float:
    """A non-negative finite amount from a cell (thousands separators allowed)."""
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int | float):
        number = float(value)
    else:
        number = float(re.sub(r"[\s,_\u00a0\u202f]", "", str(value)))
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def country_iso3(text: str) -> str | None:
    """ISO3 of a country given by ISO2, ISO3 or English name; None when unknown."""
    text = text.strip()
    if not text:
        return None
    if len(text) in (2, 3) and text.isalpha():
        code = text.upper()
        if len(code) == 3 and "XAA" <= code <= "XZZ":
            # ISO 3166 leaves XAA-XZZ to users: training scenarios' fictional countries.
            return code
        found = (
            pycountry.countries.get(alpha_2=code)
            if len(code) == 2
            else pycountry.countries.get(alpha_3=code)
        )
        return str(found.alpha_3) if found else None
    try:
        return str(pycountry.countries.lookup(text).alpha_3)
    except LookupError:
        return None


def _currency(text: str) -> str | None:
    code = text.strip().upper()
    if len(code) == 3 and pycountry.currencies.get(alpha_3=code) is not None:
        return code
    return None


def _capability(text: str) -> Capability | None:
    key = re.sub(r"[\s\-/]+", "_", text.strip().lower())
    try:
        return Capability(key)
    except ValueError:
        return None


def _status(value: Any) -> ActivityStatus | None:
    text = _normal(_text(value))
    if text.isdigit() and int(text) in ActivityStatus._value2member_map_:
        return ActivityStatus(int(text))
    return STATUS_WORDS.get(text)


# Reading: the table ----------------------------------------------------------------------------


def _strip_escape(value: Any) -> Any:
    return unguard(value) if isinstance(value, str) else value


def _csv_rows(path: Path, delimiter: str) -> tuple[list[list[Any]], bool]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc}", source=path.name) from None
    try:
        text, utf8 = raw.decode("utf-8-sig"), True
    except UnicodeDecodeError:
        text, utf8 = raw.decode("cp1252", errors="replace"), False
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    try:
        return [[_strip_escape(c) for c in row] for row in reader], utf8
    except csv.Error as exc:
        raise InputError(
            f"not a readable CSV file: {exc}", source=path.name, line=reader.line_num
        ) from None


def _xlsx_tables(path: Path) -> list[tuple[str, list[list[Any]]]]:
    return [(title, [list(r) for r in rows]) for title, rows in read_workbook(path, name=path.name)]


def _hashtag_row(rows: Sequence[Sequence[Any]]) -> int | None:
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [str(c).strip() for c in row if c is not None and str(c).strip()]
        tagged = sum(1 for c in cells if Tag.parse(c) is not None)
        if tagged and tagged * 2 > len(cells):
            return i
    return None


def _table(path: Path) -> tuple[str, list[list[Any]], int, list[Problem]]:
    """(label, rows, index of the hashtag row, problems) of a CSV file or XLSX workbook."""
    suffix = path.suffix.lower()
    problems: list[Problem] = []
    if suffix == ".xlsx":
        tables = _xlsx_tables(path)
        for title, rows in tables:
            found = _hashtag_row(rows)
            if found is not None:
                label = path.name if len(tables) == 1 else f"{path.name} [{title}]"
                return label, rows, found, problems
        sheets = ", ".join(t for t, _ in tables)
        raise InputError(
            f"no HXL hashtag row (such as '#org+impl', '#adm1+name') in the first "
            f"{HEADER_SEARCH_ROWS} rows of any sheet ({sheets}); add the hashtag row under the "
            "headers",
            source=path.name,
        )
    if suffix not in (".csv", ".txt"):
        raise InputError("a 3W sheet is an .xlsx workbook or a .csv file", source=path.name)
    for delimiter in (",", ";", "\t"):
        rows, utf8 = _csv_rows(path, delimiter)
        found = _hashtag_row(rows)
        if found is not None:
            if not utf8:
                problems.append(
                    Problem("the file is not UTF-8; it was read as Windows-1252", source=path.name)
                )
            return path.name, rows, found, problems
    raise InputError(
        f"no HXL hashtag row (such as '#org+impl', '#adm1+name') in the first "
        f"{HEADER_SEARCH_ROWS} rows; add the hashtag row under the headers",
        source=path.name,
    )


def _columns(tag_row: Sequence[Any]) -> tuple[dict[str, list[tuple[int, Tag]]], list[str]]:
    columns: dict[str, list[tuple[int, Tag]]] = {}
    unmatched: list[str] = []
    for i, cell in enumerate(tag_row):
        tag = Tag.parse(str(cell)) if cell is not None else None
        if tag is None:
            continue
        name = field_of(tag)
        if name is None or (name in columns and name not in _REPEATABLE):
            unmatched.append(str(tag))
            continue
        columns.setdefault(name, []).append((i, tag))
    return columns, unmatched


# Reading: rows ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    line: int
    identifier: str | None = None
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    participants: list[Participant] = field(default_factory=list)
    beneficiaries: list[str] = field(default_factory=list)
    sectors: list[SectorShare] = field(default_factory=list)
    capabilities: list[Capability] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    location: ActivityLocation | None = None
    dates: dict[str, date] = field(default_factory=dict)
    reported: date | None = None
    status: ActivityStatus | None = None
    money: list[tuple[TransactionType, str, float]] = field(default_factory=list)


class _RowReader:
    def __init__(
        self,
        label: str,
        columns: dict[str, list[tuple[int, Tag]]],
        default_country: str | None,
    ) -> None:
        self.label = label
        self.columns = columns
        self.default_country = default_country
        self.problems: list[Problem] = []

    def tag(self, name: str) -> str:
        cols = self.columns.get(name)
        return str(cols[0][1]) if cols else name

    def raw(self, row: Sequence[Any], name: str) -> Any:
        cols = self.columns.get(name)
        if not cols or cols[0][0] >= len(row):
            return None
        value = row[cols[0][0]]
        return None if isinstance(value, str) and not value.strip() else value

    def text(self, row: Sequence[Any], name: str) -> str:
        return _text(self.raw(row, name))

    def read(self, line: int, row: Sequence[Any]) -> tuple[_Row | None, list[Problem]]:
        found: list[Problem] = []

        def bad(name: str, message: str, tag: str | None = None) -> None:
            found.append(
                Problem(message, source=self.label, line=line, field=tag or self.tag(name))
            )

        r = _Row(line, identifier=self.text(row, "identifier") or None)
        for kind, target in (("title", r.titles), ("description", r.descriptions)):
            for i, tag in self.columns.get(kind, []):
                value = _text(row[i]) if i < len(row) else ""
                if value:
                    target.setdefault(tag.language or "en", value)
        for role in OrgRole:
            names = list(dict.fromkeys(_split(self.text(row, f"org:{int(role)}"))))
            extra: dict[str, list[str]] = {}
            for key in ("ref", "type"):
                values = _split_keep(self.text(row, f"{key}:{int(role)}"))
                if values and len(values) != len(names):
                    bad(
                        f"{key}:{int(role)}",
                        f"{len(values)} value(s) for {len(names)} organisation name(s); give "
                        "one per name, in the same order, separated by ';'",
                    )
                extra[key] = values if len(values) == len(names) else [""] * len(names)
            for name, ref, org_type in zip(names, extra["ref"], extra["type"], strict=True):
                r.participants.append(Participant(role, name, ref or None, org_type or None))
        r.beneficiaries = list(dict.fromkeys(_split(self.text(row, "beneficiary"))))
        for prefix in ("sector", "subsector"):
            r.sectors += self.sectors(row, prefix)
        for value in _split(self.text(row, "capability")):
            capability = _capability(value)
            if capability is None:
                allowed = ", ".join(c.value for c in Capability)
                bad("capability", f"capability '{value}' unknown; allowed: {allowed}")
            else:
                r.capabilities.append(capability)
        for value in _split(self.text(row, "country")):
            iso3 = country_iso3(value)
            if iso3 is None:
                bad("country", f"country '{value}' is not an ISO 3166 code or country name")
            else:
                r.countries.append(iso3)
        if not r.countries and self.default_country:
            r.countries.append(self.default_country)
        r.location = self.location(row, r.countries, bad)
        for name in ("planned_start", "actual_start", "planned_end", "actual_end", "reported"):
            raw = self.raw(row, name)
            if raw is None:
                continue
            try:
                r.dates[name] = parse_date(raw)
            except ValueError:
                bad(name, f"'{_text(raw)}' is not a date (write YYYY-MM-DD)")
        for kind in ("planned", "actual"):
            start, end = r.dates.get(f"{kind}_start"), r.dates.get(f"{kind}_end")
            if start and end and end < start:
                bad(f"{kind}_end", f"end {end.isoformat()} is before start {start.isoformat()}")
        r.reported = r.dates.pop("reported", None)
        raw_status = self.raw(row, "status")
        if raw_status is not None:
            r.status = _status(raw_status)
            if r.status is None:
                words = ", ".join(STATUS_OUT.values())
                bad("status", f"status '{_text(raw_status)}' unknown; use {words} or 1-6")
        self.money(row, r, bad)
        return (None if found else r), found

    def sectors(self, row: Sequence[Any], prefix: str) -> list[SectorShare]:
        codes = _split_keep(self.text(row, f"{prefix}_code"))
        names = _split_keep(self.text(row, prefix))
        if codes and names and len(codes) != len(names):
            pairs = [(c, "") for c in codes] + [("", n) for n in names]
        elif codes:
            pairs = list(zip(codes, names or [""] * len(codes), strict=True))
        else:
            pairs = [("", n) for n in names]
        out = []
        for code, name in pairs:
            if not code and name.isdigit():
                code, name = name, ""
            if not code and not name:
                continue
            if not code:
                out.append(SectorShare(name, "99", None, name))
            else:
                vocabulary = {5: "1", 3: "2"}.get(len(code), "99") if code.isdigit() else "99"
                out.append(SectorShare(code, vocabulary, None, name or None))
        return out

    def location(
        self, row: Sequence[Any], countries: list[str], bad: _Bad
    ) -> ActivityLocation | None:
        names = {k: self.text(row, k) for k in ("adm1", "adm1_code", "adm2", "adm2_code", "loc")}
        lat = lon = None
        for key in ("lat", "lon"):
            raw = self.raw(row, key)
            if raw is None:
                continue
            try:
                value = parse_amount(raw) if isinstance(raw, int | float) else float(_text(raw))
            except ValueError:
                bad(key, f"'{_text(raw)}' is not a number")
                continue
            limit = 90 if key == "lat" else 180
            if not -limit <= value <= limit:
                bad(key, f"{value} is outside -{limit}..{limit}")
            elif key == "lat":
                lat = value
            else:
                lon = value
        if (self.raw(row, "lat") is None) != (self.raw(row, "lon") is None):
            missing = "lat" if self.raw(row, "lat") is None else "lon"
            bad(missing, "give both latitude and longitude, or neither")
        if lat is None or lon is None:
            lat = lon = None
        country = countries[0] if len(countries) == 1 else None
        code2, code1 = names["adm2_code"] or None, names["adm1_code"] or None
        if names["loc"]:
            code = self.text(row, "loc_code") or code2 or code1
            return ActivityLocation(names["loc"], lon, lat, None, country, None, code)
        if names["adm2"] or code2:
            return ActivityLocation(names["adm2"] or code2 or "", lon, lat, None, country, 2, code2)
        if names["adm1"] or code1:
            return ActivityLocation(names["adm1"] or code1 or "", lon, lat, None, country, 1, code1)
        if lat is not None and lon is not None:
            return ActivityLocation(f"{lat:.5f}, {lon:.5f}", lon, lat, None, country)
        return None

    def money(self, row: Sequence[Any], r: _Row, bad: _Bad) -> None:
        cell_currency: str | None = None
        raw_currency = self.text(row, "currency")
        if raw_currency:
            cell_currency = _currency(raw_currency)
            if cell_currency is None:
                bad("currency", f"currency '{raw_currency}' is not an ISO 4217 code")
                return
        for kind, kind_type in MONEY_KINDS.items():
            for i, tag in self.columns.get(kind, []):
                raw = row[i] if i < len(row) else None
                if raw is None or (isinstance(raw, str) and not raw.strip()):
                    continue
                try:
                    value = parse_amount(raw)
                except ValueError:
                    bad(kind, f"'{_text(raw)}' is not an amount", str(tag))
                    continue
                if value < 0:
                    bad(kind, f"negative amount {_text(raw)}", str(tag))
                    continue
                attr = next((c for a in tag.attributes if (c := _currency(a))), None)
                currency = attr or cell_currency
                if currency is None:
                    bad(
                        kind,
                        "amount without currency: add a #currency column or a currency "
                        "attribute such as #value+commitment+usd",
                        str(tag),
                    )
                    continue
                r.money.append((kind_type, currency, value))


# Reading: activities ---------------------------------------------------------------------------


def _row_hash(r: _Row) -> str:
    orgs = [p.name for p in r.participants if p.role == OrgRole.IMPLEMENTING] or [
        p.name for p in r.participants
    ]
    loc = r.location
    place = [loc.name, loc.admin_code or "", str(loc.admin_level)] if loc else []
    start = r.dates.get("actual_start") or r.dates.get("planned_start")
    title = r.titles.get("en") or next(iter(r.titles.values()), "")
    key = "\x1f".join(
        [*sorted(_normal(o) for o in orgs), _normal(title), *map(_normal, place), str(start)]
    )
    return "hxl-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass(slots=True)
class _Draft:
    activity: Activity
    explicit: list[Capability] = field(default_factory=list)
    money: list[tuple[TransactionType, str, float]] = field(default_factory=list)
    reported: date | None = None


def _merge(d: _Draft, r: _Row, label: str, problems: list[Problem]) -> None:
    act = d.activity

    def disagree(what: str) -> None:
        problems.append(
            Problem(
                f"rows of activity {act.identifier} disagree on the {what}; the first row's "
                f"(line {act.line}) is kept",
                source=label,
                line=r.line,
                item=act.identifier,
            )
        )

    for lang, text in r.titles.items():
        if act.title.setdefault(lang, text) != text:
            disagree("title")
    for lang, text in r.descriptions.items():
        act.description.setdefault(lang, text)
    for name, when in r.dates.items():
        if getattr(act, name) is None:
            setattr(act, name, when)
        elif getattr(act, name) != when:
            disagree(name.replace("_", " ") + " date")
    if r.status is not None:
        if act.status is None:
            act.status = r.status
        elif act.status != r.status:
            disagree("status")
    act.participants += [p for p in r.participants if p not in act.participants]
    act.institution_refs += [b for b in r.beneficiaries if b not in act.institution_refs]
    act.sectors += [s for s in r.sectors if s not in act.sectors]
    d.explicit += [c for c in r.capabilities if c not in d.explicit]
    known = {c for c, _ in act.countries}
    act.countries += [(c, None) for c in dict.fromkeys(r.countries) if c not in known]
    if r.location is not None and r.location not in act.locations:
        act.locations.append(r.location)
    d.money += r.money
    d.reported = d.reported or r.reported


def _finish(d: _Draft, label: str, problems: list[Problem]) -> Activity:
    act = d.activity
    act.capabilities = d.explicit or capabilities_for(act.sectors)
    if not act.title:
        who = next((p.name for p in act.participants), "")
        what = next((s.name or s.code for s in act.sectors), "")
        act.title = {"en": " - ".join(t for t in (who, what) if t) or act.identifier}
    by_key: dict[tuple[TransactionType, str], list[float]] = {}
    for kind, currency, value in d.money:
        by_key.setdefault((kind, currency), []).append(value)
    when = d.reported or act.start or act.end
    if by_key and when is None:
        problems.append(
            Problem(
                "amounts not imported: the activity has no start, end or reported date",
                source=label,
                line=act.line,
                item=act.identifier,
                field="#date+start",
            )
        )
        return act
    for (kind, currency), values in by_key.items():
        # The same value on every row is the total repeated; different values are parts.
        total = values[0] if len(set(values)) == 1 else math.fsum(values)
        if when is not None:
            act.transactions.append(Transaction(kind, when, Money(total, currency)))
    return act


def read_3w(path: Path, *, default_country: str | None = None) -> HxlReport:
    """Activities of an HXL-tagged 3W/4W sheet (CSV or XLSX); see the module for the rules.

    Parameters
    ----------
    path
        A ``.csv`` file (comma, semicolon or tab separated; UTF-8, else read as Windows-1252)
        or an ``.xlsx`` workbook (the first sheet with a hashtag row is read).
    default_country
        ISO2 or ISO3 code of the country of rows that name none.

    Returns
    -------
    HxlReport
        Activities in the order of their first row, problems by file, line and column tag,
        the number of data rows read and the hashtags that matched no field.

    Raises
    ------
    InputError
        When the file cannot be read, has no hashtag row, or has neither a title column
        (``#activity+name``) nor an organisation column (``#org+impl``, ``#org+funder`` ...).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "3w.csv").write_text(
    ...     "Code,Org,Activity,Sector,Region\\n"
    ...     "#activity+code,#org+impl,#activity+name,#sector,#adm1+name\\n"
    ...     "A-1,UNDP,Court rehabilitation,Justice,Bay\\n"
    ...     "A-1,UNDP,Court rehabilitation,Justice,Bari\\n"
    ... )
    >>> report = read_3w(folder / "3w.csv", default_country="SO")
    >>> act = report.activities[0]
    >>> act.capabilities, act.countries, [loc.name for loc in act.locations]
    ([<Capability.JUSTICE_REFORM: 'justice_reform'>], [('SOM', None)], ['Bay', 'Bari'])
    """
    default_iso3 = None
    if default_country:
        default_iso3 = country_iso3(default_country)
        if default_iso3 is None:
            raise InputError(
                f"default country '{default_country}' is not an ISO 3166 code",
                field="default_country",
            )
    label, rows, tag_index, problems = _table(path)
    columns, unmatched = _columns(rows[tag_index])
    if "title" not in columns and not (_ORG_FIELDS & columns.keys()):
        raise InputError(
            "no title column (#activity+name) and no organisation column (#org+impl, "
            "#org+funder, #org+prog, #org+extending): this does not look like a 3W sheet",
            source=label,
            line=tag_index + 1,
        )
    reader = _RowReader(label, columns, default_iso3)
    drafts: dict[str, _Draft] = {}
    n_rows = hashed = 0
    for line, row in enumerate(rows[tag_index + 1 :], start=tag_index + 2):
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in row):
            continue
        n_rows += 1
        parsed, found = reader.read(line, row)
        problems += found
        if parsed is None:
            continue
        if not parsed.titles and not parsed.participants:
            problems.append(
                Problem(
                    "row has neither a title nor an organisation; skipped",
                    source=label,
                    line=line,
                    field=reader.tag("title"),
                )
            )
            continue
        if parsed.identifier is None:
            parsed.identifier = _row_hash(parsed)
            hashed += 1
        draft = drafts.get(parsed.identifier)
        if draft is None:
            draft = drafts[parsed.identifier] = _Draft(
                Activity(parsed.identifier, {}, source="hxl", line=line)
            )
        _merge(draft, parsed, label, problems)
    if hashed:
        problems.append(
            Problem(
                f"{hashed} row(s) have no activity code (#activity+code): their identifiers "
                "were made from a hash of organisation, title, place and start date, so "
                "re-importing the same sheet gives the same identifiers",
                source=label,
                field="#activity+code",
            )
        )
    activities = [_finish(d, label, problems) for d in drafts.values()]
    return HxlReport(activities, problems, n_rows, unmatched)


# Writing ---------------------------------------------------------------------------------------

_LABELS: dict[str, tuple[str, str]] = {
    "identifier": ("Activity code", "Code de l'activité"),
    "title": ("Activity", "Activité"),
    "description": ("Description", "Description"),
    "org:1": ("Funder", "Bailleur"),
    "org:2": ("Programming organisation", "Organisation responsable"),
    "org:3": ("Extending organisation", "Organisation relais"),
    "org:4": ("Implementing organisation", "Organisation de mise en œuvre"),
    "ref": ("identifier", "identifiant"),
    "type": ("type", "type"),
    "beneficiary": ("Institution supported", "Institution appuyée"),
    "sector": ("Sector", "Secteur"),
    "sector_code": ("Sector code", "Code du secteur"),
    "capability": ("Capability", "Capacité"),
    "country": ("Country", "Pays"),
    "adm1": ("Region", "Région"),
    "adm1_code": ("Region P-code", "P-code de la région"),
    "adm2": ("District", "District"),
    "adm2_code": ("District P-code", "P-code du district"),
    "loc": ("Place", "Lieu"),
    "loc_code": ("Place code", "Code du lieu"),
    "lat": ("Latitude", "Latitude"),
    "lon": ("Longitude", "Longitude"),
    "planned_start": ("Start", "Début"),
    "actual_start": ("Actual start", "Début effectif"),
    "planned_end": ("End", "Fin"),
    "actual_end": ("Actual end", "Fin effective"),
    "status": ("Status", "Statut"),
    "commitment": ("Committed", "Engagé"),
    "disbursement": ("Disbursed", "Décaissé"),
    "expenditure": ("Spent", "Dépensé"),
    "currency": ("Currency", "Devise"),
}
HEADERS = {lang: {k: v[i] for k, v in _LABELS.items()} for i, lang in enumerate(("en", "fr"))}
"""The human header row by language."""
_ORG_TAGS = {OrgRole.FUNDING: "funder", OrgRole.ACCOUNTABLE: "prog"}
_ORG_TAGS |= {OrgRole.EXTENDING: "extending", OrgRole.IMPLEMENTING: "impl"}
_MONEY_TAGS = {"commitment": "commitment", "disbursement": "disbursement", "expenditure": "spent"}


def _number(value: float | None) -> float | int | str:
    if value is None:
        return ""
    return int(value) if value.is_integer() and abs(value) < 1e15 else value


def _columns_for(activities: list[Activity], language: str) -> list[tuple[str, str, str]]:
    """(key, human header, hashtag) of the columns the activities need."""
    head = HEADERS.get(language, HEADERS["en"])
    langs = list(dict.fromkeys([language, *(k for a in activities for k in a.title)]))
    desc_langs = list(dict.fromkeys(k for a in activities for k in a.description))
    cols = [("identifier", head["identifier"], "#activity+code")]
    cols += [(f"title:{x}", f"{head['title']} ({x})", f"#activity+name+i_{x}") for x in langs]
    cols += [
        (f"description:{x}", f"{head['description']} ({x})", f"#activity+description+i_{x}")
        for x in desc_langs
    ]
    for role, attr in _ORG_TAGS.items():
        key = f"org:{int(role)}"
        cols.append((key, head[key], f"#org+{attr}+name"))
        people = [p for a in activities for p in a.participants if p.role == role]
        if any(p.ref for p in people):
            cols.append((f"ref:{int(role)}", f"{head[key]} {head['ref']}", f"#org+{attr}+code"))
        if any(p.org_type for p in people):
            cols.append((f"type:{int(role)}", f"{head[key]} {head['type']}", f"#org+{attr}+type"))
    cols += [
        ("beneficiary", head["beneficiary"], "#org+beneficiary+name"),
        ("sector", head["sector"], "#sector+name"),
        ("sector_code", head["sector_code"], "#sector+code"),
        ("capability", head["capability"], "#sector+capability"),
        ("country", head["country"], "#country+code"),
        ("adm1", head["adm1"], "#adm1+name"),
        ("adm1_code", head["adm1_code"], "#adm1+code"),
        ("adm2", head["adm2"], "#adm2+name"),
        ("adm2_code", head["adm2_code"], "#adm2+code"),
        ("loc", head["loc"], "#loc+name"),
        ("loc_code", head["loc_code"], "#loc+code"),
        ("lat", head["lat"], "#geo+lat"),
        ("lon", head["lon"], "#geo+lon"),
        ("planned_start", head["planned_start"], "#date+start"),
    ]
    if any(a.actual_start for a in activities):
        cols.append(("actual_start", head["actual_start"], "#date+start+actual"))
    cols.append(("planned_end", head["planned_end"], "#date+end"))
    if any(a.actual_end for a in activities):
        cols.append(("actual_end", head["actual_end"], "#date+end+actual"))
    cols.append(("status", head["status"], "#status"))
    cols += [(k, head[k], f"#value+{t}") for k, t in _MONEY_TAGS.items()]
    cols.append(("currency", head["currency"], "#currency"))
    return cols


def _part(text: str) -> str:
    """One item of a list cell: separators inside it would split it on reading."""
    return SEPARATORS.sub(" / ", text).strip(" /") if SEPARATORS.search(text) else text


def _rows_of(act: Activity) -> list[dict[str, Any]]:
    common: dict[str, Any] = {"identifier": act.identifier}
    common |= {f"title:{k}": v for k, v in act.title.items()}
    common |= {f"description:{k}": v for k, v in act.description.items()}
    for role in OrgRole:
        people = [p for p in act.participants if p.role == role]
        common[f"org:{int(role)}"] = "; ".join(_part(p.name) for p in people)
        if any(p.ref for p in people):
            common[f"ref:{int(role)}"] = "; ".join(p.ref or "" for p in people)
        if any(p.org_type for p in people):
            common[f"type:{int(role)}"] = "; ".join(p.org_type or "" for p in people)
    common["beneficiary"] = "; ".join(_part(r) for r in act.institution_refs)
    common["sector"] = "; ".join(_part(s.name or "") for s in act.sectors)
    # A sector known only by name (code = name, vocabulary 99) gets an empty code cell.
    codes = ["" if s.vocabulary == "99" and s.code == s.name else s.code for s in act.sectors]
    common["sector_code"] = "; ".join(codes) if any(codes) else ""
    common["capability"] = "; ".join(c.value for c in act.capabilities)
    for name in ("planned_start", "actual_start", "planned_end", "actual_end"):
        common[name] = getattr(act, name) or ""
    common["status"] = STATUS_OUT[act.status] if act.status else ""
    totals = {k: act.total(t) for k, t in MONEY_KINDS.items()}
    currencies = list(dict.fromkeys(c for t in totals.values() for c in t))
    locations: list[ActivityLocation | None] = list(act.locations) or [None]
    rows = []
    for i in range(max(len(locations), len(currencies))):
        row = dict(common)
        loc = locations[i] if i < len(locations) else None
        row["country"] = "; ".join(c for c, _ in act.countries)
        if loc is not None:
            if loc.country_iso3:
                row["country"] = loc.country_iso3
            level = {1: "adm1", 2: "adm2"}.get(loc.admin_level or 0, "loc")
            row[level] = loc.name
            row[f"{level}_code"] = loc.admin_code or ""
            row["lat"], row["lon"] = _number(loc.lat), _number(loc.lon)
        if i < len(currencies):
            row["currency"] = currencies[i]
            for k, by_currency in totals.items():
                row[k] = _number(by_currency.get(currencies[i]))
        rows.append(row)
    return rows


def write_3w(activities: Iterable[Activity], path: Path, *, language: str = "en") -> Path:
    """A 3W sheet of ``activities``: CSV or XLSX by the suffix of ``path``.

    Parameters
    ----------
    activities
        The activities; each gets one row per location (one row when it has none).
    path
        Where to write; ``.xlsx`` writes a workbook, anything else CSV (UTF-8).
    language
        The language of the human header row (``en`` or ``fr``; others get English) and of the
        first title column.

    Returns
    -------
    Path
        ``path``, so that ``read_3w(write_3w(activities, path))`` reads it back.
    """
    acts = list(activities)
    columns = _columns_for(acts, language)
    body = [[row.get(key, "") for key, _, _ in columns] for act in acts for row in _rows_of(act)]
    header = [h for _, h, _ in columns]
    tags = [t for _, _, t in columns]
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Font

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "3w"
        ws.append(header)
        ws.append(tags)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for values in body:
            ws.append(
                [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values]
            )
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str) and cell.data_type == "f":
                    cell.data_type = "s"  # text, not a formula
        ws.freeze_panes = "A3"
        wb.save(path)
        return path
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerow(tags)
        for values in body:
            out.writerow([guard(v) if isinstance(v, str) else v for v in values])
    return path


__all__ = [
    "CAPABILITY_KEYWORDS",
    "HxlReport",
    "Tag",
    "TagPattern",
    "capabilities_for",
    "country_iso3",
    "field_of",
    "parse_amount",
    "parse_date",
    "read_3w",
    "write_3w",
]
