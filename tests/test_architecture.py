"""The layers: domain <- storage, ingest, analytics, reports, scenario <- platform <- services.

An AST scan forbids imports against the flow; a subprocess probe checks that the domain stays
free of heavy libraries.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "peaceops"

# What each layer may import from within peaceops (besides itself).
ALLOWED: dict[str, set[str]] = {
    "domain": {"errors"},
    "storage": {"domain", "errors"},
    "ingest": {"domain", "errors"},
    "analytics": {"domain", "errors"},
    "reports": {"domain", "errors"},
    "scenario": {"domain", "errors"},
    "frameworks": set(),
    "platform": {
        "domain",
        "errors",
        "config",
        "storage",
        "ingest",
        "analytics",
        "reports",
        "scenario",
    },
    "config": {"errors"},
    "errors": set(),
}
# The outer layer may use everything the platform uses, the platform, and the package root.
ALLOWED["services"] = ALLOWED["platform"] | {"platform", "__init__"}


def layer_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0].removesuffix(".py")


def imported_layers(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "peaceops":
                names = [f"peaceops.{a.name}" for a in node.names]
        for name in names:
            if name == "peaceops":
                found.add(("__init__", node.lineno))
            elif name.startswith("peaceops."):
                found.add((name.split(".")[1], node.lineno))
    return found


SOURCES = sorted(
    p
    for p in PACKAGE.rglob("*.py")
    if ("migrations" not in p.parts and p.parent != PACKAGE) or p.name in ("config.py", "errors.py")
)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_layers(path: Path) -> None:
    layer = layer_of(path)
    assert layer in ALLOWED, f"{layer} is not a known layer: add it to ARCHITECTURE.md and here"
    for target, line in imported_layers(path):
        if target == layer:
            continue
        assert target in ALLOWED[layer], (
            f"{path.relative_to(PACKAGE)}:{line} imports peaceops.{target}, against the flow "
            f"({layer} may use {sorted(ALLOWED[layer])})"
        )


def test_domain_loads_no_heavy_library() -> None:
    code = (
        "import sys, peaceops.domain; "
        "print(sorted(m for m in ('sqlalchemy', 'fastapi', 'pandas', 'polars', 'shapely', "
        "'pydantic', 'jinja2', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_folder_named_after_nothing() -> None:
    vague = {"utils", "helpers", "managers", "modules", "misc", "common"}
    folders = {p.name for p in PACKAGE.rglob("*") if p.is_dir()}
    assert folders & vague == set()
