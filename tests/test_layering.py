"""Layering: store, feeds and knowledge never import discord or cogs."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PURE_LAYERS = ("bot/store", "bot/feeds", "bot/knowledge")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_pure_layers_import_no_discord_or_cogs() -> None:
    offenders = []
    checked = 0
    for layer in PURE_LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            checked += 1
            for name in imported_modules(path):
                if name.split(".")[0] == "discord" or name.startswith("linernotes.cogs"):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert checked > 0
    assert offenders == []


def test_cogs_are_not_imported_by_the_core() -> None:
    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for name in imported_modules(path):
            if name.startswith("linernotes.cogs."):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_no_os_environ_in_cogs() -> None:
    for path in sorted((ROOT / "cogs").rglob("*.py")):
        assert "os.environ" not in path.read_text(encoding="utf-8"), path
