"""Reading mission documents (plain text, HTML, PDF with a text layer, DOCX) and recognising
what they are: symbol, title, date, kind, language, missions and countries.

``read_document(path)`` returns the text and the metadata it could find; it raises
``UnreadableDocument`` (an ``InputError`` naming the file) for a file it cannot read, such as a
scanned PDF without a text layer, so a folder ingest can report it and go on. Recognition
reads the head of the text the way a registry clerk would: the symbol printed at the top
(``S/2004/300``, ``S/RES/1509 (2003)``), the first full date, "Report of the
Secretary-General on ..." as the title. File names in the corpus's own pattern
(``MINUSTAH_S_2006_592.txt``, ``S-RES-1509(2003).txt``) give the symbol and mission too.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from peaceops.domain.knowledge import DocumentKind
from peaceops.errors import InputError
from peaceops.ingest.guards import PACKAGE_ERRORS, check_archive

SUFFIXES = (".txt", ".text", ".md", ".html", ".htm", ".pdf", ".docx")
HEAD = 3_000
"""Characters read for the symbol, the title, the date and the kind."""
MIN_TEXT_PER_PAGE = 40
"""Fewer characters per page than this and a PDF counts as scanned (no text layer)."""

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}  # fmt: skip
_DATE = re.compile(r"\b(\d{1,2})(?:er)?\s+(" + "|".join(MONTHS) + r")\s+((?:19|20)\d\d)\b", re.I)
_RESOLUTION = re.compile(r"S/RES/(\d{1,4})\s*\((\d{4})\)")
_REPORT = re.compile(r"\b([SA])/(\d{4})/(\d{1,4})(/(?:Add|Rev|Corr)\.\d+)?\b")
_OLD_REPORT = re.compile(r"\bS/(\d{4,5})\b")
_FILE_RESOLUTION = re.compile(r"^S-RES-(\d{1,4})\((\d{4})\)$", re.I)
_FILE_REPORT = re.compile(r"^([A-Z]{3,12})_([SA])_(?:(\d{4})_)?(\d{1,5})(?:_(.+))?$")
_FRENCH = frozenset(
    [
        "le",
        "la",
        "les",
        "des",
        "du",
        "une",
        "est",
        "dans",
        "pour",
        "sur",
        "avec",
        "que",
        "qui",
        "par",
        "au",
        "aux",
    ]
)
_ENGLISH = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "is",
        "for",
        "on",
        "with",
        "that",
        "by",
        "as",
        "are",
        "from",
        "this",
    ]
)


class UnreadableDocument(InputError):
    """A file that holds no text we can read (scanned PDF, damaged file, unknown format)."""


@dataclass(frozen=True, slots=True)
class ReadDocument:
    """A document's text and what was recognised in it."""

    text: str
    digest: str
    title: str
    kind: DocumentKind
    symbol: str | None = None
    date: date | None = None
    language: str = "en"
    missions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    source_name: str = ""
    pages: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def digest_of(text: str) -> str:
    """SHA-256 of the text with white space normalised: a re-saved copy is the same text."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


# Reading files ----------------------------------------------------------------------------------


def _read_plain(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _read_html(path: Path) -> str:
    from lxml import etree
    from lxml import html as lxml_html

    parser = lxml_html.HTMLParser(remove_comments=True, no_network=True, huge_tree=False)
    try:
        tree = lxml_html.parse(str(path), parser=parser)
    except (OSError, ValueError) as exc:
        raise UnreadableDocument(
            f"{path.name}: not readable as HTML ({exc})", field="file"
        ) from exc
    root = tree.getroot()
    if root is None:
        raise UnreadableDocument(f"{path.name}: empty HTML", field="file")
    # Removed in libxml2 itself: drop_tree() moves the tail text through Python, which refuses
    # the control characters the HTML parser lets through.
    etree.strip_elements(root, "script", "style", "noscript", "nav", "footer", with_tail=False)
    blocks = []
    for el in root.iter("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "th", "pre", "div"):
        if el.tag == "div" and el.find(".//p") is not None:
            continue  # a container: its paragraphs come on their own
        piece = " ".join(el.text_content().split())
        if piece:
            blocks.append(piece)
    return "\n\n".join(dict.fromkeys(blocks))


def _read_pdf(path: Path) -> tuple[str, int]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    # pypdf stops at a damaged file with its own errors (its limits on inflated streams among
    # them) and, on some, with Python's: a garbage PDF is unreadable, not a crash.
    errors: tuple[type[BaseException], ...] = (
        PyPdfError,
        *PACKAGE_ERRORS,
        RecursionError,
        ArithmeticError,
    )
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise UnreadableDocument(f"{path.name}: the PDF is encrypted", field="file")
        pages = [page.extract_text(extraction_mode="layout") or "" for page in reader.pages]
    except errors as exc:
        raise UnreadableDocument(
            f"{path.name}: not a readable PDF ({type(exc).__name__}: {exc})", field="file"
        ) from exc
    text = "\n".join(pages)
    if len(text.strip()) < MIN_TEXT_PER_PAGE * max(1, len(pages)):
        raise UnreadableDocument(
            f"{path.name}: the PDF has no text layer ({len(pages)} pages, probably scanned); "
            "run it through OCR first",
            field="file",
        )
    return text, len(pages)


def _read_docx(path: Path) -> str:
    from docx import Document as DocxDocument
    from docx.opc.exceptions import OpcError

    try:
        check_archive(path, name=path.name)
    except InputError as exc:
        raise UnreadableDocument(f"{path.name}: {exc.problem.message}", field="file") from None
    errors: tuple[type[BaseException], ...] = (OpcError, *PACKAGE_ERRORS)
    try:
        doc = DocxDocument(str(path))
        return "\n\n".join(p.text for p in doc.paragraphs if p.text.strip())
    except errors as exc:
        raise UnreadableDocument(
            f"{path.name}: not a readable DOCX ({type(exc).__name__}: {exc})", field="file"
        ) from exc


def read_text(path: Path) -> tuple[str, int | None]:
    """The text of a file (and its page count for a PDF)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UnreadableDocument(
            f"{path.name}: not a document PeaceOps reads ({', '.join(SUFFIXES)})", field="file"
        )
    if suffix in (".html", ".htm"):
        return _read_html(path), None
    if suffix == ".pdf":
        return _read_pdf(path)
    if suffix == ".docx":
        return _read_docx(path), None
    return _read_plain(path), None


