"""The command line: init, demo, users, import/export, exit codes, on both engines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import TestDatabase, shared_file
from peaceops.services.cli.app import app

runner = CliRunner()


def run(db_url: str, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--database-url", db_url, *args], input=input)


def test_init_creates_schema_countries_and_a_first_admin(empty_db: TestDatabase) -> None:
    result = run(empty_db.url, "init", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["admin"] == "admin" and len(report["one_time_password"]) >= 10
    assert report["countries"] >= 249
    again = json.loads(run(empty_db.url, "init", "--json").stdout)
    assert again["one_time_password"] is None  # never a second admin


def test_demo_no_serve_loads_the_scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PEACEOPS_DATABASE_URL", raising=False)
    result = runner.invoke(app, ["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "peaceops-demo.db").exists()
    assert "peace-in-carana" in result.output and "civil_society" in result.output
    second = runner.invoke(app, ["demo", "--no-serve"])
    assert second.exit_code == 0 and "loaded already" in second.output
    listed = runner.invoke(
        app, ["--database-url", f"sqlite:///{tmp_path}/peaceops-demo.db", "users", "list", "--json"]
    )
    assert {u["username"] for u in json.loads(listed.stdout)} == {
        "admin",
        "analyst",
        "partner",
        "civil",
        "viewer",
        "handler",
    }


def test_commands_refuse_an_unmigrated_database(empty_db: TestDatabase) -> None:
    result = run(empty_db.url, "users", "list")
    assert result.exit_code == 7
    assert "peaceops db upgrade" in result.output


def test_db_upgrade_and_current(empty_db: TestDatabase) -> None:
    assert run(empty_db.url, "db", "current").exit_code == 1
    assert run(empty_db.url, "db", "upgrade").exit_code == 0
    current = run(empty_db.url, "db", "current", "--json")
    assert json.loads(current.stdout)["up_to_date"] is True


def test_users_add_and_token(db: TestDatabase) -> None:
    added = run(
        db.url, "users", "add", "monitor", "--role", "partner", "--organisation", "WFM", "--json"
    )
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["role"] == "partner"
    token = run(db.url, "users", "token", "monitor", "--name", "sync")
    assert token.exit_code == 0 and "po_" in token.stdout
    wrong_role = run(db.url, "users", "add", "x.y", "--role", "superuser")
    assert wrong_role.exit_code == 3 and "unknown role" in wrong_role.output
    no_org = run(db.url, "users", "add", "x.y", "--role", "partner", "--organisation", "Nobody")
    assert no_org.exit_code == 4


def test_users_set_password_prompts_twice(db: TestDatabase) -> None:
    result = run(
        db.url, "users", "set-password", "viewer", input="a-brand-new-pass\na-brand-new-pass\n"
    )
    assert result.exit_code == 0, result.output
    assert db.platform.accounts.authenticate("viewer", "a-brand-new-pass").username == "viewer"
    differ = run(db.url, "users", "set-password", "viewer", input="one-password-1\nother-pass-2\n")
    assert differ.exit_code == 3


def test_import_boundaries_reports_and_is_idempotent(db: TestDatabase) -> None:
    source = shared_file("natural-earth/ne_10m_admin_1_target8_from_ems.geojson")
    first = run(db.url, "import", "boundaries", str(source), "--country", "SLE", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["created"] > 0
    second = json.loads(
        run(db.url, "import", "boundaries", str(source), "--country", "SLE", "--json").stdout
    )
    assert second["created"] == second["updated"] == 0


def test_import_errors_exit_3_and_name_the_feature(db: TestDatabase, tmp_path: Path) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"shapeName": "Ok", "shapeID": "A"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]],
                        },
                    },
                    {
                        "type": "Feature",
                        "properties": {"shapeName": "Broken", "shapeID": "B"},
                        "geometry": None,
                    },
                ],
            }
        )
    )
    result = run(db.url, "import", "boundaries", str(path), "--country", "XCA")
    assert result.exit_code == 3
    assert "feature 2 (Broken)" in result.output and "'geometry'" in result.output
    unknown = run(db.url, "import", "boundaries", str(path), "--country", "QQQ")
    assert unknown.exit_code == 3 and "--country" in unknown.output


def test_export_boundaries_and_audit(db: TestDatabase, tmp_path: Path) -> None:
    out = tmp_path / "xca.geojson"
    assert run(db.url, "export", "boundaries", "--country", "XCA", "--out", str(out)).exit_code == 0
    assert len(json.loads(out.read_text())["features"]) == 28  # 8 regions + 20 districts
    audit = tmp_path / "audit.csv"
    assert run(db.url, "export", "audit", "--out", str(audit), "--limit", "10").exit_code == 0
    assert len(audit.read_text().splitlines()) == 11


def test_every_command_has_help() -> None:
    import typer.main

    root = typer.main.get_command(app)
    seen = []

    def walk(command, path: str) -> None:  # type: ignore[no-untyped-def]
        seen.append(path)
        assert (command.help or "").strip(), f"{path} has no help"
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(root, "peaceops")
    assert "peaceops import boundaries" in seen and len(seen) > 15


def test_help_is_fast_and_light() -> None:
    """`peaceops --help` must not drag in the web stack or the database layer."""
    code = (
        "import sys; from peaceops.services.cli.app import app; "
        "heavy = [m for m in ('fastapi', 'sqlalchemy', 'shapely', 'uvicorn') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
