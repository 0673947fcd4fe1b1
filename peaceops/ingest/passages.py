"""Splitting a document's text into passages: numbered paragraphs with their headings.

UN documents number their paragraphs, and practitioners cite them that way ("S/2004/300,
paragraph 32"), so a passage is a numbered paragraph wherever the text has numbers, and a
paragraph between blank lines (or a long line, in files that keep one paragraph per line)
elsewhere. The text of reports converted from PDF keeps the page furniture (job numbers,
bar codes, the symbol repeated on every page, page numbers) and wraps lines: both are undone
here. Headings ("III. Security sector reform", "A. Police") are kept with each passage.

Numbers must follow each other: a line starting "12." counts as paragraph 12 only after
paragraph 11, as a restart at 1 (an annex, a numbered list), or as the continuation of the
highest number seen (the main text after such a list), so amounts and list items at the start
of a wrapped line are not taken for paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 2_000
"""A longer paragraph is cut at sentence ends into parts of about this size (the embedding
model reads 256 word pieces, about 1,000 characters; full-text search has no limit)."""
FRONT_MATTER = 160
"""Unnumbered blocks shorter than this at the top of a numbered document, before its first
heading, numbered paragraph or long block, are its front matter."""
MIN_CHARS = 25
"""Shorter unnumbered blocks (signatures, stray page numbers) are not passages."""

_NUMBERED = re.compile(r"^\s*(\d{1,3})\.(?:\s+|\t)(\S.*)$")
_ROMAN = re.compile(r"^\s*([IVXL]{1,6})\.\s+(\S.{0,150})$")
_LETTER = re.compile(r"^\s*([A-H])\.\s+(\S.{0,150})$")
_FURNITURE = (
    re.compile(r"^\s*\d{2}-\d{4,6}\s*(\([A-Z]\))?(\s+\d{6})?(\s+\d{6})?\s*$"),  # job number
    re.compile(r"^\s*\*\s?\d{6,8}\s?\*\s*$"),  # bar code text
    re.compile(r"^\s*(S|A)/(RES/)?[\d/A-Z.\-]+(\s*\(\d{4}\))?\s*$"),  # symbol alone
    re.compile(r"^\s*\d{1,3}\s*$"),  # page number
    re.compile(r"^\s*\d{1,3}/\d{1,3}\s*$"),  # page n/m
    re.compile(r"^\s*(Page\s+)?\d{1,3}\s*(of\s+\d{1,3})?\s*$", re.IGNORECASE),
)
_SENTENCE_END = re.compile(r"(?<=[.;:])\s+(?=[A-Z(])")
# A running head or foot mixes these: job number, "(E)", print date, page n or n/m, symbol.
_FURNITURE_TOKEN = re.compile(
    r"^(\d{2}-\d{4,6}|\([A-Z]\)|\d{6}|\d{1,3}|\d{1,3}/\d{1,3}|[SA]/[\w/.()\-]+|\*\d+\*|/\.\.\.)$"
)
_FURNITURE_MARK = re.compile(r"^(\d{2}-\d{4,6}|\d{1,3}/\d{1,3}|[SA]/[\w/.()\-]+)$")
_ANNEX = re.compile(
    r"^\s*(Annex|ANNEX|Annexe|ANNEXE|Appendix|APPENDIX|Enclosure|ENCLOSURE)"
    r"(\s+[IVXL]{1,5}|\s+\d{1,2})?(\s*[:.\-–]\s*\S.{0,100})?\s*$"
)


@dataclass(frozen=True, slots=True)
class RawPassage:
    """One passage as found in the text, before it is stored."""

    ordinal: int
    """Position in the document, from 1."""
    text: str
    number: str | None = None
    """The paragraph's own number, with the part when a long one is cut (``"12"``,
    ``"12.2"``), or None for unnumbered text."""
    heading: str = ""
    """The headings above it, outermost first, joined by " › "."""


def _is_furniture(line: str) -> bool:
    if any(p.match(line) for p in _FURNITURE):
        return True
    tokens = line.split()
    return (
        1 < len(tokens) <= 6
        and all(_FURNITURE_TOKEN.match(t) for t in tokens)
        and any(_FURNITURE_MARK.match(t) for t in tokens)
    )


def _join(lines: list[str]) -> str:
    """Wrapped lines as one paragraph: a line ending in a hyphen joins the next directly."""
    out = ""
    for raw in lines:
        piece = " ".join(raw.split())
        if not piece:
            continue
        if not out:
            out = piece
        elif out.endswith("-") and not out.endswith(" -"):
            out += piece
        else:
            out += " " + piece
    return out


def _cut(text: str) -> list[str]:
    """A long paragraph in parts of about ``MAX_CHARS``, at sentence ends where possible."""
    if len(text) <= MAX_CHARS:
        return [text]
    parts: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        if current and len(current) + 1 + len(sentence) > MAX_CHARS:
            parts.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
        while len(current) > MAX_CHARS * 1.5:  # one endless sentence: cut at a space
            at = current.rfind(" ", 0, MAX_CHARS)
            at = at if at > 0 else MAX_CHARS
            parts.append(current[:at])
            current = current[at:].lstrip()
    if current:
        parts.append(current)
    return parts


def split_passages(text: str) -> list[RawPassage]:
    """The passages of a document's text, in order.

    >>> text = '''I. Introduction
    ...     1.   The present report covers
    ...     the period.
    ... 18-03983 (E)
    ... *1803983*
    ...     2.   The police grew to 15,000
    ...     officers in 2017.
    ... II. Police
    ...     3.   Vetting continued.'''
    >>> [(p.number, p.heading, p.text) for p in split_passages(text)]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('1', 'I. Introduction', 'The present report covers the period.'),
     ('2', 'I. Introduction', 'The police grew to 15,000 officers in 2017.'),
     ('3', 'II. Police', 'Vetting continued.')]
    """
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    found: list[tuple[str | None, str, str]] = []  # (number, heading, text)
    roman = letter = ""
    last = highest = 0
    number: str | None = None
    block: list[str] = []
    pending_heading = False

    def heading() -> str:
        return " › ".join(h for h in (roman, letter) if h)

    def flush() -> None:
        nonlocal block, number
        if not block:
            return
        if number is not None:
            body = _join(block)
            if body:
                found.append((number, heading(), body))
        else:
            # Unnumbered text: a file with one paragraph per line keeps its lines apart.
            long_lines = [b for b in block if len(b.strip()) > 200]
            if len(block) > 1 and len(long_lines) >= len(block) / 2:
                groups = [[b] for b in block]
            else:
                groups = [block]
            for group in groups:
                body = _join(group)
                if len(body) >= MIN_CHARS:
                    found.append((None, heading(), body))
        block = []
        number = None

    for line in lines:
        if _is_furniture(line):
            continue
        if not line.strip():
            if number is None:
                flush()
            pending_heading = False
            continue
        numbered = _NUMBERED.match(line)
        n = int(numbered.group(1)) if numbered else 0
        if numbered and n in (last + 1, 1, highest + 1):
            flush()
            last = n
            highest = max(highest, n)
            number = numbered.group(1)
            block = [numbered.group(2)]
            pending_heading = False
            continue
        if _ANNEX.match(line) and highest:
            # An annex (tables, lists, maps) is not the last paragraph's continuation.
            flush()
            roman, letter = " ".join(line.split()), ""
            last = 0
            pending_heading = True
            continue
        is_roman = _ROMAN.match(line)
        is_letter = _LETTER.match(line) if not is_roman else None
        if (is_roman or is_letter) and len(line.strip()) < 120:
            flush()
            match = is_roman or is_letter
            assert match is not None
            title = f"{match.group(1)}. {' '.join(match.group(2).split())}"
            if is_roman:
                roman, letter = title, ""
            else:
                letter = title
            pending_heading = True
            continue
        if pending_heading and number is None and not block and len(line.strip()) < 80:
            # A heading wrapped onto a second line.
            if letter:
                letter = f"{letter} {' '.join(line.split())}"
            else:
                roman = f"{roman} {' '.join(line.split())}"
            continue
        pending_heading = False
        block.append(line)
    flush()

    # Front matter (the organ, the symbol, the distribution line, the date, the title) comes
    # before the first heading or numbered paragraph in short blocks: not passages to search.
    # Only at the very top: once a long block has come, short ones are text (a resolution's
    # short preambular paragraphs, "Acting under Chapter VII ...").
    if any(num is not None for num, _, _ in found):
        first = next(i for i, (num, head, _) in enumerate(found) if num is not None or head)
        long = next((i for i, f in enumerate(found) if len(f[2]) >= FRONT_MATTER), first)
        first = min(first, long)
        found = [f for i, f in enumerate(found) if i >= first]
    passages: list[RawPassage] = []
    for num, head, body in found:
        parts = _cut(body)
        for k, part in enumerate(parts, start=1):
            label = num if num is None or len(parts) == 1 else f"{num}.{k}"
            passages.append(RawPassage(len(passages) + 1, part, label, head))
    return passages


__all__ = ["MAX_CHARS", "RawPassage", "split_passages"]