# Recognising --------------------------------------------------------------------------------------


def find_date(text: str) -> date | None:
    """The first full date written out in words (English or French).

    >>> find_date("Distr.: General 20 March 2018"), find_date("le 1er juin 2004")
    (datetime.date(2018, 3, 20), datetime.date(2004, 6, 1))
    """
    for match in _DATE.finditer(text):
        day, month, year = int(match.group(1)), MONTHS[match.group(2).lower()], int(match.group(3))
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return None


def find_symbol(head: str, stem: str = "") -> tuple[str | None, DocumentKind | None]:
    """The UN symbol and the kind it implies, from the text's head or the file name.

    >>> find_symbol("S/RES/1509 (2003)\\nResolution 1509")
    ('S/RES/1509 (2003)', <DocumentKind.RESOLUTION: 'resolution'>)
    >>> find_symbol("", "MINUSTAH_S_2006_592")
    ('S/2006/592', <DocumentKind.SG_REPORT: 'sg_report'>)
    """
    # A file named by the symbol is named on purpose (and scanned heads misread digits).
    if found := _FILE_RESOLUTION.match(stem):
        return f"S/RES/{found.group(1)} ({found.group(2)})", DocumentKind.RESOLUTION
    if found := _FILE_REPORT.match(stem):
        organ, year, number = found.group(2), found.group(3), found.group(4)
        symbol = f"{organ}/{year}/{number}" if year else f"{organ}/{number}"
        return symbol, DocumentKind.SG_REPORT if organ == "S" else None
    if found := _RESOLUTION.search(head):
        return f"S/RES/{found.group(1)} ({found.group(2)})", DocumentKind.RESOLUTION
    if found := _REPORT.search(head):
        return found.group(0), DocumentKind.SG_REPORT if found.group(1) == "S" else None
    if found := _OLD_REPORT.search(head[:600]):
        return found.group(0), None
    return None, None


