"""Documentation generated from code must match the code (regenerate with `peaceops docs`)."""

from __future__ import annotations

import re
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


def test_deployment_files_name_real_settings_and_commands() -> None:
    """The server's environment file and units use only settings and commands that exist."""
    root = DOCS.parents[1]
    known = {f"PEACEOPS_{name.upper()}" for name in Settings.model_fields}
    env = (root / "deploy" / "peaceops.env.example").read_text()
    named = set(re.findall(r"^(PEACEOPS_[A-Z_]+)=", env, flags=re.MULTILINE))
    assert named and named <= known, named - known
    # The file must satisfy server mode once its two secrets are filled in.
    values = dict(line.split("=", 1) for line in env.splitlines() if line.startswith("PEACEOPS_"))
    assert values["PEACEOPS_MODE"] == "server" and values["PEACEOPS_COOKIE_SECURE"] == "true"
    commands = set(
        re.findall(
            r"/opt/peaceops/venv/bin/peaceops ([a-z-]+(?: [a-z-]+)?)",
            "".join(p.read_text() for p in (root / "deploy" / "systemd").glob("*.service")),
        )
    )
    assert commands == {"serve --workers", "backup", "alerts run"}
    reference = (root / "docs" / "reference" / "cli.md").read_text()
    for command in ("peaceops serve", "peaceops backup", "peaceops alerts run"):
        assert f"## `{command}`" in reference, command
