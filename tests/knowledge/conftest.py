"""Stores for knowledge tests: real SQLite files, migrated, loaded from fixture data."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.knowledge.importers import import_catalog, import_kpopnet
from bot.store import Store
from tests.support.data import KPOPNET, SMALL_CATALOG, SNAPSHOT_CATALOG
from tests.support.shared import built_once


@pytest.fixture
async def store(migrated_db: Path, tmp_path: Path) -> AsyncIterator[Store]:
    """Yield an empty, migrated store (a copy of the run's migrated database, tests/conftest.py)."""
    shutil.copy(migrated_db, tmp_path / "t.db")
    async with Store.open(tmp_path / "t.db") as s:
        yield s


def _build(path: Path, catalog: Path, with_kpopnet: bool) -> None:
    async def run() -> None:
        async with Store.open(path) as s:
            await import_catalog(s, [catalog])
            if with_kpopnet:
                await import_kpopnet(s, KPOPNET)

    asyncio.run(run())


@pytest.fixture(scope="session")
def _snapshot_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_once(
        tmp_path_factory, "snapshot.db", lambda p: _build(p, SNAPSHOT_CATALOG, with_kpopnet=True)
    )


@pytest.fixture(scope="session")
def _small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_once(
        tmp_path_factory, "small.db", lambda p: _build(p, SMALL_CATALOG, with_kpopnet=False)
    )


async def _open_copy(template: Path, tmp_path: Path) -> Store:
    target = tmp_path / "copy.db"
    shutil.copy(template, target)
    return await Store.open(target)


@pytest.fixture
async def full_store(_snapshot_db: Path, tmp_path: Path) -> AsyncIterator[Store]:
    """Yield a store with the catalog snapshot and kpopnet loaded (a private copy)."""
    async with await _open_copy(_snapshot_db, tmp_path) as s:
        yield s


@pytest.fixture
async def bundled_store(template_db: Path, tmp_path: Path) -> AsyncIterator[Store]:
    """Yield a store with the bundled catalog and kpopnet loaded (a private copy of the
    session's template, tests/conftest.py)."""
    s = await _open_copy(template_db, tmp_path)
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
async def small_store(_small_db: Path, tmp_path: Path) -> AsyncIterator[Store]:
    """Yield a store with the small fixture catalog loaded (a private copy)."""
    async with await _open_copy(_small_db, tmp_path) as s:
        yield s
