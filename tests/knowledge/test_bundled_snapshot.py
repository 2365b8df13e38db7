"""The bundled snapshot: exactly the importers' rows, and never loaded when stale."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.app.snapshot import main as snapshot_main
from bot.knowledge.importers import import_catalog
from bot.knowledge.importers.bundled import bundled_data_dir, ensure_bundled_loaded
from bot.knowledge.importers.report import ImportReport, Progress
from bot.knowledge.importers.snapshot import (
    fingerprint,
    is_current,
    load_snapshot,
    snapshot_paths,
)
from bot.store import Store
from bot.store import catalog as db
from bot.store.catalog.rows import NameInsert
from tests.support import catalog
from tests.support.catalog import database_rows
from tests.support.data import SMALL_CATALOG


async def test_the_snapshot_holds_exactly_the_rows_the_importers_write(
    migrated_db: Path, tmp_path: Path
) -> None:
    for name in ("imported.db", "copied.db"):  # empty, migrated databases
        shutil.copy(migrated_db, tmp_path / name)
    # The importers, run here over the bundled TOML and kpopnet (use_snapshot=False) ...
    async with Store.open(tmp_path / "imported.db") as store:
        imported = await ensure_bundled_loaded(store, use_snapshot=False)
    # ... and the snapshot an empty database loads (built first if none is current).
    async with Store.open(tmp_path / "copied.db") as store:
        copied = await ensure_bundled_loaded(store)
        version = await store.user_version()
    data_dir = bundled_data_dir()
    assert any(is_current(p, version, fingerprint(data_dir)) for p in snapshot_paths(data_dir))
    assert [(r.origin, r.counts) for r in copied] == [(r.origin, r.counts) for r in imported]
    want, got = database_rows(tmp_path / "imported.db"), database_rows(tmp_path / "copied.db")
    assert list(got) == list(want)
    for table in want:  # table by table, so a difference names its table
        assert got[table] == want[table], table
    assert len(want["entities"]) > 1000 and len(want["names_fts"]) > 10000
    assert any("romanized" in r for r in want["names"])  # generated names are rows too


class _Loader:
    """Import a test catalog folder, counting the builds (a snapshot's loader)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.builds = 0

    async def __call__(self, store: Store, progress: Progress) -> list[ImportReport]:
        self.builds += 1
        return [await import_catalog(store, [self.folder], progress=progress)]


async def _load_into(empty: Path, path: Path, data_dir: Path, loader: _Loader) -> list[str]:
    shutil.copy(empty, path)
    async with Store.open(path) as store:
        reports = await load_snapshot(store, data_dir, loader)
        assert reports is not None and reports[0].origin == "catalog"
        rows = await store.fetchall("SELECT name FROM names WHERE kind = 'song' ORDER BY name")
        assert await db.count_entities(store) > 0
    return [str(r[0]) for r in rows]


async def test_a_stale_snapshot_is_refused_and_built_again(
    migrated_db: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "bundled"
    shutil.copytree(SMALL_CATALOG, data_dir / "catalog")
    loader = _Loader(data_dir / "catalog")
    built = data_dir / "bundled.sqlite"

    first = await _load_into(migrated_db, tmp_path / "one.db", data_dir, loader)
    assert loader.builds == 1 and built.is_file() and "Love wins all" in first
    assert await _load_into(migrated_db, tmp_path / "two.db", data_dir, loader) == first
    assert loader.builds == 1  # current: copied, not built

    # An edited TOML file: the old snapshot's rows must not load.
    song = data_dir / "catalog" / "iu.toml"
    song.write_text(
        song.read_text(encoding="utf-8").replace('title = "Love wins all"', 'title = "Love won"'),
        encoding="utf-8",
    )
    edited = await _load_into(migrated_db, tmp_path / "three.db", data_dir, loader)
    assert loader.builds == 2
    assert "Love won" in edited and "Love wins all" not in edited

    # A snapshot of another schema version (an older or newer migration set) is refused too.
    with sqlite3.connect(built) as conn:
        conn.execute("PRAGMA user_version = 1")
    assert await _load_into(migrated_db, tmp_path / "four.db", data_dir, loader) == edited
    assert loader.builds == 3


async def test_a_snapshot_that_is_no_database_is_built_again(
    migrated_db: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "bundled"
    shutil.copytree(SMALL_CATALOG, data_dir / "catalog")
    (data_dir / "bundled.sqlite").write_bytes(b"not a database")
    loader = _Loader(data_dir / "catalog")
    assert "Love wins all" in await _load_into(migrated_db, tmp_path / "one.db", data_dir, loader)
    assert loader.builds == 1


def test_the_check_finds_the_snapshot_the_template_was_copied_from(
    template_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The session's template loaded the bundled data from a current snapshot (built if none was).
    assert snapshot_main(["--check"]) == 0
    found = capsys.readouterr().out
    assert found.startswith("current bundled snapshot: ") and found.strip().endswith(".sqlite")


@pytest.mark.postgres
async def test_postgresql_loads_the_snapshot_as_sqlite_does(
    postgres_url: str, migrated_db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # An empty PostgreSQL database loads the SQLite snapshot by COPY: the rows SQLite loads
    # (which are the importers', above), its trigram table filled, its ids moved past them.
    shutil.copy(migrated_db, tmp_path / "copied.db")
    async with Store.open(tmp_path / "copied.db") as store:
        on_sqlite = await ensure_bundled_loaded(store)
        want = await catalog.snapshot(store)
    async with Store.open(postgres_url) as store:
        before = await store.catalog_version()
        with caplog.at_level(logging.INFO, logger="bot.knowledge.importers.snapshot"):
            copied = await ensure_bundled_loaded(store)
        assert "bundled data loaded from the snapshot" in caplog.text
        assert await store.catalog_version() != before  # reads kept before are dropped
        assert [(r.origin, r.counts) for r in copied] == [(r.origin, r.counts) for r in on_sqlite]
        got = await catalog.snapshot(store)
        for table in want:  # table by table, so a difference names its table
            assert got[table] == want[table], table
        assert len(want["entities"]) > 1000 and len(want["names"]) > 5000
        # Each name's trigrams, exactly (as the trigger writes them, in one statement here).
        for missing in (
            "SELECT name_grams_of(norm), id FROM names EXCEPT SELECT gram, id FROM name_grams",
            "SELECT gram, id FROM name_grams EXCEPT SELECT name_grams_of(norm), id FROM names",
        ):
            assert await store.fetchall(missing) == [], missing
        # New rows take ids after the copied ones, and the trigger is back on.
        async with store.transaction() as conn:
            new, created = await db.ensure_entity(conn, "song", "test:new", "test", "Zqxwv")
            await db.add_names(
                conn,
                [NameInsert(new, "song", "Zqxwv", "zqxwv", "title", None, True, "test")],
                overwrite=False,
            )
        assert created and new > max(r[0] for r in got["entities"])
        grams = await store.fetchall(
            "SELECT gram FROM name_grams g JOIN names n ON n.id = g.id WHERE n.entity_id = ?",
            (new,),
        )
        assert len(grams) == 3  # zqx, qxw, xwv
        assert await ensure_bundled_loaded(store) == []  # loaded: nothing again
