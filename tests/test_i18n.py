"""Catalogues: every interface string is translated into French and Arabic."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from peaceops.services.web.i18n import LOCALE_DIR, load_catalogues, negotiate

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def catalogue(lang: str):  # type: ignore[no-untyped-def]
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def test_template_catalogue_is_current(tmp_path: Path) -> None:
    """Extracting again finds no string that messages.pot lacks (run scripts/i18n)."""
    out = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_",
            "-k",
            "N_",
            "-k",
            "ngettext:1,2",
            "--no-location",
            "-o",
            str(out),
            str(ROOT / "peaceops"),
        ],
        check=True,
        capture_output=True,
    )
    with out.open("rb") as handle:
        fresh = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    with (LOCALE_DIR / "messages.pot").open("rb") as handle:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert fresh - known == set(), "new strings: run scripts/i18n and translate them"


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_every_string_is_translated_with_its_placeholders(lang: str) -> None:
    with (LOCALE_DIR / "messages.pot").open("rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    cat = catalogue(lang)
    done = {}
    for message in cat:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings) and not message.fuzzy, f"{lang}: untranslated {key!r}"
        for s in strings:
            assert set(PLACEHOLDER.findall(s)) <= set(PLACEHOLDER.findall(key)) | {"num"}, (
                f"{lang}: placeholders differ in {key!r}"
            )
        done[key] = strings
    assert wanted - set(done) == set(), f"{lang}: missing {sorted(wanted - set(done))[:5]}"


def test_catalogues_compile_and_translate() -> None:
    languages = load_catalogues()
    assert languages["fr"].gettext("Log in") != "Log in"
    assert languages["ar"].direction == "rtl" and languages["fr"].direction == "ltr"
    assert "3" in languages["ar"].ngettext("%(num)d entry", "%(num)d entries", 3)


def test_accept_language_negotiation() -> None:
    assert negotiate("fr-CH, fr;q=0.9, en;q=0.8", "en") == "fr"
    assert negotiate("de-DE,de;q=0.9", "en") == "en"
    assert negotiate("en;q=0.2, ar;q=0.9", "fr") == "ar"
    assert negotiate(None, "fr") == "fr"
