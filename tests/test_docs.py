"""Documentation generated from code must match the code (regenerate with `peaceops docs`)."""

from __future__ import annotations

from pathlib import Path

from peaceops.config import Settings, settings_reference
from peaceops.services.cli.reference import cli_reference

DOCS = Path(__file__).resolve().parents[1] / "docs" / "reference"


def test_settings_reference_is_current() -> None:
    assert (DOCS / "settings.md").read_text(encoding="utf-8") == settings_reference(), (
        "run: peaceops reference settings"
    )


def test_every_setting_is_described() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description and len(field.description) > 15, name


def test_cli_reference_is_current() -> None:
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == cli_reference(), (
        "run: peaceops reference cli"
    )
