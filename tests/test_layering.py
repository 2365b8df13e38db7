"""Layering: imports go one way (CONTRIBUTING.md, "Layers"), and no module imports itself back."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Top to bottom: a module may import its own layer and any layer below it, never one above.
# bot.knowledge and bot.feeds share a layer but do not import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("bot.app",),
    ("cogs",),
    ("bot.discord_io",),
    ("bot.knowledge", "bot.feeds"),
    ("bot.store",),
    ("bot.core",),
)
# The only import against the order: cogs name the Bot's type for the type checker.
TYPE_ONLY_EXCEPTIONS = {("cogs", "bot.app.client")}
# Layers that never import discord.py.
NO_DISCORD = ("bot.knowledge", "bot.feeds", "bot.store", "bot.core")
# Cycles left to another branch: the /ask rewrite removes this one (then delete the entry).
KNOWN_CYCLES: set[tuple[str, str]] = set()
KNOWN_SQL_OUTSIDE_STORE: set[str] = set()
SQL = re.compile(
    r"\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|SAVEPOINT|ROLLBACK|RELEASE|"
    r"WITH|BEGIN|REPLACE)\s"
)


@dataclass(frozen=True, slots=True)
class Import:
    """One import statement's target, as a dotted module (or module.name) path."""

    name: str
    line: int
    type_only: bool


def module_name(path: Path, root: Path) -> str:
    """Return the dotted name of the module at ``path`` (a package is its ``__init__``)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache
def parsed(path: Path) -> ast.Module:
    """Return the syntax tree of ``path`` (parsed once: several checks read every file)."""
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _names_type_checking(test: ast.expr) -> bool:
    """Tell whether an ``if`` tests ``TYPE_CHECKING`` (``typing.TYPE_CHECKING`` too)."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


# The fields that hold nested statements (function and class bodies, branches, handlers, cases):
# imports are statements, so only these are walked, not the expressions that make up most of
# a module's nodes (a full ast.walk of bot/ and cogs/ costs as much CPU as parsing them).
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _statements(nodes: list[ast.AST], type_only: bool) -> Iterator[tuple[ast.AST, bool]]:
    """Yield every statement in ``nodes`` and the blocks nested in them, with whether it is
    inside an ``if TYPE_CHECKING:`` body."""
    for node in nodes:
        yield node, type_only
        for block in _BLOCKS:
            inner = getattr(node, block, None)
            if isinstance(inner, list) and inner and not isinstance(inner[0], ast.expr):
                guarded = type_only or (
                    block == "body" and isinstance(node, ast.If) and _names_type_checking(node.test)
                )
                yield from _statements(inner, guarded)


@functools.cache
def imports_of(path: Path) -> list[Import]:
    """Return every absolute import in ``path``, lazy ones included, flagging TYPE_CHECKING ones.

    Cached (several checks ask for every file's imports): callers read the list, never change it.
    """
    found: list[Import] = []
    for node, type_only in _statements(parsed(path).body, False):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found.extend(Import(name, node.lineno, type_only) for name in names)
    return sorted(found, key=lambda i: (i.line, i.name))


def layer_of(name: str) -> int | None:
    """Return the index in LAYERS of the layer ``name`` belongs to (None: not a layered module)."""
    for index, layer in enumerate(LAYERS):
        if any(name == pkg or name.startswith(f"{pkg}.") for pkg in layer):
            return index
    return None


def package_of(name: str) -> str:
    """Return the layer package ``name`` is in (``bot.store``, ``cogs``...)."""
    return next(
        pkg for layer in LAYERS for pkg in layer if name == pkg or name.startswith(f"{pkg}.")
    )


def source_files(root: Path) -> list[Path]:
    """Return every Python file of the bot (bot/ and cogs/), sorted."""
    return sorted([*(root / "bot").rglob("*.py"), *(root / "cogs").rglob("*.py")])


def layering_violations(root: Path) -> list[str]:
    """Return every import that goes against LAYERS, or across the knowledge/feeds divide."""
    offenders = []
    for path in source_files(root):
        source = module_name(path, root)
        own = layer_of(source)
        if own is None:
            continue
        for imp in imports_of(path):
            target = layer_of(imp.name)
            if target is None:
                continue
            if imp.type_only and any(
                source.startswith(s) and imp.name.startswith(t) for s, t in TYPE_ONLY_EXCEPTIONS
            ):
                continue
            sideways = target == own and package_of(source) != package_of(imp.name)
            if target < own or sideways:
                offenders.append(f"{path.relative_to(root)}:{imp.line} imports {imp.name}")
    return offenders


