"""Issue 13.1: a process killed (SIGKILL) at any step of a bundled load loses nothing.

Each case runs the load in a subprocess that kills itself right after one step, then
opens the database again as the next start would and checks the result.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys
import textwrap
from pathlib import Path

import pytest

from bot.knowledge.importers.bundled import bundled_catalog_dir, ensure_bundled_loaded
from bot.store import Store
from bot.store import catalog as db
from tests.support.catalog import snapshot

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")

# Runs ensure_bundled_loaded (or reimport_catalog) and SIGKILLs itself after one step.
KILLER = textwrap.dedent(
    """
    import asyncio, importlib, os, signal, sys
    from bot.knowledge.importers import bundled
    from bot.store import Store
    from bot.store import snapshot as snapshot_db

    path, action, step = sys.argv[1:4]

    def dying_after(name, real):
        async def run(*args, **kwargs):
            result = await real(*args, **kwargs)
            if name == step:
                os.kill(os.getpid(), signal.SIGKILL)
            return result
        return run

    # The bundled load imports its importers when it runs: patch them where they live.
    catalog = importlib.import_module("bot.knowledge.importers.catalog")
    kpopnet = importlib.import_module("bot.knowledge.importers.kpopnet")
    catalog.import_catalog = dying_after("catalog", catalog.import_catalog)
    kpopnet.import_kpopnet = dying_after("kpopnet", kpopnet.import_kpopnet)
    copied_tables = snapshot_db._copied_tables

    def dying_midway(conn):
        # The snapshot's copy, killed half-way through its tables (inside its transaction).
        tables = copied_tables(conn)
        for index, table in enumerate(tables):
            if step == "copying" and index == len(tables) // 2:
                os.kill(os.getpid(), signal.SIGKILL)
            yield table

    snapshot_db._copied_tables = dying_midway

    async def main():
        store = await Store.open(path)
        if action == "first start":
            # The importers' steps (use_snapshot=False), or the snapshot's copy.
            snapshot = step in ("copying", "committed")
            await bundled.ensure_bundled_loaded(store, use_snapshot=snapshot)
        else:
            await bundled.reimport_catalog(store, [bundled.bundled_catalog_dir()])
        if step == "committed":
            os.kill(os.getpid(), signal.SIGKILL)
        await store.close()

    asyncio.run(main())
    """
)


async def run_and_kill(path: Path, action: str, step: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", KILLER, str(path), action, step
    )
    assert await process.wait() == -signal.SIGKILL


async def counts(path: Path) -> tuple[int, int]:
    store = await Store.open(path)
    try:
        return await db.count_entities(store), await db.count_entities(store, origin="kpopnet")
    finally:
        await store.close()


async def test_a_first_start_killed_at_any_step_ends_complete(tmp_path: Path) -> None:
    # The importers' path is one transaction (bundled._one_unit): killed after its first step
    # here, after its last one in the reimport test below. The snapshot's path is killed
    # half-way through its copy and after its commit.
    steps = ("catalog", "copying", "committed")
    await asyncio.gather(*(run_and_kill(tmp_path / f"{s}.db", "first start", s) for s in steps))
    full = await counts(tmp_path / "committed.db")  # killed after the commit: complete
    assert full[0] > 1000 and full[1] > 500
    for step in steps:
        path = tmp_path / f"{step}.db"
        left = await counts(path)
        assert left in ((0, 0), full), step  # all or nothing, never the catalog alone
        store = await Store.open(path)  # the next start
        await ensure_bundled_loaded(store)
        await store.close()
        assert await counts(path) == full, step


async def test_import_catalog_killed_before_its_commit_changes_nothing(
    template_db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    shutil.copy(template_db, path)  # the bundled data loaded (the test above kills that load)
    store = await Store.open(path)
    before = await snapshot(store)
    await store.close()
    # Killed after kpopnet: every row written, none committed (the first start's test kills
    # the same transaction after its first step).
    await run_and_kill(path, "import catalog", "kpopnet")
    store = await Store.open(path)
    try:
        assert await snapshot(store) == before
    finally:
        await store.close()


async def test_an_older_versions_cut_off_load_is_completed_once(
    migrated_db: Path, tmp_path: Path
) -> None:
    """A database an older version left with the bundled catalog and no kpopnet."""
    from bot.knowledge.importers.catalog import import_catalog

    path = tmp_path / "old.db"
    shutil.copy(migrated_db, path)  # migrated once per run (tests/conftest.py)
    store = await Store.open(path)
    try:
        await import_catalog(store, [bundled_catalog_dir()])
        assert await db.count_entities(store, origin="kpopnet") == 0
        reports = await ensure_bundled_loaded(store)
        assert [r.origin for r in reports] == ["kpopnet"]
        assert await db.count_entities(store, origin="kpopnet") > 500
        assert await ensure_bundled_loaded(store) == []
    finally:
        await store.close()
