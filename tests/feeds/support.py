"""Helpers shared by the feed tests and the feed store tests."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from bot.core.errors import StoreError
from bot.store import Migration, Store, bundled_migrations


def feed_migrations() -> list[Migration]:
    """Return the bundled migrations; while 0002 is not there yet, 0001 and 0003 renumbered."""
    try:
        return bundled_migrations()
    except StoreError:
        folder = resources.files("bot.store.migrations")
        first = folder.joinpath("0001_initial.sql").read_text("utf-8")
        feeds = folder.joinpath("0003_feeds.sql").read_text("utf-8")
        return [Migration(1, "0001_initial.sql", first), Migration(2, "0003_feeds.sql", feeds)]


async def open_store(path: Path) -> Store:
    """Open (and migrate) a real SQLite database for the feed tables."""
    return await Store.open(path, migrations=feed_migrations())
