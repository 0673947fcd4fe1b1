"""Settings: typed, validated, read from PEACEOPS_* variables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from peaceops.config import PLACEHOLDER_SECRET, Settings, load_settings
from peaceops.errors import ConfigError
from peaceops.services.cli.app import app
from peaceops.storage.crypto import FieldCipher


def test_defaults_are_a_laptop_with_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PEACEOPS_DATABASE_URL", "PEACEOPS_MODE", "PEACEOPS_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.is_sqlite and settings.mode == "dev" and settings.default_language == "en"


def test_server_mode_refuses_the_placeholder_secret() -> None:
    with pytest.raises(ConfigError, match="placeholder"):
        load_settings(mode="server", cookie_secure=True)
    with pytest.raises(ConfigError, match="32 characters"):
        load_settings(mode="server", cookie_secure=True, secret_key="short")
    with pytest.raises(ConfigError, match="DATA_KEY"):
        load_settings(mode="server", cookie_secure=True, secret_key="x" * 40)
    key = Fernet.generate_key().decode()
    with pytest.raises(ConfigError, match="COOKIE_SECURE"):
        load_settings(mode="server", secret_key="x" * 40, data_key=key)
    ok = load_settings(mode="server", cookie_secure=True, secret_key="k" * 48, data_key=key)
    assert ok.secret_key.get_secret_value() != PLACEHOLDER_SECRET


def test_personal_data_cipher_round_trips_rotates_and_refuses_a_wrong_key() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = FieldCipher(load_settings(data_key=old).data_keys())
    token = before.encrypt("Amara Kessi")
    assert "Amara" not in token
    rotated = FieldCipher(load_settings(data_key=f"{new},{old}").data_keys())
    assert rotated.decrypt(token) == "Amara Kessi"
    assert FieldCipher([new.encode()]).decrypt(rotated.encrypt("x")) == "x"
    with pytest.raises(ConfigError, match="cannot be decrypted"):
        FieldCipher([new.encode()]).decrypt(token)
    with pytest.raises(ConfigError, match="Fernet keys"):
        FieldCipher([b"not-a-key"])
    derived = load_settings(secret_key="s" * 40).data_keys()
    assert derived == load_settings(secret_key="s" * 40).data_keys() != [old.encode()]


def test_environment_variables_are_read_and_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEACEOPS_DEFAULT_LANGUAGE", "ar")
    monkeypatch.setenv("PEACEOPS_DATABASE_URL", "postgresql://u@db/peace")
    settings = load_settings()
    assert settings.default_language == "ar"
    assert settings.database_url == "postgresql+psycopg://u@db/peace"
    monkeypatch.setenv("PEACEOPS_DATABASE_URL", "mysql://u@db/x")
    with pytest.raises(ConfigError, match="PEACEOPS_DATABASE_URL"):
        load_settings()
    monkeypatch.setenv("PEACEOPS_DATABASE_URL", "sqlite:///x.db")
    monkeypatch.setenv("PEACEOPS_PORT", "99999")
    with pytest.raises(ConfigError, match="PEACEOPS_PORT"):
        load_settings()


def test_database_url_variable_points_every_command_elsewhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = tmp_path / "elsewhere.db"
    monkeypatch.setenv("PEACEOPS_DATABASE_URL", f"sqlite:///{target}")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    demo = runner.invoke(app, ["demo", "--no-serve"])  # the demo honours it
    assert demo.exit_code == 0, demo.output
    assert target.exists() and not (tmp_path / "peaceops-demo.db").exists()
    users = json.loads(runner.invoke(app, ["users", "list", "--json"]).stdout)
    assert {"admin", "analyst"} <= {u["username"] for u in users}


def test_demo_refuses_a_database_with_clashing_records_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PEACEOPS_DATABASE_URL", f"sqlite:///{tmp_path / 'mine.db'}")
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0  # creates the user "admin"
    before = json.loads(runner.invoke(app, ["db", "current", "--json"]).stdout)
    demo = runner.invoke(app, ["demo", "--no-serve"])
    assert demo.exit_code == 6 and "already has admin" in demo.output
    assert json.loads(runner.invoke(app, ["db", "current", "--json"]).stdout) == before
    countries = runner.invoke(
        app, ["export", "boundaries", "--country", "XCA", "--out", str(tmp_path / "x.geojson")]
    )
    assert countries.exit_code == 4  # Carana was not written
