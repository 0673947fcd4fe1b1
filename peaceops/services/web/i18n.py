"""Interface languages: gettext catalogues compiled from the .po files at start-up.

Catalogues live in ``peaceops/locale/<lang>/LC_MESSAGES/messages.po``; ``scripts/i18n``
extracts new strings with Babel. English is the source language; French and Arabic are
complete (a test fails on a missing translation) and Arabic pages are laid out right-to-left.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from peaceops.config import LANGUAGES

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"
RTL = frozenset({"ar"})
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "ar": "العربية"}


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (translated when shown)."""
    return message


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    translations: NullTranslations

    @property
    def direction(self) -> str:
        return "rtl" if self.code in RTL else "ltr"

    def gettext(self, message: str, **values: Any) -> str:
        text = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        text = self.translations.ngettext(singular, plural, n)
        return text % {"num": n, **values}


def load_catalogues() -> dict[str, Language]:
    languages = {"en": Language("en", NullTranslations())}
    for code in LANGUAGES:
        if code == "en":
            continue
        po = LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=code)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        languages[code] = Language(code, Translations(fp=buffer))
    return languages


def negotiate(accept_language: str | None, default: str) -> str:
    """The best supported language from an Accept-Language header."""
    if not accept_language:
        return default
    choices = []
    for part in accept_language.split(","):
        piece = part.strip().split(";")
        tag = piece[0].strip().lower()[:2]
        quality = 1.0
        for param in piece[1:]:
            if param.strip().startswith("q="):
                try:
                    quality = float(param.strip()[2:])
                except ValueError:
                    quality = 0.0
        if tag in LANGUAGES:
            choices.append((quality, tag))
    return max(choices)[1] if choices else default