# "Act No. 2024-05", "Law No. 12/2019", "Loi n° 2024-05", "Décret n° 2025-317" at a line start.
_LEGAL_NUMBER = re.compile(
    r"^\s*(act|law|decree|ordinance|regulation|code|loi|décret|decret|ordonnance|arrêté)"
    r"\s+(no\.?|n°|nº|number)\s*[\w./-]*\d",
    re.MULTILINE | re.IGNORECASE,
)


def find_kind(head: str, implied: DocumentKind | None) -> DocumentKind:
    lowered = " ".join(head.lower().split())
    if "after action review" in lowered or "after-action review" in lowered:
        return DocumentKind.AFTER_ACTION_REVIEW
    if "end of assignment" in lowered or "end-of-assignment" in lowered:
        return DocumentKind.END_OF_ASSIGNMENT
    if "lessons learned" in lowered or "lessons-learned" in lowered or "lessons note" in lowered:
        return DocumentKind.LESSONS_NOTE
    if implied is not None:
        return implied
    if re.search(r"^\s*mandate\b", head[:600], re.MULTILINE | re.IGNORECASE):
        return DocumentKind.MANDATE
    if _LEGAL_NUMBER.search(head[:600]):
        return DocumentKind.LAW
    if "report of the secretary-general" in lowered or "rapport du secrétaire général" in lowered:
        return DocumentKind.SG_REPORT
    if "standard operating procedure" in lowered or lowered.startswith("policy"):
        return DocumentKind.POLICY
    return DocumentKind.OTHER


def find_title(text: str, kind: DocumentKind, symbol: str | None, fallback: str) -> str:
    lines = [" ".join(line.split()) for line in text[:HEAD].splitlines()]
    lines = [line for line in lines if line]
    if kind is DocumentKind.RESOLUTION and symbol:
        return "Resolution " + symbol.removeprefix("S/RES/")
    for i, line in enumerate(lines):
        lowered = line.lower()
        if lowered.startswith(("report of the secretary-general", "rapport du secrétaire")):
            title = line
            for extra in lines[i + 1 : i + 4]:  # a title wrapped over lines
                if re.match(r"^([IVX]+|\d+)\.\s", extra) or len(title) > 300:
                    break
                title += " " + extra
            return title[:500]
    furniture = ("united nations", "security council", "nations unies")
    for line in lines[:15]:
        plain = not _REPORT.search(line) and not _DATE.search(line)
        if 12 <= len(line) <= 200 and plain and line.lower() not in furniture:
            return line[:500]
    return fallback


def find_language(text: str) -> str:
    """``en``, ``fr`` or ``ar`` from the share of common words (or Arabic letters).

    >>> find_language("La police nationale est dans la ville"), find_language("The police")
    ('fr', 'en')
    """
    sample = text[:20_000]
    arabic = sum(1 for c in sample if "\u0600" <= c <= "\u06ff")
    if arabic > len(sample) * 0.2:
        return "ar"
    words = re.findall(r"[a-zàâçéèêëîïôûùüÿœ]+", sample.lower())
    fr = sum(1 for w in words if w in _FRENCH)
    en = sum(1 for w in words if w in _ENGLISH)
    return "fr" if fr > en else "en"


_WORDS = re.compile(r"\w+")