def import_cycles(root: Path) -> set[tuple[str, ...]]:
    """Return the modules of bot/ and cogs/ that import each other, directly or round a loop.

    Lazy (function-level) imports count: they hide a cycle, they do not remove it. Imports
    under TYPE_CHECKING do not run, so they do not count.
    """
    paths = {module_name(path, root): path for path in source_files(root)}

    def resolve(name: str) -> str | None:
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        targets = {resolve(i.name) for i in imports_of(path) if not i.type_only}
        graph[module] = {t for t in targets if t is not None and t != module}

    # Tarjan's strongly connected components, iteratively; a component of two or more is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: set[tuple[str, ...]] = set()
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.add(tuple(sorted(component)))
    return cycles


def test_imports_go_one_way_through_the_layers() -> None:
    assert len(source_files(ROOT)) > 50
    assert layering_violations(ROOT) == []


def test_every_module_of_bot_is_in_a_layer() -> None:
    # A loose module in bot/ would belong to no layer and escape the check above.
    loose = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot").glob("*.py")
        if path.name not in ("__init__.py", "__main__.py")
    )
    assert loose == []
    unlayered = sorted(
        module_name(p, ROOT) for p in source_files(ROOT) if layer_of(module_name(p, ROOT)) is None
    )
    assert unlayered == ["bot", "bot.__main__"]


def test_the_lower_layers_import_no_discord() -> None:
    offenders = []
    checked = 0
    for path in source_files(ROOT):
        if not module_name(path, ROOT).startswith(NO_DISCORD):
            continue
        checked += 1
        for imp in imports_of(path):
            if imp.name.split(".")[0] == "discord":
                offenders.append(f"{path.relative_to(ROOT)}:{imp.line} imports {imp.name}")
    assert checked > 0
    assert offenders == []


def test_no_import_cycles() -> None:
    assert import_cycles(ROOT) <= KNOWN_CYCLES


def sql_outside_the_store(root: Path) -> list[str]:
    """Return every string that starts like an SQL statement in bot/ or cogs/ but not bot/store."""
    found = []
    for path in source_files(root):
        if module_name(path, root).startswith("bot.store"):
            continue
        for node in ast.walk(parsed(path)):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and SQL.match(node.value)
            ):
                found.append(f"{path.relative_to(root).as_posix()}:{node.lineno}")
    return sorted(found)


def test_sql_only_in_the_store() -> None:
    files = {place.partition(":")[0] for place in sql_outside_the_store(ROOT)}
    assert files <= KNOWN_SQL_OUTSIDE_STORE, sorted(files - KNOWN_SQL_OUTSIDE_STORE)


def test_no_os_environ_in_cogs() -> None:
    for path in sorted((ROOT / "cogs").rglob("*.py")):
        assert "os.environ" not in path.read_text(encoding="utf-8"), path


def test_no_cog_imports_the_bot_module() -> None:
    # Cogs get the bot from discord.py and name its type only for the type checker.
    paths = sorted((ROOT / "cogs").rglob("*.py"))
    assert paths
    at_run_time = [
        f"{path.relative_to(ROOT)}:{imp.line}"
        for path in paths
        for imp in imports_of(path)
        if imp.name.startswith("bot.app") and not imp.type_only
    ]
    assert at_run_time == []
    typed = [p for p in paths if any(i.name.startswith("bot.app.client") for i in imports_of(p))]
    assert typed, "the cogs name LinerNotesBot for the type checker"


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_checks_catch_an_upward_import_a_sideways_one_and_a_cycle(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/core/__init__.py": "",
            "bot/core/settings.py": "from bot.store.core import Store\n",
            "bot/store/__init__.py": "",
            "bot/store/core.py": "from bot.core import settings\n",
            "bot/feeds/__init__.py": "",
            "bot/feeds/poll.py": "def f():\n    from bot.knowledge import search\n",
            "bot/feeds/seen.py": 'Q = "SELECT 1"\nNOTE = "Selected feeds"\n',
            "bot/knowledge/__init__.py": "",
            "bot/knowledge/search.py": "from bot.store.core import Store\n",
            "cogs/__init__.py": "",
            "cogs/ask.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from bot.app.client import LinerNotesBot\n"
            ),
        },
    )
    assert layering_violations(root) == [
        "bot/core/settings.py:1 imports bot.store.core.Store",
        "bot/feeds/poll.py:2 imports bot.knowledge.search",
    ]
    assert import_cycles(root) == {("bot.core.settings", "bot.store.core")}
    assert sql_outside_the_store(root) == ["bot/feeds/seen.py:1"]
