"""Layering: store, feeds and knowledge never import discord or cogs."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PURE_LAYERS = ("bot/store", "bot/feeds", "bot/knowledge")


def imported_modules(path: Path, *, runtime_only: bool = False) -> set[str]:
    """Return the modules ``path`` imports; with ``runtime_only`` not those under TYPE_CHECKING."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped: set[int] = set()
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
                skipped.update(id(n) for child in node.body for n in ast.walk(child))
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
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
                if name.split(".")[0] == "discord" or name.startswith("cogs"):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert checked > 0
    assert offenders == []


def test_cogs_are_not_imported_by_the_core() -> None:
    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for name in imported_modules(path):
            if name.startswith("cogs."):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_no_os_environ_in_cogs() -> None:
    for path in sorted((ROOT / "cogs").rglob("*.py")):
        assert "os.environ" not in path.read_text(encoding="utf-8"), path


def test_no_cog_imports_the_bot_module() -> None:
    # Cogs get the bot from discord.py and name its type only for the type checker.
    paths = sorted((ROOT / "cogs").rglob("*.py"))
    assert paths
    offenders = [
        str(path.relative_to(ROOT))
        for path in paths
        if "bot.app.client" in imported_modules(path, runtime_only=True)
    ]
    assert offenders == []
    typed = [p for p in paths if "bot.app.client" in imported_modules(p)]
    assert typed, "the cogs name LinerNotesBot for the type checker"