def _first_word(name: str) -> str:
    found = _WORDS.search(name)
    return found.group(0) if found else name


def find_mentions(
    text: str,
    names: Mapping[str, Iterable[str]],
    *,
    minimum: int = 2,
    most: int = 5,
    share: float = 0.2,
) -> tuple[str, ...]:
    """The codes whose names are mentioned at least ``minimum`` times and at least ``share``
    as often as the most mentioned one, most mentioned first (a report on Haiti names the
    countries that contribute police too, but far less often).

    ``names`` maps a code (ISO3, mission acronym) to the names that stand for it.

    >>> find_mentions("Haiti ... Haiti ... Liberia", {"HTI": ["Haiti"], "LBR": ["Liberia"]})
    ('HTI',)
    """
    counts: Counter[str] = Counter()
    # A name can only occur where its first word does: one pass over the text's words spares
    # the regular expression for the hundreds of countries and missions a document never names.
    words = set(_WORDS.findall(text))
    for code, spellings in names.items():
        present = [s for s in set(spellings) if s and _first_word(s) in words and s in text]
        pattern = "|".join(re.escape(s) for s in sorted(present, key=len, reverse=True))
        if not pattern:
            continue
        hits = len(re.findall(rf"\b(?:{pattern})\b", text))
        if hits >= minimum:
            counts[code] = hits
    if not counts:
        return ()
    top = counts.most_common(1)[0][1]
    return tuple(code for code, n in counts.most_common(most) if n >= top * share)


def recognise(
    text: str,
    *,
    name: str,
    missions: Mapping[str, Iterable[str]] | None = None,
    countries: Mapping[str, Iterable[str]] | None = None,
    pages: int | None = None,
) -> ReadDocument:
    """What a text is: symbol, kind, title, date, language, missions and countries.

    ``name`` is the file's name (its stem may carry the symbol). ``missions`` and
    ``countries`` map codes to the names that stand for them in a text (the platform passes
    its missions and countries); a mission named by the file (its prefix, as in
    ``UNMIK_S_2004_613.txt``) is always kept.
    """
    if len(text.strip()) < 40:
        raise UnreadableDocument(f"{name}: no text in the file", field="file")
    head = text[:HEAD]
    stem = Path(name).stem
    symbol, implied = find_symbol(head, stem)
    kind = find_kind(head, implied)
    found_missions = list(find_mentions(text, missions or {}, minimum=2))
    by_file = _FILE_REPORT.match(stem)
    if by_file and by_file.group(1) not in found_missions:
        found_missions.insert(0, by_file.group(1))
    return ReadDocument(
        text=text,
        digest=digest_of(text),
        title=find_title(text, kind, symbol, stem.replace("_", " ")),
        kind=kind,
        symbol=symbol,
        date=find_date(head),
        language=find_language(text),
        missions=tuple(found_missions[:5]),
        countries=find_mentions(text, countries or {}, minimum=3),
        source_name=name,
        pages=pages,
    )


def read_document(
    path: Path,
    *,
    missions: Mapping[str, Iterable[str]] | None = None,
    countries: Mapping[str, Iterable[str]] | None = None,
) -> ReadDocument:
    """Read a file and recognise what it is (see ``recognise``)."""
    try:
        text, pages = read_text(path)
    except UnicodeError as exc:
        raise UnreadableDocument(f"{path.name}: unreadable text ({exc})", field="file") from exc
    return recognise(text, name=path.name, missions=missions, countries=countries, pages=pages)


def document_files(path: Path) -> list[Path]:
    """The files to ingest: the file itself, or every readable file below a folder."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"{path}: no such file or folder", field="path")
    return sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(".")
    )


__all__ = [
    "ReadDocument",
    "UnreadableDocument",
    "digest_of",
    "document_files",
    "find_date",
    "find_language",
    "find_mentions",
    "find_symbol",
    "read_document",
    "read_text",
    "recognise",
]
